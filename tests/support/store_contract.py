"""What every :class:`~auditstream.archive.store.ObjectStore` answers, whatever holds the archive.

:class:`ObjectStoreContract` is run twice: on the real S3 server with Object Lock
(``tests/integration/archive/test_store_s3.py``) and on a directory
(``tests/unit/archive/test_store_directory.py``). Each subclass provides ``seeded``: a
store holding :data:`OBJECTS` under a prefix of its own, and the version id the store
issued (or a manifest recorded) for each key.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditstream.archive.store import ListedObject, ObjectStore

OBJECTS = {
    "manifests/v1/p0/00000000.json": b'{"seq": 0}',
    "manifests/v1/p0/00000001.json": b'{"seq": 1, "longer": true}',
    "manifests/v1/p1/00000000.json": b'{"seq": 0, "partition": 1}',
    "keys/abc.pub": b"public key bytes",
    "events/v1/tenant=acme/dt=2026-01-05/hour=10/p0-0-9.parquet": b"ten rows of parquet",
}
"""Keys below the seeded prefix, with their bytes."""


@dataclass(frozen=True)
class Seeded:
    """A store holding :data:`OBJECTS` below ``prefix``.

    Attributes:
        store: The store.
        prefix: Where the objects are (ends with ``/``); nothing else is below it.
        version_ids: The version id each key was written with (as a manifest records it).
    """

    store: ObjectStore
    prefix: str
    version_ids: dict[str, str]


class ObjectStoreContract:
    """The answers verification, queries and exports rely on."""

    def test_an_object_reads_as_its_bytes(self, seeded: Seeded) -> None:
        for key, data in OBJECTS.items():
            found = seeded.store.get(seeded.prefix + key)
            assert found is not None
            assert found.data == data

    def test_a_missing_object_reads_as_none(self, seeded: Seeded) -> None:
        """Missing is an answer (the checks report it), not an error."""
        assert seeded.store.get(seeded.prefix + "keys/none.pub") is None
        assert seeded.store.head(seeded.prefix + "keys/none.pub") is None

    def test_the_recorded_version_reads_as_the_bytes_written(self, seeded: Seeded) -> None:
        key = "manifests/v1/p0/00000001.json"
        found = seeded.store.get(seeded.prefix + key, version_id=seeded.version_ids[key])
        assert found is not None
        assert found.data == OBJECTS[key]

    def test_head_gives_the_size(self, seeded: Seeded) -> None:
        for key, data in OBJECTS.items():
            head = seeded.store.head(seeded.prefix + key)
            assert head is not None
            assert head.size == len(data)

    def test_a_listing_gives_every_key_below_the_prefix_with_its_size_in_key_order(
        self, seeded: Seeded
    ) -> None:
        listed = list(seeded.store.list_objects(seeded.prefix))
        assert listed == [
            ListedObject(seeded.prefix + key, len(data)) for key, data in sorted(OBJECTS.items())
        ]

    def test_a_listing_is_limited_to_its_prefix_and_starts_after_a_key(
        self, seeded: Seeded
    ) -> None:
        chain = seeded.prefix + "manifests/v1/p0/"
        assert [o.key for o in seeded.store.list_objects(chain)] == [
            chain + "00000000.json",
            chain + "00000001.json",
        ]
        after = [
            o.key for o in seeded.store.list_objects(chain, start_after=chain + "00000000.json")
        ]
        assert after == [chain + "00000001.json"]
        assert list(seeded.store.list_objects(seeded.prefix + "digests/v1/")) == []

    def test_common_prefixes_are_the_next_path_segment(self, seeded: Seeded) -> None:
        """Partitions are found this way, as ``p<n>/`` below the manifest root."""
        root = seeded.prefix + "manifests/v1/"
        assert sorted(seeded.store.list_prefixes(root)) == [root + "p0/", root + "p1/"]
        assert sorted(seeded.store.list_prefixes(seeded.prefix)) == [
            seeded.prefix + segment for segment in ("events/", "keys/", "manifests/")
        ]

    def test_versions_list_only_keys_that_exist_and_no_delete_markers(self, seeded: Seeded) -> None:
        """Nothing deleted and nothing overwritten: no key has a second version."""
        listing = seeded.store.versions(seeded.prefix)
        assert set(listing.versions) <= {seeded.prefix + key for key in OBJECTS}
        assert all(len(found) == 1 for found in listing.versions.values())
        assert listing.deleted == set()
