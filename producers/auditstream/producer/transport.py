"""Hand encoded events to Kafka without ever raising into the caller, and count every fork.

An event that :meth:`AuditClient.emit` accepted takes exactly one of these paths, each
with a counter in :class:`ClientStats`::

    emitted ──produce() accepted──▶ librdkafka queue ──ack──▶ delivered
       │                                    └──────error───▶ failed
       └──queue full / produce error / client closed──────▶ dropped

so ``emitted == delivered + failed + dropped + pending`` at any time. Both failure paths
meet in :meth:`Transport._on_transport_failure`, the seam where a later issue adds the
disk spool. Logging is once per state change: the first failure of a kind logs, a later
successful delivery logs the recovery. Payloads are never logged.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from auditstream.producer.config import ClientConfig
from auditstream.producer.errors import ConfigError

_log = logging.getLogger(__name__)

DeliveryCallback = Callable[[KafkaError | None, Message], None]
"""Called by librdkafka (inside ``poll``/``flush``) with the error, or None, and the message."""


class ProducerLike(Protocol):
    """The part of :class:`confluent_kafka.Producer` the client uses.

    Tests pass a fake with these methods to ``AuditClient(config, producer=...)``.
    """

    def produce(
        self, topic: str, value: bytes, key: bytes, *, on_delivery: DeliveryCallback
    ) -> None:
        """Queue one message; raise ``BufferError`` when the queue is full."""

    def poll(self, timeout: float) -> int:
        """Serve delivery callbacks; return how many ran."""

    def flush(self, timeout: float) -> int:
        """Wait for queued messages to be delivered; return how many remain."""


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of a client's counters (Prometheus export comes later).

    Attributes:
        emitted: Events ``emit()`` accepted and encoded.
        delivered: Events the broker acknowledged.
        failed: Events librdkafka queued but could not deliver.
        dropped: Events never queued (queue full, produce error, client closed).
        secrets_scrubbed: Secrets the local scrub replaced, over all events.
    """

    emitted: int = 0
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    secrets_scrubbed: int = 0

    @property
    def pending(self) -> int:
        """Events queued in librdkafka whose delivery is not yet known."""
        return self.emitted - self.delivered - self.failed - self.dropped


class Counters:
    """The client's counters and its degraded/recovered state, shared by every thread.

    Logging is once per state change: the first failure of a kind logs, a later
    successful delivery logs the recovery and re-arms every kind.
    """

    __slots__ = ("_failing", "_lock", "_values")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = {f.name: 0 for f in dataclasses.fields(ClientStats)}
        self._failing: set[str] = set()

    def add(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` to the counter ``name`` (a :class:`ClientStats` field).

        Args:
            name: The counter.
            amount: How much to add.
        """
        with self._lock:
            self._values[name] += amount

    def snapshot(self) -> ClientStats:
        """Return a consistent snapshot of the counters."""
        with self._lock:
            return ClientStats(**self._values)

    def on_error(self, err: KafkaError) -> None:
        """Log a client-level librdkafka error (``error_cb``) once per error kind.

        Args:
            err: The error; fatal ones make the producer unusable.
        """
        level = logging.ERROR if err.fatal() else logging.WARNING
        self.note_failure(f"kafka_{err.name()}", err.str(), level=level)

    def note_failure(self, cause: str, detail: str, *, level: int = logging.WARNING) -> None:
        """Log that the client is degraded, unless ``cause`` was already logged.

        Args:
            cause: A fixed label of the failure kind.
            detail: librdkafka's error text (never payload).
            level: The log level.
        """
        with self._lock:
            if cause in self._failing:
                return
            self._failing.add(cause)
            dropped, failed = self._values["dropped"], self._values["failed"]
        _log.log(
            level,
            "audit producer degraded: cause=%s detail=%s dropped=%d failed=%d; audit events "
            "that fail are lost (no spool yet)",
            cause,
            detail,
            dropped,
            failed,
        )

    def note_recovery(self) -> None:
        """Log that events flow again, if a failure was logged since the last recovery."""
        with self._lock:
            if not self._failing:
                return
            causes = ",".join(sorted(self._failing))
            self._failing.clear()
            dropped, failed = self._values["dropped"], self._values["failed"]
        _log.info(
            "audit producer recovered: previous_causes=%s dropped=%d failed=%d",
            causes,
            dropped,
            failed,
        )


def start_producer(config: ClientConfig, counters: Counters) -> Producer:
    """Start a ``confluent_kafka.Producer`` for ``config`` that reports errors to ``counters``.

    Args:
        config: The client's settings.
        counters: Where client-level librdkafka errors are logged.

    Returns:
        The producer.

    Raises:
        ConfigError: librdkafka rejected a property (e.g. an unknown override).
    """
    conf: dict[str, Any] = dict(config.to_librdkafka())
    conf["error_cb"] = counters.on_error
    # librdkafka's own log lines go through Python logging instead of stderr, so the
    # host's logging configuration decides where they end up.
    conf["logger"] = logging.getLogger(f"{__name__}.librdkafka")
    try:
        return Producer(conf)
    except KafkaException as exc:
        raise ConfigError(
            "librdkafka_overrides", f"librdkafka rejected the configuration: {_error_name(exc)}"
        ) from exc


class Transport:
    """The client's Kafka side: produce, delivery reports, failure handling.

    Args:
        topic: Where events go.
        producer: A started producer (or a fake with the same methods).
        counters: The client's counters.
    """

    __slots__ = ("_closed", "_counters", "_producer", "_topic")

    def __init__(self, topic: str, producer: ProducerLike, counters: Counters) -> None:
        self._topic = topic
        self._producer = producer
        self._counters = counters
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run; later events are dropped."""
        return self._closed

    def send(self, value: bytes, key: bytes) -> None:
        """Queue one encoded event and serve due delivery reports; never raises.

        Args:
            value: The encoded event.
            key: The Kafka message key (the trace id).
        """
        self._counters.add("emitted")
        if self._closed:
            self._counters.add("dropped")
            self._on_transport_failure(value, key, "client_closed", "emit() after close()")
            return
        try:
            self._producer.produce(self._topic, value, key, on_delivery=self._on_delivery)
        except BufferError:
            self._counters.add("dropped")
            self._on_transport_failure(value, key, "queue_full", "librdkafka queue is full")
        except KafkaException as exc:
            self._counters.add("dropped")
            self._on_transport_failure(value, key, "produce_error", _error_name(exc))
        self.poll()

    def poll(self) -> None:
        """Run due delivery callbacks without waiting; never raises."""
        try:
            self._producer.poll(0)
        except KafkaException as exc:
            self._counters.note_failure("poll_error", _error_name(exc))

    def flush(self, timeout_s: float) -> int:
        """Wait up to ``timeout_s`` for queued events; return how many are still pending.

        Args:
            timeout_s: Longest wait in seconds.

        Returns:
            Events still in librdkafka's queue.
        """
        try:
            remaining = self._producer.flush(timeout_s)
        except KafkaException as exc:
            self._counters.note_failure("flush_error", _error_name(exc))
            return self._counters.snapshot().pending
        if remaining:
            _log.warning(
                "audit producer flush timed out: remaining=%d timeout_s=%s; those events "
                "are delivered later or counted failed",
                remaining,
                timeout_s,
            )
        return remaining

    def close(self, timeout_s: float) -> int:
        """Flush, then refuse further events; return how many were left undelivered.

        Args:
            timeout_s: Longest wait in seconds for the final flush.

        Returns:
            Events still undelivered after the flush (lost when the process exits).
        """
        if self._closed:
            return 0
        remaining = self.flush(timeout_s)
        self._closed = True
        if remaining:
            _log.error(
                "audit producer closed with undelivered events: remaining=%d; they are lost",
                remaining,
            )
        return remaining

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        # Runs inside poll()/flush() on the caller's thread: it must never raise.
        if err is None:
            self._counters.add("delivered")
            self._counters.note_recovery()
            return
        self._counters.add("failed")
        self._on_transport_failure(msg.value(), msg.key(), "delivery_failed", err.str())

    def _on_transport_failure(
        self, event_bytes: bytes | None, key: bytes | None, cause: str, detail: str
    ) -> None:
        """Handle an event that did not reach the broker (already counted by the caller).

        Args:
            event_bytes: The encoded event, for the spool.
            key: Its Kafka key.
            cause: A fixed label: ``queue_full``, ``produce_error``, ``delivery_failed``
                or ``client_closed``.
            detail: librdkafka's error text (never payload).
        """
        # TODO(#4): spool -- append (event_bytes, key) to the bounded disk spool and
        # replay it in order once the broker is back; until then the event is shed.
        del event_bytes, key
        self._counters.note_failure(cause, detail, level=logging.ERROR)


def _error_name(exc: KafkaException) -> str:
    err: Any = exc.args[0] if exc.args else None
    if isinstance(err, KafkaError):
        return f"{err.name()}: {err.str()}"
    return type(exc).__name__
