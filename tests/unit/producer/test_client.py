"""AuditClient against a fake producer: event shape, policy, spans, failures, helpers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from auditstream.producer import (
    AuditClient,
    AuditEventError,
    ClientConfig,
    ContentPolicy,
    EventStatus,
    EventType,
    TraceparentError,
    current_traceparent,
    current_tracestate,
    format_traceparent,
    parse_traceparent,
)
from auditstream.schemas import AuditEventDeserializer, new_event_id
from support.fake_producer import FakeProducer
from support.wait import wait_until

KEY = b"k" * 32
SECRET = "ghp_" + "A1b2C3d4E5f6" * 3  # a GitHub-token-shaped string, assembled
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"

decode = AuditEventDeserializer()


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def make_client(producer: FakeProducer, tmp_path: Path) -> Iterator[Callable[..., AuditClient]]:
    clients: list[AuditClient] = []

    def make(**overrides: Any) -> AuditClient:
        settings: dict[str, Any] = {
            "service_name": "checkout",
            "spool_dir": str(tmp_path / "spool"),
            "prometheus": False,
            "service_version": "1.2.3",
            "environment": "test",
            "host": "pod-1",
        }
        settings.update(overrides)
        client = AuditClient(ClientConfig(**settings), producer=producer)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close(0)


@pytest.fixture
def client(make_client: Callable[..., AuditClient]) -> AuditClient:
    return make_client(tenant_id="acme")


class TestEmit:
    def test_emitted_bytes_decode_to_the_expected_event(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Every argument lands in its schema field; the rest is filled from config."""
        event_id = client.emit(
            EventType.LLM_REQUEST,
            "chat.completion",
            status=EventStatus.SUCCESS,
            user_id="u-1",
            session_id="s-1",
            ip_address="10.0.0.1",
            user_agent="ua/1",
            trace_id=TRACE,
            span_id=SPAN,
            llm={"provider": "openai", "model": "gpt-4o", "prompt": "hi", "response": "hello"},
            rag_documents=[{"id": "d1", "source": "kb", "score": 0.5}, "d2"],
            tool={"name": "search", "input": "q", "output": "r"},
            guardrails_triggered=["pii"],
            latency_ms=12,
            error={"type": "Timeout", "message": "slow"},
            attributes={"k": "v"},
            timestamp_us=1_700_000_000_000_000,
        )
        [event] = producer.events()
        assert event == {
            "event_id": event_id,
            "timestamp": 1_700_000_000_000_000,
            "event_type": "LLM_REQUEST",
            "action": "chat.completion",
            "status": "SUCCESS",
            "actor": {
                "tenant_id": "acme",
                "user_id": "u-1",
                "session_id": "s-1",
                "ip_address": "10.0.0.1",
                "user_agent": "ua/1",
            },
            "trace": {
                "trace_id": TRACE,
                "span_id": SPAN,
                "parent_span_id": None,
                "parent_event_id": None,
            },
            "service": {
                "name": "checkout",
                "version": "1.2.3",
                "environment": "test",
                "host": "pod-1",
            },
            "llm": {
                "provider": "openai",
                "model": "gpt-4o",
                "prompt": "hi",
                "prompt_hash": None,
                "response": "hello",
                "response_hash": None,
                "tokens_input": None,
                "tokens_output": None,
                "prompt_template": None,
                "prompt_version": None,
            },
            "rag_documents": [
                {"id": "d1", "source": "kb", "score": 0.5},
                {"id": "d2", "source": None, "score": None},
            ],
            "tool": {"name": "search", "input": "q", "output": "r"},
            "guardrails_triggered": ["pii"],
            "latency_ms": 12.0,
            "error": {"type": "Timeout", "message": "slow"},
            "attributes": {"k": "v"},
            "processing": None,
        }

    def test_returned_id_is_a_uuid7(self, client: AuditClient) -> None:
        """emit() returns the event id, a version-7 UUID."""
        assert uuid.UUID(client.emit(EventType.OTHER, "x")).version == 7

    def test_event_goes_to_the_configured_topic(
        self, make_client: Callable[..., AuditClient], producer: FakeProducer
    ) -> None:
        """The message is produced to config.topic."""
        make_client(topic="audit.raw.t1").emit(EventType.OTHER, "x")
        assert [m.topic() for m in producer.messages] == ["audit.raw.t1"]

    def test_message_key_is_the_trace_id(self, client: AuditClient, producer: FakeProducer) -> None:
        """The Kafka key is the event's trace id, so a trace stays in one partition."""
        client.emit(EventType.OTHER, "x", trace_id=TRACE)
        client.emit(EventType.OTHER, "y")
        first, second = producer.messages
        assert first.key() == TRACE.encode()
        assert second.key() == decode(second.value())["trace"]["trace_id"].encode()

    def test_event_type_and_status_may_be_given_by_name(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """The enum names work as well as the members."""
        client.emit("TOOL_CALL", "x", status="DENIED")
        [event] = producer.events()
        assert (event["event_type"], event["status"]) == ("TOOL_CALL", "DENIED")

    def test_explicit_tenant_wins_over_the_config_default(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """tenant_id= replaces the config's tenant for that event."""
        client.emit(EventType.OTHER, "x", tenant_id="globex")
        assert producer.events()[0]["actor"]["tenant_id"] == "globex"

    def test_secrets_in_every_free_text_field_are_scrubbed(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Prompt, response, template, tool input and output, error, attributes are scrubbed."""
        text = f"token {SECRET} here"
        client.emit(
            EventType.LLM_REQUEST,
            "x",
            llm={"prompt": text, "response": text, "prompt_template": text},
            tool={"name": "t", "input": text, "output": text},
            error={"type": "E", "message": text},
            attributes={"a": text, "b": "plain"},
        )
        assert SECRET.encode() not in producer.messages[0].value()
        event = producer.events()[0]
        assert event["llm"]["prompt"] == "token <SECRET:GITHUB_TOKEN> here"
        assert event["tool"]["output"] == "token <SECRET:GITHUB_TOKEN> here"
        assert event["error"]["message"] == "token <SECRET:GITHUB_TOKEN> here"
        assert event["attributes"] == {"a": "token <SECRET:GITHUB_TOKEN> here", "b": "plain"}
        assert client.stats().secrets_scrubbed == 7

    def test_delivery_reports_are_served_in_the_background(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """The background thread serves delivery reports, so no flush() is needed."""
        client.emit(EventType.OTHER, "x")
        wait_until(lambda: client.stats().delivered == 1, timeout_s=10, what="delivery")
        stats = client.stats()
        assert (stats.emitted, stats.delivered, stats.pending) == (1, 1, 0)


class TestContentPolicy:
    def test_hash_only_sends_no_prompt_or_response_text(
        self, make_client: Callable[..., AuditClient], producer: FakeProducer
    ) -> None:
        """Under hash_only the text is absent from the bytes; the hashes are HMAC-SHA256 hex."""
        client = make_client(content_policy=ContentPolicy.HASH_ONLY, hash_key=KEY)
        client.llm_request(
            provider="openai", model="m", prompt="my salary is 90k", response="noted, 90k"
        )
        raw = producer.messages[0].value()
        assert b"salary" not in raw
        assert b"noted" not in raw
        llm = producer.events()[0]["llm"]
        assert llm["prompt"] is None
        assert llm["response"] is None
        assert llm["prompt_hash"] == hmac.new(KEY, b"my salary is 90k", hashlib.sha256).hexdigest()
        assert llm["response_hash"] == hmac.new(KEY, b"noted, 90k", hashlib.sha256).hexdigest()

    def test_full_policy_keeps_the_text(
        self, make_client: Callable[..., AuditClient], producer: FakeProducer
    ) -> None:
        """Under full the text goes out (scrubbed) and, without a key, no hash."""
        make_client().llm_request(provider="p", model="m", prompt="hello", response="world")
        llm = producer.events()[0]["llm"]
        assert (llm["prompt"], llm["response"]) == ("hello", "world")
        assert (llm["prompt_hash"], llm["response_hash"]) == (None, None)

    def test_full_policy_with_a_key_sends_hashes_beside_the_text(
        self, make_client: Callable[..., AuditClient], producer: FakeProducer
    ) -> None:
        """A configured key adds the keyed hashes even when the text is kept."""
        make_client(hash_key=KEY).llm_request(provider="p", model="m", prompt="hello")
        llm = producer.events()[0]["llm"]
        assert llm["prompt"] == "hello"
        assert llm["prompt_hash"] == hmac.new(KEY, b"hello", hashlib.sha256).hexdigest()
        assert llm["response_hash"] is None

    @pytest.mark.parametrize("policy", list(ContentPolicy))
    def test_every_policy_is_handled(
        self,
        make_client: Callable[..., AuditClient],
        producer: FakeProducer,
        policy: ContentPolicy,
    ) -> None:
        """Each ContentPolicy member builds an event; only FULL keeps the prompt text."""
        make_client(content_policy=policy, hash_key=KEY).llm_request(
            provider="p", model="m", prompt="hello"
        )
        llm = producer.events()[0]["llm"]
        assert llm["prompt"] == ("hello" if policy is ContentPolicy.FULL else None)
        assert llm["prompt_hash"] == hmac.new(KEY, b"hello", hashlib.sha256).hexdigest()

    def test_caller_supplied_hash_is_refused(self, client: AuditClient) -> None:
        """prompt_hash is computed by the SDK; passing one is a programming error."""
        with pytest.raises(AuditEventError) as caught:
            client.emit(EventType.LLM_REQUEST, "x", llm={"prompt_hash": "abc"})
        assert caught.value.field == "llm.prompt_hash"


class TestSpans:
    def test_event_inside_a_span_has_the_span_as_parent(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """An event emitted in the block joins the span's trace with the span as parent."""
        with client.span("agent.run") as span:
            client.emit(EventType.OTHER, "inner")
        inner, outer = producer.events()
        assert inner["trace"]["trace_id"] == span.trace_id
        assert inner["trace"]["parent_span_id"] == span.span_id
        assert inner["trace"]["span_id"] != span.span_id
        assert outer["trace"] == {
            "trace_id": span.trace_id,
            "span_id": span.span_id,
            "parent_span_id": None,
            "parent_event_id": None,
        }

    def test_nested_spans_link_child_to_parent(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A span opened inside another is its child; the outer one is the root."""
        with client.span("outer") as outer, client.span("inner") as inner:
            client.emit(EventType.OTHER, "leaf")
        leaf, inner_event, outer_event = producer.events()
        assert leaf["trace"]["parent_span_id"] == inner.span_id
        assert inner_event["trace"]["parent_span_id"] == outer.span_id
        assert outer_event["trace"]["parent_span_id"] is None
        assert {e["trace"]["trace_id"] for e in producer.events()} == {outer.trace_id}

    def test_events_inside_a_span_name_its_event_id_before_it_is_emitted(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """The span's id is minted at its start; children carry it as parent_event_id."""
        with client.span("outer") as outer, client.span("inner") as inner:
            client.emit(EventType.OTHER, "leaf")
        leaf, inner_event, outer_event = producer.events()
        assert (inner_event["event_id"], outer_event["event_id"]) == (
            inner.event_id,
            outer.event_id,
        )
        assert leaf["trace"]["parent_event_id"] == inner.event_id
        assert inner_event["trace"]["parent_event_id"] == outer.event_id
        assert outer_event["trace"]["parent_event_id"] is None

    def test_an_explicit_parent_event_id_and_event_id_are_kept(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """emit() takes a pre-minted event id and a parent event id as given."""
        mine, parent = new_event_id(), new_event_id()
        assert client.emit(EventType.OTHER, "x", event_id=mine, parent_event_id=parent) == mine
        [event] = producer.events()
        assert (event["event_id"], event["trace"]["parent_event_id"]) == (mine, parent)

    @pytest.mark.parametrize("field", ["event_id", "parent_event_id"])
    def test_a_malformed_event_id_is_a_programming_error(
        self, client: AuditClient, field: str
    ) -> None:
        """An id that is not a canonical UUID raises AuditEventError naming the field."""
        with pytest.raises(AuditEventError) as caught:
            client.emit(EventType.OTHER, "x", **{field: "not-a-uuid"})
        assert caught.value.field == field

    def test_span_event_records_success_latency_and_attributes(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """On a clean exit the span emits one CHAIN event with SUCCESS and its latency."""
        with client.span("agent.run", user_id="u-1", attributes={"a": "1"}) as span:
            span.set_attribute("b", "2")
        [event] = producer.events()
        assert (event["event_type"], event["action"], event["status"]) == (
            "CHAIN",
            "agent.run",
            "SUCCESS",
        )
        assert event["latency_ms"] >= 0
        assert event["actor"]["user_id"] == "u-1"
        assert event["attributes"] == {"a": "1", "b": "2"}

    def test_exception_inside_a_span_emits_failure_and_is_reraised(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """An escaping exception is recorded as FAILURE with its type and scrubbed message."""
        with pytest.raises(ValueError, match="bad input"), client.span("step"):
            raise ValueError(f"bad input with {SECRET}")
        [event] = producer.events()
        assert event["status"] == "FAILURE"
        assert event["error"] == {
            "type": "ValueError",
            "message": "bad input with <SECRET:GITHUB_TOKEN>",
        }

    def test_set_status_overrides_the_outcome(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A status set inside the block is the one recorded."""
        with client.span("check") as span:
            span.set_status(EventStatus.DENIED)
        assert producer.events()[0]["status"] == "DENIED"

    def test_bad_span_arguments_raise_before_the_block_runs(self, client: AuditClient) -> None:
        """Wrong types are reported at entry, so they never mask the block's exception."""
        ran = []
        with pytest.raises(AuditEventError), client.span("x", attributes={"n": 1}):  # type: ignore[dict-item]
            ran.append(True)
        assert ran == []

    def test_span_exit_leaves_no_trace_context(self, client: AuditClient) -> None:
        """After the block the previous (empty) context is back."""
        with client.span("x"):
            assert current_traceparent() is not None
        assert current_traceparent() is None

    def test_spans_of_concurrent_asyncio_tasks_do_not_mix(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Each task's events have that task's span as parent, even when interleaved."""
        spans: dict[str, str] = {}

        async def request(name: str) -> None:
            with client.span(name) as span:
                spans[name] = span.span_id
                await asyncio.sleep(0)
                client.emit(EventType.OTHER, f"{name}.child")
                await asyncio.sleep(0)

        async def main() -> None:
            await asyncio.gather(request("a"), request("b"))

        asyncio.run(main())
        children = {e["action"]: e for e in producer.events() if e["action"].endswith(".child")}
        assert children["a.child"]["trace"]["parent_span_id"] == spans["a"]
        assert children["b.child"]["trace"]["parent_span_id"] == spans["b"]
        assert spans["a"] != spans["b"]

    def test_a_span_on_another_thread_is_not_a_parent(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Threads start without the span context of the thread that started them."""
        with client.span("main"):
            worker = threading.Thread(target=client.emit, args=(EventType.OTHER, "bg"))
            worker.start()
            worker.join()
        background = next(e for e in producer.events() if e["action"] == "bg")
        assert background["trace"]["parent_span_id"] is None


class TestTraceparent:
    def test_format_then_parse_round_trips(self) -> None:
        """A formatted header parses back to the same ids."""
        header = format_traceparent(TRACE, SPAN)
        assert header == f"00-{TRACE}-{SPAN}-01"
        assert parse_traceparent(header) == (TRACE, SPAN)

    def test_future_version_with_extra_fields_is_accepted(self) -> None:
        """Versions after 00 may append fields; the first four are read."""
        assert parse_traceparent(f"01-{TRACE}-{SPAN}-00-extra") == (TRACE, SPAN)

    @pytest.mark.parametrize(
        "header",
        [
            "",
            f"00-{TRACE}-{SPAN}",
            f"ff-{TRACE}-{SPAN}-01",
            f"00-{TRACE}-{SPAN}-01-extra",
            f"00-{'0' * 32}-{SPAN}-01",
            f"00-{TRACE}-{'0' * 16}-01",
            f"00-{TRACE.upper()}-{SPAN}-01",
            f"00-{TRACE[:-1]}-{SPAN}-01",
            f"00-{TRACE}-{SPAN}-1",
        ],
    )
    def test_malformed_header_raises(self, header: str) -> None:
        """Every malformed shape raises TraceparentError."""
        with pytest.raises(TraceparentError):
            parse_traceparent(header)

    def test_continue_trace_adopts_the_incoming_trace(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Events and spans inside join the caller's trace under the caller's span."""
        with client.continue_trace(f"00-{TRACE}-{SPAN}-01"), client.span("handler") as span:
            client.emit(EventType.OTHER, "x")
        assert span.trace_id == TRACE
        assert span.parent_span_id == SPAN
        assert {e["trace"]["trace_id"] for e in producer.events()} == {TRACE}

    @pytest.mark.parametrize("flags", ["00", "01"])
    def test_continue_trace_hands_on_the_callers_flags_and_tracestate(
        self, client: AuditClient, flags: str
    ) -> None:
        """Inside a span under an adopted trace, the outgoing headers keep flags and state."""
        with (
            client.continue_trace(f"00-{TRACE}-{SPAN}-{flags}", "vendor=abc,other=1"),
            client.span("handler") as span,
        ):
            assert current_traceparent() == f"00-{TRACE}-{span.span_id}-{flags}"
            assert span.traceparent == current_traceparent()
            assert current_tracestate() == "vendor=abc,other=1"
        assert current_tracestate() is None

    def test_a_malformed_traceparent_drops_its_tracestate(self, client: AuditClient) -> None:
        """With a new trace, the caller's tracestate is not handed on."""
        with client.continue_trace("garbage", "vendor=abc"):
            assert current_tracestate() is None

    def test_malformed_incoming_header_starts_a_new_trace(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A bad header is input, not a bug: no error, a fresh trace id."""
        with client.continue_trace("garbage") as context:
            client.emit(EventType.OTHER, "x")
        assert context.trace_id != TRACE
        assert producer.events()[0]["trace"]["trace_id"] == context.trace_id


class TestTransportFailures:
    def test_buffer_error_spools_the_event_without_raising(
        self, client: AuditClient, producer: FakeProducer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A full queue sends the event to the spool, logs once, and raises nothing."""
        producer.produce_error = BufferError("queue full")
        caplog.set_level(logging.WARNING, logger="auditstream.producer")
        first = client.emit(EventType.LLM_REQUEST, "x", llm={"prompt": "private words"})
        second = client.emit(EventType.OTHER, "y")
        assert first != second
        stats = client.stats()
        assert (stats.emitted, stats.spooled, stats.shed, stats.delivered) == (2, 2, 0, 0)
        degraded = [r for r in caplog.records if "queue_full" in r.getMessage()]
        assert len(degraded) == 1
        assert "private words" not in caplog.text

    def test_spooled_events_are_replayed_in_order_once_the_queue_takes_them(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Events spooled during a queue-full spell reach the producer in emission order."""
        producer.produce_error = BufferError("queue full")
        ids = [client.emit(EventType.OTHER, f"a{i}", trace_id=TRACE) for i in range(5)]
        producer.produce_error = None
        ids += [client.emit(EventType.OTHER, f"b{i}", trace_id=TRACE) for i in range(5)]
        wait_until(lambda: client.stats().delivered == 10, timeout_s=10, what="replay")
        assert [e["event_id"] for e in producer.events()] == ids
        stats = client.stats()
        assert (stats.replayed, stats.pending, stats.spool_depth) == (10, 0, 0)

    def test_kafka_exception_does_not_raise_into_emit(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A retriable produce error sends the event to the spool."""
        producer.produce_error = KafkaException(KafkaError(KafkaError._TRANSPORT))
        client.emit(EventType.OTHER, "x")
        assert client.stats().spooled == 1

    def test_a_message_the_broker_refuses_for_good_is_shed_not_spooled(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """MSG_SIZE_TOO_LARGE cannot succeed on retry: shed as rejected, no poison pill."""
        producer.produce_error = KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE))
        client.emit(EventType.OTHER, "x")
        stats = client.stats()
        assert (stats.spooled, dict(stats.shed_by_cause)) == (0, {"rejected": 1})

    def test_failed_delivery_is_spooled_and_recovery_is_logged(
        self, client: AuditClient, producer: FakeProducer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A delivery error counts as failed, the event is spooled, then replayed."""
        caplog.set_level(logging.INFO, logger="auditstream.producer")
        producer.delivery_error = KafkaError(KafkaError._MSG_TIMED_OUT)
        client.emit(EventType.OTHER, "x")
        wait_until(lambda: client.stats().spooled == 1, timeout_s=10, what="spooled")
        producer.delivery_error = None
        client.emit(EventType.OTHER, "y")
        wait_until(lambda: client.stats().delivered == 2, timeout_s=10, what="replay")
        stats = client.stats()
        assert (stats.emitted, stats.failed, stats.replayed, stats.shed) == (2, 1, 2, 0)
        messages = [r.getMessage() for r in caplog.records]
        assert any("delivery_failed" in m for m in messages)
        assert any("recovered" in m for m in messages)

    def test_without_a_spool_failures_are_shed_and_counted(
        self, make_client: Callable[..., AuditClient], producer: FakeProducer
    ) -> None:
        """With the spool disabled, a full queue sheds the event under spool_disabled."""
        client = make_client(spool_enabled=False)
        producer.produce_error = BufferError("queue full")
        client.emit(EventType.OTHER, "x")
        stats = client.stats()
        assert (stats.shed, dict(stats.shed_by_cause)) == (1, {"spool_disabled": 1})

    def test_emit_after_close_is_shed_not_raised(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A closed client still accepts calls, counting them as shed."""
        client.close()
        client.emit(EventType.OTHER, "late")
        assert producer.messages == []
        assert dict(client.stats().shed_by_cause) == {"client_closed": 1}
        assert client.closed

    def test_close_keeps_undelivered_events_in_the_spool(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Events the broker never acknowledged are purged into the spool at close."""
        producer.down = True
        client.emit(EventType.OTHER, "x")
        assert client.close(0.2) == 0
        assert client.stats().spooled == 1


class TestArgumentErrors:
    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"event_type": "NOPE"}, "event_type"),
            ({"event_type": 3}, "event_type"),
            ({"action": ""}, "action"),
            ({"status": "MAYBE"}, "status"),
            ({"user_id": 123}, "user_id"),
            ({"trace_id": "not-hex"}, "trace_id"),
            ({"span_id": "ABCDEF0123456789"}, "span_id"),
            ({"llm": {"tokens_input": "12"}}, "llm.tokens_input"),
            ({"llm": {"tokens_output": True}}, "llm.tokens_output"),
            ({"llm": {"prompt": b"bytes"}}, "llm.prompt"),
            ({"llm": {"temperature": 0.2}}, "llm.temperature"),
            ({"llm": "prompt"}, "llm"),
            ({"tool": {"input": "x"}}, "tool.name"),
            ({"tool": {"name": "t", "args": "x"}}, "tool.args"),
            ({"rag_documents": "doc-1"}, "rag_documents"),
            ({"rag_documents": [{"id": 1}]}, "rag_documents[0].id"),
            ({"rag_documents": [{"id": "d", "score": "high"}]}, "rag_documents[0].score"),
            ({"guardrails_triggered": "pii"}, "guardrails_triggered"),
            ({"guardrails_triggered": ["pii", 2]}, "guardrails_triggered[1]"),
            ({"latency_ms": "fast"}, "latency_ms"),
            ({"latency_ms": -1}, "latency_ms"),
            ({"error": {"message": "m"}}, "error.type"),
            ({"attributes": {"n": 3}}, "attributes['n']"),
            ({"attributes": [("k", "v")]}, "attributes"),
            ({"timestamp_us": 1.5}, "timestamp_us"),
            ({"timestamp_us": 2**64}, "timestamp_us"),
            ({"llm": {"tokens_input": 2**70}}, "llm.tokens_input"),
            ({"latency_ms": float("nan")}, "latency_ms"),
            ({"latency_ms": float("inf")}, "latency_ms"),
        ],
    )
    def test_wrong_argument_raises_audit_event_error_naming_the_field(
        self, client: AuditClient, producer: FakeProducer, kwargs: dict[str, Any], field: str
    ) -> None:
        """A programming error raises AuditEventError with the field; nothing is sent."""
        call: dict[str, Any] = {"event_type": EventType.OTHER, "action": "x"}
        call.update(kwargs)
        with pytest.raises(AuditEventError) as caught:
            client.emit(**call)
        assert caught.value.field == field
        assert producer.messages == []
        assert client.stats().emitted == 0

    def test_error_message_does_not_quote_the_value(self, client: AuditClient) -> None:
        """A wrongly typed payload is named by type only."""
        with pytest.raises(AuditEventError) as caught:
            client.emit(EventType.OTHER, "x", llm={"prompt": b"confidential words"})
        assert "confidential" not in str(caught.value)
        assert "bytes" in str(caught.value)


class TestUnencodableText:
    def test_lone_surrogates_are_repaired_not_refused(
        self, make_client: Callable[..., AuditClient], producer: FakeProducer
    ) -> None:
        """Text decoded with surrogateescape is data: it is sent with ? in place."""
        client = make_client(hash_key=KEY)
        client.emit(
            EventType.OTHER,
            "x",
            user_id="u\udcff",
            llm={"prompt": "p\udcff"},
            attributes={"k": "\ud800"},
        )
        [event] = producer.events()
        assert event["actor"]["user_id"] == "u?"
        assert event["llm"]["prompt"] == "p?"
        assert event["attributes"] == {"k": "?"}
        expected = hmac.new(KEY, "p\udcff".encode("utf-8", "surrogatepass"), hashlib.sha256)
        assert event["llm"]["prompt_hash"] == expected.hexdigest()


class TestHelpers:
    def test_llm_request_fills_the_llm_record(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """llm_request is an LLM_REQUEST event with the call's fields."""
        client.llm_request(
            provider="anthropic",
            model="claude",
            prompt="p",
            response="r",
            tokens_input=10,
            tokens_output=20,
            prompt_template="summarize",
            prompt_version="v2",
            latency_ms=1.5,
            guardrails_triggered=["toxicity"],
            user_id="u-1",
        )
        [event] = producer.events()
        assert event["event_type"] == "LLM_REQUEST"
        assert event["action"] == "chat.completion"
        assert event["llm"]["tokens_output"] == 20
        assert event["llm"]["prompt_version"] == "v2"
        assert event["guardrails_triggered"] == ["toxicity"]
        assert event["actor"]["user_id"] == "u-1"

    def test_rag_query_records_documents_query_and_retriever(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """rag_query carries the documents, the query as llm.prompt, the retriever attribute."""
        client.rag_query(documents=["d1", {"id": "d2", "score": 1}], query="q?", retriever="kb")
        [event] = producer.events()
        assert event["event_type"] == "RAG_QUERY"
        assert [d["id"] for d in event["rag_documents"]] == ["d1", "d2"]
        assert event["llm"]["prompt"] == "q?"
        assert event["attributes"] == {"rag.retriever": "kb"}

    def test_tool_call_records_the_tool(self, client: AuditClient, producer: FakeProducer) -> None:
        """tool_call is a TOOL_CALL event with name, input and output."""
        client.tool_call("search", input="{}", output="[]", attributes={"x": "y"})
        [event] = producer.events()
        assert event["event_type"] == "TOOL_CALL"
        assert event["tool"] == {"name": "search", "input": "{}", "output": "[]"}
        assert event["attributes"] == {"x": "y"}

    def test_guardrail_defaults_to_denied(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """guardrail records the guardrails that fired, DENIED by default."""
        client.guardrail(["pii", "jailbreak"])
        [event] = producer.events()
        assert (event["event_type"], event["status"]) == ("GUARDRAIL", "DENIED")
        assert event["guardrails_triggered"] == ["pii", "jailbreak"]

    def test_error_records_an_exception(self, client: AuditClient, producer: FakeProducer) -> None:
        """error(exc) is an ERROR event with FAILURE and the exception's type and message."""
        client.error(TimeoutError("upstream slow"), action="llm.request")
        [event] = producer.events()
        assert (event["event_type"], event["status"], event["action"]) == (
            "ERROR",
            "FAILURE",
            "llm.request",
        )
        assert event["error"] == {"type": "TimeoutError", "message": "upstream slow"}

    def test_error_without_exception_or_type_is_refused(self, client: AuditClient) -> None:
        """error() needs exactly one of an exception or an error type."""
        with pytest.raises(AuditEventError):
            client.error()

    def test_auth_records_the_method(self, client: AuditClient, producer: FakeProducer) -> None:
        """auth is an AUTH event; the method is an attribute."""
        client.auth("login", status=EventStatus.DENIED, method="oidc", user_id="u-1")
        [event] = producer.events()
        assert (event["event_type"], event["status"]) == ("AUTH", "DENIED")
        assert event["attributes"] == {"auth.method": "oidc"}

    def test_admin_action_records_the_target(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """admin_action is an ADMIN_ACTION event; the target is an attribute."""
        client.admin_action("role.grant", target="user:u-2", user_id="admin-1")
        [event] = producer.events()
        assert (event["event_type"], event["action"]) == ("ADMIN_ACTION", "role.grant")
        assert event["attributes"] == {"admin.target": "user:u-2"}


class TestLifecycle:
    def test_context_manager_closes_the_client(
        self, producer: FakeProducer, tmp_path: Path
    ) -> None:
        """Leaving the with block flushes and closes."""
        config = ClientConfig(service_name="svc", spool_dir=str(tmp_path), prometheus=False)
        with AuditClient(config, producer=producer) as client:
            client.emit(EventType.OTHER, "x")
        assert client.closed
        assert client.stats().delivered == 1

    def test_close_twice_is_harmless(self, client: AuditClient) -> None:
        """A second close() returns 0 and raises nothing."""
        client.close()
        assert client.close() == 0

    def test_flush_returns_what_the_producer_left(self, client: AuditClient) -> None:
        """flush() reports the producer's remaining count (0 when all delivered)."""
        client.emit(EventType.OTHER, "x")
        assert client.flush(1.0) == 0
