"""``AuditClient``: what a service calls to record audit events.

``emit()`` (and the typed helpers of :class:`~auditstream.producer.helpers.TypedEvents`)
1 builds the event (checks, content policy, secret scrub: :mod:`.event`), 2 encodes it
with the contract's :class:`~auditstream.schemas.AuditEventSerializer`, and 3 queues it
in librdkafka (:mod:`.transport`). Only step 1 and 2 can raise, and only for programming
errors at the call site; the Kafka side never raises into the caller's request path.

``span()`` times a block and records it as one event, making it the parent of events
emitted inside (see :mod:`.tracing`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from auditstream.producer import tracing
from auditstream.producer.config import ClientConfig
from auditstream.producer.errors import AuditEventError
from auditstream.producer.event import EventBuilder, EventFields, without_surrogates
from auditstream.producer.helpers import TypedEvents
from auditstream.producer.tracing import Span, TraceContext, current_trace, use_trace
from auditstream.producer.transport import (
    ClientStats,
    Counters,
    ProducerLike,
    Transport,
    start_producer,
)
from auditstream.schemas.codec import AuditEventSerializer
from auditstream.schemas.errors import EncodeError
from auditstream.schemas.model import (
    AuditEvent,
    EventStatus,
    EventType,
    message_key,
    new_trace_id,
)

_log = logging.getLogger(__name__)

DEFAULT_FLUSH_TIMEOUT_S = 10.0

# At interpreter exit the host is shutting down and may be killed soon after (Kubernetes
# gives 30 s by default, shared by every exit hook); 5 s lets a healthy broker take the
# last linger batch without holding shutdown hostage to an unreachable one.
EXIT_FLUSH_TIMEOUT_S = 5.0


class AuditClient(TypedEvents):
    """Records audit events to Kafka; one per service process, shared by its threads.

    Args:
        config: The client's settings.
        producer: A producer to use instead of starting a ``confluent_kafka.Producer``
            (a test seam; see :class:`~auditstream.producer.transport.ProducerLike`).

    Raises:
        ConfigError: librdkafka rejected the configuration (e.g. an unknown override).

    Example::

        client = AuditClient(ClientConfig.from_env())
        with client.span("agent.run", user_id="u-1"):
            client.llm_request(provider="openai", model="gpt-4o", prompt=p, response=r)
        client.close()
    """

    __slots__ = (
        "__weakref__",
        "_builder",
        "_config",
        "_counters",
        "_exit_hook",
        "_serializer",
        "_transport",
    )

    def __init__(self, config: ClientConfig, *, producer: ProducerLike | None = None) -> None:
        self._config = config
        self._builder = EventBuilder(config)
        self._serializer = AuditEventSerializer()
        self._counters = Counters()
        self._transport = Transport(
            config.topic, producer or start_producer(config, self._counters), self._counters
        )
        self._exit_hook = _exit_hook(weakref.ref(self))
        atexit.register(self._exit_hook)
        _log.info(
            "audit producer started: topic=%s service=%s content_policy=%s",
            config.topic,
            config.service_name,
            config.content_policy,
        )

    @property
    def config(self) -> ClientConfig:
        """The settings this client was built with."""
        return self._config

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run; events emitted later are dropped and counted."""
        return self._transport.closed

    def emit(
        self,
        event_type: EventType | str,
        action: str,
        *,
        status: EventStatus | str = EventStatus.SUCCESS,
        tenant_id: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        ip_address: str | None = None,
        user_agent: str | None = None,
        trace_id: str | None = None,
        span_id: str | None = None,
        parent_span_id: str | None = None,
        llm: Mapping[str, Any] | None = None,
        rag_documents: Sequence[Mapping[str, Any] | str] | None = None,
        tool: Mapping[str, Any] | None = None,
        guardrails_triggered: Sequence[str] | None = None,
        latency_ms: float | None = None,
        error: BaseException | Mapping[str, Any] | None = None,
        attributes: Mapping[str, str] | None = None,
        timestamp_us: int | None = None,
    ) -> str:
        """Record one event; never blocks on or raises for the broker.

        Args:
            event_type: An :class:`EventType` or its name.
            action: The verb, e.g. ``chat.completion``, ``login``, ``tool.invoke``.
            status: Outcome of what happened.
            tenant_id: Tenant; defaults to the config's ``tenant_id``.
            user_id: Acting user.
            session_id: User session.
            ip_address: Client address.
            user_agent: Client software.
            trace_id: Trace to join; defaults to the current span's trace, else a new one.
            span_id: This event's span id; defaults to a new one.
            parent_span_id: Parent span; defaults to the current span.
            llm: ``LlmCall`` fields: provider, model, prompt, response, tokens_input,
                tokens_output, prompt_template, prompt_version (hashes are computed).
            rag_documents: Document ids, or mappings with id, source, score.
            tool: ``ToolCall`` fields: name, input, output.
            guardrails_triggered: Names of guardrails that fired.
            latency_ms: Duration of what happened.
            error: An exception, or a mapping with type and message.
            attributes: Extra string pairs (values are secret-scrubbed).
            timestamp_us: When it happened, microseconds since 1970; defaults to now.

        Returns:
            The event id (a UUIDv7).

        Raises:
            AuditEventError: An argument has the wrong type, an unknown field, or an
                unknown event type or status. Nothing was sent.
        """
        fields = EventFields(
            status=status,
            tenant_id=tenant_id,
            user_id=user_id,
            session_id=session_id,
            ip_address=ip_address,
            user_agent=user_agent,
            trace_id=trace_id,
            span_id=span_id,
            parent_span_id=parent_span_id,
            llm=llm,
            rag_documents=rag_documents,
            tool=tool,
            guardrails_triggered=guardrails_triggered,
            latency_ms=latency_ms,
            error=error,
            attributes=attributes,
            timestamp_us=timestamp_us,
        )
        return self._submit(event_type, action, fields)

    def _submit(self, event_type: EventType | str, action: str, fields: EventFields) -> str:
        built = self._builder.build(event_type, action, fields, current_trace())
        try:
            value = self._encode(built.event)
        except EncodeError as exc:
            # The builder checks every field, so this is a gap in its checks: still the
            # caller's arguments, still a programming error. The codec's reason may quote
            # field values, so only the underlying error's class is passed on.
            cause = type(exc.__cause__ or exc).__name__
            raise AuditEventError("event", f"does not fit the AuditEvent schema ({cause})") from exc
        if built.secrets_scrubbed:
            self._counters.add("secrets_scrubbed", built.secrets_scrubbed)
        self._transport.send(value, message_key(built.event))
        return str(built.event["event_id"])

    def _encode(self, event: AuditEvent) -> bytes:
        try:
            return self._serializer(event)
        except EncodeError as exc:
            if not isinstance(exc.__cause__, UnicodeEncodeError):
                raise
        return self._serializer(without_surrogates(event))

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
        exception is then re-raised). The event's timestamp is the block's start.

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
        parent = current_trace()
        handle = Span(
            trace_id=parent.trace_id if parent else new_trace_id(),
            parent_span_id=parent.span_id if parent else None,
            attributes=attributes,
        )
        fields = EventFields(
            tenant_id=tenant_id,
            user_id=user_id,
            session_id=session_id,
            trace_id=handle.trace_id,
            span_id=handle.span_id,
            parent_span_id=handle.parent_span_id,
            attributes=handle.attributes,
        )
        self._builder.build(event_type, action, fields, None)  # check arguments now
        fields.timestamp_us = time.time_ns() // 1000
        started_ns = time.perf_counter_ns()
        try:
            with use_trace(TraceContext(handle.trace_id, handle.span_id)):
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
        self, traceparent: str | None
    ) -> contextlib.AbstractContextManager[TraceContext]:
        """Adopt an incoming W3C ``traceparent`` for a ``with`` block.

        A missing or malformed header starts a new trace; this never raises.

        Args:
            traceparent: The incoming header value, or None.

        Returns:
            A context manager yielding the trace context in force inside it.
        """
        return tracing.continue_trace(traceparent)

    def stats(self) -> ClientStats:
        """Return a snapshot of the counters (emitted, delivered, failed, dropped, ...)."""
        return self._counters.snapshot()

    def flush(self, timeout_s: float = DEFAULT_FLUSH_TIMEOUT_S) -> int:
        """Wait until queued events are delivered, or ``timeout_s`` passes.

        Args:
            timeout_s: Longest wait in seconds.

        Returns:
            Events still queued.
        """
        return self._transport.flush(timeout_s)

    def close(self, timeout_s: float = DEFAULT_FLUSH_TIMEOUT_S) -> int:
        """Flush and stop accepting events; later ``emit()`` calls are dropped and counted.

        Safe to call twice. Also runs at interpreter exit, with a shorter timeout.

        Args:
            timeout_s: Longest wait in seconds for the final flush.

        Returns:
            Events left undelivered.
        """
        atexit.unregister(self._exit_hook)
        return self._transport.close(timeout_s)

    def __enter__(self) -> AuditClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _exit_hook(ref: weakref.ref[AuditClient]) -> Callable[[], None]:
    """Return an ``atexit`` hook that closes the client if it still exists.

    The hook holds the client weakly, so registering it does not keep clients alive.
    """

    def hook() -> None:
        client = ref()
        if client is not None and not client.closed:
            client.close(EXIT_FLUSH_TIMEOUT_S)

    return hook
