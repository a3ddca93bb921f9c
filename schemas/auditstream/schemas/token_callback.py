"""OAUTHBEARER tokens from the operator's own code: ``module:function`` in a setting.

For clusters whose tokens no OIDC client-credentials grant gives, e.g. Amazon MSK's IAM
authentication: ``AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_TOKEN_CALLBACK=myorg.kafka:msk_token``
names a function taking no arguments and returning ``(token, expires_at)``, the expiry in
seconds since the Unix epoch. Every role calls it: librdkafka through ``oauth_cb`` (SDK,
sink, status, the processor's topic check), aiokafka through the processor's token
provider. This module needs no third-party package (the SDK imports it).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import cast

__all__ = ["TokenCallback", "librdkafka_oauth_cb", "load_token_callback"]

TokenCallback = Callable[[], tuple[str, float]]
"""Returns an OAUTHBEARER token and its expiry (seconds since the Unix epoch)."""

_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def load_token_callback(path: str) -> TokenCallback:
    """Import ``package.module:function`` and return the function.

    Args:
        path: The import path, module and attribute separated by a colon.

    Returns:
        The callable.

    Raises:
        ValueError: The path is malformed, cannot be imported, or names no callable;
            the message says which.
    """
    if not _PATH.match(path):
        msg = f"{path!r} is not an import path of the form package.module:function"
        raise ValueError(msg)
    module_name, _, attribute = path.partition(":")
    try:
        target: object = importlib.import_module(module_name)
    except ImportError as exc:
        msg = f"{path!r}: module {module_name!r} cannot be imported ({exc})"
        raise ValueError(msg) from exc
    for part in attribute.split("."):
        if not hasattr(target, part):
            msg = f"{path!r}: {module_name!r} has no attribute {attribute!r}"
            raise ValueError(msg)
        target = getattr(target, part)
    if not callable(target):
        msg = f"{path!r} is not callable"
        raise ValueError(msg)
    return cast("TokenCallback", target)


def librdkafka_oauth_cb(callback: TokenCallback) -> Callable[[str | None], tuple[str, float]]:
    """Adapt a token callback to confluent-kafka's ``oauth_cb`` (it passes a config string).

    Args:
        callback: The operator's token callback.

    Returns:
        A function for the ``oauth_cb`` property.
    """

    def oauth_cb(_oauthbearer_config: str | None) -> tuple[str, float]:
        token, expires_at = callback()
        return token, float(expires_at)

    return oauth_cb
