"""Chaos on the whole pipeline: SDK, processor and sink through kills and outages, nothing lost.

A private single-broker stack (its own free ports, state and S3 server; the shared stack
is never stopped) runs one pipeline. An emitting child process
(:class:`support.emitter.EmittingProcess`) emits through the SDK on a spool directory and
writes down every id ``emit()`` returned; a few malformed messages go straight to the raw
topic. While it emits, one after another, each fault hitting a pipeline that has just
archived new objects (:func:`support.promise.await_progress`):

1. SIGKILL of the processor's forked worker. ``audit process`` is a supervisor that forks
   its worker from a parent with the models loaded and forks a new one when it dies, so
   the test kills that child and checks the supervisor replaced it. (Killing the
   top-level process would make the test restart it, loading spaCy again: tens of
   seconds, more than this test's budget allows twice.) A second ``audit process`` starts
   now, loading its models while the next faults run.
2. SIGKILL of the sink. ``audit sink`` runs its worker in its own process, so the test
   restarts it (:class:`support.promise.Supervisor`), as a platform would.
3. SIGKILL of the emitting process, restarted on the same spool directory.
4. An S3 outage of about 10 s: the sink notices, pauses, and resumes when S3 is back.
5. The second processor worker takes part (its own events-in counter moves), archiving
   continues, and it is stopped (SIGTERM). It is a static group member, as by default, so
   its partitions move back only when its session times out (30 s, a clock the broker
   outage below starts again): the final wait for the archive is the longest one.
6. A broker outage of about 10 s, with the emitting process SIGKILLed and restarted during it.
   Any worker that exits meanwhile is restarted by the test. That may be ``audit
   process``: when its worker fail-stops (a transaction's send was in flight as the
   broker went), each fork after it fails to bootstrap within a second, and at the fifth
   end within a minute the supervisor gives up (a crash loop); the test starts it again,
   and it reloads its models while the broker is still away.

Then the emitter is SIGKILLed a last time and one more SDK client replays its spool.
Every id ``emit()`` returned reached the raw topic; every event in the raw topic is
archived exactly once, every malformed message is in the DLQ exactly once, archived +
DLQ = everything in, each trace's sequence numbers run 1..n, and ``audit verify`` passes
(:func:`support.promise.assert_promise_kept`).

The test stops itself: each wait takes what is left of :data:`BUDGET_S`, which leaves
room within pytest-timeout's five minutes for the private stack's start and stop.
"""

from __future__ import annotations

import os
import signal
import time
import urllib.error
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditstream.schemas import AuditEventDeserializer, new_trace_id
from support.emitter import EmittingProcess, replay_spool
from support.faults import PrivateStack, free_private_ports, private_stack
from support.pipeline import PipelineUnderTest, Worker, new_pipeline, stop_workers
from support.processor import free_loopback_port, scrape_counters
from support.promise import MalformedMessages, Supervisor, assert_promise_kept, await_progress
from support.wait import wait_until

# Five minutes in all, fixtures included: the private stack started in 18-27 s and
# stopped (with the workers) in about 10 s on a loaded 2-core host; the body's budget
# leaves room for slower starts and stops, so that pytest-timeout, which would cut the
# stack's stop short, is only the last resort.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

BUDGET_S = 230.0
OUTAGE_S = 10.0
# About 35 events/s: the one processor worker keeps up on two shared cores, and every
# partition has events in flight whenever a fault hits.
PAUSE_S = 0.025
# Traces the emitter's events rotate through: each gets events from every generation of
# the emitter (across kills and spool replays), and stays small enough that its state
# (the ids it remembers) is cheap to write to the changelog at every event.
TRACES = 256

decode = AuditEventDeserializer()


class Budget:
    """What is left of the test's time, handed to each wait as its limit."""

    def __init__(self, total_s: float) -> None:
        self.started = time.monotonic()
        self._deadline = self.started + total_s
        self.timeline: list[str] = []

    def left(self, cap_s: float) -> float:
        """The smaller of ``cap_s`` and what is left (at least a second, so a wait fails)."""
        return max(1.0, min(cap_s, self._deadline - time.monotonic()))

    def mark(self, what: str) -> None:
        """Note when a step ended, for the report and failure messages."""
        self.timeline.append(f"{time.monotonic() - self.started:6.1f}s {what}")

    def __str__(self) -> str:
        return "\n".join(self.timeline)


@pytest.fixture
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateStack]:
    with private_stack(tmp_path_factory.mktemp("chaos-stack"), ports=free_private_ports()) as s:
        yield s


@pytest.fixture
def chaos_pipeline(private: PrivateStack, tmp_path: Path) -> Iterator[PipelineUnderTest]:
    yield from new_pipeline(private.stack(), tmp_path)


def _forked_worker(supervisor: Worker) -> int | None:
    """The pid of the worker ``audit process`` forked (its only child), if it has one now."""
    path = Path(f"/proc/{supervisor.process.pid}/task/{supervisor.process.pid}/children")
    children = path.read_text().split() if path.exists() else []
    return int(children[0]) if len(children) == 1 else None


def _events_in(metrics_port: int) -> float:
    """The processor worker's count of raw messages read (0 until it serves metrics)."""
    try:
        return scrape_counters(metrics_port)["auditstream_processor_events_in_total"]
    except (urllib.error.URLError, ConnectionError):
        return 0.0


def _running(pipeline: PipelineUnderTest, name: str) -> Worker:
    (worker,) = [w for w in pipeline.workers if w.name == name]
    return worker


def _entered(pipeline: PipelineUnderTest, bad_keys: list[bytes]) -> set[str]:
    """The event ids in the raw topic: what entered the pipeline, promised or not."""
    ids = set()
    for message in pipeline.read_topic(pipeline.raw, idle_s=2):
        if message.key() not in bad_keys:
            ids.add(decode(message.value())["event_id"])
    return ids


class TestChaos:
    def test_kills_outages_and_a_worker_added_and_removed_lose_and_repeat_nothing(
        self,
        private: PrivateStack,
        chaos_pipeline: PipelineUnderTest,
        tmp_path: Path,
        record_property: Callable[[str, object], None],
    ) -> None:
        """Every id emit() returned archived once, malformed ones dead-lettered once, verified."""
        pipeline = chaos_pipeline
        budget = Budget(BUDGET_S)
        supervisor = Supervisor(pipeline)
        bad = MalformedMessages(pipeline)

        def progress(what: str, cap_s: float = 90) -> None:
            await_progress(
                supervisor, what, timeout_s=budget.left(cap_s), context=lambda: str(budget)
            )
            budget.mark(f"archiving continues {what}")

        processor = pipeline.start("process")
        pipeline.start("sink")
        emitter = EmittingProcess(
            bootstrap_servers=pipeline.stack.bootstrap_servers,
            topic=pipeline.raw,
            spool_dir=tmp_path / "spool",
            ids_path=tmp_path / "ids.txt",
            trace_prefix=new_trace_id()[:24],
            traces=TRACES,
            pause_s=PAUSE_S,
            log_path=tmp_path / "emitter.log",
        )
        with emitter:
            emitter.start()
            bad.send("bad-before-faults")
            # The first objects wait for the processor to load its models.
            progress("before the first fault", cap_s=150)

            # 1. The processor's forked worker; its supervisor forks a new one.
            killed = _forked_worker(processor)
            assert killed is not None, processor.log_tail()
            os.kill(killed, signal.SIGKILL)
            wait_until(
                lambda: _forked_worker(processor) not in (None, killed),
                timeout_s=budget.left(30),
                what="audit process to fork a new worker",
                describe=processor.log_tail,
            )
            budget.mark(f"processor worker {killed} SIGKILLed and replaced")
            metrics_port = free_loopback_port()
            second = pipeline.start("process", "--metrics-port", str(metrics_port))
            progress("after the processor worker was SIGKILLed")

            # 2. The sink; the test's supervisor restarts it.
            sink = _running(pipeline, "sink")
            sink.process.kill()
            sink.process.wait(30)
            supervisor.check()
            assert any(r.startswith("sink exited -9") for r in supervisor.restarts)
            budget.mark("sink SIGKILLed and restarted")
            bad.send("bad-after-sink-kill")
            progress("after the sink was SIGKILLed")

            # 3. The emitting process, restarted on its spool.
            emitter.kill()
            emitter.start()
            budget.mark("emitter SIGKILLed and restarted")
            progress("after the emitter was SIGKILLed")

            # 4. S3 away for a while: the sink pauses (no listing of the bucket meanwhile).
            private.run("s3-stop")
            stopped = time.monotonic()
            budget.mark("s3 stopped")
            bad.send("bad-during-s3-outage")

            def s3_outage_over() -> bool:
                supervisor.check()
                noticed = '"archive_unavailable"' in _running(pipeline, "sink").log_path.read_text()
                return noticed and time.monotonic() - stopped >= OUTAGE_S

            wait_until(
                s3_outage_over,
                timeout_s=budget.left(OUTAGE_S + 30),
                what="the sink to notice the S3 outage",
                describe=pipeline.logs,
            )
            private.run("s3-start")
            budget.mark("s3 started")
            progress("after the S3 outage")

            # 5. The second processor worker takes partitions, then leaves.
            wait_until(
                lambda: _events_in(metrics_port) > 0,
                timeout_s=budget.left(90),
                what="the second processor worker to read raw messages",
                describe=second.log_tail,
            )
            budget.mark("second processor worker reading")
            progress("with two processor workers")
            pipeline.retire(second)  # stopped on purpose: not for the supervisor to restart
            stop_workers([second], timeout_s=budget.left(60))
            budget.mark(f"second processor worker stopped (exit {second.process.returncode})")
            progress("after the second processor worker stopped")

            # 6. The broker away for a while, and the emitter SIGKILLed during it.
            private.run("kafka-stop")
            stopped = time.monotonic()
            budget.mark("kafka stopped")
            emitter.kill()
            emitter.start()
            budget.mark("emitter SIGKILLed and restarted during the broker outage")

            def broker_outage_over() -> bool:
                supervisor.check()
                return time.monotonic() - stopped >= OUTAGE_S

            wait_until(broker_outage_over, timeout_s=budget.left(OUTAGE_S + 5), what="outage")
            private.run("kafka-start")
            budget.mark("kafka started")
            bad.send("bad-after-broker-outage")
            progress("after the broker outage", cap_s=120)

            emitter.kill()
            budget.mark("emitter SIGKILLed a last time")

        bad.flush(budget.left(60))
        recovered = replay_spool(
            pipeline.stack.bootstrap_servers,
            pipeline.raw,
            emitter.spool_dir,
            timeout_s=budget.left(60),
        )
        budget.mark(f"spool replayed ({recovered} events recovered)")
        supervisor.check()
        promised = emitter.promised()
        entered = _entered(pipeline, bad.keys)
        missing = set(promised) - entered
        assert missing == set(), f"{len(missing)} ids emit() returned never reached the raw topic"
        rows = assert_promise_kept(
            supervisor, entered=entered, bad_keys=bad.keys, timeout_s=budget.left(120)
        )
        budget.mark("promise kept, archive verified")
        print(f"\n{budget}")
        print(
            f"promised {len(promised)}, entered {len(entered)}, archived {len(rows)}, "
            f"malformed {len(bad.keys)}, emitter generations {emitter.generation}, "
            f"restarts {[r.partition(':')[0] for r in supervisor.restarts]}"
        )
        record_property("promised", len(promised))
        record_property("entered", len(entered))
        record_property("timeline", str(budget))
        assert len(promised) > 0
