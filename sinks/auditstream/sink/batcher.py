"""Per-partition batches of encoded records and the rules that say when to flush them.

One :class:`PartitionBatch` per assigned ``(topic, partition)``, as quix-streams keeps one
``SinkBatch`` per partition: offsets inside a batch are contiguous in consumption order,
so committing ``last_offset + 1`` after a flush covers exactly the flushed records.
Batches hold the records' values as the topic has them; the flush decodes a whole batch
at once (see :mod:`auditstream.sink.columns`). Pure logic: no Kafka, no S3, and the
clock is injectable for tests.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from auditstream.sink.settings import SinkSection


class FlushReason(enum.StrEnum):
    """Why a batch is flushed; logged with every flush."""

    RECORDS = "records"
    BYTES = "bytes"
    AGE = "age"
    REVOKE = "revoke"
    SHUTDOWN = "shutdown"


@dataclass(frozen=True, slots=True)
class FlushPolicy:
    """When a partition's batch is flushed: whichever limit is reached first.

    Attributes:
        max_records: Flush at this many records.
        max_bytes: Flush at this many bytes of encoded events.
        max_age_s: Flush this many seconds after the batch's first record.
    """

    max_records: int
    max_bytes: int
    max_age_s: float

    @classmethod
    def from_settings(cls, section: SinkSection) -> FlushPolicy:
        """Return the policy the sink's settings configure.

        Args:
            section: The ``sink`` section of the settings.
        """
        return cls(section.max_records, section.max_bytes, section.max_age_s)


class PartitionId(NamedTuple):
    """A Kafka topic partition.

    A named tuple rather than a dataclass: the worker looks partitions up in dicts
    several times per record, and a tuple hashes and compares in C.

    Attributes:
        topic: The topic name.
        partition: The partition number.
    """

    topic: str
    partition: int


class PartitionBatch:
    """The records of one partition waiting to be archived, in offset order.

    Args:
        pid: The partition.
        started_at: Clock reading when the first record arrived.
    """

    __slots__ = ("_offsets", "_payloads", "pid", "size_bytes", "started_at")

    def __init__(self, pid: PartitionId, started_at: float) -> None:
        self.pid = pid
        self.started_at = started_at
        self.size_bytes = 0
        self._offsets: list[int] = []
        self._payloads: list[bytes | None] = []

    def __len__(self) -> int:
        return len(self._offsets)

    def add(self, offset: int, payload: bytes | None) -> None:
        """Append one record.

        Args:
            offset: The record's offset, greater than every offset already in the batch.
            payload: The record's value as the topic holds it (None for a tombstone).
        """
        self._offsets.append(offset)
        self._payloads.append(payload)
        self.size_bytes += len(payload or b"")

    @property
    def first_offset(self) -> int:
        """Offset of the first record."""
        return self._offsets[0]

    @property
    def last_offset(self) -> int:
        """Offset of the last record."""
        return self._offsets[-1]

    @property
    def offsets(self) -> Sequence[int]:
        """The records' offsets, in order (a view: do not change it)."""
        return self._offsets

    @property
    def payloads(self) -> Sequence[bytes | None]:
        """The records' values, in offset order (a view: do not change it)."""
        return self._payloads


class Batcher:
    """Keeps one batch per partition and applies the flush policy.

    Args:
        policy: The flush limits.
        clock: Monotonic clock in seconds (``time.monotonic`` unless testing).
    """

    __slots__ = ("_batches", "_clock", "_policy")

    def __init__(self, policy: FlushPolicy, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._batches: dict[PartitionId, PartitionBatch] = {}

    def add(self, pid: PartitionId, offset: int, payload: bytes | None) -> FlushReason | None:
        """Add a record to its partition's batch.

        Args:
            pid: The record's partition.
            offset: The record's offset.
            payload: The record's value as the topic holds it.

        Returns:
            ``RECORDS`` or ``BYTES`` when the batch has reached that limit and should be
            flushed before more records are added; None otherwise.
        """
        batch = self._batches.get(pid)
        if batch is None:
            batch = self._batches[pid] = PartitionBatch(pid, self._clock())
        batch.add(offset, payload)
        return self._size_reason(batch)

    def due(self) -> list[tuple[PartitionId, FlushReason]]:
        """Return the partitions whose batches should be flushed now, with the reason."""
        now = self._clock()
        found = []
        for pid, batch in sorted(self._batches.items()):
            reason = self._size_reason(batch)
            if reason is None and now - batch.started_at >= self._policy.max_age_s:
                reason = FlushReason.AGE
            if reason is not None:
                found.append((pid, reason))
        return found

    def seconds_until_due(self, *, exclude: Collection[PartitionId] = ()) -> float | None:
        """Return how long until the oldest batch reaches its age limit (0 if it has).

        Args:
            exclude: Partitions to leave out (paused ones wait for their retry instead).

        Returns:
            Seconds, or None when no other batch holds records.
        """
        starts = [b.started_at for pid, b in self._batches.items() if pid not in exclude]
        if not starts:
            return None
        return max(0.0, min(starts) + self._policy.max_age_s - self._clock())

    def get(self, pid: PartitionId) -> PartitionBatch | None:
        """Return a partition's batch, or None when it holds no records.

        Args:
            pid: The partition.
        """
        return self._batches.get(pid)

    def remove(self, pid: PartitionId) -> PartitionBatch | None:
        """Forget a partition's batch (after it was flushed, or when the partition is lost).

        Args:
            pid: The partition.

        Returns:
            The batch that was removed, if there was one.
        """
        return self._batches.pop(pid, None)

    def partitions(self) -> list[PartitionId]:
        """Return the partitions that hold a batch, sorted."""
        return sorted(self._batches)

    def _size_reason(self, batch: PartitionBatch) -> FlushReason | None:
        if len(batch) >= self._policy.max_records:
            return FlushReason.RECORDS
        if batch.size_bytes >= self._policy.max_bytes:
            return FlushReason.BYTES
        return None
