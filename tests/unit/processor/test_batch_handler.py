"""The agent's batch handler when a rebalance revokes partitions in the middle of a batch.

Faust and Kafka are stand-ins here (a producer that records sends, a stream that records
acks); the pipeline and the trace tracker are the real ones. The integration tests run
the same handler against a real broker.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from faust.types import TP

from auditstream.processor.agent import BatchHandler
from auditstream.processor.enrichment import EnrichmentLimits
from auditstream.processor.enrichment.tracker import TraceTracker
from auditstream.processor.pipeline import Pipeline
from auditstream.processor.settings import ProcessorSettings
from auditstream.schemas import AuditEventSerializer
from support.events import make_event

RAW = "raw"
encode = AuditEventSerializer()


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None]] = []
        self._transaction_producers: dict[str, Any] = {}

    async def send(self, topic: str, key: bytes | None, value: bytes | None, *_: Any, **__: Any):
        self.sent.append((topic, value))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class FakeStream:
    def __init__(self) -> None:
        self.acked: list[int] = []

    async def ack(self, event: Any) -> None:
        self.acked.append(event.message.offset)


def _event(offset: int) -> Any:
    value = encode(make_event())
    return SimpleNamespace(
        message=SimpleNamespace(topic=RAW, partition=0, offset=offset, key=b"k", value=value)
    )


def test_a_revocation_mid_batch_leaves_the_rest_unsent_unacked_and_out_of_the_trace_state(
    engine,
) -> None:
    """Chunk 1 goes out; the partition is revoked while chunk 2 is redacted; chunk 2 is
    neither sent nor acked, and when it comes again it is not taken for a duplicate."""
    settings = ProcessorSettings(  # type: ignore[arg-type]
        processor={"hmac_key": "k" * 40, "nlp_batch_size": 2}, topics={"raw": RAW}
    )
    producer = FakeProducer()
    app = SimpleNamespace(
        producer=producer,
        assignor=SimpleNamespace(group_for_topic=lambda topic: 0),
        conf=SimpleNamespace(id="app"),
        consumer=SimpleNamespace(highwater=lambda tp: None),
    )
    pipeline = Pipeline(engine, max_field_bytes=64 * 1024)
    tracker = TraceTracker(
        {},
        limits=EnrichmentLimits.from_seconds(dedup_window_s=900, max_ids_per_trace=100),
        ttl_s=1800,
    )
    stream = FakeStream()
    events = [_event(offset) for offset in range(4)]  # chunks of two: [0, 1], [2, 3]

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(1) as executor:
            handler = BatchHandler(
                app,  # type: ignore[arg-type]
                settings,
                pipeline,
                executor=executor,
                tracker=tracker,
                changelog="changelog",
            )
            prepare = pipeline.prepare
            calls = []

            def prepare_then_revoke(messages):  # runs in the executor thread
                calls.append(len(messages))
                if len(calls) == 2:  # chunk 2: the group takes the partition away
                    asyncio.run_coroutine_threadsafe(handler.on_revoked({TP(RAW, 0)}), loop).result(
                        timeout=10
                    )
                return prepare(messages)

            pipeline.prepare = prepare_then_revoke  # type: ignore[method-assign]
            await handler.handle(stream, events)  # type: ignore[arg-type]
            assert stream.acked == [0, 1]
            redacted = [
                value for topic, value in producer.sent if topic == settings.topics.redacted
            ]
            assert len(redacted) == 2

            # Faust delivers 2 and 3 again from the committed offset: they are new events.
            pipeline.prepare = prepare  # type: ignore[method-assign]
            await handler.handle(stream, events[2:])  # type: ignore[arg-type]
            assert stream.acked == [0, 1, 2, 3]
            redacted = [
                value for topic, value in producer.sent if topic == settings.topics.redacted
            ]
            assert len(redacted) == 4

    asyncio.run(scenario())


def test_a_revoked_partition_no_longer_reports_lag(engine) -> None:
    """Its new owner reports it; a stale value here would keep a lag alert firing."""
    from prometheus_client import REGISTRY

    from auditstream.processor import metrics

    settings = ProcessorSettings(  # type: ignore[arg-type]
        processor={"hmac_key": "k" * 40}, topics={"raw": RAW}
    )
    app = SimpleNamespace(
        producer=FakeProducer(),
        assignor=SimpleNamespace(group_for_topic=lambda topic: 0),
        conf=SimpleNamespace(id="app"),
    )
    tracker = TraceTracker(
        {},
        limits=EnrichmentLimits.from_seconds(dedup_window_s=900, max_ids_per_trace=100),
        ttl_s=1800,
    )
    metrics.LAG.labels(partition="0").set(120)
    metrics.LAG.labels(partition="1").set(7)

    def lag(partition: str) -> float | None:
        return REGISTRY.get_sample_value(
            "auditstream_processor_lag_messages", {"partition": partition}
        )

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as executor:
            handler = BatchHandler(
                app,  # type: ignore[arg-type]
                settings,
                Pipeline(engine, max_field_bytes=64 * 1024),
                executor=executor,
                tracker=tracker,
                changelog="changelog",
            )
            await handler.on_revoked({TP(RAW, 0), TP("changelog", 1)})
            await handler.on_revoked({TP(RAW, 0)})  # revoked twice: nothing to remove

    asyncio.run(scenario())
    assert lag("0") is None
    assert lag("1") == 7
