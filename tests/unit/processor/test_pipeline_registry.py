"""The pipeline with a schema registry: ids resolve; unknown and unreachable are dead letters."""

from __future__ import annotations

import socket
import uuid

import pytest

from auditstream.processor.pipeline import DeadLetter, Pipeline, RawMessage, Redacted
from auditstream.processor.settings import load_processor_settings
from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer, WireFormat
from auditstream.schemas.registry import RegistryConnection, RegistryLookup, register_event_schema
from support.events import make_event

plain = AuditEventSerializer()


def _msg(value: bytes, offset: int) -> RawMessage:
    return RawMessage(topic="raw", partition=0, offset=offset, key=b"k", value=value)


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def connection() -> RegistryConnection:
    return RegistryConnection(url=f"mock://{uuid.uuid4().hex}")


class TestPipelineWithRegistry:
    def test_framed_unknown_and_unframed_messages_each_take_their_fork(
        self, engine, connection: RegistryConnection
    ) -> None:
        """Registered id: redacted; unknown id: DLQ; single-object: redacted as always."""
        schema_id = register_event_schema(connection, "raw")
        pipeline = Pipeline(
            engine, max_field_bytes=64 * 1024, registry_lookup=RegistryLookup(connection)
        )
        framed = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=schema_id)
        unknown = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=schema_id + 99)
        messages = [
            _msg(framed(make_event()), 0),
            _msg(unknown(make_event()), 1),
            _msg(plain(make_event()), 2),
        ]
        outcomes = pipeline.process(messages)
        assert [type(o) for o in outcomes] == [Redacted, DeadLetter, Redacted]
        assert len(outcomes) == len(messages)  # in = forwarded + dead letters
        dead = outcomes[1]
        assert isinstance(dead, DeadLetter)
        assert dead.error_class == "UnknownSchemaError"
        assert f"registry id {schema_id + 99}" in dead.message
        redacted = outcomes[0]
        assert isinstance(redacted, Redacted)
        # The redacted topic keeps the contract's single-object framing.
        assert AuditEventDeserializer()(redacted.value)["processing"] is not None

    def test_an_unreachable_registry_dead_letters_framed_messages_with_the_reason(
        self, engine
    ) -> None:
        """The reason names the class, the registry and what to do; unframed ones pass."""
        url = _closed_port_url()
        pipeline = Pipeline(
            engine,
            max_field_bytes=64 * 1024,
            registry_lookup=RegistryLookup(RegistryConnection(url)),
        )
        framed = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=1)
        outcomes = pipeline.process([_msg(framed(make_event()), 0), _msg(plain(make_event()), 1)])
        dead, redacted = outcomes
        assert isinstance(dead, DeadLetter)
        assert isinstance(redacted, Redacted)
        assert dead.error_class == "SchemaRegistryUnavailableError"
        assert url in dead.message
        assert "replay" in dead.message
        headers = dict(dead.headers())
        assert headers["auditstream.error_class"] == b"SchemaRegistryUnavailableError"

    def test_without_a_registry_framed_messages_are_unknown_schema_dead_letters(
        self, engine
    ) -> None:
        """Nothing configured: the behaviour from before the registry existed."""
        pipeline = Pipeline(engine, max_field_bytes=64 * 1024)
        framed = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=1)
        [dead] = pipeline.process([_msg(framed(make_event()), 0)])
        assert isinstance(dead, DeadLetter)
        assert dead.error_class == "UnknownSchemaError"
        assert "no schema registry is configured" in dead.message


class TestProcessorSettings:
    def test_the_registry_section_is_read_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """AUDITSTREAM_SCHEMA_REGISTRY__URL turns the lookup on; unset, there is none."""
        assert load_processor_settings().schema_registry.connection() is None
        monkeypatch.setenv("AUDITSTREAM_SCHEMA_REGISTRY__URL", "https://sr:8081")
        monkeypatch.setenv("AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_USER", "u")
        monkeypatch.setenv("AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_PASSWORD", "pw")
        settings = load_processor_settings()
        assert settings.schema_registry.connection() == RegistryConnection(
            "https://sr:8081", "u", "pw"
        )
        assert "pw" not in str(settings.model_dump(mode="json"))
