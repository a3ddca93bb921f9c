"""The client's background thread: serve callbacks, replay the spool, fsync, report stats.

One daemon thread per client runs :meth:`Replayer.run`. Each turn it

1. polls the producer (delivery reports and librdkafka errors arrive even when the
   service emits nothing); each report resolves its event's write-ahead record;
2. fsyncs the spool when the ``interval`` policy is due, and tidies it: deletes
   delivered segments and seals the open one once delivered or a second old (so a
   crash resends at most about the last second of events);
3. while the spool is active: checks that a broker answers a metadata request, then
   re-produces spooled records in file order, one batch at a time, and commits a batch
   (deleting finished segments) only after every record in it was acknowledged. A batch
   with a failed record is retried whole: at-least-once, duplicates are dropped
   downstream by ``event_id``. When the spool is drained it switches the client back to
   producing directly;
4. hands a stats snapshot to the stats callback when its interval is due.

It never raises out of its loop: a failure is counted, logged once, and retried later.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from confluent_kafka import KafkaError, KafkaException, Message

from auditstream.producer.kafka import REJECTED, error_code, error_name
from auditstream.producer.metrics import Counters, StatsCallback
from auditstream.producer.transport import Transport

if TYPE_CHECKING:
    from auditstream.producer.spool import Batch, DiskSpool, SpoolRecord

_log = logging.getLogger(__name__)

# How long one poll waits: short enough that stop() returns promptly and a replay starts
# within a tenth of a second of the broker's return, long enough to cost no CPU at idle.
POLL_INTERVAL_S = 0.1

# The loop's period. Each wake-up takes the GIL from the emitting threads, and on a busy
# host every hand-over can cost a scheduler slice, so the thread wakes ten times a second
# and serves the reports gathered meanwhile in one go (1,500 at 15,000 events/s: about a
# millisecond). Delivery reports and librdkafka errors (a broker outage) are at most this
# late; nothing waits on them.
SERVE_INTERVAL_S = 0.1

# A batch is bounded so a retry after a failure re-sends little and reading it holds the
# GIL only briefly (emitting threads wait meanwhile), and large enough that the wait for
# its acknowledgements (one round trip; the batch is flushed, so no linger) is spread
# over many: 500 records per ~10 ms round trip replays some 50,000 events a second.
REPLAY_BATCH_RECORDS = 500
# Every this many produce() calls the replayer gives up the GIL once, so an emit() that
# arrives during a batch waits microseconds, not the interpreter's 5 ms switch interval.
YIELD_EVERY_RECORDS = 50
REPLAY_BATCH_BYTES = 4 * 1024 * 1024

# Health probes back off from 0.25 s to 5 s while the broker stays away: quick recovery
# after a short blip, little noise during a long outage.
PROBE_TIMEOUT_S = 1.0
MIN_BACKOFF_S = 0.25
MAX_BACKOFF_S = 5.0


class _Acks:
    """Counts the delivery reports of one replayed batch."""

    __slots__ = ("failed", "lock", "outstanding", "rejected")

    def __init__(self, outstanding: int) -> None:
        self.lock = threading.Lock()
        self.outstanding = outstanding
        self.failed = 0
        self.rejected = 0  # refused by the broker for good: shed, never retried

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        with self.lock:
            self.outstanding -= 1
            if err is not None:
                if err.code() in REJECTED:
                    self.rejected += 1
                else:
                    self.failed += 1


class Replayer:
    """The background thread of one client.

    Args:
        transport: The client's transport (producer, topic, spool).
        counters: The client's counters.
        fsync_interval_s: Period of the ``interval`` fsync.
        on_stats: Receives a stats snapshot every ``stats_interval_s``, if given.
        stats_interval_s: Period of ``on_stats``.
    """

    def __init__(
        self,
        transport: Transport,
        counters: Counters,
        *,
        fsync_interval_s: float,
        on_stats: StatsCallback | None = None,
        stats_interval_s: float = 10.0,
    ) -> None:
        self._transport = transport
        self._counters = counters
        self._fsync_interval_s = fsync_interval_s
        self._on_stats = on_stats
        self._stats_interval_s = stats_interval_s
        self._stop = threading.Event()
        self._backoff_s = MIN_BACKOFF_S
        self._next_probe = 0.0
        self._thread: threading.Thread | None = None

    @property
    def healthy(self) -> bool:
        """Whether the last broker probe succeeded (or none was needed yet)."""
        return self._backoff_s == MIN_BACKOFF_S

    def start(self) -> None:
        """Start the thread (a daemon: it never holds the interpreter open)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="auditstream-producer", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the thread to stop and wait for it, at most ``timeout_s``.

        Args:
            timeout_s: Longest wait in seconds.
        """
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def drain(self, timeout_s: float) -> bool:
        """Wait until the spool is empty and inactive, at most ``timeout_s``.

        Args:
            timeout_s: Longest wait in seconds.

        Returns:
            Whether it drained.
        """
        spool = self._transport.spool
        deadline = time.monotonic() + timeout_s
        while spool is not None and spool.active and time.monotonic() < deadline:
            if self._thread is None or not self._thread.is_alive():
                return False
            time.sleep(POLL_INTERVAL_S)  # the replayer thread does the work
        return spool is None or not spool.active

    def run(self) -> None:
        """Loop until stopped; never raises."""
        next_sync = next_stats = time.monotonic()
        while not self._stop.is_set():
            try:
                # Serve what is due, then sleep: reports gather and are served in one
                # batch per turn, so the emitting threads hand the GIL over a few
                # dozen times a second rather than once per acknowledgement.
                self._transport.poll(0)
                self._stop.wait(SERVE_INTERVAL_S)
                now = time.monotonic()
                spool = self._transport.spool
                if spool is not None:
                    spool.tidy(now)
                    if now >= next_sync:
                        spool.sync()
                        next_sync = now + self._fsync_interval_s
                if spool is not None and spool.active and now >= self._next_probe:
                    self._replay(spool)
                if self._on_stats is not None and now >= next_stats:
                    next_stats = now + self._stats_interval_s
                    self._on_stats(self._counters.snapshot())
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any failure
                self._counters.note_failure("replayer_error", type(exc).__name__)
                self._stop.wait(MIN_BACKOFF_S)

    def _healthy(self) -> bool:
        try:
            self._transport.producer.list_topics(self._transport.topic, PROBE_TIMEOUT_S)
        except KafkaException:
            return False
        return True

    def _retry_later(self) -> None:
        self._next_probe = time.monotonic() + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, MAX_BACKOFF_S)

    def _replay(self, spool: DiskSpool) -> None:
        if not self._healthy():
            self._retry_later()
            return
        self._backoff_s = MIN_BACKOFF_S
        while not self._stop.is_set():
            batch = spool.read_batch(max_records=REPLAY_BATCH_RECORDS, max_bytes=REPLAY_BATCH_BYTES)
            if batch is None:
                if spool.try_deactivate():
                    self._counters.note_recovery("the spool is drained")
                    return
                continue  # events were appended meanwhile
            self._report_damage(spool, batch)
            rejected = self._send(batch)
            if rejected is None:
                self._retry_later()
                return
            spool.commit(batch)
            delivered = len(batch.records) - rejected
            self._counters.add("replayed", delivered)
            self._counters.add("delivered", delivered)

    def _report_damage(self, spool: DiskSpool, batch: Batch) -> None:
        for damage in batch.damaged:
            self._counters.add("spool_damaged")
            _log.warning(
                "damaged spool record skipped: segment=%s offset=%d bytes=%d; the records "
                "around it are replayed, this one is lost",
                spool.slot_dir / f"{batch.seq:020d}.seg",
                damage.start,
                damage.end - damage.start,
            )

    def _send(self, batch: Batch) -> int | None:
        """Produce a batch and wait for every report.

        Returns:
            None when a record failed (retry the batch), else how many records the
            broker refused for good (shed, counted here).
        """
        acks = _Acks(len(batch.records))
        for index, record in enumerate(batch.records):
            if index % YIELD_EVERY_RECORDS == YIELD_EVERY_RECORDS - 1:
                time.sleep(0)  # let emitting threads in (see YIELD_EVERY_RECORDS)
            if not self._produce(record, acks):
                return None
        # Every produced message gets exactly one report, at the latest when librdkafka's
        # message.timeout.ms expires, so this wait ends; stop() cuts it short at close.
        # flush, not poll: it serves the reports as poll does, and also sends the batch
        # at once instead of after linger_ms, so a replay's pace does not depend on the
        # linger (the batch is the whole queue then: while the spool is active new
        # events are spooled behind it, not produced).
        while acks.outstanding > 0 and not self._stop.is_set():
            self._transport.flush(POLL_INTERVAL_S)
        if acks.outstanding or acks.failed:
            return None
        if acks.rejected:
            self._counters.shed("rejected", acks.rejected)
        return acks.rejected

    def _produce(self, record: SpoolRecord, acks: _Acks) -> bool:
        """Hand one record to librdkafka, waiting while its queue is full.

        Returns:
            False when stopped while waiting (the batch is abandoned, not committed).
        """
        producer, topic = self._transport.producer, self._transport.topic
        headers = list(record.headers) if record.headers else None
        while True:
            try:
                if headers:
                    producer.produce(
                        topic, record.value, record.key, on_delivery=acks, headers=headers
                    )
                else:
                    producer.produce(topic, record.value, record.key, on_delivery=acks)
                return True
            except BufferError:
                if self._stop.is_set():
                    return False
                self._transport.poll(POLL_INTERVAL_S)  # librdkafka's queue is full: wait
            except KafkaException as exc:
                self._counters.note_failure("replay_error", error_name(exc))
                with acks.lock:
                    acks.outstanding -= 1
                    if error_code(exc) in REJECTED:
                        acks.rejected += 1
                    else:
                        acks.failed += 1
                return True
