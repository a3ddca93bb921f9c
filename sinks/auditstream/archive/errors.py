"""Errors of the archive format: the bucket, its objects, manifests, digests and keys.

Every class derives from :class:`ArchiveError`, itself an
:class:`~auditstream.schemas.errors.AuditstreamError`::

    AuditstreamError
    └── ArchiveError
        ├── BucketError
        │   ├── BucketNotLockedError   the bucket has no Object Lock (or no versioning)
        │   └── BucketUnreachableError the bucket cannot be reached, found or read
        ├── CopyUnreadableError        a file of a directory copy of an archive cannot be read
        ├── ArchiveEncodeError         events do not fit the archive's Arrow schema
        ├── ArchiveUnavailableError    a transient storage outage; retry after a delay
        ├── ArchiveWriteError          the store refused a write for good
        │   └── ObjectExistsError      If-None-Match refused: the key is already taken
        ├── SigningKeyError            a signing or public key is missing or unreadable
        └── ManifestFormatError        a manifest or digest is not valid JSON of its format

The sink (writes) and the auditor (reads and verifies) see the same classes. Messages
never contain payload text: keys, offsets, sizes and codes only.
"""

from __future__ import annotations

from pathlib import Path

from auditstream.schemas.errors import AuditstreamError


class ArchiveError(AuditstreamError):
    """Base class of the archive's errors."""


class BucketError(ArchiveError):
    """Base class of errors about the archive bucket as a whole.

    Args:
        bucket: The bucket name.
        message: The full operator-facing message.
    """

    def __init__(self, bucket: str, message: str) -> None:
        self.bucket = bucket
        super().__init__(message)


class BucketNotLockedError(BucketError):
    """The archive bucket lacks Object Lock, so objects could be changed or deleted.

    Object Lock can only be switched on when a bucket is created (S3 and MinIO both
    refuse to add it later), so the fix is a new bucket, not a setting on this one.

    Args:
        bucket: The bucket name.
        found: What the bucket reported, e.g. ``"Object Lock: not configured"``.
    """

    def __init__(self, bucket: str, *, found: str) -> None:
        self.found = found
        super().__init__(
            bucket,
            f"bucket {bucket!r} is not write-once ({found}); the archive needs Object Lock "
            "with versioning. Create the bucket with Object Lock enabled (e.g. boto3 "
            "create_bucket(..., ObjectLockEnabledForBucket=True)), or, for a dev setup only, "
            "set AUDITSTREAM_SINK__ALLOW_UNLOCKED_BUCKET=true",
        )


class BucketUnreachableError(BucketError):
    """The archive bucket cannot be reached, does not exist, or may not be read.

    Args:
        bucket: The bucket name.
        reason: What failed, e.g. the S3 error code or the connection error class.
    """

    def __init__(self, bucket: str, *, reason: str) -> None:
        self.reason = reason
        super().__init__(
            bucket,
            f"cannot use bucket {bucket!r}: {reason}; check AUDITSTREAM_S3__ENDPOINT_URL, "
            "AUDITSTREAM_S3__BUCKET and the credentials",
        )


class CopyUnreadableError(ArchiveError):
    """A file of a directory copy of an archive (offline copy, evidence package) cannot be read.

    Args:
        root: The copy's directory.
        key: The object key (or listed prefix) whose file failed.
        reason: The operating system's reason.
    """

    def __init__(self, root: Path, key: str, *, reason: str) -> None:
        self.root = root
        self.key = key
        self.reason = reason
        super().__init__(
            f"cannot read {key!r} in the archive copy at {root}: {reason}; check that the "
            "directory is a complete copy and readable by this user"
        )


class ArchiveEncodeError(ArchiveError):
    """Decoded events could not be turned into a Parquet object.

    Events that passed the codec always fit, so this is a bug in the sink or a schema
    mismatch between the codec and the archive schema.

    Args:
        records: How many events the batch held.
        reason: The failing step's error class (pyarrow's text may quote values).
    """

    def __init__(self, *, records: int, reason: str) -> None:
        self.records = records
        self.reason = reason
        super().__init__(
            f"cannot encode {records} events for the archive ({reason}); the events do not "
            "match the archive schema, so nothing was written or committed"
        )


class ArchiveUnavailableError(ArchiveError):
    """The object store is unreachable or overloaded; the write may succeed later.

    The sink pauses the partition, keeps its batch, commits nothing, and retries after
    ``retry_after_s``.

    Args:
        retry_after_s: Seconds to wait before the next attempt.
        reason: What failed (error class or S3 code, never the payload).
        key: The object key being written, when there was one.
    """

    def __init__(self, retry_after_s: float, *, reason: str, key: str | None = None) -> None:
        self.retry_after_s = retry_after_s
        self.reason = reason
        self.key = key
        target = f"writing {key!r}" if key else "the archive"
        super().__init__(
            f"archive unavailable while {target}: {reason}; retrying in {retry_after_s:g} s"
        )


class ArchiveWriteError(ArchiveError):
    """The object store refused a write, and retrying the same request will not help.

    Args:
        key: The object key.
        code: The S3 error code (e.g. ``AccessDenied``).
        status: The HTTP status, when known.
    """

    def __init__(self, key: str, *, code: str, status: int | None) -> None:
        self.key = key
        self.code = code
        self.status = status
        super().__init__(self._message())

    def _message(self) -> str:
        return (
            f"the archive refused to store {self.key!r}: {self.code} (HTTP {self.status}); "
            "check that the sink's S3 principal may PutObject with Object Lock retention"
        )


class ObjectExistsError(ArchiveWriteError):
    """An object with this key already exists; ``If-None-Match: *`` kept it intact.

    Args:
        key: The object key.
    """

    def __init__(self, key: str) -> None:
        super().__init__(key, code="PreconditionFailed", status=412)

    def _message(self) -> str:
        return (
            f"object {self.key!r} already exists in the archive and was not overwritten "
            "(If-None-Match refused the write)"
        )


class SigningKeyError(ArchiveError):
    """The Ed25519 key that signs manifests and digests is missing or unreadable.

    Args:
        detail: What is wrong and which variable to set; never the key material.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"signing key: {detail}")


class ManifestFormatError(ArchiveError):
    """A manifest, digest or public key object does not parse as its format says.

    Args:
        key: The object key.
        reason: What is wrong (field names, never payload text).
    """

    def __init__(self, key: str, *, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"archive object {key!r} is not a valid manifest or digest: {reason}")
