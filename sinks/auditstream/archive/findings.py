"""What verifying an archive found: one finding per failure, a report per partition chain.

Plain data, filled in by :mod:`auditstream.archive.verify` and read by the auditor's
renderers; nothing here reads the bucket.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field

from auditstream.archive.manifest import ManifestDeadLetter, ManifestObject
from auditstream.archive.trust import TrustSource


class FindingKind(enum.StrEnum):
    """What a verification failure is about."""

    FORMAT = "format"
    SIGNATURE = "signature"
    LINKAGE = "linkage"
    POSITION = "position"
    OBJECT = "object"
    RETENTION = "retention"
    DIGEST = "digest"
    VERSION = "version"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Finding:
    """One verification failure.

    Attributes:
        kind: What it is about.
        key: The object (manifest, data object or digest) it concerns.
        message: What was expected and what was found.
    """

    kind: FindingKind
    key: str
    message: str


@dataclass(slots=True)
class PartitionReport:
    """What verifying one partition's chain found.

    Attributes:
        partition: The Kafka partition.
        manifests: Manifests checked.
        head_seq: Sequence number of the newest manifest, None for an empty chain.
        head_sha256: SHA-256 of the head manifest.
        position_first: ``position_before`` of manifest 0.
        position_after: ``position_after`` of the head.
        records: Records in all chained objects.
        dead_letters: Records the chain names as sent to the DLQ instead, in chain order.
        objects: Chained data objects, by key.
        unlocked: Manifests that say they were written to an unlocked dev bucket.
        findings: The failures.
    """

    partition: int
    manifests: int = 0
    head_seq: int | None = None
    head_sha256: str | None = None
    position_first: int | None = None
    position_after: int | None = None
    records: int = 0
    dead_letters: list[ManifestDeadLetter] = field(default_factory=list)
    objects: dict[str, ManifestObject] = field(default_factory=dict)
    unlocked: int = 0
    findings: list[Finding] = field(default_factory=list)

    def fail(self, kind: FindingKind, key: str, message: str) -> None:
        """Record a failure.

        Args:
            kind: What it is about.
            key: The object it concerns.
            message: What was expected and found.
        """
        self.findings.append(Finding(kind, key, message))


@dataclass(slots=True)
class VerificationReport:
    """The result of :func:`verify_archive`.

    Attributes:
        bucket: The bucket.
        prefix: The archive prefix.
        partitions: One report per partition with manifests, by partition.
        digests: Digests checked.
        orphans: Data objects no manifest references whose positions a later manifest of
            their partition covers: left by a crash or a lost fence, their events are
            archived in chained objects (reported, not failures, never counted).
        pending: Data objects no manifest references yet, at or past their partition's
            chain head: a flush not chained yet (a running sink makes them; a sink that
            restarts covers them). Reported, not failures, never counted.
        findings: Failures outside a partition chain (digests, key rotations, data objects
            no manifest can explain).
        trust: Where the keys signatures were checked against came from: a keyring
            configured outside the archive, or the archive's own published keys.
        trusted_keys: The key ids signatures were checked against.
    """

    bucket: str
    prefix: str
    partitions: list[PartitionReport] = field(default_factory=list)
    digests: int = 0
    orphans: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    trust: TrustSource = TrustSource.ARCHIVE
    trusted_keys: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        """Every failure, chain by chain, then digests."""
        return [f for p in self.partitions for f in p.findings] + self.findings

    @property
    def ok(self) -> bool:
        """True when nothing failed (orphans are allowed), whatever the trust source."""
        return not self.failures

    @property
    def anchored(self) -> bool:
        """True when signatures were checked against keys from outside the archive."""
        return self.trust is TrustSource.KEYRING

    def to_json(self) -> str:
        """Return the report as indented JSON, with ``ok`` and ``anchored`` spelled out."""
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        data["anchored"] = self.anchored
        return json.dumps(data, indent=2, default=str)

    def chained_objects(self) -> dict[str, ManifestObject]:
        """Return every data object a manifest vouches for, by key (what queries count)."""
        return {k: o for p in self.partitions for k, o in p.objects.items()}
