"""Assemble the archive side of a worker at start: bucket check, key, writer, chains.

Everything here runs before the consumer joins its group, so an unsafe bucket or a
missing signing key stops the worker before it reads a single record. No Kafka here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog

from auditstream.archive.chain import ChainReader
from auditstream.archive.storage import BucketLock, check_bucket
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.writer import ArchiveWriter
from auditstream.sink.chain_keeper import ChainKeeper
from auditstream.sink.digests import DigestWriter
from auditstream.sink.flush import PartitionFlusher
from auditstream.sink.keys import load_signer, load_trust
from auditstream.sink.metrics import SinkMetrics
from auditstream.sink.settings import SinkSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ArchiveParts:
    """What a worker writes the archive with.

    Attributes:
        flusher: Writes a batch's data objects (flush step 1).
        chains: Resumes partitions and appends their manifests (flush step 2).
        digests: Writes the periodic signed digest of all chain heads.
    """

    flusher: PartitionFlusher
    chains: ChainKeeper
    digests: DigestWriter


def open_writer(settings: SinkSettings, client: S3Client) -> ArchiveWriter:
    """Check the bucket and return a writer with the configured retention.

    Args:
        settings: The sink's settings.
        client: The S3 client.

    Raises:
        BucketNotLockedError: The bucket lacks Object Lock or versioning.
        BucketUnreachableError: The bucket is missing or refuses the credentials.
        ArchiveUnavailableError: The store does not answer (yet).
    """
    sink, s3 = settings.sink, settings.s3
    lock = check_bucket(client, s3.bucket, allow_unlocked=sink.allow_unlocked_bucket)
    if lock is BucketLock.UNLOCKED_DEV:
        log.warning(
            "bucket_unlocked",
            bucket=s3.bucket,
            consequence="objects and manifests get no retention and can be deleted; every "
            "manifest says unlocked=true; dev setups only",
        )
    return ArchiveWriter(
        client,
        bucket=s3.bucket,
        lock=lock,
        retention_mode=sink.retention_mode,
        legal_hold=sink.legal_hold,
    )


def open_archive(
    settings: SinkSettings,
    client: S3Client,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float],
    metrics: SinkMetrics,
) -> ArchiveParts:
    """Load the signing key, check the bucket, load the trusted keys, build the parts.

    Args:
        settings: The sink's settings.
        client: The S3 client.
        clock: Current aware UTC time.
        monotonic: Monotonic clock in seconds, for the digest interval.
        metrics: The worker's metrics (digests count there).

    Returns:
        The parts.

    Raises:
        BucketNotLockedError: The bucket lacks Object Lock or versioning.
        BucketUnreachableError: The bucket is missing or refuses the credentials.
        SigningKeyError: No usable signing key, or the keyring cannot be read.
        UntrustedSignerError: A keyring is configured and does not trust the signing key.
        ArchiveUnavailableError: The store does not answer (yet): the bucket check, the
            trusted keys' rotations or the public key's publication.
        ArchiveWriteError: The public key cannot be published.
    """
    sink, s3 = settings.sink, settings.s3
    # The key first: a missing key is found without a request to the store.
    signer = load_signer(sink)
    writer = open_writer(settings, client)
    period = timedelta(days=sink.retention_period_days)
    reader = ChainReader(S3ObjectStore(client, bucket=s3.bucket), prefix=s3.prefix)
    chains = ChainKeeper(
        writer,
        reader,
        signer,
        keyring=load_trust(settings.trust, signer, reader),
        topic=settings.topics.redacted,
        retain_until=lambda: clock() + period,
        clock=clock,
    )
    chains.publish_key()
    return ArchiveParts(
        flusher=PartitionFlusher(
            writer, prefix=s3.prefix, retention_days=sink.retention_period_days, clock=clock
        ),
        chains=chains,
        digests=DigestWriter(
            writer,
            reader,
            signer,
            topic=settings.topics.redacted,
            interval_s=sink.digest_interval_s,
            retain_until=lambda: clock() + period,
            clock=clock,
            monotonic=monotonic,
            metrics=metrics,
            check_head=chains.check_head,
        ),
    )
