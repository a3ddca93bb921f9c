"""Readiness checks, the /metrics + /healthz + /readyz server, and the drain deadline."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, Counter

from auditstream.schemas.health import (
    EXIT_GRACE_EXPIRED,
    Readiness,
    arm_shutdown_deadline,
    serve_observability,
)
from auditstream.schemas.observability import DEFAULT_METRICS_HOST, serve_metrics


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class TestReadiness:
    def test_a_declared_check_fails_with_its_detail_until_reported(self):
        """A worker is not ready before it says so."""
        readiness = Readiness()
        readiness.expect("assignment", detail="waiting for the group's assignment")
        status = readiness.status()
        assert not status.ready
        assert status.checks == {"assignment": "waiting for the group's assignment"}

    def test_every_check_ok_is_ready(self):
        """Ready once each declared check was reported ok."""
        readiness = Readiness()
        readiness.expect("assignment")
        readiness.expect("broker", max_age_s=30)
        readiness.report("assignment", ok=True)
        readiness.report("broker", ok=True)
        assert readiness.status().ready

    def test_a_failing_report_names_why(self):
        """The detail of a failing report is what /readyz shows."""
        readiness = Readiness()
        readiness.report("bucket", ok=False, detail="1 partition(s) paused waiting for the archive")
        assert readiness.status().checks == {
            "bucket": "1 partition(s) paused waiting for the archive"
        }

    def test_a_check_not_reported_within_its_max_age_goes_stale(self):
        """A loop that stopped reporting turns the worker unready."""
        clock = FakeClock()
        readiness = Readiness(clock=clock)
        readiness.expect("broker", max_age_s=30)
        readiness.report("broker", ok=True)
        clock.now += 29
        assert readiness.status().ready
        clock.now += 2
        status = readiness.status()
        assert not status.ready
        assert status.checks["broker"] == "stale: last reported 31s ago"

    def test_a_report_keeps_the_declared_max_age(self):
        """Reporting again does not drop the staleness rule."""
        clock = FakeClock()
        readiness = Readiness(clock=clock)
        readiness.expect("broker", max_age_s=5)
        readiness.report("broker", ok=True)
        clock.now += 10
        assert not readiness.status().ready

    def test_stopping_makes_the_worker_unready_for_good(self):
        """A draining worker is not ready, whatever its checks say."""
        readiness = Readiness()
        readiness.report("assignment", ok=True)
        readiness.stopping()
        status = readiness.status()
        assert not status.ready
        assert status.checks["shutdown"].startswith("stopping")

    def test_no_checks_is_not_ready(self):
        """A worker that declared nothing has not started its checks."""
        assert not Readiness().status().ready


class TestObservabilityServer:
    @pytest.fixture
    def served(self):
        registry = CollectorRegistry()
        Counter("auditstream_test_events", "Test events.", registry=registry).inc(3)
        readiness = Readiness()
        readiness.expect("assignment", detail="waiting for the group's assignment")
        server = serve_observability(
            host="127.0.0.1", port=0, readiness=readiness, registry=registry
        )
        try:
            yield server, readiness
        finally:
            server.close()

    def test_healthz_answers_200_while_the_process_serves(self, served):
        """Liveness needs nothing but the process."""
        server, _readiness = served
        assert get(server.port, "/healthz") == (200, '{"status": "ok"}')

    def test_readyz_answers_503_naming_failing_checks_then_200(self, served):
        """The body says which check fails and why; 200 once all pass."""
        server, readiness = served
        code, body = get(server.port, "/readyz")
        assert code == 503
        assert json.loads(body) == {
            "ready": False,
            "checks": {"assignment": "waiting for the group's assignment"},
        }
        readiness.report("assignment", ok=True)
        code, body = get(server.port, "/readyz")
        assert code == 200
        assert json.loads(body) == {"ready": True, "checks": {"assignment": "ok"}}

    def test_metrics_serves_the_prometheus_registry(self, served):
        """/metrics is prometheus_client's own exposition."""
        server, _readiness = served
        code, body = get(server.port, "/metrics")
        assert code == 200
        assert "auditstream_test_events_total 3.0" in body

    def test_other_paths_are_404_listing_the_paths(self, served):
        """A typo in a probe's path fails loudly instead of looking healthy."""
        server, _readiness = served
        code, body = get(server.port, "/ready")
        assert code == 404
        assert json.loads(body)["paths"] == ["/metrics", "/healthz", "/readyz"]

    def test_a_taken_port_raises_oserror(self, served):
        """The CLI turns this into exit 2 naming the cause."""
        server, readiness = served
        with pytest.raises(OSError, match="in use"):
            serve_observability(host="127.0.0.1", port=server.port, readiness=readiness)

    def test_serve_metrics_without_a_port_serves_nothing(self):
        """No port configured, no endpoint."""
        assert serve_metrics(None) is None

    def test_the_default_bind_address_is_loopback(self):
        """Exposing metrics beyond the host is the operator's choice."""
        assert DEFAULT_METRICS_HOST == "127.0.0.1"


class TestShutdownDeadline:
    def test_a_drain_past_its_grace_ends_the_process_with_code_3(self):
        """The deadline calls exit with EXIT_GRACE_EXPIRED."""
        exited = threading.Event()
        codes: list[int] = []

        def exit_now(code: int) -> None:
            codes.append(code)
            exited.set()

        arm_shutdown_deadline(0.05, exit_now=exit_now)
        assert exited.wait(5)
        assert codes == [EXIT_GRACE_EXPIRED] == [3]

    def test_a_drain_that_ends_in_time_cancels_the_deadline(self):
        """Cancelled, the timer never exits."""
        codes: list[int] = []
        timer = arm_shutdown_deadline(0.2, exit_now=codes.append)
        timer.cancel()
        timer.join(1)
        assert codes == []
