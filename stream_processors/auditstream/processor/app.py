"""The Faust application: raw topic in, redacted topic and DLQ out, exactly once.

The agent only moves data (STYLE.md section 7): it takes a batch of events from the
stream, runs the CPU work in the worker's executor so heartbeats and rebalances keep
going, then sends every outcome inside the source partition's transaction.

Why sends name their transaction. Faust's ``Topic.send`` under exactly-once picks the
transactional producer from the *destination* partition, and only for topics the app
consumes; our output topics are not consumed here, so it would fall back to a
non-transactional send and break exactly-once. We send through the producer of the
*source* partition's transaction instead (the id Faust's ``TransactionManager.commit``
uses for that partition's offsets), and to the same partition number downstream, so the
output and the consumed offset commit or abort together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from concurrent.futures import Executor
from typing import Any

import faust
import structlog

from auditstream.processor import metrics
from auditstream.processor.pipeline import DeadLetter, Outcome, Pipeline, RawMessage, Redacted
from auditstream.processor.settings import ProcessorSettings

log = structlog.get_logger(__name__)


def build_app(
    settings: ProcessorSettings, pipeline: Pipeline, *, executor: Executor, datadir: str
) -> faust.App:
    """Create the Faust app with its agent.

    Args:
        settings: The processor's settings.
        pipeline: The loaded pipeline (models load before the app starts).
        executor: Where the CPU work runs; owned and shut down by the caller.
        datadir: This worker's private directory for Faust's local files.

    Returns:
        The app, ready for a ``faust.Worker``.
    """
    section = settings.processor
    topics = settings.topics
    app = faust.App(
        section.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        processing_guarantee="exactly_once",
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        topic_allow_declare=False,  # the stack or the operator owns topic layout
        web_enabled=section.web_port is not None,
        web_port=section.web_port or 6066,
        web_bind="127.0.0.1",
        store="memory://",
        datadir=datadir,
    )
    raw_topic = app.topic(topics.raw, key_type=bytes, value_type=bytes)

    def transactional_id(partition: int) -> str:
        group = app.assignor.group_for_topic(topics.raw)
        return f"{app.conf.id}-{group}-{partition}"

    async def send(outcome: Outcome) -> Awaitable[Any]:
        partition = outcome.source.partition
        destination: tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]] | None]
        if isinstance(outcome, Redacted):
            destination = (topics.redacted, outcome.key, outcome.value, None)
        else:  # the DLQ keeps the bytes exactly as they came
            destination = (topics.dlq, outcome.source.key, outcome.source.value, outcome.headers())
        topic, key, value, headers = destination
        future: Awaitable[Any] = await app.producer.send(
            topic,
            key,
            value,
            partition,
            None,
            headers,
            transactional_id=transactional_id(partition),
        )
        return future

    @app.agent(raw_topic)
    async def redact(stream: faust.StreamT[bytes]) -> None:
        loop = asyncio.get_running_loop()
        # take_events exists on faust's Stream; its StreamT interface does not declare it.
        batches = stream.take_events(  # type: ignore[attr-defined]
            section.batch_max, within=section.batch_within_s
        )
        async for events in batches:
            messages = [
                RawMessage(
                    topic=e.message.topic,
                    partition=e.message.partition,
                    offset=e.message.offset,
                    key=e.message.key,
                    value=e.message.value,
                )
                for e in events
            ]
            metrics.EVENTS_IN.inc(len(messages))
            metrics.BATCH_SIZE.observe(len(messages))
            with metrics.ANALYSIS_SECONDS.time():
                outcomes = await loop.run_in_executor(executor, pipeline.process, messages)
            # Wait for every send to be acknowledged before the batch's offsets are acked;
            # the transaction then commits outputs and offsets together.
            await asyncio.gather(*[await send(o) for o in outcomes])
            for outcome in outcomes:
                if isinstance(outcome, DeadLetter):
                    metrics.DLQ.labels(reason=outcome.error_class).inc()
                    log.warning(
                        "dead_lettered",
                        partition=outcome.source.partition,
                        offset=outcome.source.offset,
                        error_class=outcome.error_class,
                        reason=outcome.message,
                    )
                else:
                    metrics.EVENTS_OUT.labels(event_type=outcome.event_type).inc()

    return app
