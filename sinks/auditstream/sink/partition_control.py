"""Pausing, resuming and rebalancing the sink's partitions (the worker's Kafka control).

:class:`PartitionControl` is the part of :class:`~auditstream.sink.worker.SinkWorker`
that decides where each partition reads from and when it may read: after an assignment
or a lost fence, from the chain head in the bucket; during a storage outage, not at all
(the partition is paused, its batch kept, nothing committed), until a retry succeeds.

Rebalances are incremental: the sink's consumer uses ``cooperative-sticky``, so
``on_assign`` names only the partitions added, ``on_revoke`` and ``on_lost`` only those
taken away, and every other partition keeps its batch, pause and position through the
rebalance (it is neither flushed nor re-read). Each callback therefore changes the state
of the partitions it names and nothing else, and hands them to ``incremental_assign`` /
``incremental_unassign``. The strategy is the sink's own (an override of it is refused in
:func:`~auditstream.sink.settings.consumer_config`), so no eager path exists.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

from auditstream.archive.chain import ChainHead
from auditstream.archive.errors import ArchiveUnavailableError
from auditstream.schemas.health import Readiness
from auditstream.sink.assembly import ArchiveParts
from auditstream.sink.batcher import Batcher, FlushReason, PartitionId
from auditstream.sink.errors import FencedError, ManifestChainError
from auditstream.sink.metrics import SinkMetrics
from auditstream.sink.readiness import ASSIGNMENT
from auditstream.sink.worker_state import Waiting, WorkerState, backoff

log = structlog.get_logger(__name__)

# Asking the broker for a partition's high watermark at assignment: a round trip on a
# healthy cluster; on timeout the check is skipped (logged), never the assignment.
_WATERMARK_TIMEOUT_S = 10.0


class PartitionControl:
    """Partition pausing, resuming and rebalance callbacks of the sink worker.

    The worker sets the attributes below and implements :meth:`_flush`.
    """

    _state: WorkerState
    _batcher: Batcher
    _metrics: SinkMetrics
    _clock: Callable[[], float]
    _archive: ArchiveParts | None
    _readiness: Readiness

    @property
    def _kafka(self) -> Consumer:
        raise NotImplementedError

    @property
    def _parts(self) -> ArchiveParts:
        raise NotImplementedError

    def _flush(self, pid: PartitionId, reason: FlushReason, *, retry: bool = True) -> bool:
        raise NotImplementedError

    # -- fencing and resuming --------------------------------------------------------

    def _fenced(self, pid: PartitionId, exc: FencedError) -> None:
        self._batcher.remove(pid)
        self._metrics.fenced.inc()
        log.warning(
            "fenced",
            seq=exc.seq,
            consequence="another worker archived this range; the batch is dropped (its "
            "objects are orphans verification reports) and reading resumes after its head",
        )
        self._resume(pid)

    def _resume(self, pid: PartitionId) -> bool:
        """Read the chain head and seek there; False (and paused) while the store is down."""
        try:
            head = self._parts.chains.resume(pid.partition)
        except ArchiveUnavailableError as exc:
            previous = self._state.unresumed.get(pid)
            attempt = previous.attempt + 1 if previous else 1
            retry_at = self._clock() + backoff(exc.retry_after_s, attempt)
            self._state.unresumed[pid] = Waiting(attempt, retry_at, FlushReason.REVOKE)
            self._pause_partition(pid)
            return False
        position = head.position_after if head else OFFSET_BEGINNING
        self._state.positions[pid] = head.position_after if head else -1
        self._state.sought.add(pid)
        if head is not None:
            _check_topic_reaches(self._kafka, pid, head)
            self._metrics.record_head(pid.partition, head)
        try:
            self._kafka.seek(TopicPartition(pid.topic, pid.partition, position))
        except KafkaException as exc:
            # Not fetching yet, or no longer ours: the assignment sets the position.
            log.info("seek_deferred", code=exc.args[0].name() if exc.args else "unknown")
        return True

    # -- outages ---------------------------------------------------------------------

    def _pause(self, pid: PartitionId, reason: FlushReason, exc: ArchiveUnavailableError) -> None:
        previous = self._state.paused.get(pid)
        attempt = previous.attempt + 1 if previous else 1
        delay = backoff(exc.retry_after_s, attempt)
        self._state.paused[pid] = Waiting(attempt, self._clock() + delay, reason)
        if previous is None:
            self._pause_partition(pid)
        self._metrics.flush_retries.inc()
        log.warning(
            "archive_unavailable",
            reason=exc.reason,
            attempt=attempt,
            retry_in_s=round(delay, 2),
            consequence="partition paused; nothing committed until its batch is stored",
        )

    def _pause_partition(self, pid: PartitionId) -> None:
        self._kafka.pause([TopicPartition(pid.topic, pid.partition)])
        self._metrics.paused.labels(partition=str(pid.partition)).set(1)

    def _resume_partition(self, pid: PartitionId) -> None:
        self._kafka.resume([TopicPartition(pid.topic, pid.partition)])
        self._metrics.paused.labels(partition=str(pid.partition)).set(0)

    def _retry_paused(self) -> None:
        now = self._clock()
        for pid, waiting in list(self._state.unresumed.items()):
            if now >= waiting.retry_at and self._resume(pid):
                del self._state.unresumed[pid]
                self._resume_partition(pid)
                log.info("partition_resumed", topic=pid.topic, partition=pid.partition)
        for pid, paused in list(self._state.paused.items()):
            if now < paused.retry_at or not self._flush(pid, paused.reason):
                continue
            del self._state.paused[pid]
            position = self._state.positions.get(pid)
            self._resume_partition(pid)
            if position is not None and position >= 0:
                # Records fetched while paused were skipped: read again from the position.
                self._kafka.seek(TopicPartition(pid.topic, pid.partition, position))
            log.info("archive_recovered", topic=pid.topic, partition=pid.partition)

    def _drop(self, pid: PartitionId, *, why: str) -> None:
        batch = self._batcher.remove(pid)
        self._state.paused.pop(pid, None)
        self._state.unresumed.pop(pid, None)
        self._state.positions.pop(pid, None)
        if batch is not None:
            self._metrics.batches_dropped.inc()
            log.warning(
                "batch_released_uncommitted",
                topic=pid.topic,
                partition=pid.partition,
                records=len(batch),
                why=why,
                consequence="not lost: the partition's next reader re-reads these records",
            )

    # -- rebalances (called by librdkafka inside consume()) --------------------------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Start every newly assigned partition right after its chain head in the bucket.

        Partitions the worker keeps through a cooperative rebalance are not named here
        and are left as they are.
        """
        waiting = []
        for tp in partitions:
            pid = PartitionId(tp.topic, tp.partition)
            self._state.positions.pop(pid, None)
            self._parts.chains.forget(tp.partition)
            try:
                head = self._parts.chains.resume(tp.partition)
            except ArchiveUnavailableError as exc:
                self._state.unresumed[pid] = Waiting(
                    1, self._clock() + exc.retry_after_s, FlushReason.REVOKE
                )
                waiting.append(pid)
                continue
            tp.offset = head.position_after if head else OFFSET_BEGINNING
            self._state.positions[pid] = head.position_after if head else -1
            if head is not None:
                _check_topic_reaches(consumer, pid, head)
                self._metrics.record_head(pid.partition, head)
        consumer.incremental_assign(partitions)
        for pid in waiting:
            self._pause_partition(pid)
        self._readiness.report(ASSIGNMENT, ok=True)  # an empty one too: a standby is ready
        if partitions:  # a cooperative rebalance that adds nothing here calls with none
            log.info(
                "partitions_assigned",
                partitions=names(partitions),
                positions={str(tp.partition): tp.offset for tp in partitions},
                waiting_for_archive=[p.partition for p in waiting],
            )

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Flush and commit each revoked partition, then let it go; others keep going."""
        if partitions:
            log.info("partitions_revoked", partitions=names(partitions))
        for tp in partitions:
            pid = PartitionId(tp.topic, tp.partition)
            if self._state.failed:
                self._drop(pid, why="worker stopping after an error")
            elif not self._flush(pid, FlushReason.REVOKE, retry=False):
                self._drop(pid, why="archive unavailable at revoke")
            self._state.paused.pop(pid, None)
            self._state.unresumed.pop(pid, None)
            self._state.positions.pop(pid, None)
            if self._archive is not None:
                self._archive.chains.forget(tp.partition)
        consumer.incremental_unassign(partitions)

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Drop the batches of partitions lost to the group (their new owner re-reads them)."""
        log.warning("partitions_lost", partitions=names(partitions))
        self._readiness.report(ASSIGNMENT, ok=False, detail="assignment lost; rejoining")
        for tp in partitions:
            self._drop(PartitionId(tp.topic, tp.partition), why="partition lost")
            if self._archive is not None:
                self._archive.chains.forget(tp.partition)
        consumer.incremental_unassign(partitions)


def _check_topic_reaches(consumer: Consumer, pid: PartitionId, head: ChainHead) -> None:
    """Refuse a partition whose offsets end before the archive's chain head.

    Offsets below the head are skipped as archived; if the topic was recreated (or
    truncated) under the same archive prefix, its new records would be skipped silently.
    """
    try:
        _, high = consumer.get_watermark_offsets(
            TopicPartition(pid.topic, pid.partition), timeout=_WATERMARK_TIMEOUT_S
        )
    except KafkaException as exc:
        log.warning(
            "watermark_unknown",
            partition=pid.partition,
            code=exc.args[0].name() if exc.args else "unknown",
            consequence="cannot check that the topic still reaches the chain head",
        )
        return
    if high < head.position_after:
        raise ManifestChainError(
            pid.partition,
            head.seq + 1,
            expected_hash=f"a topic with offsets up to at least {head.position_after}",
            found_hash=f"high watermark {high} (was the topic recreated under this archive "
            "prefix? give the new topic its own AUDITSTREAM_S3__PREFIX)",
        )


def names(partitions: list[TopicPartition]) -> list[str]:
    """Return ``topic[partition]`` names for a log line.

    Args:
        partitions: The partitions.
    """
    return [f"{tp.topic}[{tp.partition}]" for tp in partitions]
