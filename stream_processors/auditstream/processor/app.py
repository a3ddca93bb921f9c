"""The Faust application: raw topic in, redacted topic and DLQ out, exactly once.

The agent only moves data (STYLE.md section 7). Per batch taken from the stream, step 0,
then steps 1 to 4 per chunk of it (the next chunk's step 1 overlaps this one's step 4):

0. skip messages Faust delivered twice within one assignment (:class:`DeliveryGuard`);
1. decode, validate and redact in the worker's analysis child process
   (:mod:`auditstream.processor.analysis`, :meth:`Pipeline.prepare`), so heartbeats and
   rebalances keep going while spaCy runs, and spaCy shares no GIL with the Kafka client;
2. on the event loop, drop duplicates and enrich from the trace table
   (:class:`TraceTracker`; pure dict work, no awaits, so no other task sees half a chunk);
3. encode in the executor (:meth:`Pipeline.finish`);
4. under the commit gate: send every output, every changed trace state and every expired
   trace's delete inside the source partition's transaction, wait for the broker's acks,
   then ack the chunk's events.

Why sends name their transaction. Faust's ``Topic.send`` under exactly-once picks the
transactional producer from the *destination* partition, and only for topics the app
consumes; our output topics are not consumed here, so it would fall back to a
non-transactional send and break exactly-once. We send through the producer of the
*source* partition's transaction instead (the id Faust's ``TransactionManager.commit``
uses for that partition's offsets), and to the same partition number downstream, so the
output and the consumed offset commit or abort together.

The trace table and exactly-once (what faust-streaming 0.15.3 does, read from its
source). A table write (``table[k] = v``) sends the changelog record with
``Topic.send_soon``: it goes into the producer's buffer and a background task publishes
it through the ``TransactionManager``, whose transactional id for the changelog's
partition p is the one raw partition p commits with (same copartitioned group, same
partition number). So the record joins partition p's transaction, but only once the
buffer is drained, and ``Consumer._commit_offsets`` under exactly-once commits without
flushing that buffer: a write can land in the transaction *after* the one that commits
its event's offset, and a crash in between loses it while the event counts as done.
We therefore send the changelog records ourselves, awaited, next to the outputs (step 4),
and keep uncommitted changes in an overlay that reaches the table's local store only once
the partition's offsets committed past them; a revocation drops the overlay, since the
partition's open transaction is aborted (:mod:`auditstream.processor.enrichment.tracker`).
Recovery (a restart or a rebalance) reads the changelog with ``read_committed``, so aborted
state never comes back, and for a partition this worker kept, from where its last recovery
stopped (:class:`~auditstream.processor.faust_patches.ReplayFloor`: Faust's idle check
could move that point to the end first, and the tracker's restored keys stayed stale).
With transactions the changelog ends in a commit marker, and Faust notices that the
highwater is unreachable only after about 10 s of idle recovery (``detect_aborted_tx``);
:class:`~auditstream.processor.faust_patches.RecoveryFinisher` ends it about a second
after the last record instead (``fast_table_recovery``, on by default).

Why a commit gate. Faust's commit task picks the acked offsets, then commits every open
transaction. If it ran between our first send and our acks, a transaction could carry
part of a chunk's outputs with older offsets, and a crash would replay them. The gate
(an ``asyncio.Lock`` wrapped around ``Consumer.force_commit``) makes step 4 and a commit
exclusive: a transaction holds whole chunks, their state changes and their offsets.
After each commit the gate tells the tracker which offsets are now committed.

When outputs commit. Faust commits every ``commit_interval_s``; ``read_committed``
readers see a batch's outputs only then. Under load that interval is what amortises the
transactions, but a worker that has caught up has nothing to amortise: when the stream
gives the agent less than a full batch within ``batch_within_s``, the agent commits right
away, through the same gated ``force_commit``. The interval thus bounds the latency under
load, and a quiet or draining stream no longer waits for it (at most one such commit per
batch window).

Five more faust-streaming behaviours are handled elsewhere: changelog highwaters unknown
to the consumer at recovery, and commits that pass offsets the stream never delivered
(:mod:`auditstream.processor.faust_patches`); a transactional producer kept after its
partition moved away, then reused fenced when it comes back (:meth:`BatchHandler.on_revoked`
drops them); a message delivered twice within one assignment
(:mod:`auditstream.processor.delivery`); and raw partitions whose fetch or commit stalls
after a restart or rebalance (:mod:`auditstream.processor.watchdog`).

Failures. A poison message never raises here: the pipeline turns it into a dead letter.
An exception in the agent means Kafka or a bug, and the worker stops at once without
acking (``os._exit``): Faust's generator would otherwise ack the batch on the way out and
the next commit would count unsent events as done. The group moves the partitions, the
next owner's transactional producer fences ours, and the open transactions abort.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any

import faust
import structlog

from auditstream.processor.agent import BatchHandler
from auditstream.processor.enrichment import EnrichmentLimits
from auditstream.processor.enrichment.tracker import TraceTracker
from auditstream.processor.faust_patches import (
    RecoveryFinisher,
    ReplayFloor,
    commit_only_contiguous_acks,
    use_broker_highwaters,
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
        The app, ready for a ``faust.Worker``.
    """
    section = settings.processor
    app = faust.App(
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

    finisher = RecoveryFinisher(app) if section.fast_table_recovery else None

    @app.on_partitions_revoked.connect
    async def on_revoked(_sender: Any, /, *args: Any, signal: Any = None, **_kwargs: Any) -> None:
        use_broker_highwaters(app)  # before the first recovery, too
        floor.install()
        if finisher is not None:
            finisher.start()
        await handler.on_revoked(args[0] if args else set())

    watchdog = FetchWatchdog(app, settings.topics.raw, handler.processed_offset)

    @app.timer(WATCHDOG_INTERVAL_S)  # type: ignore[untyped-decorator]  # faust's timer is untyped
    async def resume_stuck_partitions() -> None:
        await watchdog.check()

    @app.agent(raw_topic)
    async def redact(stream: faust.StreamT[bytes]) -> None:
        _gate_commits(app, handler.gate, handler.after_commit)
        use_broker_highwaters(app)
        commit_only_contiguous_acks(app, settings.topics.raw)
        # take_events exists on faust's Stream; its StreamT interface does not declare it.
        batches = stream.take_events(  # type: ignore[attr-defined]
            section.batch_max, within=section.batch_within_s
        )
        async for events in batches:
            try:
                await handler.handle(stream, events)
                if len(events) < section.batch_max:
                    # Caught up (see "When outputs commit" in the module docstring).
                    await app.consumer.commit()
            except Exception as exc:  # noqa: BLE001 - fail-stop is the handling
                _fail_stop(exc)

    return app


def _gate_commits(app: faust.App, gate: asyncio.Lock, after: Callable[[], None]) -> None:
    """Make Faust's offset commits wait for the batch being sent (see module docstring).

    Args:
        app: The app whose consumer commits.
        gate: Held by the agent while it sends a batch and acks it.
        after: Called after every commit, still under the gate.
    """
    consumer: Any = app.consumer  # the driver's Consumer; ConsumerT omits force_commit
    if getattr(consumer, "_auditstream_gated", False):
        return
    original: Callable[..., Awaitable[bool]] = consumer.force_commit

    async def force_commit(*args: Any, **kwargs: Any) -> bool:
        async with gate:
            try:
                return await original(*args, **kwargs)
            finally:
                after()

    consumer.force_commit = force_commit
    consumer._auditstream_gated = True


def _fail_stop(exc: BaseException) -> None:
    """Stop the process now, without acking: see "Failures" in the module docstring."""
    log.error(
        "worker_fail_stop",
        error_class=type(exc).__name__,
        reason=str(exc)[:500],
        consequence="open transactions abort; the next owner reprocesses the batch",
    )
    os._exit(FAIL_STOP_EXIT_CODE)
