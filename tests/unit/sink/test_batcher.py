"""Flush rules per partition, and how a batch is split into archive objects."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from auditstream.archive import encode_parquet, events_to_table
from auditstream.archive.writer import StoredObject
from auditstream.schemas import AuditEventSerializer
from auditstream.sink.batcher import (
    Batcher,
    FlushPolicy,
    FlushReason,
    PartitionBatch,
    PartitionId,
)
from auditstream.sink.decoding import BatchDecoder
from auditstream.sink.flush import PartitionFlusher, plan_objects
from auditstream.sink.settings import SinkSection

P0 = PartitionId("audit.events.redacted", 0)
P1 = PartitionId("audit.events.redacted", 1)
HOUR_US = 3600 * 1_000_000
ENCODE = AuditEventSerializer()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


def batcher(clock, *, records=3, size=1000, age=5.0):
    return Batcher(FlushPolicy(records, size, age), clock=clock)


class TestFlushPolicy:
    def test_the_policy_comes_from_the_sink_settings(self):
        """max_records, max_bytes and max_age_s are the section's values."""
        section = SinkSection(max_records=10, max_bytes=2048, max_age_s=0.5)
        assert FlushPolicy.from_settings(section) == FlushPolicy(10, 2048, 0.5)


class TestBatcher:
    def test_a_batch_under_every_limit_is_not_due(self, clock):
        """Two records, few bytes, no time passed: nothing to flush."""
        b = batcher(clock)
        assert b.add(P0, 0, b"x" * 10) is None
        assert b.add(P0, 1, b"x" * 10) is None
        assert b.due() == []

    def test_reaching_max_records_asks_for_a_flush(self, clock):
        """The third record of a 3-record policy returns RECORDS."""
        b = batcher(clock, records=3)
        results = [b.add(P0, offset, b"x" * 10) for offset in range(3)]
        assert results == [None, None, FlushReason.RECORDS]
        assert b.due() == [(P0, FlushReason.RECORDS)]

    def test_reaching_max_bytes_asks_for_a_flush(self, clock):
        """Encoded sizes add up; reaching the limit returns BYTES."""
        b = batcher(clock, records=100, size=1000)
        assert b.add(P0, 0, b"x" * 600) is None
        assert b.add(P0, 1, b"x" * 400) is FlushReason.BYTES

    def test_a_batch_is_due_when_its_first_record_is_max_age_old(self, clock):
        """Age counts from the first record, not the last."""
        b = batcher(clock, age=5.0)
        b.add(P0, 0, b"x" * 10)
        clock.now += 4.0
        b.add(P0, 1, b"x" * 10)
        assert b.due() == []
        clock.now += 1.0
        assert b.due() == [(P0, FlushReason.AGE)]

    def test_partitions_are_batched_and_aged_independently(self, clock):
        """Only the partition whose batch is old enough is due."""
        b = batcher(clock, age=5.0)
        b.add(P0, 0, b"x" * 10)
        clock.now += 3.0
        b.add(P1, 7, b"x" * 10)
        clock.now += 2.0
        assert b.due() == [(P0, FlushReason.AGE)]
        assert b.partitions() == [P0, P1]

    def test_the_wait_until_due_is_that_of_the_oldest_batch(self, clock):
        """The worker polls no longer than this, so age flushes are on time."""
        b = batcher(clock, age=5.0)
        assert b.seconds_until_due() is None
        b.add(P0, 0, b"x" * 10)
        clock.now += 2.0
        b.add(P1, 0, b"x" * 10)
        assert b.seconds_until_due() == pytest.approx(3.0)
        assert b.seconds_until_due(exclude=[P0]) == pytest.approx(5.0)
        clock.now += 10.0
        assert b.seconds_until_due() == 0.0

    def test_a_batch_remembers_its_first_and_last_offsets(self, clock):
        """Offsets may have gaps (transaction markers); first and last are real records."""
        b = batcher(clock, records=100)
        for offset in (10, 11, 13):
            b.add(P0, offset, b"x" * 10)
        batch = b.get(P0)
        assert batch is not None
        assert (batch.first_offset, batch.last_offset, len(batch)) == (10, 13, 3)

    def test_a_removed_batch_starts_afresh(self, clock):
        """After a flush the next record opens a new batch with a new age."""
        b = batcher(clock, age=5.0)
        b.add(P0, 0, b"x" * 10)
        clock.now += 6.0
        assert b.remove(P0) is not None
        b.add(P0, 1, b"x" * 10)
        assert b.due() == []
        assert b.get(P0).first_offset == 1


def event_at(base, *, tenant, hour_offset):
    event = copy.deepcopy(base)
    event["actor"]["tenant_id"] = tenant
    event["timestamp"] = 1_772_406_000_000_000 + hour_offset * HOUR_US  # 2026-03-01T23:00Z
    return event


def batch_of(events, first_offset=100):
    batch = PartitionBatch(P1, started_at=0.0)
    for index, event in enumerate(events):
        batch.add(first_offset + index, ENCODE(event))
    return batch


def planned_of(batch, decoder=None):
    decoded = (decoder or BatchDecoder()).decode(
        batch.payloads, offsets=batch.offsets, topic=batch.pid.topic
    )
    return plan_objects(batch.pid.partition, decoded.offsets, decoded.table)


class TestPlanObjects:
    def test_a_batch_is_split_per_tenant_and_hour_named_by_each_groups_offsets(self, minimal_event):
        """Each object's key carries the first and last offset of its own records."""
        events = [
            event_at(minimal_event, tenant="acme", hour_offset=0),  # 100
            event_at(minimal_event, tenant="globex", hour_offset=0),  # 101
            event_at(minimal_event, tenant="acme", hour_offset=1),  # 102, next day 00h
            event_at(minimal_event, tenant="acme", hour_offset=0),  # 103
        ]
        planned = planned_of(batch_of(events))
        keys = [p.key.render("") for p in planned]
        assert keys == [
            "events/v1/tenant=acme/dt=2026-03-01/hour=23/p1-100-103.parquet",
            "events/v1/tenant=acme/dt=2026-03-02/hour=00/p1-102-102.parquet",
            "events/v1/tenant=globex/dt=2026-03-01/hour=23/p1-101-101.parquet",
        ]
        assert [p.rows.num_rows for p in planned] == [2, 1, 1]

    def test_every_record_lands_in_exactly_one_object(self, minimal_event):
        """Splitting neither loses nor duplicates events."""
        events = [
            event_at(minimal_event, tenant=t, hour_offset=h)
            for t in ("a", "b", None)
            for h in (0, 1, 2)
        ]
        planned = planned_of(batch_of(events))
        assert sum(p.rows.num_rows for p in planned) == len(events)
        assert len({p.key.render("") for p in planned}) == len(planned) == 9

    def test_each_object_is_the_parquet_file_of_its_own_events(self, minimal_event):
        """A group cut from the batch's table encodes exactly as its events alone would."""
        events = [
            event_at(minimal_event, tenant=t, hour_offset=h) for h in (0, 1) for t in ("a", "")
        ] * 60  # 240 records: the column decoder's path
        planned = planned_of(batch_of(events), BatchDecoder(min_column_rows=1))
        assert len(planned) == 4
        for p in planned:
            first = p.key.first_offset - 100
            own = events[first::4]
            assert encode_parquet(p.rows) == encode_parquet(events_to_table(own))
            assert (p.min_timestamp, p.max_timestamp) == (own[0]["timestamp"],) * 2


class RecordingWriter:
    def __init__(self) -> None:
        self.puts = []

    def put_idempotent(self, key, data, *, retain_until):
        self.puts.append((key, data, retain_until))
        return StoredObject(key, len(data), "0" * 64, "v1", retain_until, created=True)


class TestPartitionFlusher:
    def test_a_flush_writes_one_retained_parquet_object_per_group(self, minimal_event):
        """Objects are Parquet, retained retention_days from the flush, under the prefix."""
        now = datetime(2026, 3, 2, tzinfo=UTC)
        writer = RecordingWriter()
        flusher = PartitionFlusher(writer, prefix="run1", retention_days=10, clock=lambda: now)
        events = [event_at(minimal_event, tenant="acme", hour_offset=h) for h in (0, 0, 1)]
        result = flusher.flush(batch_of(events))
        assert [key for key, _, _ in writer.puts] == [
            "run1/events/v1/tenant=acme/dt=2026-03-01/hour=23/p1-100-101.parquet",
            "run1/events/v1/tenant=acme/dt=2026-03-02/hour=00/p1-102-102.parquet",
        ]
        assert all(data[:4] == b"PAR1" for _, data, _ in writer.puts)
        assert {until for _, _, until in writer.puts} == {now + timedelta(days=10)}
        assert (result.first_offset, result.last_offset, result.next_offset) == (100, 102, 103)
        assert [o.records for o in result.objects] == [2, 1]
        assert result.objects[1].min_timestamp == events[2]["timestamp"]

    def test_records_that_do_not_decode_are_left_out_and_listed_for_the_dlq(self, minimal_event):
        """The objects hold the valid records only; the batch's positions still cover all."""
        writer = RecordingWriter()
        flusher = PartitionFlusher(writer, prefix="", retention_days=1)
        event = event_at(minimal_event, tenant="acme", hour_offset=0)
        truncated = ENCODE(event)[:20]
        batch = batch_of([event] * 2)
        batch.add(102, truncated)
        batch.add(103, ENCODE(event))
        result = flusher.flush(batch)
        assert [key.rsplit("/", 1)[1] for key, _, _ in writer.puts] == ["p1-100-103.parquet"]
        assert (result.records, result.first_offset, result.last_offset) == (3, 100, 103)
        assert [(r.offset, r.value, r.error_class) for r in result.rejected] == [
            (102, truncated, "DecodeError")
        ]

    def test_a_batch_of_bad_records_writes_no_object_and_lists_them_all(self):
        """Nothing to archive, but the flush still accounts for every offset."""
        writer = RecordingWriter()
        batch = PartitionBatch(P1, started_at=0.0)
        batch.add(7, None)
        batch.add(9, b"not avro")
        result = PartitionFlusher(writer, prefix="", retention_days=1).flush(batch)
        assert (writer.puts, result.objects, result.records) == ([], (), 0)
        assert [r.offset for r in result.rejected] == [7, 9]
        assert result.next_offset == 10
