"""A fake ``confluent_kafka.Producer`` for unit tests of the SDK (no broker, thread-safe).

It records produced messages and delivers them on ``poll``/``flush``, optionally with an
error; ``down`` makes ``list_topics`` fail as it does when no broker answers. The SDK's
background thread polls it too, so every method takes a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, KafkaException

from auditstream.schemas import AuditEventDeserializer

decode = AuditEventDeserializer()


class FakeMessage:
    def __init__(self, topic: str, value: bytes, key: bytes) -> None:
        self._topic, self._value, self._key = topic, value, key

    def topic(self) -> str:
        return self._topic

    def value(self) -> bytes:
        return self._value

    def key(self) -> bytes:
        return self._key


class FakeProducer:
    """Records produced messages; delivers them on poll/flush, optionally with an error."""

    def __init__(self) -> None:
        self.messages: list[FakeMessage] = []
        self.produce_error: BaseException | None = None
        self.delivery_error: KafkaError | None = None
        self.down = False
        self.polls = 0
        self._lock = threading.RLock()
        self._pending: list[tuple[Callable[[Any, Any], None], FakeMessage]] = []

    def produce(
        self,
        topic: str,
        value: bytes,
        key: bytes,
        *,
        on_delivery: Callable[[Any, Any], None],
        headers: Any = None,
    ) -> None:
        with self._lock:
            if self.produce_error is not None:
                raise self.produce_error
            message = FakeMessage(topic, value, key)
            self.messages.append(message)
            self._pending.append((on_delivery, message))

    def poll(self, timeout: float) -> int:
        # Callbacks run under the lock, so a poll on one thread returns only after
        # reports taken by a concurrent poll (the SDK's background thread) were served.
        with self._lock:
            self.polls += 1
            if self.down:
                return 0
            pending, self._pending = self._pending, []
            error = self.delivery_error
            for callback, message in pending:
                callback(error, message)
            return len(pending)

    def flush(self, timeout: float) -> int:
        self.poll(timeout)
        return len(self)

    def list_topics(self, topic: str | None = None, timeout: float = -1) -> object:
        if self.down:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))
        return object()

    def purge(self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            for callback, message in pending:
                callback(KafkaError(KafkaError._PURGE_QUEUE), message)

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [decode(m.value()) for m in self.messages]
