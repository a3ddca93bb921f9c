"""Manifests: the signed, hash-chained record of what each flush put into the archive.

One manifest per flush and Kafka partition, under::

    [<prefix>/]manifests/v1/p<partition>/<seq, 20 digits>.json

Sequence numbers start at 0 and are zero-padded so that keys sort in chain order. A
manifest lists the flush's objects (key, SHA-256, size, record count, offsets, time
range), the records of the batch sent to the DLQ instead (offset, error class, reason;
the field is left out when there are none, so manifests without dead letters read as
they always did), the consumer position before and after the batch, the SHA-256 of the
previous manifest's bytes, the signer's key id, and an Ed25519 signature over the
canonical JSON of every other field. The stored bytes are the canonical JSON of all
fields, signature included; their SHA-256 is what the next manifest names as ``prev_sha256``.

This module is pure: no I/O, no clients.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from auditstream.archive.errors import ManifestFormatError
from auditstream.archive.layout import normalize_prefix
from auditstream.archive.signing import Signer, canonical_json

MANIFEST_FORMAT = "auditstream.manifest.v1"
"""The ``format`` field of every version-1 manifest."""

MANIFEST_ROOT = "manifests/v1/"
"""Key prefix (below the configured prefix) of every version-1 manifest."""

KEYS_ROOT = "keys/"
"""Key prefix (below the configured prefix) of the published public keys."""

_SEQ_DIGITS = 20
_MANIFEST_KEY = re.compile(r"^p(?P<partition>\d+)/(?P<seq>\d{20})\.json$")


def manifest_prefix(prefix: str, partition: int) -> str:
    """Return the key prefix of one partition's manifests, ending in ``/``.

    Args:
        prefix: ``S3Settings.prefix``.
        partition: The Kafka partition.
    """
    return f"{normalize_prefix(prefix)}{MANIFEST_ROOT}p{partition}/"


def manifest_key(prefix: str, partition: int, seq: int) -> str:
    """Return the key of one manifest.

    Args:
        prefix: ``S3Settings.prefix``.
        partition: The Kafka partition.
        seq: The sequence number in the partition's chain.
    """
    return f"{manifest_prefix(prefix, partition)}{seq:0{_SEQ_DIGITS}d}.json"


def parse_manifest_key(key: str, prefix: str) -> tuple[int, int] | None:
    """Return ``(partition, seq)`` of a manifest key, or None for any other key.

    Args:
        key: A full object key.
        prefix: ``S3Settings.prefix``.
    """
    root = normalize_prefix(prefix) + MANIFEST_ROOT
    if not key.startswith(root):
        return None
    match = _MANIFEST_KEY.match(key[len(root) :])
    return (int(match["partition"]), int(match["seq"])) if match else None


def public_key_key(prefix: str, key_id: str) -> str:
    """Return the key under which a public key is published.

    Args:
        prefix: ``S3Settings.prefix``.
        key_id: The key id.
    """
    return f"{normalize_prefix(prefix)}{KEYS_ROOT}{key_id}.pub"


@dataclass(frozen=True, slots=True)
class ManifestObject:
    """One data object a manifest vouches for.

    Attributes:
        key: The full object key.
        sha256: SHA-256 of the object's bytes, lowercase hex.
        size: Size in bytes.
        records: Number of records in the object.
        first_offset: Offset of its first record.
        last_offset: Offset of its last record.
        min_timestamp_us: Earliest event time in it (microseconds since the epoch).
        max_timestamp_us: Latest event time in it.
        version_id: The store's version id of the bytes written, when it returned one.
            Verification reads that version, so a newer version put under the same key
            cannot stand in for it. Left out of the stored form when None, so manifests
            written before the field existed keep their bytes and signatures.
    """

    key: str
    sha256: str
    size: int
    records: int
    first_offset: int
    last_offset: int
    min_timestamp_us: int
    max_timestamp_us: int
    version_id: str | None = None


@dataclass(frozen=True, slots=True)
class ManifestDeadLetter:
    """One record of a batch that went to the DLQ instead of the archive.

    Attributes:
        offset: The record's offset.
        error_class: Why it was refused: the codec's error class.
        reason: The codec's message (sizes and offsets, never payload text).
    """

    offset: int
    error_class: str
    reason: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """One link of a partition's chain.

    Attributes:
        topic: The Kafka topic.
        partition: The Kafka partition.
        seq: Position in the chain, from 0.
        position_before: The consumer position before the batch (the previous
            manifest's ``position_after``; for seq 0, the first offset read).
        position_after: The consumer position after the batch (last offset + 1).
        records: Records archived: the sum of the objects' records.
        objects: The data objects, in key order.
        prev_sha256: SHA-256 of the previous manifest's bytes; None for seq 0.
        written_at: UTC time of writing, ISO 8601 with ``Z``.
        unlocked: True when written to a bucket without Object Lock (dev setups).
        signer_key_id: Id of the key that signed it.
        signature: Base64 Ed25519 signature over :meth:`signed_payload`.
        dead_letters: The batch's records sent to the DLQ, in offset order.
    """

    topic: str
    partition: int
    seq: int
    position_before: int
    position_after: int
    records: int
    objects: tuple[ManifestObject, ...]
    prev_sha256: str | None
    written_at: str
    unlocked: bool
    signer_key_id: str
    signature: str = ""
    dead_letters: tuple[ManifestDeadLetter, ...] = ()

    def body(self) -> dict[str, Any]:
        """Return every field but the signature, as a JSON-able dict."""
        body: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "topic": self.topic,
            "partition": self.partition,
            "seq": self.seq,
            "position_before": self.position_before,
            "position_after": self.position_after,
            "records": self.records,
            "objects": [_object_dict(o) for o in self.objects],
            "prev_sha256": self.prev_sha256,
            "written_at": self.written_at,
            "unlocked": self.unlocked,
            "signer_key_id": self.signer_key_id,
        }
        if self.dead_letters:
            body["dead_letters"] = [_fields_dict(d) for d in self.dead_letters]
        return body

    def signed_payload(self) -> bytes:
        """Return the bytes the signature covers: canonical JSON of :meth:`body`."""
        return canonical_json(self.body())

    def signed(self, signer: Signer) -> Manifest:
        """Return a copy with ``signer_key_id`` set and signed by ``signer``.

        Args:
            signer: The worker's signer.
        """
        unsigned = _replace(self, signer_key_id=signer.key_id, signature="")
        return _replace(unsigned, signature=signer.sign(unsigned.signed_payload()))

    def to_bytes(self) -> bytes:
        """Return the stored form: canonical JSON of every field, signature included."""
        return canonical_json({**self.body(), "signature": self.signature})

    def sha256(self) -> str:
        """Return the SHA-256 (hex) of the stored form: what the next manifest links to."""
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @classmethod
    def from_bytes(cls, data: bytes, *, key: str) -> Manifest:
        """Parse a stored manifest.

        Args:
            data: The object's bytes.
            key: Its key, for error messages.

        Returns:
            The manifest (its signature is not checked here).

        Raises:
            ManifestFormatError: Not JSON, another format, or a field missing or mistyped.
        """
        raw = load_format_object(data, key=key, expected_format=MANIFEST_FORMAT)
        try:
            objects = tuple(ManifestObject(**_object_fields(o)) for o in raw["objects"])
            dead_letters = tuple(
                ManifestDeadLetter(**_dead_letter_fields(d)) for d in raw.get("dead_letters", ())
            )
            prev = raw["prev_sha256"]
            manifest = cls(
                topic=typed_field(raw["topic"], str),
                partition=typed_field(raw["partition"], int),
                seq=typed_field(raw["seq"], int),
                position_before=typed_field(raw["position_before"], int),
                position_after=typed_field(raw["position_after"], int),
                records=typed_field(raw["records"], int),
                objects=objects,
                prev_sha256=None if prev is None else typed_field(prev, str),
                written_at=typed_field(raw["written_at"], str),
                unlocked=typed_field(raw["unlocked"], bool),
                signer_key_id=typed_field(raw["signer_key_id"], str),
                signature=typed_field(raw["signature"], str),
                dead_letters=dead_letters,
            )
        except (KeyError, TypeError) as exc:
            raise ManifestFormatError(key, reason=f"missing or mistyped field ({exc})") from exc
        return manifest


def _replace(manifest: Manifest, **changes: Any) -> Manifest:
    fields = {name: getattr(manifest, name) for name in Manifest.__dataclass_fields__}
    return Manifest(**(fields | changes))


def _fields_dict(entry: ManifestObject | ManifestDeadLetter) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in type(entry).__dataclass_fields__}


def _object_dict(entry: ManifestObject) -> dict[str, Any]:
    fields = _fields_dict(entry)
    if entry.version_id is None:
        del fields["version_id"]
    return fields


_OBJECT_FIELDS = frozenset(ManifestObject.__dataclass_fields__)
_OBJECT_TEXT_FIELDS = frozenset({"key", "sha256", "version_id"})


def _object_fields(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not (
        _OBJECT_FIELDS - {"version_id"} <= set(raw) <= _OBJECT_FIELDS
    ):
        raise TypeError("an object entry has other fields than a manifest object")
    for name, value in raw.items():
        typed_field(value, str if name in _OBJECT_TEXT_FIELDS else int)
    return raw


def _dead_letter_fields(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or set(raw) != set(ManifestDeadLetter.__dataclass_fields__):
        raise TypeError("a dead-letter entry has other fields than a manifest dead letter")
    for name, value in raw.items():
        typed_field(value, int if name == "offset" else str)
    return raw


def typed_field(value: Any, kind: type) -> Any:
    """Return a parsed JSON value if it has the given type.

    Args:
        value: The value.
        kind: ``str``, ``int`` (booleans excluded) or ``bool``.

    Raises:
        TypeError: The value has another type.
    """
    # bool is an int in Python; a JSON true where a number belongs is still wrong.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def load_format_object(data: bytes, *, key: str, expected_format: str) -> dict[str, Any]:
    """Parse JSON bytes into a dict whose ``format`` field is ``expected_format``.

    Args:
        data: The object's bytes.
        key: Its key, for error messages.
        expected_format: The required ``format`` value.

    Raises:
        ManifestFormatError: Not a JSON object of that format.
    """
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestFormatError(key, reason=f"not JSON ({type(exc).__name__})") from exc
    if not isinstance(raw, dict):
        raise ManifestFormatError(key, reason="not a JSON object")
    if raw.get("format") != expected_format:
        raise ManifestFormatError(key, reason=f"format is not {expected_format}")
    return raw
