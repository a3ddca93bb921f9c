"""Write-once puts of archive objects, and the Parquet encoding of their bytes.

Every object is put with ``If-None-Match: *`` (never overwrite), a SHA-256 checksum the
store verifies, and Object Lock retention. This module writes; it never deletes and
never changes retention.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import BotoCoreError, ClientError

from auditstream.archive.errors import (
    ArchiveEncodeError,
    ArchiveUnavailableError,
    ArchiveWriteError,
    ObjectExistsError,
)
from auditstream.archive.storage import TRANSIENT_ERRORS, BucketLock, client_error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

UNLOCKED_METADATA = {"auditstream-unlocked": "true"}
"""User metadata (``x-amz-meta-auditstream-unlocked``) on objects of a dev bucket without
Object Lock, so nobody mistakes them for retained evidence."""

# First wait after a store outage; the sink backs off from here. Long enough that a
# restarting MinIO is back, short enough that batches do not pile up for long.
DEFAULT_RETRY_AFTER_S = 5.0

# S3 answers these when it is overloaded or failing; the same request may succeed later.
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
# 409 ConditionalRequestConflict: a concurrent conditional write to the same key is in
# flight; retrying tells whether ours or theirs won (412 then).
_TRANSIENT_CODES = frozenset({"SlowDown", "RequestTimeout", "ConditionalRequestConflict"})


def encode_parquet(table: pa.Table) -> bytes:
    """Encode a table as one Parquet file with zstd compression.

    The same table gives the same bytes with the same pyarrow version, which lets a
    retried flush recognize its own earlier object by checksum.

    Args:
        table: Rows of :func:`~auditstream.archive.arrow_schema.event_schema`.

    Returns:
        The file's bytes.

    Raises:
        ArchiveEncodeError: The table breaks the schema (e.g. null in a required field).
    """
    buffer = io.BytesIO()
    try:
        pq.write_table(table, buffer, compression="zstd")
    except pa.ArrowException as exc:
        raise ArchiveEncodeError(records=table.num_rows, reason=type(exc).__name__) from exc
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object that is in the archive.

    Attributes:
        key: The object key.
        size: Size in bytes.
        sha256: SHA-256 of the bytes, lowercase hex.
        version_id: The store's version id, when it reports one.
        retain_until: End of the Object Lock retention; None on an unlocked dev bucket.
        created: False when an identical object was already there (a retried flush).
    """

    key: str
    size: int
    sha256: str
    version_id: str | None
    retain_until: datetime | None
    created: bool


class ArchiveWriter:
    """Puts objects into the archive bucket, write-once.

    Args:
        client: The S3 client.
        bucket: The archive bucket (already checked with
            :func:`~auditstream.archive.storage.check_bucket`).
        lock: What the bucket check found; ``UNLOCKED_DEV`` omits retention and marks
            objects with :data:`UNLOCKED_METADATA`.
        retention_mode: Object Lock mode for every object.
        retry_after_s: The delay an :class:`ArchiveUnavailableError` suggests.
        legal_hold: Also put every object under an Object Lock legal hold, which keeps
            it past its retention until someone with ``s3:PutObjectLegalHold`` lifts it.
    """

    __slots__ = ("_bucket", "_client", "_legal_hold", "_lock", "_mode", "_retry_after_s")

    def __init__(
        self,
        client: S3Client,
        *,
        bucket: str,
        lock: BucketLock,
        retention_mode: Literal["COMPLIANCE", "GOVERNANCE"] = "COMPLIANCE",
        retry_after_s: float = DEFAULT_RETRY_AFTER_S,
        legal_hold: bool = False,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._lock = lock
        self._mode: Literal["COMPLIANCE", "GOVERNANCE"] = retention_mode
        self._retry_after_s = retry_after_s
        self._legal_hold = legal_hold

    @property
    def bucket(self) -> str:
        """The archive bucket."""
        return self._bucket

    @property
    def client(self) -> S3Client:
        """The S3 client (for reads of the same bucket)."""
        return self._client

    @property
    def locked(self) -> bool:
        """Whether objects get Object Lock retention (False on an unlocked dev bucket)."""
        return self._lock is BucketLock.LOCKED

    def put(self, key: str, data: bytes, *, retain_until: datetime) -> StoredObject:
        """Put one object, refusing to overwrite.

        Args:
            key: The object key.
            data: The object's bytes.
            retain_until: Aware datetime until which Object Lock keeps the object.

        Returns:
            The stored object.

        Raises:
            ObjectExistsError: The key exists already (412 on ``If-None-Match: *``).
            ArchiveUnavailableError: The store is unreachable or overloaded.
            ArchiveWriteError: The store refused the write for another reason.
        """
        digest = hashlib.sha256(data).digest()
        locked = self._lock is BucketLock.LOCKED
        try:
            # The lock fields and the dev marker differ by bucket; everything else is the
            # same write-once, checksummed PUT.
            extra: dict[str, Any] = (
                {"ObjectLockMode": self._mode, "ObjectLockRetainUntilDate": retain_until}
                if locked
                else {"Metadata": UNLOCKED_METADATA}
            )
            if locked and self._legal_hold:
                extra["ObjectLockLegalHoldStatus"] = "ON"
            answer = self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=base64.b64encode(digest).decode(),
                IfNoneMatch="*",
                **extra,
            )
        except ClientError as exc:
            raise self._translate(key, exc) from exc
        except TRANSIENT_ERRORS as exc:
            raise ArchiveUnavailableError(
                self._retry_after_s, reason=type(exc).__name__, key=key
            ) from exc
        except BotoCoreError as exc:
            raise ArchiveWriteError(key, code=type(exc).__name__, status=None) from exc
        return StoredObject(
            key=key,
            size=len(data),
            sha256=digest.hex(),
            version_id=answer.get("VersionId"),
            retain_until=retain_until if locked else None,
            created=True,
        )

    def put_idempotent(self, key: str, data: bytes, *, retain_until: datetime) -> StoredObject:
        """Put one object, or confirm that the very same bytes are already under the key.

        A flush retried after a partial failure writes the same keys with the same bytes
        again; those count as done. Different bytes under the key are a conflict.

        Args:
            key: The object key.
            data: The object's bytes.
            retain_until: Aware datetime until which Object Lock keeps the object.

        Returns:
            The stored object; ``created`` is False when it was already there.

        Raises:
            ObjectExistsError: The key holds different bytes (or its checksum is unknown).
            ArchiveUnavailableError: The store is unreachable or overloaded.
            ArchiveWriteError: The store refused the write for another reason.
        """
        try:
            return self.put(key, data, retain_until=retain_until)
        except ObjectExistsError:
            digest = hashlib.sha256(data).hexdigest()
            stored_sha256, version_id = self.stored_version(key)
            if stored_sha256 != digest:
                raise
            return StoredObject(
                key=key,
                size=len(data),
                sha256=digest,
                version_id=version_id,
                retain_until=None,
                created=False,
            )

    def stored_version(self, key: str) -> tuple[str | None, str | None]:
        """Return the SHA-256 (hex) and version id of an object's current version.

        Args:
            key: The object key.

        Returns:
            ``(sha256, version_id)``; either is None when the store keeps none for the
            object, both when it is missing.

        Raises:
            ArchiveUnavailableError: The store is unreachable or overloaded.
            ArchiveWriteError: The store refused the request.
        """
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if client_error_code(exc)[1] == 404:
                return None, None
            raise self._translate(key, exc) from exc
        except TRANSIENT_ERRORS as exc:
            raise ArchiveUnavailableError(
                self._retry_after_s, reason=type(exc).__name__, key=key
            ) from exc
        version_id = head.get("VersionId")
        encoded = head.get("ChecksumSHA256")
        if not encoded or "-" in encoded:
            # "-N" marks a checksum of part checksums (multipart); not a whole-object hash.
            return None, version_id
        return base64.b64decode(encoded).hex(), version_id

    def _translate(self, key: str, exc: ClientError) -> Exception:
        code, status = client_error_code(exc)
        if status == 412 or code == "PreconditionFailed":
            return ObjectExistsError(key)
        if status in _TRANSIENT_STATUSES or code in _TRANSIENT_CODES:
            return ArchiveUnavailableError(
                self._retry_after_s, reason=f"{code} (HTTP {status})", key=key
            )
        return ArchiveWriteError(key, code=code, status=status)
