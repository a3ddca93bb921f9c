"""Rules of the AuditEvent contract that the Avro schema cannot express.

Checked on every decoded event, so the processor sends a rule-breaking event to the DLQ
with the field's name instead of archiving it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

from auditstream.schemas.errors import InvalidEventError
from auditstream.schemas.model import AuditEvent

_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
_ALL_ZERO_TRACE = "0" * 32


def _strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}[{index}]")


def validate_event(event: AuditEvent, *, max_field_bytes: int) -> None:
    """Check an event against the contract's extra rules.

    Rules: ``event_id`` is a UUID; ``trace.trace_id`` is a W3C trace id (32 lowercase hex
    digits, not all zero); span ids are 16 hex digits; ``service.name`` is not empty;
    ``timestamp`` is not negative; no string is longer than ``max_field_bytes`` (UTF-8).

    Args:
        event: A decoded event.
        max_field_bytes: Longest string a field may hold, in UTF-8 bytes.

    Raises:
        InvalidEventError: The first rule broken, naming the field.
    """
    try:
        uuid.UUID(event["event_id"])
    except ValueError:
        raise InvalidEventError("event_id", "must be a UUID (the SDK writes UUIDv7)") from None
    trace = event["trace"]
    trace_id = trace["trace_id"]
    if not _TRACE_ID.match(trace_id) or trace_id == _ALL_ZERO_TRACE:
        raise InvalidEventError(
            "trace.trace_id",
            f"must be 32 lowercase hex digits, not all zero (found {len(trace_id)} characters)",
        )
    for name in ("span_id", "parent_span_id"):
        span = trace.get(name)
        if span is not None and not _SPAN_ID.match(span):
            raise InvalidEventError(f"trace.{name}", "must be 16 lowercase hex digits")
    if not event["service"]["name"]:
        raise InvalidEventError("service.name", "must not be empty")
    if event["timestamp"] < 0:
        raise InvalidEventError("timestamp", "must be microseconds since 1970, not negative")
    for path, text in _strings(event, ""):
        # len(text) is a cheap lower bound; encode only when it could be over the limit.
        if len(text) * 4 > max_field_bytes and len(text.encode()) > max_field_bytes:
            raise InvalidEventError(
                path, f"longer than the {max_field_bytes}-byte limit ({len(text.encode())} bytes)"
            )
