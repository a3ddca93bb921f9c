"""Two sink workers in one group, rebalanced twice mid-stream: no duplicate, no gap.

A paced producer keeps events flowing the whole time. Worker A starts alone; B joins
(partitions move to B while records flow); then A leaves (its partitions move back to
B). Every partition's chain must continue across owners: positions without gaps, every
event in exactly one chained object.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.sink_harness import SinkUnderTest, new_sink_under_test
from support.stack import Stack
from support.wait import wait_until

pytestmark = pytest.mark.integration

# 30 events every 50 ms: about 600 events a second, enough that every partition has
# records in flight whenever the group rebalances.
CHUNK = 30
PACE_S = 0.05


@pytest.fixture
def sut6(stack: Stack, tmp_path: Path) -> Iterator[SinkUnderTest]:
    yield from new_sink_under_test(stack, tmp_path, partitions=6)


class PacedProducer:
    """Produces chunks of events on a thread until stopped; remembers every event id."""

    def __init__(self, sut: SinkUnderTest) -> None:
        self.ids: list[str] = []
        self._sut = sut
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(PACE_S):
            self.ids += self._sut.produce(CHUNK)

    def __enter__(self) -> PacedProducer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def _committed_by(worker_log: Path) -> int:
    return worker_log.read_text().count('"event": "manifest_committed"')


class TestRebalance:
    @pytest.mark.parametrize("leave", ["sigterm", "sigkill"])
    def test_two_workers_and_two_rebalances_archive_every_event_exactly_once(
        self, sut6: SinkUnderTest, leave: str
    ) -> None:
        """Chains continue across owners (A leaves cleanly or is killed); each event once."""
        sut = sut6
        with PacedProducer(sut) as producer:
            first = sut.start(max_records="50")
            wait_until(lambda: sut.chained_records() >= 300, timeout_s=120, what="A archiving")
            second = sut.start(max_records="50")
            wait_until(
                lambda: _committed_by(second.log_path) >= 6,
                timeout_s=120,
                what="B to own partitions and archive",
                describe=sut.logs,
            )
            if leave == "sigterm":
                first.process.terminate()
                assert first.process.wait(timeout=60) == 0, sut.logs()
            else:  # B takes A's partitions after the session timeout, mid-batch
                first.process.kill()
                first.process.wait(timeout=60)
            settled = _committed_by(second.log_path)
            wait_until(
                lambda: _committed_by(second.log_path) >= settled + 12,
                timeout_s=120,
                what="B to archive after A left",
                describe=sut.logs,
            )
        ids = producer.ids
        wait_until(
            lambda: sut.chained_records() >= len(ids),
            timeout_s=240,
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
        assert sorted(p.partition for p in report.partitions) == list(range(6))
        assert _committed_by(first.log_path) > 0
