"""Bookkeeping of the sink worker: run stats, per-partition state, backoff, flush records.

Pure Python, no Kafka and no S3: the consumer loop in :mod:`auditstream.sink.worker`
keeps one :class:`WorkerState` and calls :func:`record_flush` after each commit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import structlog

from auditstream.archive.chain import ChainHead
from auditstream.sink.batcher import FlushReason, PartitionId
from auditstream.sink.flush import FlushResult
from auditstream.sink.metrics import SinkMetrics

log = structlog.get_logger(__name__)

# Longest pause between flush retries during an outage.
_MAX_BACKOFF_S = 60.0
# Backoff delays are drawn from [delay * (1 - jitter), delay], so workers that lost the
# store together do not all come back in the same instant.
_JITTER = 0.5


@dataclass(slots=True)
class SinkStats:
    """What a run archived, for callers and tests (the metrics say the same).

    Attributes:
        records: Records archived and committed.
        dead_letters: Records sent to the DLQ instead, and committed.
        objects: Objects created.
        flushes: Partition flushes committed.
    """

    records: int = 0
    dead_letters: int = 0
    objects: int = 0
    flushes: int = 0


@dataclass(slots=True)
class Waiting:
    """A partition waiting for the archive: how often it tried, when it tries next.

    Attributes:
        attempt: Attempts so far.
        retry_at: Monotonic time of the next attempt.
        reason: Why its batch is flushed (kept for the retry).
    """

    attempt: int
    retry_at: float
    reason: FlushReason


@dataclass(slots=True)
class WorkerState:
    """What the worker tracks per partition between polls.

    Attributes:
        positions: Next offset to batch, per partition (-1: from the beginning).
        paused: Partitions paused with a batch waiting for the archive.
        unresumed: Partitions paused because their chain head could not be read yet.
        sought: Partitions sought since the last poll; records of theirs that the same
            poll returned were fetched before the seek and are skipped.
        failed: The run is ending with an error; revokes flush nothing more.
        flushes_started: Flush attempts so far (the test crash hook counts them).
    """

    positions: dict[PartitionId, int] = field(default_factory=dict)
    paused: dict[PartitionId, Waiting] = field(default_factory=dict)
    # Assigned partitions whose chain head could not be read yet (store down): paused.
    unresumed: dict[PartitionId, Waiting] = field(default_factory=dict)
    # Partitions sought during the current poll: the rest of its records are stale.
    sought: set[PartitionId] = field(default_factory=set)
    failed: bool = False
    flushes_started: int = 0


def backoff(retry_after_s: float, attempt: int) -> float:
    """Return the delay before attempt ``attempt + 1``: doubling, capped, with jitter.

    Args:
        retry_after_s: The delay the error suggested.
        attempt: Attempts so far (1 after the first failure).
    """
    delay: float = min(retry_after_s * 2.0 ** (attempt - 1), _MAX_BACKOFF_S)
    return delay * (1 - _JITTER * random.random())  # noqa: S311 - jitter, not crypto


def record_flush(
    metrics: SinkMetrics,
    stats: SinkStats,
    result: FlushResult,
    head: ChainHead,
    *,
    reason: FlushReason,
    seconds: float,
) -> None:
    """Count a committed flush in the metrics and the stats, and log it.

    Args:
    metrics: The worker's metrics.
    stats: The run's stats.
    result: What the flush wrote.
    head: The manifest that chained it.
    reason: Why it was flushed.
    seconds: How long it took.
    """
    created = [o for o in result.objects if o.stored.created]
    metrics.events_archived.inc(result.records)
    metrics.dead_lettered.inc(len(result.rejected))
    metrics.objects_written.inc(len(created))
    metrics.bytes_written.inc(sum(o.stored.size for o in created))
    metrics.flush_seconds.observe(seconds)
    metrics.manifests_written.inc()
    metrics.record_head(result.pid.partition, head)
    stats.records += result.records
    stats.dead_letters += len(result.rejected)
    stats.objects += len(created)
    stats.flushes += 1
    for obj in result.objects:
        log.info(
            "object_written" if obj.stored.created else "object_already_archived",
            key=obj.stored.key,
            records=obj.records,
            bytes=obj.stored.size,
            sha256=obj.stored.sha256,
            first_offset=obj.key.first_offset,
            last_offset=obj.key.last_offset,
        )
    log.info(
        "manifest_committed",
        reason=reason.value,
        seq=head.seq,
        records=result.records,
        dead_letters=len(result.rejected),
        objects=len(result.objects),
        position_before=head.manifest.position_before,
        position_after=head.position_after,
        seconds=round(seconds, 3),
    )


def stats_fields(stats: SinkStats) -> dict[str, int]:
    """Return the stats as log fields.

    Args:
        stats: The run's stats.
    """
    return {
        "records": stats.records,
        "dead_letters": stats.dead_letters,
        "objects": stats.objects,
        "flushes": stats.flushes,
    }
