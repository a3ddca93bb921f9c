"""A stable identity per worker process: the ``group.instance.id`` of static membership.

With static group membership (Kafka's KIP-345) a consumer that restarts with the same
``group.instance.id`` within the session timeout gets its partitions back without a
rebalance: nobody else stops, and its partitions wait only as long as the restart takes.
That needs an id that is the same after a restart and different for every live member of
the group, because a second consumer joining with a live member's id fences that member
out of the group (it stops with FENCED_INSTANCE_ID).

An operator who can name each worker sets the id (in Kubernetes, the pod name of a
StatefulSet, which a restarted or rescheduled pod keeps). Otherwise the id is
``<hostname>-<slot>``: the worker takes the lowest free slot of its group on this host,
held by an exclusive ``flock`` on ``<temp dir>/auditstream-<uid>/slots/<group>/<slot>.lock``
for as long as the process lives. Two workers on one host get slots 0 and 1; a worker
that was SIGKILLed released its lock with its last file descriptor, so its restart takes
the same slot, and so the same id, again. The lock file is opened close-on-exec, so no
program a worker executes holds it; the processor's supervisor claims the slot and forks
its worker (and the worker its analysis child) with the lock inherited, and each of them
ends within a second of its parent, so a killed supervisor's slot is free soon after.

This module reads no environment: the configured id comes from the stage's settings.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from auditstream.schemas.errors import WorkerIdentityError

# Kafka accepts at most 249 characters of [a-zA-Z0-9._-] in a group.instance.id.
MAX_INSTANCE_ID_CHARS = 249
INSTANCE_ID_PATTERN = r"^[A-Za-z0-9._-]{1,249}$"
"""What a configured ``group.instance.id`` may look like (for the stages' settings)."""
# Slots tried before giving up: far more workers of one group than any host runs.
MAX_SLOTS = 256

_INVALID_CHARS = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class WorkerIdentity:
    """A worker's ``group.instance.id`` and the slot lock that keeps it unique on the host.

    Use it as a context manager (or call :meth:`release`) so the slot is freed when the
    worker stops; a killed process frees it by dying.

    Attributes:
        instance_id: The ``group.instance.id`` to join with; None joins as a dynamic
            member (static membership turned off).
        slot: The claimed slot, or None when the id was configured.
    """

    instance_id: str | None
    slot: int | None = None
    _lock: IO[bytes] | None = field(default=None, repr=False)

    def release(self) -> None:
        """Free the slot (closing its lock file); idempotent."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> WorkerIdentity:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def default_slot_root() -> Path:
    """Return the folder that holds the slot locks of this user's workers on this host."""
    return Path(tempfile.gettempdir()) / f"auditstream-{os.getuid()}" / "slots"


def claim_worker_identity(
    group_id: str,
    *,
    configured: str | None,
    static: bool = True,
    hostname: str | None = None,
    slot_root: Path | None = None,
) -> WorkerIdentity:
    """Return the worker's identity: the configured id, else ``<hostname>-<slot>``.

    Args:
        group_id: The consumer group (slots are counted per group, so a processor and a
            sink on one host both get slot 0).
        configured: The id the operator set (e.g. a StatefulSet's pod name); used as is.
        static: False turns static membership off: no id, no slot.
        hostname: This host's name; ``socket.gethostname()`` when None.
        slot_root: Where the slot locks live; :func:`default_slot_root` when None.

    Returns:
        The identity; it holds its slot's lock until released.

    Raises:
        WorkerIdentityError: Every slot is taken, or the lock folder cannot be used.
    """
    if not static:
        return WorkerIdentity(None)
    if configured is not None:
        return WorkerIdentity(configured)
    host = _INVALID_CHARS.sub("-", hostname if hostname is not None else socket.gethostname())
    group_key = hashlib.sha256(group_id.encode()).hexdigest()[:16]
    folder = (slot_root or default_slot_root()) / group_key
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkerIdentityError(f"cannot create {folder} ({exc.strerror})") from exc
    for slot in range(MAX_SLOTS):
        lock = _try_lock(folder / f"{slot}.lock")
        if lock is not None:
            suffix = f"-{slot}"
            instance_id = host[: MAX_INSTANCE_ID_CHARS - len(suffix)] + suffix
            return WorkerIdentity(instance_id, slot, lock)
    raise WorkerIdentityError(f"all {MAX_SLOTS} slots under {folder} are held by live workers")


def _try_lock(path: Path) -> IO[bytes] | None:
    """Open and exclusively lock ``path``; None when another process holds it."""
    try:
        handle = path.open("ab")  # Python opens files close-on-exec
    except OSError as exc:
        raise WorkerIdentityError(f"cannot open {path} ({exc.strerror})") from exc
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return None
        raise WorkerIdentityError(f"cannot lock {path} ({exc.strerror})") from exc
    return handle
