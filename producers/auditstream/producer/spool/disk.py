"""The disk spool: a write-ahead log of every event, kept until the broker has it.

A record enters one of two ways, both one copy into the open segment (:mod:`.writer`), so
once :meth:`DiskSpool.append` returns the kernel's page cache holds it and a killed
process loses nothing; the fsync policy decides what a power cut may lose:

* **written ahead** (``journal=True`` while the spool is inactive): the caller then
  produces it, and its delivery report resolves it (:meth:`DiskSpool.resolve`):
  delivered, refused for good, or failed and appended again for replay;
* **spooled** (while the spool is active, or forced on by a failure): it waits behind the
  replay cursor; :meth:`DiskSpool.read_batch` reads it, :meth:`DiskSpool.commit` passes it
  once the broker acknowledged it.

Records sit in segment files (:mod:`.segments`) in emission order, in a slot of their own
(:mod:`.slots`). A segment is deleted once it is sealed, the cursor has passed it and
none of its records is still in flight. After a crash the next process on the slot
replays every record of every segment left, written ahead or spooled, in file order:
at least once, duplicates dropped downstream by event id, per-key order kept.

Invariant: while the spool is inactive the cursor sits at the end of the log, so this
process never replays a record it wrote ahead; while it is active, everything after the
cursor waits for replay. :attr:`DiskSpool.active` is also the client's mode flag: while
set, new events go behind the spooled ones instead of straight to librdkafka, which
keeps the order per key. This module does no Kafka I/O; :mod:`auditstream.producer.replay`
does.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections import deque
from pathlib import Path

from auditstream.producer.errors import SpoolUnavailableError
from auditstream.producer.policies import FsyncPolicy, ShedPolicy
from auditstream.producer.spool.records import Headers, encode
from auditstream.producer.spool.segments import (
    Appended,
    Batch,
    Segment,
    read_segment,
    recover,
    segment_path,
)
from auditstream.producer.spool.slots import take_slot
from auditstream.producer.spool.writer import SegmentWriter, fsync_all

_NOT_WRITTEN = Appended(spooled=False, shed=0)

# A busy service never finds its open segment fully delivered, so it is sealed at this
# age instead: a crash then resends about one second of events, not a whole segment,
# for one new file a second.
SEAL_AFTER_S = 1.0


class DiskSpool:
    """One process's spool slot. Thread-safe; open it with :meth:`open`.

    Args:
        slot_dir: The slot's directory (its lock already held).
        lock_fd: The open, flock'ed lock file.
        max_bytes: Most bytes the slot may hold on disk.
        segment_bytes: Size at which a segment is sealed and a new one begun.
        fsync: When appended records are forced to disk.
        shed_policy: What to give up when the spool is full.
    """

    def __init__(
        self,
        slot_dir: Path,
        lock_fd: int,
        *,
        max_bytes: int,
        segment_bytes: int,
        fsync: FsyncPolicy,
        shed_policy: ShedPolicy,
    ) -> None:
        self.slot_dir = slot_dir
        self._lock_fd = lock_fd
        self._max_bytes = max_bytes
        self._segment_bytes = segment_bytes
        self._fsync = fsync
        self._shed_policy = shed_policy
        self._lock = threading.Lock()
        self._segments: deque[Segment] = deque(recover(slot_dir))
        self._bytes = sum(s.size for s in self._segments)
        self._writer = SegmentWriter(slot_dir, fsync)  # its open file is the last segment
        self._closed = False
        self._cursor = (self._segments[0].seq, 0) if self._segments else (1, 0)
        self._next_seq = self._segments[-1].seq + 1 if self._segments else 1
        self.recovered = sum(s.records for s in self._segments)
        self.active = bool(self._segments)
        """Whether new events must be spooled (set by a failure, cleared once drained)."""

    @classmethod
    def open(
        cls,
        spool_dir: Path,
        *,
        max_bytes: int,
        segment_bytes: int,
        fsync: FsyncPolicy,
        shed_policy: ShedPolicy,
    ) -> DiskSpool:
        """Take the first free slot under ``spool_dir`` and open it.

        Args:
            spool_dir: The service's spool directory (created if missing, mode 0700).
            max_bytes: Most bytes the slot may hold.
            segment_bytes: Segment size.
            fsync: Fsync policy.
            shed_policy: Shedding rule.

        Returns:
            The spool, with any segments a dead process left in the slot ready to replay.

        Raises:
            SpoolUnavailableError: The directory cannot be created or every slot is taken.
        """
        slot, fd = take_slot(spool_dir)
        try:
            return cls(
                slot,
                fd,
                max_bytes=max_bytes,
                segment_bytes=segment_bytes,
                fsync=fsync,
                shed_policy=shed_policy,
            )
        except OSError as exc:
            os.close(fd)
            raise SpoolUnavailableError(str(slot), exc.strerror or type(exc).__name__) from exc

    @property
    def size_bytes(self) -> int:
        """Bytes the slot holds on disk."""
        return self._bytes

    @property
    def pending_records(self) -> int:
        """Records waiting for the replayer (a close estimate)."""
        with self._lock:
            return sum(s.records for s in self._segments)

    @property
    def in_flight_records(self) -> int:
        """Records written ahead whose delivery report has not arrived yet."""
        with self._lock:
            return sum(s.in_flight for s in self._segments)

    def append(
        self,
        key: bytes,
        value: bytes,
        headers: Headers = (),
        *,
        activate: bool,
        journal: bool = False,
    ) -> Appended:
        """Write one record: spooled while the spool is active, else written ahead.

        Args:
            key: The Kafka key.
            value: The encoded event.
            headers: Kafka headers.
            activate: Turn spooling on first (after a failure).
            journal: While the spool is inactive, write the record ahead and return a
                ticket; without it an inactive spool writes nothing.

        Returns:
            Whether it was spooled or written ahead (``ticket``), and how many records
            were shed for room. Nothing written and nothing shed means an inactive spool
            had no room for a record written ahead: produce it without one.

        Raises:
            OSError: The write failed (disk full, I/O error); nothing was written, or a
                torn record that readers skip as damage.
        """
        data = encode(key, value, headers)
        with self._lock:
            if self._closed:
                raise OSError(errno.EBADF, "the spool is closed")
            if activate:
                self.active = True
            if self.active:
                return self._spool(data)
            if not journal or self._bytes + len(data) > self._max_bytes:
                return _NOT_WRITTEN
            segment = self._write(data)
            # Written ahead: librdkafka has it next, so the replay cursor moves past it
            # (see the invariant in the module docstring).
            segment.written_ahead += 1
            self._cursor = (segment.seq, segment.size)
            return Appended(False, 0, segment)

    def _spool(self, data: bytes) -> Appended:
        """Write one record behind the others for the replayer, shedding by policy."""
        shed = self._make_room(len(data))
        if self._bytes + len(data) > self._max_bytes:
            return Appended(spooled=False, shed=shed + 1)
        self._write(data).records += 1
        return Appended(spooled=True, shed=shed)

    def _write(self, data: bytes) -> Segment:
        """Write one record to the open segment, starting one if needed (lock held)."""
        if not self._writer.fits(len(data)):
            self._rotate(len(data))
        segment = self._segments[-1]
        written = self._writer.write(data)
        segment.size += written
        self._bytes += written
        if written != len(data):
            # A short write (the disk filled up mid-record): seal the segment so the torn
            # record is its last, which readers skip as damage.
            self._writer.seal()
            raise OSError(errno.ENOSPC, f"short write: {written} of {len(data)} bytes")
        return segment

    def resolve(self, ticket: Segment) -> None:
        """Note that a record written ahead has its delivery report (and was dealt with).

        Call it after a failed record was appended again, never before: the segment may
        be deleted as soon as its last record is resolved. Takes no lock (see
        :attr:`Segment.resolved`); finished segments are deleted by the next
        :meth:`tidy`, rotation or replay step.

        Args:
            ticket: The ticket :meth:`append` returned for the record.
        """
        ticket.resolved.append(1)

    def tidy(self, now: float) -> None:
        """Delete finished segments; seal the open one once delivered or old. Never raises.

        Called by the background thread a few times a second. A crash makes the next
        process resend every record of the segments left, delivered or not; sealing the
        open segment when all it holds was delivered (a quiet service), or once it is
        ``SEAL_AFTER_S`` old (a busy one), bounds that resend to about the last second.

        Args:
            now: ``time.monotonic()``.
        """
        with self._lock:
            if self._closed:
                return
            segment = self._open_segment()
            if (
                not self.active
                and segment is not None
                and (not segment.in_flight or now - segment.opened_at >= SEAL_AFTER_S)
            ):
                self._writer.seal()
            self._skip_finished()

    def _make_room(self, size: int) -> int:
        """Shed old segments under ``drop_oldest`` until ``size`` fits; return records shed."""
        shed = 0
        while self._bytes + size > self._max_bytes and self._shed_policy is ShedPolicy.DROP_OLDEST:
            victim = self._drop_oldest()
            if victim is None:
                break
            shed += victim.records
        return shed

    def _drop_oldest(self) -> Segment | None:
        """Delete the oldest sealed segment after the one being replayed, if any."""
        seq, opened = self._cursor[0], self._open_segment()
        victim = next((s for s in self._segments if s.seq > seq and s is not opened), None)
        if victim is None:
            return None
        self._segments.remove(victim)
        self._bytes -= victim.size
        victim.path.unlink(missing_ok=True)
        return victim

    def _open_segment(self) -> Segment | None:
        return self._segments[-1] if self._writer.is_open else None

    def _rotate(self, size: int) -> None:
        """Seal the open segment and start the next, with room for at least ``size``."""
        self._writer.seal()
        seq = self._next_seq
        self._next_seq += 1
        path = segment_path(self.slot_dir, seq)
        self._writer.open(path, max(self._segment_bytes, size))
        self._segments.append(Segment(seq, path, 0, 0, opened_at=time.monotonic()))
        self._skip_finished()

    def sync(self) -> None:
        """Force written records to disk (the ``interval`` fsync policy; never raises)."""
        with self._lock:
            fds = self._writer.take_dirty()
        fsync_all(fds, self.slot_dir)

    def read_batch(self, *, max_records: int, max_bytes: int) -> Batch | None:
        """Read the next records after the replay cursor, without moving it.

        Args:
            max_records: Most records to return.
            max_bytes: Most bytes to read.

        Returns:
            The batch (possibly only damage), or None when nothing is waiting.
        """
        with self._lock:
            self._skip_finished()
            seq, offset = self._cursor
            segment = next((s for s in self._segments if s.seq == seq), None)
            if segment is None or offset >= segment.size:
                return None
            path, limit = segment.path, segment.size
        # Read outside the lock: emitting threads append meanwhile, beyond ``limit``.
        return read_segment(path, seq, offset, limit, max_records=max_records, max_bytes=max_bytes)

    def commit(self, batch: Batch) -> None:
        """Mark a batch delivered: move the cursor past it and delete finished segments.

        Args:
            batch: A batch from :meth:`read_batch` whose records were all delivered.
        """
        with self._lock:
            self._cursor = max(self._cursor, (batch.seq, batch.end))
            for segment in self._segments:
                if segment.seq == batch.seq:
                    segment.records = max(0, segment.records - len(batch.records))
            self._skip_finished()

    def _advance_cursor(self) -> None:
        """Move the cursor to the next segment when its own is read and sealed, or gone."""
        seq, offset = self._cursor
        opened = self._open_segment()
        for segment in self._segments:
            if segment.seq < seq:
                continue
            if segment.seq > seq:  # the cursor's segment is finished or was dropped
                self._cursor = (segment.seq, 0)
                return
            if offset < segment.size or segment is opened:
                return

    def _skip_finished(self) -> None:
        """Delete leading segments that are sealed, read and resolved (lock held)."""
        self._advance_cursor()
        opened = self._open_segment()
        while self._segments:
            head = self._segments[0]
            seq, offset = self._cursor
            if head.in_flight or head is opened or head.seq > seq:
                return
            if head.seq == seq and offset < head.size:
                return
            self._segments.popleft()
            self._bytes -= head.size
            head.path.unlink(missing_ok=True)
            if head.seq == seq:
                self._cursor = (seq + 1, 0)

    def try_deactivate(self) -> bool:
        """Turn spooling off if every spooled record was replayed; seal the open segment.

        Returns:
            True when the spool is drained and new events may go straight to Kafka.
        """
        with self._lock:
            self._advance_cursor()
            seq, offset = self._cursor
            last = self._segments[-1] if self._segments else None
            if last is not None and (last.seq != seq or offset < last.size):
                return False
            self._writer.seal()
            self._skip_finished()
            self.active = False
            return True

    def close(self) -> None:
        """Seal the open segment, fsync (unless the policy is ``none``) and free the slot.

        Segments holding records still in flight or waiting for replay stay on disk for
        the next process on this slot; finished ones are deleted.
        """
        with self._lock:
            self._writer.seal()
            self._skip_finished()
            self._closed = True
        self.sync()
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)

    def abandon_after_fork(self) -> None:
        """In a forked child: close the copies of the parent's descriptors (lock stays held)."""
        self._writer.abandon()
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)
