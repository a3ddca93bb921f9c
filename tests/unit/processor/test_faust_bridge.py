"""The Faust bridge: raw offsets commit only over a run of acks from the committed offset,
commits wait for the gate, recovery highwaters come from the broker, a table recovery ends
once its changelog is read to the last stable offset, a kept changelog partition is read
again from where the last recovery stopped, every patch is installed once, and the worker
refuses a faust-streaming other than the pinned one."""

from __future__ import annotations

import asyncio
import importlib.metadata
import tomllib
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP

from auditstream.processor.errors import FaustVersionError
from auditstream.processor.faust_bridge import (
    BridgedApp,
    Patches,
    RecoveryFinisher,
    ReplayFloor,
    check_faust_version,
    commit_only_contiguous_acks,
    gate_commits,
    install,
    pinned_faust_version,
    use_broker_highwaters,
)

ROOT = Path(__file__).resolve().parents[3]

RAW = TP("raw", 0)


def _consumer(acked: list[int], committed: int | None) -> Any:
    consumer = SimpleNamespace(
        _acked=defaultdict(list, {RAW: list(acked)}),
        _acked_index=defaultdict(set, {RAW: set(acked)}),
        _committed_offset={RAW: committed},
        _new_offset=lambda tp: 999,  # Faust's own, used for other topics
    )
    commit_only_contiguous_acks(consumer, "raw")
    return consumer


class TestContiguousCommits:
    def test_a_run_from_the_committed_offset_commits_to_its_end(self) -> None:
        """Acked 10..14 after a commit at 10: the next commit is 15."""
        consumer = _consumer([10, 11, 12, 13, 14], committed=10)
        assert consumer._new_offset(RAW) == 15
        assert consumer._acked[RAW] == []

    def test_a_hole_at_the_committed_offset_holds_the_partition(self) -> None:
        """Offset 10 never acked (Faust dropped it): nothing commits, even a one-offset hole."""
        consumer = _consumer([11, 12, 13], committed=10)
        assert consumer._new_offset(RAW) is None
        assert consumer._acked[RAW] == [11, 12, 13]

    def test_a_hole_in_the_middle_stops_the_run_before_it(self) -> None:
        """Acked 10, 11, 13: commit 12, keep 13 for later."""
        consumer = _consumer([10, 11, 13], committed=10)
        assert consumer._new_offset(RAW) == 12
        assert consumer._acked[RAW] == [13]

    def test_other_topics_keep_fausts_rule(self) -> None:
        """Changelogs and other topics go through Faust's own computation."""
        consumer = _consumer([], committed=None)
        assert consumer._new_offset(TP("changelog", 0)) == 999


CHANGELOG = TP("app-traces-changelog", 0)


class _Recovery:
    """The part of Faust's ``Recovery`` the finisher reads and calls."""

    def __init__(self, *, highwater: int, applied: int) -> None:
        self.in_recovery = True
        self.active_highwaters = {CHANGELOG: highwater}
        self.active_offsets = {CHANGELOG: applied}
        self.signal_recovery_end = asyncio.Event()
        self.flushed = 0

    def flush_buffers(self) -> None:
        self.flushed += 1

    def _set_recovery_ended(self) -> None:
        self.in_recovery = False


def _finisher(recovery: _Recovery, *, position: int) -> tuple[RecoveryFinisher, Any]:
    positions = {CHANGELOG: position}

    async def at(tp: TP) -> int:
        return positions[tp]

    flow = SimpleNamespace(active=True)
    app = SimpleNamespace(
        tables=SimpleNamespace(recovery=recovery, changelog_queue=asyncio.Queue()),
        consumer=SimpleNamespace(position=at, positions=positions),
        rebalancing=True,  # Faust keeps it set until the recovery is over
        flow_control=SimpleNamespace(is_active=lambda: flow.active),
        flow=flow,
    )
    return RecoveryFinisher(app), app  # type: ignore[arg-type]


def _check(finisher: RecoveryFinisher) -> set[TP]:
    return asyncio.run(finisher.check())


class TestRecoveryFinisher:
    """Faust keeps highwater = last stable offset - 1; the record there is a marker."""

    def test_a_changelog_read_to_its_end_ends_the_recovery_on_the_second_check(
        self,
    ) -> None:
        """Applied 41, highwater 42, the consumer at 43: still on two checks, then done."""
        recovery = _Recovery(highwater=42, applied=41)
        finisher, _ = _finisher(recovery, position=43)
        assert _check(finisher) == set()
        assert recovery.in_recovery
        assert _check(finisher) == {CHANGELOG}
        assert recovery.active_offsets[CHANGELOG] == 42
        assert (recovery.in_recovery, recovery.flushed) == (False, 1)
        assert recovery.signal_recovery_end.is_set()

    def test_a_consumer_short_of_the_last_stable_offset_holds_it(self) -> None:
        """Position 42 of 43: a record may still come; Faust's own rule decides later."""
        recovery = _Recovery(highwater=42, applied=41)
        finisher, _ = _finisher(recovery, position=42)
        for _ in range(3):
            assert _check(finisher) == set()
        assert recovery.in_recovery
        assert recovery.active_offsets[CHANGELOG] == 41

    def test_a_record_waiting_in_the_changelog_queue_holds_it(self) -> None:
        """Delivered but not applied yet: the queue is not empty."""
        recovery = _Recovery(highwater=42, applied=40)
        finisher, app = _finisher(recovery, position=43)
        app.tables.changelog_queue.put_nowait(object())
        for _ in range(3):
            assert _check(finisher) == set()
        assert recovery.in_recovery

    def test_an_applied_offset_that_moves_starts_the_count_again(self) -> None:
        """Applied 30, then 35: the second check sees movement, the third ends it."""
        recovery = _Recovery(highwater=42, applied=30)
        finisher, _ = _finisher(recovery, position=43)
        assert _check(finisher) == set()
        recovery.active_offsets[CHANGELOG] = 35
        assert _check(finisher) == set()
        assert _check(finisher) == {CHANGELOG}

    def test_outside_a_recovery_it_does_nothing(self) -> None:
        """A finished recovery is left alone."""
        recovery = _Recovery(highwater=42, applied=41)
        recovery.in_recovery = False
        finisher, _ = _finisher(recovery, position=43)
        assert _check(finisher) == set()
        assert _check(finisher) == set()
        assert recovery.active_offsets[CHANGELOG] == 41
        assert not recovery.signal_recovery_end.is_set()

    def test_a_record_applied_while_the_position_is_asked_holds_it(self) -> None:
        """The position call yields to the loop; a record applied meanwhile counts as movement."""
        recovery = _Recovery(highwater=42, applied=40)
        finisher, app = _finisher(recovery, position=43)
        assert _check(finisher) == set()

        async def applying(tp: TP) -> int:
            recovery.active_offsets[tp] += 1
            return 43

        app.consumer.position = applying
        assert _check(finisher) == set()
        assert recovery.in_recovery

    def test_before_faust_resumes_the_flow_it_does_nothing(self) -> None:
        """Recovery marked started, the seek not done yet: positions may be stale."""
        recovery = _Recovery(highwater=42, applied=41)
        finisher, app = _finisher(recovery, position=43)
        app.flow.active = False
        assert _check(finisher) == set()
        assert _check(finisher) == set()
        app.flow.active = True
        assert _check(finisher) == set()  # the count starts after the resume
        assert _check(finisher) == {CHANGELOG}


class _SeekingRecovery:
    """Faust's ``Recovery`` as the replay floor sees it: offsets, and a seek to them."""

    def __init__(self, active: dict[TP, int]) -> None:
        self.active_tps = set(active)
        self.active_offsets: dict[TP, int | None] = dict(active)
        self.standby_offsets: dict[TP, int | None] = {}
        self.sought: dict[TP, int | None] = {}
        self.during_seek: dict[TP, int] = {}  # what Faust's idle check writes meanwhile

    async def _seek_offsets(
        self, consumer: Any, tps: set[TP], offsets: dict[TP, int | None], title: str
    ) -> None:
        self.sought = {tp: offsets[tp] for tp in tps}
        offsets.update(self.during_seek)


def _floor(recovery: _SeekingRecovery) -> ReplayFloor:
    floor = ReplayFloor(SimpleNamespace(tables=SimpleNamespace(recovery=recovery)))  # type: ignore[arg-type]
    floor.install()
    return floor


def _recovered_to(offset: int) -> _SeekingRecovery:
    """A recovery that completed with the changelog partition read to ``offset``."""
    recovery = _SeekingRecovery({CHANGELOG: offset})
    _floor(recovery).remember()
    return recovery


def _seek(recovery: _SeekingRecovery, offsets: dict[TP, int | None]) -> None:
    asyncio.run(recovery._seek_offsets(None, set(offsets), offsets, "active"))


OTHER = TP("app-traces-changelog", 1)


class TestReplayFloor:
    def test_an_offset_moved_to_the_highwater_before_the_seek_goes_back_to_the_floor(
        self,
    ) -> None:
        """Recovered to 103; Faust's idle check then set 307: the replay starts at 103."""
        recovery = _recovered_to(103)
        recovery.active_offsets[CHANGELOG] = 307
        _seek(recovery, recovery.active_offsets)
        assert recovery.sought == {CHANGELOG: 103}
        assert recovery.active_offsets[CHANGELOG] == 103

    def test_an_offset_moved_while_the_seek_is_awaited_goes_back_too(self) -> None:
        recovery = _recovered_to(103)
        recovery.during_seek = {CHANGELOG: 307}
        _seek(recovery, recovery.active_offsets)
        assert recovery.active_offsets[CHANGELOG] == 103

    def test_an_earlier_offset_is_kept(self) -> None:
        """A partition new to this worker reads from the start (-1) whatever its old floor."""
        recovery = _recovered_to(103)
        recovery.active_offsets[CHANGELOG] = -1
        _seek(recovery, recovery.active_offsets)
        assert recovery.sought == {CHANGELOG: -1}

    def test_only_partitions_active_at_the_last_recovery_have_a_floor(self) -> None:
        recovery = _SeekingRecovery({CHANGELOG: 103})
        recovery.active_offsets[OTHER] = 50  # kept from an earlier assignment, not active now
        floor = _floor(recovery)
        floor.remember()
        recovery.active_tps.add(OTHER)
        recovery.active_offsets[OTHER] = 90
        _seek(recovery, recovery.active_offsets)
        assert recovery.sought == {CHANGELOG: 103, OTHER: 90}

    def test_standby_seeks_are_left_alone(self) -> None:
        recovery = _recovered_to(103)
        recovery.standby_offsets[CHANGELOG] = 307
        _seek(recovery, recovery.standby_offsets)
        assert recovery.sought == {CHANGELOG: 307}

    def test_installing_twice_wraps_once(self) -> None:
        recovery = _SeekingRecovery({CHANGELOG: 103})
        floor = _floor(recovery)
        seek = recovery._seek_offsets
        floor.install()
        assert recovery._seek_offsets is seek


class _Thread:
    """The part of Faust's ``AIOKafkaConsumerThread`` the highwater patch replaces and calls."""

    def __init__(self, broker_ends: dict[TP, int]) -> None:
        self.asked: list[list[TP]] = []
        client = SimpleNamespace(end_offsets=self._end_offsets)
        self._ensure_consumer = lambda: client
        self._highwaters = self._last_stable_offsets  # Faust's: None until fetched
        self._broker_ends = broker_ends

    async def _end_offsets(self, partitions: list[TP]) -> dict[TP, int]:
        self.asked.append(partitions)
        return {tp: self._broker_ends[tp] for tp in partitions}

    async def _last_stable_offsets(self, partitions: list[TP]) -> dict[TP, int | None]:
        return dict.fromkeys(partitions)


class TestBrokerHighwaters:
    def test_highwaters_come_from_the_broker_known_or_not_to_the_client(self) -> None:
        """A changelog partition not fetched yet gets the broker's end, not None (-1)."""
        thread = _Thread({CHANGELOG: 92})
        use_broker_highwaters(SimpleNamespace(_thread=thread))
        assert asyncio.run(thread._highwaters([CHANGELOG])) == {CHANGELOG: 92}
        assert thread.asked == [[CHANGELOG]]

    def test_installing_twice_wraps_once(self) -> None:
        thread = _Thread({})
        consumer = SimpleNamespace(_thread=thread)
        use_broker_highwaters(consumer)
        patched = thread._highwaters
        use_broker_highwaters(consumer)
        assert thread._highwaters is patched


class _CommittingConsumer:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def force_commit(self) -> bool:
        self.log.append("commit")
        return True


class TestCommitGate:
    def test_a_commit_waits_for_the_gate_and_reports_after_it(self) -> None:
        """While the agent holds the gate nothing commits; then the commit and its report run."""
        log: list[str] = []
        consumer = _CommittingConsumer(log)

        async def scenario() -> None:
            gate = asyncio.Lock()
            gate_commits(consumer, gate, lambda: log.append("after"))
            async with gate:
                commit = asyncio.ensure_future(consumer.force_commit())
                await asyncio.sleep(0.01)
                log.append("chunk sent and acked")
            assert await commit is True

        asyncio.run(scenario())
        assert log == ["chunk sent and acked", "commit", "after"]

    def test_installing_twice_wraps_once(self) -> None:
        consumer = _CommittingConsumer([])
        gate = asyncio.Lock()
        gate_commits(consumer, gate, lambda: None)
        patched = consumer.force_commit
        gate_commits(consumer, gate, lambda: None)
        assert consumer.force_commit is patched


class TestInstall:
    def test_every_patch_is_installed_once_however_often_install_runs(self) -> None:
        """A second install (a restart of the app service) wraps nothing twice."""
        recovery = _SeekingRecovery({CHANGELOG: 103})
        consumer = _CommittingConsumer([])
        consumer._thread = _Thread({})  # type: ignore[attr-defined]
        consumer._new_offset = lambda tp: None  # type: ignore[attr-defined]
        app = SimpleNamespace(consumer=consumer, tables=SimpleNamespace(recovery=recovery))
        patches = Patches(
            raw="raw",
            gate=asyncio.Lock(),
            after_commit=lambda: None,
            floor=ReplayFloor(app),  # type: ignore[arg-type]
            finisher=None,
        )
        install(app, patches)
        installed = (
            consumer.force_commit,
            consumer._thread._highwaters,  # type: ignore[attr-defined]
            consumer._new_offset,  # type: ignore[attr-defined]
            recovery._seek_offsets,
        )
        install(app, patches)
        assert installed == (
            consumer.force_commit,
            consumer._thread._highwaters,  # type: ignore[attr-defined]
            consumer._new_offset,  # type: ignore[attr-defined]
            recovery._seek_offsets,
        )

    def test_the_app_installs_the_patches_when_it_starts(self) -> None:
        """BridgedApp.on_start runs Faust's own start, then installs on its real consumer."""
        app = BridgedApp("test-bridge", broker="kafka://127.0.0.1:1", web_enabled=False)
        gate = asyncio.Lock()
        app.patches = Patches(
            raw="raw",
            gate=gate,
            after_commit=lambda: None,
            floor=ReplayFloor(app),
            finisher=None,
        )

        async def start() -> Any:
            await app.on_start()
            return app.consumer

        consumer = asyncio.run(start())
        assert getattr(consumer, "_auditstream_gated", False) is True
        assert getattr(consumer, "_auditstream_contiguous", False) is True
        assert getattr(consumer._thread, "_auditstream_broker_highwaters", False) is True
        assert getattr(app.tables.recovery, "_auditstream_replay_floor", False) is True


class TestPinnedVersion:
    def test_the_pin_read_at_start_is_the_one_in_pyproject(self) -> None:
        """The installed metadata states the pin pyproject.toml holds."""
        pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        pins = [
            dep.split("==", 1)[1].strip()
            for dep in pyproject["project"]["optional-dependencies"]["processor"]
            if dep.replace(" ", "").startswith("faust-streaming==")
        ]
        assert pins == [pinned_faust_version()]

    def test_the_installed_faust_is_the_pinned_one(self) -> None:
        """This environment runs the version the bridge was written against."""
        assert check_faust_version() == pinned_faust_version() == "0.15.3"

    def test_another_version_fails_at_start_and_tells_the_operator_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real = importlib.metadata.version
        monkeypatch.setattr(
            importlib.metadata,
            "version",
            lambda name: "0.16.0" if name == "faust-streaming" else real(name),
        )
        with pytest.raises(FaustVersionError) as caught:
            check_faust_version()
        assert caught.value.installed == "0.16.0"
        assert caught.value.pinned == "0.15.3"
        assert "pip install 'faust-streaming==0.15.3'" in str(caught.value)

    def test_a_missing_faust_fails_at_start_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = importlib.metadata.version

        def version(name: str) -> str:
            if name == "faust-streaming":
                raise importlib.metadata.PackageNotFoundError(name)
            return real(name)

        monkeypatch.setattr(importlib.metadata, "version", version)
        with pytest.raises(FaustVersionError, match="not installed"):
            check_faust_version()

    def test_an_unreadable_pin_fails_at_start(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without the distribution's metadata there is nothing to check against: refuse."""
        monkeypatch.setattr(importlib.metadata, "requires", lambda _name: [])
        with pytest.raises(FaustVersionError, match="cannot read the faust-streaming pin"):
            check_faust_version()
