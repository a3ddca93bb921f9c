"""FetchWatchdog: dropped partitions are resumed, stalled ones sought to their commit."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from faust.types import TP

from auditstream.processor.watchdog import STALL_CHECKS, FetchWatchdog

RAW = "raw"


class _Consumer:
    def __init__(
        self,
        assigned: set[TP],
        active: set[TP],
        paused: set[TP],
        *,
        ends: dict[TP, int] | None = None,
        committed: dict[TP, int] | None = None,
    ) -> None:
        self._assigned = assigned
        self._active_partitions = active
        self._paused_partitions = paused
        self._buffered_partitions: set[TP] = set()
        self._committed_offset = committed or {}
        self.ends = ends or {}
        self.seeks: list[tuple[TP, int]] = []

    async def highwaters(self, *tps: TP) -> dict[TP, int]:
        return {tp: self.ends[tp] for tp in tps if tp in self.ends}

    async def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))

    def assignment(self) -> set[TP]:
        return self._assigned

    def resume_partitions(self, tps: set[TP]) -> None:
        self._active_partitions |= tps
        self._paused_partitions -= tps


def _app(consumer: _Consumer, *, rebalancing: bool = False, in_recovery: bool = False) -> Any:
    return SimpleNamespace(consumer=consumer, rebalancing=rebalancing, in_recovery=in_recovery)


class TestPausedPartitionWatchdog:
    def test_a_partition_paused_on_two_checks_is_resumed(self) -> None:
        """The first sighting is only a suspicion; the second resumes it."""
        p0, p1 = TP(RAW, 0), TP(RAW, 1)
        consumer = _Consumer({p0, p1, TP("changelog", 0)}, active={p1}, paused={p0})
        watchdog = FetchWatchdog(_app(consumer), RAW, lambda _p: None)
        assert _run(watchdog) == set()
        assert _run(watchdog) == {p0}
        assert p0 in consumer._active_partitions
        assert p0 not in consumer._paused_partitions

    def test_nothing_is_touched_during_a_rebalance_or_recovery(self) -> None:
        """Faust pauses partitions on purpose while it rebalances or recovers tables."""
        p0 = TP(RAW, 0)
        for flags in ({"rebalancing": True}, {"in_recovery": True}):
            consumer = _Consumer({p0}, active=set(), paused={p0})
            watchdog = FetchWatchdog(_app(consumer, **flags), RAW, lambda _p: None)
            assert _run(watchdog) == set()
            assert _run(watchdog) == set()
            assert p0 in consumer._paused_partitions

    def test_a_partition_that_recovers_between_checks_is_left_alone(self) -> None:
        """A short pause (Faust resumed it itself) is not acted on."""
        p0 = TP(RAW, 0)
        consumer = _Consumer({p0}, active=set(), paused={p0})
        watchdog = FetchWatchdog(_app(consumer), RAW, lambda _p: None)
        _run(watchdog)
        consumer.resume_partitions({p0})
        assert _run(watchdog) == set()

    def test_a_partition_without_progress_while_messages_wait_is_sought_to_its_commit(
        self,
    ) -> None:
        """Messages past the committed offset and no commit for STALL_CHECKS checks."""
        p0, p1 = TP(RAW, 0), TP(RAW, 1)
        consumer = _Consumer(
            {p0, p1},
            active={p0, p1},
            paused=set(),
            ends={p0: 50, p1: 20},
            committed={p0: 10, p1: 20},
        )
        processed = {0: 14, 1: 19}
        watchdog = FetchWatchdog(_app(consumer), RAW, processed.get)
        for _ in range(STALL_CHECKS - 1):
            assert _run(watchdog) == set()
        assert _run(watchdog) == {p0}
        assert consumer.seeks == [(p0, 10)]  # p1 has nothing waiting

    def test_progress_resets_the_stall_count(self) -> None:
        """A partition that moves, however slowly, is never sought."""
        p0 = TP(RAW, 0)
        consumer = _Consumer({p0}, active={p0}, paused=set(), ends={p0: 50}, committed={p0: 0})
        watchdog = FetchWatchdog(_app(consumer), RAW, lambda _p: None)
        for offset in range(1, STALL_CHECKS * 2):
            consumer._committed_offset[p0] = offset
            assert _run(watchdog) == set()
        assert consumer.seeks == []


def _run(watchdog: FetchWatchdog) -> set[TP]:
    return asyncio.run(watchdog.check())
