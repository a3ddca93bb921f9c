"""Event, trace and span ids from a buffered pool of OS randomness.

``os.urandom`` is a system call, and a system call on the emitting thread gives up the
GIL, letting the client's background thread in; on a busy host every give-up can cost a
scheduling delay. Reading 4 KiB at a time makes that one call per ~250 ids. The bytes
are the OS's cryptographic randomness, as with :func:`auditstream.schemas.new_event_id`,
and the ids have the same layouts (UUIDv7, W3C trace and span ids).

A forked child must not reuse its parent's pool (both would hand out the same ids):
:func:`reset_after_fork` empties it, and :mod:`.lifecycle` calls it in the child.
"""

from __future__ import annotations

import os
import threading
import time

POOL_BYTES = 4096

_lock = threading.Lock()
_pool = b""
_pos = 0


def _take(size: int) -> bytes:
    global _pool, _pos  # noqa: PLW0603 - one pool per process, behind the lock
    with _lock:
        if _pos + size > len(_pool):
            _pool, _pos = os.urandom(POOL_BYTES), 0
        chunk = _pool[_pos : _pos + size]
        _pos += size
        return chunk


def reset_after_fork() -> None:
    """Drop the pool (and a lock a dead thread may hold); call in a forked child."""
    global _lock, _pool, _pos  # noqa: PLW0603 - the child's own pool
    _lock = threading.Lock()
    _pool, _pos = b"", 0


def event_id() -> str:
    """Return a new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, 74 random bits."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(_take(10), "big")
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version 7
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF  # rand_b, 62 bits
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def trace_id() -> str:
    """Return a new W3C trace id: 32 lowercase hex digits, not all zero."""
    while (value := _take(16)) == bytes(16):
        pass
    return value.hex()


def span_id() -> str:
    """Return a new W3C span id: 16 lowercase hex digits, not all zero."""
    while (value := _take(8)) == bytes(8):
        pass
    return value.hex()
