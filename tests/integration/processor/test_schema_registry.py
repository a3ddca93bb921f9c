"""Confluent framing on the real broker: the SDK registers and frames, the processor resolves.

A ``mock://`` registry lives inside one client object, so the SDK and the processor's
decoder share it only within one process: this test runs the SDK against the real
broker, reads the raw topic back, and hands the records to the processor's pipeline
(decode, validate, redact, encode) in the same process.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from auditstream.processor.pipeline import DeadLetter, Pipeline, RawMessage, Redacted
from auditstream.processor.redaction.engine import RedactionEngine
from auditstream.processor.redaction.offline import prepare_offline
from auditstream.processor.redaction.policy import load_policy
from auditstream.processor.redaction.tokens import Pseudonymizer
from auditstream.producer import AuditClient, ClientConfig, SchemaRegistryConfig
from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer, WireFormat
from auditstream.schemas.framing import read_frame
from auditstream.schemas.registry import RegistryLookup, registry_client, subject_name
from support.events import make_event
from support.private_kafka import read_all
from support.stack import Stack

pytestmark = pytest.mark.integration

PARTITIONS = 3
FRAMED_EVENTS = 30
PLAIN_EVENTS = 5


def _create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 1)]).values():
        future.result(30)


def _client(
    stack: Stack, topic: str, spool: Path, registry: SchemaRegistryConfig | None
) -> AuditClient:
    return AuditClient(
        ClientConfig(
            service_name="sr-it",
            bootstrap_servers=stack.bootstrap_servers,
            topic=topic,
            spool_dir=str(spool),
            prometheus=False,
            schema_registry=registry,
        )
    )


def _engine() -> RedactionEngine:
    prepare_offline()
    from auditstream.processor.redaction.analyzer import build_analyzers

    return RedactionEngine(build_analyzers(), load_policy(), Pseudonymizer(b"k" * 32))


def test_framed_events_from_the_sdk_are_decoded_by_the_processor(
    stack: Stack, tmp_path: Path
) -> None:
    """Every framed and unframed event is redacted, the unknown id dead-lettered: in = out + DLQ."""
    topic = f"it-sr-raw-{uuid.uuid4().hex}"
    _create_topic(stack.bootstrap_servers, topic)
    registry = SchemaRegistryConfig(url=f"mock://{uuid.uuid4().hex}")

    framed_client = _client(stack, topic, tmp_path / "framed", registry)
    framed_ids = {
        framed_client.emit("LLM_REQUEST", "chat", user_id=f"u-{i}", llm={"prompt": "hi"})
        for i in range(FRAMED_EVENTS)
    }
    assert framed_client.close(10) == 0
    plain_client = _client(stack, topic, tmp_path / "plain", None)
    plain_ids = {plain_client.emit("AUTH", "login") for _ in range(PLAIN_EVENTS)}
    assert plain_client.close(10) == 0
    schema_id = (
        registry_client(registry.connection()).get_latest_version(subject_name(topic)).schema_id
    )
    stray = Producer({"bootstrap.servers": stack.bootstrap_servers})
    unknown_id = schema_id + 1000
    stray_event = make_event()
    stray_value = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=unknown_id)(stray_event)
    stray.produce(topic, stray_value, b"stray")
    assert stray.flush(10) == 0

    total = FRAMED_EVENTS + PLAIN_EVENTS + 1
    records = read_all(stack.bootstrap_servers, topic, expected=total, timeout_s=60)
    assert len(records) == total
    frames = [read_frame(value) for _, _, _, value in records]
    assert sum(1 for f in frames if f.wire_format is WireFormat.CONFLUENT) == FRAMED_EVENTS + 1
    assert {f.schema_ref for f in frames if f.wire_format is WireFormat.CONFLUENT} == {
        str(schema_id),
        str(unknown_id),
    }

    pipeline = Pipeline(
        _engine(),
        max_field_bytes=64 * 1024,
        registry_lookup=RegistryLookup(registry.connection()),
    )
    outcomes = pipeline.process([RawMessage(topic, p, o, k, v) for p, o, k, v in records])
    redacted = [o for o in outcomes if isinstance(o, Redacted)]
    dead = [o for o in outcomes if isinstance(o, DeadLetter)]
    assert len(redacted) + len(dead) == len(records)
    assert [d.error_class for d in dead] == ["UnknownSchemaError"]
    assert f"registry id {unknown_id}" in dead[0].message
    decode = AuditEventDeserializer()
    assert {decode(r.value)["event_id"] for r in redacted} == framed_ids | plain_ids
