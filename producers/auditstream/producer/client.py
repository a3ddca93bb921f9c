"""``AuditClient``: what a service calls to record audit events.

``emit()`` (and the typed helpers of :class:`~auditstream.producer.helpers.TypedEvents`)
1 builds the event (checks, content policy, secret scrub: :mod:`.event`), 2 encodes it
as the contract's Avro single-object encoding, or in the Confluent framing once the
schema is registered when a schema registry is configured (:mod:`.registry`) (the strict
:class:`~auditstream.schemas.AuditEventSerializer` explains any refusal), and 3 writes it
ahead to the disk spool and queues it in librdkafka, or only spools it while the broker
cannot take it (:mod:`.transport`), so a killed process loses no event it returned for.
Only step 1 and 2 can raise, and only for programming errors at the call site; the Kafka
side never raises into the caller's request path. A background thread (:mod:`.replay`)
serves delivery reports and replays the spool.

After ``fork()`` (pre-fork servers such as gunicorn) every client in the child gets its own
producer, spool slot and thread (:mod:`.lifecycle`); the parent's stay the parent's.

``span()`` (:mod:`.spans`) times a block and records it as one event, making it the parent
of events emitted inside (see :mod:`.tracing`).
"""

from __future__ import annotations

import atexit
import io
import logging
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import fastavro

from auditstream.producer.avro import Unsupported, Writer, compile_writer
from auditstream.producer.checks import api_call
from auditstream.producer.config import ClientConfig
from auditstream.producer.errors import AuditEventError
from auditstream.producer.event import EventBuilder, EventFields, without_surrogates
from auditstream.producer.kafka import ProducerLike, start_producer
from auditstream.producer.lifecycle import exit_hook, open_spool, register
from auditstream.producer.metrics import ClientStats, Counters, StatsCallback
from auditstream.producer.registry import SchemaRegistration
from auditstream.producer.replay import Replayer
from auditstream.producer.spans import SpanEvents
from auditstream.producer.tracing import current_trace
from auditstream.producer.transport import Transport
from auditstream.schemas import catalog
from auditstream.schemas.codec import AuditEventSerializer
from auditstream.schemas.errors import EncodeError
from auditstream.schemas.framing import WireFormat, confluent_header, single_object_header
from auditstream.schemas.model import (
    AuditEvent,
    EventStatus,
    EventType,
    message_key,
)

_log = logging.getLogger(__name__)

DEFAULT_FLUSH_TIMEOUT_S = 10.0


DEFAULT_STATS_INTERVAL_S = 10.0

# The schema's ["null", record] fields the SDK fills, with the records' full names.
_NULLABLE_RECORDS = (
    ("llm", "auditstream.v1.LlmCall"),
    ("tool", "auditstream.v1.ToolCall"),
    ("error", "auditstream.v1.ErrorInfo"),
)


def _framing_switch(ref: weakref.ref[AuditClient]) -> Callable[[int], None]:
    """Return the registration's callback; it holds the client weakly, as the exit hook does."""

    def use(schema_id: int) -> None:
        client = ref()
        if client is not None:
            client._use_schema_id(schema_id)

    return use


class AuditClient(SpanEvents):
    """Records audit events to Kafka; one per service process, shared by its threads.

    Args:
        config: The client's settings.
        producer: A producer to use instead of starting a ``confluent_kafka.Producer``
            (a test seam; see :class:`~auditstream.producer.kafka.ProducerLike`).
        on_stats: Receives a :class:`ClientStats` snapshot every ``stats_interval_s``
            on the client's background thread (must be quick, must not raise).
        stats_interval_s: Period of ``on_stats``.

    Raises:
        ConfigError: librdkafka rejected the configuration (e.g. an unknown override), or
            a schema registry is configured but its client is not installed.

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
        "_header",
        "_injected_producer",
        "_on_stats",
        "_registration",
        "_replayer",
        "_schema",
        "_serializer",
        "_stats_interval_s",
        "_transport",
        "_writer",
    )

    def __init__(
        self,
        config: ClientConfig,
        *,
        producer: ProducerLike | None = None,
        on_stats: StatsCallback | None = None,
        stats_interval_s: float = DEFAULT_STATS_INTERVAL_S,
    ) -> None:
        self._config = config
        self._builder = EventBuilder(config)
        self._serializer = AuditEventSerializer()
        schema = catalog.current()
        self._schema = schema.parsed
        self._header = single_object_header(schema.fingerprint)
        try:
            self._writer: Writer | None = compile_writer(schema.parsed)
        except Unsupported:
            self._writer = None  # a schema the compiled writer does not cover: fastavro
        self._injected_producer = producer
        self._on_stats = on_stats
        self._stats_interval_s = stats_interval_s
        self._registration: SchemaRegistration | None = None
        if config.schema_registry is not None:
            self._registration = SchemaRegistration(
                config.schema_registry, config.topic, _framing_switch(weakref.ref(self))
            )
            self._registration.start()
        try:
            self._start_transport()
        except BaseException:
            if self._registration is not None:
                self._registration.stop()  # no client: stop its retries too
            raise
        self._exit_hook = exit_hook(weakref.ref(self))
        atexit.register(self._exit_hook)
        register(self)
        _log.info(
            "audit producer started: topic=%s service=%s content_policy=%s spool=%s",
            config.topic,
            config.service_name,
            config.content_policy,
            self._transport.spool.slot_dir if self._transport.spool else None,
        )

    def _start_transport(self) -> None:
        """Open the spool slot, start the producer and the background thread."""
        config = self._config
        self._counters = Counters(config.shed_log_interval_s)
        spool = open_spool(config)
        ref = weakref.ref(self)

        def brokers_down() -> None:
            client = ref()
            if client is not None:
                client._transport.activate_spool()

        producer = self._injected_producer
        if producer is None:
            producer = start_producer(config, self._counters, brokers_down)
        self._transport = Transport(config.topic, producer, self._counters, spool)
        if spool is not None and spool.recovered:
            self._counters.add("recovered", spool.recovered)
            _log.warning(
                "audit spool holds events from an earlier process: events=%d dir=%s; "
                "replaying them before new ones",
                spool.recovered,
                spool.slot_dir,
            )
        self._replayer = Replayer(
            self._transport,
            self._counters,
            fsync_interval_s=config.spool_fsync_interval_s,
            on_stats=self._on_stats,
            stats_interval_s=self._stats_interval_s,
        )
        self._replayer.start()

    def _use_schema_id(self, schema_id: int) -> None:
        """Write the Confluent framing with this registry id from now on.

        Each attribute is replaced whole, so an ``emit()`` running meanwhile writes one
        framing or the other, both of which the processor reads.
        """
        self._serializer = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=schema_id)
        self._header = confluent_header(schema_id)

    def _after_fork_in_child(self) -> None:
        """Give a forked child its own producer, spool slot and thread."""
        old = self._transport.spool
        if old is not None:
            old.abandon_after_fork()
        if not self._transport.closed:
            self._start_transport()
            if self._registration is not None:
                self._registration.restart_after_fork()

    @property
    def _event_builder(self) -> EventBuilder:
        return self._builder

    @property
    def config(self) -> ClientConfig:
        """The settings this client was built with."""
        return self._config

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run; events emitted later are shed and counted."""
        return self._transport.closed

    @api_call
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
        parent_event_id: str | None = None,
        event_id: str | None = None,
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
            parent_event_id: The parent span's event id; defaults to the current span's
                when the parent is the current span (``trace.parent_event_id``).
            event_id: This event's id, a UUID minted beforehand (e.g. when what the event
                records started, so children could name it); defaults to a new UUIDv7.
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
            parent_event_id=parent_event_id,
            event_id=event_id,
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
        # Fast path: the builder made every field the schema's shape and type, so the
        # writer compiled from the schema (:mod:`.avro`, the same bytes as fastavro)
        # encodes it without re-checking. Anything it refuses takes fastavro, with
        # nullable records named in its tuple notation (which spares it validating the
        # whole record to pick the union branch), and then the strict codec, whose
        # errors are the ones callers see.
        writer = self._writer
        if writer is not None:
            out = bytearray(self._header)
            try:
                writer(event, out)
                return bytes(out)
            except Exception:  # noqa: BLE001, S110 - fastavro and the strict codec below
                pass
        buffer = io.BytesIO()
        buffer.write(self._header)
        tagged = dict(event)
        for field, type_name in _NULLABLE_RECORDS:
            if tagged[field] is not None:
                tagged[field] = (type_name, tagged[field])
        try:
            fastavro.schemaless_writer(buffer, self._schema, tagged)
            return buffer.getvalue()
        except Exception:  # noqa: BLE001, S110 - re-encoded strictly below for the real error
            pass
        try:
            return self._serializer(event)
        except EncodeError as exc:
            if not isinstance(exc.__cause__, UnicodeEncodeError):
                raise
        return self._serializer(without_surrogates(event))

    def stats(self) -> ClientStats:
        """Return a snapshot of the counters (emitted, delivered, spooled, shed, ...)."""
        return self._counters.snapshot()

    def flush(self, timeout_s: float = DEFAULT_FLUSH_TIMEOUT_S) -> int:
        """Wait until queued and spooled events are delivered, or ``timeout_s`` passes.

        Args:
            timeout_s: Longest wait in seconds.

        Returns:
            Events not yet delivered (in librdkafka's queue or in the spool).
        """
        deadline = time.monotonic() + timeout_s
        self._replayer.drain(timeout_s)
        remaining = self._transport.flush(max(0.0, deadline - time.monotonic()))
        spool = self._transport.spool
        return remaining + (spool.pending_records if spool is not None else 0)

    def close(self, timeout_s: float = DEFAULT_FLUSH_TIMEOUT_S) -> int:
        """Deliver what it can, keep the rest in the spool, stop accepting events.

        Events the broker has not taken within ``timeout_s`` stay in the disk spool,
        and the next client on the same spool directory replays them. Later ``emit()``
        calls are shed and counted. Safe to call twice. Also runs at interpreter exit,
        with a shorter timeout.

        Args:
            timeout_s: Longest wait in seconds.

        Returns:
            Events lost: neither delivered nor kept in the spool.
        """
        atexit.unregister(self._exit_hook)
        if self._registration is not None:
            self._registration.stop()
        if self._transport.closed:
            return 0
        deadline = time.monotonic() + timeout_s
        if self._replayer.healthy:
            self._replayer.drain(timeout_s)
        self._replayer.stop()
        return self._transport.close(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> AuditClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
