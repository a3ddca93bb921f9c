"""The open segment's file: how a record's bytes reach the kernel, and when they are fsynced.

A segment file is preallocated (``posix_fallocate``) and mapped shared into memory; a
record is copied into the map. The copy puts the bytes in the kernel's page cache, which
outlives a killed process, without a system call. That matters on the emit path: an
``os.write`` releases the GIL, and taking it back waits behind whichever thread got it
(the one serving thousands of delivery reports a second): measured on a loaded 2-core
host, ``emit()`` with ``write`` ran at 0.80 of the spool-less SDK, with the map at 0.83 to
0.86. Preallocating matters too: a write
through a map into a sparse file on a full disk kills the process with SIGBUS, whereas a
refused preallocation is an ``OSError`` at ``open``, which the caller counts and survives.

Where the platform or file system cannot preallocate, the writer falls back to one
``write`` per record: the same guarantee, one system call more. Sealing truncates a
mapped file to the bytes written; a file left by a killed process keeps a zero tail,
which :func:`.segments.recover` trims.

``fsync`` (and ``fdatasync``) write back pages dirtied through a shared map as well
(Linux); the ``always`` policy calls it per record, ``interval`` from the background
thread through :meth:`SegmentWriter.take_dirty`. This module decides nothing about which
segment a record belongs to (:mod:`.disk` does) and is not thread-safe: the spool calls
it under its lock.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
from pathlib import Path

from auditstream.producer.policies import FsyncPolicy
from auditstream.producer.spool.segments import sync_dir

# fdatasync flushes the data and the file size (what a reader needs), not the times: one
# disk write fewer per fsync where the platform has it.
_datasync = getattr(os, "fdatasync", os.fsync)
_fallocate = getattr(os, "posix_fallocate", None)

# Errors meaning "this file system cannot preallocate", not "no space": write() instead.
_NO_PREALLOCATION = frozenset({errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS})


class SegmentWriter:
    """Appends records to the one open segment file of a spool slot.

    Args:
        slot_dir: The slot's directory (fsynced when a new file appears under ``always``).
        fsync: When written records are forced to disk.
    """

    __slots__ = (
        "_always",
        "_capacity",
        "_dirty",
        "_fd",
        "_fsync",
        "_interval",
        "_map",
        "_size",
        "_slot_dir",
    )

    def __init__(self, slot_dir: Path, fsync: FsyncPolicy) -> None:
        self._slot_dir = slot_dir
        self._fsync = fsync
        # Looked up once: write() runs on every emit() and enum comparisons add up.
        self._always = fsync is FsyncPolicy.ALWAYS
        self._interval = fsync is FsyncPolicy.INTERVAL
        self._fd: int | None = None
        self._map: mmap.mmap | None = None
        self._capacity = 0
        self._size = 0
        self._dirty: list[int] = []  # fds written since the last interval fsync

    @property
    def is_open(self) -> bool:
        """Whether a segment file is open for writing."""
        return self._fd is not None

    def fits(self, size: int) -> bool:
        """Whether ``size`` more bytes fit in the open segment."""
        return self._fd is not None and self._size + size <= self._capacity

    def open(self, path: Path, capacity: int) -> None:
        """Create ``path`` and make it the open segment, room for ``capacity`` bytes.

        Args:
            path: The new segment file.
            capacity: Its size limit in bytes.

        Raises:
            OSError: The file cannot be created or preallocated (disk full); nothing is
                left behind.
        """
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            self._map = _preallocated_map(fd, capacity)
        except (OSError, ValueError) as exc:
            os.close(fd)
            path.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise
            raise OSError(errno.EINVAL, f"cannot map the segment: {exc}") from exc
        self._fd, self._capacity, self._size = fd, capacity, 0
        if self._fsync is FsyncPolicy.ALWAYS:
            sync_dir(self._slot_dir)  # the new file's name must survive a power cut too

    def write(self, data: bytes) -> int:
        """Append one record to the open segment (:meth:`fits` said it fits).

        Args:
            data: The encoded record.

        Returns:
            Bytes written: all of them, or fewer when a plain ``write`` was cut short.

        Raises:
            OSError: The write failed (disk full, I/O error).
        """
        fd = self._fd
        assert fd is not None
        start = self._size
        if self._map is not None:
            written = len(data)
            self._map[start : start + written] = data
        else:
            written = os.write(fd, data)
        self._size = start + written
        if self._always:
            _datasync(fd)
        elif self._interval and fd not in self._dirty:
            self._dirty.append(fd)
        return written

    def seal(self) -> None:
        """Close the open segment (its unused preallocated tail is cut off); never raises.

        Its fsync, if the policy wants one, is left to :meth:`take_dirty`: an fsync of a
        whole segment can take long, and sealing happens on the emitting thread.
        """
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._map is not None:
            with contextlib.suppress(OSError, ValueError):
                self._map.close()
            self._map = None
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._size)
        if fd in self._dirty:
            self._dirty.remove(fd)
            if self._fsync is not FsyncPolicy.NONE:
                with contextlib.suppress(OSError):
                    self._dirty.append(os.dup(fd))
        with contextlib.suppress(OSError):
            os.close(fd)

    def take_dirty(self) -> list[int]:
        """Hand over descriptors written since the last call; the caller fsyncs and closes.

        Returns:
            Descriptors the caller owns (the open segment's is a duplicate).
        """
        fds = [os.dup(fd) if fd == self._fd else fd for fd in self._dirty]
        self._dirty = []
        return fds

    def abandon(self) -> None:
        """In a forked child: drop the parent's open file and map without touching them."""
        for fd in [self._fd, *self._dirty]:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if self._map is not None:
            with contextlib.suppress(OSError, ValueError):
                self._map.close()
        self._fd, self._map, self._dirty = None, None, []


def fsync_all(fds: list[int], slot_dir: Path) -> None:
    """Fsync and close ``fds``, then the slot directory; never raises.

    Args:
        fds: Descriptors from :meth:`SegmentWriter.take_dirty`.
        slot_dir: The slot's directory (new and deleted files).
    """
    for fd in fds:
        with contextlib.suppress(OSError):
            os.fsync(fd)
        with contextlib.suppress(OSError):
            os.close(fd)
    if fds:
        sync_dir(slot_dir)


def _preallocated_map(fd: int, capacity: int) -> mmap.mmap | None:
    """Reserve ``capacity`` bytes for ``fd`` and map them; None where that is impossible."""
    if _fallocate is None:
        return None
    try:
        _fallocate(fd, 0, capacity)
    except OSError as exc:
        if exc.errno in _NO_PREALLOCATION:
            return None
        raise
    return mmap.mmap(fd, capacity, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
