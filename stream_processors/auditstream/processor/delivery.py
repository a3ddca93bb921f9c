"""Drop a source message delivered twice to the agent within one assignment.

faust-streaming 0.15.3 resumes the source partitions before it seeks them to the
committed offsets at the end of a recovery (``Recovery._resume_streams``), and its fetch
loop passes on any message whose offset is at least the read offset. Messages fetched in
between are therefore delivered twice (seen in the SIGKILL test: one offset twice in one
batch). Their outputs would go out twice, so the agent asks this guard first. Some of the
first copies may never reach the agent (Faust's stream skips messages that arrive while
its flow control is still suspended), so the guard must know exactly which offsets were
processed, not only the highest: a second copy of a skipped message is processed.

The guard remembers, per partition, the offsets processed since the partition was
assigned and not yet committed, and the committed offset itself: a message below it was
processed and its outputs committed in this assignment, so a copy of it is always a
redelivery (:meth:`DeliveryGuard.committed` forgets the offsets below it and keeps the
floor). Such copies do come: during a broker failover the fetch watchdog seeks a
partition whose commits stalled back to its committed offset, and the fetch that was
still in flight from before the seek delivers the same messages again after a commit has
moved past them (seen in ``tests/e2e/test_broker_failover.py``: dead letters written
twice). On revocation the partition is forgotten: after a rebalance Faust seeks to the
committed offset on purpose (the open transaction was aborted), and those messages must
be processed again. Pure data: no Faust.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DeliveryGuard:
    """Offsets processed per partition within the current assignment, not yet committed."""

    __slots__ = ("_floor", "_highest", "_processed")

    def __init__(self) -> None:
        self._processed: dict[int, set[int]] = {}
        self._highest: dict[int, int] = {}
        # Committed offset per partition in this assignment: everything below is done.
        self._floor: dict[int, int] = {}

    def is_redelivery(self, partition: int, offset: int) -> bool:
        """Tell whether this message was already processed in this assignment.

        Args:
            partition: Source partition.
            offset: Source offset.

        Returns:
            True when the message must be skipped.
        """
        return offset < self._floor.get(partition, 0) or offset in self._processed.get(
            partition, ()
        )

    def processed(self, partition: int, offset: int) -> None:
        """Record that a message was processed.

        Args:
            partition: Source partition.
            offset: Source offset.
        """
        self._processed.setdefault(partition, set()).add(offset)
        if offset > self._highest.get(partition, -1):
            self._highest[partition] = offset

    def highest(self, partition: int) -> int | None:
        """Return the highest offset processed in this assignment, or None.

        Args:
            partition: Source partition.

        Returns:
            The offset, or None when nothing was processed since the assignment.
        """
        return self._highest.get(partition)

    def committed(self, next_offsets: Mapping[int, int]) -> None:
        """Remember the committed offsets as floors; forget the offsets below them.

        Args:
            next_offsets: Source partition to its committed offset (the next to read).
        """
        for partition, next_offset in next_offsets.items():
            self._floor[partition] = max(self._floor.get(partition, 0), next_offset)
            offsets = self._processed.get(partition)
            if offsets:
                self._processed[partition] = {o for o in offsets if o >= next_offset}

    def forget(self, partitions: Iterable[int]) -> None:
        """Forget partitions on revocation, so a seek back is processed again.

        Args:
            partitions: The revoked partitions.
        """
        for partition in partitions:
            self._processed.pop(partition, None)
            self._highest.pop(partition, None)
            self._floor.pop(partition, None)
