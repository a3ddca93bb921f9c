"""Slots: one spool directory per process, taken with ``flock``.

Layout under the spool directory (one per service and topic by default)::

    <spool_dir>/slot-00/lock            flock'ed by the process that owns the slot
    <spool_dir>/slot-00/<seq>.seg       its segment files (:mod:`.segments`)
    <spool_dir>/slot-01/...             a second process of the same service (gunicorn worker)

A process takes the first slot whose lock it can get, so two processes never share one,
and a process started after a crash takes over the dead one's slot (the kernel released
the lock when it died) and replays what it left.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from auditstream.producer.errors import SpoolUnavailableError

# Enough for a pre-fork server's workers plus the ones that replaced crashed workers.
MAX_SLOTS = 64


def take_slot(spool_dir: Path) -> tuple[Path, int]:
    """Lock the first free slot under ``spool_dir``.

    Args:
        spool_dir: The service's spool directory (created if missing, mode 0700).

    Returns:
        The slot's directory and the open, locked lock file (closing it frees the slot).

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
            return slot, fd
    except OSError as exc:
        raise SpoolUnavailableError(str(spool_dir), exc.strerror or type(exc).__name__) from exc
    raise SpoolUnavailableError(str(spool_dir), f"all {MAX_SLOTS} slots are locked")
