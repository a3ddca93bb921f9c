"""The AuditEvent contract: Avro schemas, framing, codec and the error root.

Every stage imports this package; it imports no other stage.
"""

from __future__ import annotations

from auditstream.schemas.codec import (
    AuditEventDeserializer,
    AuditEventSerializer,
    RegistrySchemaLookup,
)
from auditstream.schemas.errors import (
    AuditstreamError,
    CodecError,
    DecodeError,
    EncodeError,
    InvalidEventError,
    SchemaRegistrySetupError,
    SchemaRegistryUnavailableError,
    UnknownSchemaError,
)
from auditstream.schemas.framing import WireFormat
from auditstream.schemas.model import (
    AuditEvent,
    EventStatus,
    EventType,
    message_key,
    new_event_id,
    new_span_id,
    new_trace_id,
)
from auditstream.schemas.validation import validate_event

__all__ = [
    "AuditEvent",
    "AuditEventDeserializer",
    "AuditEventSerializer",
    "AuditstreamError",
    "CodecError",
    "DecodeError",
    "EncodeError",
    "EventStatus",
    "EventType",
    "InvalidEventError",
    "RegistrySchemaLookup",
    "SchemaRegistrySetupError",
    "SchemaRegistryUnavailableError",
    "UnknownSchemaError",
    "WireFormat",
    "message_key",
    "new_event_id",
    "new_span_id",
    "new_trace_id",
    "validate_event",
]
