"""Worker identities for static group membership: stable across restarts, unique per host."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditstream.schemas.errors import WorkerIdentityError
from auditstream.schemas.identity import claim_worker_identity


def claim(tmp_path: Path, group: str = "g", **kwargs: object):  # type: ignore[no-untyped-def]
    return claim_worker_identity(
        group, configured=None, hostname="host-a", slot_root=tmp_path, **kwargs
    )


class TestClaimWorkerIdentity:
    def test_a_configured_id_is_used_as_it_is(self, tmp_path: Path) -> None:
        """The operator's id (a StatefulSet pod name) needs no slot."""
        identity = claim_worker_identity("g", configured="auditstream-sink-1", slot_root=tmp_path)
        assert (identity.instance_id, identity.slot) == ("auditstream-sink-1", None)

    def test_without_static_membership_there_is_no_id(self, tmp_path: Path) -> None:
        """static=False joins as a dynamic member, configured id or not."""
        identity = claim_worker_identity("g", configured="x", static=False, slot_root=tmp_path)
        assert identity.instance_id is None

    def test_two_live_workers_of_one_group_on_one_host_get_different_ids(
        self, tmp_path: Path
    ) -> None:
        """A duplicate id would fence the other worker out of the group."""
        with claim(tmp_path) as first, claim(tmp_path) as second:
            assert (first.instance_id, second.instance_id) == ("host-a-0", "host-a-1")

    def test_a_released_slot_is_taken_again_by_the_next_worker(self, tmp_path: Path) -> None:
        """A restarted worker gets its old id back, so its partitions come back to it."""
        with claim(tmp_path) as first, claim(tmp_path):
            first.release()
            with claim(tmp_path) as restarted:
                assert restarted.instance_id == "host-a-0"

    def test_slots_are_counted_per_group(self, tmp_path: Path) -> None:
        """A processor and a sink on one host both take slot 0 of their own group."""
        with claim(tmp_path, "processor") as processor, claim(tmp_path, "sink") as sink:
            assert processor.slot == sink.slot == 0

    def test_a_hostname_is_made_fit_for_kafka(self, tmp_path: Path) -> None:
        """Kafka accepts only letters, digits, '.', '_' and '-' in a group.instance.id."""
        identity = claim_worker_identity(
            "g", configured=None, hostname="my host/1", slot_root=tmp_path
        )
        assert identity.instance_id == "my-host-1-0"
        identity.release()

    def test_a_killed_worker_frees_its_slot_for_its_restart(self, tmp_path: Path) -> None:
        """SIGKILL closes the lock's file descriptor: the restart gets the same id."""
        code = textwrap.dedent(
            f"""
            import sys, time
            from pathlib import Path
            from auditstream.schemas.identity import claim_worker_identity
            identity = claim_worker_identity(
                "g", configured=None, hostname="host-a", slot_root=Path({str(tmp_path)!r})
            )
            print(identity.instance_id, flush=True)
            time.sleep(60)
            """
        )
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "host-a-0"
            with claim(tmp_path) as meanwhile:
                assert meanwhile.instance_id == "host-a-1"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        with claim(tmp_path) as restarted:
            assert restarted.instance_id == "host-a-0"

    def test_an_unusable_lock_folder_is_a_clear_error(self, tmp_path: Path) -> None:
        """A file where the folder should be names the path."""
        blocker = tmp_path / "file"
        blocker.write_text("")
        with pytest.raises(WorkerIdentityError, match="cannot create"):
            claim_worker_identity("g", configured=None, slot_root=blocker)
