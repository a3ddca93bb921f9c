"""Chains written into an in-memory bucket, as a sink worker writes them (unit tests).

:func:`keeper` is a worker's chain keeper, :func:`flush` stores a data object and
describes it as a flush would, :func:`digest_writer` is a worker's digest writer;
:func:`verify` verifies the bucket at :data:`NOW`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from auditstream.archive import BucketLock, ChainReader, verify_archive
from auditstream.archive.chain import ChainHead
from auditstream.archive.findings import VerificationReport
from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.signing import Signer
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.trust import Keyring
from auditstream.archive.writer import ArchiveWriter, StoredObject
from auditstream.sink.batcher import PartitionId
from auditstream.sink.chain_keeper import ChainKeeper
from auditstream.sink.digests import DigestWriter
from auditstream.sink.flush import FlushResult, WrittenObject
from auditstream.sink.metrics import SinkMetrics
from support.memory_s3 import MemoryS3

PREFIX = "run/"
BUCKET = "archive"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def keeper(
    s3: MemoryS3,
    signer: Signer | None = None,
    topic: str = "t",
    *,
    trusting: tuple[Signer, ...] = (),
    clock: Callable[[], datetime] = lambda: NOW,
) -> ChainKeeper:
    writer = ArchiveWriter(s3, bucket=BUCKET, lock=BucketLock.LOCKED)  # type: ignore[arg-type]
    reader = ChainReader(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX)  # type: ignore[arg-type]
    chains = ChainKeeper(
        writer,
        reader,
        signer or Signer.generate(),
        keyring=Keyring.of(*(t.public_key for t in trusting)),
        topic=topic,
        retain_until=lambda: NOW + timedelta(days=30),
        clock=clock,
    )
    chains.publish_key()
    return chains


def checker(
    s3: MemoryS3, signer: Signer, *, trusting: tuple[Signer, ...] = ()
) -> Callable[[ChainHead, int, int], None]:
    """A worker's check of the heads its digests vouch for (its key and ``trusting``)."""
    writer = ArchiveWriter(s3, bucket=BUCKET, lock=BucketLock.LOCKED)  # type: ignore[arg-type]
    reader = ChainReader(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX)  # type: ignore[arg-type]
    return ChainKeeper(
        writer,
        reader,
        signer,
        keyring=Keyring.of(*(t.public_key for t in trusting)),
        topic="t",
        retain_until=lambda: NOW + timedelta(days=30),
    ).check_head


def flush(s3: MemoryS3, partition: int, first: int, last: int, *, body: bytes = b"") -> FlushResult:
    """Store one data object for offsets first..last and describe it as a flush would."""
    key = ObjectKey(PartitionPath("a", NOW.date(), 0), partition, first, last)
    data = body or f"{partition}-{first}-{last}".encode()
    full = key.render(PREFIX)
    answer = s3.put_object(
        Key=full,
        Body=data,
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=NOW + timedelta(days=30),
    )
    digest = hashlib.sha256(data).hexdigest()
    stored = StoredObject(full, len(data), digest, answer["VersionId"], None, True)
    written = WrittenObject(key, stored, last - first + 1, 1, 2)
    return FlushResult(PartitionId("t", partition), first, last, last - first + 1, (written,))


def verify(s3: MemoryS3, **options: Any) -> VerificationReport:
    options.setdefault("now", NOW)
    return verify_archive(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX, **options)  # type: ignore[arg-type]


def digest_writer(
    s3: MemoryS3, signer: Signer, now: dict[str, float], *, metrics: SinkMetrics | None = None
) -> DigestWriter:
    """A worker's digest writer on a 60 s interval, its clocks at ``now["t"]`` seconds."""
    return DigestWriter(
        ArchiveWriter(s3, bucket=BUCKET, lock=BucketLock.LOCKED),  # type: ignore[arg-type]
        ChainReader(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX),  # type: ignore[arg-type]
        signer,
        topic="t",
        interval_s=60,
        retain_until=lambda: NOW + timedelta(days=30),
        clock=lambda: NOW + timedelta(seconds=now["t"]),
        monotonic=lambda: now["t"],
        metrics=metrics or SinkMetrics.create(CollectorRegistry()),
        check_head=checker(s3, signer),
    )
