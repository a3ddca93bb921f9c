"""The sink worker: consume the redacted topic, archive per-partition batches, then commit.

Delivery rule: an offset is committed only after every object holding the records
before it is stored write-once. A flush is numbered as quix-streams numbers its
checkpoint: 1. write the objects; 2. (reserved: write and sign the partition manifest);
3. commit ``last_offset + 1`` synchronously. If the archive is unavailable the partition
is paused, its batch kept, nothing committed, and the flush retried with backoff.

A record that does not decode stops the worker (see :class:`UndecodableEventError`):
only our processor writes the redacted topic, so it is a bug, and skipping the record
would break the promise that every event is archived or sent to the DLQ.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
from confluent_kafka import Consumer, KafkaException, Message, TopicPartition
from confluent_kafka.serialization import MessageField, SerializationContext

from auditstream.schemas.codec import AuditEventDeserializer
from auditstream.schemas.errors import CodecError
from auditstream.sink.archive.storage import BucketLock, check_bucket, make_s3_client
from auditstream.sink.archive.writer import ArchiveWriter
from auditstream.sink.batcher import Batcher, FlushPolicy, FlushReason, PartitionId
from auditstream.sink.errors import (
    ArchiveUnavailableError,
    ConsumerError,
    UndecodableEventError,
)
from auditstream.sink.flush import FlushResult, PartitionFlusher
from auditstream.sink.metrics import SinkMetrics, default_metrics
from auditstream.sink.settings import SinkSettings, consumer_config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = structlog.get_logger(__name__)

# Records per consume() call: large enough to amortize the call, small enough that a
# full batch is noticed (and flushed) within a few hundred records of its limit.
_CONSUME_BATCH = 500
# Poll at least once a second, so a stop request or a due retry waits at most that long.
_MAX_POLL_S = 1.0
_MIN_POLL_S = 0.05
# Longest pause between flush retries during an outage.
_MAX_BACKOFF_S = 60.0


@dataclass(slots=True)
class SinkStats:
    """What a run archived, for callers and tests (the metrics say the same).

    Attributes:
        records: Records archived and committed.
        objects: Objects created.
        flushes: Partition flushes committed.
    """

    records: int = 0
    objects: int = 0
    flushes: int = 0


@dataclass(slots=True)
class _Paused:
    attempt: int
    retry_at: float
    reason: FlushReason


@dataclass(slots=True)
class _State:
    positions: dict[PartitionId, int] = field(default_factory=dict)
    paused: dict[PartitionId, _Paused] = field(default_factory=dict)
    failed: bool = False


class SinkWorker:
    """One sink worker process's consumer loop.

    Args:
        settings: The sink's settings.
        stop: Set it to stop the loop; the worker then flushes, commits and closes.
        consumer_factory: Builds the consumer from a librdkafka config (tests pass fakes).
        s3_client: The S3 client; built from ``settings.s3`` when None.
        metrics: Where to count; the process-wide metrics when None.
        clock: Monotonic clock for retry timing.
    """

    def __init__(
        self,
        settings: SinkSettings,
        *,
        stop: threading.Event,
        consumer_factory: Callable[[dict[str, Any]], Consumer] = Consumer,
        s3_client: S3Client | None = None,
        metrics: SinkMetrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._stop = stop
        self._consumer_factory = consumer_factory
        self._s3 = s3_client if s3_client is not None else make_s3_client(settings.s3)
        self._metrics = metrics or default_metrics()
        self._clock = clock
        self._decode = AuditEventDeserializer()
        self._batcher = Batcher(FlushPolicy.from_settings(settings.sink), clock=clock)
        self._state = _State()
        self._consumer: Consumer | None = None
        self._flusher: PartitionFlusher | None = None
        self.stats = SinkStats()

    @property
    def _kafka(self) -> Consumer:
        if self._consumer is None:
            raise RuntimeError("the consumer exists only while run() runs")  # a sink bug
        return self._consumer

    def run(self) -> SinkStats:
        """Check the bucket, join the group, archive until stopped, flush, commit, close.

        Returns:
            What this run archived.

        Raises:
            BucketNotLockedError: The bucket lacks Object Lock (checked before joining).
            BucketUnreachableError: The bucket cannot be reached (checked before joining).
            SinkConfigError: Kafka overrides clash with the sink's own settings.
            UndecodableEventError: A record does not decode; nothing past it is committed.
            ArchiveEncodeError, ArchiveWriteError: A batch cannot be stored.
            ConsumerError: Kafka reported a fatal error.
        """
        sink, s3 = self._settings.sink, self._settings.s3
        config = consumer_config(self._settings)
        lock = check_bucket(self._s3, s3.bucket, allow_unlocked=sink.allow_unlocked_bucket)
        if lock is BucketLock.UNLOCKED_DEV:
            log.warning(
                "bucket_unlocked",
                bucket=s3.bucket,
                consequence="objects get no retention and can be deleted; dev setups only",
            )
        writer = ArchiveWriter(
            self._s3, bucket=s3.bucket, lock=lock, retention_mode=sink.retention_mode
        )
        self._flusher = PartitionFlusher(
            writer, prefix=s3.prefix, retention_days=sink.retention_days
        )
        self._consumer = self._consumer_factory(config)
        topic = self._settings.topics.redacted
        self._consumer.subscribe(
            [topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        log.info("sink_started", topic=topic, group_id=sink.group_id, bucket=s3.bucket)
        try:
            while not self._stop.is_set():
                self._poll_once()
                self._flush_due()
                self._retry_paused()
            self._flush_all(FlushReason.SHUTDOWN)
        except BaseException:
            self._state.failed = True
            raise
        finally:
            # close() leaves the group; with _state.failed set, the revoke it triggers
            # flushes nothing more.
            self._consumer.close()
            log.info("sink_stopped", **_stats_fields(self.stats))
        return self.stats

    # -- consuming -------------------------------------------------------------------

    def _poll_once(self) -> None:
        timeout = self._poll_timeout()
        for message in self._kafka.consume(num_messages=_CONSUME_BATCH, timeout=timeout):
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise ConsumerError(error.name(), error.str())
                log.warning("kafka_error", code=error.name(), reason=error.str())
                continue
            pid, offset = _position_of(message)
            if pid in self._state.paused:
                continue  # fetched before the pause; re-read after the seek on resume
            if offset < self._state.positions.get(pid, -1):
                continue  # re-delivered after a seek; already batched
            value = message.value()
            try:
                event = self._decode(value, SerializationContext(pid.topic, MessageField.VALUE))
            except CodecError as exc:
                self._metrics.decode_errors.inc()
                log.error(
                    "undecodable_record",
                    topic=pid.topic,
                    partition=pid.partition,
                    offset=offset,
                    error=type(exc).__name__,
                    reason=str(exc),
                )
                self._flush_all(FlushReason.SHUTDOWN)
                raise UndecodableEventError(
                    pid.topic, pid.partition, offset, reason=str(exc)
                ) from exc
            self._state.positions[pid] = offset + 1
            reason = self._batcher.add(pid, offset, event, len(value or b""))
            if reason is not None:
                self._flush(pid, reason)

    def _poll_timeout(self) -> float:
        waits = [_MAX_POLL_S]
        due = self._batcher.seconds_until_due(exclude=self._state.paused.keys())
        if due is not None:
            waits.append(due)
        now = self._clock()
        waits.extend(p.retry_at - now for p in self._state.paused.values())
        return max(_MIN_POLL_S, min(waits))

    # -- flushing --------------------------------------------------------------------

    def _flush_due(self) -> None:
        for pid, reason in self._batcher.due():
            if pid not in self._state.paused:
                self._flush(pid, reason)

    def _flush_all(self, reason: FlushReason) -> None:
        """Flush every batch once; a batch that cannot be stored is released uncommitted."""
        for pid in self._batcher.partitions():
            if not self._flush(pid, reason, retry=False):
                self._drop(pid, why="archive unavailable at " + reason.value)

    def _flush(self, pid: PartitionId, reason: FlushReason, *, retry: bool = True) -> bool:
        """Archive a partition's batch, then commit; return False if the store was down."""
        batch = self._batcher.get(pid)
        if batch is None or self._flusher is None:
            return True
        started = time.perf_counter()
        with _bound(pid):
            try:
                # 1. Write every object of the batch (write-once, retained).
                result = self._flusher.flush(batch)
            except ArchiveUnavailableError as exc:
                if retry:
                    self._pause(pid, reason, exc)
                return False
            # 2. Reserved for the partition manifest: it must be durable before step 3.
            # 3. Commit the offset after the batch, synchronously.
            self._commit(result)
            self._batcher.remove(pid)
            self._record(result, reason, time.perf_counter() - started)
        return True

    def _commit(self, result: FlushResult) -> None:
        offsets = [TopicPartition(result.pid.topic, result.pid.partition, result.next_offset)]
        try:
            answered = self._kafka.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            self._commit_failed(result, exc.args[0].name() if exc.args else "unknown")
            return
        for tp in answered or []:
            if tp.error is not None:
                self._commit_failed(result, tp.error.name())

    def _commit_failed(self, result: FlushResult, code: str) -> None:
        log.warning(
            "commit_failed",
            code=code,
            next_offset=result.next_offset,
            consequence="records are archived; whoever reads this partition next re-reads "
            "and archives them again",
        )

    def _record(self, result: FlushResult, reason: FlushReason, seconds: float) -> None:
        created = [o for o in result.objects if o.stored.created]
        self._metrics.events_archived.inc(result.records)
        self._metrics.objects_written.inc(len(created))
        self._metrics.bytes_written.inc(sum(o.stored.size for o in created))
        self._metrics.flush_seconds.observe(seconds)
        self.stats.records += result.records
        self.stats.objects += len(created)
        self.stats.flushes += 1
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
            "batch_committed",
            reason=reason.value,
            records=result.records,
            objects=len(result.objects),
            first_offset=result.first_offset,
            next_offset=result.next_offset,
            seconds=round(seconds, 3),
        )

    # -- outages ---------------------------------------------------------------------

    def _pause(self, pid: PartitionId, reason: FlushReason, exc: ArchiveUnavailableError) -> None:
        previous = self._state.paused.get(pid)
        attempt = previous.attempt + 1 if previous else 1
        delay = min(exc.retry_after_s * 2 ** (attempt - 1), _MAX_BACKOFF_S)
        self._state.paused[pid] = _Paused(attempt, self._clock() + delay, reason)
        if previous is None:
            self._kafka.pause([TopicPartition(pid.topic, pid.partition)])
        self._metrics.flush_retries.inc()
        log.warning(
            "archive_unavailable",
            reason=exc.reason,
            attempt=attempt,
            retry_in_s=delay,
            consequence="partition paused; nothing committed until its batch is stored",
        )

    def _retry_paused(self) -> None:
        now = self._clock()
        for pid, paused in list(self._state.paused.items()):
            if now < paused.retry_at or not self._flush(pid, paused.reason):
                continue
            del self._state.paused[pid]
            position = self._state.positions.get(pid)
            tp = TopicPartition(pid.topic, pid.partition)
            self._kafka.resume([tp])
            if position is not None:
                # Records fetched while paused were skipped: read again from the position.
                self._kafka.seek(TopicPartition(pid.topic, pid.partition, position))
            log.info("archive_recovered", topic=pid.topic, partition=pid.partition)

    def _drop(self, pid: PartitionId, *, why: str) -> None:
        batch = self._batcher.remove(pid)
        self._state.paused.pop(pid, None)
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
        for tp in partitions:
            self._state.positions.pop(PartitionId(tp.topic, tp.partition), None)
        log.info("partitions_assigned", partitions=_names(partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("partitions_revoked", partitions=_names(partitions))
        for tp in partitions:
            pid = PartitionId(tp.topic, tp.partition)
            if self._state.failed:
                self._drop(pid, why="worker stopping after an error")
            elif not self._flush(pid, FlushReason.REVOKE, retry=False):
                self._drop(pid, why="archive unavailable at revoke")
            self._state.paused.pop(pid, None)
            self._state.positions.pop(pid, None)

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.warning("partitions_lost", partitions=_names(partitions))
        for tp in partitions:
            self._drop(PartitionId(tp.topic, tp.partition), why="partition lost")


@contextmanager
def _bound(pid: PartitionId) -> Iterator[None]:
    with structlog.contextvars.bound_contextvars(topic=pid.topic, partition=pid.partition):
        yield


def _position_of(message: Message) -> tuple[PartitionId, int]:
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    if topic is None or partition is None or offset is None:
        # librdkafka sets all three on every record; only error events lack them.
        raise ConsumerError("_NO_POSITION", "a record arrived without topic, partition or offset")
    return PartitionId(topic, partition), offset


def _names(partitions: list[TopicPartition]) -> list[str]:
    return [f"{tp.topic}[{tp.partition}]" for tp in partitions]


def _stats_fields(stats: SinkStats) -> dict[str, int]:
    return {"records": stats.records, "objects": stats.objects, "flushes": stats.flushes}
