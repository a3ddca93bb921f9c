"""Names and small helpers of the AuditEvent contract shared by every stage.

The event itself travels as a plain ``dict`` shaped like the newest
``avro/audit_event.v<N>.avsc``: it is what fastavro reads and writes, and it keeps the SDK
free of model libraries.
"""

from __future__ import annotations

import os
import time
import uuid
from enum import StrEnum
from typing import Any

AuditEvent = dict[str, Any]
"""An event as a dict shaped like the ``AuditEvent`` Avro record (see ``avro/*.avsc``)."""


class EventType(StrEnum):
    """The category of an event, from the audit logging guide."""

    AUTH = "AUTH"
    LLM_REQUEST = "LLM_REQUEST"
    RAG_QUERY = "RAG_QUERY"
    TOOL_CALL = "TOOL_CALL"
    GUARDRAIL = "GUARDRAIL"
    ERROR = "ERROR"
    ADMIN_ACTION = "ADMIN_ACTION"
    CHAIN = "CHAIN"
    OTHER = "OTHER"

    def __str__(self) -> str:
        return self.value


class EventStatus(StrEnum):
    """The outcome of the thing an event records."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    DENIED = "DENIED"
    PENDING = "PENDING"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


def new_event_id() -> str:
    """Return a new UUIDv7 (RFC 9562) as a string: time-ordered, 74 random bits.

    Python 3.11 has no ``uuid.uuid7``; this is the RFC's layout, written out so the SDK
    needs no extra dependency.

    Returns:
        The canonical 36-character form.
    """
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF  # rand_b, 62 bits
    return str(uuid.UUID(int=value))


def new_trace_id() -> str:
    """Return a new W3C trace id: 32 lowercase hex digits, not all zero."""
    return os.urandom(16).hex()


def new_span_id() -> str:
    """Return a new W3C span id: 16 lowercase hex digits, not all zero."""
    return os.urandom(8).hex()


def message_key(event: AuditEvent) -> bytes:
    """Return the Kafka key of an event: its trace id, else session id, else event id.

    Keying by trace keeps one trace in one partition, so one processor owns its state.

    Args:
        event: The event to key.

    Returns:
        The key as UTF-8 bytes.
    """
    trace = event.get("trace") or {}
    actor = event.get("actor") or {}
    key = trace.get("trace_id") or actor.get("session_id") or event["event_id"]
    return str(key).encode()
