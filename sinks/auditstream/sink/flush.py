"""Turn one partition's batch into archive objects: decode, group, encode, write once.

A batch is decoded into one Arrow table (see :mod:`auditstream.sink.columns`), then split
by Hive partition ``(tenant, dt, hour)`` of each event; each group becomes one Parquet
object named by its own first and last offsets. The result lists every object with its
hash, size, record count and time range, and every record that did not decode: what a
manifest of the flush needs, and what the DLQ gets. No Kafka here; the worker sends the
dead letters and commits offsets after :meth:`PartitionFlusher.flush` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import pyarrow as pa

from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.writer import ArchiveWriter, StoredObject, encode_parquet
from auditstream.sink.batcher import PartitionBatch, PartitionId
from auditstream.sink.decoding import BatchDecoder, RejectedRecord

# Microseconds per hour. Events are grouped by (tenant id, hour since the epoch), which
# names the same groups as their PartitionPath (tenant encoding is one-to-one, and the
# hour since the epoch fixes both the UTC day and hour), so each group's path is built
# once instead of once per event.
_HOUR_US = 3_600_000_000


@dataclass(frozen=True, slots=True)
class PlannedObject:
    """One object a flush will write.

    Attributes:
        key: The key's fields (partition path and offsets).
        rows: The events, in offset order.
        min_timestamp: Earliest event ``timestamp`` among the rows (microseconds).
        max_timestamp: Latest event ``timestamp`` among the rows (microseconds).
    """

    key: ObjectKey
    rows: pa.Table
    min_timestamp: int
    max_timestamp: int


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
        records: Number of records archived (in ``objects``).
        objects: The objects, in key order.
        rejected: The batch's records that are not valid AuditEvents, in offset order:
            not archived; the worker sends them to the DLQ before the manifest names them.
    """

    pid: PartitionId
    first_offset: int
    last_offset: int
    records: int
    objects: tuple[WrittenObject, ...]
    rejected: tuple[RejectedRecord, ...] = ()

    @property
    def next_offset(self) -> int:
        """The offset to commit: the one after the batch's last record."""
        return self.last_offset + 1


def plan_objects(partition: int, offsets: Sequence[int], table: pa.Table) -> list[PlannedObject]:
    """Split a decoded batch into one object per Hive partition, named by its offsets.

    Args:
        partition: The Kafka partition of the batch.
        offsets: The offset of each row of ``table``.
        table: The batch's valid records decoded, one row per record in offset order.

    Returns:
        The planned objects, sorted by partition path (none for an empty table).
    """
    actor = cast("pa.StructArray", table.column("actor").combine_chunks())
    tenants: list[str | None] = actor.field("tenant_id").to_pylist()
    # A required field: no nulls.
    stamps = cast("list[int]", table.column("timestamp").cast(pa.int64()).to_pylist())
    groups: dict[tuple[str | None, int], list[int]] = {}
    for index, (tenant, stamp) in enumerate(zip(tenants, stamps, strict=True)):
        # None and "" both mean "no tenant" (PartitionPath.of_event files them together).
        group = (tenant or None, stamp // _HOUR_US)
        members = groups.get(group)
        if members is None:
            groups[group] = [index]
        else:
            members.append(index)
    paths = {
        group: PartitionPath.of_event(
            {"actor": {"tenant_id": group[0]}, "timestamp": stamps[members[0]]}
        )
        for group, members in groups.items()
    }
    planned = []
    for group in sorted(groups, key=paths.__getitem__):
        members = groups[group]
        key = ObjectKey(
            path=paths[group],
            partition=partition,
            first_offset=offsets[members[0]],
            last_offset=offsets[members[-1]],
        )
        rows = table if len(groups) == 1 else table.take(members)
        times = [stamps[index] for index in members]
        planned.append(PlannedObject(key, rows, min(times), max(times)))
    return planned


class PartitionFlusher:
    """Writes partition batches into the archive.

    Args:
        writer: The archive writer.
        prefix: ``S3Settings.prefix``.
        retention_days: Object Lock retention, counted from the flush.
        clock: Returns the current aware UTC time (``datetime.now(UTC)`` unless testing).
        decoder: Decodes batches; one with the codec's default field limit when None.
    """

    __slots__ = ("_clock", "_decoder", "_prefix", "_retention", "_writer")

    def __init__(
        self,
        writer: ArchiveWriter,
        *,
        prefix: str,
        retention_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        decoder: BatchDecoder | None = None,
    ) -> None:
        self._writer = writer
        self._prefix = prefix
        self._retention = timedelta(days=retention_days)
        self._clock = clock
        self._decoder = decoder or BatchDecoder()

    def flush(self, batch: PartitionBatch) -> FlushResult:
        """Write every object of a batch; return only when all of them are stored.

        Steps: 1. decode the batch; 2. plan one object per Hive partition; 3. encode
        each as Parquet; 4. put each write-once. Records that do not decode are left
        out of the objects and listed in the result. A retry of a partly written batch
        finds its earlier objects by checksum and counts them as stored.

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
        # 1. Decode the whole batch into one table.
        pid = batch.pid
        decoded = self._decoder.decode(batch.payloads, offsets=batch.offsets, topic=pid.topic)
        retain_until = self._clock() + self._retention
        written = []
        # 2. Plan one object per (tenant, dt, hour).
        for planned in plan_objects(pid.partition, decoded.offsets, decoded.table):
            # 3. Encode as Parquet.
            data = encode_parquet(planned.rows)
            # 4. Put write-once.
            stored = self._writer.put_idempotent(
                planned.key.render(self._prefix), data, retain_until=retain_until
            )
            written.append(
                WrittenObject(
                    key=planned.key,
                    stored=stored,
                    records=planned.rows.num_rows,
                    min_timestamp=planned.min_timestamp,
                    max_timestamp=planned.max_timestamp,
                )
            )
        return FlushResult(
            pid=batch.pid,
            first_offset=batch.first_offset,
            last_offset=batch.last_offset,
            records=decoded.table.num_rows,
            objects=tuple(written),
            rejected=decoded.rejected,
        )
