"""The sink's readiness checks, read from librdkafka's statistics and the worker's state."""

from __future__ import annotations

import json

import pytest

from auditstream.schemas.health import Readiness
from auditstream.schemas.progress import StallDetector
from auditstream.sink.batcher import FlushReason, PartitionId
from auditstream.sink.readiness import (
    broker_state,
    expect_sink_checks,
    partition_progress,
    report_bucket_state,
    report_statistics,
)
from auditstream.sink.worker_state import Waiting, WorkerState


def stats(**states: str) -> str:
    return json.dumps({"brokers": {name: {"state": state} for name, state in states.items()}})


class TestBrokerState:
    @pytest.mark.parametrize(
        "document",
        [stats(a="UP"), stats(a="DOWN", b="UP"), stats(a="CONNECT", b="UP")],
    )
    def test_when_any_broker_connection_is_up_then_the_broker_is_reachable(self, document):
        """One connection up is enough: librdkafka routes to it."""
        assert broker_state(document) == (True, "")

    def test_when_no_connection_is_up_then_the_detail_names_each_state(self):
        """The probe body says what librdkafka sees."""
        ok, detail = broker_state(stats(**{"k1:9092/1": "DOWN", "k2:9092/2": "CONNECT"}))
        assert not ok
        assert detail == "no broker connection up (k1:9092/1=DOWN, k2:9092/2=CONNECT)"

    @pytest.mark.parametrize("document", ["not json", "[]", json.dumps({"brokers": {}})])
    def test_when_statistics_name_no_broker_then_it_is_not_reachable(self, document):
        """Unreadable or empty statistics never count as reachable."""
        assert broker_state(document)[0] is False


class TestSinkChecks:
    def test_the_sink_expects_assignment_broker_bucket_and_progress(self):
        """All four fail until reported."""
        readiness = Readiness()
        expect_sink_checks(readiness)
        status = readiness.status()
        assert not status.ready
        assert set(status.checks) == {"assignment", "broker", "bucket", "progress"}

    def test_a_partition_waiting_for_the_archive_makes_the_bucket_check_fail(self):
        """Paused or not yet resumed, either means the store does not answer."""
        readiness = Readiness()
        state = WorkerState()
        state.unresumed[PartitionId("t", 0)] = Waiting(1, 0.0, FlushReason.REVOKE)
        report_bucket_state(readiness, state)
        assert readiness.status().checks["bucket"] == (
            "1 partition(s) paused waiting for the archive"
        )
        state.unresumed.clear()
        report_bucket_state(readiness, state)
        assert readiness.status().checks["bucket"] == "ok"


def partition_stats(topic: str = "redacted", **partitions: dict) -> str:
    """A statistics document naming these partitions (librdkafka's field names)."""
    entries = {"-1": {"desired": False, "committed_offset": -1001}}
    entries |= {key.removeprefix("p"): entry for key, entry in partitions.items()}
    return json.dumps({"brokers": {}, "topics": {topic: {"partitions": entries}}})


def owned(committed: int, consumed: int, fetch: int, stable: int) -> dict:
    return {
        "desired": True,
        "committed_offset": committed,
        "app_offset": consumed,
        "next_offset": fetch,
        "ls_offset": stable,
        "hi_offset": stable,
    }


class TestPartitionProgress:
    def test_an_idle_partition_past_its_last_marker_has_nothing_waiting(self):
        """Committed 41 = after the last record; the marker at 41 fetched past (next 42)."""
        assert partition_progress(partition_stats(p0=owned(41, 41, 42, 42)), "redacted") == {
            0: (41, 0)
        }

    def test_fetched_but_not_archived_and_not_yet_fetched_both_wait(self):
        """30 handed to the worker since the commit, 20 more the fetcher has not reached."""
        document = partition_stats(p3=owned(100, 130, 130, 150))
        assert partition_progress(document, "redacted") == {3: (100, 50)}

    def test_unknown_offsets_are_none_and_unassigned_partitions_are_left_out(self):
        """librdkafka's -1001 is 'not known'; a partition not desired is not ours."""
        document = partition_stats(
            p0=owned(-1001, -1001, -1001, 12), p1={**owned(5, 5, 6, 6), "desired": False}
        )
        assert partition_progress(document, "redacted") == {0: (None, 0)}

    @pytest.mark.parametrize("document", ["", "{}", json.dumps({"topics": {"other": {}}})])
    def test_a_document_without_our_topic_names_nothing(self, document):
        """Nothing assigned yet, another topic, or unreadable: no partitions."""
        assert partition_progress(document, "redacted") == {}


class TestReportStatistics:
    def test_a_partition_that_stops_archiving_turns_the_worker_unready(self):
        """Records handed over, no commit past the threshold: progress fails, naming it."""
        clock = iter([0.0, 10.0, 70.0])
        stalls = StallDetector(60.0, clock=lambda: next(clock))
        readiness = Readiness()
        stuck = partition_stats(p2=owned(100, 130, 130, 130))
        for _ in range(2):
            report_statistics(readiness, stalls, "redacted", stuck)
            assert readiness.status().checks["progress"] == "ok"
        report_statistics(readiness, stalls, "redacted", stuck)
        assert readiness.status().checks["progress"] == (
            "stalled: partition 2: 30 message(s) waiting, no commit for 70 s"
        )
        assert not readiness.status().ready
