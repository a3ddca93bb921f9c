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

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditstream.producer import AuditClient, ClientConfig
from auditstream.schemas import new_trace_id
from support.cluster import Cluster, running_cluster
from support.pipeline import PipelineUnderTest, new_pipeline
from support.promise import MalformedMessages, Supervisor, assert_promise_kept, await_progress

pytestmark = pytest.mark.integration

# A trace of 4 events every 100 ms (about 40 events/s): every partition has records in
# flight whenever a broker dies, and one processor worker keeps up on two cores.
TRACE_EVENTS = 4
PACE_S = 0.1
# One malformed message per this many traces, so the DLQ side of the count is exercised.
BAD_EVERY = 25


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
        self._client = AuditClient(
            ClientConfig(
                bootstrap_servers=pipeline.stack.bootstrap_servers,
                topic=pipeline.raw,
                service_name="failover",
                environment="e2e",
                spool_dir=str(spool_dir),
            )
        )
        self.bad = MalformedMessages(pipeline)
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
                self.bad.send(f"bad-{traces}")

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def finish(self) -> None:
        """Stop emitting and wait until the broker acknowledged everything."""
        self._stop.set()
        self._thread.join(timeout=60)
        assert self._client.flush(120) == 0, "the SDK could not deliver everything"
        self._client.close()
        self.bad.flush()

    def __exit__(self, *exc: object) -> None:
        if not self._stop.is_set():
            # A failed test: stop emitting and close the client, so its librdkafka threads
            # do not keep logging (connection refused) into later tests once the cluster stops.
            self._stop.set()
            self._thread.join(timeout=60)
            self._client.close(0)


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
        await_progress(
            supervisor, "before the first fault", timeout_s=300, context=cluster.log_tail
        )
        faults(supervisor)
        await_progress(supervisor, "after the last fault", context=cluster.log_tail)
        traffic.finish()

    emitted = set(traffic.ids)
    assert len(emitted) == len(traffic.ids)
    assert_promise_kept(supervisor, entered=emitted, bad_keys=traffic.bad.keys)
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
                await_progress(supervisor, f"with node {leader} killed", context=cluster.log_tail)
                cluster.start(leader)

        _run_through(pipeline3, cluster, tmp_path, faults)

    def test_a_rolling_restart_of_all_three_brokers_loses_and_repeats_nothing(
        self, pipeline3: PipelineUnderTest, cluster: Cluster, tmp_path: Path
    ) -> None:
        """Each broker stops and comes back in sync before the next: each event once."""

        def faults(supervisor: Supervisor) -> None:
            for node in (1, 2, 3):
                cluster.stop(node)
                await_progress(supervisor, f"with node {node} stopped", context=cluster.log_tail)
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
            await_progress(
                supervisor, f"with coordinator node {node} killed", context=cluster.log_tail
            )
            cluster.start(node)

        _run_through(pipeline3, cluster, tmp_path, faults)
