"""Hand encoded events to Kafka through the disk spool's write-ahead log, never raising.

An event :meth:`AuditClient.emit` accepted takes one of these paths::

    emit() ─┬─ spool inactive ─▶ write ahead ──▶ produce() ──▶ librdkafka ──ack──▶ delivered,
            │                    (a copy into      │ queue full    │ error        record resolved
            │                     the spool)       │ / error       │
            │                       │ no room /    ▼               ▼
            │                       │ disk error   spool it again (behind newer ones), resolve
            │                       ▼
            │                    produce() without a record ahead (counted ``unjournaled``)
            │
            └─ spool active ───▶ disk spool ──replayer (:mod:`.replay`), in file order──▶
                                 librdkafka ──ack──▶ delivered, replayed

    spool full / unusable / client closed ──▶ shed (counted per cause, logged per interval)
    process killed ──▶ the next client on the slot replays every segment left: records
                       written ahead and not yet resolved, and spooled ones, in file order

Every event is on disk before librdkafka sees it, so from the moment ``emit()`` returns it
is in the page cache or acknowledged: a SIGKILL loses nothing, and the fsync policy
(``interval``, ``always``) bounds what a power cut may lose. Its delivery report resolves
the record; a segment is deleted once all its records are resolved. While the spool holds
events for replay, new ones go behind them (the spool's ``active`` flag), so events of one
key reach Kafka in the order they were emitted; the switch back happens only once the
replayer has drained the spool. Events librdkafka already queued when an outage began are
delivered before the replay (same producer, same partition queues), unless the outage
outlasts ``message.timeout.ms`` and they fail into the spool behind newer ones. Payloads
are never logged.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from confluent_kafka import KafkaError, KafkaException, Message

from auditstream.producer.kafka import (
    REJECTED,
    DeliveryCallback,
    ProducerLike,
    error_code,
    error_name,
)
from auditstream.producer.metrics import Counters

if TYPE_CHECKING:
    from auditstream.producer.spool import DiskSpool, Segment

_log = logging.getLogger(__name__)


class Transport:
    """The client's Kafka side: write ahead, produce, delivery reports, the spool on failure.

    Args:
        topic: Where events go.
        producer: A started producer (or a fake with the same methods).
        counters: The client's counters.
        spool: The disk spool, or None when spooling is off or unavailable.
    """

    __slots__ = ("_callback", "_closed", "_counters", "_producer", "_spool", "_topic")

    def __init__(
        self, topic: str, producer: ProducerLike, counters: Counters, spool: DiskSpool | None
    ) -> None:
        self._topic = topic
        self._producer = producer
        self._counters = counters
        self._spool = spool
        self._closed = False
        self._callback: tuple[Segment, DeliveryCallback] | None = None
        counters.set_depth_probe(self._depths)

    @property
    def topic(self) -> str:
        """Where events go."""
        return self._topic

    @property
    def producer(self) -> ProducerLike:
        """The librdkafka producer (the replayer produces through it too)."""
        return self._producer

    @property
    def spool(self) -> DiskSpool | None:
        """The disk spool, if any."""
        return self._spool

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run; later events are shed."""
        return self._closed

    def _depths(self) -> tuple[int, int, int, bool]:
        spool = self._spool
        if spool is None:
            return len(self._producer), 0, 0, False
        return len(self._producer), spool.pending_records, spool.size_bytes, spool.active

    def send(self, value: bytes, key: bytes) -> None:
        """Write one encoded event ahead and queue it, or spool it. Never blocks, never raises.

        Args:
            value: The encoded event.
            key: The Kafka message key (the trace id).
        """
        # No poll() on this path: delivery reports are served by the background thread,
        # so a burst of acknowledgements (a broker coming back) never runs on the
        # caller's request path, and emit() gives up the GIL as rarely as possible.
        self._counters.add("emitted")
        if self._closed:
            self._counters.shed("client_closed")
            return
        spool = self._spool
        if spool is None:
            self._produce(value, key, self._on_delivery)
            return
        try:
            spooled, shed, ticket = spool.append(key, value, activate=False, journal=True)
        except OSError as exc:
            self._counters.note_failure("spool_error", exc.strerror or type(exc).__name__)
            if spool.active:
                self._counters.shed("spool_error")
            else:
                self._unjournaled(value, key)
            return
        if ticket is not None:  # written ahead: the common case
            # One callback per segment, not per event (a segment holds about a thousand
            # events, and building one per call costs emit() measurably). The cache is
            # one tuple, read and replaced whole, so concurrent emitting threads never
            # pair a segment with another segment's callback.
            cached = self._callback
            if cached is None or cached[0] is not ticket:
                cached = self._callback = (ticket, partial(self._on_journaled, spool, ticket))
            if not self._produce(value, key, cached[1]):
                spool.resolve(ticket)  # dealt with already: spooled again or shed
            return
        if shed:
            self._counters.shed("spool_full", shed)
        if spooled:
            self._counters.add("spooled")
        elif not shed:
            self._unjournaled(value, key)

    def _unjournaled(self, value: bytes, key: bytes) -> None:
        """Produce without a record ahead: the spool has no room or cannot write."""
        self._counters.add("unjournaled")
        self._counters.note_failure(
            "unjournaled",
            "the spool is full or failing, so events go to librdkafka without a write-ahead "
            "record (a crash before their delivery report loses them)",
        )
        self._produce(value, key, self._on_delivery)

    def _produce(self, value: bytes, key: bytes, on_delivery: DeliveryCallback) -> bool:
        """Hand one event to librdkafka; on refusal spool or shed it.

        Returns:
            True when librdkafka took it (its delivery report will follow).
        """
        try:
            self._producer.produce(self._topic, value, key, on_delivery=on_delivery)
        except BufferError:
            self._on_failure(value, key, "queue_full", "librdkafka queue is full")
        except KafkaException as exc:
            if error_code(exc) in REJECTED:
                self._counters.note_failure("rejected", error_name(exc))
                self._counters.shed("rejected")
            else:
                self._on_failure(value, key, "produce_error", error_name(exc))
        else:
            return True
        return False

    def activate_spool(self) -> None:
        """Send new events to the spool from now on (no broker is reachable)."""
        if self._spool is not None:
            self._spool.active = True

    def poll(self, timeout_s: float = 0) -> None:
        """Run due delivery callbacks, waiting up to ``timeout_s``; never raises.

        Args:
            timeout_s: Longest wait in seconds.
        """
        try:
            self._producer.poll(timeout_s)
        except KafkaException as exc:
            self._counters.note_failure("poll_error", error_name(exc))

    def flush(self, timeout_s: float) -> int:
        """Wait up to ``timeout_s`` for librdkafka's queue; return how many are still in it.

        Args:
            timeout_s: Longest wait in seconds.

        Returns:
            Events still in librdkafka's queue.
        """
        try:
            return int(self._producer.flush(timeout_s))
        except KafkaException as exc:
            self._counters.note_failure("flush_error", error_name(exc))
            return len(self._producer)

    def close(self, timeout_s: float) -> int:
        """Flush, move what the broker did not take into the spool, refuse further events.

        Args:
            timeout_s: Longest wait in seconds for the final flush.

        Returns:
            Events neither delivered nor spooled (lost when the process exits).
        """
        if self._closed:
            return 0
        self._closed = True
        remaining = self.flush(timeout_s)
        if remaining and self._spool is not None:
            # Fail what is still queued so its delivery callbacks write it to the spool:
            # the next process replays it. In-flight messages may have been delivered,
            # so this can duplicate; the processor drops duplicates by event_id.
            try:
                self._producer.purge(in_queue=True, in_flight=True, blocking=False)
            except KafkaException as exc:
                self._counters.note_failure("purge_error", error_name(exc))
            remaining = self.flush(min(timeout_s, 1.0))
        if self._spool is not None:
            # Records written ahead whose report never came stay on disk: the next
            # client on this slot replays them, so they are kept, not lost.
            kept = self._spool.in_flight_records
            remaining = max(0, remaining - kept)
            self._spool.close()
            left = self._spool.pending_records + kept
            if left:
                _log.warning(
                    "audit producer closed with events in the spool: spooled=%d dir=%s; the "
                    "next client on this spool directory replays them",
                    left,
                    self._spool.slot_dir,
                )
        if remaining:
            _log.error(
                "audit producer closed with undelivered events: remaining=%d; they are lost",
                remaining,
            )
        return remaining

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        # Runs inside poll()/flush() on whichever thread polls: it must never raise.
        if err is None:
            self._counters.add("delivered")
            self._counters.note_recovery()
            return
        self._counters.add("failed")
        if err.code() in REJECTED:
            self._counters.note_failure("rejected", err.str())
            self._counters.shed("rejected")
            return
        self._on_failure(msg.value() or b"", msg.key() or b"", "delivery_failed", err.str())

    def _on_journaled(
        self, spool: DiskSpool, ticket: Segment, err: KafkaError | None, msg: Message
    ) -> None:
        # A written-ahead record is resolved only after a failed one was spooled again,
        # so its segment is never deleted while the event exists nowhere else.
        try:
            self._on_delivery(err, msg)
        finally:
            spool.resolve(ticket)

    def _on_failure(self, value: bytes, key: bytes, cause: str, detail: str) -> None:
        """Spool an event librdkafka could not take or deliver (or shed it, counted)."""
        self._counters.note_failure(cause, detail)
        if self._spool is None:
            self._counters.shed("spool_disabled")
            return
        self._to_spool(value, key, activate=True)

    def _to_spool(self, value: bytes, key: bytes, *, activate: bool) -> bool:
        """Append to the spool; return False only if spooling is off and not forced on."""
        spool = self._spool
        assert spool is not None
        try:
            appended = spool.append(key, value, activate=activate)
        except OSError as exc:
            self._counters.note_failure("spool_error", exc.strerror or type(exc).__name__)
            self._counters.shed("spool_error")
            return True
        if appended.shed:
            self._counters.shed("spool_full", appended.shed)
        if appended.spooled:
            self._counters.add("spooled")
        return appended.spooled or appended.shed > 0

    def reset_after_fork(self, producer: ProducerLike, spool: DiskSpool | None) -> None:
        """Use a new producer and spool in a forked child (the parent keeps its own).

        Args:
            producer: The child's producer.
            spool: The child's spool slot.
        """
        self._producer = producer
        self._spool = spool
