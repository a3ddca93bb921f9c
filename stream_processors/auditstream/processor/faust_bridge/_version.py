"""The faust-streaming version the bridge was written against, checked at start."""

from __future__ import annotations

import importlib.metadata
import re

from auditstream.processor.errors import FaustVersionError

DISTRIBUTION = "auditstream"
FAUST_DISTRIBUTION = "faust-streaming"

# ``faust-streaming==0.15.3`` or ``faust-streaming==0.15.3; extra == "processor"``.
_PIN = re.compile(r"^faust-streaming\s*==\s*(?P<version>[^;,\s]+)")


def pinned_faust_version() -> str | None:
    """The faust-streaming version pinned in pyproject.toml, as installed metadata states it.

    Returns:
        The pinned version, or None when the ``auditstream`` distribution is not installed
        or pins no exact version (the check then has nothing to compare against).
    """
    try:
        requirements = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        match = _PIN.match(requirement.strip())
        if match:
            return match.group("version")
    return None


def check_faust_version() -> str:
    """Fail unless the installed faust-streaming is the version pinned in pyproject.toml.

    The bridge reads and patches private state of that exact version; another one may
    keep the names and change what they mean, which would break exactly-once silently.

    Returns:
        The installed (and pinned) version.

    Raises:
        FaustVersionError: faust-streaming is missing, or not the pinned version, or the
            pin cannot be read.
    """
    pinned = pinned_faust_version()
    try:
        installed: str | None = importlib.metadata.version(FAUST_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if pinned is None or installed != pinned:
        raise FaustVersionError(installed=installed, pinned=pinned)
    return installed
