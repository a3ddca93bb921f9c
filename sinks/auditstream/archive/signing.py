"""Ed25519 keys of the archive: load the signer, name keys, sign and verify canonical JSON.

A key id is the first 16 hex digits of the SHA-256 of the raw 32-byte public key, so
anyone holding a public key can check which manifests it signed. Public keys are
published in the bucket as PEM (``keys/<key id>.pub``); private keys never leave the
worker and never reach ``repr``, logs or error messages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from auditstream.archive.errors import SigningKeyError

_RAW_KEY_BYTES = 32
_KEY_ID_HEX = 16


def canonical_json(value: Any) -> bytes:
    """Return the canonical JSON bytes of a value: sorted keys, no spaces, UTF-8.

    Manifests and digests hold only strings, integers, booleans, null, lists and
    objects (no floats), so this form is unambiguous and easy to rebuild in any language.

    Args:
        value: A JSON-able value.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Return the key id: the first 16 hex digits of SHA-256 of the raw public key.

    Args:
        public_key: The public key.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:_KEY_ID_HEX]


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    """Return a public key as PEM (SubjectPublicKeyInfo), the form published in the bucket.

    Args:
        public_key: The public key.
    """
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(data: bytes, *, key_id: str) -> Ed25519PublicKey:
    """Parse a published public key and check that it has the id it was published under.

    Args:
        data: PEM bytes, as :func:`public_key_pem` writes them.
        key_id: The id the key was found under.

    Returns:
        The public key.

    Raises:
        SigningKeyError: The bytes are not an Ed25519 public key, or its id differs.
    """
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SigningKeyError(f"published key {key_id} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"published key {key_id} is not an Ed25519 key")
    if key_id_of(key) != key_id:
        raise SigningKeyError(f"published key {key_id} has the id {key_id_of(key)}")
    return key


def verify_signature(public_key: Ed25519PublicKey, signature_b64: str, payload: bytes) -> bool:
    """Return whether a base64 Ed25519 signature is valid for a payload.

    Args:
        public_key: The signer's public key.
        signature_b64: The signature, standard base64.
        payload: The signed bytes (canonical JSON).
    """
    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), payload)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


class Signer:
    """Signs manifests and digests with one Ed25519 private key.

    Args:
        private_key: The key.
    """

    __slots__ = ("_key", "key_id", "public_key")

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r})"

    @classmethod
    def generate(cls) -> Signer:
        """Return a signer with a fresh random key (dev setups and tests)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str) -> Signer:
        """Load a private key from PEM (PKCS#8), 32 raw bytes, 64 hex digits or base64.

        Args:
            data: The key material.
            source: Where it came from (a variable name or path), for error messages.

        Returns:
            The signer.

        Raises:
            SigningKeyError: The material is none of the accepted forms.
        """
        stripped = data.strip()
        if stripped.startswith(b"-----BEGIN"):
            try:
                key = serialization.load_pem_private_key(stripped, password=None)
            except (ValueError, TypeError) as exc:
                raise SigningKeyError(f"{source} is not an unencrypted PEM private key") from exc
            if not isinstance(key, Ed25519PrivateKey):
                raise SigningKeyError(f"{source} holds a PEM key that is not Ed25519")
            return cls(key)
        raw = _raw_key(data, stripped)
        if raw is None:
            raise SigningKeyError(
                f"{source} must hold an Ed25519 private key: PEM (PKCS#8), 32 raw bytes, "
                "64 hex digits or base64 of 32 bytes"
            )
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        """Load a private key file (see :meth:`from_bytes` for the accepted forms).

        Args:
            path: The file.

        Raises:
            SigningKeyError: The file cannot be read or holds no Ed25519 key.
        """
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SigningKeyError(
                f"cannot read AUDITSTREAM_SINK__SIGNING_KEY_FILE={str(path)!r} "
                f"({exc.strerror or type(exc).__name__})"
            ) from exc
        return cls.from_bytes(data, source=f"AUDITSTREAM_SINK__SIGNING_KEY_FILE={str(path)!r}")

    def private_pem(self) -> bytes:
        """Return the private key as unencrypted PKCS#8 PEM (to store a generated dev key)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def sign(self, payload: bytes) -> str:
        """Sign bytes and return the signature as standard base64.

        Args:
            payload: The canonical JSON to sign.
        """
        return base64.b64encode(self._key.sign(payload)).decode()


def _raw_key(data: bytes, stripped: bytes) -> bytes | None:
    if len(data) == _RAW_KEY_BYTES:
        return data
    try:
        text = stripped.decode("ascii")
    except UnicodeDecodeError:
        return None
    if len(text) == 2 * _RAW_KEY_BYTES:
        try:
            return bytes.fromhex(text)
        except ValueError:
            return None
    try:
        decoded = base64.b64decode(text, validate=True)
    except binascii.Error:
        return None
    return decoded if len(decoded) == _RAW_KEY_BYTES else None
