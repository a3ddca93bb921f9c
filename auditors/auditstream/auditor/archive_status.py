"""The archive's side of ``audit status``: each partition's chain head and the newest digest.

Cheap by design, because ``--watch`` calls it every few seconds: partitions are found by
one listing, each head by the sink's own search (:meth:`ChainReader.head`, a few HEAD
requests, seeded with the sequence number the newest digest names) and one manifest
read, and the newest digest by listing only the current day's digests (wider windows
only when that is empty). Nothing is verified here: no signatures, no object hashes, no
walk of a chain; ``audit verify`` does that. Reads only, never writes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from auditstream.archive.chain import ChainHead, ChainReader
from auditstream.archive.digest import DIGEST_ROOT, Digest, DigestHead, digest_key
from auditstream.archive.errors import (
    ArchiveError,
    ArchiveUnavailableError,
    BucketUnreachableError,
    ManifestFormatError,
)
from auditstream.archive.layout import normalize_prefix
from auditstream.archive.storage import check_bucket, make_s3_client
from auditstream.archive.store import S3ObjectStore
from auditstream.schemas.settings import S3Settings

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from mypy_boto3_s3 import S3Client


class DigestHeadState(enum.StrEnum):
    """How the newest digest's entry for a partition relates to its current chain head."""

    CURRENT = "current"
    """The digest names the current head (same sequence number and SHA-256)."""
    BEHIND = "behind"
    """Manifests were written after the digest: normal between two digests."""
    NOT_LISTED = "not_listed"
    """The partition's chain began after the digest: normal between two digests."""
    AHEAD = "ahead"
    """The digest names a manifest past the current head: manifests were deleted or hidden."""
    DIFFERENT = "different"
    """Same sequence number, another SHA-256: the head manifest was replaced."""
    GONE = "gone"
    """The digest names a partition that has no manifest now."""

    def __str__(self) -> str:
        return self.value


ANOMALIES = frozenset({DigestHeadState.AHEAD, DigestHeadState.DIFFERENT, DigestHeadState.GONE})
"""States no healthy archive shows; each calls for ``audit verify``."""


@dataclass(frozen=True)
class PartitionHead:
    """The newest manifest of one partition's chain.

    Attributes:
        partition: The Kafka partition.
        topic: The topic the chain archives.
        seq: The head's sequence number (chain length - 1).
        sha256: SHA-256 of the head manifest's bytes.
        written_at: When the sink wrote it (ISO 8601 UTC, as the manifest says).
        age_s: Seconds from ``written_at`` to the snapshot; None if it does not parse.
        position_after: The consumer position after the head's batch: what the sink
            committed (or is about to commit) for this partition.
    """

    partition: int
    topic: str
    seq: int
    sha256: str
    written_at: str
    age_s: float | None
    position_after: int


@dataclass(frozen=True)
class DigestComparison:
    """One partition in the newest digest against its current chain head.

    Attributes:
        partition: The Kafka partition.
        digest_seq: The head sequence number the digest names; None when not listed.
        head_seq: The current head's sequence number; None when the chain is empty.
        state: How the two relate.
        behind_by: Manifests written since the digest (0 unless behind or not listed).
    """

    partition: int
    digest_seq: int | None
    head_seq: int | None
    state: DigestHeadState
    behind_by: int


@dataclass(frozen=True)
class DigestStatus:
    """The newest digest and how it compares with the current chain heads.

    Attributes:
        key: The digest's object key.
        interval_start: Start of the interval it was written for (ISO 8601 UTC).
        written_at: When it was written (ISO 8601 UTC).
        age_s: Seconds from ``written_at`` to the snapshot; None if it does not parse.
        partitions: One comparison per partition the digest or the archive has.
    """

    key: str
    interval_start: str
    written_at: str
    age_s: float | None
    partitions: list[DigestComparison]

    @property
    def lists_current_heads(self) -> bool:
        """True when the digest names every partition's current head."""
        return all(c.state is DigestHeadState.CURRENT for c in self.partitions)

    @property
    def behind_by(self) -> int:
        """Manifests written since the digest, over all partitions."""
        return sum(c.behind_by for c in self.partitions)

    @property
    def consistent(self) -> bool:
        """False when a partition shows an anomaly (see :data:`ANOMALIES`)."""
        return not any(c.state in ANOMALIES for c in self.partitions)


@dataclass(frozen=True)
class ArchiveStatus:
    """The archive's chain heads and newest digest, or why they could not be read.

    Attributes:
        bucket: The archive bucket.
        prefix: The archive prefix.
        read_at: Wall-clock time of the snapshot (ISO 8601 UTC); ages count from it.
        lock: ``locked`` or ``unlocked-dev`` (see ``BucketLock``); None when unavailable.
        heads: Each partition's chain head, by partition.
        digest: The newest digest; None when none was written yet.
        unavailable: Why the archive could not be read and what to check; None when it was.
    """

    bucket: str
    prefix: str
    read_at: str
    lock: str | None = None
    heads: list[PartitionHead] = field(default_factory=list)
    digest: DigestStatus | None = None
    unavailable: str | None = None


def compare_digest(
    listed: Iterable[DigestHead], heads: Mapping[int, tuple[int, str]]
) -> list[DigestComparison]:
    """Compare a digest's heads with the current chain heads, partition by partition.

    Args:
        listed: The heads the digest names.
        heads: The current heads as ``{partition: (seq, sha256)}``.

    Returns:
        One comparison per partition in either, by partition.
    """
    named = {h.partition: h for h in listed}
    rows = []
    for partition in sorted(named.keys() | heads.keys()):
        entry, head = named.get(partition), heads.get(partition)
        if entry is None:
            assert head is not None  # the partition came from one of the two
            state, behind = DigestHeadState.NOT_LISTED, head[0] + 1
        elif head is None:
            state, behind = DigestHeadState.GONE, 0
        elif entry.seq == head[0]:
            same = entry.sha256 == head[1]
            state = DigestHeadState.CURRENT if same else DigestHeadState.DIFFERENT
            behind = 0
        elif entry.seq < head[0]:
            state, behind = DigestHeadState.BEHIND, head[0] - entry.seq
        else:
            state, behind = DigestHeadState.AHEAD, 0
        rows.append(
            DigestComparison(
                partition=partition,
                digest_seq=None if entry is None else entry.seq,
                head_seq=None if head is None else head[0],
                state=state,
                behind_by=behind,
            )
        )
    return rows


def age_seconds(written_at: str, now: datetime) -> float | None:
    """Return the seconds from an archive timestamp to ``now``.

    Args:
        written_at: ISO 8601 UTC, e.g. ``2026-03-15T10:15:03.120000Z``.
        now: Aware time of the snapshot.

    Returns:
        The age (negative when the writer's clock is ahead), or None if it does not parse.
    """
    try:
        when = datetime.fromisoformat(written_at)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (now - when).total_seconds()


def read_archive_status(
    s3: S3Settings, *, client: S3Client | None = None, now: datetime | None = None
) -> ArchiveStatus:
    """Read each partition's chain head and the newest digest; never raises for the store.

    Steps: 1 check the bucket (a missing bucket would otherwise list as empty),
    2 read the newest digest, 3 find each partition's head, starting from the sequence
    number the digest names, 4 compare the two.

    Args:
        s3: Where the archive is.
        client: The S3 client; one is built from ``s3`` when None.
        now: The snapshot time (the current time when None).

    Returns:
        The snapshot; ``unavailable`` says why, and what to check, when the store
        could not be read or holds an unreadable manifest or digest.
    """
    moment = now or datetime.now(UTC)
    read_at = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    try:
        s3_client = make_s3_client(s3) if client is None else client
    except ValueError:  # botocore's check of the endpoint URL
        return ArchiveStatus(
            bucket=s3.bucket,
            prefix=s3.prefix,
            read_at=read_at,
            unavailable=(
                f"AUDITSTREAM_S3__ENDPOINT_URL={s3.endpoint_url!r} is not a valid URL; "
                "set it like http://127.0.0.1:19000"
            ),
        )
    reader = ChainReader(S3ObjectStore(s3_client, bucket=s3.bucket), prefix=s3.prefix)
    try:
        # 1. The bucket: allow_unlocked only reports the lock; status judges nothing.
        lock = check_bucket(s3_client, s3.bucket, allow_unlocked=True)
        # 2. The newest digest.
        newest = _newest_digest(reader, moment)
        # 3. The heads, each search seeded with the seq the digest names.
        known = {h.partition: h.seq for h in newest[1].heads} if newest else {}
        heads = _heads(reader, known)
    except ArchiveError as exc:
        return ArchiveStatus(
            bucket=s3.bucket,
            prefix=s3.prefix,
            read_at=read_at,
            unavailable=unavailable_reason(exc, s3),
        )
    # 4. The comparison.
    digest_status = None
    if newest is not None:
        key, digest = newest
        digest_status = DigestStatus(
            key=key,
            interval_start=digest.interval_start,
            written_at=digest.written_at,
            age_s=age_seconds(digest.written_at, moment),
            partitions=compare_digest(
                digest.heads, {h.manifest.partition: (h.seq, h.sha256) for h in heads}
            ),
        )
    return ArchiveStatus(
        bucket=s3.bucket,
        prefix=s3.prefix,
        read_at=read_at,
        lock=lock.value,
        heads=[_partition_head(h, moment) for h in heads],
        digest=digest_status,
    )


def unavailable_reason(exc: ArchiveError, s3: S3Settings) -> str:
    """Say why the archive could not be read and what to check, in one line.

    Args:
        exc: What reading the archive raised.
        s3: The settings used, to name the endpoint.

    Returns:
        E.g. ``the store at http://127.0.0.1:19000 did not answer (EndpointConnectionError);
        check that it runs (audit stack status) and AUDITSTREAM_S3__ENDPOINT_URL``.
    """
    where = s3.endpoint_url or "AWS S3"
    silent = (
        f"the store at {where} did not answer ({{}}); check that it runs "
        "(audit stack status) and AUDITSTREAM_S3__ENDPOINT_URL"
    )
    if isinstance(exc, ArchiveUnavailableError):
        return silent.format(exc.reason)
    if isinstance(exc, BucketUnreachableError):
        return f"the store at {where}: {exc}"
    if isinstance(exc, ManifestFormatError):
        return (
            f"{exc.key!r} is not a valid manifest or digest ({exc.reason}); "
            "run audit verify to see what else is wrong"
        )
    return f"the archive at {where} cannot be read: {exc}"


def _partition_head(head: ChainHead, now: datetime) -> PartitionHead:
    manifest = head.manifest
    return PartitionHead(
        partition=manifest.partition,
        topic=manifest.topic,
        seq=manifest.seq,
        sha256=head.sha256,
        written_at=manifest.written_at,
        age_s=age_seconds(manifest.written_at, now),
        position_after=manifest.position_after,
    )


def _heads(reader: ChainReader, known: Mapping[int, int]) -> list[ChainHead]:
    heads = []
    for partition in reader.partitions():
        head = reader.head(partition, known=known.get(partition))
        if head is None and partition in known:
            # The search trusts that the digest's seq exists; when it does not (a chain
            # cut shorter than the digest), search again from seq 0.
            head = reader.head(partition)
        if head is not None:
            heads.append(head)
    return heads


def _newest_digest(reader: ChainReader, now: datetime) -> tuple[str, Digest] | None:
    """Return the newest digest, listing the narrowest window of keys that holds one."""
    for under in _digest_windows(reader.prefix, now):
        keys = reader.list_keys(under)
        if keys:
            key = keys[-1]  # keys name the interval start, so they sort by time
            data = reader.get(key)
            if data is None:  # deleted between listing and reading
                return None
            return key, Digest.from_bytes(data, key=key)
    return None


def _digest_windows(prefix: str, now: datetime) -> list[str]:
    """Return the key prefixes (below the archive prefix) of ever wider sets of digests.

    Today's, this month's, this year's, then all digests. Digest keys name their
    interval start, so the keys of one period share the prefix their first and last
    possible keys share. :func:`digest_key` builds both, so this holds for any key
    format that sorts by time, which taking the last key as the newest needs anyway.
    """
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    year = month.replace(month=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    periods = [
        (day, day + timedelta(days=1)),
        (month, next_month),
        (year, year.replace(year=year.year + 1)),
    ]
    root = normalize_prefix(prefix)
    windows = []
    for start, end in periods:
        shared = _shared_prefix(
            digest_key(prefix, start), digest_key(prefix, end - timedelta(seconds=1))
        )
        windows.append(shared[len(root) :])
    windows.append(DIGEST_ROOT)
    return list(dict.fromkeys(windows))


def _shared_prefix(first: str, last: str) -> str:
    for index, (a, b) in enumerate(zip(first, last, strict=False)):
        if a != b:
            return first[:index]
    return first[: min(len(first), len(last))]
