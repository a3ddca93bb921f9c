"""Encode and decode AuditEvents, shaped like confluent-kafka's serializers.

``AuditEventSerializer(event, ctx) -> bytes`` and ``AuditEventDeserializer(data, ctx)``
take an optional :class:`confluent_kafka.serialization.SerializationContext`, so they plug
into confluent-kafka's serializing clients as they are. One deserializer reads both
framings (see :mod:`auditstream.schemas.framing`), chosen by the payload's first bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import fastavro

from auditstream.schemas import catalog
from auditstream.schemas.errors import DecodeError, EncodeError, UnknownSchemaError
from auditstream.schemas.framing import (
    WireFormat,
    confluent_header,
    read_frame,
    single_object_header,
)
from auditstream.schemas.indexes import IndexOutOfRangeError, Skip, index_checker
from auditstream.schemas.model import AuditEvent
from auditstream.schemas.validation import validate_event

if TYPE_CHECKING:
    # Only a type: the archive and the auditor decode events without loading a Kafka client.
    from confluent_kafka.serialization import SerializationContext

RegistrySchemaLookup = Callable[[int, int], Any]
"""Returns the parsed writer schema for a Confluent Schema Registry id, or None if unknown.

Called with the id and the payload's size (for the errors it raises). A deployment that
uses a registry passes :class:`auditstream.schemas.registry.RegistryLookup`; the default
single-object framing needs none.
"""


class AuditEventSerializer:
    """Encode an event dict as Avro with the configured framing.

    Args:
        wire_format: Single-object encoding (default) or Confluent framing.
        schema_id: The registry id of the current schema; required for Confluent framing.

    Raises:
        EncodeError: Confluent framing was chosen without a schema id.
    """

    __slots__ = ("_header", "_schema")

    def __init__(
        self, wire_format: WireFormat = WireFormat.SINGLE_OBJECT, *, schema_id: int | None = None
    ) -> None:
        schema = catalog.current()
        self._schema = schema.parsed
        if wire_format is WireFormat.SINGLE_OBJECT:
            self._header = single_object_header(schema.fingerprint)
        elif schema_id is None:
            raise EncodeError("Confluent wire format needs the registry schema_id of the schema")
        else:
            self._header = confluent_header(schema_id)

    def __call__(self, event: AuditEvent, ctx: SerializationContext | None = None) -> bytes:
        """Encode one event.

        Args:
            event: The event, shaped like the current AuditEvent schema (fields with a
                default may be left out).
            ctx: Topic and field being serialized (unused; accepted for confluent-kafka).

        Returns:
            Header plus Avro body.

        Raises:
            EncodeError: A field is missing, unknown or of the wrong type.
        """
        buffer = io.BytesIO()
        buffer.write(self._header)
        try:
            # A field the schema gives a default may be left out (it takes the default),
            # so event dicts written against an older version still encode; anything
            # else missing or unknown is refused.
            fastavro.schemaless_writer(buffer, self._schema, event, strict_allow_default=True)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            # fastavro's messages may quote whole records, payload included: keep only
            # the exception type, never its text.
            raise EncodeError(
                f"{type(exc).__name__}: a field is missing, unknown, out of range or of the "
                "wrong type for the current AuditEvent schema"
            ) from exc
        return buffer.getvalue()


class AuditEventDeserializer:
    """Decode bytes of either framing into an event dict of the current schema.

    Args:
        registry_lookup: Resolves Confluent Schema Registry ids; without it, Confluent
            framed payloads are rejected with :class:`UnknownSchemaError`.
        max_field_bytes: Longest string a field may hold (see
            :func:`~auditstream.schemas.validation.validate_event`).
    """

    __slots__ = (
        "_index_checkers",
        "_max_field_bytes",
        "_reader",
        "_reader_string_bytes",
        "_registry_lookup",
    )

    def __init__(
        self,
        *,
        registry_lookup: RegistrySchemaLookup | None = None,
        max_field_bytes: int = 1 << 20,
    ) -> None:
        reader = catalog.current()
        self._reader = reader.parsed
        # Strings that are not read from the payload come from the reader schema
        # (defaults, enum symbols): with the payload size, they bound every string.
        self._reader_string_bytes = _longest_string_bytes(reader.source)
        self._registry_lookup = registry_lookup
        self._max_field_bytes = max_field_bytes
        # Per writer schema (fingerprint or registry id): see auditstream.schemas.indexes.
        self._index_checkers: dict[str, Skip] = {}

    def __call__(self, data: bytes | None, ctx: SerializationContext | None = None) -> AuditEvent:
        """Decode and validate one payload.

        Args:
            data: The Kafka message value.
            ctx: Topic and field being deserialized (unused; accepted for confluent-kafka).

        Returns:
            The event, resolved to the current schema.

        Raises:
            DecodeError: Empty, truncated, unknown framing, corrupt body, trailing bytes,
                or invalid UTF-8.
            UnknownSchemaError: A framing whose schema this build does not ship, or a
                registry id the registry does not hold.
            SchemaRegistryUnavailableError: The registry did not answer for the frame's id.
            InvalidEventError: Decodes, but breaks a contract rule.
        """
        if data is None:
            raise DecodeError("message has no value (tombstone); expected an AuditEvent", size=0)
        frame = read_frame(data)
        writer = self._writer_schema(frame.wire_format, frame.schema_ref, len(data))
        buffer = io.BytesIO(data)
        buffer.seek(frame.body_offset)
        try:
            event = cast("AuditEvent", fastavro.schemaless_reader(buffer, writer, self._reader))
        except UnicodeDecodeError as exc:
            raise DecodeError(
                "a string field is not valid UTF-8", offset_in_payload=buffer.tell(), size=len(data)
            ) from exc
        except (EOFError, StopIteration) as exc:
            raise DecodeError(
                "Avro body ends early (truncated message)",
                offset_in_payload=buffer.tell(),
                size=len(data),
            ) from exc
        except Exception as exc:
            raise DecodeError(
                f"corrupt Avro body ({type(exc).__name__})",
                offset_in_payload=buffer.tell(),
                size=len(data),
            ) from exc
        if buffer.tell() != len(data):
            raise DecodeError(
                f"{len(data) - buffer.tell()} trailing bytes after the Avro body",
                offset_in_payload=buffer.tell(),
                size=len(data),
            )
        check = self._index_checkers.get(frame.schema_ref)
        if check is None:
            check = self._index_checkers[frame.schema_ref] = index_checker(writer)
        try:
            check(data, frame.body_offset)
        except IndexOutOfRangeError as exc:
            # fastavro read a negative index from the end of its list (see indexes.py).
            raise DecodeError(
                f"{exc.what} index {exc.index} is out of range (corrupt Avro body)",
                offset_in_payload=exc.offset,
                size=len(data),
            ) from None
        validate_event(
            event,
            max_field_bytes=self._max_field_bytes,
            # A decoded string is UTF-8 read from the payload, or a literal of the reader
            # schema: neither is longer than this.
            longest_string_bytes=len(data) + self._reader_string_bytes,
        )
        return event

    def _writer_schema(self, wire_format: WireFormat, schema_ref: str, size: int) -> Any:
        if wire_format is WireFormat.SINGLE_OBJECT:
            version = catalog.by_fingerprint().get(schema_ref)
            if version is None:
                raise UnknownSchemaError(f"fingerprint {schema_ref}", size=size)
            return version.parsed
        if self._registry_lookup is None:
            raise UnknownSchemaError(
                f"registry id {schema_ref} (no schema registry is configured)", size=size
            )
        # A registry that does not answer raises SchemaRegistryUnavailableError, a
        # DecodeError: the message goes to the DLQ with that reason, to be replayed once
        # the registry is back, and the partition keeps moving. Only "no such id" is None.
        schema = self._registry_lookup(int(schema_ref), size)
        if schema is None:
            raise UnknownSchemaError(f"registry id {schema_ref}", size=size)
        return schema


def _longest_string_bytes(node: object) -> int:
    """Return the UTF-8 length of the longest string anywhere in a schema's JSON."""
    if isinstance(node, str):
        return len(node.encode())
    if isinstance(node, dict):
        node = [*node.keys(), *node.values()]
    if isinstance(node, list):
        return max((_longest_string_bytes(item) for item in node), default=0)
    return 0
