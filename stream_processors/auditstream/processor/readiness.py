"""What ``/readyz`` means for a processor worker, from state Faust and aiokafka already keep.

Four checks, none of which calls the broker when a probe comes:

- ``assignment``: Faust signalled the group's assignment (possibly empty: a worker beyond
  the partition count stands by) and no rebalance has revoked it since; aiokafka gives
  the assignment up when the group coordinator stays unreachable past the session
  timeout, so a long broker outage turns this check off too;
- ``broker``: the consumer's Kafka client holds at least one open broker connection
  (read from aiokafka's connection table, in memory, by
  :func:`~auditstream.processor.faust_bridge.broker_connected`);
- ``event_loop``: a Faust timer ticked within ``LOOP_MAX_AGE_S``, so a worker whose
  event loop is blocked is not reported ready;
- ``progress``: no raw partition it owns has messages waiting beyond its committed offset
  while that offset stood still for longer than ``ProcessorSection.stall_threshold_s``
  (:mod:`auditstream.schemas.progress`; from the consumer's committed offsets and the
  highwaters of its last fetches, read by the same timer).

Faust's shutdown is Faust's: on SIGTERM its worker stops the app's services in order
(agents, the consumer committing what was acknowledged, transactional producers). The
processor only bounds how long that may take (:func:`arm_shutdown_deadline`, in
``ProcessorSection.shutdown_grace_s``) and turns ``/readyz`` off while it runs.
"""

from __future__ import annotations

from typing import Any

import faust

from auditstream.processor.faust_bridge import broker_connected, committed_offsets
from auditstream.schemas.health import Readiness
from auditstream.schemas.progress import PROGRESS, StallDetector, report_progress

ASSIGNMENT = "assignment"
BROKER = "broker"
EVENT_LOOP = "event_loop"

# The timer ticks every 5 s; six ticks missed means the loop is blocked, not busy
# (redaction runs in a child process or an executor thread, never on the loop).
LOOP_TICK_S = 5.0
LOOP_MAX_AGE_S = 30.0


def watch_readiness(
    app: faust.App, readiness: Readiness, *, raw: str, stall_after_s: float
) -> None:
    """Declare the processor's checks and connect them to the app's signals and a timer.

    Call it after the app is built and before its worker starts.

    Args:
        app: The processor's Faust app.
        readiness: Where the checks are reported.
        raw: The raw topic (the partitions whose progress counts).
        stall_after_s: How long an owned raw partition may have messages waiting with
            its committed offset standing still before the worker is not ready.
    """
    readiness.expect(ASSIGNMENT, detail="waiting for the group's assignment")
    readiness.expect(BROKER, max_age_s=LOOP_MAX_AGE_S, detail="no broker connection yet")
    readiness.expect(EVENT_LOOP, max_age_s=LOOP_MAX_AGE_S, detail="the app has not started")
    readiness.expect(PROGRESS, max_age_s=LOOP_MAX_AGE_S, detail="the app has not started")
    stalls = StallDetector(stall_after_s)

    @app.on_partitions_assigned.connect
    async def on_assigned(_sender: Any, /, *_args: Any, **_kwargs: Any) -> None:
        readiness.report(ASSIGNMENT, ok=True)

    @app.on_partitions_revoked.connect
    async def on_revoked(_sender: Any, /, *_args: Any, **_kwargs: Any) -> None:
        readiness.report(ASSIGNMENT, ok=False, detail="rebalancing")

    @app.timer(LOOP_TICK_S)  # type: ignore[untyped-decorator]  # faust's timer is untyped
    async def report_liveness() -> None:
        readiness.report(EVENT_LOOP, ok=True)
        connected = broker_connected(app.consumer)
        readiness.report(
            BROKER,
            ok=connected is not False,
            detail="" if connected is not False else "no open broker connection",
        )
        report_progress(readiness, stalls.observe(raw_progress(app.consumer, raw)))


def raw_progress(consumer: Any, raw: str) -> dict[int, tuple[int | None, int]]:
    """Each owned raw partition's committed offset and the messages waiting beyond it.

    Reads the committed offsets Faust's consumer keeps
    (:func:`~auditstream.processor.faust_bridge.committed_offsets`) and the highwater of
    each partition's last fetch; no network. A partition whose highwater is not known yet
    has nothing waiting as far as this can tell.

    Args:
        consumer: ``app.consumer``.
        raw: The raw topic.

    Returns:
        Partition -> (committed offset or None, messages waiting), for the argument of
        :meth:`~auditstream.schemas.progress.StallDetector.observe`.
    """
    committed = committed_offsets(consumer)
    owned = {}
    for tp in consumer.assignment():
        if tp.topic != raw:
            continue
        offset = committed.get(tp)
        end = consumer.highwater(tp)
        owned[tp.partition] = (offset, max(0, end - (offset or 0)) if end is not None else 0)
    return owned
