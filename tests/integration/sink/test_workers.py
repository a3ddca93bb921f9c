"""``audit sink --workers 2``: one command, two workers in one group, stopped together.

On the real broker and S3: the two workers share the partitions, each serves its own
metrics port, their counters add up to what went in, and SIGTERM to the command stops
both cleanly (nothing lost, nothing doubled, exit 0).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import urllib.request

import pytest

from support.sink_harness import SinkUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration

EVENTS = 600


def _two_free_ports() -> int:
    """A port p such that p and p + 1 are free on loopback now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        with socket.socket() as second, contextlib.suppress(OSError):
            second.bind(("127.0.0.1", port + 1))
            return port
    raise AssertionError("no two consecutive free loopback ports")


def _archived(port: int) -> float | None:
    """The worker's archived-events counter, or None while it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("auditstream_sink_events_archived_total "):
            return float(line.split()[1])
    return None


def _shares(log_text: str) -> dict[str, set[str]]:
    """Each worker's partitions now, by worker id.

    Rebalances are cooperative: an assignment names the partitions added, a revoke the
    partitions taken away.
    """
    shares: dict[str, set[str]] = {}
    for line in log_text.splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry["event"] == "partitions_assigned":
            shares.setdefault(entry["worker_id"], set()).update(entry["partitions"])
        elif entry["event"] in ("partitions_revoked", "partitions_lost"):
            shares.setdefault(entry["worker_id"], set()).difference_update(entry["partitions"])
    return shares


def _child_pids(log_text: str) -> list[int]:
    for line in log_text.splitlines():
        if line.startswith("{") and '"workers_started"' in line:
            return [int(pid) for pid in json.loads(line)["pids"]]
    return []


class TestSinkWorkers:
    def test_two_workers_share_the_partitions_and_stop_together(self, sut: SinkUnderTest) -> None:
        """Each serves metrics on its own port; their counters sum to the events in."""
        port = _two_free_ports()
        group = sut.start("--workers", "2", "--metrics-port", str(port))
        pids: list[int] = []
        try:
            wait_until(
                lambda: sorted(map(len, _shares(group.log_path.read_text()).values())) == [1, 2],
                timeout_s=60,
                what="the two workers splitting the three partitions",
                describe=sut.logs,
            )
            ids = sut.produce(EVENTS)
            wait_until(
                lambda: sut.chained_records() >= EVENTS,
                timeout_s=120,
                interval_s=1,
                what=f"{EVENTS} chained records",
                describe=sut.logs,
            )
            counts = wait_until(
                lambda: (
                    (a, b)
                    if (a := _archived(port)) is not None
                    and (b := _archived(port + 1)) is not None
                    and a + b >= EVENTS
                    else None
                ),
                timeout_s=30,
                what="both workers' metrics",
                describe=sut.logs,
            )
            assert sum(counts) == EVENTS
            assert all(counts), "both workers should have archived a share"
            pids = _child_pids(group.log_path.read_text())
            assert len(pids) == 2, sut.logs()

            group.process.send_signal(signal.SIGTERM)
            assert group.process.wait(timeout=60) == 0, sut.logs()
            for pid in pids:
                with pytest.raises(ProcessLookupError):
                    os.kill(pid, 0)
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

        report = sut.verify()
        assert report.ok, report.failures
        assert sorted(sut.chained_event_ids(report)) == sorted(ids)
