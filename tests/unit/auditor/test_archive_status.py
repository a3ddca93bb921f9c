"""The archive part of ``audit status``: chain heads, the newest digest, and their comparison.

Chains and digests are written with the archive's own models into an in-memory bucket;
the same reads run against the real server in ``tests/e2e/test_status.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from auditstream.archive.digest import Digest, DigestHead, digest_key
from auditstream.archive.manifest import Manifest, manifest_key
from auditstream.archive.signing import Signer
from auditstream.auditor.archive_status import (
    ArchiveStatus,
    DigestComparison,
    DigestHeadState,
    DigestStatus,
    age_seconds,
    compare_digest,
    read_archive_status,
)
from auditstream.schemas.settings import S3Settings
from support.memory_s3 import MemoryS3, client_error

BUCKET = "archive"
PREFIX = "run/"
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
SETTINGS = S3Settings(endpoint_url="http://store.invalid:9000", bucket=BUCKET, prefix=PREFIX)
SIGNER = Signer.generate()

CURRENT, BEHIND, NOT_LISTED = (
    DigestHeadState.CURRENT,
    DigestHeadState.BEHIND,
    DigestHeadState.NOT_LISTED,
)
AHEAD, DIFFERENT, GONE = DigestHeadState.AHEAD, DigestHeadState.DIFFERENT, DigestHeadState.GONE


class LockedBucket(MemoryS3):
    """The in-memory bucket with Object Lock on, recording the prefixes it was asked to list."""

    def __init__(self) -> None:
        super().__init__()
        self.listed: list[str] = []

    def get_object_lock_configuration(self, **params: Any) -> dict[str, Any]:
        return {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}

    def get_bucket_versioning(self, **params: Any) -> dict[str, Any]:
        return {"Status": "Enabled"}

    def paginate(self, **params: Any) -> list[dict[str, Any]]:
        self.listed.append(params.get("Prefix", ""))
        return super().paginate(**params)


class MissingBucket(LockedBucket):
    def get_object_lock_configuration(self, **params: Any) -> dict[str, Any]:
        raise client_error(404, "NoSuchBucket", "GetObjectLockConfiguration")


class SilentStore(LockedBucket):
    """A store nobody listens at: every request fails to connect."""

    def get_object_lock_configuration(self, **params: Any) -> dict[str, Any]:
        raise EndpointConnectionError(endpoint_url=SETTINGS.endpoint_url)


def write_chain(s3: MemoryS3, partition: int, length: int, *, last_at: datetime) -> list[str]:
    """Write manifests 0..length-1 of a partition, 100 records each; return their SHA-256s."""
    hashes: list[str] = []
    for seq in range(length):
        written = last_at - timedelta(seconds=length - 1 - seq)
        manifest = Manifest(
            topic="audit.events.redacted",
            partition=partition,
            seq=seq,
            position_before=seq * 100,
            position_after=(seq + 1) * 100,
            records=100,
            objects=(),
            prev_sha256=hashes[-1] if hashes else None,
            written_at=written.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            unlocked=False,
            signer_key_id=SIGNER.key_id,
        ).signed(SIGNER)
        s3.put_object(Key=manifest_key(PREFIX, partition, seq), Body=manifest.to_bytes())
        hashes.append(manifest.sha256())
    return hashes


def write_digest(s3: MemoryS3, at: datetime, heads: list[DigestHead]) -> str:
    """Write the digest of the interval starting at ``at``; return its key."""
    digest = Digest(
        topic="audit.events.redacted",
        interval_start=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        written_at=(at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        heads=tuple(heads),
        unlocked=False,
        signer_key_id="",
    ).signed(SIGNER)
    key = digest_key(PREFIX, at)
    s3.put_object(Key=key, Body=digest.to_bytes())
    return key


def read(s3: MemoryS3) -> ArchiveStatus:
    return read_archive_status(SETTINGS, client=s3, now=NOW)  # type: ignore[arg-type]


def head(partition: int, seq: int, sha: str = "h") -> DigestHead:
    return DigestHead(partition, seq, sha, (seq + 1) * 100)


class TestCompareDigest:
    @pytest.mark.parametrize(
        ("listed", "heads", "expected"),
        [
            pytest.param([head(0, 4)], {0: (4, "h")}, [(CURRENT, 0)], id="names-the-head"),
            pytest.param([head(0, 4)], {0: (9, "x")}, [(BEHIND, 5)], id="manifests-since"),
            pytest.param([], {0: (2, "x")}, [(NOT_LISTED, 3)], id="chain-began-after"),
            pytest.param([head(0, 9)], {0: (4, "h")}, [(AHEAD, 0)], id="chain-cut-short"),
            pytest.param([head(0, 4)], {0: (4, "x")}, [(DIFFERENT, 0)], id="head-replaced"),
            pytest.param([head(0, 4)], {}, [(GONE, 0)], id="chain-vanished"),
            pytest.param(
                [head(2, 1), head(0, 3)],
                {0: (3, "h"), 1: (0, "x"), 2: (4, "x")},
                [(CURRENT, 0), (NOT_LISTED, 1), (BEHIND, 3)],
                id="by-partition",
            ),
        ],
    )
    def test_each_partition_gets_the_state_its_seqs_and_hashes_imply(
        self,
        listed: list[DigestHead],
        heads: dict[int, tuple[int, str]],
        expected: list[tuple[DigestHeadState, int]],
    ) -> None:
        """The digest's seq against the head's: equal, lower, missing, higher or other hash."""
        rows = compare_digest(listed, heads)
        assert [(r.state, r.behind_by) for r in rows] == expected
        assert [r.partition for r in rows] == sorted(r.partition for r in rows)


def digest_of(*rows: tuple[DigestHeadState, int]) -> DigestStatus:
    return DigestStatus(
        key="k",
        interval_start="",
        written_at="",
        age_s=None,
        partitions=[DigestComparison(i, None, None, s, n) for i, (s, n) in enumerate(rows)],
    )


class TestDigestSummary:
    @pytest.mark.parametrize(
        ("rows", "current", "behind_by", "consistent"),
        [
            pytest.param([(CURRENT, 0), (CURRENT, 0)], True, 0, True, id="all-current"),
            pytest.param([(CURRENT, 0), (BEHIND, 4), (NOT_LISTED, 2)], False, 6, True, id="behind"),
            pytest.param([(CURRENT, 0), (AHEAD, 0)], False, 0, False, id="cut"),
            pytest.param([(BEHIND, 1), (DIFFERENT, 0)], False, 1, False, id="replaced"),
            pytest.param([(GONE, 0)], False, 0, False, id="vanished"),
        ],
    )
    def test_behind_is_normal_and_only_anomalies_are_inconsistent(
        self,
        rows: list[tuple[DigestHeadState, int]],
        current: bool,
        behind_by: int,
        consistent: bool,
    ) -> None:
        """Being behind counts manifests; a cut, replaced or vanished head is inconsistent."""
        digest = digest_of(*rows)
        assert digest.lists_current_heads is current
        assert digest.behind_by == behind_by
        assert digest.consistent is consistent


class TestAgeSeconds:
    @pytest.mark.parametrize(
        ("written_at", "age"),
        [
            ("2026-03-15T09:59:48.000000Z", 12.0),
            ("2026-03-15T09:00:00Z", 3600.0),
            ("2026-03-15T09:59:48", 12.0),
            ("2026-03-15T10:00:05Z", -5.0),
            ("yesterday", None),
        ],
    )
    def test_age_counts_from_the_archive_timestamp_to_the_snapshot(
        self, written_at: str, age: float | None
    ) -> None:
        """Timestamps without a zone are UTC, as the sink writes them; junk has no age."""
        assert age_seconds(written_at, NOW) == age


class TestReadArchiveStatus:
    def test_heads_show_each_partitions_newest_manifest_and_its_position(self) -> None:
        """Seq, time, age and position after come from each chain's newest manifest."""
        s3 = LockedBucket()
        write_chain(s3, 0, 3, last_at=NOW - timedelta(seconds=12))
        write_chain(s3, 2, 7, last_at=NOW - timedelta(minutes=2))
        status = read(s3)
        assert status.unavailable is None
        assert status.lock == "locked"
        assert [(h.partition, h.seq, h.position_after) for h in status.heads] == [
            (0, 2, 300),
            (2, 6, 700),
        ]
        assert [h.age_s for h in status.heads] == [12.0, 120.0]
        assert status.digest is None

    def test_a_digest_naming_every_head_lists_the_current_heads(self) -> None:
        """Same seq and SHA-256 for each partition: the digest is current."""
        s3 = LockedBucket()
        first = write_chain(s3, 0, 3, last_at=NOW)
        second = write_chain(s3, 1, 2, last_at=NOW)
        at = NOW - timedelta(minutes=15)
        key = write_digest(s3, at, [head(0, 2, first[2]), head(1, 1, second[1])])
        digest = read(s3).digest
        assert digest is not None
        assert digest.key == key
        assert digest.age_s == 15 * 60 - 1
        assert digest.lists_current_heads
        assert digest.behind_by == 0

    def test_manifests_written_after_the_digest_make_it_behind_not_inconsistent(self) -> None:
        """Between digests the heads move on: behind by the manifests written since."""
        s3 = LockedBucket()
        hashes = write_chain(s3, 0, 3, last_at=NOW)
        write_digest(s3, NOW - timedelta(minutes=15), [head(0, 0, hashes[0])])
        write_chain(s3, 1, 2, last_at=NOW)
        digest = read(s3).digest
        assert digest is not None
        assert [(c.partition, c.state, c.behind_by) for c in digest.partitions] == [
            (0, BEHIND, 2),
            (1, NOT_LISTED, 2),
        ]
        assert digest.behind_by == 4
        assert digest.consistent
        assert not digest.lists_current_heads

    def test_a_chain_cut_shorter_than_the_digest_is_found_and_flagged(self) -> None:
        """The head search falls back to seq 0 when the digest's seq no longer exists."""
        s3 = LockedBucket()
        hashes = write_chain(s3, 0, 5, last_at=NOW)
        write_digest(s3, NOW - timedelta(minutes=15), [head(0, 4, hashes[4])])
        for seq in (3, 4):
            s3.delete_object(Key=manifest_key(PREFIX, 0, seq))
        status = read(s3)
        assert [h.seq for h in status.heads] == [2]
        assert status.digest is not None
        assert [c.state for c in status.digest.partitions] == [AHEAD]
        assert not status.digest.consistent

    def test_the_newest_digest_is_found_without_listing_older_periods(self) -> None:
        """With digests today, only today's digest keys are listed, and the last one wins."""
        s3 = LockedBucket()
        write_chain(s3, 0, 1, last_at=NOW)
        write_digest(s3, NOW - timedelta(days=400), [])
        write_digest(s3, NOW - timedelta(days=1), [])
        write_digest(s3, NOW - timedelta(minutes=45), [])
        newest = write_digest(s3, NOW - timedelta(minutes=30), [])
        status = read(s3)
        assert status.digest is not None
        assert status.digest.key == newest
        digest_listings = [p for p in s3.listed if "digests/" in p]
        assert digest_listings == [f"{PREFIX}digests/v1/20260315T"]

    @pytest.mark.parametrize(
        ("age", "listings"),
        [
            pytest.param(timedelta(days=3), 2, id="earlier-this-month"),
            pytest.param(timedelta(days=60), 3, id="earlier-this-year"),
            pytest.param(timedelta(days=400), 4, id="a-past-year"),
        ],
    )
    def test_an_older_digest_is_found_by_widening_the_listing(
        self, age: timedelta, listings: int
    ) -> None:
        """No digest today: this month's, then this year's, then all digest keys are listed."""
        s3 = LockedBucket()
        key = write_digest(s3, NOW - age, [])
        status = read(s3)
        assert status.digest is not None
        assert status.digest.key == key
        assert len([p for p in s3.listed if "digests/" in p]) == listings

    def test_an_unreachable_store_is_reported_with_what_to_check(self) -> None:
        """No exception: the status says the store did not answer and where to look."""
        status = read(SilentStore())
        assert status.heads == []
        assert status.unavailable is not None
        assert status.unavailable.startswith(
            "the store at http://store.invalid:9000 did not answer (EndpointConnectionError)"
        )
        assert "audit stack status" in status.unavailable
        assert "AUDITSTREAM_S3__ENDPOINT_URL" in status.unavailable

    def test_a_missing_bucket_is_not_shown_as_an_empty_archive(self) -> None:
        """Listing a missing bucket finds nothing; the bucket check names the problem."""
        status = read(MissingBucket())
        assert status.unavailable is not None
        assert "the bucket does not exist" in status.unavailable
        assert "AUDITSTREAM_S3__BUCKET" in status.unavailable

    def test_an_unreadable_head_manifest_names_its_key_and_sends_to_verify(self) -> None:
        """A head that is not a manifest makes the archive part unavailable, not a crash."""
        s3 = LockedBucket()
        write_chain(s3, 0, 2, last_at=NOW)
        s3.objects[manifest_key(PREFIX, 0, 2)] = b"not json"
        status = read(s3)
        assert status.unavailable is not None
        assert manifest_key(PREFIX, 0, 2) in status.unavailable
        assert "audit verify" in status.unavailable

    def test_an_invalid_endpoint_url_is_named(self) -> None:
        """botocore refuses the URL before any request; the variable is named."""
        status = read_archive_status(S3Settings(endpoint_url="not a url"), now=NOW)
        assert status.unavailable is not None
        assert status.unavailable.startswith("AUDITSTREAM_S3__ENDPOINT_URL='not a url'")
