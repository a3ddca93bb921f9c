"""Event, trace and span ids from a buffered pool of OS randomness.

``os.urandom`` is a system call, and a system call on the emitting thread gives up the
GIL, letting the client's background thread in; on a busy host every give-up can cost a
scheduling delay. Reading 4 KiB at a time makes that one call per 512 draws. The bytes
are the OS's cryptographic randomness, as with :func:`auditstream.schemas.new_event_id`,
and the ids have the same layouts (UUIDv7, W3C trace and span ids).

The pool is kept as hex text cut into 16-digit pieces behind a list iterator: taking one
is a single ``next()``, which the GIL makes atomic, so threads never draw the same piece
and no lock is taken per id. Formatting from hex text, rather than from an integer, is
most of what makes an id cheap: a LangChain run mints two.

A forked child must not reuse its parent's pool (both would hand out the same ids):
:func:`reset_after_fork` empties it, and :mod:`.lifecycle` calls it in the child.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

POOL_BYTES = 4096
_PIECE_DIGITS = 16  # 64 random bits per draw
_NO_SPAN = "0" * _PIECE_DIGITS

# RFC 9562's variant (binary 10) in the top two bits of the fourth group's first digit;
# its other two bits stay random: each hex digit maps to one of 8, 9, a, b evenly.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}

_pieces: Iterator[str] = iter(())


def _refill() -> Iterator[str]:
    global _pieces  # noqa: PLW0603 - one pool per process; replaced whole, never mutated
    digits = os.urandom(POOL_BYTES).hex()
    _pieces = iter([digits[i : i + _PIECE_DIGITS] for i in range(0, len(digits), _PIECE_DIGITS)])
    return _pieces


def _take() -> str:
    # Two threads finding the pool empty at once each start a fresh one; pieces left in
    # the one that loses are never handed out, so no piece is handed out twice.
    try:
        return next(_pieces)
    except StopIteration:
        return next(_refill())


def reset_after_fork() -> None:
    """Drop the pool; call in a forked child."""
    global _pieces  # noqa: PLW0603 - the child's own pool
    _pieces = iter(())


def event_id() -> str:
    """Return a new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, 74 random bits."""
    unix_ms = f"{(time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF:012x}"
    a, b = _take(), _take()
    # version 7, rand_a (12 bits); variant and 14 bits; 48 bits: 74 random bits in all
    return f"{unix_ms[:8]}-{unix_ms[8:]}-7{a[:3]}-{_VARIANT[a[3]]}{a[4:7]}-{b[:12]}"


def trace_id() -> str:
    """Return a new W3C trace id: 32 lowercase hex digits, not all zero."""
    return _take() + span_id()  # the second half is never all zero, so neither is the id


def span_id() -> str:
    """Return a new W3C span id: 16 lowercase hex digits, not all zero."""
    while (value := _take()) == _NO_SPAN:
        pass
    return value
