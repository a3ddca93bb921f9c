"""The patches on table recovery: end it once read, and never read less than last time.

:class:`RecoveryFinisher` ends a recovery the way Faust's own recovery task does;
:class:`ReplayFloor` wraps one method of the app's ``Recovery``, an object the table
manager creates once (``TableManager.recovery``, ``faust/tables/manager.py``) and never
replaces, so both are installed once, when the app starts (:func:`~._install.install`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import structlog
from faust.types import TP

log = structlog.get_logger(__name__)

# Twice a second: the changelog is idle by then, and two checks in a row that agree end
# the recovery about a second after its last record.
RECOVERY_CHECK_S = 0.5

# Set on the patched Recovery, so installing twice wraps once.
_MARK_REPLAY_FLOOR = "_auditstream_replay_floor"


class RecoveryFinisher:
    """End a table recovery once the changelog is read to its end.

    Upstream (faust-streaming 0.15.3, ``faust/tables/recovery.py``,
    ``Recovery._slurp_changelogs`` and its inner ``detect_aborted_tx``): under
    exactly-once every changelog partition ends in a transaction marker, which a
    ``read_committed`` consumer never delivers, so the last offset the recovery applies
    stays below the partition's last stable offset, and the task gives up on the rest
    only after two idle 5 s waits for the next record: every recovery, a worker's restart
    included, took at least 10 s.

    This check, run every ``RECOVERY_CHECK_S``, ends it as that task does (flush the
    buffers, mark recovery ended, wake the recovery) once Faust has sought the
    changelog partitions and resumed the flow (before that, positions may be those of an
    earlier assignment: a rebalance test lost trace state that way) and, for every
    active changelog partition still short of its highwater, the consumer's position has
    reached the last stable offset (every record below it was delivered or skipped as
    a marker or an aborted write), the changelog queue is empty, and the applied offset
    did not move between two checks in a row (a record the consumer delivered but Faust
    had not queued yet would move it). Faust's own 10 s rule stays as the fallback.
    Faust's timers start only once a recovery is over, so the checks run in a future of
    the app's own (:meth:`start`), which the app cancels when it stops. Ending the
    recovery calls ``Recovery._set_recovery_ended``, as the upstream task does.

    Pinned by ``tests/unit/processor/test_faust_bridge.py::TestRecoveryFinisher::
    test_a_changelog_read_to_its_end_ends_the_recovery_on_the_second_check`` (and its
    class) and ``tests/integration/processor/test_crash_and_rebalance.py::TestRebalance::
    test_two_workers_then_one_stopped_then_restarted_keep_traces_and_lose_nothing``.

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
    """Read a kept changelog partition from where the last recovery stopped.

    On a revocation the trace tracker puts every key it changed since the last completed
    recovery back to what that recovery left (:meth:`TraceTracker.discard`), so the next
    recovery must replay the changelog from the offset that recovery stopped at.

    Upstream (faust-streaming 0.15.3, ``faust/tables/recovery.py``): ``Recovery`` resumes
    a partition it keeps from its ``active_offsets``, but its ``_slurp_changelogs`` task
    runs ``detect_aborted_tx`` every idle 5 s, also between a rebalance's new highwaters
    (``_build_highwaters``) and the seek to the new offsets (``_seek_offsets``): it
    compares the new highwater with the consumer's position from the earlier assignment,
    finds it past, and moves the offset to the highwater ("Aborted tx until highwater").
    The recovery then reads nothing, and the restored keys stay as they were: in this
    project's rebalance test, 196 traces numbered ``[1, 2, 3, 2, 3]``, their state back to
    the first of three commits.

    :meth:`remember` keeps each active partition's offset when a recovery completes; the
    patched ``_seek_offsets`` lowers the active offsets to it, before the seek and again
    after it (the check can run while the seek is awaited). Reading from an earlier
    offset only applies the same records again, in order, so it is always safe.

    Pinned by ``tests/unit/processor/test_faust_bridge.py::TestReplayFloor::
    test_an_offset_moved_to_the_highwater_before_the_seek_goes_back_to_the_floor`` (and
    its class) and ``tests/integration/processor/test_crash_and_rebalance.py::
    TestRebalance::test_two_workers_then_one_stopped_then_restarted_keep_traces_and_lose_nothing``.

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
        if getattr(recovery, _MARK_REPLAY_FLOOR, False):
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
        setattr(recovery, _MARK_REPLAY_FLOOR, True)

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
