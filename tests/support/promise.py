"""The delivery promise, checked end to end while workers die: for fault tests of the pipeline.

A fault test runs the real workers (:mod:`support.pipeline`), restarts those that exit
(:class:`Supervisor`), waits for new archived objects between its faults
(:func:`await_progress`), feeds malformed messages to the raw topic
(:class:`MalformedMessages`), and at the end checks the promise
(:func:`assert_promise_kept`): every event that entered is archived exactly once, every
malformed message is in the DLQ exactly once, archived + DLQ = everything in, each
trace's sequence numbers run 1..n, and ``audit verify`` passes.

Used by ``tests/e2e/test_broker_failover.py`` and ``tests/e2e/test_chaos.py``.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from confluent_kafka import Producer

from support.pipeline import PipelineUnderTest
from support.wait import wait_until

# Objects archived after a fault before the next fault: proof the pipeline moves again.
PROGRESS_OBJECTS = 3


class Supervisor:
    """Restarts a worker that exited, as systemd or Kubernetes would, and counts it."""

    def __init__(self, pipeline: PipelineUnderTest) -> None:
        self.pipeline = pipeline
        self.restarts: list[str] = []

    def check(self) -> None:
        for worker in list(self.pipeline.workers):
            code = worker.process.poll()
            if code is not None:
                self.restarts.append(f"{worker.name} exited {code}: {worker.log_tail(5)}")
                self.pipeline.retire(worker)
                self.pipeline.start(worker.name)

    def archived_objects(self) -> int:
        self.check()
        return len(self.pipeline.archived_keys())


def await_progress(
    supervisor: Supervisor,
    what: str,
    *,
    timeout_s: float = 120,
    context: Callable[[], str] | None = None,
) -> None:
    """Wait until a few more objects are archived than now.

    ``context`` adds to the failure message (the brokers' logs, say).
    """
    before = supervisor.archived_objects()
    wait_until(
        lambda: supervisor.archived_objects() >= before + PROGRESS_OBJECTS,
        timeout_s=timeout_s,
        interval_s=1,
        what=f"archiving to continue {what}",
        describe=lambda: f"{supervisor.pipeline.logs()}\n{context() if context else ''}",
    )


class MalformedMessages:
    """Produces bytes that are not an audit event straight to the raw topic, keyed uniquely."""

    def __init__(self, pipeline: PipelineUnderTest) -> None:
        self.keys: list[bytes] = []
        self._topic = pipeline.raw
        self._producer = Producer(
            {
                "bootstrap.servers": pipeline.stack.bootstrap_servers,
                "enable.idempotence": True,
                "acks": "all",
            }
        )

    def send(self, key: str) -> None:
        self._producer.produce(self._topic, value=b"not avro", key=key.encode())
        self.keys.append(key.encode())
        self._producer.poll(0)

    def flush(self, timeout_s: float = 120) -> None:
        """Wait until the broker acknowledged every malformed message."""
        assert self._producer.flush(timeout_s) == 0, "malformed messages not delivered"


def audit_verify(pipeline: PipelineUnderTest) -> subprocess.CompletedProcess[str]:
    """Run ``audit verify`` on the pipeline's archive."""
    return subprocess.run(
        [sys.executable, "-m", "auditstream.cli.main", "verify"],
        capture_output=True,
        text=True,
        env=pipeline.env,
        check=False,
        timeout=120,
    )


def assert_promise_kept(
    supervisor: Supervisor,
    *,
    entered: set[str],
    bad_keys: list[bytes],
    timeout_s: float = 150,
) -> list[dict[str, Any]]:
    """Check the promise for the events that ``entered`` and the malformed ``bad_keys``.

    1. Wait (restarting exited workers) until every event that entered is archived.
    2. No event is archived twice, and none is archived that did not enter.
    3. The DLQ holds every malformed message once, and archived + DLQ = everything in.
    4. Each trace's sequence numbers are 1..n, without a gap or a repeat.
    5. ``audit verify`` exits 0 and prints VERIFIED.

    Returns:
        The archived rows.
    """
    assert entered, "nothing entered the pipeline: there is no promise to check"
    pipeline = supervisor.pipeline
    seen: list[int] = [0]

    def all_archived() -> list[dict[str, Any]]:
        supervisor.check()
        rows = pipeline.archived_rows()
        found = {r["event_id"] for r in rows} & entered
        seen[0] = len(found)
        return rows if found == entered else []

    # 1
    rows = wait_until(
        all_archived,
        timeout_s=timeout_s,
        interval_s=2,
        what=f"{len(entered)} events archived",
        describe=lambda: (
            f"{seen[0]} archived; restarts {supervisor.restarts}\n"
            f"{pipeline.locate(entered - {r['event_id'] for r in pipeline.archived_rows()})}\n"
            f"{pipeline.logs()}"
        ),
    )
    # 2
    counts = Counter(r["event_id"] for r in rows)
    assert [i for i, n in counts.items() if n > 1] == [], "events archived twice"
    assert set(counts) == entered, "archived events that never entered"
    # 3
    dead = pipeline.read_topic(pipeline.dlq, idle_s=2)
    where: dict[bytes, list[tuple[int, int]]] = defaultdict(list)
    for message in dead:
        where[message.key()].append((message.partition(), message.offset()))
    assert sorted(m.key() for m in dead) == sorted(bad_keys), f"DLQ (partition, offset): {where}"
    assert len(rows) + len(dead) == len(entered) + len(bad_keys)
    # 4
    sequences: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        sequences[row["trace"]["trace_id"]].append(row["processing"]["trace_sequence"])
    gaps = {t: sorted(s) for t, s in sequences.items() if sorted(s) != list(range(1, len(s) + 1))}
    assert gaps == {}, f"{len(gaps)} traces with sequence gaps, e.g. {list(gaps.items())[:3]}"
    # 5
    verified = audit_verify(pipeline)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "VERIFIED" in verified.stdout
    return rows
