"""Which signer keys to trust: a keyring from outside the archive, extended by rotations.

An archive that vouches for itself proves nothing: anyone who may write to the bucket
can publish a key under ``keys/`` and sign with it. So trust comes from a
:class:`Keyring` the operator or auditor configures (public keys in PEM), never from
what sits in the bucket. A key is rotated by a :class:`KeyRotation` record, signed by
the old key and naming the new one, stored under::

    [<prefix>/]keys/rotations/<old key id>-<new key id>.json

so a keyring needs only the first key: :func:`extend_by_rotations` follows the records
whose signer it already trusts. A record signed by any other key is not followed, and
is reported. This module is pure: no I/O.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from auditstream.archive.errors import ManifestFormatError, SigningKeyError
from auditstream.archive.layout import normalize_prefix
from auditstream.archive.manifest import KEYS_ROOT, load_format_object, typed_field
from auditstream.archive.signing import (
    Signer,
    canonical_json,
    key_id_of,
    public_key_pem,
    verify_signature,
)

ROTATION_FORMAT = "auditstream.key-rotation.v1"
"""The ``format`` field of every version-1 key rotation record."""

ROTATION_ROOT = f"{KEYS_ROOT}rotations/"
"""Key prefix (below the configured prefix) of key rotation records."""

_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+?-----END PUBLIC KEY-----")


class TrustSource(enum.StrEnum):
    """Where the keys that signatures were checked against came from."""

    KEYRING = "keyring"
    """Keys configured outside the archive (and rotations they signed)."""
    ARCHIVE = "archive"
    """Keys published in the archive itself: proves integrity only against someone who
    could not write to the bucket."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Keyring:
    """Trusted Ed25519 public keys, by key id.

    Attributes:
        keys: The keys, by key id.
    """

    keys: Mapping[str, Ed25519PublicKey]

    @classmethod
    def of(cls, *keys: Ed25519PublicKey) -> Keyring:
        """Return a keyring holding these keys."""
        return cls({key_id_of(k): k for k in keys})

    @classmethod
    def from_pem(cls, data: bytes, *, source: str) -> Keyring:
        """Parse one or more PEM public keys (a keyring file holds them one after another).

        Args:
            data: The PEM text.
            source: Where it came from (a path or variable name), for error messages.

        Raises:
            SigningKeyError: No PEM public key is found, or one is not Ed25519.
        """
        blocks = _PEM_BLOCK.findall(data)
        if not blocks:
            raise SigningKeyError(
                f"{source} holds no PEM public key (-----BEGIN PUBLIC KEY-----); "
                "`audit keys export` prints one"
            )
        keys = []
        for block in blocks:
            try:
                key = serialization.load_pem_public_key(block)
            except ValueError as exc:
                raise SigningKeyError(f"{source} holds a PEM block that does not parse") from exc
            if not isinstance(key, Ed25519PublicKey):
                raise SigningKeyError(f"{source} holds a public key that is not Ed25519")
            keys.append(key)
        return cls.of(*keys)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self.keys

    def __len__(self) -> int:
        return len(self.keys)

    def union(self, other: Keyring) -> Keyring:
        """Return a keyring holding the keys of both."""
        return Keyring({**self.keys, **other.keys})

    def key_ids(self) -> list[str]:
        """Return the trusted key ids, sorted."""
        return sorted(self.keys)


def load_keyring(files: Iterable[Path], *, text: str | None = None) -> Keyring | None:
    """Read the trusted keys from files and PEM text; None when neither names a key.

    Args:
        files: Keyring files (``--key``, ``AUDITSTREAM_TRUST__KEYRING_FILE``), each holding
            one or more PEM public keys.
        text: PEM text (``AUDITSTREAM_TRUST__KEYS``).

    Raises:
        SigningKeyError: A file cannot be read, or a source holds no valid Ed25519 key.
    """
    keyring = Keyring({})
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SigningKeyError(
                f"cannot read the keyring file {str(path)!r} ({exc.strerror or type(exc).__name__})"
            ) from exc
        keyring = keyring.union(Keyring.from_pem(data, source=f"keyring file {str(path)!r}"))
    if text:
        keyring = keyring.union(Keyring.from_pem(text.encode(), source="AUDITSTREAM_TRUST__KEYS"))
    return keyring or None


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """A record, signed by the old key, that hands trust on to a new key.

    Attributes:
        new_public_key: The new key, PEM.
        rotated_at: ISO 8601 UTC time of the rotation.
        signer_key_id: Id of the old key, which signs the record.
        signature: Base64 Ed25519 signature over :meth:`signed_payload`.
    """

    new_public_key: str
    rotated_at: str
    signer_key_id: str = ""
    signature: str = ""

    @property
    def new_key(self) -> Ed25519PublicKey:
        """The new public key.

        Raises:
            SigningKeyError: The PEM does not hold an Ed25519 key.
        """
        keyring = Keyring.from_pem(self.new_public_key.encode(), source="a rotation record")
        (key,) = keyring.keys.values()
        return key

    def body(self) -> dict[str, Any]:
        """Return every field but the signature, as a JSON-able dict."""
        return {
            "format": ROTATION_FORMAT,
            "new_public_key": self.new_public_key,
            "rotated_at": self.rotated_at,
            "signer_key_id": self.signer_key_id,
        }

    def signed_payload(self) -> bytes:
        """Return the bytes the signature covers: canonical JSON of :meth:`body`."""
        return canonical_json(self.body())

    @classmethod
    def create(cls, old: Signer, new_key: Ed25519PublicKey, *, rotated_at: str) -> KeyRotation:
        """Return a rotation from ``old`` to ``new_key``, signed by ``old``.

        Args:
            old: The signer whose key is being retired.
            new_key: The public key that takes over.
            rotated_at: ISO 8601 UTC time.
        """
        unsigned = cls(public_key_pem(new_key).decode(), rotated_at, signer_key_id=old.key_id)
        return replace(unsigned, signature=old.sign(unsigned.signed_payload()))

    def to_bytes(self) -> bytes:
        """Return the stored form: canonical JSON of every field, signature included."""
        return canonical_json({**self.body(), "signature": self.signature})

    @classmethod
    def from_bytes(cls, data: bytes, *, key: str) -> KeyRotation:
        """Parse a stored rotation record (its signature is not checked here).

        Args:
            data: The object's bytes.
            key: Its key, for error messages.

        Raises:
            ManifestFormatError: Not a valid rotation record.
        """
        raw = load_format_object(data, key=key, expected_format=ROTATION_FORMAT)
        try:
            return cls(
                new_public_key=typed_field(raw["new_public_key"], str),
                rotated_at=typed_field(raw["rotated_at"], str),
                signer_key_id=typed_field(raw["signer_key_id"], str),
                signature=typed_field(raw["signature"], str),
            )
        except (KeyError, TypeError) as exc:
            raise ManifestFormatError(key, reason=f"missing or mistyped field ({exc})") from exc


def rotation_key(prefix: str, old_key_id: str, new_key_id: str) -> str:
    """Return the key under which the rotation from one key to another is stored.

    Args:
        prefix: ``S3Settings.prefix``.
        old_key_id: The retiring key's id.
        new_key_id: The new key's id.
    """
    return f"{normalize_prefix(prefix)}{ROTATION_ROOT}{old_key_id}-{new_key_id}.json"


@dataclass(frozen=True, slots=True)
class UntrustedRotation:
    """A rotation record that was not followed, and why.

    Attributes:
        key: Its object key.
        reason: What is wrong with it.
    """

    key: str
    reason: str


def parse_rotations(
    stored: Iterable[tuple[str, bytes]],
) -> tuple[list[tuple[str, KeyRotation]], list[UntrustedRotation]]:
    """Parse stored rotation records; those that do not parse are returned as untrusted.

    Args:
        stored: Each record's object key and bytes.
    """
    parsed, broken = [], []
    for key, data in stored:
        try:
            parsed.append((key, KeyRotation.from_bytes(data, key=key)))
        except ManifestFormatError as exc:
            broken.append(UntrustedRotation(key, exc.reason))
    return parsed, broken


def extend_by_rotations(
    keyring: Keyring, rotations: Iterable[tuple[str, KeyRotation]]
) -> tuple[Keyring, list[UntrustedRotation]]:
    """Follow every rotation record signed by a trusted key, transitively.

    Args:
        keyring: The keys trusted from outside the archive.
        rotations: Stored rotation records with their object keys.

    Returns:
        The extended keyring, and the records not followed: signed by a key that is
        not trusted, a signature that does not verify, or a new key that does not parse.
    """
    pending = list(rotations)
    trusted = dict(keyring.keys)
    rejected: dict[str, str] = {}
    progress = True
    while progress:
        progress = False
        for key, record in pending:
            signer = trusted.get(record.signer_key_id)
            if signer is None or key in rejected:
                continue
            if not verify_signature(signer, record.signature, record.signed_payload()):
                rejected[key] = f"signature by {record.signer_key_id} does not verify"
                continue
            try:
                new_key = record.new_key
            except SigningKeyError as exc:
                rejected[key] = exc.detail
                continue
            new_id = key_id_of(new_key)
            if not key.endswith(f"/{record.signer_key_id}-{new_id}.json"):
                rejected[key] = f"names other keys than it holds ({record.signer_key_id}-{new_id})"
                continue
            if new_id not in trusted:
                trusted[new_id] = new_key
                progress = True
    for key, record in pending:
        if record.signer_key_id not in trusted and key not in rejected:
            rejected[key] = f"signed by {record.signer_key_id}, a key the keyring does not trust"
    return Keyring(trusted), [UntrustedRotation(k, r) for k, r in sorted(rejected.items())]
