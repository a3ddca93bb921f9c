"""``span()`` and ``continue_trace()``: the client's trace-shaping methods.

:class:`SpanEvents` sits between the typed helpers (:class:`~.helpers.TypedEvents`) and
:class:`~auditstream.producer.AuditClient`; it needs the client's builder and
``_submit``. A span times a block and records it as one event that is the parent of the
events emitted inside it (see :mod:`.tracing`).
"""

from __future__ import annotations

import abc
import contextlib
import time
from collections.abc import Iterator, Mapping

from auditstream.producer import ids, tracing
from auditstream.producer.event import EventBuilder, EventFields
from auditstream.producer.helpers import TypedEvents
from auditstream.producer.tracing import Span, TraceContext, current_trace, use_trace
from auditstream.schemas.model import EventStatus, EventType


class SpanEvents(TypedEvents):
    """The span methods; subclasses provide ``_builder`` and ``_submit``."""

    __slots__ = ()

    @property
    @abc.abstractmethod
    def _event_builder(self) -> EventBuilder:
        """The builder that checks a span's arguments before its block runs."""

    @contextlib.contextmanager
    def span(
        self,
        action: str,
        *,
        event_type: EventType | str = EventType.CHAIN,
        tenant_id: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> Iterator[Span]:
        """Time a block and record it as one event, the parent of events emitted inside.

        The span joins the current trace (or starts one). Inside the block, events get
        this span as ``parent_span_id``, and nested spans become its children. On exit
        one event is emitted with the block's ``latency_ms`` and status SUCCESS, or
        FAILURE with the error's type and scrubbed message if an exception escapes (the
        exception is then re-raised). The event's timestamp is the block's start. Its id
        is minted when the block starts (:attr:`Span.event_id`), so the events emitted
        inside name it as ``trace.parent_event_id`` although they reach the pipeline
        first.

        Args:
            action: What the block does, e.g. ``agent.run``.
            event_type: The span event's type.
            tenant_id: Tenant; defaults to the config's.
            user_id: Acting user.
            session_id: User session.
            attributes: Initial attributes; add more with :meth:`Span.set_attribute`.

        Yields:
            The span: its ids, ``traceparent`` for outgoing calls, attribute and status
            setters.

        Raises:
            AuditEventError: An argument has the wrong type (checked before the block
                runs, so it never masks the block's own exception).
        """
        parent = current_trace() or TraceContext(ids.trace_id())
        handle = Span(
            trace_id=parent.trace_id,
            parent_span_id=parent.span_id,
            attributes=attributes,
            flags=parent.flags,
        )
        fields = EventFields(
            event_id=handle.event_id,
            tenant_id=tenant_id,
            user_id=user_id,
            session_id=session_id,
            trace_id=handle.trace_id,
            span_id=handle.span_id,
            parent_span_id=handle.parent_span_id,
            parent_event_id=parent.event_id,
            attributes=handle.attributes,
        )
        self._event_builder.build(event_type, action, fields, None)  # check arguments now
        fields.timestamp_us = time.time_ns() // 1000
        started_ns = time.perf_counter_ns()
        try:
            actor = (tenant_id, user_id, session_id)
            with use_trace(parent.child(handle.span_id, handle.event_id, actor)):
                yield handle
        except GeneratorExit:
            raise  # the caller abandoned a generator holding the span: not a failure
        except BaseException as exc:
            fields.error = exc
            raise
        finally:
            fields.latency_ms = (time.perf_counter_ns() - started_ns) / 1_000_000
            fields.attributes = handle.attributes
            failed = fields.error is not None
            fields.status = handle.status or (
                EventStatus.FAILURE if failed else EventStatus.SUCCESS
            )
            self._submit(event_type, action, fields)

    def continue_trace(
        self, traceparent: str | None, tracestate: str | None = None
    ) -> contextlib.AbstractContextManager[TraceContext]:
        """Adopt an incoming W3C ``traceparent`` (and ``tracestate``) for a ``with`` block.

        A missing or malformed header starts a new trace; this never raises. The
        caller's sampled flag and ``tracestate`` are handed on unchanged.

        Args:
            traceparent: The incoming header value, or None.
            tracestate: The incoming ``tracestate`` header value, or None.

        Returns:
            A context manager yielding the trace context in force inside it.
        """
        return tracing.continue_trace(traceparent, tracestate)
