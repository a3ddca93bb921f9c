"""The disk spool: an append-only, size-bounded queue of events the broker has not taken.

Layout under the spool directory (one per service by default)::

    <spool_dir>/slot-00/lock            flock'ed by the process that owns the slot
    <spool_dir>/slot-00/00000000000000000001.seg   segment files of records (:mod:`.records`)
    <spool_dir>/slot-01/...             a second process of the same service (gunicorn worker)

A process takes the first slot whose lock it can get, so two processes never share one,
and a process started after a crash takes over the dead one's slot and replays what it
left. Segments are written with one ``write`` per record (a killed process loses nothing
that ``append`` returned for; the page cache keeps it), rotated at a size, and deleted
once every record in them was delivered. Records come back out in file order through
:meth:`DiskSpool.read_batch` and :meth:`DiskSpool.commit`.

The spool also holds the client's mode flag, :attr:`DiskSpool.active`: while it is set,
new events go behind the spooled ones instead of straight to librdkafka, which keeps the
order per key. This module does no Kafka I/O; :mod:`auditstream.producer.replay` does.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from auditstream.producer.config import FsyncPolicy, ShedPolicy
from auditstream.producer.errors import SpoolUnavailableError
from auditstream.producer.spool.records import Damage, Headers, SpoolRecord, encode, scan

# Enough for a pre-fork server's workers plus the ones that replaced crashed workers.
MAX_SLOTS = 64
SEGMENT_SUFFIX = ".seg"


class Appended(NamedTuple):
    """What :meth:`DiskSpool.append` did.

    Attributes:
        spooled: The record was written.
        shed: Records given up to make room (the new one under ``drop_newest``, a whole
            old segment under ``drop_oldest``).
    """

    spooled: bool
    shed: int


@dataclass(slots=True)
class _Segment:
    seq: int
    path: Path
    size: int
    records: int


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
        self._segments: deque[_Segment] = deque(self._recover())
        self._fd: int | None = None  # open segment (always the last one), None if sealed
        self._to_sync: list[int] = []  # fds written since the last interval fsync
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
        try:
            spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            for index in range(MAX_SLOTS):
                slot = spool_dir / f"slot-{index:02d}"
                slot.mkdir(exist_ok=True, mode=0o700)
                fd = os.open(slot / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return cls(
                    slot,
                    fd,
                    max_bytes=max_bytes,
                    segment_bytes=segment_bytes,
                    fsync=fsync,
                    shed_policy=shed_policy,
                )
        except OSError as exc:
            raise SpoolUnavailableError(str(spool_dir), exc.strerror or type(exc).__name__) from exc
        raise SpoolUnavailableError(str(spool_dir), f"all {MAX_SLOTS} slots are locked")

    def _recover(self) -> list[_Segment]:
        segments = []
        for path in sorted(self.slot_dir.glob(f"*{SEGMENT_SUFFIX}")):
            try:
                seq = int(path.stem)
                data = path.read_bytes()
            except (ValueError, OSError):
                continue
            if data:
                count = sum(1 for item in scan(data) if not isinstance(item, Damage))
                segments.append(_Segment(seq, path, len(data), count))
            else:
                path.unlink(missing_ok=True)
        return segments

    @property
    def size_bytes(self) -> int:
        """Bytes the slot holds on disk."""
        with self._lock:
            return sum(s.size for s in self._segments)

    @property
    def pending_records(self) -> int:
        """Records written and not yet committed as delivered (a close estimate)."""
        with self._lock:
            return sum(s.records for s in self._segments)

    def append(
        self, key: bytes, value: bytes, headers: Headers = (), *, activate: bool
    ) -> Appended:
        """Write one record behind the others, unless spooling is off and not forced on.

        Args:
            key: The Kafka key.
            value: The encoded event.
            headers: Kafka headers.
            activate: Turn spooling on (after a failure); otherwise only spool if it is on.

        Returns:
            Whether it was spooled and how many records were shed for room.

        Raises:
            OSError: The write failed (disk full, I/O error); the caller sheds the event.
        """
        data = encode(key, value, headers)
        with self._lock:
            if self._closed:
                raise OSError(errno.EBADF, "the spool is closed")
            if not (activate or self.active):
                return Appended(spooled=False, shed=0)
            self.active = True
            total = sum(s.size for s in self._segments)
            shed = 0
            while (
                total + len(data) > self._max_bytes and self._shed_policy is ShedPolicy.DROP_OLDEST
            ):
                victim = self._drop_oldest()
                if victim is None:
                    break
                total -= victim.size
                shed += victim.records
            if total + len(data) > self._max_bytes:
                return Appended(spooled=False, shed=shed + 1)
            fd = self._writable(len(data))
            os.write(fd, data)
            segment = self._segments[-1]
            segment.size += len(data)
            segment.records += 1
            if self._fsync is FsyncPolicy.ALWAYS:
                os.fsync(fd)
            elif self._fsync is FsyncPolicy.INTERVAL and fd not in self._to_sync:
                self._to_sync.append(fd)
            return Appended(spooled=True, shed=shed)

    def _drop_oldest(self) -> _Segment | None:
        """Delete the oldest sealed segment after the one being replayed, if any."""
        candidates = [s for s in list(self._segments)[1:] if s is not self._open_segment()]
        if not candidates:
            return None
        victim = candidates[0]
        self._segments.remove(victim)
        victim.path.unlink(missing_ok=True)
        return victim

    def _open_segment(self) -> _Segment | None:
        return self._segments[-1] if self._fd is not None else None

    def _writable(self, size: int) -> int:
        current = self._open_segment()
        if (
            self._fd is not None
            and current is not None
            and current.size + size <= max(self._segment_bytes, size)
        ):
            return self._fd
        self._seal()
        seq = self._next_seq
        self._next_seq += 1
        path = self.slot_dir / f"{seq:020d}{SEGMENT_SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        self._segments.append(_Segment(seq, path, 0, 0))
        self._skip_finished()
        return self._fd

    def _seal(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fd in self._to_sync:
            self._to_sync.remove(fd)
            if self._fsync is not FsyncPolicy.NONE:
                # Sealing happens on the emitting thread; an fsync of a whole segment
                # can take long, so hand it to sync() by keeping a duplicate open.
                self._to_sync.append(os.dup(fd))
        os.close(fd)

    def sync(self) -> None:
        """Force written records to disk (the ``interval`` fsync policy; never raises)."""
        with self._lock:
            fds = [os.dup(fd) if fd == self._fd else fd for fd in self._to_sync]
            self._to_sync = []
        for fd in fds:
            with contextlib.suppress(OSError):
                os.fsync(fd)
            with contextlib.suppress(OSError):
                os.close(fd)
        if fds:
            with contextlib.suppress(OSError):
                dir_fd = os.open(self.slot_dir, os.O_RDONLY)
                os.fsync(dir_fd)
                os.close(dir_fd)

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
        if end == offset:  # one record larger than max_bytes: read it alone
            return self.read_batch(max_records=1, max_bytes=limit - offset)
        return Batch(records, damaged, seq, end)

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

    def _skip_finished(self) -> None:
        """Delete sealed segments the cursor has passed (caller holds the lock)."""
        while self._segments:
            head = self._segments[0]
            seq, offset = self._cursor
            if head.seq > seq:  # the cursor's segment is gone: start at the next one
                self._cursor = (head.seq, 0)
                return
            passed = head.seq < seq or (offset >= head.size and head is not self._open_segment())
            if not passed:
                return
            self._segments.popleft()
            head.path.unlink(missing_ok=True)
            if head.seq == seq:
                self._cursor = (seq + 1, 0)

    def try_deactivate(self) -> bool:
        """Turn spooling off if every spooled record was replayed; seal the open segment.

        Returns:
            True when the spool is drained and new events may go straight to Kafka.
        """
        with self._lock:
            seq, offset = self._cursor
            last = self._segments[-1] if self._segments else None
            if last is not None and (last.seq != seq or offset < last.size):
                return False
            self._seal()
            self._skip_finished()
            self.active = False
            return True

    def close(self) -> None:
        """Seal the open segment, fsync (unless the policy is ``none``) and free the slot."""
        with self._lock:
            self._seal()
            self._closed = True
        self.sync()
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)

    def abandon_after_fork(self) -> None:
        """In a forked child: close the copies of the parent's descriptors (lock stays held)."""
        for fd in [self._fd, self._lock_fd, *self._to_sync]:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fd = None
        self._to_sync = []
