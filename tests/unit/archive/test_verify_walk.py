"""Verification of long chains: reads run ahead of the walk, findings stay in chain order.

Chains here are longer than the manifests read ahead and hold more objects than the reads
queued at once, so every path of the read queue runs. The in-memory bucket stands in for S3.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, timedelta

from auditstream.archive import FindingKind, verify_archive
from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.manifest import (
    Manifest,
    ManifestObject,
    manifest_key,
    public_key_key,
)
from auditstream.archive.signing import Signer, public_key_pem
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.verify import OBJECT_CHECK_THREADS, VerifyProgress
from support.memory_s3 import MemoryS3

PREFIX = "run/"
BUCKET = "archive"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
MANIFESTS = 3 * OBJECT_CHECK_THREADS  # more than are read ahead
PER_MANIFEST = 5  # MANIFESTS * PER_MANIFEST objects: more than are queued at once


def build(s3: MemoryS3, partitions: int = 2) -> list[list[str]]:
    """Write signed chains of locked objects; return each partition's data keys in order."""
    signer = Signer.generate()
    lock = {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": NOW + timedelta(days=1)}
    s3.put_object(
        Key=public_key_key(PREFIX, signer.key_id), Body=public_key_pem(signer.public_key), **lock
    )
    chains = []
    for partition in range(partitions):
        keys: list[str] = []
        previous = None
        for seq in range(MANIFESTS):
            listed = []
            first = len(keys) * 10
            for _ in range(PER_MANIFEST):
                offset = len(keys) * 10
                key = ObjectKey(
                    PartitionPath("a", date(2026, 1, 1), 0), partition, offset, offset + 9
                )
                full = key.render(PREFIX)
                data = full.encode() * 3
                s3.put_object(Key=full, Body=data, **lock)
                listed.append(
                    ManifestObject(
                        full,
                        hashlib.sha256(data).hexdigest(),
                        len(data),
                        10,
                        offset,
                        offset + 9,
                        0,
                        0,
                    )
                )
                keys.append(full)
            manifest = Manifest(
                topic="t",
                partition=partition,
                seq=seq,
                position_before=first,
                position_after=len(keys) * 10,
                records=len(keys) * 10 - first,
                objects=tuple(listed),
                prev_sha256=previous,
                written_at="2026-01-01T00:00:00Z",
                unlocked=False,
                signer_key_id="",
            ).signed(signer)
            body = manifest.to_bytes()
            s3.put_object(Key=manifest_key(PREFIX, partition, seq), Body=body, **lock)
            previous = hashlib.sha256(body).hexdigest()
        chains.append(keys)
    return chains


def verify(s3: MemoryS3):
    return verify_archive(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX, now=NOW)  # type: ignore[arg-type]


class TestLongChains:
    def test_every_manifest_and_object_of_long_chains_is_checked(self):
        """Counts add up: every manifest walked, every object vouched for, nothing failed."""
        s3 = MemoryS3()
        chains = build(s3)
        report = verify(s3)
        assert report.ok, report.failures
        assert [(p.manifests, p.head_seq) for p in report.partitions] == [
            (MANIFESTS, MANIFESTS - 1)
        ] * 2
        assert sorted(report.chained_objects()) == sorted(k for keys in chains for k in keys)

    def test_findings_about_objects_come_in_chain_order_after_the_manifests(self):
        """Objects spread over the chains are reported in the order the chains list them."""
        s3 = MemoryS3()
        chains = build(s3)
        bad = [chains[0][3], chains[0][70], chains[1][1], chains[1][MANIFESTS * PER_MANIFEST - 1]]
        for key in bad:
            s3.objects[key] = b"tampered"
        expired = chains[0][40]
        s3.params[expired]["ObjectLockRetainUntilDate"] = NOW - timedelta(days=1)
        report = verify(s3)
        found = [(f.kind, f.key) for f in report.failures]
        assert found == [
            (FindingKind.OBJECT, bad[0]),
            (FindingKind.OBJECT, bad[0]),
            (FindingKind.RETENTION, expired),
            (FindingKind.OBJECT, bad[1]),
            (FindingKind.OBJECT, bad[1]),
            (FindingKind.OBJECT, bad[2]),
            (FindingKind.OBJECT, bad[2]),
            (FindingKind.OBJECT, bad[3]),
            (FindingKind.OBJECT, bad[3]),
        ]  # size, then SHA-256, per tampered object

    def test_a_manifest_missing_deep_in_a_chain_stops_its_walk_there(self):
        """Manifests read ahead past the gap are not counted; the other chain is whole."""
        s3 = MemoryS3()
        build(s3)
        gap = MANIFESTS - 5
        del s3.objects[manifest_key(PREFIX, 0, gap)]
        report = verify(s3)
        assert [(f.kind, f.key) for f in report.failures] == [
            (FindingKind.LINKAGE, manifest_key(PREFIX, 0, gap))
        ]
        assert [p.manifests for p in report.partitions] == [gap, MANIFESTS]
        assert report.partitions[0].head_seq == gap - 1


class TestProgress:
    def test_progress_counts_grow_and_end_at_everything_checked(self):
        """A long run reports as it goes; the last report covers every manifest and byte."""
        s3 = MemoryS3()
        chains = build(s3)
        seen: list[VerifyProgress] = []
        report = verify_archive(
            S3ObjectStore(s3, bucket=BUCKET),  # type: ignore[arg-type]
            prefix=PREFIX,
            now=NOW,
            progress=seen.append,
        )
        assert report.ok, report.failures
        objects = [k for keys in chains for k in keys]
        assert seen[-1] == VerifyProgress(
            manifests=2 * MANIFESTS,
            manifests_total=2 * MANIFESTS,
            objects=len(objects),
            bytes=sum(len(s3.objects[k]) for k in objects),
        )
        for earlier, later in itertools.pairwise(seen):
            assert earlier.manifests <= later.manifests
            assert earlier.objects <= later.objects
            assert earlier.bytes <= later.bytes
