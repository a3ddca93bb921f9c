"""One batch of the processor's agent, steps 0 to 4 of ``docs/processor-exactly-once.md``.

:class:`BatchHandler` owns the per-worker state the agent needs (delivery guard, trace
tracker, commit gate) and the order of the steps; :mod:`auditstream.processor.app` builds
the Faust app and wires Faust's hooks to it. Why each step is where it is, and what
faust-streaming does underneath, is told in that document; Faust's internals are reached
only through :mod:`auditstream.processor.faust_bridge`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from concurrent.futures import Executor
from typing import Any

import faust
import structlog
from faust.types import TP

from auditstream.processor import analysis, metrics
from auditstream.processor.delivery import DeliveryGuard
from auditstream.processor.enrichment.tracker import BatchResult, Change, TraceTracker
from auditstream.processor.faust_bridge import committed_offsets, stop_transaction_producers
from auditstream.processor.pipeline import (
    DeadLetter,
    Outcome,
    Pipeline,
    RawMessage,
    Redacted,
    Step,
)
from auditstream.processor.redaction.engine import CacheStats
from auditstream.processor.settings import ProcessorSettings

log = structlog.get_logger(__name__)


class BatchHandler:
    """Process batches taken from the raw stream, exactly once.

    Args:
        app: The Faust app (its producer sends, its consumer reports commits).
        settings: The processor's settings.
        pipeline: The loaded pipeline.
        executor: Where the CPU work runs (encoding, and redaction without ``analysis``).
        analysis: Where redaction runs: :func:`auditstream.processor.analysis.analysis_process`.
        tracker: The trace tracker over the table's local store.
        changelog: The trace table's changelog topic.
    """

    def __init__(
        self,
        app: faust.App,
        settings: ProcessorSettings,
        pipeline: Pipeline,
        *,
        executor: Executor,
        tracker: TraceTracker,
        changelog: str,
        analysis: Executor | None = None,
    ) -> None:
        self._app = app
        self._raw = settings.topics.raw
        self._pipeline = pipeline
        self._executor = executor
        self._analysis = analysis
        self._tracker = tracker
        self._sender = _Sender(app, settings, changelog=changelog)
        self._guard = DeliveryGuard()
        self._cache = _CacheDelta()
        self._chunk_size = settings.processor.nlp_batch_size
        #: Held while a batch is sent and acked, and while Faust commits.
        self.gate = asyncio.Lock()
        self._revocations = 0

    def processed_offset(self, partition: int) -> int | None:
        """Highest offset of a raw partition processed since its assignment, or None."""
        return self._guard.highest(partition)

    def after_commit(self) -> None:
        """Tell the tracker and the guard which offsets are committed (under the gate)."""
        committed = committed_offsets(self._app.consumer)
        next_offsets = {
            tp.partition: off for tp, off in committed.items() if tp.topic == self._raw and off
        }
        self._tracker.committed(next_offsets)
        self._guard.committed(next_offsets)

    async def on_revoked(self, revoked: set[TP]) -> None:
        """Drop uncommitted state, delivery marks, producers and lag of revoked partitions.

        faust-streaming 0.15.3 does not always stop the transactional producer of a
        partition that moves to another worker; a fenced one would be reused when the
        partition comes back (:func:`~auditstream.processor.faust_bridge.
        stop_transaction_producers` tells how). Dropping them here makes Faust start
        fresh producers on assignment, whose initialisation aborts whatever the old ones
        left open; the overlay and delivery marks go with them, and Faust seeks the
        partitions back to their committed offsets.
        """
        partitions = [tp.partition for tp in revoked if tp.topic == self._raw]
        async with self.gate:  # let a commit in flight finish and report first
            self._revocations += 1  # a batch in progress stops at its next step
            self._tracker.discard(partitions)
            self._guard.forget(partitions)
            await self._sender.drop_producers(partitions)
        for partition in partitions:
            # The new owner reports it; a value left here would go stale and alert.
            with contextlib.suppress(KeyError):
                metrics.LAG.remove(str(partition))

    def on_recovered(self) -> None:
        """Rebuild the expiry order after the table recovered from its changelog."""
        traces = self._tracker.rebuild_index()
        metrics.TRACES.set(traces)
        log.info("trace_table_recovered", traces=traces)

    async def handle(self, stream: faust.StreamT[bytes], events: list[Any]) -> None:
        """Run steps 0 to 4 for one batch; acks the events only after their sends.

        The batch is cut into chunks of about ``nlp_batch_size`` events, pipelined: while
        one chunk's outputs are sent and acked (step 4, network waits), the executor
        already redacts the next one (step 1). Each chunk is a whole unit under the
        commit gate, as a batch was, so a commit between two chunks is safe.

        A rebalance can revoke partitions while the batch waits for the executor. Their
        uncommitted trace state is then gone (:meth:`on_revoked`), and the rest of the
        batch is left unsent and unacked: enriching it would put its events' ids back in
        the trace state while their outputs die with the aborted transaction, and the
        redelivered events would then be dropped as duplicates. Faust seeks every
        assigned partition back to its committed offset, so they come again.

        Args:
            stream: The agent's stream (for acks).
            events: The batch, in stream order.
        """
        loop = asyncio.get_running_loop()
        chunks = _chunks(events, self._chunk_size)
        # 0. redeliveries within this assignment are acked, not processed again
        inputs = [self._fresh(chunk) for chunk in chunks]
        metrics.BATCH_SIZE.observe(len(events))
        # The analysis child takes every chunk at once and works through them in order;
        # the executor thread, which also encodes, gets the next one behind each encoding.
        ahead = len(chunks) if self._analysis is not None else 1
        prepared = [self._prepare(loop, messages) for messages in inputs[:ahead]]
        revocations = self._revocations
        for index, chunk in enumerate(chunks):
            # 1. decode, validate, redact (CPU, analysis child or executor)
            steps, prepare_s, cache = await prepared[index]
            if self._revocations != revocations:
                _abandoned(chunks[index:])
                return
            messages = inputs[index]
            metrics.EVENTS_IN.inc(len(messages))
            # 2. duplicates, enrichment and expiry (trace table, event loop, no awaits)
            now_us = time.time_ns() // 1000
            result = self._tracker.apply(steps, now_us=now_us)
            expired = self._tracker.expire({m.partition for m in messages}, now_us=now_us)
            # 3. encode (CPU, executor), then the next chunk's step 1 behind it
            finished = loop.run_in_executor(self._executor, self._timed_finish, result.steps)
            if len(prepared) == index + 1 < len(chunks):
                prepared.append(self._prepare(loop, inputs[index + 1]))
            outcomes, finish_s = await finished
            if messages:
                metrics.ANALYSIS_SECONDS.observe(prepare_s + finish_s)
            # 4. outputs, state and offsets in one transaction per source partition
            async with self.gate:
                if self._revocations != revocations:  # during the encoding or at the gate
                    _abandoned(chunks[index:])
                    return
                futures = [await self._sender.outcome(o) for o in outcomes]
                futures += await self._sender.changes(result.changes)
                futures += await self._sender.changes(expired)
                await asyncio.gather(*futures)
                self._tracker.sent({m.partition: m.offset for m in messages})
                for event in chunk:
                    await stream.ack(event)
            _record(result, len(expired), outcomes)
        metrics.TRACES.set(len(self._tracker))
        self._cache.record(cache)
        last_offsets = {e.message.partition: e.message.offset for e in events}
        _record_lag(self._app, self._raw, last_offsets)

    def _fresh(self, chunk: list[Any]) -> list[RawMessage]:
        """Step 0: the chunk's messages not delivered before within this assignment."""
        messages = []
        for e in chunk:
            partition, offset = e.message.partition, e.message.offset
            if self._guard.is_redelivery(partition, offset):
                metrics.REDELIVERED.inc()
                continue
            self._guard.processed(partition, offset)
            messages.append(
                RawMessage(e.message.topic, partition, offset, e.message.key, e.message.value)
            )
        return messages

    def _prepare(
        self, loop: asyncio.AbstractEventLoop, messages: list[RawMessage]
    ) -> asyncio.Future[tuple[list[Step], float, CacheStats]]:
        """Step 1 of a chunk, in the analysis child (or, without one, the executor)."""
        if self._analysis is not None:
            return loop.run_in_executor(self._analysis, analysis.prepare, messages)
        return loop.run_in_executor(
            self._executor, analysis.timed_prepare, self._pipeline, messages
        )

    def _timed_finish(self, steps: list[Step]) -> tuple[list[Outcome], float]:
        started = time.perf_counter()
        outcomes = self._pipeline.finish(steps) if steps else []
        return outcomes, time.perf_counter() - started


def _abandoned(chunks: list[list[Any]]) -> None:
    count = sum(len(chunk) for chunk in chunks)
    metrics.ABANDONED.inc(count)
    log.info(
        "batch_rest_abandoned",
        events=count,
        consequence="a rebalance revoked partitions mid-batch; the events come again",
    )


def _chunks(events: list[Any], size: int) -> list[list[Any]]:
    """Cut a batch into near-equal chunks of at most ``size`` events (200 by 64: 4 x 50)."""
    if not events:
        return [[]]
    count = -(-len(events) // size)
    step = -(-len(events) // count)
    return [events[i : i + step] for i in range(0, len(events), step)]


class _Sender:
    """Sends records inside the transaction of their source partition.

    See "Why sends name their transaction" in ``docs/processor-exactly-once.md``.
    """

    __slots__ = ("_app", "_changelog", "_dlq", "_dlq_max_value_bytes", "_raw", "_redacted")

    def __init__(self, app: faust.App, settings: ProcessorSettings, *, changelog: str) -> None:
        self._app = app
        self._raw = settings.topics.raw
        self._redacted = settings.topics.redacted
        self._dlq = settings.topics.dlq
        self._dlq_max_value_bytes = settings.processor.dlq_max_value_bytes
        self._changelog = changelog

    async def outcome(self, outcome: Outcome) -> Awaitable[Any]:
        """Send a redacted event, or a dead letter with its reason headers."""
        partition = outcome.source.partition
        if isinstance(outcome, Redacted):
            return await self._send(self._redacted, partition, outcome.key, outcome.value)
        value = outcome.source.value  # the DLQ keeps the bytes exactly as they came
        omit = value is not None and len(value) > self._dlq_max_value_bytes
        headers = outcome.headers(value_omitted=omit)
        return await self._send(
            self._dlq, partition, outcome.source.key, None if omit else value, headers
        )

    async def drop_producers(self, partitions: list[int]) -> None:
        """Stop and forget the transactional producers of these source partitions."""
        await stop_transaction_producers(
            self._app.producer, [self._transactional_id(p) for p in partitions]
        )

    async def changes(self, changes: dict[bytes, Change]) -> list[Awaitable[Any]]:
        """Send trace-table changelog records (a None value deletes the trace)."""
        return [
            await self._send(self._changelog, c.partition, key, c.value)
            for key, c in changes.items()
        ]

    async def _send(
        self,
        topic: str,
        partition: int,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Awaitable[Any]:
        future: Awaitable[Any] = await self._app.producer.send(
            topic,
            key,
            value,
            partition,
            None,
            headers,
            transactional_id=self._transactional_id(partition),
        )
        return future

    def _transactional_id(self, partition: int) -> str:
        """The id Faust's ``TransactionManager.commit`` uses for this source partition."""
        group = self._app.assignor.group_for_topic(self._raw)
        return f"{self._app.conf.id}-{group}-{partition}"


def _record_lag(app: faust.App, raw: str, last_offsets: dict[int, int]) -> None:
    """Set the lag gauge from the consumer's last known stable offsets."""
    for partition, offset in last_offsets.items():
        highwater = app.consumer.highwater(TP(raw, partition))
        if highwater is not None:
            metrics.LAG.labels(partition=str(partition)).set(max(0, highwater - offset - 1))


def _record(result: BatchResult, expired: int, outcomes: list[Outcome]) -> None:
    """Count every fork of a batch and log dead letters (fields, never payloads)."""
    duplicates = result.duplicates
    metrics.DUPLICATES.inc(duplicates)
    metrics.TRACES_EXPIRED.inc(expired)
    for reason, n in result.unenriched.items():
        metrics.UNENRICHED.labels(reason=reason).inc(n)
    for entity, n in result.entities.items():
        metrics.ENTITIES.labels(entity_type=entity).inc(n)
    for path, n in result.unscanned.items():
        metrics.UNSCANNED.labels(field=path).inc(n)
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
    if duplicates:
        log.info("duplicates_dropped", count=duplicates)


class _CacheDelta:
    """Turn the engine's cumulative cache counters into Prometheus counter increments."""

    __slots__ = ("_evictions", "_hits", "_misses")

    def __init__(self) -> None:
        self._hits = self._misses = self._evictions = 0

    def record(self, stats: CacheStats) -> None:
        metrics.CACHE_LOOKUPS.labels(result="hit").inc(stats.hits - self._hits)
        metrics.CACHE_LOOKUPS.labels(result="miss").inc(stats.misses - self._misses)
        metrics.CACHE_EVICTIONS.inc(stats.evictions - self._evictions)
        self._hits, self._misses, self._evictions = stats.hits, stats.misses, stats.evictions
