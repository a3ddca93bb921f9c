"""Duplicates and trace enrichment as pure functions over one event and its trace's state.

The Faust agent calls these on the event loop, in stream order, once per redacted event;
unit tests call them directly. Nothing here imports Faust or touches Kafka. Events are
the redacted ones, so everything copied into the state or from it is already redacted.

Rules:

1. Duplicate: an event whose ``event_id`` the trace saw within the dedup window. The
   caller drops it (it is neither sent nor archived) and counts it.
2. Sequence: the n-th event of the trace in processing order gets ``trace_sequence`` n,
   starting at 1. It says when the processor saw the event, not when it happened: a
   producer that records a span when it ends (``client.span``, the LangChain handler)
   sends children before their parent, and numbering by event time would mean holding
   every event until its trace is complete, which a write-once stream cannot do without
   risking events that never leave the hold, and an archived event is never
   renumbered. The order by event time is ``(timestamp, event_id)`` over the whole
   trace; ``audit trace`` shows it as each step's ``seq``, with this number beside it
   (see :mod:`auditstream.auditor.timeline`).
3. Parent: ``parent_event_id`` is the event id the producer named as the parent
   (``trace.parent_event_id``, schema v2), so the link holds whatever the arrival order;
   without one, the id of the first event of the trace whose ``span_id`` equals this
   event's ``parent_span_id``, if the trace has seen it.
4. Inherited actor fields: ``tenant_id``, ``user_id`` and ``session_id`` missing from the
   event are copied from the first event of the trace that had them, and named in
   ``inherited_fields`` (``actor.user_id``).
5. Running totals, this event included: tokens (input plus output), tool calls
   (``TOOL_CALL`` events or events with a ``tool``), errors (``ERROR`` events or events
   with an ``error``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from auditstream.processor.enrichment.state import ACTOR_FIELDS, TraceState
from auditstream.schemas import AuditEvent

US_PER_S = 1_000_000
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class EnrichmentLimits:
    """Bounds of the trace state.

    Attributes:
        dedup_window_us: How long an event id is remembered, microseconds.
        max_ids_per_trace: Most event ids and span ids one trace remembers; the oldest
            go first, so a huge trace cannot grow its state (and changelog values)
            without bound.
    """

    dedup_window_us: int
    max_ids_per_trace: int

    @classmethod
    def from_seconds(cls, *, dedup_window_s: float, max_ids_per_trace: int) -> EnrichmentLimits:
        """Build limits from a window in seconds.

        Args:
            dedup_window_s: How long an event id is remembered.
            max_ids_per_trace: Most ids one trace remembers.

        Returns:
            The limits.
        """
        return cls(int(dedup_window_s * US_PER_S), max_ids_per_trace)


def new_state(partition: int) -> TraceState:
    """Return the state of a trace that has not been seen yet.

    Args:
        partition: The raw-topic partition of the trace.

    Returns:
        An empty state.
    """
    return TraceState(partition=partition)


def is_duplicate(
    state: TraceState | None, event_id: str, *, now_us: int, limits: EnrichmentLimits
) -> bool:
    """Tell whether the trace already saw this event id within the window.

    Args:
        state: The trace's state, or None for a trace not seen yet.
        event_id: The event's id.
        now_us: Processing time, microseconds since the epoch.
        limits: The dedup window.

    Returns:
        True when the event is a duplicate and must be dropped.
    """
    if state is None:
        return False
    first_seen = state.seen_ids.get(event_id)
    return first_seen is not None and now_us - first_seen <= limits.dedup_window_us


def is_expired(state: TraceState, *, now_us: int, ttl_us: int) -> bool:
    """Tell whether a trace has been idle longer than the time to live.

    Args:
        state: The trace's state.
        now_us: Processing time, microseconds since the epoch.
        ttl_us: Idle time after which the trace is forgotten, microseconds.

    Returns:
        True when the state may be deleted.
    """
    return now_us - state.last_seen_us > ttl_us


def enrich(
    event: AuditEvent,
    state: TraceState | None,
    *,
    partition: int,
    now_us: int,
    limits: EnrichmentLimits,
) -> TraceState:
    """Fill the event's trace fields and return the trace's next state.

    The event must not be a duplicate (ask :func:`is_duplicate` first) and must carry
    its ``processing`` record (the redaction engine adds it).

    Args:
        event: A redacted event; its ``processing`` and ``actor`` are updated in place.
        state: The trace's state before this event, or None for a new trace.
        partition: The raw-topic partition the event came from.
        now_us: Processing time, microseconds since the epoch.
        limits: Bounds of the state.

    Returns:
        The new state; the given one is not modified.
    """
    before = state if state is not None else new_state(partition)
    sequence = before.sequence + 1

    # 3. parent: named by the producer, else looked up by parent_span_id
    trace = event["trace"]
    parent_event_id = trace.get("parent_event_id")
    if parent_event_id is None:
        parent_span = trace.get("parent_span_id")
        parent_event_id = before.spans.get(parent_span) if parent_span else None

    # 4. actor fields the event lacks, from the trace; the trace remembers first values
    actor = event["actor"]
    inherited: list[str] = []
    remembered = dict(before.actor)
    for name in ACTOR_FIELDS:
        value = actor.get(name)
        if value is None and name in remembered:
            actor[name] = remembered[name]
            inherited.append(f"actor.{name}")
        elif value is not None and name not in remembered:
            remembered[name] = value

    # 5. running totals
    llm = event.get("llm")
    tokens = 0
    if llm is not None:
        tokens = (llm.get("tokens_input") or 0) + (llm.get("tokens_output") or 0)
    is_tool = event["event_type"] == "TOOL_CALL" or event.get("tool") is not None
    is_error = event["event_type"] == "ERROR" or event.get("error") is not None

    spans = dict(before.spans)
    span_id = trace.get("span_id")
    if span_id and span_id not in spans:
        spans[span_id] = event["event_id"]
    seen_ids = {
        eid: at for eid, at in before.seen_ids.items() if now_us - at <= limits.dedup_window_us
    }
    seen_ids[event["event_id"]] = now_us
    after = replace(
        before,
        sequence=sequence,
        first_seen_us=before.first_seen_us or now_us,
        last_seen_us=now_us,
        actor=remembered,
        spans=_keep_newest(spans, limits.max_ids_per_trace),
        seen_ids=_keep_newest(seen_ids, limits.max_ids_per_trace),
        tokens_total=before.tokens_total + tokens,
        tool_calls=before.tool_calls + int(is_tool),
        errors=before.errors + int(is_error),
    )

    processing = event["processing"]
    processing["trace_sequence"] = sequence
    processing["parent_event_id"] = parent_event_id
    processing["inherited_fields"] = inherited
    processing["trace_tokens_total"] = after.tokens_total
    processing["trace_tool_calls"] = after.tool_calls
    processing["trace_errors"] = after.errors
    return after


def _keep_newest(ids: dict[str, V], limit: int) -> dict[str, V]:
    """Drop the oldest entries (dicts keep insertion order) beyond ``limit``."""
    excess = len(ids) - limit
    if excess <= 0:
        return ids
    return dict(list(ids.items())[excess:])
