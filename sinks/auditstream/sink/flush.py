"""Turn one partition's batch into archive objects: group, encode, write once.

A batch is split by Hive partition ``(tenant, dt, hour)`` of each event; each group
becomes one Parquet object named by its own first and last offsets. The result lists
every object with its hash, size, record count and time range: what a manifest of the
flush needs. No Kafka here; the worker commits offsets after :meth:`PartitionFlusher.flush`
returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from auditstream.schemas.model import AuditEvent
from auditstream.sink.archive.arrow_schema import events_to_table
from auditstream.sink.archive.layout import ObjectKey, PartitionPath
from auditstream.sink.archive.writer import ArchiveWriter, StoredObject, encode_parquet
from auditstream.sink.batcher import PartitionBatch, PartitionId


@dataclass(frozen=True, slots=True)
class PlannedObject:
    """One object a flush will write.

    Attributes:
        key: The key's fields (partition path and offsets).
        events: The events, in offset order.
    """

    key: ObjectKey
    events: tuple[AuditEvent, ...]


@dataclass(frozen=True, slots=True)
class WrittenObject:
    """One object a flush wrote (or found already written with the same bytes).

    Attributes:
        key: The key's fields.
        stored: What the store holds: full key, size, SHA-256, version, retention.
        records: Number of events in the object.
        min_timestamp: Earliest event ``timestamp`` in the object (microseconds).
        max_timestamp: Latest event ``timestamp`` in the object (microseconds).
    """

    key: ObjectKey
    stored: StoredObject
    records: int
    min_timestamp: int
    max_timestamp: int


@dataclass(frozen=True, slots=True)
class FlushResult:
    """Everything one flush of one partition put into the archive.

    Attributes:
        pid: The partition.
        first_offset: Offset of the batch's first record.
        last_offset: Offset of the batch's last record.
        records: Number of records flushed.
        objects: The objects, in key order.
    """

    pid: PartitionId
    first_offset: int
    last_offset: int
    records: int
    objects: tuple[WrittenObject, ...]

    @property
    def next_offset(self) -> int:
        """The offset to commit: the one after the batch's last record."""
        return self.last_offset + 1


def plan_objects(batch: PartitionBatch) -> list[PlannedObject]:
    """Split a batch into one object per Hive partition, named by its offsets.

    Args:
        batch: A non-empty partition batch.

    Returns:
        The planned objects, sorted by partition path.
    """
    groups: dict[PartitionPath, list[tuple[int, AuditEvent]]] = {}
    for offset, event in batch.records():
        groups.setdefault(PartitionPath.of_event(event), []).append((offset, event))
    planned = []
    for path in sorted(groups):
        records = groups[path]
        key = ObjectKey(
            path=path,
            partition=batch.pid.partition,
            first_offset=records[0][0],
            last_offset=records[-1][0],
        )
        planned.append(PlannedObject(key, tuple(event for _, event in records)))
    return planned


class PartitionFlusher:
    """Writes partition batches into the archive.

    Args:
        writer: The archive writer.
        prefix: ``S3Settings.prefix``.
        retention_days: Object Lock retention, counted from the flush.
        clock: Returns the current aware UTC time (``datetime.now(UTC)`` unless testing).
    """

    __slots__ = ("_clock", "_prefix", "_retention", "_writer")

    def __init__(
        self,
        writer: ArchiveWriter,
        *,
        prefix: str,
        retention_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._writer = writer
        self._prefix = prefix
        self._retention = timedelta(days=retention_days)
        self._clock = clock

    def flush(self, batch: PartitionBatch) -> FlushResult:
        """Write every object of a batch; return only when all of them are stored.

        Steps: 1. plan one object per Hive partition; 2. encode each as Parquet;
        3. put each write-once. A retry of a partly written batch finds its earlier
        objects by checksum and counts them as stored.

        Args:
            batch: A non-empty partition batch.

        Returns:
            What was written.

        Raises:
            ArchiveEncodeError: Events do not fit the archive schema.
            ArchiveUnavailableError: The store did not answer; nothing may be committed.
            ObjectExistsError: A key holds different bytes than this flush produced.
            ArchiveWriteError: The store refused a write.
        """
        retain_until = self._clock() + self._retention
        written = []
        # 1. Plan one object per (tenant, dt, hour).
        for planned in plan_objects(batch):
            # 2. Encode as Parquet.
            data = encode_parquet(events_to_table(planned.events))
            # 3. Put write-once.
            stored = self._writer.put_idempotent(
                planned.key.render(self._prefix), data, retain_until=retain_until
            )
            timestamps = [event["timestamp"] for event in planned.events]
            written.append(
                WrittenObject(
                    key=planned.key,
                    stored=stored,
                    records=len(planned.events),
                    min_timestamp=min(timestamps),
                    max_timestamp=max(timestamps),
                )
            )
        return FlushResult(
            pid=batch.pid,
            first_offset=batch.first_offset,
            last_offset=batch.last_offset,
            records=len(batch),
            objects=tuple(written),
        )
