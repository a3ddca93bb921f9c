"""The Faust application: raw topic in, redacted topic and DLQ out, exactly once.

Builds the app, its trace table and its agent, and wires Faust's hooks to the batch
handler (:mod:`auditstream.processor.agent`). Why it is built this way (the steps of a
batch, why sends name their transaction, the commit gate, when outputs commit, and how
a failure stops the worker) is written down in ``docs/processor-exactly-once.md``.
Faust's internals are touched only through :mod:`auditstream.processor.faust_bridge`.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor
from typing import Any

import faust
import structlog

from auditstream.processor.agent import BatchHandler
from auditstream.processor.enrichment import EnrichmentLimits
from auditstream.processor.enrichment.tracker import TraceTracker
from auditstream.processor.faust_bridge import (
    BridgedApp,
    Patches,
    RecoveryFinisher,
    ReplayFloor,
    check_faust_version,
)
from auditstream.processor.kafka_auth import broker_credentials
from auditstream.processor.pipeline import Pipeline
from auditstream.processor.settings import ProcessorSettings
from auditstream.processor.topology import TRACE_TABLE
from auditstream.processor.watchdog import WATCHDOG_INTERVAL_S, FetchWatchdog

log = structlog.get_logger(__name__)

FAIL_STOP_EXIT_CODE = 70  # EX_SOFTWARE: the supervisor restarts the worker


def build_app(
    settings: ProcessorSettings,
    pipeline: Pipeline,
    *,
    executor: Executor,
    datadir: str,
    partitions: int,
    analysis: Executor | None = None,
    instance_id: str | None = None,
) -> faust.App:
    """Create the Faust app with its agent and trace table.

    Args:
        settings: The processor's settings.
        pipeline: The loaded pipeline (models load before the app starts).
        executor: Where the CPU work runs; owned and shut down by the caller.
        datadir: This worker's private directory for Faust's local files.
        partitions: The raw topic's partition count (the trace table's).
        analysis: Where redaction runs (a child process); None runs it in ``executor``.
        instance_id: The worker's ``group.instance.id`` (static membership); None joins
            as a dynamic member.

    Returns:
        The app, ready for a ``faust.Worker``; it installs the Faust bridge's patches
        when it starts.

    Raises:
        FaustVersionError: The installed faust-streaming is not the pinned version.
    """
    check_faust_version()
    section = settings.processor
    app = BridgedApp(
        section.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        # SASL/TLS for the consumer, the transactional producers and the changelog.
        broker_credentials=broker_credentials(settings.kafka),
        processing_guarantee="exactly_once",
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        # The operator owns the raw, redacted and DLQ topics; the trace changelog is
        # created by ``topology.prepare_topics`` with the raw topic's partition count.
        topic_allow_declare=False,
        broker_commit_interval=section.commit_interval_s,
        broker_session_timeout=section.session_timeout_s,
        broker_heartbeat_interval=section.heartbeat_interval_s,
        # Static membership (aiokafka sends it in JoinGroup): a restart within the
        # session timeout gets the same partitions back without a rebalance.
        consumer_group_instance_id=instance_id,
        producer_max_request_size=section.max_message_bytes,
        consumer_max_fetch_size=section.max_message_bytes,
        web_enabled=section.web_port is not None,
        web_port=section.web_port or 6066,
        web_bind=section.metrics_host,
        store="memory://",
        datadir=datadir,
    )
    raw_topic = app.topic(settings.topics.raw, key_type=bytes, value_type=bytes)
    table = app.Table(
        TRACE_TABLE,
        default=None,
        partitions=partitions,
        key_type=bytes,  # bytes types make Faust use the "raw" codec both ways
        value_type=bytes,
    )
    tracker = TraceTracker(
        table.data,
        limits=EnrichmentLimits.from_seconds(
            dedup_window_s=section.dedup_window_s, max_ids_per_trace=section.trace_max_ids
        ),
        ttl_s=section.trace_ttl_s,
    )
    handler = BatchHandler(
        app,
        settings,
        pipeline,
        executor=executor,
        tracker=tracker,
        changelog=table.changelog_topic.get_topic_name(),
        analysis=analysis,
    )

    floor = ReplayFloor(app)

    @table.on_recover
    async def on_recovered() -> None:
        floor.remember()
        handler.on_recovered()

    # Installed once, as the app starts: before the consumer joins the group, so before
    # the first recovery and the first commit (faust_bridge.BridgedApp).
    app.patches = Patches(
        raw=settings.topics.raw,
        gate=handler.gate,
        after_commit=handler.after_commit,
        floor=floor,
        finisher=RecoveryFinisher(app) if section.fast_table_recovery else None,
    )

    @app.on_partitions_revoked.connect
    async def on_revoked(_sender: Any, /, *args: Any, signal: Any = None, **_kwargs: Any) -> None:
        await handler.on_revoked(args[0] if args else set())

    watchdog = FetchWatchdog(app, settings.topics.raw, handler.processed_offset)

    @app.timer(WATCHDOG_INTERVAL_S)  # type: ignore[untyped-decorator]  # faust's timer is untyped
    async def resume_stuck_partitions() -> None:
        await watchdog.check()

    @app.agent(raw_topic)
    async def redact(stream: faust.StreamT[bytes]) -> None:
        # take_events exists on faust's Stream; its StreamT interface does not declare it.
        batches = stream.take_events(  # type: ignore[attr-defined]
            section.batch_max, within=section.batch_within_s
        )
        async for events in batches:
            try:
                await handler.handle(stream, events)
                if len(events) < section.batch_max:
                    # Caught up: commit now ("When outputs commit" in the design doc).
                    await app.consumer.commit()
            except Exception as exc:  # noqa: BLE001 - fail-stop is the handling
                _fail_stop(exc)

    return app


def _fail_stop(exc: BaseException) -> None:
    """Stop the process now, without acking ("Failures" in docs/processor-exactly-once.md).

    Faust's generator would otherwise ack the batch on the way out, and the next commit
    would count unsent events as done.
    """
    log.error(
        "worker_fail_stop",
        error_class=type(exc).__name__,
        reason=str(exc)[:500],
        consequence="open transactions abort; the next owner reprocesses the batch",
    )
    os._exit(FAIL_STOP_EXIT_CODE)
