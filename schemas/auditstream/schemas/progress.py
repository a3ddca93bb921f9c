"""Tell a worker that owns partitions but makes no progress on them: a stall.

A worker can look healthy (assigned, connected, its loop turning) and still move nothing:
a fetch that stopped, an analysis child that hangs, a flush that never completes. The
group does not notice, since the consumer still heartbeats, so the partitions wait for
good. Readiness should: each stage reports, for every partition it owns, how far it has
committed and how many messages wait beyond that, and :class:`StallDetector` names the
partitions with messages waiting and no commit for longer than a threshold. Both stages
feed it from state they already keep (the processor from its Faust consumer, the sink
from librdkafka's statistics); nothing here calls the broker. Pure data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from auditstream.schemas.health import Readiness

PROGRESS = "progress"
"""The readiness check both stages report."""

# A minute: the processor commits every second under load and a batch takes seconds, the
# sink archives a batch within seconds of its first record, and a table recovery of a
# large changelog, during which nothing commits, takes tens of seconds.
DEFAULT_STALL_THRESHOLD_S = 60.0


@dataclass(frozen=True, slots=True)
class Stall:
    """A partition with messages waiting and no commit for too long.

    Attributes:
        partition: The partition.
        waiting: Messages beyond the committed offset (at the last observation).
        idle_s: Seconds since its committed offset last moved (or nothing waited).
    """

    partition: int
    waiting: int
    idle_s: float

    def describe(self) -> str:
        """One line for ``/readyz``: which partition, how much waits, for how long."""
        return (
            f"partition {self.partition}: {self.waiting} message(s) waiting, "
            f"no commit for {self.idle_s:.0f} s"
        )


class StallDetector:
    """Track commit progress per owned partition and name the stalled ones.

    A partition makes progress when its committed offset moves, and cannot stall while
    nothing waits beyond it; its idle time counts from the first observation with
    messages waiting since either. A partition no longer owned is forgotten, and one
    newly owned starts its clock then.

    Args:
        stall_after_s: How long a partition may wait with messages and no commit.
        clock: Monotonic clock (tests pass a fake one).
    """

    __slots__ = ("_clock", "_since", "stall_after_s")

    def __init__(
        self, stall_after_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stall_after_s = stall_after_s
        self._clock = clock
        # partition -> (committed offset last seen, since when it stood with messages
        # waiting); a partition with nothing waiting has no entry
        self._since: dict[int, tuple[int | None, float]] = {}

    def observe(self, owned: Mapping[int, tuple[int | None, int]]) -> list[Stall]:
        """Record one observation of every owned partition; return the stalled ones.

        Args:
            owned: Partition -> (committed offset or None when unknown, messages
                waiting beyond it). Every partition the worker owns now, and only those.

        Returns:
            The stalled partitions, by partition number.
        """
        now = self._clock()
        for partition in set(self._since) - set(owned):
            del self._since[partition]  # no longer owned: a new owner starts afresh
        stalls = []
        for partition, (committed, waiting) in sorted(owned.items()):
            seen = self._since.get(partition)
            if waiting <= 0:
                self._since.pop(partition, None)
                continue
            if seen is None or seen[0] != committed:
                self._since[partition] = (committed, now)
                continue
            idle_s = now - seen[1]
            if idle_s > self.stall_after_s:
                stalls.append(Stall(partition, waiting, idle_s))
        return stalls


def report_progress(readiness: Readiness, stalls: list[Stall]) -> None:
    """Report the ``progress`` check: ok, or the stalled partitions as its reason.

    Args:
        readiness: The worker's readiness checks.
        stalls: What :meth:`StallDetector.observe` returned.
    """
    detail = "; ".join(stall.describe() for stall in stalls)
    readiness.report(PROGRESS, ok=not stalls, detail=f"stalled: {detail}" if stalls else "")
