"""The writer compiled from the event schema writes fastavro's bytes, and refuses the rest."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest

from auditstream.producer import AuditClient, ClientConfig, EventType
from auditstream.producer.avro import Unsupported, compile_writer
from auditstream.schemas import catalog
from support.fake_producer import FakeProducer

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SCHEMAS = Path(catalog.__file__).resolve().parent / "avro"


def fastavro_bytes(schema: Any, value: Any) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, value)
    return buffer.getvalue()


def compiled_bytes(schema: Any, value: Any) -> bytes:
    out = bytearray()
    compile_writer(schema)(value, out)
    return bytes(out)


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "0190a5c4-1b2c-7d3e-8f40-123456789abc",
        "timestamp": 1_717_000_000_123_456,
        "event_type": "LLM_REQUEST",
        "action": "chat.completion",
        "status": "SUCCESS",
        "actor": {
            "tenant_id": "acme",
            "user_id": "u-42",
            "session_id": None,
            "ip_address": "10.0.0.1",
            "user_agent": None,
        },
        "trace": {
            "trace_id": TRACE,
            "span_id": "00f067aa0ba902b7",
            "parent_span_id": None,
            "parent_event_id": None,
        },
        "service": {"name": "svc", "version": "1", "environment": None, "host": "h"},
        "llm": None,
        "rag_documents": [],
        "tool": None,
        "guardrails_triggered": [],
        "latency_ms": None,
        "error": None,
        "attributes": {},
        "processing": None,
    }
    return base | overrides


LLM = {
    "provider": "openai",
    "model": "gpt-4o",
    "prompt": "héllo wörld ✓ " * 40,  # multi-byte text, over 127 bytes: a two-byte length
    "prompt_hash": "ab" * 32,
    "response": "",
    "response_hash": None,
    "tokens_input": 0,
    "tokens_output": 2**40,
    "prompt_template": None,
    "prompt_version": "v3",
}

EVENTS = {
    "minimal": event(),
    "llm": event(llm=LLM, latency_ms=1240.5),
    "tool and error": event(
        event_type="TOOL_CALL",
        status="FAILURE",
        tool={"name": "search", "input": '{"q": 1}', "output": None},
        error={"type": "ValueError", "message": "bad"},
        latency_ms=0.0,
    ),
    "collections": event(
        rag_documents=[
            {"id": "d1", "source": "s3://b/k", "score": 0.5},
            {"id": "d2", "source": None, "score": None},
        ],
        guardrails_triggered=["pii", "toxicity"],
        attributes={f"k{i}": "v" * i for i in range(70)},
    ),
    "negative and large numbers": event(
        timestamp=-1, latency_ms=-3.25, llm=LLM | {"tokens_input": 2**63 - 1}
    ),
    "processing": event(
        processing={
            "ingested_at": 1_717_000_000_999_999,
            "policy_version": "p1",
            "recognizer_version": "r1",
            "redactions": [{"field": "llm.prompt", "entity_type": "EMAIL", "count": -7}],
            "trace_sequence": 3,
            "parent_event_id": None,
            "inherited_fields": ["actor.user_id"],
            "trace_tokens_total": None,
            "trace_tool_calls": 0,
            "trace_errors": 300,
        }
    ),
    "long text": event(action="x" * 70_000),
}


def schema_versions() -> list[Any]:
    return [
        fastavro.parse_schema(json.loads(path.read_text()))
        for path in sorted(SCHEMAS.glob("audit_event.v*.avsc"))
    ]


class TestCompiledWriter:
    @pytest.mark.parametrize("name", sorted(EVENTS))
    def test_when_an_event_is_written_then_the_bytes_are_fastavros(self, name: str) -> None:
        """Every kind of event the SDK builds encodes to exactly what fastavro writes."""
        schema = catalog.current().parsed
        value = EVENTS[name]
        assert compiled_bytes(schema, value) == fastavro_bytes(schema, value)

    @pytest.mark.parametrize("index", range(len(schema_versions())))
    def test_when_any_shipped_schema_version_is_compiled_then_it_matches_fastavro(
        self, index: int
    ) -> None:
        """Each shipped .avsc compiles, and writes fastavro's bytes."""
        schema = schema_versions()[index]
        value = event()
        if index == 0:
            value["trace"] = {k: v for k, v in value["trace"].items() if k != "parent_event_id"}
        assert compiled_bytes(schema, value) == fastavro_bytes(schema, value)

    @pytest.mark.parametrize(
        ("field", "bad"),
        [
            ("action", b"bytes"),  # not a str
            ("action", "\udcff"),  # a lone surrogate
            ("timestamp", 1.5),  # a float for a long
            ("timestamp", True),  # a bool for a long
            ("event_type", "NOPE"),  # not a symbol
            ("rag_documents", ("d1",)),  # a tuple for an array
            ("llm", ("auditstream.v1.LlmCall", LLM)),  # fastavro's tuple notation
            ("timestamp", 2**64),  # out of range
        ],
    )
    def test_when_a_value_does_not_fit_then_it_raises(self, field: str, bad: Any) -> None:
        """A value the writer does not take raises, so the client falls back to fastavro."""
        with pytest.raises(Exception):  # noqa: B017, PT011 - any exception means fall back
            compiled_bytes(catalog.current().parsed, event(**{field: bad}))

    def test_when_a_record_lacks_a_field_then_it_raises(self) -> None:
        """A missing key raises instead of guessing a default."""
        value = event()
        del value["attributes"]
        with pytest.raises(KeyError):
            compiled_bytes(catalog.current().parsed, value)

    @pytest.mark.parametrize(
        "schema",
        [
            ["null", "string", "long"],
            ["string", "null"],
            {"type": "fixed", "name": "F", "size": 4},
            {"type": "int", "logicalType": "date"},
            {"type": "record", "name": "N", "fields": [{"name": "n", "type": ["null", "N"]}]},
        ],
    )
    def test_when_the_schema_has_an_uncovered_construct_then_compiling_refuses(
        self, schema: Any
    ) -> None:
        """Wider unions, fixed, other logical types and recursion are left to fastavro."""
        with pytest.raises(Unsupported):
            compile_writer(schema)


class TestClientEncoding:
    def test_when_an_event_holds_a_lone_surrogate_then_the_client_still_sends_it(
        self, tmp_path: Path
    ) -> None:
        """The compiled writer refuses a surrogate; the fallback repairs and sends it."""
        producer = FakeProducer()
        config = ClientConfig(
            service_name="svc", spool_dir=str(tmp_path / "spool"), prometheus=False
        )
        with AuditClient(config, producer=producer) as client:
            client.emit(EventType.OTHER, "file.read", attributes={"path": "a\udcffb"})
            client.llm_request(provider="p", model="m", prompt="é" * 300, trace_id=TRACE)
        first, second = producer.events()
        assert first["attributes"] == {"path": "a?b"}
        assert second["llm"]["prompt"] == "é" * 300
