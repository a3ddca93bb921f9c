"""Exactly once across a SIGKILL and across rebalances, on the real broker.

The invariant checked is the delivery promise plus the trace table's: every event id in
appears exactly once in the redacted topic, every bad message exactly once in the DLQ,
and every trace's sequence numbers are exactly 1..n (a lost or doubled state update
would show as a gap or a repeat).
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from support.pipeline import PipelineUnderTest
from support.processor import (
    PROMPTS,
    committed_and_end,
    decoded,
    produce,
    raw_producer,
    sequences_by_trace,
    trace_batch,
)
from support.wait import wait_until

pytestmark = pytest.mark.integration

EVENTS_PER_TRACE = 5


def _wait_all_committed(pipeline: PipelineUnderTest, timeout_s: float) -> None:
    def done() -> bool:
        pipeline.assert_workers_running()
        committed, end = committed_and_end(pipeline)
        return end > 0 and committed >= end

    wait_until(
        done,
        timeout_s=timeout_s,
        interval_s=1,
        what="every raw message committed",
        describe=lambda: f"committed/end={committed_and_end(pipeline)}\n{pipeline.logs()}",
    )


def _read_all(pipeline: PipelineUnderTest) -> tuple[list[dict], list]:
    redacted = decoded(pipeline.read_topic(pipeline.redacted, idle_s=3.0, timeout_s=180))
    dlq = pipeline.read_topic(pipeline.dlq, idle_s=2.0)
    return redacted, dlq


def _assert_exactly_once(
    events: list[dict], bad: list[bytes], redacted: list[dict], dlq: list
) -> None:
    counts = Counter(e["event_id"] for e in redacted)
    doubled = [eid for eid, n in counts.items() if n > 1]
    assert doubled == [], f"{len(doubled)} events forwarded twice"
    missing = {e["event_id"] for e in events} - set(counts)
    assert not missing, f"{len(missing)} events lost"
    assert len(redacted) == len(events)
    assert sorted(m.value() for m in dlq) == sorted(bad)
    sequences = sequences_by_trace(redacted)
    wrong = {t: s for t, s in sequences.items() if s != list(range(1, EVENTS_PER_TRACE + 1))}
    assert wrong == {}, (
        f"{len(wrong)} traces with gaps or repeats, e.g. {next(iter(wrong.items()))}"
    )


class TestCrash:
    def test_sigkill_mid_stream_then_restart_forwards_every_event_exactly_once(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """20,000 events flow; the worker is SIGKILLed mid-stream and restarted."""
        events = trace_batch(4000, EVENTS_PER_TRACE, prompts=PROMPTS)
        bad = [b"\xc3\x01" + bytes([i]) * 20 for i in range(40)]
        worker = pipeline.start("process")
        producer = raw_producer(pipeline)

        def flow() -> None:  # about 40 s of traffic, bad messages sprinkled in
            for i in range(0, len(events), 500):
                produce(producer, pipeline.raw, events[i : i + 500])
                producer.produce(pipeline.raw, key=b"bad", value=bad[i // 500])
                producer.flush(30)
                time.sleep(1)

        sender = threading.Thread(target=flow, daemon=True)
        sender.start()
        wait_until(
            lambda: committed_and_end(pipeline)[0] >= 4000,
            timeout_s=300,
            interval_s=0.5,
            what="4,000 events committed before the kill",
            describe=pipeline.logs,
        )
        worker.process.kill()  # SIGKILL: no flush, no commit, transactions left open
        worker.process.wait()
        pipeline.retire(worker)
        pipeline.start("process")
        sender.join(timeout=300)
        assert not sender.is_alive()
        _wait_all_committed(pipeline, timeout_s=600)

        redacted, dlq = _read_all(pipeline)
        _assert_exactly_once(events, bad, redacted, dlq)


class TestRebalance:
    def test_two_workers_then_one_stopped_then_restarted_keep_traces_and_lose_nothing(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Traces that started before each rebalance continue their numbering and actor."""
        events = trace_batch(300, EVENTS_PER_TRACE, prompts=PROMPTS)
        per_phase = len(events) // EVENTS_PER_TRACE  # one event of every trace per phase
        phases = [events[i : i + per_phase] for i in range(0, len(events), per_phase)]
        bad = [b"", b"\xc3\x01broken"]
        pipeline.start("process")
        second = pipeline.start("process")
        producer = raw_producer(pipeline)

        def run_phase(chunk: list[dict]) -> None:
            produce(producer, pipeline.raw, chunk)
            assert producer.flush(30) == 0
            _wait_all_committed(pipeline, timeout_s=300)

        run_phase(phases[0])
        run_phase(phases[1])
        second.process.terminate()  # a clean stop: the group rebalances to one worker
        second.process.wait(timeout=60)
        pipeline.retire(second)
        run_phase(phases[2])
        for value in bad:
            producer.produce(pipeline.raw, key=b"bad", value=value)
        pipeline.start("process")  # back to two: partitions move again
        run_phase(phases[3])
        run_phase(phases[4])

        redacted, dlq = _read_all(pipeline)
        _assert_exactly_once(events, bad, redacted, dlq)
        later = [e for e in redacted if e["processing"]["trace_sequence"] > 1]
        assert all(e["actor"]["tenant_id"] == "acme" for e in later)
        assert all(e["processing"]["inherited_fields"][:1] == ["actor.tenant_id"] for e in later)
        assert all(e["processing"]["parent_event_id"] for e in later)
