"""Stalls: owned partitions with messages waiting and a committed offset that stands still."""

from __future__ import annotations

from auditstream.schemas.health import Readiness
from auditstream.schemas.progress import PROGRESS, Stall, StallDetector, report_progress


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _detector(stall_after_s: float = 30.0) -> tuple[StallDetector, _Clock]:
    clock = _Clock()
    return StallDetector(stall_after_s, clock=clock), clock


class TestStallDetector:
    def test_messages_waiting_and_no_commit_past_the_threshold_is_a_stall(self) -> None:
        """Committed 100, 40 waiting, for 31 s: partition 2 stalls."""
        detector, clock = _detector()
        assert detector.observe({2: (100, 40)}) == []
        clock.now += 29
        assert detector.observe({2: (100, 40)}) == []
        clock.now += 2
        assert detector.observe({2: (100, 45)}) == [Stall(2, 45, 31.0)]

    def test_a_moving_committed_offset_is_progress(self) -> None:
        """Busy for minutes, committing each time: never a stall."""
        detector, clock = _detector()
        for committed in range(100, 1000, 100):
            assert detector.observe({0: (committed, 500)}) == []
            clock.now += 20

    def test_nothing_waiting_is_never_a_stall(self) -> None:
        """An idle partition's committed offset stands still for good, and that is fine."""
        detector, clock = _detector()
        for _ in range(10):
            assert detector.observe({0: (100, 0)}) == []
            clock.now += 60

    def test_the_clock_starts_when_messages_start_waiting(self) -> None:
        """Idle for an hour, then messages: the stall counts from their arrival."""
        detector, clock = _detector()
        detector.observe({0: (100, 0)})
        clock.now += 3600
        assert detector.observe({0: (100, 5)}) == []
        clock.now += 31
        assert detector.observe({0: (100, 5)}) == [Stall(0, 5, 31.0)]

    def test_a_partition_taken_away_and_given_back_starts_afresh(self) -> None:
        """Ownership ends the record: a new owner gets the whole threshold."""
        detector, clock = _detector()
        detector.observe({0: (100, 5), 1: (7, 3)})
        clock.now += 20
        detector.observe({1: (7, 3)})
        clock.now += 20
        assert detector.observe({0: (100, 5), 1: (7, 3)}) == [Stall(1, 3, 40.0)]

    def test_an_unknown_committed_offset_counts_like_any_other(self) -> None:
        """Nothing ever committed (None) while messages wait: a stall after the threshold."""
        detector, clock = _detector(5.0)
        detector.observe({3: (None, 12)})
        clock.now += 6
        assert detector.observe({3: (None, 12)}) == [Stall(3, 12, 6.0)]
        assert detector.observe({3: (0, 12)}) == []  # the first commit is progress


class TestReportProgress:
    def test_stalls_fail_the_check_with_the_partitions_as_its_reason(self) -> None:
        """The JSON body of /readyz names each stalled partition, what waits, how long."""
        readiness = Readiness()
        report_progress(readiness, [Stall(2, 45, 31.4), Stall(5, 1, 90.0)])
        status = readiness.status()
        assert not status.ready
        assert status.checks[PROGRESS] == (
            "stalled: partition 2: 45 message(s) waiting, no commit for 31 s; "
            "partition 5: 1 message(s) waiting, no commit for 90 s"
        )

    def test_no_stall_passes_the_check(self) -> None:
        """Back to ok once the partitions move again."""
        readiness = Readiness()
        report_progress(readiness, [Stall(2, 45, 31.0)])
        report_progress(readiness, [])
        assert readiness.status().checks[PROGRESS] == "ok"
