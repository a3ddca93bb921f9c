"""audit verify's direct reads on the real S3 server: same report, same findings, safe fallback.

``verify_bucket`` reads objects with signed HTTP requests instead of boto3 calls (see
``auditstream.archive.direct``). Here an archive is written straight into the stack's
locked bucket with the archive format's own types (signed manifests, locked objects), so
the test needs neither Kafka nor a sink, and then verified both ways.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.credentials import Credentials

from auditstream.archive import FindingKind, VerificationReport, verify_archive
from auditstream.archive.direct import DirectReader
from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.manifest import (
    Manifest,
    ManifestObject,
    manifest_key,
    public_key_key,
)
from auditstream.archive.signing import Signer, public_key_pem
from auditstream.archive.store import S3ObjectStore
from auditstream.auditor.settings import AuditorSettings
from auditstream.auditor.verify import verify_bucket
from auditstream.schemas.settings import S3Settings
from support.stack import Stack

pytestmark = pytest.mark.integration

PER_MANIFEST = 3
MANIFESTS = 3


def settings_for(stack: Stack, prefix: str) -> S3Settings:
    env = stack.env
    return S3Settings(
        endpoint_url=env["AUDITSTREAM_S3__ENDPOINT_URL"],
        region=env.get("AUDITSTREAM_S3__REGION", "us-east-1"),
        access_key_id=env["AUDITSTREAM_S3__ACCESS_KEY_ID"],
        secret_access_key=env["AUDITSTREAM_S3__SECRET_ACCESS_KEY"],
        bucket=env["AUDITSTREAM_S3__BUCKET"],
        prefix=prefix,
    )


class ArchiveBuilder:
    """Writes signed chains and locked objects under a fresh prefix of the real bucket."""

    def __init__(self, stack: Stack) -> None:
        self.prefix = f"test/verify-direct/{uuid.uuid4().hex[:12]}/"
        self.settings = settings_for(stack, self.prefix)
        self.s3 = stack.s3()
        self.signer = Signer.generate()
        self.retain_until = datetime.now(UTC) + timedelta(days=1)
        self.put(
            public_key_key(self.prefix, self.signer.key_id), public_key_pem(self.signer.public_key)
        )

    def put(self, key: str, data: bytes, *, locked: bool = True) -> None:
        params: dict[str, Any] = {"Bucket": self.settings.bucket, "Key": key, "Body": data}
        if locked:
            params |= {
                "ObjectLockMode": "COMPLIANCE",
                "ObjectLockRetainUntilDate": self.retain_until,
            }
        self.s3.put_object(**params)

    def chain(self, partition: int, objects: list[list[tuple[bytes, bool, bool]]]) -> list[str]:
        """Write one chain; each object is (bytes, stored, locked). Returns the data keys."""
        keys, previous, offset = [], None, 0
        for seq, batch in enumerate(objects):
            listed = []
            first = offset
            for data, stored, locked in batch:
                key = ObjectKey(
                    PartitionPath("a", date(2026, 1, 1), 0), partition, offset, offset + 9
                )
                full = key.render(self.prefix)
                if stored:
                    self.put(full, data, locked=locked)
                digest = hashlib.sha256(data).hexdigest()
                listed.append(ManifestObject(full, digest, len(data), 10, offset, offset + 9, 0, 0))
                keys.append(full)
                offset += 10
            manifest = Manifest(
                topic="t",
                partition=partition,
                seq=seq,
                position_before=first,
                position_after=offset,
                records=offset - first,
                objects=tuple(listed),
                prev_sha256=previous,
                # Now: an archive without digests whose manifests are older than the
                # digest interval (plus grace) fails verification.
                written_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                unlocked=False,
                signer_key_id="",
            ).signed(self.signer)
            body = manifest.to_bytes()
            self.put(manifest_key(self.prefix, partition, seq), body)
            previous = hashlib.sha256(body).hexdigest()
        return keys


@pytest.fixture
def archive(stack: Stack) -> ArchiveBuilder:
    return ArchiveBuilder(stack)


def intact(builder: ArchiveBuilder) -> None:
    for partition in (0, 1):
        builder.chain(
            partition,
            [
                [
                    (f"p{partition} s{s} o{o}".encode() * 100, True, True)
                    for o in range(PER_MANIFEST)
                ]
                for s in range(MANIFESTS)
            ],
        )


def summary(report: VerificationReport) -> list[tuple[int, int, int, int | None, str | None]]:
    return [
        (p.partition, p.manifests, p.records, p.head_seq, p.head_sha256) for p in report.partitions
    ]


class TestDirectReads:
    def test_direct_reads_give_the_report_boto3_reads_give(self, archive):
        """Same chains, heads, objects and no failures, with the reader still in use."""
        intact(archive)
        direct = DirectReader.for_settings(archive.settings)
        assert direct is not None
        client, bucket, prefix = archive.s3, archive.settings.bucket, archive.prefix
        fast = verify_archive(S3ObjectStore(client, bucket=bucket), prefix=prefix, direct=direct)
        slow = verify_archive(S3ObjectStore(client, bucket=bucket), prefix=prefix)
        assert fast.ok, fast.failures
        assert slow.ok, slow.failures
        assert summary(fast) == summary(slow)
        assert fast.chained_objects() == slow.chained_objects()
        assert len(fast.chained_objects()) == 2 * MANIFESTS * PER_MANIFEST
        assert direct.active

    def test_verify_bucket_reads_directly_and_passes(self, archive):
        """The auditor's entry point verifies an intact archive."""
        intact(archive)
        report = verify_bucket(AuditorSettings(s3=archive.settings))
        assert report.ok, report.failures
        assert sum(p.records for p in report.partitions) == 2 * MANIFESTS * PER_MANIFEST * 10

    def test_each_problem_is_found_through_direct_reads(self, archive):
        """Wrong bytes, a missing object and an unlocked object are named, as with boto3
        (and the wrong bytes' second version of the key too)."""
        intact(archive)
        good = b"good bytes" * 50
        keys = archive.chain(2, [[(good, True, True), (good, True, False), (good, False, True)]])
        tampered = archive.chain(3, [[(good, True, True)]])[0]
        archive.s3.put_object(  # a newer version with other bytes; the locked one stays
            Bucket=archive.settings.bucket,
            Key=tampered,
            Body=b"other bytes",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=archive.retain_until,
        )
        direct = DirectReader.for_settings(archive.settings)
        report = verify_archive(
            S3ObjectStore(archive.s3, bucket=archive.settings.bucket),
            prefix=archive.prefix,
            direct=direct,
        )
        found = {(f.kind, f.key) for f in report.failures}
        assert found == {
            (FindingKind.RETENTION, keys[1]),
            (FindingKind.OBJECT, keys[2]),
            (FindingKind.OBJECT, tampered),
            (FindingKind.VERSION, tampered),
        }
        messages = {(f.kind, f.key): f.message for f in report.failures}
        assert messages[FindingKind.OBJECT, keys[2]] == "object is missing"
        assert "manifest says" in messages[FindingKind.OBJECT, tampered]
        assert "2 versions" in messages[FindingKind.VERSION, tampered]
        assert direct is not None
        assert direct.active

    @pytest.mark.parametrize("wrong", ["access key", "secret"])
    def test_a_reader_the_store_refuses_steps_aside_and_boto3_verifies_everything(
        self, archive, wrong
    ):
        """Bad credentials cost one refused request, then boto3 reads as before."""
        intact(archive)
        settings = archive.settings
        good_secret = settings.secret_access_key
        assert good_secret is not None
        credentials = (
            Credentials("not-a-key", good_secret.get_secret_value())
            if wrong == "access key"  # versitygw answers 404 for an unknown key
            else Credentials(settings.access_key_id or "", "not-the-secret")
        )
        refused = DirectReader(
            settings.endpoint_url or "",
            bucket=settings.bucket,
            region=settings.region,
            credentials=credentials,
        )
        report = verify_archive(
            S3ObjectStore(archive.s3, bucket=settings.bucket), prefix=archive.prefix, direct=refused
        )
        assert report.ok, report.failures
        assert len(report.chained_objects()) == 2 * MANIFESTS * PER_MANIFEST
        assert not refused.active

    def test_a_direct_get_returns_the_bytes_and_lock_and_leaves_a_missing_key_to_boto3(
        self, archive
    ):
        """A 200 is read whole with its headers; a 404 is not held against the reader."""
        data = b"exact bytes" * 7
        key = f"{archive.prefix}events/v1/tenant=a/dt=2026-01-01/hour=00/p9-0-0.parquet"
        archive.put(key, data)
        direct = DirectReader.for_settings(archive.settings)
        assert direct is not None
        answer = direct.get(key)
        assert answer is not None
        assert answer[0] == data
        head = direct.head(key)
        assert head is not None
        assert head.get("x-amz-object-lock-mode") == "COMPLIANCE"
        assert direct.get(f"{archive.prefix}no-such-key") is None
        assert direct.head(f"{archive.prefix}no-such-key") is None
        assert direct.active
