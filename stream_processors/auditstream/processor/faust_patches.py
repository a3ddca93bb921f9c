"""Four corrections to faust-streaming 0.15.3 under exactly-once, each with its evidence.

1. :func:`use_broker_highwaters`: table recovery asks the broker for changelog end offsets.
2. :func:`commit_only_contiguous_acks`: raw offsets commit only over a run of acks that
   starts at the committed offset.
3. :class:`RecoveryFinisher`: a table recovery ends about a second after the changelog
   has been read to its end, not ten.
4. :class:`ReplayFloor`: a table recovery reads each changelog partition it kept from
   where the last completed recovery stopped, never from further on.

The first two replace one method on the app's consumer objects, the fourth one method of
the recovery; the third ends a recovery the way Faust's own recovery task does. Nothing
else of Faust changes.

Recovery highwaters: faust-streaming 0.15.3 sizes a recovery by the changelog partitions'
highwaters, and under exactly-once it takes them from the consumer's last stable offset
(``AIOKafkaConsumerThread._highwaters``), which aiokafka knows only after it has fetched
from the partition. For a partition this worker has not fetched yet in its current
assignment the answer is None, Faust turns it into -1, and then either ends that
partition's recovery at once, before its state is read (traces restart their numbering,
replays are not recognised), or, when it read the partition earlier as a standby, fails
its consistency check ("persisted offset ... is higher than the last offset in that topic
(highwater) (92 > -1)") and stops the worker. Both were seen in this project's rebalance
test. The contiguous-commit rule is explained on its function.

The patch asks the broker instead: ``end_offsets`` sends a ListOffsets request with the
consumer's isolation level, so under ``read_committed`` the broker answers with the last
stable offset, known or not to the client. Faust's non-transactional path already does
exactly this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import faust
import structlog
from faust.types import TP

log = structlog.get_logger(__name__)

# Twice a second: the changelog is idle by then, and two checks in a row that agree end
# the recovery about a second after its last record.
RECOVERY_CHECK_S = 0.5


def use_broker_highwaters(app: faust.App) -> None:
    """Make the app's consumer read changelog highwaters from the broker (see module doc).

    Args:
        app: The app; its consumer must exist (call from a running agent or later).
    """
    thread: Any = getattr(app.consumer, "_thread", None)
    if thread is None or getattr(thread, "_auditstream_broker_highwaters", False):
        return

    async def highwaters(partitions: list[TP]) -> Mapping[TP, int]:
        consumer = thread._ensure_consumer()
        offsets: Mapping[TP, int] = await consumer.end_offsets(list(partitions))
        return offsets

    thread._highwaters = highwaters
    thread._auditstream_broker_highwaters = True


def commit_only_contiguous_acks(app: faust.App, raw: str) -> None:
    """Commit a raw partition only up to its first offset not acked (see below).

    ``Consumer._new_offset`` decides how far a partition's offset may be committed. It
    merges "gaps" (jumps between consecutive fetched offsets, meant for transaction
    markers and compaction) into the acked offsets and lets a commit pass a one-offset
    hole. After a restart, Faust's recovery resumes fetching before it seeks back to the
    committed offsets, the fetch loop's read offset can end up past messages the stream
    never delivered, and the jump is then taken for a gap: the SIGKILL test lost 278
    events that way. For the raw topic we commit only a run of acked offsets that starts
    at the committed offset; a hole holds the partition back until the fetch watchdog
    seeks to the committed offset and the missing messages come again. (A raw topic
    written by transactional producers has marker offsets nobody acks; it would stall.
    The SDK's producer is idempotent, not transactional.)

    Args:
        app: The app; its consumer must exist.
        raw: The raw topic.
    """
    consumer: Any = app.consumer
    if getattr(consumer, "_auditstream_contiguous", False):
        return
    original = consumer._new_offset

    def new_offset(tp: TP) -> int | None:
        if tp.topic != raw:
            offset: int | None = original(tp)
            return offset
        acked: list[int] = consumer._acked[tp]
        if not acked:
            return None
        index: set[int] = consumer._acked_index[tp]
        committed = consumer._committed_offset[tp]
        start = committed if committed is not None else min(acked)
        end = start
        while end in index:
            end += 1
        if end == start:
            return None
        done = set(range(start, end))
        acked[:] = sorted(o for o in acked if o not in done and o >= end)
        index.difference_update(done)
        index.difference_update({o for o in index if o < end})
        return end

    consumer._new_offset = new_offset
    consumer._auditstream_contiguous = True


class RecoveryFinisher:
    """End a table recovery once the changelog is read to its end (correction 3).

    Under exactly-once every changelog partition ends in a transaction marker, which a
    ``read_committed`` consumer never delivers: the last offset Faust's recovery applies
    stays below the partition's last stable offset, and its ``_slurp_changelogs`` task
    only gives up on the rest after two idle 5 s waits for the next record
    (``detect_aborted_tx``), so every recovery, a worker's restart included, took at
    least 10 s. This check, run every ``RECOVERY_CHECK_S``, ends it as that task does
    (flush the buffers, mark recovery ended, wake the recovery) once Faust has sought the
    changelog partitions and resumed the flow (before that, positions may be those of an
    earlier assignment: a rebalance test lost trace state that way) and, for every
    active changelog partition still short of its highwater, the consumer's position has
    reached the last stable offset (every record below it was delivered or skipped as
    a marker or an aborted write), the changelog queue is empty, and the applied offset
    did not move between two checks in a row (a record the consumer delivered but Faust
    had not queued yet would move it). Faust's own 10 s rule stays as the fallback.
    Faust's timers start only once a recovery is over, so the checks run in a future of
    the app's own (:meth:`start`), which the app cancels when it stops.

    Args:
        app: The Faust app.
    """

    __slots__ = ("_app", "_running", "_still")

    def __init__(self, app: faust.App) -> None:
        self._app = app
        self._running = False
        # partition -> applied offset seen at the previous check with everything read
        self._still: dict[TP, int] = {}

    def start(self) -> None:
        """Run :meth:`check` every ``RECOVERY_CHECK_S`` from now on (once; idempotent)."""
        if not self._running:
            self._running = True
            self._app.add_future(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(RECOVERY_CHECK_S)
            await self.check()

    async def check(self) -> set[TP]:
        """Run one check; return the partitions whose recovery it ended (may be empty)."""
        app: Any = self._app
        recovery = app.tables.recovery
        # Faust marks a recovery started before it rebuilds the highwaters and offsets and
        # seeks the changelog partitions; it resumes the flow only after the seek, so until
        # then the positions may be those of an earlier assignment. (``app.rebalancing``
        # stays set until the recovery is over, so it cannot tell.) A new rebalance
        # suspends the flow again.
        if not recovery.in_recovery or not app.flow_control.is_active():
            self._still.clear()
            return set()
        short = {
            tp: highwater
            for tp, highwater in recovery.active_highwaters.items()
            if highwater is not None
            and recovery.active_offsets.get(tp) is not None
            and recovery.active_offsets[tp] < highwater
        }
        if not short or not app.tables.changelog_queue.empty():
            self._still.clear()
            return set()
        ready = set()
        for tp, highwater in short.items():
            applied = recovery.active_offsets[tp]
            # Faust keeps the last stable offset minus one as the highwater.
            position = await app.consumer.position(tp)
            if position is None or position < highwater + 1:
                self._still.pop(tp, None)
            elif self._still.get(tp) == applied:
                ready.add(tp)
            else:
                self._still[tp] = applied
        # The position calls awaited: check again that nothing moved meanwhile.
        if ready != set(short) or not recovery.in_recovery or not app.flow_control.is_active():
            return set()
        moved = any(recovery.active_offsets.get(tp) != self._still[tp] for tp in ready)
        if moved or not app.tables.changelog_queue.empty():
            return set()
        for tp, highwater in short.items():
            recovery.active_offsets[tp] = highwater
        recovery.flush_buffers()
        recovery._set_recovery_ended()
        recovery.signal_recovery_end.set()
        self._still.clear()
        log.info(
            "table_recovery_ended",
            partitions=sorted(f"{tp.topic}:{tp.partition}" for tp in ready),
            reason="read to the last stable offset; the rest are markers or aborted writes",
        )
        return ready


class ReplayFloor:
    """Read a kept changelog partition from where the last recovery stopped (correction 4).

    On a revocation the trace tracker puts every key it changed since the last completed
    recovery back to what that recovery left (:meth:`TraceTracker.discard`), so the next
    recovery must replay the changelog from the offset that recovery stopped at. Faust
    resumes a partition it keeps from its ``active_offsets``, but its ``_slurp_changelogs``
    task runs ``detect_aborted_tx`` every idle 5 s, also between a rebalance's new
    highwaters and the seek to the new offsets: it compares the new highwater with the
    consumer's position from the earlier assignment, finds it past, and moves the offset
    to the highwater ("Aborted tx until highwater"). The recovery then reads nothing, and
    the restored keys stay as they were: in this project's rebalance test, 196 traces
    numbered ``[1, 2, 3, 2, 3]``, their state back to the first of three commits.

    :meth:`remember` keeps each active partition's offset when a recovery completes; the
    patched ``_seek_offsets`` lowers the active offsets to it, before the seek and again
    after it (the check can run while the seek is awaited). Reading from an earlier
    offset only applies the same records again, in order, so it is always safe.

    Args:
        app: The Faust app.
    """

    __slots__ = ("_app", "_floor")

    def __init__(self, app: faust.App) -> None:
        self._app = app
        self._floor: dict[TP, int] = {}

    def install(self) -> None:
        """Wrap the recovery's seek (once; idempotent). Call before the first recovery."""
        tables: Any = self._app.tables  # the TableManager; TableManagerT omits recovery
        recovery: Any = tables.recovery
        if getattr(recovery, "_auditstream_replay_floor", False):
            return
        original = recovery._seek_offsets

        async def seek_offsets(consumer: Any, tps: set[TP], offsets: Any, title: str) -> None:
            if offsets is not recovery.active_offsets:
                await original(consumer, tps, offsets, title)
                return
            self._lower(tps, offsets)
            await original(consumer, tps, offsets, title)
            self._lower(tps, offsets)

        recovery._seek_offsets = seek_offsets
        recovery._auditstream_replay_floor = True

    def remember(self) -> None:
        """Keep where the completed recovery stopped (call when the table has recovered)."""
        tables: Any = self._app.tables  # the TableManager; TableManagerT omits recovery
        recovery: Any = tables.recovery
        self._floor = {
            tp: offset
            for tp, offset in recovery.active_offsets.items()
            if tp in recovery.active_tps and offset is not None
        }

    def _lower(self, tps: set[TP], offsets: dict[TP, int | None]) -> None:
        for tp in tps:
            floor = self._floor.get(tp)
            offset = offsets.get(tp)
            if floor is not None and (offset is None or offset > floor):
                log.info(
                    "table_replay_floor",
                    partition=f"{tp.topic}:{tp.partition}",
                    offset=offset,
                    floor=floor,
                )
                offsets[tp] = floor
