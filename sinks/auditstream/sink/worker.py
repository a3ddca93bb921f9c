"""The sink worker: consume the redacted topic, archive per-partition batches, then commit.

Delivery rule: the archive, not Kafka, says where each partition continues. On every
assignment the worker reads the partition's manifest chain head from the bucket and
starts right after it (see :mod:`auditstream.sink.chain_keeper`). A flush is numbered as
quix-streams numbers its checkpoint: 1. write the objects; 2. write the signed partition
manifest (``If-None-Match: *``: the manifest key fences out a second writer); 3. commit
``position_after`` synchronously (for lag monitoring; resuming never trusts it). If the
archive is unavailable the partition is paused, its batch kept, nothing committed, and
the flush retried with backoff and jitter.

A record that is not a valid AuditEvent (only a bug or a foreign producer puts one on
the redacted topic) is not archived and does not stop the sink: between steps 1 and 2
the flush sends it to the DLQ as it came, with the reason in its headers, waits until
Kafka confirms it (see :mod:`auditstream.sink.dead_letters`), and the manifest then
names its offset and reason. So every offset of the topic is either in a chained object
or named by a manifest as dead-lettered, and ``in = archived + dlq`` holds.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition

from auditstream.archive.errors import ArchiveUnavailableError
from auditstream.archive.storage import make_s3_client
from auditstream.schemas.health import Readiness
from auditstream.schemas.identity import claim_worker_identity
from auditstream.schemas.progress import StallDetector
from auditstream.sink.assembly import ArchiveParts, open_archive
from auditstream.sink.batcher import Batcher, FlushPolicy, FlushReason, PartitionId
from auditstream.sink.dead_letters import DeadLetterSender
from auditstream.sink.errors import ConsumerError, FencedError
from auditstream.sink.flush import FlushResult
from auditstream.sink.metrics import SinkMetrics, default_metrics
from auditstream.sink.partition_control import PartitionControl
from auditstream.sink.readiness import (
    BUCKET,
    STATS_INTERVAL_MS,
    expect_sink_checks,
    report_bucket_state,
    report_statistics,
)
from auditstream.sink.settings import (
    SinkSettings,
    consumer_config,
    dead_letter_producer_config,
)
from auditstream.sink.worker_state import (
    SinkStats,
    WorkerState,
    backoff,
    record_flush,
    stats_fields,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = structlog.get_logger(__name__)

# Records per consume() call: enough to amortize the call (a batch that reaches its
# limit is flushed at once, mid-call). 5000 measured no faster in bench_sink_throughput:
# what a record costs in librdkafka and in the loop does not depend on it.
_CONSUME_BATCH = 500
# Poll at least once a second, so a stop request or a due retry waits at most that long.
_MAX_POLL_S = 1.0
_MIN_POLL_S = 0.05
# Offsets of dead letters named in the log line of a flush (all are in its manifest).
_LOGGED_OFFSETS = 20


def _sigkill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class SinkWorker(PartitionControl):
    """One sink worker process's consumer loop.

    Args:
        settings: The sink's settings.
        stop: Set it to stop the loop; the worker then flushes, commits and closes.
        consumer_factory: Builds the consumer from a librdkafka config (tests pass fakes).
        producer_factory: Builds the DLQ producer from a librdkafka config.
        s3_client: The S3 client; built from ``settings.s3`` when None.
        metrics: Where to count; the process-wide metrics when None.
        clock: Monotonic clock for retry timing.
        wall_clock: Aware UTC time, for retention and manifest times.
        kill: What the test-only crash hook calls (SIGKILL to this process).
        readiness: Where the worker reports its ``/readyz`` checks (see
            :mod:`auditstream.sink.readiness`).
    """

    def __init__(
        self,
        settings: SinkSettings,
        *,
        stop: threading.Event,
        consumer_factory: Callable[[dict[str, Any]], Consumer] = Consumer,
        producer_factory: Callable[[dict[str, Any]], Producer] = Producer,
        s3_client: S3Client | None = None,
        metrics: SinkMetrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        kill: Callable[[], None] = _sigkill,
        readiness: Readiness | None = None,
    ) -> None:
        self._settings = settings
        self._stop = stop
        self._consumer_factory = consumer_factory
        self._s3 = s3_client if s3_client is not None else make_s3_client(settings.s3)
        self._metrics = metrics or default_metrics()
        self._clock = clock
        self._wall_clock = wall_clock
        self._kill = kill
        self._batcher = Batcher(FlushPolicy.from_settings(settings.sink), clock=clock)
        self._dead_letters = DeadLetterSender(
            dead_letter_producer_config(settings),
            topic=settings.topics.dlq,
            max_value_bytes=settings.sink.dlq_max_value_bytes,
            timeout_s=settings.sink.dlq_timeout_s,
            producer_factory=producer_factory,
        )
        self._state = WorkerState()
        self._readiness = readiness or Readiness()
        expect_sink_checks(self._readiness)
        self._consumer: Consumer | None = None
        self._archive: ArchiveParts | None = None
        self.stats = SinkStats()

    @property
    def _kafka(self) -> Consumer:
        if self._consumer is None:
            raise RuntimeError("the consumer exists only while run() runs")  # a sink bug
        return self._consumer

    @property
    def _parts(self) -> ArchiveParts:
        if self._archive is None:
            raise RuntimeError("the archive exists only while run() runs")  # a sink bug
        return self._archive

    def run(self) -> SinkStats:
        """Check the bucket and key, join the group, archive until stopped, flush, close.

        Returns:
            What this run archived.

        Raises:
            BucketNotLockedError: The bucket lacks Object Lock (checked before joining).
            BucketUnreachableError: The bucket is missing or refuses the credentials
                (checked before joining; a store that does not answer is waited for).
            SigningKeyError: No usable signing key (checked before joining).
            SinkConfigError: Kafka overrides clash with the sink's own settings.
            WorkerIdentityError: No group.instance.id slot could be claimed on this host.
            ManifestChainError: A chain head does not verify or does not link.
            ArchiveEncodeError, ArchiveWriteError: A batch cannot be stored.
            ConsumerError: Kafka reported a fatal error.
        """
        sink, s3 = self._settings.sink, self._settings.s3
        # Static membership: the same group.instance.id after a restart (see settings).
        identity = claim_worker_identity(
            sink.group_id, configured=sink.instance_id, static=sink.static_membership
        )
        config = {
            **consumer_config(self._settings, instance_id=identity.instance_id),
            # Readiness reads broker connections and progress from these (served by consume()).
            "statistics.interval.ms": STATS_INTERVAL_MS,
            "stats_cb": functools.partial(
                report_statistics,
                self._readiness,
                StallDetector(sink.stall_threshold_s),
                self._settings.topics.redacted,
            ),
        }
        self._archive = self._open_archive()
        if self._archive is None:
            identity.release()
            return self.stats  # stopped while the store was away: nothing read, nothing owed
        self._readiness.report(BUCKET, ok=True)
        self._consumer = self._consumer_factory(config)
        topic = self._settings.topics.redacted
        self._consumer.subscribe(
            [topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        log.info(
            "sink_started",
            topic=topic,
            group_id=sink.group_id,
            instance_id=identity.instance_id,
            bucket=s3.bucket,
            key_id=self._parts.chains.signer.key_id,
        )
        try:
            while not self._stop.is_set():
                self._poll_once()
                self._flush_due()
                self._retry_paused()
                self._parts.digests.maybe_write()
                report_bucket_state(self._readiness, self._state)
            self._flush_all(FlushReason.SHUTDOWN)
        except BaseException:
            self._state.failed = True
            raise
        finally:
            # close() revokes every partition (a static member stays in the group until
            # its session times out, so a restart gets them back); with _state.failed
            # set, that revoke flushes nothing more.
            self._consumer.close()
            identity.release()
            log.info("sink_stopped", **stats_fields(self.stats))
        return self.stats

    def _open_archive(self) -> ArchiveParts | None:
        """Open the archive; while the store does not answer, wait with backoff.

        A worker started during a storage outage waits, as a running one does, instead
        of exiting and staying down until something restarts it. Only transient errors
        wait (the store did not answer, or is overloaded); a missing bucket, a bucket
        without Object Lock, refused credentials or a bad key raise at once.

        Returns:
            The parts, or None when a stop was requested while waiting.
        """
        attempt = 0
        while True:
            try:
                return open_archive(
                    self._settings,
                    self._s3,
                    clock=self._wall_clock,
                    monotonic=self._clock,
                    metrics=self._metrics,
                )
            except ArchiveUnavailableError as exc:
                attempt += 1
                delay = backoff(exc.retry_after_s, attempt)
                log.warning(
                    "archive_unavailable_at_start",
                    reason=exc.reason,
                    endpoint=self._settings.s3.endpoint_url or "AWS S3",
                    bucket=self._settings.s3.bucket,
                    attempt=attempt,
                    retry_in_s=round(delay, 2),
                    consequence="not consuming yet: the worker joins its group once the "
                    "bucket answers; nothing is lost meanwhile",
                )
                if self._stop.wait(delay):
                    return None

    # -- consuming -------------------------------------------------------------------

    def _poll_once(self) -> None:
        timeout = self._poll_timeout()
        state = self._state
        state.sought.clear()
        # One PartitionId per partition and poll, not one per record.
        pids: dict[tuple[str | None, int | None], PartitionId] = {}
        for message in self._kafka.consume(num_messages=_CONSUME_BATCH, timeout=timeout):
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise ConsumerError(error.name(), error.str())
                log.warning("kafka_error", code=error.name(), reason=error.str())
                continue
            where = (message.topic(), message.partition())
            pid = pids.get(where)
            if pid is None:
                pid = pids[where] = _partition_of(message)
            offset = message.offset()
            if offset is None:
                raise _no_position()
            # (Each set is empty nearly always; testing that first spares a hash.)
            if (state.paused and pid in state.paused) or (
                state.unresumed and pid in state.unresumed
            ):
                continue  # fetched before the pause; re-read after the seek on resume
            if state.sought and pid in state.sought:
                continue  # fetched before a seek in this poll (a lost fence): stale
            if offset < state.positions.get(pid, -1):
                continue  # before the chain head, or re-delivered after a seek
            state.positions[pid] = offset + 1
            reason = self._batcher.add(pid, offset, message.value())
            if reason is not None:
                self._flush(pid, reason)

    def _poll_timeout(self) -> float:
        waits = [_MAX_POLL_S, self._parts.digests.seconds_until_due()]
        due = self._batcher.seconds_until_due(exclude=self._state.paused.keys())
        if due is not None:
            waits.append(due)
        now = self._clock()
        waits.extend(p.retry_at - now for p in self._state.paused.values())
        waits.extend(p.retry_at - now for p in self._state.unresumed.values())
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
        """Archive a partition's batch, chain it, then commit; False if the store was down."""
        batch = self._batcher.get(pid)
        if batch is None or self._archive is None:
            return True
        started = time.perf_counter()
        self._state.flushes_started += 1
        with _bound(pid):
            try:
                self._crash_point("before_data")
                # 1. Write every object of the batch (write-once, retained).
                result = self._archive.flusher.flush(batch)
                self._crash_point("after_data")
                # 1b. Send the records that did not decode to the DLQ, confirmed.
                if result.rejected:
                    self._dead_letter(result)
                    self._crash_point("after_dead_letters")
                # 2. Write the signed manifest; its key fences out any other writer.
                head = self._archive.chains.append(result)
                self._crash_point("after_manifest")
            except ArchiveUnavailableError as exc:
                if retry:
                    self._pause(pid, reason, exc)
                return False
            except FencedError as exc:
                self._fenced(pid, exc)
                return True
            # 3. Commit the position after the batch, synchronously.
            self._commit(result)
            self._batcher.remove(pid)
            record_flush(
                self._metrics,
                self.stats,
                result,
                head,
                reason=reason,
                seconds=time.perf_counter() - started,
            )
        return True

    def _dead_letter(self, result: FlushResult) -> None:
        rejected = result.rejected
        log.error(
            "records_dead_lettered",
            letters=len(rejected),
            errors=dict(Counter(r.error_class for r in rejected)),
            offsets=[r.offset for r in rejected[:_LOGGED_OFFSETS]],
            consequence="not archived; sent to the DLQ as they came (reasons in their "
            "headers) and named in the manifest",
        )
        self._dead_letters.send(result)

    def _crash_point(self, point: str) -> None:
        sink = self._settings.sink
        if sink.test_crash_at == point and self._state.flushes_started == sink.test_crash_on_flush:
            log.warning("test_crash", point=point, flush=self._state.flushes_started)
            self._kill()

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
            consequence="none for the archive: workers resume from the manifest chain; "
            "consumer-lag monitoring lags behind",
        )


@contextmanager
def _bound(pid: PartitionId) -> Iterator[None]:
    with structlog.contextvars.bound_contextvars(topic=pid.topic, partition=pid.partition):
        yield


def _partition_of(message: Message) -> PartitionId:
    topic, partition = message.topic(), message.partition()
    if topic is None or partition is None:
        raise _no_position()
    return PartitionId(topic, partition)


def _no_position() -> ConsumerError:
    # librdkafka sets topic, partition and offset on every record; only error events lack them.
    return ConsumerError("_NO_POSITION", "a record arrived without topic, partition or offset")
