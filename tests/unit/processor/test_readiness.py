"""The processor's readiness: Faust's assignment signals, aiokafka's connections, the drain."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import faust
import pytest
from faust.types import TP
from typer.testing import CliRunner

from auditstream.processor import cli
from auditstream.processor.faust_bridge import broker_connected
from auditstream.processor.readiness import raw_progress, watch_readiness
from auditstream.schemas.health import Readiness


def consumer_with(*connected: bool) -> SimpleNamespace:
    """A stand-in for Faust's aiokafka consumer, down to aiokafka's connection table."""
    conns = {(i, 0): SimpleNamespace(connected=lambda up=up: up) for i, up in enumerate(connected)}
    client = SimpleNamespace(_conns=conns)
    return SimpleNamespace(_thread=SimpleNamespace(_consumer=SimpleNamespace(_client=client)))


class TestBrokerConnected:
    def test_one_open_connection_means_the_broker_is_reachable(self):
        """The coordinator's or a leader's connection is enough."""
        assert broker_connected(consumer_with(False, True)) is True

    def test_no_open_connection_means_unreachable(self):
        """Every connection closed: the broker is not reachable."""
        assert broker_connected(consumer_with(False)) is False
        assert broker_connected(consumer_with()) is False

    def test_internals_elsewhere_give_no_answer(self):
        """Another driver: None, which the check treats as reachable."""
        assert broker_connected(SimpleNamespace()) is None


class TestWatchReadiness:
    def test_an_assignment_makes_the_check_pass_and_a_revoke_fails_it(self):
        """Faust's signals drive the assignment check (an empty assignment counts)."""
        app = faust.App("test-readiness", broker="kafka://127.0.0.1:1", web_enabled=False)
        readiness = Readiness()
        watch_readiness(app, readiness, raw="raw", stall_after_s=60)
        checks = readiness.status().checks
        assert checks["assignment"] == "waiting for the group's assignment"
        assert set(checks) == {"assignment", "broker", "event_loop", "progress"}

        asyncio.run(app.on_partitions_assigned.send(set()))
        assert readiness.status().checks["assignment"] == "ok"
        asyncio.run(app.on_partitions_revoked.send(set()))
        assert readiness.status().checks["assignment"] == "rebalancing"


class TestDrain:
    def test_the_first_stop_signal_turns_readyz_off_and_starts_the_grace_clock(self):
        """Later signals change nothing; Faust's own shutdown runs as before."""
        readiness = Readiness()
        readiness.report("assignment", ok=True)
        drain = cli.Drain(readiness, grace_s=600)
        drain.begin()
        try:
            assert not readiness.status().ready
            deadline = drain._deadline
            assert deadline is not None
            assert deadline.is_alive()
            drain.begin()
            assert drain._deadline is deadline
        finally:
            drain._deadline.cancel()

    def test_the_worker_starts_the_drain_before_faust_schedules_its_shutdown(self):
        """Only the signal handlers are wrapped."""
        calls = []

        class Base:
            def _on_sigterm(self):
                calls.append("faust")

            def _on_sigint(self):
                calls.append("faust-int")

        worker_class = cli._worker_class(SimpleNamespace(Worker=Base))
        worker = worker_class()
        worker.drain = SimpleNamespace(begin=lambda: calls.append("drain"))
        worker._on_sigterm()
        worker._on_sigint()
        assert calls == ["drain", "faust", "drain", "faust-int"]


class TestProcessCli:
    @pytest.fixture
    def started(self, monkeypatch):
        seen = {}
        monkeypatch.setattr(cli, "_run_worker", lambda settings, level: seen.update(s=settings))
        return seen

    def test_metrics_host_and_port_options_reach_the_settings(self, started):
        """Same flags as ``audit sink``."""
        result = CliRunner().invoke(
            cli.app, ["--metrics-host", "0.0.0.0", "--metrics-port", "9464"]
        )
        assert result.exit_code == 0, result.output
        section = started["s"].processor
        assert (section.metrics_host, section.metrics_port) == ("0.0.0.0", 9464)

    def test_the_variables_set_them_too(self, started, monkeypatch):
        """AUDITSTREAM_PROCESSOR__METRICS_HOST / __METRICS_PORT / __SHUTDOWN_GRACE_S."""
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__METRICS_HOST", "::")
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__METRICS_PORT", "9470")
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__SHUTDOWN_GRACE_S", "12")
        result = CliRunner().invoke(cli.app, [])
        assert result.exit_code == 0, result.output
        section = started["s"].processor
        assert (section.metrics_host, section.metrics_port) == ("::", 9470)
        assert section.shutdown_grace_s == 12

    def test_the_default_binds_loopback(self, started):
        """Exposing metrics is the operator's choice."""
        result = CliRunner().invoke(cli.app, [])
        assert result.exit_code == 0, result.output
        assert started["s"].processor.metrics_host == "127.0.0.1"


class TestRawProgress:
    def test_owned_raw_partitions_report_their_committed_offset_and_what_waits(self):
        """From the consumer's committed offsets and its last fetches' highwaters."""
        raw0, raw1, raw2 = TP("raw", 0), TP("raw", 1), TP("raw", 2)
        changelog = TP("app-traces-changelog", 0)
        highwaters = {raw0: 150, raw1: None, raw2: 40, changelog: 99}
        consumer = SimpleNamespace(
            assignment=lambda: {raw0, raw1, raw2, changelog},
            _committed_offset={raw0: 100, raw1: 7, changelog: 50},
            highwater=highwaters.get,
        )
        assert raw_progress(consumer, "raw") == {
            0: (100, 50),
            1: (7, 0),  # no fetch yet: nothing known to wait
            2: (None, 40),  # nothing committed yet: everything up to the highwater waits
        }
