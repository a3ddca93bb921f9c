"""The S3 client of the archive, the bucket check, and botocore error translation.

Everything botocore raises is translated here (or by the writer and
:class:`~auditstream.archive.store.S3ObjectStore`, with the helpers below) into
:mod:`auditstream.archive.errors` classes, with ``raise ... from exc``, so no caller
catches a botocore type.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from auditstream.archive.errors import (
    ArchiveError,
    ArchiveUnavailableError,
    BucketNotLockedError,
    BucketUnreachableError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

TRANSIENT_ERRORS: tuple[type[BotoCoreError], ...] = (ConnectionError, HTTPClientError)
"""botocore errors that mean "the store did not answer": connection refused, reset, timeout."""

# botocore's own retries absorb a blip (a reset connection, one 503) within a request;
# longer outages surface as ArchiveUnavailableError and the sink's slower retry loop.
_BOTO_ATTEMPTS = 3
_CONNECT_TIMEOUT_S = 5
# A 16 MiB batch is a few MiB of Parquet: 60 s is generous even on a slow link.
_READ_TIMEOUT_S = 60
# The bucket check's hint when the store does not answer; the sink's backoff doubles it
# up to a minute, as for an outage while running.
_CHECK_RETRY_AFTER_S = 5.0
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
_TRANSIENT_CODES = frozenset({"SlowDown", "RequestTimeout", "ServiceUnavailable"})


class Secret(Protocol):
    """A secret value that stays masked until asked for (pydantic's ``SecretStr`` is one)."""

    def get_secret_value(self) -> str:
        """Return the secret itself."""
        ...


class S3Settings(Protocol):
    """Where the archive lives and how to sign in: what the archive needs of settings.

    The roles' ``S3Settings`` (``auditstream.schemas.settings``) has this shape; the
    archive asks only for the shape, so it never imports the settings machinery.
    """

    @property
    def endpoint_url(self) -> str | None:
        """S3 endpoint; None means AWS itself."""
        ...

    @property
    def region(self) -> str:
        """Signing region."""
        ...

    @property
    def access_key_id(self) -> str | None:
        """Access key; None means boto3's default credential chain."""
        ...

    @property
    def secret_access_key(self) -> Secret | None:
        """Secret key."""
        ...

    @property
    def bucket(self) -> str:
        """The archive bucket."""
        ...


class BucketLock(enum.Enum):
    """Whether the archive bucket keeps objects write-once."""

    LOCKED = "locked"
    """Object Lock and versioning are enabled: objects get retention."""
    UNLOCKED_DEV = "unlocked-dev"
    """No Object Lock, accepted because the settings allow it (dev setups only)."""


def make_s3_client(s3: S3Settings) -> S3Client:
    """Build a boto3 S3 client from the shared S3 settings.

    Path-style addressing is used for custom endpoints (MinIO, versitygw on loopback
    have no per-bucket DNS names); AWS itself keeps its default virtual-hosted style.

    Args:
        s3: Endpoint, region, credentials (None means boto3's default chain).

    Returns:
        A client; it connects lazily, on the first request.
    """
    config = Config(
        s3={"addressing_style": "path" if s3.endpoint_url else "auto"},
        retries={"mode": "standard", "total_max_attempts": _BOTO_ATTEMPTS},
        connect_timeout=_CONNECT_TIMEOUT_S,
        read_timeout=_READ_TIMEOUT_S,
    )
    session = boto3.session.Session(
        aws_access_key_id=s3.access_key_id,
        aws_secret_access_key=(
            s3.secret_access_key.get_secret_value() if s3.secret_access_key else None
        ),
        region_name=s3.region,
    )
    return session.client("s3", endpoint_url=s3.endpoint_url, config=config)


def version_args(version_id: str | None) -> dict[str, Any]:
    """Return the keyword arguments that make a GET or HEAD ask for one version.

    Args:
        version_id: The version; None asks for the current one (no argument at all,
            since S3 rejects an empty ``VersionId``).
    """
    return {} if version_id is None else {"VersionId": version_id}


def client_error_code(exc: ClientError) -> tuple[str, int | None]:
    """Return the S3 error code and HTTP status of a botocore ClientError.

    Args:
        exc: The error.

    Returns:
        ``("PreconditionFailed", 412)``, ``("AccessDenied", 403)``, ...
    """
    code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code, status


def check_bucket(client: S3Client, bucket: str, *, allow_unlocked: bool) -> BucketLock:
    """Check that the archive bucket exists and keeps objects write-once.

    Write-once means Object Lock enabled and versioning enabled (S3 requires the
    latter for the former; a bucket reporting one without the other is refused).

    Args:
        client: The S3 client.
        bucket: The bucket name.
        allow_unlocked: Accept a bucket without Object Lock (dev setups only).

    Returns:
        ``LOCKED``, or ``UNLOCKED_DEV`` when the bucket lacks Object Lock and
        ``allow_unlocked`` is set.

    Raises:
        BucketNotLockedError: No Object Lock or no versioning, and not allowed.
        BucketUnreachableError: The bucket is missing, access is denied, or the request
            is refused for good (misconfiguration: retrying will not help).
        ArchiveUnavailableError: The store did not answer or is overloaded (connection
            refused or reset, timeout, 5xx, SlowDown): it may answer later.
    """
    lock_state = _object_lock_state(client, bucket)
    versioning = _versioning_state(client, bucket)
    if lock_state == "Enabled" and versioning == "Enabled":
        return BucketLock.LOCKED
    if allow_unlocked:
        return BucketLock.UNLOCKED_DEV
    raise BucketNotLockedError(bucket, found=f"Object Lock: {lock_state}, versioning: {versioning}")


def _object_lock_state(client: S3Client, bucket: str) -> str:
    try:
        answer = client.get_object_lock_configuration(Bucket=bucket)
    except ClientError as exc:
        code, status = client_error_code(exc)
        if code == "ObjectLockConfigurationNotFoundError":
            return "not configured"
        raise _refused(bucket, code, status) from exc
    except TRANSIENT_ERRORS as exc:
        raise ArchiveUnavailableError(_CHECK_RETRY_AFTER_S, reason=type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise BucketUnreachableError(bucket, reason=type(exc).__name__) from exc
    return str(answer.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled", "disabled"))


def _versioning_state(client: S3Client, bucket: str) -> str:
    try:
        answer = client.get_bucket_versioning(Bucket=bucket)
    except ClientError as exc:
        raise _refused(bucket, *client_error_code(exc)) from exc
    except TRANSIENT_ERRORS as exc:
        raise ArchiveUnavailableError(_CHECK_RETRY_AFTER_S, reason=type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise BucketUnreachableError(bucket, reason=type(exc).__name__) from exc
    # A bucket that never had versioning reports no Status at all.
    return str(answer.get("Status", "never enabled"))


def _refused(bucket: str, code: str, status: int | None) -> ArchiveError:
    if status in _TRANSIENT_STATUSES or code in _TRANSIENT_CODES:
        return ArchiveUnavailableError(_CHECK_RETRY_AFTER_S, reason=f"{code} (HTTP {status})")
    if code == "NoSuchBucket":
        return BucketUnreachableError(bucket, reason="the bucket does not exist")
    if status == 403:
        return BucketUnreachableError(bucket, reason=f"access denied ({code})")
    return BucketUnreachableError(bucket, reason=f"{code} (HTTP {status})")
