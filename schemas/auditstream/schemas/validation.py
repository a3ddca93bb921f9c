"""Rules of the AuditEvent contract that the Avro schema cannot express.

Checked on every decoded event, so the processor sends a rule-breaking event to the DLQ
with the field's name instead of archiving it. It runs once per record in the processor
and the sink, so each rule takes its cheap exact path first: a canonical UUID is
recognized by a pattern before :class:`uuid.UUID` is asked, and strings are walked for
their length only when the caller cannot bound them (see ``longest_string_bytes``).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from auditstream.schemas.errors import InvalidEventError
from auditstream.schemas.model import AuditEvent

_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")
_ALL_ZERO_TRACE = "0" * 32
# The form every UUID writer produces (the SDK's UUIDv7 included). uuid.UUID accepts
# every string of this form; it also accepts others (braces, "urn:uuid:", hyphens
# elsewhere), so a string that does not match is still judged by uuid.UUID itself.
_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _too_long(node: Any, limit: int) -> list[str] | None:
    """Return the path (innermost first) of the first string over ``limit`` bytes, or None.

    Runs on every event: paths are built only for the string that fails, and a string is
    encoded only when its length could put it over the limit (4 bytes per character at most).
    """
    if isinstance(node, str):
        return [] if len(node) * 4 > limit and len(node.encode()) > limit else None
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str | dict | list):
                found = _too_long(value, limit)
                if found is not None:
                    found.append(f".{key}")
                    return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _too_long(value, limit)
            if found is not None:
                found.append(f"[{index}]")
                return found
    return None


def validate_event(
    event: AuditEvent, *, max_field_bytes: int, longest_string_bytes: int | None = None
) -> None:
    """Check an event against the contract's extra rules.

    Rules: ``event_id`` is a UUID; ``trace.trace_id`` is a W3C trace id (32 lowercase hex
    digits, not all zero); span ids are 16 hex digits; ``service.name`` is not empty;
    ``timestamp`` is not negative; no string is longer than ``max_field_bytes`` (UTF-8).

    Args:
        event: A decoded event.
        max_field_bytes: Longest string a field may hold, in UTF-8 bytes.
        longest_string_bytes: An upper bound on the UTF-8 length of every string in the
            event, when the caller knows one. A decoder does: no decoded string is longer
            than the payload it came from plus the longest string the reader schema
            itself holds (defaults, enum symbols). When the bound is within
            ``max_field_bytes`` the length rule holds without walking the event.

    Raises:
        InvalidEventError: The first rule broken, naming the field.
    """
    event_id = event["event_id"]
    if type(event_id) is not str or _CANONICAL_UUID.fullmatch(event_id) is None:
        try:
            uuid.UUID(event_id)
        except ValueError:
            raise InvalidEventError("event_id", "must be a UUID (the SDK writes UUIDv7)") from None
    trace = event["trace"]
    trace_id = trace["trace_id"]
    if not _TRACE_ID.fullmatch(trace_id) or trace_id == _ALL_ZERO_TRACE:
        raise InvalidEventError(
            "trace.trace_id",
            f"must be 32 lowercase hex digits, not all zero (found {len(trace_id)} characters)",
        )
    for name in ("span_id", "parent_span_id"):
        span = trace.get(name)
        if span is not None and not _SPAN_ID.fullmatch(span):
            raise InvalidEventError(f"trace.{name}", "must be 16 lowercase hex digits")
    if not event["service"]["name"]:
        raise InvalidEventError("service.name", "must not be empty")
    if event["timestamp"] < 0:
        raise InvalidEventError("timestamp", "must be microseconds since 1970, not negative")
    if longest_string_bytes is not None and longest_string_bytes <= max_field_bytes:
        return
    long_field = _too_long(event, max_field_bytes)
    if long_field is not None:
        path = "".join(reversed(long_field)).lstrip(".")
        raise InvalidEventError(path, f"longer than the {max_field_bytes}-byte limit")
