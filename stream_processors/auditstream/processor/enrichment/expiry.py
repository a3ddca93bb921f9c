"""Which traces of a partition have been idle longest: the trace table's expiry order.

Faust expires keys only in windowed tables, and our trace table is not windowed, so the
agent deletes idle traces itself. This index answers "which traces of partition p are
idle past the TTL" without scanning the table: one insertion-ordered dict per partition,
a touched trace moves to the end, so the stale ones sit at the front. It is rebuilt from
the table after recovery. Pure data: no Faust.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable


class ExpiryIndex:
    """Trace keys per partition, least recently seen first."""

    __slots__ = ("_by_partition",)

    def __init__(self) -> None:
        self._by_partition: dict[int, OrderedDict[bytes, int]] = {}

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._by_partition.values())

    def touch(self, partition: int, key: bytes, last_seen_us: int) -> None:
        """Record that a trace was seen now.

        Args:
            partition: The trace's partition.
            key: The table key (trace id).
            last_seen_us: When it was seen, microseconds since the epoch.
        """
        keys = self._by_partition.setdefault(partition, OrderedDict())
        keys[key] = last_seen_us
        keys.move_to_end(key)

    def pop_expired(self, partition: int, *, now_us: int, ttl_us: int, limit: int) -> list[bytes]:
        """Remove and return up to ``limit`` traces of a partition idle longer than the TTL.

        Args:
            partition: The partition to look at.
            now_us: Now, microseconds since the epoch.
            ttl_us: Idle time after which a trace expires.
            limit: Most keys to return (bounds the work per batch).

        Returns:
            The expired keys, oldest first.
        """
        keys = self._by_partition.get(partition)
        expired: list[bytes] = []
        while keys and len(expired) < limit:
            key, last_seen = next(iter(keys.items()))
            if now_us - last_seen <= ttl_us:
                break
            del keys[key]
            expired.append(key)
        return expired

    def drop_partitions(self, partitions: Iterable[int]) -> None:
        """Forget partitions this worker no longer owns.

        Args:
            partitions: The revoked partitions.
        """
        for partition in partitions:
            self._by_partition.pop(partition, None)

    def rebuild(self, entries: Iterable[tuple[int, bytes, int]]) -> None:
        """Replace the index with ``(partition, key, last_seen_us)`` entries.

        Args:
            entries: Every trace in the table, in any order.
        """
        self._by_partition.clear()
        for partition, key, last_seen in sorted(entries, key=lambda entry: entry[2]):
            self.touch(partition, key, last_seen)
