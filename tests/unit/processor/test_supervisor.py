"""The processor's supervisor: forks the worker, forks it again when it dies, stops with it."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from auditstream.processor import supervisor
from auditstream.processor.supervisor import RESTART_BACKOFF_S, RESTART_LIMIT, supervise


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the supervisor's pauses between restarts instead of waiting them out."""
    asked: list[float] = []

    def pause(delay_s: float, _stopped: object) -> bool:
        asked.append(delay_s)
        return False

    monkeypatch.setattr(supervisor, "_pause", pause)
    return asked


def _worker(runs: Path, codes: list[int]) -> int:
    """A worker body: record one run (and its pid), exit with the next code of ``codes``."""
    with runs.open("a") as out:
        out.write(f"{os.getpid()}\n")
    done = len(runs.read_text().splitlines())
    return codes[min(done, len(codes)) - 1]


def _runs(runs: Path) -> list[int]:
    return [int(pid) for pid in runs.read_text().splitlines()] if runs.exists() else []


class TestSupervise:
    def test_a_crashed_worker_is_forked_again_until_it_ends_cleanly(
        self, tmp_path: Path, pauses: list[float]
    ) -> None:
        """Exit 70 (fail-stop), then killed, then 0: three workers, and exit 0."""
        runs = tmp_path / "runs"

        def body() -> int:
            code = _worker(runs, [70, -1, 0])
            if code == -1:
                os.kill(os.getpid(), signal.SIGKILL)
            return code

        assert supervise(body) == 0
        pids = _runs(runs)
        assert len(pids) == 3
        assert len(set(pids)) == 3
        assert os.getpid() not in pids

    def test_a_crash_loop_ends_the_supervisor_with_the_worker_s_code(
        self, tmp_path: Path, pauses: list[float]
    ) -> None:
        """A worker that always fails is forked RESTART_LIMIT times, then left dead."""
        runs = tmp_path / "runs"
        assert supervise(lambda: _worker(runs, [78])) == 78
        assert len(_runs(runs)) == RESTART_LIMIT

    def test_quick_ends_back_off_the_first_restart_is_at_once(
        self, tmp_path: Path, pauses: list[float]
    ) -> None:
        """0, 1, 2, 4, 8, 16 s: about 31 s of an outage ridden out before the crash loop."""
        runs = tmp_path / "runs"
        supervise(lambda: _worker(runs, [78]))
        assert pauses == list(RESTART_BACKOFF_S)[: RESTART_LIMIT - 1]
        assert pauses[0] == 0
        assert sum(pauses) >= 30

    def test_a_stop_signal_during_a_pause_ends_the_supervisor_cleanly(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A rolling update stops a supervisor that waits to restart: no more forks, exit 0."""
        monkeypatch.setattr(supervisor, "RESTART_BACKOFF_S", (0.0, 30.0))
        runs = tmp_path / "runs"

        def stop_when_pausing() -> None:
            deadline = time.monotonic() + 30
            while len(_runs(runs)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # the second worker has ended; the 30 s pause has begun
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=stop_when_pausing, daemon=True).start()
        started = time.monotonic()
        assert supervise(lambda: _worker(runs, [78])) == 0
        assert time.monotonic() - started < 20
        assert len(_runs(runs)) == 2

    def test_a_body_that_raises_exits_70_in_the_child(
        self, tmp_path: Path, pauses: list[float]
    ) -> None:
        """An exception never returns into the supervisor's loop in the child."""
        runs = tmp_path / "runs"

        def body() -> int:
            _worker(runs, [0])
            raise OSError("boom")

        assert supervise(body) == 70
        assert len(_runs(runs)) == RESTART_LIMIT

    def test_a_stop_signal_goes_to_the_worker_once_and_is_not_a_crash(self, tmp_path: Path) -> None:
        """SIGTERM to the supervisor: the worker gets it and is not forked again, even when
        it ends with an error (3: its drain outlasted the grace period)."""
        runs = tmp_path / "runs"
        got = tmp_path / "got"

        def body() -> int:
            def on_term(signum: int, _frame: object) -> None:
                with got.open("a") as out:
                    out.write(f"{signum}\n")
                raise SystemExit(3)

            signal.signal(signal.SIGTERM, on_term)
            _worker(runs, [0])
            time.sleep(60)
            return 1

        def stop_when_started() -> None:
            deadline = time.monotonic() + 30
            while not _runs(runs) and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=stop_when_started, daemon=True).start()
        started = time.monotonic()
        assert supervise(body) == 3
        assert time.monotonic() - started < 30
        assert len(_runs(runs)) == 1
        assert got.read_text().split() == [str(int(signal.SIGTERM))]

    def test_the_worker_runs_in_a_process_group_of_its_own(self, tmp_path: Path) -> None:
        """Ctrl-C in a terminal reaches the supervisor only, which passes it on once."""
        groups = tmp_path / "groups"

        def body() -> int:
            groups.write_text(f"{os.getpid()} {os.getpgrp()}")
            return 0

        assert supervise(body) == 0
        pid, group = groups.read_text().split()
        assert pid == group

    def test_the_supervisor_s_signal_handlers_are_restored(self) -> None:
        """After supervise returns, SIGTERM and SIGINT are handled as before."""
        before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
        assert supervise(lambda: 0) == 0
        assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


class TestFollowParent:
    def test_a_child_ends_within_seconds_of_its_parent(self, tmp_path: Path) -> None:
        """The worker of a SIGKILLed supervisor does not keep its partitions."""
        pid_file = tmp_path / "grandchild"
        middle = os.fork()
        if middle == 0:  # the supervisor's stand-in: forks a worker, then is killed
            try:
                if os.fork() == 0:
                    supervisor.follow_parent()
                    pid_file.write_text(str(os.getpid()))
                time.sleep(60)
            finally:
                os._exit(0)
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        grandchild = int(pid_file.read_text())
        os.kill(middle, signal.SIGKILL)
        os.waitpid(middle, 0)
        deadline = time.monotonic() + 10
        while _alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An orphan is reaped by init; until then it is a zombie, which is as good as gone.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()
