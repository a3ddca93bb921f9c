"""Restart fetching of raw partitions that faust-streaming stopped fetching.

Seen in this project's tests and benchmark, after a restart or a rebalance: a worker owns
a raw partition, its table is recovered, the group is stable, the partition has messages
past the committed offset, and the worker fetches nothing from it for minutes (once for
the rest of the run) while its other partitions flow. Faust's own bookkeeping still
counts the partition as active in some of these cases, so the cause lies in the fetch
state below it (Faust drives aiokafka's fetcher directly); it is not pinned down.

Every ``WATCHDOG_INTERVAL_S`` this check looks at the raw partitions the worker owns,
while no rebalance and no recovery runs:

1. a partition outside Faust's fetch set (paused or dropped) on two checks in a row is
   resumed;
2. a partition with messages past its committed offset, and no commit progress over
   ``STALL_CHECKS`` checks in a row, is sought to its committed offset, which resets the
   fetch state for it and delivers again what Faust skipped. Messages already processed
   come again too and are skipped by :class:`DeliveryGuard`, so this never processes a
   message twice.

The second kind was seen as a commit stall: the restarted worker processed a partition to
its end, but Faust's stream had dropped a run of messages that arrived while its flow
control was still suspended after recovery, and the offsets waited on them for good. The
hole no longer lets the commit pass it (:func:`faust_bridge.commit_only_contiguous_acks`),
so the partition waits for this seek.

Both report a WARNING naming the partitions. Faust's fetch set and committed offsets are
read through :mod:`auditstream.processor.faust_bridge`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import faust
import structlog
from faust.types import TP

from auditstream.processor.faust_bridge import (
    committed_offsets,
    outside_fetch_set,
    resume_fetching,
)

log = structlog.get_logger(__name__)

# Every 5 s, and three checks (15 s) without a commit while messages wait: a busy worker
# commits every partition it works on each commit interval (1 s by default) and a batch
# takes a few seconds at most, a stalled partition never commits. Short, because while a
# hole holds a partition's offsets back its outputs still commit, and a crash then makes
# the next owner redo them (trace-table duplicates catch redacted events, dead letters
# would be written again).
WATCHDOG_INTERVAL_S = 5.0
STALL_CHECKS = 3


class FetchWatchdog:
    """Find raw partitions that stopped being fetched, and restart them.

    Args:
        app: The Faust app.
        raw: The raw topic.
        processed: Highest offset processed for a partition in this assignment, or None
            (kept for diagnostics in the warning).
    """

    __slots__ = ("_app", "_processed", "_progress", "_raw", "_suspects")

    def __init__(self, app: faust.App, raw: str, processed: Callable[[int], int | None]) -> None:
        self._app = app
        self._raw = raw
        self._processed = processed
        self._suspects: set[TP] = set()
        # partition -> (next offset to process, consecutive checks without progress)
        self._progress: dict[TP, tuple[int, int]] = {}

    async def check(self) -> set[TP]:
        """Run one check (steps 1 and 2 of the module docstring).

        Returns:
            The partitions resumed or sought by this check.
        """
        app: Any = self._app
        if app.rebalancing or app.in_recovery:
            self._suspects.clear()
            self._progress.clear()
            return set()
        consumer: Any = app.consumer
        owned = {tp for tp in consumer.assignment() if tp.topic == self._raw}
        acted = self._resume_dropped(consumer, owned)
        stalled = await self._find_stalled(consumer, owned - acted)
        for tp in stalled:
            committed = committed_offsets(consumer).get(tp) or 0
            await consumer.seek(tp, committed)
            self._progress.pop(tp, None)
        if stalled:
            log.warning(
                "raw_partitions_refetched",
                partitions=sorted(tp.partition for tp in stalled),
                processed_up_to=[self._processed(tp.partition) for tp in sorted(stalled)],
                consequence="no commit for 15 s with messages waiting; sought to committed",
            )
        return acted | stalled

    def _resume_dropped(self, consumer: Any, owned: set[TP]) -> set[TP]:
        out = outside_fetch_set(consumer, owned)
        resumed = out & self._suspects
        self._suspects = out - resumed
        if resumed:
            log.warning(
                "raw_partitions_resumed",
                partitions=sorted(tp.partition for tp in resumed),
                consequence="Faust left them out of the fetch set after a rebalance",
            )
            resume_fetching(consumer, resumed)
        return resumed

    async def _find_stalled(self, consumer: Any, owned: set[TP]) -> set[TP]:
        if not owned:
            return set()
        ends: dict[TP, int] = dict(await consumer.highwaters(*owned))
        stalled = set()
        for tp in owned:
            # Progress is the committed offset: it stops both when nothing is fetched and
            # when Faust skipped messages that never come back (its offsets then wait on
            # a hole that nothing will ack).
            position = committed_offsets(consumer).get(tp) or 0
            end = ends.get(tp)
            if end is None or end <= position:
                self._progress.pop(tp, None)
                continue
            before, checks = self._progress.get(tp, (-1, 0))
            checks = checks + 1 if before == position else 1
            self._progress[tp] = (position, checks)
            if checks >= STALL_CHECKS:
                stalled.add(tp)
        return stalled
