"""Copies of chained objects as their manifests recorded them, on a directory store."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from auditstream.archive.fetch import ObjectFetcher
from auditstream.archive.findings import Finding, FindingKind
from auditstream.archive.manifest import ManifestObject
from auditstream.archive.recorded import compare_listing, copy_recorded
from auditstream.archive.store import DirectoryStore

KEY = "events/v1/tenant=acme/dt=2026-01-05/hour=10/p0-0-9.parquet"
DATA = b"ten rows of parquet"


def entry(*, data: bytes = DATA, version_id: str | None = "v1") -> ManifestObject:
    return ManifestObject(
        key=KEY,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        records=10,
        first_offset=0,
        last_offset=9,
        min_timestamp_us=0,
        max_timestamp_us=0,
        version_id=version_id,
    )


class TestCompareListing:
    @pytest.mark.parametrize(
        ("version_id", "listed", "problems", "notes"),
        [
            ("v1", {KEY: len(DATA)}, [], []),
            (None, {KEY: len(DATA)}, [], []),
            (None, {}, ["object is missing"], []),
            (None, {KEY: 3}, [f"size 3, manifest says {len(DATA)}"], []),
            (
                "v1",
                {},
                [],
                ["hidden by a delete marker; read version v1, as its manifest recorded"],
            ),
            (
                "v1",
                {KEY: 3},
                [],
                [
                    "the current version is not the recorded one (size 3, manifest says "
                    f"{len(DATA)}); read version v1, as its manifest recorded"
                ],
            ),
        ],
    )
    def test_only_an_object_without_a_recorded_version_depends_on_the_listing(
        self,
        version_id: str | None,
        listed: dict[str, int],
        problems: list[str],
        notes: list[str],
    ) -> None:
        """A recorded version is read whatever the key holds now; the rest is a note."""
        found, noted = compare_listing([entry(version_id=version_id)], listed)
        assert [f.message for f in found] == problems
        assert [f.message for f in noted] == notes
        assert {f.kind for f in noted} <= {FindingKind.VERSION}


class TestCopyRecordedFromADirectory:
    """A directory has one version per key: the recorded id reads that file, the hash decides."""

    @pytest.fixture
    def fetcher(self, tmp_path: Path) -> ObjectFetcher:
        store = tmp_path / "store"
        (store / KEY).parent.mkdir(parents=True)
        (store / KEY).write_bytes(DATA)
        return ObjectFetcher(DirectoryStore(store, name="offline"))

    def test_the_recorded_bytes_are_copied(self, fetcher: ObjectFetcher, tmp_path: Path) -> None:
        """A version id is no obstacle offline: the file is the copy the exporter checked."""
        assert copy_recorded(fetcher, [entry()], tmp_path / "copy") == []
        assert (tmp_path / "copy" / KEY).read_bytes() == DATA

    def test_other_bytes_are_a_finding_and_not_copied(
        self, fetcher: ObjectFetcher, tmp_path: Path
    ) -> None:
        """Bytes of the recorded size but another SHA-256 are never handed to a query."""
        recorded = entry(data=b"ten rows of PARQUET")
        found = copy_recorded(fetcher, [recorded], tmp_path / "copy")
        actual = hashlib.sha256(DATA).hexdigest()
        assert found == [
            Finding(
                FindingKind.OBJECT,
                KEY,
                f"version v1: SHA-256 {actual}, manifest says {recorded.sha256}",
            )
        ]
        assert not (tmp_path / "copy" / KEY).exists()

    def test_a_missing_object_is_a_finding(self, fetcher: ObjectFetcher, tmp_path: Path) -> None:
        """Without a recorded version the message says the object, not a version, is gone."""
        gone = replace(entry(version_id=None), key=KEY + ".gone")
        found = copy_recorded(fetcher, [gone], tmp_path / "copy", unchecked=[KEY + ".orphan"])
        assert found == [
            Finding(FindingKind.OBJECT, KEY + ".gone", "object is missing"),
            Finding(FindingKind.OBJECT, KEY + ".orphan", "object is missing"),
        ]
