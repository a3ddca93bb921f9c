"""Trace context: which trace and parent span the events emitted here belong to.

The current context lives in a :class:`contextvars.ContextVar`, so it follows the code
that runs: nested :meth:`AuditClient.span` blocks link parent and child within one thread
or one asyncio task, and concurrent requests on other threads or tasks never see each
other's spans. W3C ``traceparent`` helpers adopt a trace started by another service and
hand this one's on, keeping the caller's sampled flag and ``tracestate`` (audit events are
recorded whatever the flag says; the flag is only passed on, for the tracing systems
downstream).

This module holds no Kafka code and emits nothing; :mod:`auditstream.producer.client`
does.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from auditstream.producer import ids
from auditstream.producer.errors import AuditEventError, TraceparentError
from auditstream.schemas.model import EventStatus

_log = logging.getLogger(__name__)

_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
_HEX2 = re.compile(r"^[0-9a-f]{2}$")
_SAMPLED = "01"
# W3C trace-context: at most 32 list members, at most 512 characters are propagated.
_MAX_TRACESTATE_CHARS = 512


@dataclass(frozen=True, slots=True)
class TraceContext:
    """The trace an event belongs to and the span that is its parent.

    Attributes:
        trace_id: W3C trace id, 32 lowercase hex digits.
        span_id: The current parent span: a local span, or the remote caller's span
            adopted from a ``traceparent``; None at the root of a trace.
        event_id: The id of the audit event the current span will be recorded as, when
            the span is one of this SDK's (a ``client.span`` block, a LangChain run):
            events emitted inside name it as ``trace.parent_event_id``, although the
            span's own event is emitted only when it ends. None for a remote span.
        flags: W3C trace-flags to hand on (``01``: sampled), as the caller sent them.
        tracestate: The caller's W3C ``tracestate``, handed on unchanged; None if none.
        actor: Tenant, user and session ids of the current span (a ``client.span``'s
            arguments, a LangChain run's metadata): events emitted inside that name none
            take these, so a call nested in a run is filed under the run's tenant.
    """

    trace_id: str
    span_id: str | None = None
    event_id: str | None = None
    flags: str = _SAMPLED
    tracestate: str | None = None
    actor: tuple[str | None, str | None, str | None] = (None, None, None)

    def child(
        self,
        span_id: str,
        event_id: str | None,
        actor: tuple[str | None, str | None, str | None] | None = None,
    ) -> TraceContext:
        """Return the context inside a local span of this trace, keeping flags and state.

        Args:
            span_id: The new current span.
            event_id: The id of that span's audit event.
            actor: The span's tenant, user and session ids; None keeps this context's,
                and a None inside the tuple keeps that one field.

        Returns:
            The child context.
        """
        own = self.actor
        if actor is not None:
            own = (actor[0] or own[0], actor[1] or own[1], actor[2] or own[2])
        return TraceContext(self.trace_id, span_id, event_id, self.flags, self.tracestate, own)


_current: ContextVar[TraceContext | None] = ContextVar("auditstream_trace", default=None)


def current_trace() -> TraceContext | None:
    """Return the trace context of the running code, or None outside any trace.

    A :meth:`AuditClient.span` or :func:`continue_trace` block wins; outside them, the
    current OpenTelemetry span, when the application uses ``opentelemetry-api``.
    """
    return _current.get() or otel_context()


def otel_context() -> TraceContext | None:
    """Return OpenTelemetry's current span as a trace context, if there is a valid one.

    The SDK never imports OpenTelemetry: an application that traces with it has imported
    ``opentelemetry.trace`` already, and one that has not has no current span.

    Returns:
        The span's trace id and span id, or None.
    """
    trace_api = sys.modules.get("opentelemetry.trace")
    if trace_api is None:
        return None
    try:
        context = trace_api.get_current_span().get_span_context()
        if not context.is_valid:
            return None
        state = context.trace_state.to_header() if context.trace_state else None
        return TraceContext(
            format(context.trace_id, "032x"),
            format(context.span_id, "016x"),
            flags=format(int(context.trace_flags) & 0xFF, "02x"),
            tracestate=state or None,
        )
    except Exception:  # noqa: BLE001 - a tracing library problem must not break emit()
        return None


@contextlib.contextmanager
def use_trace(context: TraceContext) -> Iterator[TraceContext]:
    """Make ``context`` current inside the ``with`` block, then restore the previous one.

    Args:
        context: The trace context to enter.

    Yields:
        The same context.
    """
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def set_trace(context: TraceContext | None) -> TraceContext | None:
    """Make ``context`` current from here on, without a block; return the one it replaces.

    For integrations whose start and end arrive as separate callbacks (LangChain runs),
    where a ``with`` block cannot span them. Unlike :func:`use_trace`, the previous
    context is restored by calling this again with it, which works even when the end
    callback runs in a copy of the start's :mod:`contextvars` context.

    Args:
        context: The context to make current, or None for none.

    Returns:
        The context set here before (OpenTelemetry's is not looked at), or None.
    """
    previous = _current.get()
    _current.set(context)
    return previous


def local_trace() -> TraceContext | None:
    """Return the context set by this SDK here, ignoring OpenTelemetry's current span."""
    return _current.get()


def is_trace_id(value: object) -> bool:
    """Return whether ``value`` is a W3C trace id: 32 lowercase hex digits, not all zero."""
    return isinstance(value, str) and bool(_TRACE_ID.match(value)) and value.strip("0") != ""


def is_span_id(value: object) -> bool:
    """Return whether ``value`` is a W3C span id: 16 lowercase hex digits, not all zero."""
    return isinstance(value, str) and bool(_SPAN_ID.match(value)) and value.strip("0") != ""


def parse_traceparent(header: str) -> tuple[str, str]:
    """Read the trace id and parent span id from a W3C ``traceparent`` header.

    Accepts version ``00`` exactly (four fields) and, as the W3C spec asks, later
    versions with extra trailing fields; version ``ff`` is invalid.

    Args:
        header: The header value, e.g. ``00-<32 hex>-<16 hex>-01``.

    Returns:
        ``(trace_id, span_id)``.

    Raises:
        TraceparentError: The header is malformed (it is not quoted in the message).
    """
    trace_id, span_id, _ = _parse(header)
    return trace_id, span_id


def _parse(header: str) -> tuple[str, str, str]:
    """Return trace id, parent span id and trace-flags of a ``traceparent`` header."""
    if not isinstance(header, str):
        raise TraceparentError(f"expected a str, found {type(header).__name__}")
    parts = header.strip().split("-")
    if len(parts) < 4:
        raise TraceparentError(f"expected 4 dash-separated fields, found {len(parts)}")
    version, trace_id, span_id, flags = parts[:4]
    if not _HEX2.match(version) or version == "ff":
        raise TraceparentError("version must be 2 lowercase hex digits other than ff")
    if version == "00" and len(parts) != 4:
        raise TraceparentError("version 00 has exactly 4 fields")
    if not is_trace_id(trace_id):
        raise TraceparentError("trace-id must be 32 lowercase hex digits, not all zero")
    if not is_span_id(span_id):
        raise TraceparentError("parent-id must be 16 lowercase hex digits, not all zero")
    if not _HEX2.match(flags):
        raise TraceparentError("trace-flags must be 2 lowercase hex digits")
    return trace_id, span_id, flags


def format_traceparent(trace_id: str, span_id: str, flags: str = _SAMPLED) -> str:
    """Return a version-00 ``traceparent`` header for a trace and span.

    Audit events are recorded whatever the flags say; the flags are what the trace's
    caller decided for its tracing system (sampled by default, for a trace started here).

    Args:
        trace_id: 32 lowercase hex digits.
        span_id: 16 lowercase hex digits.
        flags: W3C trace-flags, 2 lowercase hex digits; an invalid value sends ``01``.

    Returns:
        ``00-<trace_id>-<span_id>-<flags>``.

    Raises:
        TraceparentError: Either id is malformed.
    """
    if not is_trace_id(trace_id):
        raise TraceparentError("trace-id must be 32 lowercase hex digits, not all zero")
    if not is_span_id(span_id):
        raise TraceparentError("parent-id must be 16 lowercase hex digits, not all zero")
    return f"00-{trace_id}-{span_id}-{flags if _HEX2.match(flags) else _SAMPLED}"


@contextlib.contextmanager
def continue_trace(
    traceparent: str | None, tracestate: str | None = None
) -> Iterator[TraceContext]:
    """Adopt an incoming request's trace for the ``with`` block.

    Events emitted inside belong to the caller's trace, with the caller's span as their
    parent; the caller's trace-flags (its sampling decision) and ``tracestate`` are kept
    for :func:`current_traceparent` and :func:`current_tracestate`. A missing or
    malformed header starts a new trace instead, as the W3C spec asks (an incoming
    header is input, not a programming error, so this never raises); its
    ``tracestate`` is then dropped, as the spec asks too.

    Args:
        traceparent: The incoming ``traceparent`` header, or None.
        tracestate: The incoming ``tracestate`` header, or None.

    Yields:
        The trace context in force inside the block.
    """
    context = TraceContext(ids.trace_id())
    if traceparent is not None:
        try:
            trace_id, span_id, flags = _parse(traceparent)
        except TraceparentError as exc:
            _log.debug("ignoring incoming traceparent, starting a new trace: %s", exc.reason)
        else:
            state = tracestate.strip() if isinstance(tracestate, str) else ""
            context = TraceContext(
                trace_id,
                span_id,
                flags=flags,
                tracestate=state[:_MAX_TRACESTATE_CHARS] or None,
            )
    with use_trace(context):
        yield context


def current_traceparent() -> str | None:
    """Return the ``traceparent`` header to send to a downstream service, if in a trace.

    Returns:
        The current trace and span as a header, or None outside any trace (or at a
        trace root that has no span yet).
    """
    context = current_trace()
    if context is None or context.span_id is None:
        return None
    return format_traceparent(context.trace_id, context.span_id, context.flags)


def current_tracestate() -> str | None:
    """Return the ``tracestate`` header to send downstream with :func:`current_traceparent`.

    Returns:
        The state the trace's caller sent (or OpenTelemetry's current span holds),
        unchanged; None when there is none.
    """
    context = current_trace()
    return None if context is None else context.tracestate


class Span:
    """The handle a ``with client.span(...)`` block gets: ids, attributes, outcome.

    Args:
        trace_id: The trace the span belongs to.
        parent_span_id: The enclosing span, or None at a trace root.
        attributes: Initial attributes of the span's event.
        flags: W3C trace-flags for :attr:`traceparent` (the trace's, handed on).
    """

    __slots__ = (
        "_attributes",
        "_flags",
        "_status",
        "event_id",
        "parent_span_id",
        "span_id",
        "trace_id",
    )

    def __init__(
        self,
        *,
        trace_id: str,
        parent_span_id: str | None,
        attributes: Mapping[str, str] | None = None,
        flags: str = _SAMPLED,
    ) -> None:
        self.trace_id = trace_id
        self.span_id = ids.span_id()
        #: The id the span's event will have (minted now, emitted when the span ends).
        self.event_id = ids.event_id()
        self.parent_span_id = parent_span_id
        self._flags = flags
        self._attributes: dict[str, str] = dict(attributes or {})
        self._status: EventStatus | None = None

    @property
    def traceparent(self) -> str:
        """The ``traceparent`` header naming this span, for calls made inside it."""
        return format_traceparent(self.trace_id, self.span_id, self._flags)

    @property
    def attributes(self) -> Mapping[str, str]:
        """The attributes the span's event will carry (read-only view)."""
        return dict(self._attributes)

    @property
    def status(self) -> EventStatus | None:
        """The status set with :meth:`set_status`, or None to let the outcome decide."""
        return self._status

    def set_attribute(self, key: str, value: str) -> None:
        """Add or replace one attribute of the span's event (secret-scrubbed on emit).

        Args:
            key: Attribute name.
            value: Attribute value.

        Raises:
            AuditEventError: ``key`` or ``value`` is not a string.
        """
        if not isinstance(key, str) or not isinstance(value, str):
            raise AuditEventError(
                "attributes",
                f"keys and values must be str, found {type(key).__name__}: {type(value).__name__}",
            )
        self._attributes[key] = value

    def set_status(self, status: EventStatus) -> None:
        """Record the span's outcome explicitly (e.g. DENIED), overriding SUCCESS/FAILURE.

        Args:
            status: The outcome to record.

        Raises:
            AuditEventError: ``status`` is not an :class:`EventStatus`.
        """
        if not isinstance(status, EventStatus):
            raise AuditEventError(
                "status", f"must be an EventStatus, found {type(status).__name__}"
            )
        self._status = status
