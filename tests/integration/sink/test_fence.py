"""The manifest key as a fence, on the real S3 server: one manifest per sequence number.

Two chain keepers (two workers' views of one partition) both hold the same head and
both append; the server's ``If-None-Match: *`` lets exactly one manifest exist, the
other worker learns it was fenced, and after re-reading the head it continues the chain.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from auditstream.archive import BucketLock, ChainReader, Signer
from auditstream.archive.arrow_schema import events_to_table
from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.writer import ArchiveWriter, encode_parquet
from auditstream.sink.batcher import PartitionId
from auditstream.sink.chain_keeper import ChainKeeper
from auditstream.sink.errors import FencedError
from auditstream.sink.flush import FlushResult, WrittenObject
from support.pipeline import TEST_SIGNING_KEY
from support.sample_events import full_event_dict, through_codec
from support.sink_harness import SinkUnderTest

pytestmark = pytest.mark.integration


def _keeper(sut: SinkUnderTest) -> ChainKeeper:
    s3 = sut.s3()
    writer = ArchiveWriter(s3, bucket=sut.stack.bucket, lock=BucketLock.LOCKED)
    reader = ChainReader(S3ObjectStore(s3, bucket=sut.stack.bucket), prefix=sut.prefix)
    keeper = ChainKeeper(
        writer,
        reader,
        Signer.from_bytes(TEST_SIGNING_KEY.encode(), source="test key"),  # one group, one key
        topic=sut.topic,
        retain_until=lambda: datetime.now(UTC) + timedelta(days=1),
    )
    keeper.publish_key()
    return keeper


def _record(offset: int) -> dict[str, object]:
    event = full_event_dict()
    event["event_id"] = f"00000000-0000-4000-8000-{offset:012d}"
    return through_codec(event)


def _flush(keeper: ChainKeeper, sut: SinkUnderTest, first: int, last: int) -> FlushResult:
    key = ObjectKey(PartitionPath("acme", datetime.now(UTC).date(), 0), 0, first, last)
    # The records at these offsets, as any worker reading the partition would archive them.
    data = encode_parquet(events_to_table([_record(offset) for offset in range(first, last + 1)]))
    writer = ArchiveWriter(sut.s3(), bucket=sut.stack.bucket, lock=BucketLock.LOCKED)
    stored = writer.put_idempotent(
        key.render(sut.prefix), data, retain_until=datetime.now(UTC) + timedelta(days=1)
    )
    written = WrittenObject(key, stored, last - first + 1, 0, 0)
    return FlushResult(PartitionId(sut.topic, 0), first, last, last - first + 1, (written,))


class TestFence:
    def test_two_workers_racing_for_one_sequence_number_leave_one_manifest(
        self, sut: SinkUnderTest
    ) -> None:
        """Exactly one append wins; the loser re-reads the head and extends the chain."""
        a, b = _keeper(sut), _keeper(sut)
        a.append(_flush(a, sut, 0, 9))
        a.resume(0)
        b.resume(0)
        results: dict[str, object] = {}
        start = threading.Barrier(2)

        def race(name: str, keeper: ChainKeeper, last: int) -> None:
            flushed = _flush(keeper, sut, 10, last)
            start.wait()
            try:
                results[name] = keeper.append(flushed).seq
            except FencedError as exc:
                results[name] = exc

        threads = [
            threading.Thread(target=race, args=("a", a, 19)),
            threading.Thread(target=race, args=("b", b, 14)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        fenced = [name for name, value in results.items() if isinstance(value, FencedError)]
        assert len(fenced) == 1, results
        assert sorted(v for v in results.values() if isinstance(v, int)) == [1]

        loser = a if fenced == ["a"] else b
        head = loser.resume(0)
        assert head is not None
        assert head.seq == 1
        after = loser.append(_flush(loser, sut, head.position_after, head.position_after + 4))
        assert after.seq == 2
        report = sut.verify()
        assert report.ok, report.failures
        assert len(report.orphans) == 1  # the loser's object of the lost race
