"""A 30-second S3 outage mid-stream on a private stack: nothing lost, nothing committed, bounded.

The test starts its own stack (other ports, temporary state) because it stops the S3
server; the shared stack is never touched. While S3 is down the sink pauses its
partitions, keeps its batches, commits nothing and stays within a memory bound even
though the topic keeps growing; when S3 is back it resumes by itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from support.faults import PrivateStack, private_stack
from support.sink_harness import SinkUnderTest, new_sink_under_test
from support.wait import wait_until

pytestmark = pytest.mark.integration

OUTAGE_S = 30
# The worker holds at most one batch per partition plus librdkafka's fetch queue; the
# topic grows by ~20 MB of events during the outage, so growth past this bound would
# mean the sink buffers what it cannot store.
RSS_GROWTH_LIMIT_BYTES = 96 << 20


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateStack]:
    with private_stack(tmp_path_factory.mktemp("private-stack")) as stack:
        yield stack


@pytest.fixture
def outage_sut(private: PrivateStack, tmp_path: Path) -> Iterator[SinkUnderTest]:
    yield from new_sink_under_test(private.stack(), tmp_path)


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _committed(sut: SinkUnderTest) -> list[int]:
    consumer = Consumer(
        {"bootstrap.servers": sut.stack.bootstrap_servers, "group.id": f"test-sink-{sut.run_id}"}
    )
    try:
        tps = [TopicPartition(sut.topic, p) for p in range(sut.partitions)]
        return [tp.offset for tp in consumer.committed(tps, timeout=30)]
    finally:
        consumer.close()


class TestStorageOutage:
    def test_an_s3_outage_pauses_the_sink_and_it_resumes_without_loss(
        self, private: PrivateStack, outage_sut: SinkUnderTest
    ) -> None:
        """Paused, nothing committed, memory bounded; afterwards every event once."""
        sut = outage_sut
        ids = sut.produce(600)
        worker = sut.start(max_records="100")
        wait_until(lambda: sut.chained_records() >= 300, timeout_s=120, what="archiving")

        private.run("s3-stop")
        stopped_at = time.monotonic()
        # The first 600 may all be archived by now: the sink notices the outage when it
        # next has something to store.
        ids += sut.produce(600)
        wait_until(
            lambda: '"archive_unavailable"' in worker.log_path.read_text(),
            timeout_s=60,
            what="the sink to notice the outage",
            describe=sut.logs,
        )
        committed = _committed(sut)
        rss_before = _rss_bytes(worker.process.pid)
        for _ in range(10):
            ids += sut.produce(5000)
        samples: list[int] = []

        def outage_over() -> bool:
            samples.append(_rss_bytes(worker.process.pid))
            return time.monotonic() - stopped_at >= OUTAGE_S

        wait_until(outage_over, timeout_s=OUTAGE_S + 60, interval_s=1, what="30 s of outage")
        assert worker.process.poll() is None, sut.logs()
        assert _committed(sut) == committed
        assert max(samples) - rss_before < RSS_GROWTH_LIMIT_BYTES
        private.run("s3-start")

        wait_until(
            lambda: sut.chained_records() >= len(ids),
            timeout_s=300,
            interval_s=2,
            what=f"{len(ids)} chained records after the outage",
            describe=sut.logs,
        )
        assert '"archive_recovered"' in worker.log_path.read_text()
        sut.stop()
        report = sut.verify()
        assert report.ok, report.failures
        archived = sut.chained_event_ids(report)
        assert len(archived) == len(ids)
        assert set(archived) == set(ids)
