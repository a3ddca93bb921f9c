"""Chains in a bucket: resuming from the head, appending, fencing, and verifying.

An in-memory bucket stands in for S3 here; the same rules run against the real server
in ``tests/integration/sink/``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from auditstream.archive import (
    BucketLock,
    ChainReader,
    FindingKind,
    list_chained_objects,
)
from auditstream.archive.arrow_schema import events_to_table
from auditstream.archive.chained import read_trusted_objects
from auditstream.archive.digest import Digest
from auditstream.archive.manifest import Manifest, manifest_key
from auditstream.archive.signing import Signer
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.trust import Keyring, KeyRotation, rotation_key
from auditstream.archive.writer import ArchiveWriter, encode_parquet
from auditstream.sink.decoding import RejectedRecord
from auditstream.sink.digests import DigestWriter
from auditstream.sink.errors import FencedError, ManifestChainError, UntrustedHeadError
from auditstream.sink.flush import FlushResult
from auditstream.sink.metrics import SinkMetrics
from support.chains import BUCKET, NOW, PREFIX, digest_writer, flush, keeper, verify
from support.memory_s3 import MemoryS3
from support.sample_events import full_event_dict, through_codec


def _rejected(*offsets: int) -> tuple[RejectedRecord, ...]:
    return tuple(RejectedRecord(o, b"junk", "DecodeError", "truncated") for o in offsets)


def with_dead_letters(result: FlushResult, *offsets: int) -> FlushResult:
    """The same flush, its batch extended by refused records at these offsets."""
    last = max(result.last_offset, *offsets)
    return FlushResult(
        result.pid, result.first_offset, last, result.records, result.objects, _rejected(*offsets)
    )


class TestChainKeeper:
    def test_an_empty_partition_resumes_from_nothing_and_starts_at_seq_zero(self):
        """The first manifest has no predecessor and starts at the batch's first offset."""
        s3 = MemoryS3()
        chains = keeper(s3)
        assert chains.resume(0) is None
        head = chains.append(flush(s3, 0, 5, 9))
        assert (head.seq, head.manifest.prev_sha256) == (0, None)
        assert (head.manifest.position_before, head.position_after) == (5, 10)

    def test_each_manifest_links_to_the_hash_of_the_previous_ones_bytes(self):
        """prev_sha256 is the SHA-256 of the stored bytes of seq - 1."""
        s3 = MemoryS3()
        chains = keeper(s3)
        first = chains.append(flush(s3, 1, 0, 9))
        second = chains.append(flush(s3, 1, 10, 19))
        stored = s3.objects[manifest_key(PREFIX, 1, 0)]
        assert second.manifest.prev_sha256 == hashlib.sha256(stored).hexdigest() == first.sha256
        assert second.manifest.position_before == first.position_after

    def test_a_new_worker_resumes_after_the_head_another_worker_wrote(self):
        """The bucket, not Kafka, says where a partition continues."""
        s3 = MemoryS3()
        signer = Signer.generate()
        chains = keeper(s3, signer)
        for start in range(0, 50, 10):
            chains.append(flush(s3, 0, start, start + 9))
        head = keeper(s3, Signer.generate(), trusting=(signer,)).resume(0)
        assert head is not None
        assert (head.seq, head.position_after) == (4, 50)

    @pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13, 33])
    def test_the_head_is_found_by_search_for_any_chain_length(self, count):
        """Galloping search finds the last sequence number, with or without a hint."""
        s3 = MemoryS3()
        chains = keeper(s3)
        for i in range(count):
            chains.append(flush(s3, 0, i * 2, i * 2 + 1))
        reader = ChainReader(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX)  # type: ignore[arg-type]
        assert reader.head_seq(0) == count - 1
        assert reader.head_seq(0, known=count // 2) == count - 1

    def test_a_second_writer_of_the_same_sequence_number_is_fenced(self):
        """Two workers holding the same head: the second manifest for a seq is refused."""
        s3 = MemoryS3()
        signer = Signer.generate()
        winner, loser = keeper(s3, signer), keeper(s3, signer)
        winner.resume(0)
        loser.resume(0)
        winner.append(flush(s3, 0, 0, 9))
        with pytest.raises(FencedError) as caught:
            loser.append(flush(s3, 0, 0, 4))
        assert (caught.value.partition, caught.value.seq) == (0, 0)
        assert loser.head(0) is None  # forgotten: the caller re-reads the head

    def test_a_retry_of_a_manifest_that_landed_is_accepted_as_the_head(self):
        """The store wrote it but the answer was lost: the same batch is not a fence."""
        s3 = MemoryS3()
        signer = Signer.generate()
        first, retry = keeper(s3, signer), keeper(s3, signer)
        retry.resume(0)
        result = flush(s3, 0, 0, 9)
        written = first.append(result)
        assert retry.append(result).sha256 == written.sha256

    def test_a_head_with_a_broken_signature_stops_the_worker(self):
        """Resuming from a tampered head would build on forged history."""
        s3 = MemoryS3()
        signer = Signer.generate()
        keeper(s3, signer).append(flush(s3, 0, 0, 9))
        key = manifest_key(PREFIX, 0, 0)
        body = json.loads(s3.objects[key])
        body["position_after"] = 5
        s3.objects[key] = json.dumps(body).encode()
        with pytest.raises(UntrustedHeadError, match="signature does not verify"):
            keeper(s3, signer).resume(0)

    def test_a_head_of_another_topic_stops_the_worker(self):
        """Two archives under one prefix would interleave their chains."""
        s3 = MemoryS3()
        signer = Signer.generate()
        keeper(s3, signer, topic="one").append(flush(s3, 0, 0, 9))
        with pytest.raises(ManifestChainError, match="topic"):
            keeper(s3, signer, topic="two").resume(0)


class TestVerifyArchive:
    def build(self) -> MemoryS3:
        s3 = MemoryS3()
        chains = keeper(s3)
        for partition in (0, 1):
            for start in range(0, 30, 10):
                chains.append(flush(s3, partition, start, start + 9))
        return s3

    def test_an_intact_archive_verifies(self):
        """Signatures, links, positions, objects and retention all check out."""
        report = verify(self.build())
        assert report.ok, report.failures
        assert [(p.partition, p.manifests, p.records) for p in report.partitions] == [
            (0, 3, 30),
            (1, 3, 30),
        ]
        assert report.orphans == []
        assert len(report.chained_objects()) == 6

    def test_a_second_version_of_any_object_is_a_finding_naming_both(self):
        """A plain PUT adds a version even under COMPLIANCE; same bytes or not, it is named."""
        s3 = self.build()
        key = sorted(report_key for report_key in s3.objects if "/events/" in report_key)[0]
        # The attacker's copy, locked as the original: hashes and retention still check out.
        s3.put_object(
            Key=key,
            Body=s3.objects[key],
            **{k: s3.params[key][k] for k in ("ObjectLockMode", "ObjectLockRetainUntilDate")},
        )
        findings = verify(s3).failures
        assert [(f.kind, f.key) for f in findings] == [(FindingKind.VERSION, key)]
        first, second = s3.versions[key]
        assert "2 versions" in findings[0].message
        assert first in findings[0].message
        assert f"{second} (time unknown, read now)" in findings[0].message

    def test_the_version_a_manifest_recorded_is_read_not_a_newer_one(self):
        """Other bytes put over a chained object: its recorded version still hashes right,
        and the newer version is the one finding (the archive's events are intact)."""
        s3 = self.build()
        key = sorted(k for k in s3.objects if "/events/" in k)[0]
        recorded = s3.versions[key][0]
        assert verify(s3).chained_objects()[key].version_id == recorded
        s3.put_object(
            Key=key,
            Body=b"the attacker's rows",
            **{k: s3.params[key][k] for k in ("ObjectLockMode", "ObjectLockRetainUntilDate")},
        )
        findings = verify(s3).failures
        assert [(f.kind, f.key) for f in findings] == [(FindingKind.VERSION, key)]

    def test_an_object_no_manifest_references_is_sorted_by_what_can_explain_it(self):
        """Covered positions and the archived rows: an orphan. Past the head or without a
        chain: pending. Covered positions but other rows: a finding. None is counted."""
        s3 = MemoryS3()
        rows = [event(i) for i in range(10)]
        keeper(s3).append(flush(s3, 0, 0, 9, body=encode_parquet(events_to_table(rows))))
        flush(s3, 0, 0, 4, body=encode_parquet(events_to_table(rows[:5])))  # a lost fence
        forged = [{**rows[5], "action": "forged.action"}, *rows[6:]]
        flush(s3, 0, 5, 9, body=encode_parquet(events_to_table(forged)))
        flush(s3, 0, 10, 19)  # past p0's head (position 10): a flush not chained yet
        flush(s3, 5, 0, 9)  # p5 has no chain yet: its first flush, not chained yet
        report = verify(s3)
        key = f"{PREFIX}events/v1/tenant=a/dt=2026-01-01/hour=00/p{{}}.parquet".format
        assert report.orphans == [key("0-0-4")]
        assert report.pending == [key("0-10-19"), key("5-0-9")]
        assert [(f.kind, f.key) for f in report.failures] == [(FindingKind.OBJECT, key("0-5-9"))]
        assert "no manifest can explain it" in report.failures[0].message
        assert len(list_chained_objects(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX)) == 1  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("tamper", "kind"),
        [
            ("object_bytes", FindingKind.OBJECT),
            ("object_deleted", FindingKind.OBJECT),
            ("manifest_edited", FindingKind.SIGNATURE),
            ("manifest_deleted_mid_chain", FindingKind.LINKAGE),
            ("retention_expired", FindingKind.RETENTION),
        ],
    )
    def test_each_kind_of_tampering_is_reported(self, tamper, kind):
        """The report names the kind and the object."""
        s3 = self.build()
        data_key = next(k for k in s3.objects if "/p1-10-19" in k)
        manifest = manifest_key(PREFIX, 1, 1)
        if tamper == "object_bytes":
            s3.overwrite_in_place(data_key, b"tampered")
        elif tamper == "object_deleted":
            s3.destroy(data_key)
        elif tamper == "manifest_edited":
            body = json.loads(s3.objects[manifest])
            body["records"] = 11
            s3.objects[manifest] = json.dumps(body).encode()
        elif tamper == "manifest_deleted_mid_chain":
            del s3.objects[manifest]
        else:
            s3.params[data_key]["ObjectLockRetainUntilDate"] = NOW - timedelta(days=1)
        report = verify(s3)
        assert not report.ok
        assert kind in {f.kind for f in report.failures}
        assert any(data_key == f.key or manifest == f.key for f in report.failures)

    def test_a_gap_in_positions_is_reported(self):
        """Records between two manifests that no manifest covers are a gap."""
        s3 = MemoryS3()
        chains = keeper(s3)
        chains.append(flush(s3, 0, 0, 9))
        head = chains.append(flush(s3, 0, 10, 19))
        assert head.manifest.position_before == 10
        # A forged manifest (signed, linked) that skips offsets 20..24.
        forged = Manifest(
            **{
                **{n: getattr(head.manifest, n) for n in Manifest.__dataclass_fields__},
                "seq": 2,
                "position_before": 25,
                "position_after": 35,
                "prev_sha256": head.sha256,
                "objects": (),
                "records": 0,
            }
        ).signed(chains.signer)
        s3.objects[manifest_key(PREFIX, 0, 2)] = forged.to_bytes()
        s3.params[manifest_key(PREFIX, 0, 2)] = s3.params[manifest_key(PREFIX, 0, 1)]
        report = verify(s3)
        assert {f.kind for f in report.failures} == {FindingKind.POSITION}

    def test_dead_letters_inside_the_positions_verify_and_are_counted(self):
        """A flush with refused records chains them; verification reports how many."""
        s3 = MemoryS3()
        chains = keeper(s3)
        chains.append(with_dead_letters(flush(s3, 0, 0, 9), 10, 11))
        head = chains.append(flush(s3, 0, 12, 19))
        assert head.manifest.position_before == 12
        report = verify(s3)
        assert report.ok, report.failures
        [chain] = report.partitions
        assert chain.records == 18
        assert [(d.offset, d.error_class) for d in chain.dead_letters] == [
            (10, "DecodeError"),
            (11, "DecodeError"),
        ]

    @pytest.mark.parametrize(
        "offsets",
        [(12,), (5, 5), (9, 8), (-1,)],
        ids=["past_positions", "twice", "out_of_order", "before_positions"],
    )
    def test_dead_letters_that_do_not_fit_the_positions_are_reported(self, offsets):
        """Each must lie inside the manifest's positions, once, in offset order."""
        s3 = MemoryS3()
        chains = keeper(s3)
        result = flush(s3, 0, 0, 3)
        forged = FlushResult(result.pid, 0, 11, result.records, result.objects, _rejected(*offsets))
        chains.append(forged)
        report = verify(s3)
        assert {f.kind for f in report.failures} == {FindingKind.POSITION}

    def test_more_records_and_dead_letters_than_offsets_are_reported(self):
        """Ten offsets cannot hold ten records and a dead letter."""
        s3 = MemoryS3()
        keeper(s3).append(with_dead_letters(flush(s3, 0, 0, 9), 9))
        report = verify(s3)
        assert {f.kind for f in report.failures} == {FindingKind.POSITION}

    def test_a_digest_catches_deleted_newest_manifests_and_rotation_keeps_old_ones_valid(self):
        """After a key rotation a keyring of the old key trusts both; deleting the head
        breaks the digest."""
        s3 = MemoryS3()
        old_key, new_key = Signer.generate(), Signer.generate()
        keeper(s3, old_key).append(flush(s3, 0, 0, 9))
        record = KeyRotation.create(old_key, new_key.public_key, rotated_at="2026-01-01T00:00:00Z")
        s3.put_object(
            Key=rotation_key(PREFIX, old_key.key_id, new_key.key_id), Body=record.to_bytes()
        )
        rotated = keeper(s3, new_key, trusting=(old_key,))
        rotated.append(flush(s3, 0, 10, 19))
        writer = ArchiveWriter(s3, bucket=BUCKET, lock=BucketLock.LOCKED)  # type: ignore[arg-type]
        reader = ChainReader(S3ObjectStore(s3, bucket=BUCKET), prefix=PREFIX)  # type: ignore[arg-type]
        digests = DigestWriter(
            writer,
            reader,
            new_key,
            topic="t",
            interval_s=60,
            retain_until=lambda: NOW + timedelta(days=30),
            clock=lambda: NOW,
            monotonic=lambda: 0.0,
            metrics=SinkMetrics.create(CollectorRegistry()),
            check_head=rotated.check_head,
        )
        assert digests.write() is True
        assert digests.write() is False  # same interval: the first digest stands
        report = verify(s3, keyring=Keyring.of(old_key.public_key))
        assert report.ok, report.failures
        assert report.anchored
        assert report.trusted_keys == sorted([old_key.key_id, new_key.key_id])
        assert report.digests == 1
        signers = {
            json.loads(s3.objects[manifest_key(PREFIX, 0, s)])["signer_key_id"] for s in (0, 1)
        }
        assert signers == {old_key.key_id, new_key.key_id}

        del s3.objects[manifest_key(PREFIX, 0, 1)]
        report = verify(s3)
        assert [f.kind for f in report.failures] == [FindingKind.DIGEST]
        assert "manifest 1 of partition 0" in report.failures[0].message

    def test_only_trusted_keys_are_accepted_when_a_list_is_given(self):
        """A key published by someone else does not make its manifests valid."""
        s3 = self.build()
        report = verify(s3, keyring=Keyring.of(Signer.generate().public_key))
        assert {f.kind for f in report.failures} == {FindingKind.SIGNATURE}


class TestDeletedHead:
    def test_a_head_hidden_by_a_delete_marker_stops_the_worker_and_fails_verification(self):
        """Resuming before a hidden manifest would re-archive its records; refuse instead."""
        s3 = MemoryS3()
        chains = keeper(s3)
        chains.append(flush(s3, 0, 0, 9))
        chains.append(flush(s3, 0, 10, 19))
        s3.delete_object(Bucket=BUCKET, Key=manifest_key(PREFIX, 0, 1))
        with pytest.raises(ManifestChainError, match="delete marker"):
            keeper(s3, trusting=(chains.signer,)).resume(0)
        report = verify(s3)
        assert [f.kind for f in report.failures] == [FindingKind.LINKAGE]
        assert report.failures[0].key == manifest_key(PREFIX, 0, 1)


class TestHiddenKeys:
    """The archive never deletes: a delete marker over any of its keys is a finding."""

    def test_a_chained_object_hidden_by_a_delete_marker_is_named_with_the_kept_version(self):
        """Its recorded version still hashes right, but someone deleted from the archive."""
        s3 = MemoryS3()
        chains = keeper(s3)
        written = flush(s3, 0, 0, 9)
        chains.append(written)
        (obj,) = written.objects
        s3.delete_object(Bucket=BUCKET, Key=obj.stored.key)
        findings = verify(s3).failures
        assert [(f.kind, f.key) for f in findings] == [(FindingKind.VERSION, obj.stored.key)]
        assert findings[0].message.startswith("hidden by a delete marker")
        assert f"its versions {obj.stored.version_id} are still stored" in findings[0].message

    def test_a_chain_hidden_whole_fails_verification_and_stops_queries_and_the_sink(self):
        """No listing shows the partition any more; its delete markers still do."""
        s3 = MemoryS3()
        chains = keeper(s3)
        for partition in (0, 1):
            chains.append(flush(s3, partition, 0, 9))
            chains.append(flush(s3, partition, 10, 19))
        hidden = [manifest_key(PREFIX, 1, seq) for seq in (0, 1)]
        for key in hidden:
            s3.delete_object(Bucket=BUCKET, Key=key)
        report = verify(s3)
        assert [p.partition for p in report.partitions] == [0]
        assert [(f.kind, f.key) for f in report.failures] == [
            (FindingKind.VERSION, key) for key in hidden
        ]
        trusted = read_trusted_objects(
            S3ObjectStore(s3, bucket=BUCKET),  # type: ignore[arg-type]
            prefix=PREFIX,
            keyring=Keyring.of(chains.signer.public_key),
        )
        assert [(p.kind, p.key) for p in trusted.problems] == [(FindingKind.LINKAGE, hidden[0])]
        assert "manifest deleted (delete marker)" in trusted.problems[0].message
        assert all("/p1/" not in key for key in trusted.objects)
        with pytest.raises(ManifestChainError, match="delete marker"):
            keeper(s3, trusting=(chains.signer,)).resume(1)

    def test_a_hidden_middle_manifest_is_named_as_deleted_to_queries(self):
        s3 = MemoryS3()
        chains = keeper(s3)
        for first in (0, 10, 20):
            chains.append(flush(s3, 0, first, first + 9))
        s3.delete_object(Bucket=BUCKET, Key=manifest_key(PREFIX, 0, 1))
        trusted = read_trusted_objects(
            S3ObjectStore(s3, bucket=BUCKET),  # type: ignore[arg-type]
            prefix=PREFIX,
            keyring=Keyring.of(chains.signer.public_key),
        )
        (problem,) = trusted.problems
        assert problem.message.startswith(
            "manifest seq 1 is missing (deleted: a delete marker hides it)"
        )
        messages = {(f.key, f.message) for f in verify(s3).failures}
        assert (manifest_key(PREFIX, 0, 1), "manifest deleted (delete marker)") in messages

    def test_a_hidden_digest_is_a_finding_even_when_it_was_the_newest(self):
        """The newest digest has no successor whose link would break."""
        s3 = MemoryS3()
        chains = keeper(s3)
        chains.append(flush(s3, 0, 0, 9))
        now = {"t": 0.0}
        digests = digest_writer(s3, chains.signer, now)
        assert digests.write() is True
        (key,) = digest_keys(s3)
        s3.delete_object(Bucket=BUCKET, Key=key)
        findings = verify(s3).failures
        assert [(f.kind, f.key) for f in findings] == [(FindingKind.VERSION, key)]

    def test_an_archive_without_any_chain_is_not_verified(self):
        """An empty prefix (or a wrong one) proves nothing, whatever keys are trusted."""
        s3 = MemoryS3()
        chains = keeper(s3)  # publishes its key, writes no manifest
        report = verify(s3, keyring=Keyring.of(chains.signer.public_key))
        assert [(f.kind, f.key) for f in report.failures] == [
            (FindingKind.LINKAGE, f"{PREFIX}manifests/v1/")
        ]
        assert "nothing was verified" in report.failures[0].message


class TestDigestWriter:
    def test_a_digest_is_written_at_start_then_once_per_interval_and_an_outage_postpones_it(
        self,
    ):
        """Due at start and after each interval; a store outage skips to the next one."""
        s3 = MemoryS3()
        chains = keeper(s3)
        chains.append(flush(s3, 0, 0, 9))
        now = {"t": 0.0}
        digests = digest_writer(s3, chains.signer, now)
        assert digests.maybe_write() is True  # at start
        now["t"] = 30.0
        assert digests.maybe_write() is False  # not due yet
        now["t"] = 60.0
        s3.put_object = _unreachable  # type: ignore[method-assign]
        assert digests.maybe_write() is False  # postponed, logged
        del s3.put_object
        now["t"] = 120.0
        assert digests.maybe_write() is True
        assert digests.seconds_until_due() == 60.0
        report = verify(s3)
        assert report.digests == 2
        assert report.ok, report.failures

    @pytest.mark.parametrize("forgery", ["untrusted-signer", "replayed-head"])
    def test_a_head_the_worker_would_not_build_on_is_left_out_and_logged(self, forgery):
        """The sink's key never vouches for a forged link (issue 15's first attack)."""
        s3 = MemoryS3()
        sink = Signer.generate()
        chains = keeper(s3, sink)
        for partition in (0, 1):
            chains.append(flush(s3, partition, 0, 9))
        forged_key = manifest_key(PREFIX, 0, 1)
        if forgery == "untrusted-signer":
            keeper(s3, Signer.generate(), trusting=(sink,)).append(flush(s3, 0, 10, 19))
        else:  # seq 0's bytes, signed by the sink's own key, as seq 1
            s3.put_object(Key=forged_key, Body=s3.objects[manifest_key(PREFIX, 0, 0)])
        with capture_logs() as logs:
            assert digest_writer(s3, sink, {"t": 0.0}).write() is True
        (stored,) = [Digest.from_bytes(s3.objects[k], key=k) for k in digest_keys(s3)]
        assert [(h.partition, h.seq) for h in stored.heads] == [(1, 0)]
        (logged,) = [e for e in logs if e["event"] == "digest_head_untrusted"]
        assert (logged["log_level"], logged["partition"], logged["key"]) == ("error", 0, forged_key)
        assert logged["reason"]

    def test_each_digest_names_the_one_before_it_even_one_another_worker_wrote(self):
        s3 = MemoryS3()
        chains = keeper(s3)
        chains.append(flush(s3, 0, 0, 9))
        now = {"t": 0.0}
        mine, theirs = digest_writer(s3, chains.signer, now), digest_writer(s3, chains.signer, now)
        assert mine.write() is True
        now["t"] = 60.0
        assert theirs.write() is True  # the other worker's first digest links to mine
        now["t"] = 120.0
        assert mine.write() is True  # mine lists past what it knew
        stored = [Digest.from_bytes(s3.objects[k], key=k) for k in sorted(digest_keys(s3))]
        keys = sorted(digest_keys(s3))
        assert [d.previous.key if d.previous else None for d in stored] == [None, *keys[:-1]]


class TestDigestChain:
    """Deleting digests is caught: by the link of the next one, or by manifests left newer."""

    def written(self) -> tuple[MemoryS3, list[str]]:
        s3 = MemoryS3()
        now = {"t": 0.0}
        chains = keeper(s3, clock=lambda: NOW + timedelta(seconds=now["t"]))
        digests = digest_writer(s3, chains.signer, now)
        for step in range(4):
            now["t"] = step * 60.0
            chains.append(flush(s3, 0, step * 10, step * 10 + 9))
            assert digests.write() is True
        return s3, sorted(digest_keys(s3))

    def test_an_intact_chain_of_digests_verifies(self):
        s3, _ = self.written()
        assert verify(s3).ok

    def test_a_deleted_middle_digest_breaks_the_link_of_the_next(self):
        s3, keys = self.written()
        del s3.objects[keys[1]]
        findings = verify(s3).failures
        assert [(f.kind, f.key) for f in findings] == [(FindingKind.DIGEST, keys[2])]
        assert "deleted or inserted" in findings[0].message

    def test_a_replaced_digest_is_caught_by_the_hash_in_the_next(self):
        s3, keys = self.written()
        s3.objects[keys[1]] = s3.objects[keys[1]].replace(b'"heads"', b'"heads" ')
        kinds = {f.kind for f in verify(s3).failures}
        assert FindingKind.DIGEST in kinds

    def test_deleting_the_newest_digests_leaves_manifests_newer_than_the_interval(self):
        s3, keys = self.written()
        for key in keys[1:]:
            del s3.objects[key]
        findings = verify(s3).failures
        assert [(f.kind, f.key) for f in findings] == [(FindingKind.DIGEST, keys[0])]
        assert "newer digests were deleted" in findings[0].message

    def test_no_digest_at_all_is_a_finding_once_manifests_span_more_than_the_interval(self):
        s3, keys = self.written()
        for key in keys:
            del s3.objects[key]
        assert verify(s3).ok  # 180 s of manifests: within the default 900 s interval
        findings = verify(s3, digest_interval_s=60).failures  # the sinks' configured interval
        assert [f.kind for f in findings] == [FindingKind.DIGEST]
        assert "no digest" in findings[0].message

    @pytest.mark.parametrize(("age_s", "found"), [(1_700, False), (1_900, True)])
    def test_no_digest_in_an_archive_older_than_interval_and_grace_is_a_finding(self, age_s, found):
        """A sink writes a digest as it starts: a short run long ago still left one.

        The default interval is 900 s, its grace as long: 1,800 s after the first manifest.
        """
        s3 = MemoryS3()
        chains = keeper(s3)
        chains.append(flush(s3, 0, 0, 9))
        findings = verify(s3, now=NOW + timedelta(seconds=age_s)).failures
        assert [f.kind for f in findings] == ([FindingKind.DIGEST] if found else [])
        if found:
            assert findings[0].message.startswith(
                "no digest, but manifests were written since 2026-01-01T00:00:00Z, more than "
                "the 900 s interval ago"
            )


def event(i: int):
    made = full_event_dict()
    made["event_id"] = f"00000000-0000-4000-8000-{i:012d}"
    return through_codec(made)


def digest_keys(s3: MemoryS3) -> list[str]:
    return [k for k in s3.objects if "/digests/" in k]


def _unreachable(**params):
    from botocore.exceptions import EndpointConnectionError

    raise EndpointConnectionError(endpoint_url="http://store")


class TestVersionListing:
    def test_only_the_archives_own_roots_are_listed_and_each_version_counts_once(self):
        """With an empty prefix the bucket root also holds other archives; a store may
        repeat an entry at a page boundary."""

        class Paged(MemoryS3):
            def list_object_versions(self, **params):
                full = super().list_object_versions(**params)
                entries = full["Versions"]
                if "KeyMarker" not in params and len(entries) > 1:
                    return {
                        **full,
                        "Versions": entries[:2],
                        "IsTruncated": True,
                        "NextKeyMarker": entries[1]["Key"],
                        "NextVersionIdMarker": entries[1]["VersionId"],
                    }
                if "KeyMarker" in params:
                    return {**full, "Versions": entries[1:]}  # repeats the marker's entry
                return full

        s3 = Paged()
        for key in ("manifests/v1/p0/0.json", "manifests/v1/p0/1.json", "other/manifests/x"):
            s3.put_object(Key=key, Body=b"{}")
        s3.put_object(Key="other/manifests/x", Body=b"again")
        reader = ChainReader(S3ObjectStore(s3, bucket=BUCKET), prefix="")  # type: ignore[arg-type]
        versions = reader.versions("manifests/v1/").versions
        assert sorted(versions) == ["manifests/v1/p0/0.json", "manifests/v1/p0/1.json"]
        assert all(len(v) == 1 for v in versions.values())
