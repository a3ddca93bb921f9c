"""Exactly once across SIGKILL at every point of a flush, on the real broker and S3.

The sink is killed by its test-only hook at one exact point of its third flush (before
the data PUT, between data and manifest, between manifest and commit); more events
arrive, and the sink restarts with a larger batch size, so any object the crash left
behind has a key the new run never writes. Afterwards the chains verify, every input
event is in exactly one chained object, and objects no manifest references are
reported as orphans, never counted.
"""

from __future__ import annotations

import signal

import pytest

from support.sink_harness import SinkUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration

EVENTS = 900
MORE_EVENTS = 300
# Kill the third flush: the chain then has links before the crash, so the restart must
# resume mid-chain, not from an empty archive.
CRASH_ON_FLUSH = "3"


class TestCrashRecovery:
    @pytest.mark.parametrize("point", ["before_data", "after_data", "after_manifest"])
    def test_every_offset_is_in_exactly_one_chained_object_after_a_sigkill(
        self, sut: SinkUnderTest, point: str
    ) -> None:
        """SIGKILL at the point, restart: verification passes and no event is lost or doubled."""
        ids = sut.produce(EVENTS)
        crashed = sut.start(
            max_records="100", test_crash_at=point, test_crash_on_flush=CRASH_ON_FLUSH
        )
        returncode = wait_until(
            crashed.process.poll, timeout_s=120, what="the crash hook", describe=sut.logs
        )
        assert returncode == -signal.SIGKILL, sut.logs()
        before = sut.verify(check_objects=False, check_retention=False)
        assert before.ok, before.failures
        ids += sut.produce(MORE_EVENTS)

        sut.start(max_records="150")
        wait_until(
            lambda: sut.chained_records() >= len(ids),
            timeout_s=180,
            interval_s=1,
            what=f"{len(ids)} chained records",
            describe=sut.logs,
        )
        sut.stop()

        report = sut.verify()
        assert report.ok, report.failures
        archived = sut.chained_event_ids(report)
        assert len(archived) == len(ids)
        assert set(archived) == set(ids)
        if point == "after_data":
            assert report.orphans, "the killed flush's objects should be reported as orphans"
        else:
            assert report.orphans == []
        assert set(report.orphans).isdisjoint(report.chained_objects())
