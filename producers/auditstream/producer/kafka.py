"""The librdkafka side of the client: the producer it needs, starting one, naming errors.

:mod:`.transport` decides where an event goes; this module only knows librdkafka: the
methods the client calls on a producer (:class:`ProducerLike`, so tests pass a fake),
the settings it starts one with, and which of its errors mean what. Payloads are never
part of an error name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from auditstream.producer.config import ClientConfig
from auditstream.producer.errors import ConfigError
from auditstream.producer.metrics import Counters

# The logger keeps the name it had when this lived in transport.py, so existing logging
# configuration (and librdkafka's child logger) still applies.
_LOGGER_NAME = "auditstream.producer.transport"

DeliveryCallback = Callable[[KafkaError | None, Message], None]
"""Called by librdkafka (inside ``poll``/``flush``) with the error, or None, and the message."""

# librdkafka errors that mean no broker can take messages now: switch to the spool at
# once rather than let librdkafka's in-memory queue grow for the whole outage.
_BROKERS_DOWN = frozenset({KafkaError._ALL_BROKERS_DOWN})

# Errors no retry can cure: the broker refuses this message itself. Spooling it would put
# a poison pill at the head of the spool, holding back every event behind it, so such an
# event is shed (cause "rejected"), counted and logged instead.
REJECTED = frozenset(
    {
        KafkaError.MSG_SIZE_TOO_LARGE,
        KafkaError.INVALID_MSG,
        KafkaError.INVALID_MSG_SIZE,
        KafkaError.INVALID_RECORD,
        KafkaError.RECORD_LIST_TOO_LARGE,
    }
)


class ProducerLike(Protocol):
    """The part of :class:`confluent_kafka.Producer` the client uses.

    Tests pass a fake with these methods to ``AuditClient(config, producer=...)``.
    """

    def produce(
        self,
        topic: str,
        value: bytes,
        key: bytes,
        *,
        on_delivery: DeliveryCallback,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        """Queue one message; raise ``BufferError`` when the queue is full."""

    def poll(self, timeout: float) -> int:
        """Serve delivery callbacks; return how many ran."""

    def flush(self, timeout: float) -> int:
        """Wait for queued messages to be delivered; return how many remain."""

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any:
        """Fetch cluster metadata; raise ``KafkaException`` when no broker answers."""

    def purge(self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True) -> None:
        """Fail queued messages with a purge error (their callbacks run on the next poll)."""

    def __len__(self) -> int:
        """Messages in the queue."""


def start_producer(config: ClientConfig, counters: Counters, on_error: Callable[[], None]) -> Any:
    """Start a ``confluent_kafka.Producer`` for ``config``.

    Args:
        config: The client's settings.
        counters: Where client-level librdkafka errors are logged.
        on_error: Called when no broker is reachable (switches the client to the spool).

    Returns:
        The producer.

    Raises:
        ConfigError: librdkafka rejected a property (e.g. an unknown override).
    """

    def error_cb(err: KafkaError) -> None:
        if err.code() in _BROKERS_DOWN:
            on_error()
        level = logging.ERROR if err.fatal() else logging.WARNING
        counters.note_failure(f"kafka_{err.name()}", err.str(), level=level)

    conf: dict[str, Any] = dict(config.to_librdkafka())
    conf["error_cb"] = error_cb
    # librdkafka's own log lines go through Python logging instead of stderr, so the
    # host's logging configuration decides where they end up.
    conf["logger"] = logging.getLogger(f"{_LOGGER_NAME}.librdkafka")
    try:
        return Producer(conf)
    except KafkaException as exc:
        raise ConfigError(
            "librdkafka_overrides", f"librdkafka rejected the configuration: {error_name(exc)}"
        ) from exc


def error_code(exc: KafkaException) -> int | None:
    """Return the librdkafka error code inside ``exc``, if it carries one.

    Args:
        exc: The exception.

    Returns:
        The code, or None.
    """
    err: Any = exc.args[0] if exc.args else None
    return int(err.code()) if isinstance(err, KafkaError) else None


def error_name(exc: KafkaException) -> str:
    """Name a librdkafka error for a log line: its name and text, never payload.

    Args:
        exc: The exception.

    Returns:
        ``NAME: text``, or the exception's class name.
    """
    err: Any = exc.args[0] if exc.args else None
    if isinstance(err, KafkaError):
        return f"{err.name()}: {err.str()}"
    return type(exc).__name__
