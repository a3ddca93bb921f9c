"""Rebuild a request path from the archive: one trace, or every trace of a session.

Events of a trace form a tree: an event's ``trace.parent_event_id`` (schema v2) names
the event it happened inside; without one, its ``trace.parent_span_id`` names the span
(the event with that ``trace.span_id``). Siblings are ordered by time. An event whose
parent is not in the archive (a service that does not audit, or an event still in
flight) becomes a root, so nothing is ever hidden.

Order and time: every step gets ``seq``, its rank in the trace by event time
(``timestamp``; at equal timestamps a parent before the events inside it, then
``event_id``), 1 first. This is the trace's order by when things happened. Each step
also keeps ``trace_sequence``, the order the processor saw the events in
(``processing.trace_sequence``, fixed when the event was archived), which differs when
producers emit a span when it ends (see :mod:`auditstream.processor.enrichment.enrich`):
both are shown, so an auditor sees what happened when and what arrived when. Each step
shows its own duration (``latency_ms``) and ``ended`` (start plus duration); the trace's
totals run from the first start to the last end.

This module reads the archive and never writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from auditstream.auditor.errors import AuditorError
from auditstream.auditor.query import run_query
from auditstream.auditor.settings import AuditorSettings

_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_LATEST = datetime.max.replace(tzinfo=UTC)

_COLUMNS = """
    event_id, "timestamp", event_type, action, status, latency_ms,
    actor.tenant_id AS tenant_id, actor.user_id AS user_id, actor.session_id AS session_id,
    trace.trace_id AS trace_id, trace.span_id AS span_id,
    trace.parent_span_id AS parent_span_id, trace.parent_event_id AS parent_event_id,
    service.name AS service, llm.provider AS provider, llm.model AS model,
    llm.tokens_input AS tokens_input, llm.tokens_output AS tokens_output,
    tool.name AS tool_name, guardrails_triggered, error.type AS error_type,
    processing.trace_sequence AS trace_sequence
"""


class InvalidIdError(AuditorError):
    """A trace or session id cannot be looked up as given.

    Args:
        kind: ``trace`` or ``session``.
        reason: What the id must look like.
    """

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(f"invalid {kind} id: {reason}")


@dataclass
class Step:
    """One event in the timeline, with the events that happened inside it.

    Attributes:
        event: The event's columns (see the module's query).
        children: Events whose parent span is this event's span, in time order.
    """

    event: dict[str, Any]
    children: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class Totals:
    """Sums over a set of events.

    Attributes:
        events: How many events.
        services: Distinct service names, sorted.
        tokens: Input plus output tokens of every LLM call.
        tool_calls: TOOL_CALL events.
        errors: Events with an error or an ERROR/FAILURE outcome.
        guardrails: Guardrail names triggered, counted per event.
        started: Earliest event start.
        ended: Latest event end (start plus ``latency_ms``; the start when unknown).
        duration_ms: From ``started`` to ``ended``, milliseconds.
    """

    events: int
    services: list[str]
    tokens: int
    tool_calls: int
    errors: int
    guardrails: int
    started: datetime | None
    ended: datetime | None
    duration_ms: float = 0.0


@dataclass(frozen=True)
class Timeline:
    """The tree of one trace.

    Attributes:
        trace_id: The trace.
        roots: Top-level steps in time order.
        totals: Sums over the trace.
    """

    trace_id: str
    roots: list[Step]
    totals: Totals

    def to_dict(self) -> dict[str, Any]:
        """Return the timeline as JSON-ready data (times in ISO 8601)."""
        return {
            "trace_id": self.trace_id,
            "totals": _jsonable(self.totals.__dict__),
            "steps": [_step_dict(s) for s in self.roots],
        }


def _step_dict(step: Step) -> dict[str, Any]:
    return {**_jsonable(step.event), "children": [_step_dict(c) for c in step.children]}


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def build_timelines(rows: list[dict[str, Any]]) -> list[Timeline]:
    """Group rows by trace and build each trace's tree.

    Args:
        rows: Events with the columns of this module's query, in any order.

    Returns:
        One timeline per trace, ordered by the trace's first event.
    """
    by_trace: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_trace.setdefault(row["trace_id"], []).append(row)
    timelines = [_build(trace_id, events) for trace_id, events in by_trace.items()]
    return sorted(timelines, key=lambda t: t.totals.started or _LATEST)


def _ended(event: dict[str, Any]) -> datetime:
    latency = event.get("latency_ms")
    start: datetime = event["timestamp"]
    return start if latency is None else start + timedelta(milliseconds=latency)


def _build(trace_id: str, events: list[dict[str, Any]]) -> Timeline:
    ordered = sorted(events, key=lambda e: (e["timestamp"], e["event_id"]))
    steps = [Step({**e, "ended": _ended(e)}) for e in ordered]
    by_span = {s.event["span_id"]: s for s in steps if s.event["span_id"]}
    by_event = {s.event["event_id"]: s for s in steps}
    roots = []
    parents: dict[int, Step] = {}
    for step in steps:
        parent = by_event.get(step.event.get("parent_event_id") or "") or by_span.get(
            step.event["parent_span_id"] or ""
        )
        if parent is None or parent is step:
            roots.append(step)
        else:
            parent.children.append(step)
            parents[id(step)] = parent
    # A run and the first run inside it can start in the same microsecond; the parent
    # goes first then, and event ids (random within a millisecond) only break the rest.
    depth = {id(s): _depth(s, parents) for s in steps}
    ranked = sorted(steps, key=lambda s: (s.event["timestamp"], depth[id(s)], s.event["event_id"]))
    for n, step in enumerate(ranked, 1):
        step.event["seq"] = n
    return Timeline(trace_id, roots, _totals(ordered))


def _depth(step: Step, parents: dict[int, Step]) -> int:
    """Count the steps above ``step``; a cycle of named parents stops the count."""
    seen = {id(step)}
    depth = 0
    while (parent := parents.get(id(step))) is not None and id(parent) not in seen:
        seen.add(id(parent))
        depth += 1
        step = parent
    return depth


def _totals(events: list[dict[str, Any]]) -> Totals:
    started = events[0]["timestamp"] if events else None
    ended = max((_ended(e) for e in events), default=None)
    duration_ms = (ended - started).total_seconds() * 1000 if started and ended else 0.0
    return Totals(
        events=len(events),
        services=sorted({e["service"] for e in events}),
        tokens=sum((e["tokens_input"] or 0) + (e["tokens_output"] or 0) for e in events),
        tool_calls=sum(e["event_type"] == "TOOL_CALL" for e in events),
        errors=sum(
            bool(e["error_type"]) or e["event_type"] == "ERROR" or e["status"] == "FAILURE"
            for e in events
        ),
        guardrails=sum(len(e["guardrails_triggered"] or []) for e in events),
        started=started,
        ended=ended,
        duration_ms=duration_ms,
    )


def load_trace(
    trace_id: str,
    *,
    settings: AuditorSettings,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Timeline | None:
    """Read one trace's events from the archive and build its tree.

    Args:
        trace_id: 32 lowercase hex digits.
        settings: The auditor's settings.
        tenant: Prune the scan to this tenant's objects.
        since: Prune to events at or after this time.
        until: Prune to events before this time.

    Returns:
        The timeline, or None when the archive holds no event of the trace.

    Raises:
        InvalidIdError: The id is not a W3C trace id.
        ArchiveAccessError: The archive cannot be read.
        QueryError: The query failed.
    """
    if not _TRACE_ID.match(trace_id):
        raise InvalidIdError("trace", "expected 32 lowercase hex digits (a W3C trace id)")
    sql = f"SELECT {_COLUMNS} FROM events WHERE trace.trace_id = '{trace_id}'"  # noqa: S608 - validated hex
    rows = run_query(sql, settings=settings, tenant=tenant, since=since, until=until).to_pylist()
    timelines = build_timelines(rows)
    return timelines[0] if timelines else None


def load_session(
    session_id: str,
    *,
    settings: AuditorSettings,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Timeline]:
    """Read every trace that an event of the session belongs to, with all their events.

    Events of those traces that lack the session id (a downstream service that knows only
    the trace) are included, because they are part of the same requests.

    Args:
        session_id: The session id as the services recorded it.
        settings: The auditor's settings.
        tenant: Prune the scan to this tenant's objects.
        since: Prune to events at or after this time.
        until: Prune to events before this time.

    Returns:
        The session's traces in time order (empty when none is archived).

    Raises:
        InvalidIdError: The id is empty or too long.
        ArchiveAccessError: The archive cannot be read.
        QueryError: The query failed.
    """
    if not session_id or len(session_id) > 512:
        raise InvalidIdError("session", "expected 1 to 512 characters")
    literal = "'" + session_id.replace("'", "''") + "'"
    sql = (
        f"SELECT {_COLUMNS} FROM events WHERE trace.trace_id IN "  # noqa: S608 - quoted literal
        f"(SELECT trace.trace_id FROM events WHERE actor.session_id = {literal})"
    )
    rows = run_query(sql, settings=settings, tenant=tenant, since=since, until=until).to_pylist()
    return build_timelines(rows)
