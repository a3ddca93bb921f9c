"""Digests: signed snapshots of every partition's chain head, like CloudTrail's digest files.

A manifest chain proves that nothing inside it changed, but not that its newest links
still exist: deleting the last manifests leaves a shorter chain that verifies. A digest,
written every interval under::

    [<prefix>/]digests/v1/<interval start, YYYYMMDDTHHMMSSZ>.json

names each partition's head (sequence number and SHA-256) at that time, so a chain
shorter than a digest says, or a head that differs from it, is detected. The interval
start in the key makes the workers of a group agree on one digest per interval
(``If-None-Match: *``: the first one wins).

Like CloudTrail's digest files, each digest (format version 2) names the digest before
it, by key and SHA-256, and records the interval it was written at: deleting a digest
breaks the chain of those after it, and deleting the newest ones leaves manifests newer
than the newest digest by more than the interval
(:func:`~auditstream.archive.checks.check_digest_chain`).
Version-1 digests carry no link and are accepted as they are. This module is pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from auditstream.archive.errors import ManifestFormatError
from auditstream.archive.layout import normalize_prefix
from auditstream.archive.manifest import load_format_object, typed_field
from auditstream.archive.signing import Signer, canonical_json

DIGEST_FORMAT = "auditstream.digest.v2"
"""The ``format`` field of the digests written now."""

LEGACY_DIGEST_FORMAT = "auditstream.digest.v1"
"""Digests written before digests were chained: no ``previous``, no ``interval_s``."""

DIGEST_ROOT = "digests/v1/"
"""Key prefix (below the configured prefix) of every version-1 digest."""

_KEY_TIME = "%Y%m%dT%H%M%SZ"


def digest_key(prefix: str, interval_start: datetime) -> str:
    """Return the key of the digest of one interval.

    Args:
        prefix: ``S3Settings.prefix``.
        interval_start: Aware UTC start of the interval.
    """
    return f"{normalize_prefix(prefix)}{DIGEST_ROOT}{interval_start.strftime(_KEY_TIME)}.json"


def interval_start(now: datetime, interval_s: float) -> datetime:
    """Return the start of the digest interval ``now`` falls in (aligned to the epoch).

    Args:
        now: Aware UTC time.
        interval_s: The interval length in seconds.
    """
    seconds = int(now.timestamp() // interval_s * interval_s)
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True, slots=True)
class DigestHead:
    """One partition's chain head as a digest records it.

    Attributes:
        partition: The Kafka partition.
        seq: The head's sequence number.
        sha256: SHA-256 of the head manifest's bytes.
        position_after: The head's consumer position after its batch.
    """

    partition: int
    seq: int
    sha256: str
    position_after: int


@dataclass(frozen=True, slots=True)
class DigestLink:
    """The digest before this one.

    Attributes:
        key: Its object key.
        sha256: SHA-256 of its stored bytes.
    """

    key: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Digest:
    """A signed list of chain heads.

    Attributes:
        topic: The Kafka topic of the chains.
        interval_start: ISO 8601 UTC start of the interval it was written for.
        written_at: ISO 8601 UTC time of writing.
        heads: Every partition's head, by partition.
        unlocked: True when written to a bucket without Object Lock (dev setups).
        signer_key_id: Id of the signing key.
        previous: The digest before this one; None for the first (and for version 1).
        interval_s: The writers' digest interval in seconds (None for version 1).
        signature: Base64 Ed25519 signature over :meth:`signed_payload`.
        legacy: A version-1 digest, read from an older archive.
    """

    topic: str
    interval_start: str
    written_at: str
    heads: tuple[DigestHead, ...]
    unlocked: bool
    signer_key_id: str
    previous: DigestLink | None = None
    interval_s: int | None = None
    signature: str = ""
    legacy: bool = False

    def body(self) -> dict[str, Any]:
        """Return every field but the signature, as a JSON-able dict."""
        chained: dict[str, Any] = {}
        if not self.legacy:
            previous = self.previous
            chained = {
                "previous": {"key": previous.key, "sha256": previous.sha256} if previous else None,
                "interval_s": self.interval_s,
            }
        return {
            **chained,
            "format": LEGACY_DIGEST_FORMAT if self.legacy else DIGEST_FORMAT,
            "topic": self.topic,
            "interval_start": self.interval_start,
            "written_at": self.written_at,
            "heads": [
                {
                    "partition": h.partition,
                    "seq": h.seq,
                    "sha256": h.sha256,
                    "position_after": h.position_after,
                }
                for h in self.heads
            ],
            "unlocked": self.unlocked,
            "signer_key_id": self.signer_key_id,
        }

    def signed_payload(self) -> bytes:
        """Return the bytes the signature covers: canonical JSON of :meth:`body`."""
        return canonical_json(self.body())

    def signed(self, signer: Signer) -> Digest:
        """Return a copy signed by ``signer``.

        Args:
            signer: The worker's signer.
        """
        unsigned = replace(self, signer_key_id=signer.key_id, signature="")
        return replace(unsigned, signature=signer.sign(unsigned.signed_payload()))

    def to_bytes(self) -> bytes:
        """Return the stored form: canonical JSON of every field, signature included."""
        return canonical_json({**self.body(), "signature": self.signature})

    @classmethod
    def from_bytes(cls, data: bytes, *, key: str) -> Digest:
        """Parse a stored digest (its signature is not checked here).

        Args:
            data: The object's bytes.
            key: Its key, for error messages.

        Raises:
            ManifestFormatError: Not a valid digest.
        """
        try:
            raw = load_format_object(data, key=key, expected_format=DIGEST_FORMAT)
            legacy = False
        except ManifestFormatError:
            raw = load_format_object(data, key=key, expected_format=LEGACY_DIGEST_FORMAT)
            legacy = True
        try:
            previous = None if legacy else raw["previous"]
            if previous is not None and not isinstance(previous, dict):
                raise TypeError("previous is not an object")
            heads = tuple(
                DigestHead(
                    partition=typed_field(h["partition"], int),
                    seq=typed_field(h["seq"], int),
                    sha256=typed_field(h["sha256"], str),
                    position_after=typed_field(h["position_after"], int),
                )
                for h in raw["heads"]
            )
            return cls(
                topic=typed_field(raw["topic"], str),
                interval_start=typed_field(raw["interval_start"], str),
                written_at=typed_field(raw["written_at"], str),
                heads=heads,
                unlocked=typed_field(raw["unlocked"], bool),
                signer_key_id=typed_field(raw["signer_key_id"], str),
                previous=DigestLink(
                    key=typed_field(previous["key"], str),
                    sha256=typed_field(previous["sha256"], str),
                )
                if previous
                else None,
                interval_s=None
                if raw.get("interval_s") is None
                else typed_field(raw["interval_s"], int),
                signature=typed_field(raw["signature"], str),
                legacy=legacy,
            )
        except (KeyError, TypeError) as exc:
            raise ManifestFormatError(key, reason=f"missing or mistyped field ({exc})") from exc
