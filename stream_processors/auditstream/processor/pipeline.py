"""Turn a batch of raw Kafka messages into redacted events and dead letters.

Plain synchronous code: the Faust agent hands a batch to :meth:`Pipeline.prepare`
(decode, validate, redact) in an executor, enriches the prepared events from its trace
table on the event loop, then hands them to :meth:`Pipeline.finish` (encode) in the
executor again. :meth:`Pipeline.process` does both steps without enrichment, for unit
tests and benchmarks. Outcomes keep the input order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from auditstream.processor.errors import OversizedEventError
from auditstream.processor.redaction.engine import CacheStats, RedactionEngine
from auditstream.schemas import (
    AuditEvent,
    AuditEventDeserializer,
    AuditEventSerializer,
    CodecError,
    RegistrySchemaLookup,
    message_key,
)
from auditstream.schemas.dead_letters import dead_letter_headers

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

    def headers(self, *, value_omitted: bool = False) -> list[tuple[str, bytes]]:
        """Return the DLQ headers: stage, error class and message, source position.

        Args:
            value_omitted: The raw bytes are too large for the DLQ and are left out; a
                header ``auditstream.value_omitted_bytes`` then records their size.

        Returns:
            The headers, in a fixed order.
        """
        return dead_letter_headers(
            stage=STAGE,
            error_class=self.error_class,
            message=self.message,
            topic=self.source.topic,
            partition=self.source.partition,
            offset=self.source.offset,
            omitted_bytes=len(self.source.value or b"") if value_omitted else None,
        )


@dataclass(frozen=True, slots=True)
class Prepared:
    """A decoded, validated and redacted event, not yet encoded.

    Attributes:
        source: Where it came from.
        event: The redacted event (enrichment may still fill its trace fields).
    """

    source: RawMessage
    event: AuditEvent


Outcome = Redacted | DeadLetter
Step = Prepared | DeadLetter


class Pipeline:
    """Decode, validate and redact batches.

    Args:
        engine: The redaction engine.
        max_field_bytes: Longest string an event field may hold.
        max_output_bytes: Largest encoded event to forward; a larger one becomes a dead
            letter (:class:`OversizedEventError`). None: no limit.
        registry_lookup: Resolves Confluent Schema Registry ids (see
            :class:`auditstream.schemas.registry.RegistryLookup`); None: Confluent-framed
            messages go to the DLQ as ``UnknownSchemaError``.
    """

    def __init__(
        self,
        engine: RedactionEngine,
        *,
        max_field_bytes: int,
        max_output_bytes: int | None = None,
        registry_lookup: RegistrySchemaLookup | None = None,
    ) -> None:
        self._engine = engine
        self._decode = AuditEventDeserializer(
            registry_lookup=registry_lookup, max_field_bytes=max_field_bytes
        )
        self._encode = AuditEventSerializer()
        self._max_output_bytes = max_output_bytes

    @property
    def cache_stats(self) -> CacheStats:
        """The redaction engine's analysis cache counters (cumulative)."""
        return self._engine.cache_stats

    def process(self, messages: Sequence[RawMessage]) -> list[Outcome]:
        """Process one batch without trace enrichment: :meth:`prepare`, then :meth:`finish`.

        Args:
            messages: Raw messages in stream order.

        Returns:
            One outcome per message, in the same order.
        """
        return self.finish(self.prepare(messages))

    def prepare(self, messages: Sequence[RawMessage]) -> list[Step]:
        """Decode, validate and redact one batch (spaCy runs once for the batch).

        Args:
            messages: Raw messages in stream order.

        Returns:
            One prepared event or dead letter per message, in the same order.
        """
        steps: list[Step | None] = [None] * len(messages)
        decoded = []
        for index, message in enumerate(messages):
            try:
                decoded.append((index, self._decode(message.value)))
            except CodecError as exc:
                steps[index] = DeadLetter(message, type(exc).__name__, str(exc))
        events = self._engine.redact_batch([e for _, e in decoded], now_us=time.time_ns() // 1000)
        for (index, _), event in zip(decoded, events, strict=True):
            steps[index] = Prepared(messages[index], event)
        return [s for s in steps if s is not None]

    def finish(self, steps: Sequence[Step]) -> list[Outcome]:
        """Encode prepared events; dead letters pass through.

        Args:
            steps: The output of :meth:`prepare`, possibly enriched, duplicates removed.

        Returns:
            One outcome per step, in the same order.
        """
        outcomes: list[Outcome] = []
        for step in steps:
            if isinstance(step, DeadLetter):
                outcomes.append(step)
                continue
            event = step.event
            try:
                value = self._encode(event)
            except CodecError as exc:  # redaction produced an unencodable event: a bug
                outcomes.append(DeadLetter(step.source, type(exc).__name__, str(exc)))
                continue
            if self._max_output_bytes is not None and len(value) > self._max_output_bytes:
                error = OversizedEventError(len(value), self._max_output_bytes)
                outcomes.append(DeadLetter(step.source, type(error).__name__, str(error)))
                continue
            outcomes.append(Redacted(step.source, message_key(event), value, event["event_type"]))
        return outcomes
