"""Reads for verification: lock headers, when a HEAD is still needed, and fallbacks.

The in-memory bucket stands in for boto3 and a stub for the direct reader; the real
server is read in ``tests/e2e/test_verify_direct.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.credentials import Credentials

from auditstream.archive.direct import DirectReader
from auditstream.archive.fetch import (
    Fetched,
    ObjectFetcher,
    lock_from_headers,
    lock_in_force,
)
from auditstream.archive.store import S3ObjectStore
from auditstream.schemas.settings import S3Settings
from support.memory_s3 import MemoryS3

BUCKET = "archive"
KEY = "run/events/v1/tenant=a/dt=2026-01-01/hour=00/p0-0-9.parquet"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2032, 11, 24, 10, 42, 36, tzinfo=UTC)
LOCKED = {
    "x-amz-object-lock-mode": "COMPLIANCE",
    "x-amz-object-lock-retain-until-date": "2032-11-24T10:42:36Z",
}


class CountingS3(MemoryS3):
    """The in-memory bucket, counting GETs and HEADs; GETs may carry the lock fields."""

    def __init__(self, *, lock_on_get: bool = False) -> None:
        super().__init__()
        self.lock_on_get = lock_on_get
        self.gets = 0
        self.heads = 0

    def get_object(self, **params: Any) -> dict[str, Any]:
        self.gets += 1
        answer = super().get_object(**params)
        if self.lock_on_get:
            put = self.params[params["Key"]]
            answer["ObjectLockMode"] = put.get("ObjectLockMode")
            answer["ObjectLockRetainUntilDate"] = put.get("ObjectLockRetainUntilDate")
        return answer

    def head_object(self, **params: Any) -> dict[str, Any]:
        self.heads += 1
        return super().head_object(**params)


class StubDirect:
    """Answers like a DirectReader: canned GET and HEAD answers, None to defer."""

    def __init__(
        self,
        get: tuple[bytes, Mapping[str, str]] | None = None,
        head: Mapping[str, str] | None = None,
    ) -> None:
        self.get_answer, self.head_answer = get, head
        self.gets = self.heads = 0

        self.versions: list[str | None] = []

    def get(
        self, key: str, *, version_id: str | None = None
    ) -> tuple[bytes, Mapping[str, str]] | None:
        self.gets += 1
        self.versions.append(version_id)
        return self.get_answer

    def head(self, key: str, *, version_id: str | None = None) -> Mapping[str, str] | None:
        self.heads += 1
        self.versions.append(version_id)
        return self.head_answer


def bucket(*, locked_until: datetime | None = UNTIL, lock_on_get: bool = False) -> CountingS3:
    s3 = CountingS3(lock_on_get=lock_on_get)
    params: dict[str, Any] = {"Key": KEY, "Body": b"parquet bytes"}
    if locked_until is not None:
        params |= {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": locked_until}
    s3.put_object(**params)
    return s3


def fetcher(s3: CountingS3, direct: StubDirect | None = None) -> ObjectFetcher:
    return ObjectFetcher(S3ObjectStore(s3, bucket=BUCKET), direct=direct)  # type: ignore[arg-type]


class TestLockFromHeaders:
    @pytest.mark.parametrize(
        ("headers", "expected"),
        [
            (LOCKED, ("COMPLIANCE", UNTIL, False)),
            (
                {
                    "x-amz-object-lock-mode": "GOVERNANCE",
                    "x-amz-object-lock-retain-until-date": "2032-11-24T10:42:36.000Z",
                },
                ("GOVERNANCE", UNTIL, False),
            ),
            ({"x-amz-object-lock-legal-hold": "ON"}, (None, None, True)),
            ({**LOCKED, "x-amz-object-lock-legal-hold": "OFF"}, ("COMPLIANCE", UNTIL, False)),
        ],
    )
    def test_headers_that_state_a_lock_are_read(self, headers, expected):
        """Mode and an aware ISO 8601 date, or a legal hold, make a lock state."""
        assert lock_from_headers(headers) == expected

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"x-amz-object-lock-mode": "COMPLIANCE"},
            {"x-amz-object-lock-retain-until-date": "2032-11-24T10:42:36Z"},
            {**LOCKED, "x-amz-object-lock-mode": "FOREVER"},
            {**LOCKED, "x-amz-object-lock-retain-until-date": "Wed, 24 Nov 2032 10:42:36 GMT"},
            {**LOCKED, "x-amz-object-lock-retain-until-date": "2032-11-24T10:42:36"},
            {"x-amz-object-lock-legal-hold": "OFF"},
        ],
    )
    def test_headers_that_state_no_lock_or_an_unreadable_one_state_nothing(self, headers):
        """Missing, partial, unknown or naive values leave the decision to a HEAD."""
        assert lock_from_headers(headers) is None


class TestLockInForce:
    @pytest.mark.parametrize(
        ("lock", "expected"),
        [
            (("COMPLIANCE", NOW + timedelta(seconds=1), False), True),
            (("COMPLIANCE", NOW, False), False),
            (("COMPLIANCE", NOW - timedelta(days=1), False), False),
            ((None, NOW + timedelta(days=1), False), False),
            (("GOVERNANCE", None, False), False),
            ((None, None, True), True),
            (("COMPLIANCE", NOW - timedelta(days=1), True), True),
        ],
    )
    def test_retention_must_outlast_now_unless_a_legal_hold_is_on(self, lock, expected):
        """Expired or partial retention is not in force; a legal hold always is."""
        assert lock_in_force(lock, NOW) is expected


class TestObjectFetcher:
    def test_a_direct_get_whose_headers_show_retention_in_force_needs_no_head(self):
        """S3 and MinIO send the lock headers with GET: one request per object."""
        s3, direct = bucket(), StubDirect(get=(b"parquet bytes", LOCKED))
        found = fetcher(s3, direct).fetch(KEY, download=True, lock_at=NOW)
        assert found == Fetched(b"parquet bytes", ("COMPLIANCE", UNTIL, False))
        assert (direct.heads, s3.gets, s3.heads) == (0, 0, 0)

    def test_a_direct_get_without_lock_headers_is_followed_by_a_direct_head(self):
        """versitygw sends the lock headers only with HEAD."""
        s3, direct = bucket(), StubDirect(get=(b"parquet bytes", {}), head=LOCKED)
        found = fetcher(s3, direct).fetch(KEY, download=True, lock_at=NOW)
        assert found.lock == ("COMPLIANCE", UNTIL, False)
        assert (direct.gets, direct.heads, s3.gets, s3.heads) == (1, 1, 0, 0)

    @pytest.mark.parametrize(
        "head",
        [
            {},
            {**LOCKED, "x-amz-object-lock-retain-until-date": "2025-01-01T00:00:00Z"},
            None,
        ],
    )
    def test_a_lock_not_shown_in_force_is_decided_by_the_readers_head(self, head):
        """Only the boto3 HEAD can fail an object: the fast path may only confirm."""
        s3 = bucket(locked_until=NOW - timedelta(days=1))
        direct = StubDirect(get=(b"parquet bytes", {}), head=head)
        found = fetcher(s3, direct).fetch(KEY, download=True, lock_at=NOW)
        assert found.lock == ("COMPLIANCE", NOW - timedelta(days=1), False)
        assert s3.heads == 1

    def test_a_get_through_the_client_uses_the_lock_fields_it_carries(self):
        """On AWS the boto3 GET carries the lock: no HEAD follows."""
        s3 = bucket(lock_on_get=True)
        found = fetcher(s3).fetch(KEY, download=True, lock_at=NOW)
        assert found == Fetched(b"parquet bytes", ("COMPLIANCE", UNTIL, False))
        assert (s3.gets, s3.heads) == (1, 0)

    def test_a_get_through_the_client_without_lock_fields_is_followed_by_a_head(self):
        """A store that answers GET without lock fields still has each lock checked."""
        s3 = bucket()
        found = fetcher(s3).fetch(KEY, download=True, lock_at=NOW)
        assert found.lock == ("COMPLIANCE", UNTIL, False)
        assert (s3.gets, s3.heads) == (1, 1)

    def test_a_read_the_direct_reader_leaves_is_asked_again_through_the_client(self):
        """None from the direct reader means: let boto3 read it."""
        s3, direct = bucket(), StubDirect()
        found = fetcher(s3, direct).fetch(KEY, download=True, lock_at=NOW)
        assert found.data == b"parquet bytes"
        assert (direct.gets, s3.gets, s3.heads) == (1, 1, 1)

    def test_a_missing_object_reads_as_missing_and_nothing_more_is_asked(self):
        """The object check reports it; its lock is not asked for."""
        s3 = bucket()
        found = fetcher(s3, StubDirect()).fetch("run/other", download=True, lock_at=NOW)
        assert found == Fetched(None, None)
        assert s3.heads == 0

    def test_without_a_moment_no_lock_is_read_and_without_download_no_bytes(self):
        """Offline copies skip retention; scoped verification skips some downloads."""
        s3 = bucket()
        assert fetcher(s3).fetch(KEY, download=True, lock_at=None) == Fetched(
            b"parquet bytes", None
        )
        assert fetcher(s3).fetch(KEY, download=False, lock_at=NOW).data is None
        assert (s3.gets, s3.heads) == (1, 1)


class TestDirectReader:
    @pytest.mark.parametrize(
        "key",
        ["run/../other-bucket/x", "run/./x", "run//x", "/run/x", "run/x/", ""],
    )
    def test_a_key_a_url_would_not_reach_as_is_is_left_to_boto3(self, key):
        """Dot and empty segments could be resolved by the HTTP client: no request is sent."""
        reader = DirectReader(
            "http://127.0.0.1:9",
            bucket=BUCKET,
            region="us-east-1",
            credentials=Credentials("id", "secret"),
        )
        assert reader.get(key) is None
        assert reader.head(key) is None
        assert reader.active  # no request failed, because none was made

    def test_there_is_no_direct_reader_for_aws_itself(self):
        """Without a custom endpoint boto3 reads (and AWS sends lock headers on GET)."""
        settings = S3Settings(endpoint_url=None, access_key_id="id", secret_access_key="s")
        assert DirectReader.for_settings(settings) is None


class TestRecordedVersions:
    """A manifest names the version it wrote: that version is read, whatever came later."""

    def replaced(self) -> tuple[CountingS3, str]:
        s3 = bucket()
        first = s3.versions[KEY][0]
        s3.put_object(
            Key=KEY,
            Body=b"a newer version",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=UNTIL,
        )
        return s3, first

    def test_the_client_reads_the_recorded_version_not_the_current_one(self):
        s3, first = self.replaced()
        found = fetcher(s3).fetch(KEY, download=True, lock_at=NOW, version_id=first)
        assert found.data == b"parquet bytes"
        assert found.lock == ("COMPLIANCE", UNTIL, False)

    def test_the_direct_reader_is_asked_for_the_recorded_version(self):
        s3, first = self.replaced()
        direct = StubDirect(get=(b"parquet bytes", {}), head=LOCKED)
        fetcher(s3, direct).fetch(KEY, download=True, lock_at=NOW, version_id=first)
        assert direct.versions == [first, first]

    def test_a_recorded_version_that_is_gone_reads_as_missing(self):
        s3 = bucket()
        found = fetcher(s3).fetch(KEY, download=True, lock_at=NOW, version_id="v999")
        assert found == Fetched(None, None)

    def test_without_a_recorded_version_the_current_one_is_read(self):
        s3, _ = self.replaced()
        assert fetcher(s3).fetch(KEY, download=True, lock_at=None).data == b"a newer version"

    def test_a_store_that_heads_older_versions_without_lock_fields_is_asked_per_version(self):
        """versitygw's HEAD of an older version omits the lock; GetObjectRetention has it."""

        class VersityLike(CountingS3):
            def head_object(self, **params: Any) -> dict[str, Any]:
                answer = super().head_object(**params)
                if params.get("VersionId") not in (None, self.versions[KEY][-1]):
                    answer["ObjectLockMode"] = answer["ObjectLockRetainUntilDate"] = None
                return answer

            def get_object_retention(self, **params: Any) -> dict[str, Any]:
                assert params["VersionId"] == self.versions[KEY][0]
                return {"Retention": {"Mode": "COMPLIANCE", "RetainUntilDate": UNTIL}}

        s3 = VersityLike()
        s3.put_object(
            Key=KEY,
            Body=b"parquet bytes",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=UNTIL,
        )
        first = s3.versions[KEY][0]
        s3.put_object(Key=KEY, Body=b"a newer version")
        found = fetcher(s3).fetch(KEY, download=True, lock_at=NOW, version_id=first)
        assert found == Fetched(b"parquet bytes", ("COMPLIANCE", UNTIL, False))
