"""The archive bucket read as an ObjectStore, on the real S3 server with Object Lock.

Each test writes below a prefix of its own in the stack's bucket (objects stay, locked,
as every integration test's do).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditstream.archive.errors import BucketUnreachableError
from auditstream.archive.store import S3ObjectStore
from support.stack import Stack
from support.store_contract import OBJECTS, ObjectStoreContract, Seeded

pytestmark = pytest.mark.integration


def _put(client: Any, bucket: str, key: str, data: bytes, **lock: Any) -> str:
    return str(client.put_object(Bucket=bucket, Key=key, Body=data, **lock)["VersionId"])


@pytest.fixture
def seeded(stack: Stack) -> Seeded:
    client, prefix = stack.s3(), f"store-contract-{uuid.uuid4().hex[:12]}/"
    ids = {key: _put(client, stack.bucket, prefix + key, data) for key, data in OBJECTS.items()}
    return Seeded(S3ObjectStore(client, bucket=stack.bucket), prefix, ids)


class TestS3ObjectStoreContract(ObjectStoreContract):
    """The contract every store keeps, on the real server."""


class TestS3ObjectStore:
    def test_a_recorded_version_is_read_after_a_newer_one_was_put_over_it(
        self, seeded: Seeded, stack: Stack
    ) -> None:
        """A plain PUT adds a version even under Object Lock; the recorded one still reads."""
        key = seeded.prefix + "keys/abc.pub"
        newer = _put(stack.s3(), stack.bucket, key, b"an attacker's key")
        recorded = seeded.version_ids["keys/abc.pub"]
        old = seeded.store.get(key, version_id=recorded)
        current = seeded.store.get(key)
        assert old is not None
        assert current is not None
        assert (old.data, current.data) == (OBJECTS["keys/abc.pub"], b"an attacker's key")
        versions = seeded.store.versions(key).versions[key]
        assert {v.version_id for v in versions} == {recorded, newer}
        assert [v.version_id for v in versions if v.latest] == [newer]

    def test_a_version_id_the_store_never_issued_reads_as_missing(self, seeded: Seeded) -> None:
        assert seeded.store.get(seeded.prefix + "keys/abc.pub", version_id="v999") is None

    def test_a_delete_marker_hides_the_key_and_is_listed(
        self, seeded: Seeded, stack: Stack
    ) -> None:
        key = seeded.prefix + "manifests/v1/p1/00000000.json"
        stack.s3().delete_object(Bucket=stack.bucket, Key=key)
        assert seeded.store.get(key) is None
        assert seeded.store.versions(key).deleted == {key}
        assert key not in {o.key for o in seeded.store.list_objects(seeded.prefix)}

    def test_head_gives_the_lock_of_a_retained_object_and_of_a_recorded_version(
        self, seeded: Seeded, stack: Stack
    ) -> None:
        until = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        key = seeded.prefix + "locked.json"
        client = stack.s3()
        lock = {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until}
        first = _put(client, stack.bucket, key, b"locked", **lock)
        _put(client, stack.bucket, key, b"newer", **lock)
        for version_id in (None, first):
            head = seeded.store.head(key, version_id=version_id)
            assert head is not None
            assert head.lock == ("COMPLIANCE", until, False)

    def test_a_missing_bucket_is_an_archive_error_saying_so(self, stack: Stack) -> None:
        store = S3ObjectStore(stack.s3(), bucket=f"no-such-{uuid.uuid4().hex[:12]}")
        with pytest.raises(BucketUnreachableError) as caught:
            list(store.list_objects(""))
        assert "the bucket does not exist" in str(caught.value)
