"""What ``/readyz`` means for a sink worker, from state the worker already has.

Four checks, none of which calls the broker or the bucket when a probe comes:

- ``assignment``: the group handed this worker its assignment (possibly empty: a worker
  beyond the partition count stands by, ready to take partitions over), and has not
  taken it away as lost;
- ``broker``: librdkafka's own statistics, which the consumer emits every
  ``STATS_INTERVAL_MS`` from inside the poll loop, show at least one broker connection
  up; statistics older than ``BROKER_STATE_MAX_AGE_S`` fail the check, so a poll loop
  that stopped turning makes the worker unready too;
- ``bucket``: the archive opened (bucket, Object Lock and signing key checked) and no
  partition is paused waiting for the store;
- ``progress``: no partition the worker owns has messages waiting (fetched and not yet
  archived, or not fetched yet) while its committed offset stood still for longer than
  ``SinkSection.stall_threshold_s`` (:mod:`auditstream.schemas.progress`), read from
  the same statistics, so it fails too when they stop coming.
"""

from __future__ import annotations

import json

from auditstream.schemas.health import Readiness
from auditstream.schemas.progress import PROGRESS, StallDetector, report_progress
from auditstream.sink.worker_state import WorkerState

ASSIGNMENT = "assignment"
BROKER = "broker"
BUCKET = "bucket"

# librdkafka statistics every 5 s: one JSON document per interval, parsed in well under a
# millisecond for a consumer of a few dozen partitions.
STATS_INTERVAL_MS = 5_000
# Six intervals: a flush that writes a full 16 MiB batch to a slow store holds the poll
# loop for seconds, which must not flap readiness; a loop stuck for half a minute should.
BROKER_STATE_MAX_AGE_S = 30.0


def expect_sink_checks(readiness: Readiness) -> None:
    """Declare the sink's checks; each fails until the worker first reports it."""
    readiness.expect(ASSIGNMENT, detail="waiting for the group's assignment")
    readiness.expect(BROKER, max_age_s=BROKER_STATE_MAX_AGE_S, detail="no broker state yet")
    readiness.expect(BUCKET, detail="opening the archive")
    readiness.expect(PROGRESS, max_age_s=BROKER_STATE_MAX_AGE_S, detail="no statistics yet")


def report_statistics(
    readiness: Readiness, stalls: StallDetector, topic: str, stats_json: str
) -> None:
    """The consumer's ``stats_cb``: report the ``broker`` and ``progress`` checks.

    Args:
        readiness: The worker's readiness checks.
        stalls: The worker's stall detector (its threshold from the settings).
        topic: The topic the worker consumes.
        stats_json: The document librdkafka passes to ``stats_cb``.
    """
    report_broker_state(readiness, stats_json)
    report_progress(readiness, stalls.observe(partition_progress(stats_json, topic)))


def partition_progress(stats_json: str, topic: str) -> dict[int, tuple[int | None, int]]:
    """Each partition the consumer owns: its committed offset and the messages waiting.

    From librdkafka's per-partition statistics: what was handed to the worker but not
    committed yet (``app_offset`` past ``committed_offset``: fetched, not yet archived)
    plus what the fetcher has not reached (``next_offset`` short of the last stable
    offset). Both skip transaction markers: the fetcher moves past them, and the worker
    commits the offset after its last record, so an idle partition has nothing waiting.

    Args:
        stats_json: The document librdkafka passes to ``stats_cb``.
        topic: The topic the worker consumes.

    Returns:
        Partition -> (committed offset or None, messages waiting), for
        :meth:`~auditstream.schemas.progress.StallDetector.observe`; empty when the
        document names no partition of the topic (nothing assigned, or unreadable).
    """
    try:
        partitions = json.loads(stats_json)["topics"][topic]["partitions"]
    except (ValueError, KeyError, TypeError):
        return {}
    owned = {}
    for key, entry in partitions.items():
        if int(key) < 0 or not entry.get("desired"):
            continue  # librdkafka's internal partition, or one not assigned to us
        committed = _known(entry.get("committed_offset"))
        consumed = _known(entry.get("app_offset"))
        fetch = _known(entry.get("next_offset"))
        end = _known(entry.get("ls_offset"))
        if end is None:
            end = _known(entry.get("hi_offset"))
        unarchived = consumed - (committed or 0) if consumed is not None else 0
        unfetched = end - fetch if end is not None and fetch is not None else 0
        owned[int(key)] = (committed, max(0, unarchived) + max(0, unfetched))
    return owned


def _known(offset: object) -> int | None:
    """Return a librdkafka offset, or None for its negative "not known" values."""
    return offset if isinstance(offset, int) and offset >= 0 else None


def broker_state(stats_json: str) -> tuple[bool, str]:
    """Read librdkafka's statistics: is any broker connection up?

    Args:
        stats_json: The document librdkafka passes to ``stats_cb``.

    Returns:
        Whether a broker is up, and a detail naming the states when none is.
    """
    try:
        brokers = json.loads(stats_json).get("brokers", {})
    except (ValueError, AttributeError):
        return False, "unreadable broker statistics"
    states = {str(name): str(entry.get("state")) for name, entry in brokers.items()}
    if any(state == "UP" for state in states.values()):
        return True, ""
    shown = ", ".join(f"{name}={state}" for name, state in sorted(states.items()))
    return False, f"no broker connection up ({shown or 'no brokers known'})"


def report_broker_state(readiness: Readiness, stats_json: str) -> None:
    """Report the ``broker`` check from librdkafka's statistics (the consumer's ``stats_cb``)."""
    ok, detail = broker_state(stats_json)
    readiness.report(BROKER, ok=ok, detail=detail)


def report_bucket_state(readiness: Readiness, state: WorkerState) -> None:
    """Report the ``bucket`` check: no partition waits for the archive."""
    waiting = len(state.paused) + len(state.unresumed)
    detail = f"{waiting} partition(s) paused waiting for the archive" if waiting else ""
    readiness.report(BUCKET, ok=not waiting, detail=detail)
