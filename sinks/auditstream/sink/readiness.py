"""What ``/readyz`` means for a sink worker, from state the worker already has.

Three checks, none of which calls the broker or the bucket when a probe comes:

- ``assignment``: the group handed this worker its assignment (possibly empty: a worker
  beyond the partition count stands by, ready to take partitions over), and has not
  taken it away as lost;
- ``broker``: librdkafka's own statistics, which the consumer emits every
  ``STATS_INTERVAL_MS`` from inside the poll loop, show at least one broker connection
  up; statistics older than ``BROKER_STATE_MAX_AGE_S`` fail the check, so a poll loop
  that stopped turning makes the worker unready too;
- ``bucket``: the archive opened (bucket, Object Lock and signing key checked) and no
  partition is paused waiting for the store.
"""

from __future__ import annotations

import json

from auditstream.schemas.health import Readiness
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
