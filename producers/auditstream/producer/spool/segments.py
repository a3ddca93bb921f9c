"""The spool's segment files: naming, bookkeeping, reading, recovery after a crash.

A segment is one file of records (:mod:`.records`) named by a sequence number,
``<slot>/00000000000000000042.seg``; sequence order is write order. This module knows
what a segment holds and the values the spool hands out about it (:class:`Appended`,
:class:`Batch`), not what the spool does with it (:mod:`.disk`), and does no Kafka I/O.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from auditstream.producer.spool.records import Damage, SpoolRecord, scan

SEGMENT_SUFFIX = ".seg"


@dataclass(slots=True, eq=False)
class Segment:
    """One segment file and what its records still wait for.

    Compared by identity (``eq=False``): a segment is a file, and two with equal
    counters are still two files.

    Attributes:
        seq: Sequence number (write order).
        path: The file.
        size: Bytes written to it.
        records: Records waiting for the replayer (spooled, or left by a dead process).
        written_ahead: Records written ahead and handed to librdkafka (changed under the
            spool's lock).
        resolved: One byte per delivery report of those records. Delivery reports run
            on librdkafka's polling threads, many thousands a second; appending to a
            bytearray is atomic under the GIL, so they take no lock the emitting threads
            would have to wait for.
        opened_at: ``time.monotonic()`` when this process created it (0 if recovered).
    """

    seq: int
    path: Path
    size: int
    records: int
    written_ahead: int = 0
    resolved: bytearray = field(default_factory=bytearray)
    opened_at: float = 0.0

    @property
    def in_flight(self) -> int:
        """Records written ahead whose delivery report has not arrived yet.

        The segment is kept while any remains, so a process killed meanwhile leaves
        them for the next one to replay.
        """
        return self.written_ahead - len(self.resolved)


class Appended(NamedTuple):
    """What :meth:`DiskSpool.append` did.

    Attributes:
        spooled: The record was written behind the others, for the replayer.
        shed: Records given up to make room (the new one under ``drop_newest``, a whole
            old segment under ``drop_oldest``).
        ticket: Set when the record was written ahead: produce it now and pass the ticket
            to :meth:`DiskSpool.resolve` when its delivery report arrives.
    """

    spooled: bool
    shed: int
    ticket: Segment | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """Records read from the spool for replay, and the position after them.

    Attributes:
        records: The records, in file order.
        damaged: Damaged stretches skipped while reading.
        seq: The segment they came from.
        end: Offset in that segment just past the last record or damage read.
    """

    records: list[SpoolRecord]
    damaged: list[Damage]
    seq: int
    end: int


def segment_path(slot_dir: Path, seq: int) -> Path:
    """Return the file of segment ``seq`` in ``slot_dir``.

    Args:
        slot_dir: The slot's directory.
        seq: The sequence number.

    Returns:
        The path (zero-padded, so name order is sequence order).
    """
    return slot_dir / f"{seq:020d}{SEGMENT_SUFFIX}"


def recover(slot_dir: Path) -> list[Segment]:
    """Return the segments a previous process left in ``slot_dir``, oldest first.

    Every record in them counts as waiting for replay: the dead process may have been
    killed before any of them was acknowledged, and a duplicate is dropped downstream by
    event id, while a gap is never repaired. Empty segments are deleted; files that are
    not segments, or cannot be read, are left alone.

    Args:
        slot_dir: The slot's directory (its lock held by this process).

    Returns:
        The non-empty segments, in sequence order.
    """
    segments = []
    for path in sorted(slot_dir.glob(f"*{SEGMENT_SUFFIX}")):
        try:
            seq = int(path.stem)
            data = path.read_bytes()
        except (ValueError, OSError):
            continue
        count, end = 0, 0
        for item in scan(data):
            if not isinstance(item, Damage):
                count, end = count + 1, item.end
        size = len(data)
        if not data[end:].strip(b"\0"):
            # A preallocated tail the dead process never wrote (:mod:`.writer`): cut it
            # off, so it is not read as damage and appends would not land after it.
            size = end
            with contextlib.suppress(OSError):
                os.truncate(path, size)
        if size:
            segments.append(Segment(seq, path, size, count))
        else:
            path.unlink(missing_ok=True)
    return segments


def sync_dir(path: Path) -> None:
    """Force a directory's entries (new or deleted files) to disk; never raises.

    Args:
        path: The directory.
    """
    with contextlib.suppress(OSError):
        dir_fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_segment(
    path: Path, seq: int, offset: int, limit: int, *, max_records: int, max_bytes: int
) -> Batch:
    """Read the records of segment ``seq`` from ``offset``, never past ``limit``.

    Args:
        path: The segment file.
        seq: Its sequence number.
        offset: Where to start (a record boundary).
        limit: Bytes of the file that are written (the writer may be appending beyond).
        max_records: Most records to return.
        max_bytes: Most bytes to read; a single larger record is read whole.

    Returns:
        The batch (possibly only damage) and the position after it.
    """
    while True:
        with path.open("rb") as file:
            file.seek(offset)
            data = file.read(min(limit - offset, max_bytes))
        records: list[SpoolRecord] = []
        damaged: list[Damage] = []
        end = offset
        for item in scan(data):
            if isinstance(item, Damage):
                if item.end == len(data) and offset + len(data) < limit:
                    break  # may be a record cut by max_bytes: read it whole next time
                damaged.append(Damage(offset + item.start, offset + item.end))
            else:
                records.append(item)
            end = offset + item.end
            if len(records) >= max_records:
                break
        if end != offset:
            return Batch(records, damaged, seq, end)
        max_records, max_bytes = 1, limit - offset  # one record larger than max_bytes
