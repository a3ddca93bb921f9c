"""Write-once storage on the real S3 server: locked objects, unsafe buckets refused.

The server, not the sink, must refuse to overwrite or delete archived objects and
manifests. A bucket without Object Lock stops the sink at start with a clear message;
with the dev flag it runs, every manifest says ``unlocked``, and a deleted manifest is
caught by the digests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from auditstream.archive import FindingKind, Manifest
from support.sink_harness import SinkUnderTest
from support.stack import Stack
from support.wait import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def unlocked_bucket(sut: SinkUnderTest) -> Iterator[str]:
    """A bucket on the same server, created without Object Lock, removed afterwards."""
    name = f"unlocked-{uuid.uuid4().hex[:12]}"
    client = sut.s3()
    client.create_bucket(Bucket=name)
    yield name
    sut.stop()
    for page in client.get_paginator("list_object_versions").paginate(Bucket=name):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            client.delete_object(Bucket=name, Key=entry["Key"], VersionId=entry["VersionId"])
    client.delete_bucket(Bucket=name)


def _on_bucket(sut: SinkUnderTest, bucket: str) -> SinkUnderTest:
    env = {**sut.stack.env, "AUDITSTREAM_S3__BUCKET": bucket}
    stack = Stack(sut.stack.bootstrap_servers, sut.stack.s3_endpoint, env)
    other = SinkUnderTest(stack=stack, log_dir=sut.log_dir, run_id=sut.run_id)
    other.workers = sut.workers  # stopped with the fixture's workers
    return other


def _refused(call: Any) -> int:
    with pytest.raises(ClientError) as caught:
        call()
    return int(caught.value.response["ResponseMetadata"]["HTTPStatusCode"])


class TestWriteOnce:
    def test_archived_objects_manifests_and_keys_refuse_overwrite_and_delete(
        self, sut: SinkUnderTest
    ) -> None:
        """The server answers 412 to an overwrite and refuses deleting a locked version."""
        sut.produce(60)
        sut.start()
        wait_until(lambda: sut.chained_records() >= 60, timeout_s=120, what="60 chained records")
        report = sut.verify()
        assert report.ok, report.failures
        s3, bucket = sut.s3(), sut.stack.bucket
        manifest_key = f"{sut.prefix}manifests/v1/p0/{0:020d}.json"
        key_keys = s3.list_objects_v2(Bucket=bucket, Prefix=f"{sut.prefix}keys/")["Contents"]
        keys = [next(iter(report.chained_objects())), manifest_key, key_keys[0]["Key"]]
        now = dt.datetime.now(dt.UTC)
        for key in keys:
            head = s3.head_object(Bucket=bucket, Key=key)
            assert head["ObjectLockMode"] == "COMPLIANCE", key
            assert head["ObjectLockRetainUntilDate"] > now + dt.timedelta(days=2000), key
            overwrite = _refused(
                lambda key=key: s3.put_object(Bucket=bucket, Key=key, Body=b"x", IfNoneMatch="*")
            )
            assert overwrite == 412, key
            version = head["VersionId"]
            delete = _refused(
                lambda key=key, version=version: s3.delete_object(
                    Bucket=bucket, Key=key, VersionId=version
                )
            )
            assert delete in (400, 403), key
            assert s3.head_object(Bucket=bucket, Key=key)["VersionId"] == version

    def test_a_bucket_without_object_lock_makes_the_sink_refuse_to_start(
        self, sut: SinkUnderTest, unlocked_bucket: str
    ) -> None:
        """The sink exits with code 2 and says what is wrong and how to fix it."""
        worker = _on_bucket(sut, unlocked_bucket).start()
        returncode = wait_until(
            lambda: worker.process.poll() is not None and worker.process.returncode,
            timeout_s=60,
            what="the sink to refuse",
        )
        message = worker.log_path.read_text()
        assert returncode == 2
        assert f"bucket '{unlocked_bucket}' is not write-once" in message
        assert "Object Lock: not configured" in message
        assert "ObjectLockEnabledForBucket=True" in message

    def test_with_the_dev_flag_manifests_say_unlocked_and_digests_catch_a_deleted_manifest(
        self, sut: SinkUnderTest, unlocked_bucket: str
    ) -> None:
        """Deleting the newest manifest leaves a chain that links, but the digest names it."""
        dev = _on_bucket(sut, unlocked_bucket)
        dev.produce(30, tenant_count=1)
        dev.start(allow_unlocked_bucket="true", digest_interval_s="1", max_records="10")
        wait_until(lambda: dev.chained_records() >= 30, timeout_s=120, what="30 chained records")
        s3 = dev.s3()

        def digests() -> int:
            listed = s3.list_objects_v2(Bucket=unlocked_bucket, Prefix=f"{dev.prefix}digests/")
            return int(listed.get("KeyCount", 0))

        # Two more digests: the second one started after every record was chained.
        written = digests()
        wait_until(lambda: digests() >= written + 2, timeout_s=60, what="a digest of the heads")
        dev.stop()
        report = dev.verify(check_retention=False)
        assert report.ok, report.failures
        assert all(p.unlocked == p.manifests > 0 for p in report.partitions)
        head = max(report.partitions, key=lambda p: p.head_seq or 0)
        key = f"{dev.prefix}manifests/v1/p{head.partition}/{head.head_seq:020d}.json"
        manifest = Manifest.from_bytes(
            s3.get_object(Bucket=unlocked_bucket, Key=key)["Body"].read(), key=key
        )
        assert manifest.unlocked is True
        s3.delete_object(Bucket=unlocked_bucket, Key=key)

        tampered = dev.verify(check_retention=False)
        kinds = {f.kind for f in tampered.failures}
        assert kinds == {FindingKind.DIGEST}
        assert all(f"manifest {head.head_seq} of partition" in f.message for f in tampered.failures)


class TestHiddenManifest:
    def test_a_manifest_hidden_by_a_delete_marker_is_reported_and_stops_the_sink(
        self, sut: SinkUnderTest
    ) -> None:
        """The locked version survives, but the chain looks cut: verify fails, the sink stops."""
        sut.produce(60, tenant_count=1)
        sut.start(max_records="10")
        wait_until(lambda: sut.chained_records() >= 60, timeout_s=120, what="60 chained records")
        sut.stop()
        report = sut.verify(check_objects=False)
        assert report.ok, report.failures
        head = report.partitions[0]
        assert head.head_seq
        key = f"{sut.prefix}manifests/v1/p{head.partition}/{head.head_seq:020d}.json"
        s3 = sut.s3()
        assert s3.delete_object(Bucket=sut.stack.bucket, Key=key).get("DeleteMarker") is True

        hidden = sut.verify(check_objects=False)
        findings = [(f.kind, f.key) for f in hidden.failures]
        assert (FindingKind.LINKAGE, key) in findings
        # A digest the sink wrote at an interval boundary during the run may name the hidden
        # manifest too; that is a second true finding, not noise. Nothing else may appear.
        assert {kind for kind, _ in findings} <= {FindingKind.LINKAGE, FindingKind.DIGEST}
        assert [k for kind, k in findings if kind is FindingKind.LINKAGE] == [key]
        worker = sut.start()
        returncode = wait_until(
            lambda: worker.process.poll() is not None and worker.process.returncode,
            timeout_s=60,
            what="the sink to refuse the cut chain",
        )
        assert returncode == 2
        assert "delete marker" in worker.log_path.read_text()


class TestRetentionSettings:
    def test_governance_mode_years_and_legal_hold_are_applied_to_objects_and_manifests(
        self, sut: SinkUnderTest
    ) -> None:
        """Mode, period (in years) and legal hold come from the settings, on every PUT."""
        sut.produce(30)
        sut.start(retention_mode="GOVERNANCE", retention_years="1", legal_hold="true")
        wait_until(lambda: sut.chained_records() >= 30, timeout_s=120, what="30 chained records")
        sut.stop()
        s3, bucket = sut.s3(), sut.stack.bucket
        report = sut.verify()
        assert report.ok, report.failures
        keys = [*report.chained_objects(), f"{sut.prefix}manifests/v1/p0/{0:020d}.json"]
        now = dt.datetime.now(dt.UTC)
        try:
            for key in keys:
                head = s3.head_object(Bucket=bucket, Key=key)
                assert head["ObjectLockMode"] == "GOVERNANCE", key
                until = head["ObjectLockRetainUntilDate"]
                assert now + dt.timedelta(days=364) < until < now + dt.timedelta(days=367), key
                assert head["ObjectLockLegalHoldStatus"] == "ON", key
        finally:  # lift every hold so the test's objects expire with their retention
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=sut.prefix).get("Contents", [])
            for entry in listed:
                s3.put_object_legal_hold(
                    Bucket=bucket, Key=entry["Key"], LegalHold={"Status": "OFF"}
                )
