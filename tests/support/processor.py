"""Helpers for processor tests on the real stack: raw producers, decoded outputs, settings.

Adds to :mod:`support.pipeline` without changing it: events are written straight to the
raw topic (so tests control keys, bytes and replays), and outputs are read back with a
``read_committed`` consumer and decoded.
"""

from __future__ import annotations

import socket
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
)
from prometheus_client.parser import text_string_to_metric_families

from auditstream.schemas import AuditEvent, AuditEventDeserializer, AuditEventSerializer
from support.pipeline import PipelineUnderTest
from support.wait import wait_until

# Short group timeouts so a SIGKILLed worker's partitions move in seconds, not the
# production default's 30 s; commits every 0.5 s keep the latency of a test low.
FAST_GROUP_ENV = {
    "AUDITSTREAM_PROCESSOR__SESSION_TIMEOUT_S": "8",
    "AUDITSTREAM_PROCESSOR__HEARTBEAT_INTERVAL_S": "1",
    "AUDITSTREAM_PROCESSOR__COMMIT_INTERVAL_S": "0.5",
    "AUDITSTREAM_PROCESSOR__LOG_LEVEL": "INFO",
}
BIG_MESSAGE_BYTES = 8 << 20  # as deploy/local/stack.sh configures the broker's topics

_encode = AuditEventSerializer()
_decode = AuditEventDeserializer(max_field_bytes=BIG_MESSAGE_BYTES)


def raw_producer(pipeline: PipelineUnderTest, **conf: Any) -> Producer:
    """Return a plain producer for the raw topic (idempotent, like the SDK)."""
    return Producer(
        {
            "bootstrap.servers": pipeline.stack.bootstrap_servers,
            "enable.idempotence": True,
            "linger.ms": 5,
            **conf,
        }
    )


def produce(
    producer: Producer,
    topic: str,
    events: Iterable[AuditEvent],
    *,
    keyed: bool = True,
) -> int:
    """Encode and produce events keyed by trace id (as the SDK keys them); return the count."""
    n = 0
    for event in events:
        key = event["trace"]["trace_id"].encode() if keyed else None
        while True:
            try:
                producer.produce(topic, key=key, value=_encode(event))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
        n += 1
    return n


def decoded(messages: Iterable[Any]) -> list[AuditEvent]:
    """Decode redacted-topic messages."""
    return [_decode(m.value()) for m in messages]


def headers_of(message: Any) -> dict[str, bytes]:
    """A message's headers as a dict."""
    return dict(message.headers() or [])


def allow_big_messages(pipeline: PipelineUnderTest, max_bytes: int = BIG_MESSAGE_BYTES) -> None:
    """Raise ``max.message.bytes`` on this pipeline's three topics (the stack's own are set)."""
    admin = AdminClient({"bootstrap.servers": pipeline.stack.bootstrap_servers})
    entry = ConfigEntry(
        "max.message.bytes", str(max_bytes), incremental_operation=AlterConfigOpType.SET
    )
    resources = [
        ConfigResource("topic", name, incremental_configs=[entry])
        for name in (pipeline.raw, pipeline.redacted, pipeline.dlq)
    ]
    for future in admin.incremental_alter_configs(resources).values():
        future.result(timeout=30)


def unique(prefix: str) -> str:
    """A short unique name for ad-hoc test values."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def committed_and_end(pipeline: PipelineUnderTest) -> tuple[int, int]:
    """Sum of the processor group's committed offsets and of the raw topic's end offsets."""
    from confluent_kafka import Consumer, TopicPartition

    from support.pipeline import PARTITIONS

    group = pipeline.env["AUDITSTREAM_PROCESSOR__APP_ID"]
    consumer = Consumer(
        {
            "bootstrap.servers": pipeline.stack.bootstrap_servers,
            "group.id": group,
            "enable.auto.commit": False,
        }
    )
    try:
        tps = [TopicPartition(pipeline.raw, p) for p in range(PARTITIONS)]
        offsets = wait_until(
            lambda: _committed(consumer, tps),
            timeout_s=60,
            interval_s=1,
            what=f"the coordinator of group {group} to answer",
        )
        committed = sum(max(tp.offset, 0) for tp in offsets)
        end = sum(consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in tps)
        return committed, end
    finally:
        consumer.close()


# A coordinator that is moving or still loading the offsets topic (a new broker, a
# failover) answers with these; the question is asked again.
_COORDINATOR_NOT_READY = frozenset(
    {"NOT_COORDINATOR", "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "_TIMED_OUT"}
)


def _committed(consumer: Any, tps: list[Any]) -> list[Any] | None:
    """The group's committed offsets, or None while its coordinator is not ready."""
    try:
        offsets: list[Any] = consumer.committed(tps, timeout=10)
    except KafkaException as exc:
        if exc.args[0].name() in _COORDINATOR_NOT_READY:
            return None
        raise
    return offsets


def trace_batch(n_traces: int, events_per_trace: int, *, prompts: list[str]) -> list[AuditEvent]:
    """Events of ``n_traces`` traces, interleaved across traces, in order within each.

    The first event of a trace carries the actor; later ones carry none (as a tool
    service that knows only the trace id), so inheritance can be checked.
    """
    from auditstream.schemas import new_span_id, new_trace_id
    from support.events import make_event

    traces = [(new_trace_id(), new_span_id()) for _ in range(n_traces)]
    no_actor = dict.fromkeys(("tenant_id", "user_id", "session_id", "ip_address", "user_agent"))
    events: list[AuditEvent] = []
    for position in range(events_per_trace):
        for t, (trace_id, root_span) in enumerate(traces):
            event = make_event(
                trace={
                    "trace_id": trace_id,
                    "span_id": root_span if position == 0 else new_span_id(),
                    "parent_span_id": None if position == 0 else root_span,
                }
            )
            event["llm"]["prompt"] = prompts[(t + position) % len(prompts)]
            if position == 0:
                event["actor"]["user_id"] = f"user-{t}"
            else:
                event["actor"] = dict(no_actor)
            events.append(event)
    return events


def sequences_by_trace(events: Iterable[AuditEvent]) -> dict[str, list[int]]:
    """Trace id to the sorted trace_sequence values its redacted events carry."""
    out: dict[str, list[int]] = {}
    for event in events:
        out.setdefault(event["trace"]["trace_id"], []).append(event["processing"]["trace_sequence"])
    return {k: sorted(v) for k, v in out.items()}


PROMPTS = [
    f"Hello, I am {name}. Please summarise ticket {n} and e-mail {name.lower()}@example.org."
    for n, name in enumerate(
        ["Maria Gonzalez", "James Whitaker", "Aiko Tanaka", "Lukas Schmidt", "Priya Raman"] * 8
    )
]


def free_loopback_port() -> int:
    """A TCP port nothing listens on right now, for a worker's metrics endpoint."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scrape_counters(port: int) -> Counter[str]:
    """Totals of every ``*_total`` counter a worker serves, summed over labels."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    totals: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                totals[sample.name] += sample.value
    return totals
