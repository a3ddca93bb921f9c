"""Write-once puts and the bucket check, against botocore's Stubber (no network).

The Stubber checks every request against the S3 API model, so these tests also pin the
exact parameters sent: If-None-Match, the SHA-256 checksum and the Object Lock fields.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import ANY, Stubber

from auditstream.archive.errors import (
    ArchiveUnavailableError,
    ArchiveWriteError,
    BucketNotLockedError,
    BucketUnreachableError,
    ObjectExistsError,
)
from auditstream.archive.storage import BucketLock, check_bucket, make_s3_client
from auditstream.archive.writer import UNLOCKED_METADATA, ArchiveWriter
from auditstream.schemas.settings import S3Settings

BUCKET = "archive-bucket"
KEY = "events/v1/tenant=acme/dt=2026-01-05/hour=07/p0-1-2.parquet"
DATA = b"PAR1 not really parquet PAR1"
UNTIL = datetime(2032, 1, 1, tzinfo=UTC)
SHA_B64 = base64.b64encode(hashlib.sha256(DATA).digest()).decode()


@pytest.fixture
def client():
    return make_s3_client(
        S3Settings(endpoint_url="http://127.0.0.1:1", access_key_id="a", secret_access_key="b")
    )


@pytest.fixture
def stub(client):
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def locked_put_params():
    return {
        "Bucket": BUCKET,
        "Key": KEY,
        "Body": DATA,
        "ChecksumAlgorithm": "SHA256",
        "ChecksumSHA256": SHA_B64,
        "IfNoneMatch": "*",
        "ObjectLockMode": "COMPLIANCE",
        "ObjectLockRetainUntilDate": UNTIL,
    }


class TestArchiveWriter:
    def test_a_locked_put_is_write_once_checksummed_and_retained(self, client, stub):
        """put_object carries If-None-Match, SHA-256 and COMPLIANCE retention."""
        stub.add_response("put_object", {"VersionId": "v1"}, locked_put_params())
        stored = ArchiveWriter(client, bucket=BUCKET, lock=BucketLock.LOCKED).put(
            KEY, DATA, retain_until=UNTIL
        )
        assert stored.sha256 == hashlib.sha256(DATA).hexdigest()
        assert (stored.version_id, stored.retain_until, stored.created) == ("v1", UNTIL, True)

    def test_governance_mode_is_passed_through(self, client, stub):
        """The configured retention mode is what the object gets."""
        stub.add_response("put_object", {}, {**locked_put_params(), "ObjectLockMode": "GOVERNANCE"})
        writer = ArchiveWriter(
            client, bucket=BUCKET, lock=BucketLock.LOCKED, retention_mode="GOVERNANCE"
        )
        assert writer.put(KEY, DATA, retain_until=UNTIL).created is True

    def test_an_unlocked_dev_bucket_gets_no_retention_but_a_marker(self, client, stub):
        """Without Object Lock the lock fields are left out and metadata says so."""
        params = {k: v for k, v in locked_put_params().items() if not k.startswith("ObjectLock")}
        stub.add_response("put_object", {}, {**params, "Metadata": UNLOCKED_METADATA})
        stored = ArchiveWriter(client, bucket=BUCKET, lock=BucketLock.UNLOCKED_DEV).put(
            KEY, DATA, retain_until=UNTIL
        )
        assert stored.retain_until is None

    def test_an_existing_key_is_an_object_exists_error(self, client, stub):
        """412 PreconditionFailed on If-None-Match means the key is taken."""
        stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412)
        with pytest.raises(ObjectExistsError) as caught:
            ArchiveWriter(client, bucket=BUCKET, lock=BucketLock.LOCKED).put(
                KEY, DATA, retain_until=UNTIL
            )
        assert caught.value.key == KEY

    @pytest.mark.parametrize(
        ("code", "status"), [("SlowDown", 503), ("InternalError", 500), ("ServiceUnavailable", 503)]
    )
    def test_overload_answers_are_archive_unavailable(self, client, stub, code, status):
        """5xx and SlowDown may succeed later: the sink pauses and retries."""
        stub.add_client_error("put_object", code, http_status_code=status)
        writer = ArchiveWriter(client, bucket=BUCKET, lock=BucketLock.LOCKED, retry_after_s=2.0)
        with pytest.raises(ArchiveUnavailableError) as caught:
            writer.put(KEY, DATA, retain_until=UNTIL)
        assert caught.value.retry_after_s == 2.0
        assert caught.value.key == KEY

    def test_a_refused_write_is_an_archive_write_error_with_the_code(self, client, stub):
        """403 will not get better by retrying the same request."""
        stub.add_client_error("put_object", "AccessDenied", http_status_code=403)
        with pytest.raises(ArchiveWriteError) as caught:
            ArchiveWriter(client, bucket=BUCKET, lock=BucketLock.LOCKED).put(
                KEY, DATA, retain_until=UNTIL
            )
        assert (caught.value.code, caught.value.status) == ("AccessDenied", 403)
        assert not isinstance(caught.value, ObjectExistsError)

    def test_a_store_that_does_not_answer_is_archive_unavailable(self):
        """Connection errors become ArchiveUnavailableError, with the cause kept."""

        class Unreachable:
            def put_object(self, **kwargs):
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

        writer = ArchiveWriter(Unreachable(), bucket=BUCKET, lock=BucketLock.LOCKED)  # type: ignore[arg-type]
        with pytest.raises(ArchiveUnavailableError) as caught:
            writer.put(KEY, DATA, retain_until=UNTIL)
        assert isinstance(caught.value.__cause__, EndpointConnectionError)

    def test_a_retried_put_of_the_same_bytes_counts_as_stored(self, client, stub):
        """After a partial flush, the object already there with our checksum is ours."""
        stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412)
        stub.add_response(
            "head_object",
            {"ChecksumSHA256": SHA_B64, "VersionId": "first-put"},
            {"Bucket": BUCKET, "Key": KEY, "ChecksumMode": "ENABLED"},
        )
        stored = ArchiveWriter(client, bucket=BUCKET, lock=BucketLock.LOCKED).put_idempotent(
            KEY, DATA, retain_until=UNTIL
        )
        assert stored.created is False
        assert stored.sha256 == hashlib.sha256(DATA).hexdigest()
        assert stored.version_id == "first-put"  # the manifest names the version there

    def test_different_bytes_under_the_key_are_a_conflict(self, client, stub):
        """Another object under our key is never overwritten and never taken for ours."""
        other = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
        stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412)
        stub.add_response(
            "head_object",
            {"ChecksumSHA256": other},
            {"Bucket": BUCKET, "Key": KEY, "ChecksumMode": ANY},
        )
        with pytest.raises(ObjectExistsError):
            ArchiveWriter(client, bucket=BUCKET, lock=BucketLock.LOCKED).put_idempotent(
                KEY, DATA, retain_until=UNTIL
            )


def lock_answer(state):
    return {"ObjectLockConfiguration": {"ObjectLockEnabled": state}}


class TestCheckBucket:
    def test_a_bucket_with_object_lock_and_versioning_is_locked(self, client, stub):
        """Both enabled: objects can get retention."""
        stub.add_response(
            "get_object_lock_configuration", lock_answer("Enabled"), {"Bucket": BUCKET}
        )
        stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": BUCKET})
        assert check_bucket(client, BUCKET, allow_unlocked=False) is BucketLock.LOCKED

    def test_a_bucket_without_object_lock_is_refused_with_the_fix(self, client, stub):
        """The message says what is wrong and both ways out."""
        stub.add_client_error(
            "get_object_lock_configuration",
            "ObjectLockConfigurationNotFoundError",
            http_status_code=404,
        )
        stub.add_response("get_bucket_versioning", {}, {"Bucket": BUCKET})
        with pytest.raises(BucketNotLockedError) as caught:
            check_bucket(client, BUCKET, allow_unlocked=False)
        message = str(caught.value)
        assert "Object Lock: not configured" in message
        assert "ObjectLockEnabledForBucket=True" in message
        assert "AUDITSTREAM_SINK__ALLOW_UNLOCKED_BUCKET=true" in message

    def test_suspended_versioning_is_not_write_once(self, client, stub):
        """Object Lock needs versioning; a bucket claiming one without the other is refused."""
        stub.add_response(
            "get_object_lock_configuration", lock_answer("Enabled"), {"Bucket": BUCKET}
        )
        stub.add_response("get_bucket_versioning", {"Status": "Suspended"}, {"Bucket": BUCKET})
        with pytest.raises(BucketNotLockedError, match="versioning: Suspended"):
            check_bucket(client, BUCKET, allow_unlocked=False)

    def test_a_dev_setup_may_use_an_unlocked_bucket(self, client, stub):
        """allow_unlocked_bucket turns the refusal into UNLOCKED_DEV."""
        stub.add_client_error(
            "get_object_lock_configuration",
            "ObjectLockConfigurationNotFoundError",
            http_status_code=404,
        )
        stub.add_response("get_bucket_versioning", {}, {"Bucket": BUCKET})
        assert check_bucket(client, BUCKET, allow_unlocked=True) is BucketLock.UNLOCKED_DEV

    @pytest.mark.parametrize(
        ("code", "status", "reason"),
        [
            ("NoSuchBucket", 404, "the bucket does not exist"),
            ("AccessDenied", 403, "access denied (AccessDenied)"),
        ],
    )
    def test_a_missing_or_forbidden_bucket_is_unreachable(self, client, stub, code, status, reason):
        """The error names the bucket and the cause, and points at the settings."""
        stub.add_client_error("get_object_lock_configuration", code, http_status_code=status)
        with pytest.raises(BucketUnreachableError) as caught:
            check_bucket(client, BUCKET, allow_unlocked=True)
        assert caught.value.reason == reason
        assert "AUDITSTREAM_S3__BUCKET" in str(caught.value)

    @pytest.mark.parametrize(
        ("code", "status"),
        [("SlowDown", 503), ("InternalError", 500), ("ServiceUnavailable", 503)],
    )
    def test_an_overloaded_store_is_unavailable_not_unreachable(self, client, stub, code, status):
        """5xx and SlowDown may pass: the caller waits and retries rather than giving up."""
        stub.add_client_error("get_object_lock_configuration", code, http_status_code=status)
        with pytest.raises(ArchiveUnavailableError) as caught:
            check_bucket(client, BUCKET, allow_unlocked=False)
        assert caught.value.reason == f"{code} (HTTP {status})"
        assert caught.value.retry_after_s > 0

    def test_a_store_that_does_not_answer_is_unavailable(self, client, monkeypatch):
        """A refused connection is an outage to wait out, not a misconfiguration."""

        def refuse(**_params):
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

        monkeypatch.setattr(client, "get_object_lock_configuration", refuse)
        with pytest.raises(ArchiveUnavailableError) as caught:
            check_bucket(client, BUCKET, allow_unlocked=False)
        assert caught.value.reason == "EndpointConnectionError"
