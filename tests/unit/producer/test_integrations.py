"""Spool settings, OpenTelemetry context, Prometheus export, stats callback, call errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState
from prometheus_client import REGISTRY

from auditstream.producer import (
    AuditClient,
    AuditEventError,
    ClientConfig,
    ClientStats,
    ConfigError,
    EventType,
    FsyncPolicy,
    ShedPolicy,
    current_traceparent,
    current_tracestate,
)
from support.fake_producer import FakeProducer
from support.wait import wait_until

OTEL_TRACE = 0x4BF92F3577B34DA6A3CE929D0E0E4736
OTEL_SPAN = 0x00F067AA0BA902B7


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., tuple[AuditClient, FakeProducer]]]:
    clients: list[AuditClient] = []

    def make(**overrides: Any) -> tuple[AuditClient, FakeProducer]:
        producer = FakeProducer()
        settings: dict[str, Any] = {
            "service_name": "svc",
            "spool_dir": str(tmp_path),
            "prometheus": False,
        }
        settings.update(overrides)
        kwargs = settings.pop("client_kwargs", {})
        client = AuditClient(ClientConfig(**settings), producer=producer, **kwargs)
        clients.append(client)
        return client, producer

    yield make
    for client in clients:
        client.close(0)


class TestSpoolSettings:
    def test_spool_variables_are_read(self, tmp_path: Path) -> None:
        """Every AUDITSTREAM_PRODUCER__SPOOL_* and shedding variable lands in its field."""
        env = {
            "AUDITSTREAM_PRODUCER__SERVICE_NAME": "svc",
            "AUDITSTREAM_PRODUCER__SPOOL_ENABLED": "false",
            "AUDITSTREAM_PRODUCER__SPOOL_DIR": str(tmp_path),
            "AUDITSTREAM_PRODUCER__SPOOL_MAX_BYTES": "1048576",
            "AUDITSTREAM_PRODUCER__SPOOL_SEGMENT_BYTES": "65536",
            "AUDITSTREAM_PRODUCER__SPOOL_FSYNC": "ALWAYS",
            "AUDITSTREAM_PRODUCER__SPOOL_FSYNC_INTERVAL_S": "0.5",
            "AUDITSTREAM_PRODUCER__SHED_POLICY": "drop_oldest",
            "AUDITSTREAM_PRODUCER__SHED_LOG_INTERVAL_S": "10",
            "AUDITSTREAM_PRODUCER__PROMETHEUS": "no",
        }
        config = ClientConfig.from_env(environ=env)
        assert (config.spool_enabled, config.spool_dir) == (False, str(tmp_path))
        assert (config.spool_max_bytes, config.spool_segment_bytes) == (1048576, 65536)
        assert (config.spool_fsync, config.spool_fsync_interval_s) == (FsyncPolicy.ALWAYS, 0.5)
        assert (config.shed_policy, config.shed_log_interval_s) == (ShedPolicy.DROP_OLDEST, 10)
        assert config.prometheus is False

    @pytest.mark.parametrize(
        ("variable", "value"),
        [
            ("AUDITSTREAM_PRODUCER__SPOOL_FSYNC", "sometimes"),
            ("AUDITSTREAM_PRODUCER__SHED_POLICY", "drop_random"),
            ("AUDITSTREAM_PRODUCER__SPOOL_MAX_BYTES", "12"),
            ("AUDITSTREAM_PRODUCER__SPOOL_ENABLED", "maybe"),
            ("AUDITSTREAM_PRODUCER__SPOOL_FSYNC_INTERVAL_S", "-1"),
        ],
    )
    def test_an_invalid_spool_variable_is_named(self, variable: str, value: str) -> None:
        """A bad spool setting fails at start, naming its variable."""
        env = {"AUDITSTREAM_PRODUCER__SERVICE_NAME": "svc", variable: value}
        with pytest.raises(ConfigError) as caught:
            ClientConfig.from_env(environ=env)
        assert caught.value.variable == variable

    def test_the_default_spool_dir_is_per_service_and_topic_under_the_state_home(self) -> None:
        """Without spool_dir, a service spools under .../spool/<name>/<topic>."""
        config = ClientConfig(service_name="chat api", topic="audit.events.raw")
        assert config.resolved_spool_dir() == (
            Path.home() / ".local/state/auditstream/spool/chat_api/audit.events.raw"
        )

    def test_clients_of_one_service_on_two_topics_never_share_a_spool(self) -> None:
        """Replays go to the client's topic, so each topic needs its own spool."""
        a = ClientConfig(service_name="svc", topic="test.a.raw").resolved_spool_dir()
        b = ClientConfig(service_name="svc", topic="test.b.raw").resolved_spool_dir()
        assert a != b


class TestOpenTelemetry:
    def test_an_event_outside_any_span_joins_the_current_otel_span(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]]
    ) -> None:
        """The current OpenTelemetry span gives the trace id and the parent span."""
        client, producer = make_client()
        context = SpanContext(OTEL_TRACE, OTEL_SPAN, is_remote=False, trace_flags=TraceFlags(1))
        with otel_trace.use_span(NonRecordingSpan(context)):
            client.emit(EventType.OTHER, "x")
            with client.span("inner") as span:
                client.emit(EventType.OTHER, "y")
        first, inner_event, span_event = producer.events()
        assert first["trace"]["trace_id"] == f"{OTEL_TRACE:032x}"
        assert first["trace"]["parent_span_id"] == f"{OTEL_SPAN:016x}"
        assert span.trace_id == f"{OTEL_TRACE:032x}"
        assert span_event["trace"]["parent_span_id"] == f"{OTEL_SPAN:016x}"
        assert inner_event["trace"]["parent_span_id"] == span.span_id

    @pytest.mark.parametrize("flags", [0, 1])
    def test_the_otel_spans_sampled_flag_and_tracestate_are_handed_on(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]], flags: int
    ) -> None:
        """Inside a client span under an OTel span, outgoing headers keep flags and state."""
        client, _ = make_client()
        state = TraceState([("vendor", "abc")])
        context = SpanContext(
            OTEL_TRACE, OTEL_SPAN, is_remote=True, trace_flags=TraceFlags(flags), trace_state=state
        )
        with otel_trace.use_span(NonRecordingSpan(context)), client.span("inner") as span:
            assert current_traceparent() == f"00-{OTEL_TRACE:032x}-{span.span_id}-0{flags}"
            assert current_tracestate() == "vendor=abc"

    def test_without_a_valid_otel_span_a_new_trace_starts(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]]
    ) -> None:
        """OpenTelemetry imported but no span active: the event starts its own trace."""
        client, producer = make_client()
        client.emit(EventType.OTHER, "x")
        [event] = producer.events()
        assert event["trace"]["parent_span_id"] is None
        assert event["trace"]["trace_id"] != f"{OTEL_TRACE:032x}"


class TestMetrics:
    def test_counters_are_exported_to_prometheus(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]]
    ) -> None:
        """The default registry shows emitted, delivered and shed counters per service."""
        client, _ = make_client(service_name="prom-svc", prometheus=True)
        client.emit(EventType.OTHER, "x")
        wait_until(lambda: client.stats().delivered == 1, timeout_s=10, what="delivery")
        labels = {"service": "prom-svc"}
        assert REGISTRY.get_sample_value("auditstream_producer_events_emitted_total", labels) == 1
        assert REGISTRY.get_sample_value("auditstream_producer_events_delivered_total", labels) == 1
        assert REGISTRY.get_sample_value("auditstream_producer_spool_depth", labels) == 0

    def test_the_stats_callback_receives_snapshots(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]]
    ) -> None:
        """on_stats gets ClientStats snapshots from the background thread."""
        seen: list[ClientStats] = []
        client, _ = make_client(client_kwargs={"on_stats": seen.append, "stats_interval_s": 0.05})
        client.emit(EventType.OTHER, "x")
        wait_until(lambda: any(s.emitted == 1 for s in seen), timeout_s=10, what="a stats snapshot")


class TestCallErrors:
    def test_an_unknown_helper_keyword_is_an_audit_event_error(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]]
    ) -> None:
        """tool_call(tool_name=...) names the unknown argument instead of a bare TypeError."""
        client, _ = make_client()
        with pytest.raises(AuditEventError) as caught:
            client.tool_call("search", tool_name="search")  # type: ignore[call-arg]
        assert caught.value.field == "tool_name"

    def test_an_unknown_emit_keyword_is_an_audit_event_error(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]]
    ) -> None:
        """emit(..., colour=...) raises AuditEventError naming emit."""
        client, _ = make_client()
        with pytest.raises(AuditEventError, match="colour"):
            client.emit(EventType.OTHER, "x", colour="red")  # type: ignore[call-arg]

    def test_a_missing_argument_is_an_audit_event_error(
        self, make_client: Callable[..., tuple[AuditClient, FakeProducer]]
    ) -> None:
        """tool_call() without a name raises AuditEventError, not TypeError."""
        client, _ = make_client()
        with pytest.raises(AuditEventError):
            client.tool_call()  # type: ignore[call-arg]
