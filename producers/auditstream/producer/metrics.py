"""The client's counters: one registry per client, read as :class:`ClientStats` snapshots.

Every fork an event can take has a counter, so the books balance at any time::

    emitted + recovered == delivered + shed + pending

where ``recovered`` counts events a previous process left in the spool, and ``pending``
is what sits in librdkafka's queue or in the spool. ``failed`` counts delivery errors
librdkafka reported; those events went to the spool, so they are not terminal.

Logging is once per state change (the first failure of a kind, then the recovery), and
shedding logs at most once per ``shed_log_interval_s`` per cause, with the count since
the last line. Payloads are never logged. Prometheus export lives in :mod:`.prometheus`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_log = logging.getLogger("auditstream.producer")

_COUNTERS = (
    "emitted",
    "delivered",
    "failed",
    "spooled",
    "replayed",
    "recovered",
    "shed",
    "spool_damaged",
    "unjournaled",
    "secrets_scrubbed",
)


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of a client's counters and queue depths.

    Attributes:
        emitted: Events ``emit()`` accepted and encoded.
        delivered: Events the broker acknowledged (directly or replayed from the spool).
        failed: Delivery errors librdkafka reported (those events went to the spool).
        spooled: Events written to the disk spool.
        replayed: Spooled events delivered by the replayer.
        recovered: Events found in the spool at start, left by an earlier process.
        shed: Events given up (spool full, spool unusable, client closed).
        shed_by_cause: ``shed`` split by cause.
        spool_damaged: Damaged spool stretches skipped on replay (torn or corrupted).
        unjournaled: Events produced without a write-ahead record because the spool had
            no room or could not write (a crash before their delivery report loses them).
        secrets_scrubbed: Secrets the local scrub replaced, over all events.
        queue_depth: Messages in librdkafka's queue.
        spool_depth: Events waiting in the spool.
        spool_bytes: Bytes the spool holds on disk.
        spooling: Whether new events currently go to the spool (broker unreachable, or
            the spool not yet drained).
    """

    emitted: int = 0
    delivered: int = 0
    failed: int = 0
    spooled: int = 0
    replayed: int = 0
    recovered: int = 0
    shed: int = 0
    shed_by_cause: Mapping[str, int] = field(default_factory=dict)
    spool_damaged: int = 0
    unjournaled: int = 0
    secrets_scrubbed: int = 0
    queue_depth: int = 0
    spool_depth: int = 0
    spool_bytes: int = 0
    spooling: bool = False

    @property
    def pending(self) -> int:
        """Events neither delivered nor shed yet: in librdkafka's queue or in the spool."""
        return self.emitted + self.recovered - self.delivered - self.shed


StatsCallback = Callable[[ClientStats], None]
"""Receives a :class:`ClientStats` snapshot every ``stats_interval_s`` (on a background
thread; it must be quick and must not raise)."""

DepthProbe = Callable[[], tuple[int, int, int, bool]]
"""Returns (librdkafka queue depth, spool records, spool bytes, spooling)."""


class Counters:
    """A client's counters and degraded/recovered state, shared by every thread.

    Args:
        shed_log_interval_s: Shortest time between two shedding log lines per cause.
    """

    __slots__ = (
        "_depth",
        "_failing",
        "_lock",
        "_shed",
        "_shed_log",
        "_shed_log_interval_s",
        "_values",
    )

    def __init__(self, shed_log_interval_s: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = dict.fromkeys(_COUNTERS, 0)
        self._shed: dict[str, int] = {}
        self._failing: set[str] = set()
        # cause -> (monotonic time of the last line, events shed since it)
        self._shed_log: dict[str, tuple[float, int]] = {}
        self._shed_log_interval_s = shed_log_interval_s
        self._depth: DepthProbe = lambda: (0, 0, 0, False)

    def set_depth_probe(self, probe: DepthProbe) -> None:
        """Set the function that reads queue and spool depths for snapshots.

        Args:
            probe: Returns (librdkafka queue depth, spool records, spool bytes, spooling).
        """
        self._depth = probe

    def add(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` to the counter ``name``.

        Args:
            name: A counter of :class:`ClientStats`.
            amount: How much to add.
        """
        with self._lock:
            self._values[name] += amount

    def snapshot(self) -> ClientStats:
        """Return a consistent snapshot of the counters, with current depths."""
        try:
            queue, spool_records, spool_bytes, spooling = self._depth()
        except Exception:  # noqa: BLE001 - a snapshot must never fail; depths are advisory
            queue, spool_records, spool_bytes, spooling = 0, 0, 0, False
        with self._lock:
            return ClientStats(
                **self._values,
                shed_by_cause=MappingProxyType(dict(self._shed)),
                queue_depth=queue,
                spool_depth=spool_records,
                spool_bytes=spool_bytes,
                spooling=spooling,
            )

    def shed(self, cause: str, count: int = 1) -> None:
        """Count events given up for ``cause`` and log it, at most once per interval.

        Args:
            cause: A fixed label: ``spool_full``, ``spool_error``, ``spool_disabled``,
                ``client_closed``.
            count: How many events.
        """
        now = time.monotonic()
        with self._lock:
            self._values["shed"] += count
            self._shed[cause] = self._shed.get(cause, 0) + count
            last, since = self._shed_log.get(cause, (float("-inf"), 0))
            since += count
            if now - last < self._shed_log_interval_s:
                self._shed_log[cause] = (last, since)
                return
            self._shed_log[cause] = (now, 0)
            total = self._shed[cause]
        _log.error(
            "audit events shed: cause=%s shed_since_last_report=%d shed_total=%d; these "
            "events are lost (next report in %ss at the earliest)",
            cause,
            since,
            total,
            self._shed_log_interval_s,
        )

    def note_failure(self, cause: str, detail: str, *, level: int = logging.WARNING) -> None:
        """Log that the client is degraded, unless ``cause`` was already logged.

        Args:
            cause: A fixed label of the failure kind.
            detail: librdkafka's error text (never payload).
            level: The log level.
        """
        with self._lock:
            if cause in self._failing:
                return
            self._failing.add(cause)
        _log.log(
            level,
            "audit producer degraded: cause=%s detail=%s; events go to the disk spool and "
            "are replayed when the broker is back",
            cause,
            detail,
        )

    def note_recovery(self, what: str = "events flow to the broker again") -> None:
        """Log the recovery, if a failure was logged since the last recovery.

        Args:
            what: What recovered, for the log line.
        """
        if not self._failing:
            # Every delivery report calls this; reading the set without the lock is
            # safe (a stale read only moves the recovery line to the next report) and
            # spares the background thread a lock per acknowledgement.
            return
        with self._lock:
            if not self._failing:
                return
            causes = ",".join(sorted(self._failing))
            self._failing.clear()
            shed = self._values["shed"]
        _log.info("audit producer recovered: %s; previous_causes=%s shed=%d", what, causes, shed)
