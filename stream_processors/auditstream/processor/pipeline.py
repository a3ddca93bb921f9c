"""Turn a batch of raw Kafka messages into redacted events and dead letters.

Plain synchronous code: the Faust agent hands a batch to :meth:`Pipeline.process` in an
executor, so unit tests and benchmarks call it directly. Outcomes keep the input order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from auditstream.processor.redaction.engine import RedactionEngine
from auditstream.schemas import (
    AuditEventDeserializer,
    AuditEventSerializer,
    CodecError,
    message_key,
)

STAGE = "processor"


@dataclass(frozen=True, slots=True)
class RawMessage:
    """A message as read from the raw topic.

    Attributes:
        topic: Source topic.
        partition: Source partition.
        offset: Source offset.
        key: Message key (may be None).
        value: Message value (may be None for a tombstone).
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True, slots=True)
class Redacted:
    """An event ready for the redacted topic.

    Attributes:
        source: Where it came from.
        key: The event's key (trace id).
        value: The encoded, redacted event.
        event_type: For metrics.
    """

    source: RawMessage
    key: bytes
    value: bytes
    event_type: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that goes to the DLQ as it came, with the reason in its headers.

    Attributes:
        source: The message, bytes untouched.
        error_class: Name of the error class (part of the DLQ contract).
        message: The error message (never payload text).
    """

    source: RawMessage
    error_class: str
    message: str

    def headers(self) -> list[tuple[str, bytes]]:
        """Return the DLQ headers: stage, error class and message, source position."""
        return [
            ("auditstream.stage", STAGE.encode()),
            ("auditstream.error_class", self.error_class.encode()),
            ("auditstream.error_message", self.message.encode()),
            ("auditstream.source_topic", self.source.topic.encode()),
            ("auditstream.source_partition", str(self.source.partition).encode()),
            ("auditstream.source_offset", str(self.source.offset).encode()),
        ]


Outcome = Redacted | DeadLetter


class Pipeline:
    """Decode, validate and redact batches.

    Args:
        engine: The redaction engine.
        max_field_bytes: Longest string an event field may hold.
    """

    def __init__(self, engine: RedactionEngine, *, max_field_bytes: int) -> None:
        self._engine = engine
        self._decode = AuditEventDeserializer(max_field_bytes=max_field_bytes)
        self._encode = AuditEventSerializer()

    def process(self, messages: Sequence[RawMessage]) -> list[Outcome]:
        """Process one batch.

        Args:
            messages: Raw messages in stream order.

        Returns:
            One outcome per message, in the same order.
        """
        outcomes: list[Outcome | None] = [None] * len(messages)
        decoded = []
        for index, message in enumerate(messages):
            try:
                decoded.append((index, self._decode(message.value)))
            except CodecError as exc:
                outcomes[index] = DeadLetter(message, type(exc).__name__, str(exc))
        events = self._engine.redact_batch([e for _, e in decoded], now_us=time.time_ns() // 1000)
        for (index, _), event in zip(decoded, events, strict=True):
            message = messages[index]
            try:
                value = self._encode(event)
            except CodecError as exc:  # redaction produced an unencodable event: a bug
                outcomes[index] = DeadLetter(message, type(exc).__name__, str(exc))
                continue
            outcomes[index] = Redacted(message, message_key(event), value, event["event_type"])
        return [o for o in outcomes if o is not None]
