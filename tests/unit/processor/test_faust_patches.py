"""Faust patches: raw offsets commit only over a run of acks from the committed offset, and
a table recovery ends once its changelog is read to the last stable offset, and a kept
changelog partition is read again from where the last recovery stopped."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from faust.types import TP

from auditstream.processor.faust_patches import (
    RecoveryFinisher,
    ReplayFloor,
    commit_only_contiguous_acks,
)

RAW = TP("raw", 0)


def _consumer(acked: list[int], committed: int | None) -> Any:
    consumer = SimpleNamespace(
        _acked=defaultdict(list, {RAW: list(acked)}),
        _acked_index=defaultdict(set, {RAW: set(acked)}),
        _committed_offset={RAW: committed},
        _new_offset=lambda tp: 999,  # Faust's own, used for other topics
    )
    commit_only_contiguous_acks(SimpleNamespace(consumer=consumer), "raw")  # type: ignore[arg-type]
    return consumer


class TestContiguousCommits:
    def test_a_run_from_the_committed_offset_commits_to_its_end(self) -> None:
        """Acked 10..14 after a commit at 10: the next commit is 15."""
        consumer = _consumer([10, 11, 12, 13, 14], committed=10)
        assert consumer._new_offset(RAW) == 15
        assert consumer._acked[RAW] == []

    def test_a_hole_at_the_committed_offset_holds_the_partition(self) -> None:
        """Offset 10 never acked (Faust dropped it): nothing commits, even a one-offset hole."""
        consumer = _consumer([11, 12, 13], committed=10)
        assert consumer._new_offset(RAW) is None
        assert consumer._acked[RAW] == [11, 12, 13]

    def test_a_hole_in_the_middle_stops_the_run_before_it(self) -> None:
        """Acked 10, 11, 13: commit 12, keep 13 for later."""
        consumer = _consumer([10, 11, 13], committed=10)
        assert consumer._new_offset(RAW) == 12
        assert consumer._acked[RAW] == [13]

    def test_other_topics_keep_fausts_rule(self) -> None:
        """Changelogs and other topics go through Faust's own computation."""
        consumer = _consumer([], committed=None)
        assert consumer._new_offset(TP("changelog", 0)) == 999


CHANGELOG = TP("app-traces-changelog", 0)


class _Recovery:
    """The part of Faust's ``Recovery`` the finisher reads and calls."""

    def __init__(self, *, highwater: int, applied: int) -> None:
        self.in_recovery = True
        self.active_highwaters = {CHANGELOG: highwater}
        self.active_offsets = {CHANGELOG: applied}
        self.signal_recovery_end = asyncio.Event()
        self.flushed = 0

    def flush_buffers(self) -> None:
        self.flushed += 1

    def _set_recovery_ended(self) -> None:
        self.in_recovery = False


def _finisher(recovery: _Recovery, *, position: int) -> tuple[RecoveryFinisher, Any]:
    positions = {CHANGELOG: position}

    async def at(tp: TP) -> int:
        return positions[tp]

    flow = SimpleNamespace(active=True)
    app = SimpleNamespace(
        tables=SimpleNamespace(recovery=recovery, changelog_queue=asyncio.Queue()),
        consumer=SimpleNamespace(position=at, positions=positions),
        rebalancing=True,  # Faust keeps it set until the recovery is over
        flow_control=SimpleNamespace(is_active=lambda: flow.active),
        flow=flow,
    )
    return RecoveryFinisher(app), app  # type: ignore[arg-type]


def _check(finisher: RecoveryFinisher) -> set[TP]:
    return asyncio.run(finisher.check())


class TestRecoveryFinisher:
    """Faust keeps highwater = last stable offset - 1; the record there is a marker."""

    def test_a_changelog_read_to_its_end_ends_the_recovery_on_the_second_check(
        self,
    ) -> None:
        """Applied 41, highwater 42, the consumer at 43: still on two checks, then done."""
        recovery = _Recovery(highwater=42, applied=41)
        finisher, _ = _finisher(recovery, position=43)
        assert _check(finisher) == set()
        assert recovery.in_recovery
        assert _check(finisher) == {CHANGELOG}
        assert recovery.active_offsets[CHANGELOG] == 42
        assert (recovery.in_recovery, recovery.flushed) == (False, 1)
        assert recovery.signal_recovery_end.is_set()

    def test_a_consumer_short_of_the_last_stable_offset_holds_it(self) -> None:
        """Position 42 of 43: a record may still come; Faust's own rule decides later."""
        recovery = _Recovery(highwater=42, applied=41)
        finisher, _ = _finisher(recovery, position=42)
        for _ in range(3):
            assert _check(finisher) == set()
        assert recovery.in_recovery
        assert recovery.active_offsets[CHANGELOG] == 41

    def test_a_record_waiting_in_the_changelog_queue_holds_it(self) -> None:
        """Delivered but not applied yet: the queue is not empty."""
        recovery = _Recovery(highwater=42, applied=40)
        finisher, app = _finisher(recovery, position=43)
        app.tables.changelog_queue.put_nowait(object())
        for _ in range(3):
            assert _check(finisher) == set()
        assert recovery.in_recovery

    def test_an_applied_offset_that_moves_starts_the_count_again(self) -> None:
        """Applied 30, then 35: the second check sees movement, the third ends it."""
        recovery = _Recovery(highwater=42, applied=30)
        finisher, _ = _finisher(recovery, position=43)
        assert _check(finisher) == set()
        recovery.active_offsets[CHANGELOG] = 35
        assert _check(finisher) == set()
        assert _check(finisher) == {CHANGELOG}

    def test_outside_a_recovery_it_does_nothing(self) -> None:
        """A finished recovery is left alone."""
        recovery = _Recovery(highwater=42, applied=41)
        recovery.in_recovery = False
        finisher, _ = _finisher(recovery, position=43)
        assert _check(finisher) == set()
        assert _check(finisher) == set()
        assert recovery.active_offsets[CHANGELOG] == 41
        assert not recovery.signal_recovery_end.is_set()

    def test_a_record_applied_while_the_position_is_asked_holds_it(self) -> None:
        """The position call yields to the loop; a record applied meanwhile counts as movement."""
        recovery = _Recovery(highwater=42, applied=40)
        finisher, app = _finisher(recovery, position=43)
        assert _check(finisher) == set()

        async def applying(tp: TP) -> int:
            recovery.active_offsets[tp] += 1
            return 43

        app.consumer.position = applying
        assert _check(finisher) == set()
        assert recovery.in_recovery

    def test_before_faust_resumes_the_flow_it_does_nothing(self) -> None:
        """Recovery marked started, the seek not done yet: positions may be stale."""
        recovery = _Recovery(highwater=42, applied=41)
        finisher, app = _finisher(recovery, position=43)
        app.flow.active = False
        assert _check(finisher) == set()
        assert _check(finisher) == set()
        app.flow.active = True
        assert _check(finisher) == set()  # the count starts after the resume
        assert _check(finisher) == {CHANGELOG}


class _SeekingRecovery:
    """Faust's ``Recovery`` as the replay floor sees it: offsets, and a seek to them."""

    def __init__(self, active: dict[TP, int]) -> None:
        self.active_tps = set(active)
        self.active_offsets: dict[TP, int | None] = dict(active)
        self.standby_offsets: dict[TP, int | None] = {}
        self.sought: dict[TP, int | None] = {}
        self.during_seek: dict[TP, int] = {}  # what Faust's idle check writes meanwhile

    async def _seek_offsets(
        self, consumer: Any, tps: set[TP], offsets: dict[TP, int | None], title: str
    ) -> None:
        self.sought = {tp: offsets[tp] for tp in tps}
        offsets.update(self.during_seek)


def _floor(recovery: _SeekingRecovery) -> ReplayFloor:
    floor = ReplayFloor(SimpleNamespace(tables=SimpleNamespace(recovery=recovery)))  # type: ignore[arg-type]
    floor.install()
    return floor


def _recovered_to(offset: int) -> _SeekingRecovery:
    """A recovery that completed with the changelog partition read to ``offset``."""
    recovery = _SeekingRecovery({CHANGELOG: offset})
    _floor(recovery).remember()
    return recovery


def _seek(recovery: _SeekingRecovery, offsets: dict[TP, int | None]) -> None:
    asyncio.run(recovery._seek_offsets(None, set(offsets), offsets, "active"))


OTHER = TP("app-traces-changelog", 1)


class TestReplayFloor:
    def test_an_offset_moved_to_the_highwater_before_the_seek_goes_back_to_the_floor(
        self,
    ) -> None:
        """Recovered to 103; Faust's idle check then set 307: the replay starts at 103."""
        recovery = _recovered_to(103)
        recovery.active_offsets[CHANGELOG] = 307
        _seek(recovery, recovery.active_offsets)
        assert recovery.sought == {CHANGELOG: 103}
        assert recovery.active_offsets[CHANGELOG] == 103

    def test_an_offset_moved_while_the_seek_is_awaited_goes_back_too(self) -> None:
        recovery = _recovered_to(103)
        recovery.during_seek = {CHANGELOG: 307}
        _seek(recovery, recovery.active_offsets)
        assert recovery.active_offsets[CHANGELOG] == 103

    def test_an_earlier_offset_is_kept(self) -> None:
        """A partition new to this worker reads from the start (-1) whatever its old floor."""
        recovery = _recovered_to(103)
        recovery.active_offsets[CHANGELOG] = -1
        _seek(recovery, recovery.active_offsets)
        assert recovery.sought == {CHANGELOG: -1}

    def test_only_partitions_active_at_the_last_recovery_have_a_floor(self) -> None:
        recovery = _SeekingRecovery({CHANGELOG: 103})
        recovery.active_offsets[OTHER] = 50  # kept from an earlier assignment, not active now
        floor = _floor(recovery)
        floor.remember()
        recovery.active_tps.add(OTHER)
        recovery.active_offsets[OTHER] = 90
        _seek(recovery, recovery.active_offsets)
        assert recovery.sought == {CHANGELOG: 103, OTHER: 90}

    def test_standby_seeks_are_left_alone(self) -> None:
        recovery = _recovered_to(103)
        recovery.standby_offsets[CHANGELOG] = 307
        _seek(recovery, recovery.standby_offsets)
        assert recovery.sought == {CHANGELOG: 307}

    def test_installing_twice_wraps_once(self) -> None:
        recovery = _SeekingRecovery({CHANGELOG: 103})
        floor = _floor(recovery)
        seek = recovery._seek_offsets
        floor.install()
        assert recovery._seek_offsets is seek
