"""``--workers N``: one metrics port per worker, stop signals passed on, the worst exit kept."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditstream.schemas.workers import run_worker_processes, worker_environments
from support.wait import wait_until

PORT = "AUDITSTREAM_SINK__METRICS_PORT"

# A worker that says it is up, then waits for SIGTERM and says how it stopped.
CHILD = textwrap.dedent(
    """
    import os, pathlib, signal, sys, time
    out = pathlib.Path(sys.argv[1]) / str(os.getpid())
    def stop(signum, frame):
        out.write_text(f"stopped by {signal.Signals(signum).name} port {os.environ.get('PORT')}")
        sys.exit(int(os.environ.get("EXIT", "0")))
    signal.signal(signal.SIGTERM, stop)
    # Dies of SIGINT, as a worker does, even when started from a background job of a
    # shell without job control, which starts it with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    out.write_text("up")
    while True:
        time.sleep(0.05)
    """
)

# The supervisor, as `audit sink --workers 2` runs it, in a process the test can signal.
PARENT = textwrap.dedent(
    """
    import sys
    from auditstream.schemas.workers import run_worker_processes
    environments = [{"PORT": "9100", "EXIT": sys.argv[3]}, {"PORT": "9101", "EXIT": "0"}]
    sys.exit(run_worker_processes([sys.executable, "-c", sys.argv[1], sys.argv[2]], environments))
    """
)


class TestWorkerEnvironments:
    def test_each_worker_gets_the_configured_metrics_port_plus_its_index(self):
        """Two processes cannot serve on one port."""
        envs = worker_environments(
            3, metrics_port_variable=PORT, metrics_port=9100, environ={"A": "1"}
        )
        assert [(env[PORT], env["A"]) for env in envs] == [
            ("9100", "1"),
            ("9101", "1"),
            ("9102", "1"),
        ]

    def test_a_configured_instance_id_gets_each_workers_index(self):
        """Two live members with one group.instance.id would fence each other."""
        environ = {"AUDITSTREAM_SINK__INSTANCE_ID": "auditstream-sink-0", "OTHER": "x"}
        envs = worker_environments(
            2, metrics_port_variable=PORT, metrics_port=None, environ=environ
        )
        assert [e["AUDITSTREAM_SINK__INSTANCE_ID"] for e in envs] == [
            "auditstream-sink-0-0",
            "auditstream-sink-0-1",
        ]
        assert all(e["OTHER"] == "x" for e in envs)

    def test_without_a_metrics_port_the_workers_serve_none(self):
        envs = worker_environments(2, metrics_port_variable=PORT, metrics_port=None, environ={})
        assert envs == [{}, {}]


def _start_group(tmp_path: Path, *, first_exit: str = "0") -> subprocess.Popen[bytes]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD, str(tmp_path), first_exit],
        stdout=subprocess.DEVNULL,
    )
    wait_until(
        lambda: sum(p.read_text() == "up" for p in tmp_path.iterdir()) == 2,
        timeout_s=30,
        interval_s=0.05,
        what="both workers up",
    )
    return parent


@pytest.fixture(autouse=True)
def _no_worker_outlives_its_test(tmp_path):
    """Whatever a test asserts, the workers it started (named by pid files) end with it."""
    yield
    for pid_file in tmp_path.iterdir():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.name), signal.SIGKILL)


class TestRunWorkerProcesses:
    def test_sigterm_to_the_parent_stops_every_worker_cleanly(self, tmp_path):
        """As ``systemctl stop`` does: no worker is left running, the group exits 0."""
        parent = _start_group(tmp_path)
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=30) == 0
        said = sorted(p.read_text() for p in tmp_path.iterdir())
        assert said == ["stopped by SIGTERM port 9100", "stopped by SIGTERM port 9101"]

    def test_the_group_exits_with_the_worst_workers_code(self, tmp_path):
        """A worker that failed makes the whole command fail."""
        parent = _start_group(tmp_path, first_exit="2")
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=30) == 2

    def test_sigint_to_the_parent_reaches_each_worker(self, tmp_path):
        """Ctrl-C: a worker that dies of the SIGINT it was sent has stopped, not failed."""
        parent = _start_group(tmp_path)
        parent.send_signal(signal.SIGINT)
        assert parent.wait(timeout=30) == 0

    def test_a_worker_killed_by_a_signal_counts_as_a_failure(self, tmp_path):
        """SIGKILL (the OOM killer, say) is not a clean stop."""
        code = run_worker_processes(
            [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],
            [{}, {}],
        )
        assert code == 1
