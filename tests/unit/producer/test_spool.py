"""The disk spool: record format, damage, bounds, shedding, slots, replay through the client."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from auditstream.producer import AuditClient, ClientConfig, EventType, FsyncPolicy, ShedPolicy
from auditstream.producer.spool import Damage, DiskSpool, SpoolRecord
from auditstream.producer.spool.records import HEADER_BYTES, encode, scan
from support.fake_producer import FakeProducer
from support.wait import wait_until


def _open(path: Path, **overrides: object) -> DiskSpool:
    settings: dict[str, object] = {
        "max_bytes": 1 << 20,
        "segment_bytes": 4096,
        "fsync": FsyncPolicy.NONE,
        "shed_policy": ShedPolicy.DROP_NEWEST,
    }
    settings.update(overrides)
    return DiskSpool.open(path, **settings)  # type: ignore[arg-type]


def _drain(spool: DiskSpool) -> list[bytes]:
    values = []
    while (batch := spool.read_batch(max_records=100, max_bytes=1 << 20)) is not None:
        values += [r.value for r in batch.records]
        spool.commit(batch)
    return values


class TestRecords:
    def test_a_record_round_trips_with_key_value_and_headers(self) -> None:
        """encode then scan gives back key, value and headers."""
        data = encode(b"k", b"v" * 10, [("h", b"1")])
        [record] = list(scan(data))
        assert isinstance(record, SpoolRecord)
        assert (record.key, record.value, record.headers, record.end) == (
            b"k",
            b"v" * 10,
            (("h", b"1"),),
            len(data),
        )

    @pytest.mark.parametrize("cut", [1, 5, HEADER_BYTES, HEADER_BYTES + 3])
    def test_a_torn_last_record_is_damage_not_an_error(self, cut: int) -> None:
        """A record cut short by a crash yields the good records, then one Damage."""
        good = encode(b"k", b"first")
        torn = encode(b"k", b"second")[:cut]
        items = list(scan(good + torn))
        assert [type(i) for i in items] == [SpoolRecord, Damage]
        assert items[1] == Damage(len(good), len(good) + cut)

    def test_a_flipped_bit_costs_one_record_and_the_rest_is_kept(self) -> None:
        """A corrupted middle record is skipped; the reader resyncs on the next one."""
        records = [encode(b"k", f"value-{i}".encode()) for i in range(3)]
        data = bytearray(b"".join(records))
        data[len(records[0]) + HEADER_BYTES + 6] ^= 0x01
        items = list(scan(bytes(data)))
        values = [i.value for i in items if isinstance(i, SpoolRecord)]
        assert values == [b"value-0", b"value-2"]
        assert sum(isinstance(i, Damage) for i in items) == 1

    def test_garbage_never_raises(self) -> None:
        """Random bytes, including stray magics, scan to damage only."""
        data = b"ASP1" + b"\xff" * 20 + b"ASP1\x00\x00\x00\x01" + bytes(range(256))
        assert all(isinstance(i, Damage) for i in scan(data))


class TestDiskSpool:
    def test_records_come_back_in_order_across_segments(self, tmp_path: Path) -> None:
        """Appends spanning several segments replay in append order, then files go away."""
        spool = _open(tmp_path)
        values = [f"event-{i}".encode() * 20 for i in range(100)]
        for value in values:
            assert spool.append(b"k", value, activate=True).spooled
        assert len(list(spool.slot_dir.glob("*.seg"))) > 1
        assert _drain(spool) == values
        assert spool.try_deactivate()
        assert list(spool.slot_dir.glob("*.seg")) == []

    def test_append_without_activate_is_refused_while_inactive(self, tmp_path: Path) -> None:
        """An inactive spool takes nothing unless a failure activates it."""
        spool = _open(tmp_path)
        assert spool.append(b"k", b"v", activate=False) == (False, 0, None)
        assert spool.append(b"k", b"v", activate=True) == (True, 0, None)
        assert spool.append(b"k", b"w", activate=False) == (True, 0, None)

    def test_drop_newest_refuses_new_records_when_full(self, tmp_path: Path) -> None:
        """With drop_newest, a full spool sheds the incoming record and keeps the old ones."""
        spool = _open(tmp_path, max_bytes=8192, segment_bytes=4096)
        results = [spool.append(b"k", b"x" * 500, activate=True) for i in range(40)]
        kept = sum(r.spooled for r in results)
        assert 0 < kept < 40
        assert sum(r.shed for r in results) == 40 - kept
        assert spool.size_bytes <= 8192

    def test_drop_oldest_deletes_an_old_segment_to_make_room(self, tmp_path: Path) -> None:
        """With drop_oldest, new records are kept and a whole old segment is shed."""
        spool = _open(
            tmp_path, max_bytes=12288, segment_bytes=4096, shed_policy=ShedPolicy.DROP_OLDEST
        )
        results = [spool.append(b"k", f"{i:04d}".encode() * 100, activate=True) for i in range(60)]
        assert all(r.spooled for r in results)
        shed = sum(r.shed for r in results)
        assert shed > 0
        values = _drain(spool)
        assert len(values) == 60 - shed
        assert values[-1] == b"0059" * 100
        assert spool.size_bytes <= 12288

    def test_two_processes_never_share_a_slot(self, tmp_path: Path) -> None:
        """A second spool on the same directory takes the next slot."""
        first, second = _open(tmp_path), _open(tmp_path)
        assert first.slot_dir != second.slot_dir
        first.close()
        third = _open(tmp_path)
        assert third.slot_dir == first.slot_dir

    def test_a_reopened_slot_recovers_what_was_left(self, tmp_path: Path) -> None:
        """Records left in a slot are found by the next spool on it, active and counted."""
        spool = _open(tmp_path)
        for i in range(5):
            spool.append(b"k", str(i).encode(), activate=True)
        spool.close()
        again = _open(tmp_path)
        assert (again.active, again.recovered) == (True, 5)
        assert _drain(again) == [b"0", b"1", b"2", b"3", b"4"]


class _LingeringProducer(FakeProducer):
    """A producer whose linger never ends: poll serves no report, only flush sends."""

    def poll(self, timeout: float) -> int:
        with self._lock:
            self.polls += 1
            return 0

    def flush(self, timeout: float) -> int:
        super().poll(timeout)  # sends everything queued, and serves the reports
        return len(self)


class TestReplayThroughTheClient:
    def _config(self, tmp_path: Path) -> ClientConfig:
        return ClientConfig(service_name="svc", spool_dir=str(tmp_path), prometheus=False)

    def test_events_left_by_a_dead_process_are_replayed_first(self, tmp_path: Path) -> None:
        """A new client replays a slot's leftovers before its own events."""
        down = FakeProducer()
        down.down = True
        old = AuditClient(self._config(tmp_path), producer=down)
        old._transport.activate_spool()
        left = [old.emit(EventType.OTHER, f"old-{i}") for i in range(3)]
        old._transport.spool.close()  # type: ignore[union-attr]  # as if killed: no purge
        old._replayer.stop()
        producer = FakeProducer()
        client = AuditClient(self._config(tmp_path), producer=producer)
        new = client.emit(EventType.OTHER, "new")
        wait_until(lambda: client.stats().delivered == 4, timeout_s=10, what="replay")
        assert [e["event_id"] for e in producer.events()] == [*left, new]
        assert client.stats().recovered == 3
        client.close(1)

    def test_a_replayed_batch_is_sent_at_once_not_after_the_linger(self, tmp_path: Path) -> None:
        """Replay flushes its batch, so it never waits out linger_ms (here: forever)."""
        spool = _open(tmp_path)
        for i in range(3):
            spool.append(b"k", f"value-{i}".encode(), activate=True)
        spool.close()
        producer = _LingeringProducer()
        client = AuditClient(self._config(tmp_path), producer=producer)
        wait_until(lambda: not client._transport.spool.active, timeout_s=10, what="replay")  # type: ignore[union-attr]
        assert [m.value() for m in producer.messages] == [b"value-0", b"value-1", b"value-2"]
        assert client.stats().delivered == 3
        client.close(1)

    def test_a_corrupted_spool_record_is_skipped_reported_and_the_rest_kept(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Replay skips a damaged record, counts and logs it, and delivers the others."""
        spool = _open(tmp_path)
        for i in range(3):
            spool.append(b"k", f"value-{i}".encode(), activate=True)
        spool.close()
        [segment] = spool.slot_dir.glob("*.seg")
        data = bytearray(segment.read_bytes())
        middle = len(encode(b"k", b"value-0")) + HEADER_BYTES + 9
        data[middle] ^= 0xFF
        segment.write_bytes(bytes(data) + encode(b"k", b"torn")[:7])
        caplog.set_level(logging.WARNING, logger="auditstream.producer")
        producer = FakeProducer()
        client = AuditClient(self._config(tmp_path), producer=producer)
        wait_until(lambda: not client._transport.spool.active, timeout_s=10, what="replay")  # type: ignore[union-attr]
        assert [m.value() for m in producer.messages] == [b"value-0", b"value-2"]
        assert client.stats().spool_damaged == 2
        assert sum("damaged spool record" in r.getMessage() for r in caplog.records) == 2
        client.close(1)


class TestDurabilityAndShedding:
    @pytest.mark.parametrize("policy", list(FsyncPolicy))
    def test_every_fsync_policy_keeps_what_was_appended(
        self, tmp_path: Path, policy: FsyncPolicy
    ) -> None:
        """none, interval and always all write records a reopened spool reads back."""
        spool = _open(tmp_path, fsync=policy)
        for i in range(20):
            spool.append(b"k", f"v{i}".encode() * 50, activate=True)
        spool.sync()
        spool.close()
        again = _open(tmp_path)
        assert _drain(again) == [f"v{i}".encode() * 50 for i in range(20)]

    def test_shedding_is_counted_every_time_and_logged_once_per_interval(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Three sheds within the interval: counted three times, one log line."""
        from auditstream.producer.metrics import Counters

        counters = Counters(shed_log_interval_s=3600)
        caplog.set_level(logging.ERROR, logger="auditstream.producer")
        for _ in range(3):
            counters.shed("spool_full")
        stats = counters.snapshot()
        assert (stats.shed, dict(stats.shed_by_cause)) == (3, {"spool_full": 3})
        assert sum("spool_full" in r.getMessage() for r in caplog.records) == 1

    def test_a_full_spool_sheds_through_the_client_with_its_cause(self, tmp_path: Path) -> None:
        """When the broker is away and the spool is full, emit() sheds, counted spool_full."""
        producer = FakeProducer()
        producer.down = True
        producer.produce_error = BufferError("queue full")
        config = ClientConfig(
            service_name="svc",
            spool_dir=str(tmp_path),
            spool_max_bytes=8192,
            spool_segment_bytes=4096,
            prometheus=False,
        )
        client = AuditClient(config, producer=producer)
        for _ in range(40):
            client.emit(EventType.OTHER, "x", attributes={"pad": "p" * 400})
        stats = client.stats()
        assert stats.spooled > 0
        assert stats.shed_by_cause.get("spool_full", 0) == 40 - stats.spooled
        client.close(0)
