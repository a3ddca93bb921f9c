"""``run_sink``'s signals: a stop signal drains, turns /readyz off, starts the grace clock."""

from __future__ import annotations

import os
import signal
import threading

from auditstream.schemas.health import Readiness
from auditstream.sink import runner


class RecordingTimer:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class TestStopOnSignals:
    def test_sigterm_stops_the_worker_turns_readyz_off_and_arms_the_deadline_once(
        self, monkeypatch
    ):
        """A second signal arms nothing more; a drain that ends in time cancels the deadline."""
        armed: list[tuple[float, RecordingTimer]] = []

        def arm(grace_s: float) -> RecordingTimer:
            timer = RecordingTimer()
            armed.append((grace_s, timer))
            return timer

        monkeypatch.setattr(runner, "arm_shutdown_deadline", arm)
        stop, readiness = threading.Event(), Readiness()
        readiness.report("assignment", ok=True)
        before = signal.getsignal(signal.SIGTERM)
        with runner._stop_on_signals(stop, readiness, grace_s=7.5):
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
            assert stop.is_set()
            assert not readiness.status().ready
        assert [grace for grace, _ in armed] == [7.5]
        assert armed[0][1].cancelled
        assert signal.getsignal(signal.SIGTERM) is before  # the previous handler is back
