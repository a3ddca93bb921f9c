"""The spool as a write-ahead log: every event is on disk until its delivery report.

Crashes are real here: a child process writes to a spool slot and is SIGKILLed, and the
test opens the slot it left, as the next process of a service would.
"""

from __future__ import annotations

import errno
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from auditstream.producer import AuditClient, ClientConfig, EventType, FsyncPolicy, ShedPolicy
from auditstream.producer.spool import DiskSpool, disk, writer
from auditstream.producer.spool.records import encode
from support.fake_producer import FakeProducer
from support.wait import wait_until


def _open(path: Path, **overrides: object) -> DiskSpool:
    settings: dict[str, object] = {
        "max_bytes": 1 << 20,
        "segment_bytes": 4096,
        "fsync": FsyncPolicy.INTERVAL,
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


def _killed_after(spool_dir: Path, steps: str) -> None:
    """Run ``steps`` against a spool in a child process, then SIGKILL it there."""
    script = textwrap.dedent(
        """
        import os, signal, sys, time
        from pathlib import Path
        from auditstream.producer import FsyncPolicy, ShedPolicy
        from auditstream.producer.spool import DiskSpool
        spool = DiskSpool.open(Path(sys.argv[1]), max_bytes=1 << 20, segment_bytes=4096,
            fsync=FsyncPolicy.INTERVAL, shed_policy=ShedPolicy.DROP_NEWEST)
        """
    )
    script += textwrap.dedent(steps) + "\nos.kill(os.getpid(), signal.SIGKILL)\n"
    child = subprocess.run([sys.executable, "-c", script, str(spool_dir)], timeout=60, check=False)
    assert child.returncode == -signal.SIGKILL, "the child must die by SIGKILL, not finish"


class TestWriteAheadRecords:
    def test_a_record_written_ahead_gets_a_ticket_and_is_not_replayed_by_its_writer(
        self, tmp_path: Path
    ) -> None:
        """While inactive, journal=True writes the record and keeps the cursor past it."""
        spool = _open(tmp_path)
        appended = spool.append(b"k", b"v", activate=False, journal=True)
        assert appended.ticket is not None
        assert not appended.spooled
        assert spool.in_flight_records == 1
        assert spool.read_batch(max_records=10, max_bytes=1 << 20) is None
        assert spool.pending_records == 0

    def test_a_segment_stays_until_its_last_record_is_resolved(self, tmp_path: Path) -> None:
        """Resolving some records keeps the file; resolving the last deletes it once sealed."""
        spool = _open(tmp_path, segment_bytes=4096)
        tickets = [
            spool.append(b"k", bytes([i]) * 600, activate=False, journal=True).ticket
            for i in range(12)
        ]
        segments = sorted(spool.slot_dir.glob("*.seg"))
        assert len(segments) >= 2
        for ticket in tickets[1:]:
            assert ticket is not None
            spool.resolve(ticket)
        spool.tidy(time.monotonic())
        assert segments[0].exists(), "the first segment still holds a record in flight"
        assert tickets[0] is not None
        spool.resolve(tickets[0])
        spool.tidy(time.monotonic())
        assert list(spool.slot_dir.glob("*.seg")) == []
        assert spool.size_bytes == 0

    def test_a_busy_open_segment_is_sealed_when_old_and_deleted_once_resolved(
        self, tmp_path: Path
    ) -> None:
        """Records always in flight never let the open segment idle: age seals it."""
        spool = _open(tmp_path, segment_bytes=1 << 20)
        first = spool.append(b"k", b"first", activate=False, journal=True).ticket
        assert first is not None
        spool.tidy(time.monotonic())
        spool.append(b"k", b"second", activate=False, journal=True)
        assert len(list(spool.slot_dir.glob("*.seg"))) == 1, "young and busy: still open"
        spool.tidy(time.monotonic() + disk.SEAL_AFTER_S)
        spool.append(b"k", b"third", activate=False, journal=True)
        assert len(list(spool.slot_dir.glob("*.seg"))) == 2
        spool.resolve(first)
        spool.tidy(time.monotonic())
        assert len(list(spool.slot_dir.glob("*.seg"))) == 2, "'second' is still in flight"

    def test_a_failed_record_appended_again_is_the_only_one_replayed(self, tmp_path: Path) -> None:
        """After A, B, C are written ahead and B fails, the replayer reads only B."""
        spool = _open(tmp_path)
        tickets = {
            name: spool.append(b"k", name, activate=False, journal=True).ticket
            for name in (b"A", b"B", b"C")
        }
        assert spool.append(b"k", b"B", activate=True).spooled
        resolved = tickets[b"B"]
        assert resolved is not None
        spool.resolve(resolved)
        assert _drain(spool) == [b"B"]
        assert spool.try_deactivate()

    def test_an_inactive_spool_without_room_writes_nothing_and_sheds_nothing(
        self, tmp_path: Path
    ) -> None:
        """A full spool refuses a record ahead; the caller produces it without one."""
        spool = _open(tmp_path, max_bytes=4096, segment_bytes=4096)
        results = [spool.append(b"k", b"x" * 500, activate=False, journal=True) for _ in range(12)]
        refused = [r for r in results if r.ticket is None]
        assert refused
        assert all((r.spooled, r.shed) == (False, 0) for r in refused)
        assert spool.size_bytes <= 4096

    @pytest.mark.parametrize(
        ("policy", "syncs"), [(FsyncPolicy.ALWAYS, 5), (FsyncPolicy.INTERVAL, 0)]
    )
    def test_always_forces_each_record_to_disk_before_append_returns(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: FsyncPolicy, syncs: int
    ) -> None:
        """always: one data sync per record on the caller's thread; interval: none there."""
        calls: list[int] = []
        real = writer._datasync

        def counted(fd: int) -> None:
            calls.append(fd)
            real(fd)

        monkeypatch.setattr(writer, "_datasync", counted)
        spool = _open(tmp_path, fsync=policy)
        for i in range(5):
            spool.append(b"k", bytes([i]), activate=False, journal=True)
        assert len(calls) == syncs


class TestRecoveryAfterSigkill:
    def test_records_written_ahead_survive_a_sigkill_before_their_reports(
        self, tmp_path: Path
    ) -> None:
        """Nothing was resolved when the writer died: the next spool replays all of it."""
        _killed_after(
            tmp_path,
            """
            for i in range(30):
                spool.append(b"k", b"event-%d" % i, activate=False, journal=True)
            """,
        )
        again = _open(tmp_path)
        assert (again.active, again.recovered) == (True, 30)
        batch = again.read_batch(max_records=100, max_bytes=1 << 20)
        assert batch is not None
        assert [r.value for r in batch.records] == [b"event-%d" % i for i in range(30)]
        assert batch.damaged == [], "the unwritten preallocated tail is not damage"

    def test_a_preallocated_tail_left_by_a_killed_process_is_cut_off(self, tmp_path: Path) -> None:
        """The file shrinks to its records, so new appends are not read as damage."""
        _killed_after(tmp_path, "spool.append(b'k', b'v' * 100, activate=False, journal=True)")
        [segment] = (tmp_path / "slot-00").glob("*.seg")
        assert segment.stat().st_size == 4096, "preallocated to segment_bytes"
        again = _open(tmp_path)
        assert segment.stat().st_size == len(encode(b"k", b"v" * 100))
        again.append(b"k", b"after", activate=False)
        assert _drain(again) == [b"v" * 100, b"after"]

    def test_without_preallocation_records_are_written_with_write_calls(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Where posix_fallocate is missing the spool falls back to write(): same records."""
        monkeypatch.setattr(writer, "_fallocate", None)
        spool = _open(tmp_path)
        for i in range(10):
            spool.append(b"k", b"w-%d" % i, activate=False, journal=True)
        spool.append(b"k", b"spooled", activate=True)
        [segment] = spool.slot_dir.glob("*.seg")
        assert segment.stat().st_size == spool.size_bytes
        assert _drain(spool) == [b"spooled"]
        spool.close()
        assert _drain(_open(tmp_path)) == [*(b"w-%d" % i for i in range(10)), b"spooled"]

    def test_recovery_replays_written_ahead_and_spooled_records_in_emission_order(
        self, tmp_path: Path
    ) -> None:
        """A1, A2 written ahead; A1 fails and is spooled again; B1, B2 spooled; then kill."""
        _killed_after(
            tmp_path,
            """
            first = spool.append(b"k", b"A1", activate=False, journal=True).ticket
            spool.append(b"k", b"A2", activate=False, journal=True)
            spool.append(b"k", b"A1", activate=True)
            spool.resolve(first)
            spool.append(b"k", b"B1", activate=False)
            spool.append(b"k", b"B2", activate=False)
            """,
        )
        replayed = _drain(_open(tmp_path))
        first_occurrences = list(dict.fromkeys(replayed))
        assert first_occurrences == [b"A1", b"A2", b"B1", b"B2"]

    def test_delivered_records_of_a_sealed_segment_are_not_replayed(self, tmp_path: Path) -> None:
        """Resolved and sealed before the kill: only the record still in flight comes back."""
        _killed_after(
            tmp_path,
            """
            done = spool.append(b"k", b"delivered", activate=False, journal=True).ticket
            spool.resolve(done)
            spool.tidy(time.monotonic())
            spool.append(b"k", b"in-flight", activate=False, journal=True)
            """,
        )
        assert _drain(_open(tmp_path)) == [b"in-flight"]

    def test_a_torn_last_record_is_skipped_and_the_records_before_it_replayed(
        self, tmp_path: Path
    ) -> None:
        """A write cut short by the crash is damage at the end, reported, never an error."""
        _killed_after(
            tmp_path,
            """
            for i in range(3):
                spool.append(b"k", b"whole-%d" % i, activate=False, journal=True)
            """,
        )
        [segment] = (tmp_path / "slot-00").glob("*.seg")
        with segment.open("ab") as file:
            file.write(encode(b"k", b"torn" * 100)[:57])
        again = _open(tmp_path)
        assert again.recovered == 3
        batch = again.read_batch(max_records=100, max_bytes=1 << 20)
        assert batch is not None
        assert [r.value for r in batch.records] == [b"whole-0", b"whole-1", b"whole-2"]
        assert len(batch.damaged) == 1
        assert batch.damaged[0].end == segment.stat().st_size


class TestThroughTheClient:
    def _config(self, tmp_path: Path, **overrides: object) -> ClientConfig:
        settings: dict[str, object] = {
            "service_name": "svc",
            "spool_dir": str(tmp_path),
            "prometheus": False,
        }
        settings.update(overrides)
        return ClientConfig(**settings)  # type: ignore[arg-type]

    def test_an_emitted_event_is_on_disk_until_its_delivery_report(self, tmp_path: Path) -> None:
        """Before the report the record is in a segment; after it, the segment goes."""
        producer = FakeProducer()
        producer.down = True  # holds delivery reports back, like a broker that went away
        client = AuditClient(self._config(tmp_path), producer=producer)
        client.emit(EventType.OTHER, "x")
        spool = client._transport.spool
        assert spool is not None
        assert spool.in_flight_records == 1
        assert list(spool.slot_dir.glob("*.seg"))
        producer.down = False
        wait_until(lambda: client.stats().delivered == 1, timeout_s=10, what="the report")
        wait_until(
            lambda: not list(spool.slot_dir.glob("*.seg")), timeout_s=10, what="segment deleted"
        )
        assert spool.in_flight_records == 0
        client.close(1)

    def test_events_without_a_report_when_the_process_died_are_replayed_in_order(
        self, tmp_path: Path
    ) -> None:
        """The dead client's unacknowledged events reach the next client's producer first."""
        down = FakeProducer()
        down.down = True
        old = AuditClient(self._config(tmp_path), producer=down)
        lost_in_memory = [old.emit(EventType.OTHER, f"old-{i}") for i in range(5)]
        old._replayer.stop()
        old._transport.spool.close()  # type: ignore[union-attr]  # as if killed: no purge
        producer = FakeProducer()
        client = AuditClient(self._config(tmp_path), producer=producer)
        new = client.emit(EventType.OTHER, "new")
        wait_until(lambda: client.stats().delivered == 6, timeout_s=10, what="replay")
        assert [e["event_id"] for e in producer.events()] == [*lost_in_memory, new]
        assert client.stats().recovered == 5
        client.close(1)

    def test_a_full_spool_while_the_broker_is_up_produces_without_a_record_ahead(
        self, tmp_path: Path
    ) -> None:
        """No room to write ahead: the event still goes to librdkafka, counted unjournaled."""
        producer = FakeProducer()
        producer.down = True  # no reports: records written ahead stay in flight
        config = self._config(tmp_path, spool_max_bytes=4096, spool_segment_bytes=4096)
        client = AuditClient(config, producer=producer)
        for _ in range(20):
            client.emit(EventType.OTHER, "x", attributes={"pad": "p" * 400})
        stats = client.stats()
        assert stats.unjournaled > 0
        assert (stats.shed, len(producer.messages)) == (0, 20)
        producer.down = False
        wait_until(lambda: client.stats().delivered == 20, timeout_s=10, what="delivery")
        client.close(1)

    def test_a_full_disk_never_raises_into_emit_and_sheds_only_while_spooling(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ENOSPC: with a broker, events go out unjournaled; during an outage, shed counted."""

        def no_space(fd: int, offset: int, length: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(writer, "_fallocate", no_space)
        producer = FakeProducer()
        client = AuditClient(self._config(tmp_path), producer=producer)
        client.emit(EventType.OTHER, "broker up")
        client._transport.activate_spool()  # as when librdkafka reports every broker down
        client.emit(EventType.OTHER, "broker down")
        stats = client.stats()
        assert (stats.emitted, stats.unjournaled, len(producer.messages)) == (2, 1, 1)
        assert dict(stats.shed_by_cause) == {"spool_error": 1}
        client.close(1)

    def test_close_does_not_count_events_kept_on_disk_as_lost(self, tmp_path: Path) -> None:
        """Reports that never come before close leave the records for the next process."""
        producer = FakeProducer()
        producer.down = True
        producer.purge = lambda **_: None  # type: ignore[method-assign]  # purge never reports
        client = AuditClient(self._config(tmp_path), producer=producer)
        client.emit(EventType.OTHER, "x")
        assert client.close(0.2) == 0
        again = AuditClient(self._config(tmp_path), producer=FakeProducer())
        assert again.stats().recovered == 1
        again.close(1)


def test_a_spool_slot_is_freed_by_the_kernel_when_its_process_is_killed(tmp_path: Path) -> None:
    """The flock dies with the process, so the next process takes the same slot."""
    _killed_after(tmp_path, "spool.append(b'k', b'v', activate=False, journal=True)")
    again = _open(tmp_path)
    assert again.slot_dir == tmp_path / "slot-00"
    assert (again.slot_dir / "lock").exists()
