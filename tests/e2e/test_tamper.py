"""Attacks on an archive the real sink wrote, on the real S3 server with Object Lock.

The attacker may write anything to the bucket (``s3:PutObject``) but holds no trusted
private key. Each case asserts the exact finding and the exit code of ``audit verify``
with the keyring configured and without it (never a plain VERIFIED with exit 0), and
what a sink restarted on the tampered bucket does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from confluent_kafka import Consumer, TopicPartition

from auditstream.archive import BucketLock, ChainReader
from auditstream.archive.digest import Digest
from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.manifest import manifest_key
from auditstream.archive.signing import Signer
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.trust import Keyring
from auditstream.archive.writer import ArchiveWriter, StoredObject
from auditstream.sink.batcher import PartitionId
from auditstream.sink.chain_keeper import ChainKeeper
from auditstream.sink.flush import FlushResult, WrittenObject
from support.pipeline import TEST_EXPORT_KEY, TEST_KEYRING, TEST_SIGNING_KEY
from support.sink_harness import SinkUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration

EVENTS = 300
SINK = Signer.from_bytes(TEST_SIGNING_KEY.encode(), source="test key")


def archived(sut: SinkUnderTest, events: int = EVENTS) -> None:
    """Let the real sink archive ``events`` events, then stop it."""
    sut.produce(events)
    sut.start(max_records="50")
    wait_until(
        lambda: sut.chained_records() >= events,
        timeout_s=180,
        interval_s=1,
        what=f"{events} chained records",
        describe=sut.logs,
    )
    sut.stop()


def audit(
    sut: SinkUnderTest, *args: str, keyring: bool = True, **settings: str
) -> subprocess.CompletedProcess[str]:
    """Run ``audit *args`` as the test's auditor; ``settings`` add AUDITSTREAM_AUDITOR__ knobs."""
    env = sut.env()
    env.update({f"AUDITSTREAM_AUDITOR__{k.upper()}": v for k, v in settings.items()})
    if not keyring:
        env.pop("AUDITSTREAM_TRUST__KEYS")
    return subprocess.run(
        [sys.executable, "-m", "auditstream.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def committed_offset(sut: SinkUnderTest, partition: int) -> int:
    """The sink group's committed offset of one partition (read without joining the group)."""
    consumer = Consumer(
        {
            "bootstrap.servers": sut.stack.bootstrap_servers,
            "group.id": sut.env()["AUDITSTREAM_SINK__GROUP_ID"],
            "enable.auto.commit": False,
        }
    )
    try:
        (found,) = consumer.committed([TopicPartition(sut.topic, partition)], timeout=30)
        return int(found.offset)
    finally:
        consumer.close()


def forge_next_manifest(sut: SinkUnderTest, attacker: Signer, partition: int) -> str:
    """Publish the attacker's key, store a data object and chain it after the real head."""
    return chain_next(sut, attacker, partition, publish=True)[0]


def chain_next(
    sut: SinkUnderTest,
    signer: Signer,
    partition: int,
    *,
    publish: bool = False,
    record: Callable[[StoredObject], StoredObject] = lambda stored: stored,
) -> tuple[str, StoredObject]:
    """Store a data object and chain a manifest ``signer`` signs after the real head.

    ``record`` changes what the manifest records of the object (a sink or store fault).
    Returns the manifest's key and what it recorded.
    """
    s3 = sut.s3()
    writer = ArchiveWriter(s3, bucket=sut.stack.bucket, lock=BucketLock.LOCKED)
    reader = ChainReader(S3ObjectStore(s3, bucket=sut.stack.bucket), prefix=sut.prefix)
    chains = ChainKeeper(
        writer,
        reader,
        signer,
        keyring=Keyring.of(SINK.public_key),  # read the real head to link to it
        topic=sut.topic,
        retain_until=lambda: datetime.now(UTC) + timedelta(days=1),
    )
    if publish:
        chains.publish_key()
    head = chains.resume(partition)
    assert head is not None
    first = head.position_after
    key = ObjectKey(
        PartitionPath("acme", datetime.now(UTC).date(), 0), partition, first, first + 12
    )
    stored = record(
        writer.put(
            key.render(sut.prefix),
            b"forged rows",
            retain_until=datetime.now(UTC) + timedelta(days=1),
        )
    )
    written = WrittenObject(key, stored, 13, 0, 0)
    chains.append(FlushResult(PartitionId(sut.topic, partition), first, first + 12, 13, (written,)))
    return manifest_key(sut.prefix, partition, head.seq + 1), stored


class TestAttackerKey:
    def test_a_manifest_signed_by_a_key_published_in_the_bucket(self, sut: SinkUnderTest) -> None:
        """Caught with the keyring; unanchored without; a restarted sink refuses the head
        and loses nothing: partition 0's committed offset stays at the real head's end."""
        archived(sut)
        real = ChainReader(
            S3ObjectStore(sut.s3(), bucket=sut.stack.bucket), prefix=sut.prefix
        ).head(0)
        assert real is not None
        assert committed_offset(sut, 0) == real.position_after
        attacker = Signer.generate()
        forged = forge_next_manifest(sut, attacker, partition=0)

        anchored = audit(sut, "verify")
        assert anchored.returncode == 1, anchored.stdout + anchored.stderr
        assert f"signature {forged}: signer {attacker.key_id} is not in the keyring" in (
            anchored.stdout
        )

        unanchored = audit(sut, "verify", keyring=False)
        assert unanchored.returncode == 3, unanchored.stdout + unanchored.stderr
        assert "VERIFIED" not in unanchored.stdout
        assert "NOT ANCHORED" in unanchored.stdout

        # Real events arrive after the forgery; the restarted sink must not build on it.
        heads = {
            p: ChainReader(
                S3ObjectStore(sut.s3(), bucket=sut.stack.bucket), prefix=sut.prefix
            ).head_seq(p)
            for p in range(sut.partitions)
        }
        sut.produce(60)
        refused = sut.start()
        returncode = wait_until(
            refused.process.poll, timeout_s=120, what="the sink to stop", describe=sut.logs
        )
        assert returncode == 2, sut.logs()
        log = refused.log_path.read_text()
        assert "cannot be trusted" in log
        for named in ("partition 0", forged, attacker.key_id):
            assert named in log, log[-2000:]
        reader = ChainReader(S3ObjectStore(sut.s3(), bucket=sut.stack.bucket), prefix=sut.prefix)
        assert reader.head_seq(0) == heads[0]  # nothing chained after the forged head
        # Not skipped: the forged positions were never committed, so the real events
        # there are still to be read once the forged head is dealt with.
        assert committed_offset(sut, 0) == real.position_after
        # And the real key signed no digest vouching for the forged link.
        s3 = sut.s3()
        listed = s3.list_objects_v2(Bucket=sut.stack.bucket, Prefix=f"{sut.prefix}digests/")
        for entry in listed.get("Contents", []):
            data = s3.get_object(Bucket=sut.stack.bucket, Key=entry["Key"])["Body"].read()
            heads = Digest.from_bytes(data, key=entry["Key"]).heads
            assert (0, real.seq + 1) not in {(h.partition, h.seq) for h in heads}


class TestRotation:
    def test_a_rotated_key_is_trusted_through_a_keyring_of_the_first_key(
        self, sut: SinkUnderTest, tmp_path: Path
    ) -> None:
        """`audit keys rotate` stores the record; the sink then signs with the new key."""
        archived(sut, 120)
        new_key = tmp_path / "new.key"
        new_key.write_text(os.urandom(32).hex())
        rotated = audit(sut, "keys", "rotate", "--to", str(new_key))
        assert rotated.returncode == 0, rotated.stdout + rotated.stderr

        new_signer = Signer.from_file(new_key)
        sut.produce(120)
        sut.start(max_records="50", signing_key=new_key.read_text())
        wait_until(
            lambda: sut.chained_records() >= 240,
            timeout_s=180,
            interval_s=1,
            what="240 chained records",
            describe=sut.logs,
        )
        sut.stop()
        result = audit(sut, "verify", "--json")  # the keyring holds only the first key
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert {SINK.key_id, new_signer.key_id} <= set(report["trusted_keys"])
        signers = {
            ChainReader(S3ObjectStore(sut.s3(), bucket=sut.stack.bucket), prefix=sut.prefix)
            .head(p)
            .manifest.signer_key_id
            for p in range(sut.partitions)
        }
        assert new_signer.key_id in signers


def count(sut: SinkUnderTest, *options: str, keyring: bool = True) -> tuple[int, str, int]:
    """``audit query`` of the event count: (exit code, stderr, count or -1)."""
    result = audit(
        sut,
        "query",
        "SELECT count(*) AS n FROM events",
        "--format",
        "jsonl",
        *options,
        keyring=keyring,
    )
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.returncode, result.stderr, rows[0]["n"] if rows else -1


class GarbageSigner:
    """Claims the sink's key id and signs with 64 bytes of nothing (a garbage signature)."""

    key_id = SINK.key_id
    public_key = SINK.public_key

    def sign(self, payload: bytes) -> str:
        del payload
        return base64.b64encode(bytes(64)).decode()


class TestQueryReadsOnlyWhatVerifies:
    @pytest.mark.parametrize("forgery", ["untrusted-key", "garbage-signature"])
    def test_a_forged_manifests_rows_are_never_counted(
        self, sut: SinkUnderTest, forgery: str
    ) -> None:
        """Refused with the exit code; with --allow-incomplete, the real count and a warning."""
        archived(sut)
        if forgery == "untrusted-key":
            attacker = Signer.generate()
            forged = forge_next_manifest(sut, attacker, partition=0)
            finding = f"signature {forged}: signer {attacker.key_id} is not in the keyring"
        else:
            forged, _ = chain_next(sut, GarbageSigner(), 0)  # type: ignore[arg-type]
            finding = f"signature {forged}: signature by {SINK.key_id} does not verify"
        verified = audit(sut, "verify")
        assert verified.returncode == 1, verified.stdout + verified.stderr
        assert finding in verified.stdout
        code, stderr, _ = count(sut)
        assert code == 3, stderr
        assert forged in stderr
        code, stderr, n = count(sut, "--allow-incomplete")
        assert (code, n) == (3, EVENTS), stderr
        assert f"not read: {finding}" in stderr

    def test_a_deleted_head_manifest_or_object_is_reported_not_dropped(
        self, sut: SinkUnderTest
    ) -> None:
        """A delete marker hides the object, not its recorded version: read, with a warning."""
        archived(sut)
        s3 = sut.s3()
        reader = ChainReader(S3ObjectStore(s3, bucket=sut.stack.bucket), prefix=sut.prefix)
        head = reader.head(1)
        assert head is not None
        victim = head.manifest.objects[0]
        s3.delete_object(Bucket=sut.stack.bucket, Key=victim.key)
        code, stderr, n = count(sut)
        assert (code, n) == (0, EVENTS), stderr
        assert (
            f"audit query: warning: version {victim.key}: hidden by a delete marker; "
            f"read version {victim.version_id}, as its manifest recorded"
        ) in stderr.splitlines()
        for keyring in (True, False):  # the rows stand, but the archive was written to
            hidden = audit(sut, "verify", keyring=keyring)
            assert hidden.returncode == 1, hidden.stdout + hidden.stderr
            assert f"version {victim.key}: hidden by a delete marker" in hidden.stdout
            assert f"its versions {victim.version_id} are still stored" in hidden.stdout

        deleted = manifest_key(sut.prefix, 1, head.seq)
        s3.delete_object(Bucket=sut.stack.bucket, Key=deleted)
        code, stderr, n = count(sut, "--allow-incomplete")
        assert code == 3, stderr
        assert f"not read: linkage {deleted}: manifest deleted (delete marker)" in stderr
        assert n < EVENTS  # what verifies is counted, and the shortfall was said out loud
        for keyring in (True, False):
            result = audit(sut, "verify", keyring=keyring)
            assert result.returncode == 1, result.stdout + result.stderr
            assert f"linkage {deleted}: manifest deleted (delete marker)" in result.stdout

    def test_a_chain_hidden_whole_by_delete_markers_is_caught_everywhere(
        self, sut: SinkUnderTest
    ) -> None:
        """Every manifest of a partition hidden: verify fails, query refuses, the sink stops."""
        archived(sut)
        s3 = sut.s3()
        reader = ChainReader(S3ObjectStore(s3, bucket=sut.stack.bucket), prefix=sut.prefix)
        hidden = [manifest_key(sut.prefix, 2, seq) for seq in reader.manifest_seqs(2)]
        assert hidden
        for key in hidden:
            s3.delete_object(Bucket=sut.stack.bucket, Key=key)
        for keyring in (True, False):
            result = audit(sut, "verify", keyring=keyring)
            assert result.returncode == 1, result.stdout + result.stderr
            assert "VERIFIED" not in result.stdout
            for key in hidden:
                assert f"version {key}: hidden by a delete marker" in result.stdout
            report = json.loads(audit(sut, "verify", "--json", keyring=keyring).stdout)
            assert report["ok"] is False
            assert {f["key"] for f in report["findings"]} >= set(hidden)
        code, stderr, n = count(sut)
        assert (code, n) == (3, -1), stderr
        assert f"linkage {hidden[0]}: manifest deleted (delete marker)" in stderr
        before = committed_offset(sut, 2)
        sut.produce(30)
        refused = sut.start()
        returncode = wait_until(
            refused.process.poll, timeout_s=120, what="the sink to stop", describe=sut.logs
        )
        assert returncode == 2, sut.logs()
        assert "manifest chain of partition 2 breaks at seq 0" in refused.log_path.read_text()
        assert committed_offset(sut, 2) == before

    def test_without_a_keyring_the_query_warns_that_it_is_not_anchored(
        self, sut: SinkUnderTest
    ) -> None:
        archived(sut, 60)
        code, stderr, n = count(sut, keyring=False)
        assert (code, n) == (0, 60), stderr
        assert "no trusted keys configured" in stderr


class TestKeyOption:
    def test_query_and_export_take_the_keyring_from_key_files(
        self, sut: SinkUnderTest, tmp_path: Path
    ) -> None:
        """`--key` anchors them as the environment does, and refuses a forged manifest."""
        archived(sut, 60)
        keyring = tmp_path / "keyring.pem"
        keyring.write_text(TEST_KEYRING)
        code, stderr, n = count(sut, "--key", str(keyring), keyring=False)
        assert (code, n) == (0, 60), stderr
        assert "no trusted keys configured" not in stderr
        exported = audit(
            sut,
            "export",
            str(tmp_path / "package"),
            "--key",
            str(keyring),
            keyring=False,
            export_key=TEST_EXPORT_KEY,
        )
        assert exported.returncode == 0, exported.stderr
        report = json.loads((tmp_path / "package" / "verification.json").read_text())
        assert report["anchored"] is True
        assert SINK.key_id in report["trusted_keys"]
        attacker = Signer.generate()
        forged = forge_next_manifest(sut, attacker, partition=0)
        code, stderr, _ = count(sut, "--key", str(keyring), keyring=False)
        assert code == 3, stderr
        assert forged in stderr


class TestDigests:
    def test_deleting_a_middle_digest_then_every_digest_is_a_finding(
        self, sut: SinkUnderTest
    ) -> None:
        """Digests every 2 s while manifests are written for over 32 s (interval + grace).

        A deleted middle digest breaks the link the next one holds; with every digest
        deleted, manifests newer than the interval plus grace have no digest at all. Each
        delete leaves a delete marker, itself a finding whatever the interval.
        """
        sut.start(max_records="1000", digest_interval_s="2")
        produced = len(sut.produce(15))
        # The 40 s count from the first manifest: a sink slow to start on a loaded host
        # would otherwise leave the manifests spanning less than the 32 s that matter.
        wait_until(
            lambda: sut.chained_records() > 0,
            timeout_s=120,
            interval_s=0.5,
            what="the first manifest",
            describe=sut.logs,
        )
        started = time.monotonic()
        while time.monotonic() - started < 40:
            produced += len(sut.produce(15))
            time.sleep(4)
        wait_until(
            lambda: sut.chained_records() >= produced,
            timeout_s=120,
            interval_s=1,
            what="every event chained",
            describe=sut.logs,
        )
        sut.stop()
        assert audit(sut, "verify").returncode == 0
        s3 = sut.s3()
        listed = s3.list_objects_v2(Bucket=sut.stack.bucket, Prefix=f"{sut.prefix}digests/")
        digests = sorted(entry["Key"] for entry in listed["Contents"])
        assert len(digests) >= 3
        middle = digests[len(digests) // 2]
        s3.delete_object(Bucket=sut.stack.bucket, Key=middle)
        for keyring in (True, False):
            gap = audit(sut, "verify", keyring=keyring)
            assert gap.returncode == 1, gap.stdout + gap.stderr
            assert "deleted or inserted" in gap.stdout
        for key in digests:
            s3.delete_object(Bucket=sut.stack.bucket, Key=key)
        hidden = audit(sut, "verify")  # 40 s of manifests is nothing at the default 900 s,
        assert hidden.returncode == 1, hidden.stdout + hidden.stderr  # but the archive never
        for key in digests:  # deletes: every delete marker is named
            assert f"version {key}: hidden by a delete marker" in hidden.stdout
        result = audit(sut, "verify", digest_interval_s="2")  # the sinks' interval
        assert result.returncode == 1, result.stdout + result.stderr
        assert "no digest, but manifests were written from" in result.stdout
        bare = audit(sut, "verify", keyring=False, digest_interval_s="2")
        assert bare.returncode == 1, bare.stdout + bare.stderr
        assert "no digest, but manifests were written from" in bare.stdout


class TestCloudTrailCases:
    """A manifest replayed, reordered or moved between partitions, as a new version."""

    @pytest.mark.parametrize("case", ["replayed-head", "reordered", "other-partition"])
    def test_each_is_a_finding(self, sut: SinkUnderTest, case: str) -> None:
        archived(sut)
        s3 = sut.s3()
        bucket = sut.stack.bucket
        reader = ChainReader(S3ObjectStore(s3, bucket=bucket), prefix=sut.prefix)

        def body(partition: int, seq: int) -> bytes:
            key = manifest_key(sut.prefix, partition, seq)
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

        head = reader.head_seq(0)
        assert head is not None
        assert head >= 1
        if case == "replayed-head":
            target, data = manifest_key(sut.prefix, 0, head + 1), body(0, 0)
        elif case == "reordered":  # a new version of seq 1 holding seq 0's bytes
            target, data = manifest_key(sut.prefix, 0, 1), body(0, 0)
        else:
            other = reader.head_seq(1)
            target = manifest_key(sut.prefix, 1, 0 if other is None else other + 1)
            data = body(0, head)
        s3.put_object(
            Bucket=bucket,
            Key=target,
            Body=data,
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1),
        )
        for keyring in (True, False):
            result = audit(sut, "verify", keyring=keyring)
            assert result.returncode == 1, result.stdout + result.stderr
            assert f"format {target}: names p" in result.stdout


class TestVersions:
    def test_history_re_signed_as_new_versions_is_caught_with_and_without_a_keyring(
        self, sut: SinkUnderTest
    ) -> None:
        """A plain PUT adds a version even under COMPLIANCE; readers get the new one."""
        archived(sut, 60)
        s3 = sut.s3()
        bucket = sut.stack.bucket
        attacker = Signer.generate()
        reader = ChainReader(S3ObjectStore(s3, bucket=bucket), prefix=sut.prefix)
        resigned = []
        for partition in reader.partitions():
            for seq in reader.manifest_seqs(partition):
                key = manifest_key(sut.prefix, partition, seq)
                link = reader.manifest(partition, seq)
                assert link is not None
                forged = replace(link.manifest, signer_key_id="", signature="").signed(attacker)
                s3.put_object(
                    Bucket=bucket,
                    Key=key,
                    Body=forged.to_bytes(),
                    ObjectLockMode="COMPLIANCE",
                    ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1),
                )
                resigned.append(key)
        anchored = audit(sut, "verify")
        assert anchored.returncode == 1, anchored.stdout + anchored.stderr
        for key in resigned:
            assert f"version {key}: 2 versions" in anchored.stdout
        assert "is not in the keyring" in anchored.stdout
        bare = audit(sut, "verify", keyring=False)
        assert bare.returncode == 1, bare.stdout + bare.stderr  # the versions alone fail it
        assert f"version {resigned[0]}: 2 versions" in bare.stdout

    def test_a_data_object_overwritten_by_a_new_version_still_verifies_by_its_recorded_one(
        self, sut: SinkUnderTest
    ) -> None:
        """The sink records each object's version id; verify hashes that version, so the
        archive's rows stand and the newer version is named, with both version ids."""
        archived(sut, 60)
        s3 = sut.s3()
        bucket = sut.stack.bucket
        reader = ChainReader(S3ObjectStore(s3, bucket=bucket), prefix=sut.prefix)
        partition = reader.partitions()[0]
        link = reader.manifest(partition, 0)
        assert link is not None
        obj = link.manifest.objects[0]
        assert obj.version_id  # versitygw returns one for every PUT on a versioned bucket
        s3.put_object(
            Bucket=bucket,
            Key=obj.key,
            Body=b"the attacker's rows",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1),
        )
        result = audit(sut, "verify")
        assert result.returncode == 1, result.stdout + result.stderr
        finding = next(line for line in result.stdout.splitlines() if obj.key in line)
        assert f"version {obj.key}: 2 versions" in finding
        assert obj.version_id in finding
        assert "FAILED: 1 checks failed" in result.stdout  # the recorded bytes are intact


class TestUnchainedObjects:
    def test_an_object_no_manifest_can_explain_is_a_finding(self, sut: SinkUnderTest) -> None:
        """Its positions are covered by manifests, but its rows are not the archived ones."""
        archived(sut, 60)
        planted = ObjectKey(PartitionPath("acme", datetime.now(UTC).date(), 0), 0, 0, 9)
        key = planted.render(sut.prefix)
        sut.s3().put_object(
            Bucket=sut.stack.bucket,
            Key=key,
            Body=b"rows nobody archived",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1),
        )
        for keyring in (True, False):
            result = audit(sut, "verify", keyring=keyring)
            assert result.returncode == 1, result.stdout + result.stderr
            assert f"object {key}: no manifest can explain it" in result.stdout
        code, stderr, n = count(sut)
        assert (code, n) == (0, 60), stderr  # never read by a query


class TestQueryAndExportReadRecordedVersions:
    """Query and export read the version each manifest recorded, checked by its SHA-256."""

    def test_a_chained_object_replaced_by_a_new_version_is_read_as_recorded(
        self, sut: SinkUnderTest, tmp_path: Path
    ) -> None:
        """A plain PUT over a chained key (allowed under COMPLIANCE) changes no answer."""
        archived(sut, 60)
        s3 = sut.s3()
        bucket = sut.stack.bucket
        reader = ChainReader(S3ObjectStore(s3, bucket=bucket), prefix=sut.prefix)
        link = reader.manifest(reader.partitions()[0], 0)
        assert link is not None
        obj = link.manifest.objects[0]
        assert obj.version_id
        recorded = s3.get_object(Bucket=bucket, Key=obj.key, VersionId=obj.version_id)
        rows = pq.read_table(io.BytesIO(recorded["Body"].read()))
        forged = rows.set_column(
            rows.schema.get_field_index("action"),
            "action",
            pa.array(["forged"] * rows.num_rows),
        )
        buffer = io.BytesIO()
        pq.write_table(forged, buffer)
        replacement = buffer.getvalue()
        s3.put_object(
            Bucket=bucket,
            Key=obj.key,
            Body=replacement,
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1),
        )
        assert len(replacement) != obj.size
        warning = (
            f"version {obj.key}: the current version is not the recorded one "
            f"(size {len(replacement)}, manifest says {obj.size}); read version "
            f"{obj.version_id}, as its manifest recorded"
        )

        result = audit(
            sut, "query", "SELECT action, count(*) AS n FROM events GROUP BY 1", "--format", "jsonl"
        )
        assert result.returncode == 0, result.stderr
        counts = {r["action"]: r["n"] for r in map(json.loads, result.stdout.splitlines())}
        assert "forged" not in counts
        assert sum(counts.values()) == 60
        assert f"audit query: warning: {warning}" in result.stderr.splitlines()

        out = tmp_path / "package"
        exported = audit(sut, "export", str(out), export_key=TEST_EXPORT_KEY)
        assert exported.returncode == 0, exported.stderr
        assert f"audit export: warning: {warning}" in exported.stderr.splitlines()
        events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
        assert len(events) == 60
        assert "forged" not in {e["action"] for e in events}
        copied = (out / "archive" / obj.key).read_bytes()
        assert hashlib.sha256(copied).hexdigest() == obj.sha256

    @pytest.mark.parametrize("fault", ["missing", "other-bytes"])
    def test_a_recorded_version_missing_or_of_other_bytes_is_refused(
        self, sut: SinkUnderTest, tmp_path: Path, fault: str
    ) -> None:
        """A manifest (signed by the trusted key) names a version the store cannot give back."""
        archived(sut, 60)
        claimed = hashlib.sha256(b"forged rowz").hexdigest()  # the same size as the stored bytes
        if fault == "missing":
            _, stored = chain_next(
                sut, SINK, 0, record=lambda s: replace(s, version_id="no-such-version")
            )
            message = "version no-such-version (recorded by its manifest) is missing"
        else:
            _, stored = chain_next(sut, SINK, 0, record=lambda s: replace(s, sha256=claimed))
            actual = hashlib.sha256(b"forged rows").hexdigest()
            message = f"version {stored.version_id}: SHA-256 {actual}, manifest says {claimed}"
        refused = (
            f"the archive in {sut.stack.bucket!r} cannot be fully trusted where this query "
            f"reads: 1 problems, first object {stored.key}: {message}; run `audit verify` for "
            "the whole report"
        )

        code, stderr, n = count(sut)
        assert (code, n) == (3, -1), stderr
        assert stderr.splitlines() == [
            f"audit query: error: {refused}, or pass --allow-incomplete to read only what verifies"
        ]
        code, stderr, n = count(sut, "--allow-incomplete")
        assert (code, n) == (3, 60), stderr
        assert f"audit query: warning: not read: object {stored.key}: {message}" in (
            stderr.splitlines()
        )

        out = tmp_path / "package"
        exported = audit(sut, "export", str(out), export_key=TEST_EXPORT_KEY)
        assert exported.returncode == 3, exported.stderr
        assert exported.stderr.splitlines() == [
            f"audit export: error: {refused}; an evidence package is written only from "
            "objects that verify, so nothing was exported"
        ]
        assert not (out / "package.json").exists()
        assert not (out / "archive").exists()
