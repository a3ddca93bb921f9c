"""Broker failover on a three-broker cluster: the delivery promise holds while leaders die.

A private cluster (``stack.sh --brokers 3``, its own ports and S3; see
:mod:`support.cluster`) runs for this module. Topics have three replicas and
``min.insync.replicas=2``, internal ones included. While the SDK emits traces and a few
malformed messages, a test SIGKILLs the leaders of the raw and redacted partitions, or
restarts every broker in turn, or SIGKILLs the coordinator of the processor's open
transactions. Afterwards every emitted event id is archived exactly once,
every malformed message is in the DLQ, each trace's sequence numbers have no gap, and
``audit verify`` passes. Workers that exit are restarted, as their supervisor would.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer

from auditstream.producer import AuditClient, ClientConfig
from auditstream.schemas import new_trace_id
from support.cluster import Cluster, running_cluster
from support.pipeline import PipelineUnderTest, new_pipeline
from support.wait import wait_until

pytestmark = pytest.mark.integration

# A trace of 4 events every 100 ms (about 40 events/s): every partition has records in
# flight whenever a broker dies, and one processor worker keeps up on two cores.
TRACE_EVENTS = 4
PACE_S = 0.1
# One malformed message per this many traces, so the DLQ side of the count is exercised.
BAD_EVERY = 25
# Objects archived after a fault before the next fault: proof the pipeline moves again.
PROGRESS_OBJECTS = 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture
def pipeline3(cluster: Cluster, tmp_path: Path) -> Iterator[PipelineUnderTest]:
    yield from new_pipeline(cluster.stack, tmp_path, replication=3)


class Traffic:
    """Emits traces through the SDK and a few malformed messages, on a thread."""

    def __init__(self, pipeline: PipelineUnderTest, spool_dir: Path) -> None:
        self.ids: list[str] = []
        self.bad_keys: list[bytes] = []
        self._pipeline = pipeline
        self._client = AuditClient(
            ClientConfig(
                bootstrap_servers=pipeline.stack.bootstrap_servers,
                topic=pipeline.raw,
                service_name="failover",
                environment="e2e",
                spool_dir=str(spool_dir),
            )
        )
        self._bad = Producer(
            {
                "bootstrap.servers": pipeline.stack.bootstrap_servers,
                "enable.idempotence": True,
                "acks": "all",
            }
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        traces = 0
        while not self._stop.wait(PACE_S):
            trace = new_trace_id()
            for step in range(TRACE_EVENTS):
                self.ids.append(
                    self._client.tool_call(
                        "crm.lookup", input=f"{traces}-{step}", tenant_id="acme", trace_id=trace
                    )
                )
            traces += 1
            if traces % BAD_EVERY == 0:
                key = f"bad-{traces}".encode()
                self._bad.produce(self._pipeline.raw, value=b"not avro", key=key)
                self.bad_keys.append(key)
            self._bad.poll(0)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def finish(self) -> None:
        """Stop emitting and wait until the broker acknowledged everything."""
        self._stop.set()
        self._thread.join(timeout=60)
        assert self._client.flush(120) == 0, "the SDK could not deliver everything"
        self._client.close()
        assert self._bad.flush(120) == 0

    def __exit__(self, *exc: object) -> None:
        if not self._stop.is_set():
            # A failed test: stop emitting and close the client, so its librdkafka threads
            # do not keep logging (connection refused) into later tests once the cluster stops.
            self._stop.set()
            self._thread.join(timeout=60)
            self._client.close(0)


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


def _await_progress(
    supervisor: Supervisor, cluster: Cluster, what: str, *, timeout_s: float = 120
) -> None:
    """Wait until a few more objects are archived than now."""
    before = supervisor.archived_objects()
    wait_until(
        lambda: supervisor.archived_objects() >= before + PROGRESS_OBJECTS,
        timeout_s=timeout_s,
        interval_s=1,
        what=f"archiving to continue {what}",
        describe=lambda: f"{supervisor.pipeline.logs()}\n{cluster.log_tail(10)}",
    )


def _audit_verify(pipeline: PipelineUnderTest) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditstream.cli.main", "verify"],
        capture_output=True,
        text=True,
        env=pipeline.env,
        check=False,
        timeout=120,
    )


def _run_through(
    pipeline: PipelineUnderTest,
    cluster: Cluster,
    tmp_path: Path,
    faults: Callable[[Supervisor], None],
) -> Supervisor:
    """Start the workers, emit while ``faults`` runs, then check the promise end to end."""
    supervisor = Supervisor(pipeline)
    pipeline.start("process")
    pipeline.start("sink")
    with Traffic(pipeline, tmp_path / "spool") as traffic:
        # The first objects wait for both workers to start: the processor loads spaCy
        # twice (worker and analysis child), which takes minutes on a loaded CI host.
        _await_progress(supervisor, cluster, "before the first fault", timeout_s=300)
        faults(supervisor)
        _await_progress(supervisor, cluster, "after the last fault")
        traffic.finish()

    emitted = set(traffic.ids)
    assert len(emitted) == len(traffic.ids)

    seen: list[int] = [0]

    def all_archived() -> list[dict[str, Any]] | None:
        supervisor.check()
        rows = pipeline.archived_rows()
        found = {r["event_id"] for r in rows} & emitted
        seen[0] = len(found)
        return rows if found == emitted else None

    rows = wait_until(
        all_archived,
        timeout_s=150,
        interval_s=2,
        what=f"{len(emitted)} emitted events archived",
        describe=lambda: (
            f"{seen[0]} archived; restarts {supervisor.restarts}\n"
            f"{pipeline.locate(emitted - {r['event_id'] for r in pipeline.archived_rows()})}\n"
            f"{pipeline.logs()}"
        ),
    )
    counts = Counter(r["event_id"] for r in rows)
    assert [i for i, n in counts.items() if n > 1] == [], "events archived twice"
    assert set(counts) == emitted, "archived events nobody emitted"

    dead = pipeline.read_topic(pipeline.dlq, idle_s=2)
    assert sorted(m.key() for m in dead) == sorted(traffic.bad_keys)
    assert len(rows) + len(dead) == len(traffic.ids) + len(traffic.bad_keys)

    sequences: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        sequences[row["trace"]["trace_id"]].append(row["processing"]["trace_sequence"])
    gaps = {t: sorted(s) for t, s in sequences.items() if sorted(s) != [1, 2, 3, 4]}
    assert gaps == {}, f"{len(gaps)} traces with sequence gaps, e.g. {list(gaps.items())[:3]}"

    verified = _audit_verify(pipeline)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "VERIFIED" in verified.stdout
    return supervisor


class TestBrokerFailover:
    def test_killing_the_leaders_of_the_raw_and_redacted_partitions_loses_and_repeats_nothing(
        self, pipeline3: PipelineUnderTest, cluster: Cluster, tmp_path: Path
    ) -> None:
        """SIGKILL raw[0]'s leader, restart it, then redacted[0]'s: each event once."""

        def faults(supervisor: Supervisor) -> None:
            for topic in (pipeline3.raw, pipeline3.redacted):
                leader = cluster.leaders(topic)[0]
                cluster.kill(leader)
                _await_progress(supervisor, cluster, f"with node {leader} killed")
                cluster.start(leader)

        _run_through(pipeline3, cluster, tmp_path, faults)

    def test_a_rolling_restart_of_all_three_brokers_loses_and_repeats_nothing(
        self, pipeline3: PipelineUnderTest, cluster: Cluster, tmp_path: Path
    ) -> None:
        """Each broker stops and comes back in sync before the next: each event once."""

        def faults(supervisor: Supervisor) -> None:
            for node in (1, 2, 3):
                cluster.stop(node)
                _await_progress(supervisor, cluster, f"with node {node} stopped")
                cluster.start(node)

        _run_through(pipeline3, cluster, tmp_path, faults)

    def test_killing_the_coordinator_of_open_transactions_loses_and_repeats_nothing(
        self, pipeline3: PipelineUnderTest, cluster: Cluster, tmp_path: Path
    ) -> None:
        """The processor's transactions are open when their coordinator dies: each event once."""

        def faults(supervisor: Supervisor) -> None:
            # Faust names a partition's transactional id <app id>-<topic group>-<partition>.
            app_id = pipeline3.env["AUDITSTREAM_PROCESSOR__APP_ID"]
            node = cluster.transaction_coordinator(f"{app_id}-0-0")
            cluster.kill(node)
            _await_progress(supervisor, cluster, f"with coordinator node {node} killed")
            cluster.start(node)

        _run_through(pipeline3, cluster, tmp_path, faults)
