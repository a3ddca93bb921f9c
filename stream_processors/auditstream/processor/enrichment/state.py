"""What the trace table remembers about one trace, and its changelog encoding.

A :class:`TraceState` is the value of the processor's trace table (key: the trace id).
It holds only values that already passed redaction (pseudonymized user ids, tenant and
session ids the policy keeps), so the table's changelog topic carries no more personal
data than the redacted topic. This module is pure data: no Faust, no Kafka.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from auditstream.processor.errors import ProcessorError

STATE_FORMAT_VERSION = 1
ACTOR_FIELDS = ("tenant_id", "user_id", "session_id")


class TraceStateError(ProcessorError):
    """A changelog value is not a trace state this version can read.

    Args:
        reason: What is wrong (sizes and versions, never values).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"trace state cannot be decoded: {reason}")


@dataclass(frozen=True, slots=True)
class TraceState:
    """Everything the processor knows about one trace.

    Attributes:
        partition: Raw-topic partition the trace lives in (its key's partition).
        sequence: Events of the trace seen so far (the last one's sequence number).
        first_seen_us: Processing time of the trace's first event, microseconds.
        last_seen_us: Processing time of its latest event; expiry counts from here.
        actor: Tenant, user and session ids as first seen in the trace (redacted values).
        spans: Span id to the id of the first event that carried it (for parent links).
        seen_ids: Event id to the processing time it was first seen (for duplicates),
            oldest first.
        tokens_total: Running total of input plus output tokens.
        tool_calls: Running count of tool calls.
        errors: Running count of error events.
    """

    partition: int
    sequence: int = 0
    first_seen_us: int = 0
    last_seen_us: int = 0
    actor: dict[str, str] = field(default_factory=dict)
    spans: dict[str, str] = field(default_factory=dict)
    seen_ids: dict[str, int] = field(default_factory=dict)
    tokens_total: int = 0
    tool_calls: int = 0
    errors: int = 0

    def to_bytes(self) -> bytes:
        """Encode for the table's changelog (compact JSON, versioned).

        Returns:
            The encoded state.
        """
        return json.dumps(
            {
                "v": STATE_FORMAT_VERSION,
                "p": self.partition,
                "n": self.sequence,
                "f": self.first_seen_us,
                "l": self.last_seen_us,
                "a": self.actor,
                "s": self.spans,
                "e": self.seen_ids,
                "t": [self.tokens_total, self.tool_calls, self.errors],
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> TraceState:
        """Decode a changelog value written by :meth:`to_bytes`.

        Args:
            data: The encoded state.

        Returns:
            The state.

        Raises:
            TraceStateError: The bytes are not a state of a known format version.
        """
        try:
            raw: Any = json.loads(data)
            if raw.get("v") != STATE_FORMAT_VERSION:
                raise TraceStateError(
                    f"format version {raw.get('v')!r}, expected {STATE_FORMAT_VERSION}"
                )
            tokens, tools, errors = raw["t"]
            return cls(
                partition=int(raw["p"]),
                sequence=int(raw["n"]),
                first_seen_us=int(raw["f"]),
                last_seen_us=int(raw["l"]),
                actor={str(k): str(v) for k, v in raw["a"].items()},
                spans={str(k): str(v) for k, v in raw["s"].items()},
                seen_ids={str(k): int(v) for k, v in raw["e"].items()},
                tokens_total=int(tokens),
                tool_calls=int(tools),
                errors=int(errors),
            )
        except TraceStateError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise TraceStateError(f"{type(exc).__name__} in {len(data)} bytes") from exc
