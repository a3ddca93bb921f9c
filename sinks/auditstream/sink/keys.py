"""Load the worker's manifest signing key from its settings (the only place that does).

Order: ``AUDITSTREAM_SINK__SIGNING_KEY_FILE``, then ``AUDITSTREAM_SINK__SIGNING_KEY``.
Without either, the worker refuses to start, unless
``AUDITSTREAM_SINK__DEV_GENERATE_SIGNING_KEY`` is set: then a fresh key is generated
(and stored in the configured file when that does not exist yet, so restarts keep it).
"""

from __future__ import annotations

import os

import structlog

from auditstream.archive.errors import SigningKeyError
from auditstream.archive.signing import Signer
from auditstream.sink.settings import SinkSection

log = structlog.get_logger(__name__)

_PRIVATE_FILE_MODE = 0o600


def load_signer(section: SinkSection) -> Signer:
    """Return the signer the settings configure.

    Args:
        section: The ``sink`` section of the settings.

    Returns:
        The signer.

    Raises:
        SigningKeyError: No key is configured (and generating one is not allowed), or
            the configured key cannot be read.
    """
    path = section.signing_key_file
    if path is not None:
        if path.exists() or not section.dev_generate_signing_key:
            return Signer.from_file(path)
        signer = Signer.generate()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                out.write(signer.private_pem())
        except OSError as exc:
            raise SigningKeyError(
                f"cannot store a generated key in AUDITSTREAM_SINK__SIGNING_KEY_FILE="
                f"{str(path)!r} ({exc.strerror or type(exc).__name__})"
            ) from exc
        log.warning(
            "signing_key_generated",
            key_id=signer.key_id,
            path=str(path),
            consequence="dev setup: manifests are signed by a key nobody provisioned",
        )
        return signer
    if section.signing_key is not None:
        secret = section.signing_key.get_secret_value().encode()
        return Signer.from_bytes(secret, source="AUDITSTREAM_SINK__SIGNING_KEY")
    if section.dev_generate_signing_key:
        signer = Signer.generate()
        log.warning(
            "signing_key_generated",
            key_id=signer.key_id,
            consequence="dev setup: the key lives only in this process; its public key is "
            "published, so its manifests still verify",
        )
        return signer
    raise SigningKeyError(
        "no key configured; set AUDITSTREAM_SINK__SIGNING_KEY_FILE (a file with an Ed25519 "
        "private key: PEM, 32 raw bytes, hex or base64) or AUDITSTREAM_SINK__SIGNING_KEY; "
        "for a dev setup, AUDITSTREAM_SINK__DEV_GENERATE_SIGNING_KEY=true generates one"
    )
