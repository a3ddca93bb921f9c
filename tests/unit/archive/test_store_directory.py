"""A directory copy of an archive read as an ObjectStore (offline verify, evidence packages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditstream.archive.errors import CopyUnreadableError
from auditstream.archive.store import NO_LOCK, DirectoryStore
from support.store_contract import OBJECTS, ObjectStoreContract, Seeded

PREFIX = "run/"


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    for key, data in OBJECTS.items():
        path = tmp_path / PREFIX / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # A copy has one file per key; the ids are the ones the manifests recorded.
    ids = {key: f"recorded-{n}" for n, key in enumerate(OBJECTS)}
    return Seeded(DirectoryStore(tmp_path, name="offline-copy"), PREFIX, ids)


class TestDirectoryStoreContract(ObjectStoreContract):
    """The contract every store keeps, on a directory."""


class TestDirectoryStore:
    def test_any_version_id_reads_the_keys_one_file(self, seeded: Seeded) -> None:
        """The copy holds the version the exporter copied; the manifest's hash decides."""
        key = PREFIX + "keys/abc.pub"
        found = seeded.store.get(key, version_id="some-other-version")
        assert found is not None
        assert found.data == OBJECTS["keys/abc.pub"]

    def test_a_copy_states_no_lock_and_lists_no_versions(self, seeded: Seeded) -> None:
        """Retention cannot be checked offline, and a copy has no version history."""
        head = seeded.store.head(PREFIX + "keys/abc.pub")
        assert head is not None
        assert head.lock == NO_LOCK
        found = seeded.store.get(PREFIX + "keys/abc.pub")
        assert found is not None
        assert found.lock is None
        listing = seeded.store.versions(PREFIX)
        assert (listing.versions, listing.deleted) == ({}, set())

    @pytest.mark.parametrize("key", ["../outside", "run/../../outside", "/etc/passwd"])
    def test_keys_cannot_climb_out_of_the_copy(self, seeded: Seeded, tmp_path: Path, key: str):
        """A key that resolves outside the directory is missing, never read."""
        (tmp_path.parent / "outside").write_bytes(b"not part of the copy")
        assert seeded.store.get(key) is None
        assert seeded.store.head(key) is None

    def test_an_unreadable_file_is_an_archive_error_naming_the_copy_and_key(
        self, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(Path, "read_bytes", refuse)
        with pytest.raises(CopyUnreadableError) as caught:
            seeded.store.get(PREFIX + "keys/abc.pub")
        assert str(caught.value) == (
            f"cannot read 'run/keys/abc.pub' in the archive copy at {tmp_path}: Permission "
            "denied; check that the directory is a complete copy and readable by this user"
        )

    def test_the_name_is_what_reports_call_the_copy(self, seeded: Seeded) -> None:
        assert seeded.store.name == "offline-copy"
