"""The worker's keys: the one that signs its manifests, and the ones it trusts.

The signing key (:func:`load_signer`, the only place that reads it) comes from
``AUDITSTREAM_SINK__SIGNING_KEY_FILE``, then ``AUDITSTREAM_SINK__SIGNING_KEY``. Without
either, the worker refuses to start, unless ``AUDITSTREAM_SINK__DEV_GENERATE_SIGNING_KEY``
is set: then a fresh key is generated (and stored in the configured file when that does
not exist yet, so restarts keep it).

The trusted keys (:func:`load_trust`) decide which chain heads the worker may resume
from: its own key, the configured keyring (``AUDITSTREAM_TRUST__*``), and the keys that
rotation records signed by those hand trust to. A key merely published in the bucket is
never trusted.
"""

from __future__ import annotations

import os

import structlog

from auditstream.archive.chain import ChainReader
from auditstream.archive.errors import SigningKeyError
from auditstream.archive.signing import Signer
from auditstream.archive.trust import (
    ROTATION_ROOT,
    Keyring,
    extend_by_rotations,
    load_keyring,
    parse_rotations,
)
from auditstream.schemas.settings import TrustSettings
from auditstream.sink.errors import UntrustedSignerError
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


def load_trust(trust: TrustSettings, signer: Signer, reader: ChainReader) -> Keyring:
    """Return the keys whose chain heads this worker may resume from.

    Args:
        trust: ``AUDITSTREAM_TRUST__*``.
        signer: The worker's own signer (always trusted by the worker itself).
        reader: Reads the rotation records in the bucket.

    Raises:
        SigningKeyError: The configured keyring cannot be read.
        UntrustedSignerError: A keyring is configured, and neither it nor a rotation it
            signed trusts the worker's own key: auditors would reject its manifests.
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    files = [trust.keyring_file] if trust.keyring_file else []
    configured = load_keyring(files, text=trust.keys)
    rotations, broken = parse_rotations(reader.read_all(ROTATION_ROOT))
    if configured is not None:
        from_keyring, _ = extend_by_rotations(configured, rotations)
        if signer.key_id not in from_keyring:
            raise UntrustedSignerError(signer.key_id, trusted=from_keyring.key_ids())
    base = Keyring.of(signer.public_key).union(configured or Keyring({}))
    keyring, untrusted = extend_by_rotations(base, rotations)
    for record in [*broken, *untrusted]:
        log.warning(
            "key_rotation_not_followed",
            key=record.key,
            reason=record.reason,
            consequence="heads signed by the key it names are not trusted",
        )
    if configured is None:
        log.warning(
            "no_keyring_configured",
            trusted=keyring.key_ids(),
            consequence="only this worker's own key (and rotations it signed) is trusted; "
            "set AUDITSTREAM_TRUST__KEYRING_FILE so auditors and workers share one anchor",
        )
    log.info("trusted_keys", key_ids=keyring.key_ids())
    return keyring
