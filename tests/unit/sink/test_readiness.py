"""The sink's readiness checks, read from librdkafka's statistics and the worker's state."""

from __future__ import annotations

import json

import pytest

from auditstream.schemas.health import Readiness
from auditstream.sink.batcher import FlushReason, PartitionId
from auditstream.sink.readiness import (
    broker_state,
    expect_sink_checks,
    report_bucket_state,
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
    def test_the_sink_expects_assignment_broker_and_bucket(self):
        """All three fail until reported."""
        readiness = Readiness()
        expect_sink_checks(readiness)
        status = readiness.status()
        assert not status.ready
        assert set(status.checks) == {"assignment", "broker", "bucket"}

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
