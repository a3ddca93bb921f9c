"""Errors of the sink stage and of the archive it writes.

Every class derives from :class:`SinkError`, itself an
:class:`~auditstream.schemas.errors.AuditstreamError`::

    AuditstreamError
    └── SinkError
        ├── SinkConfigError            settings are invalid (names the variable)
        ├── BucketError
        │   ├── BucketNotLockedError   the bucket has no Object Lock (or no versioning)
        │   └── BucketUnreachableError the bucket cannot be reached, found or read
        ├── ArchiveEncodeError         events do not fit the archive's Arrow schema
        ├── ArchiveUnavailableError    a transient storage outage; retry after a delay
        │   └── DeadLetterQueueUnavailableError  the DLQ topic did not take a flush's dead letters
        ├── ArchiveWriteError          the store refused a write for good
        │   └── ObjectExistsError      If-None-Match refused: the key is already taken
        ├── ConsumerError              Kafka reported a fatal consumer error
        ├── SigningKeyError            the manifest signing key is missing or unreadable
        ├── ManifestFormatError        a manifest or digest is not valid JSON of its format
        ├── ManifestChainError         a partition's chain does not link where it must
        └── FencedError                another worker wrote this chain sequence number first

The archive subpackage (:mod:`auditstream.sink.archive`) raises the bucket and archive
errors; the auditor reads the archive through the same code and sees the same classes.
Messages never contain payload text: keys, offsets, sizes and codes only.
"""

from __future__ import annotations

from auditstream.schemas.errors import AuditstreamError


class SinkError(AuditstreamError):
    """Base class of the sink's errors and of the archive's errors."""


class SinkConfigError(SinkError):
    """The sink's settings are invalid.

    Args:
        detail: Which variable is wrong, what it holds (masked if secret) and what is allowed.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"invalid sink settings: {detail}")


class BucketError(SinkError):
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


class ArchiveEncodeError(SinkError):
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


class ArchiveUnavailableError(SinkError):
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


class DeadLetterQueueUnavailableError(ArchiveUnavailableError):
    """The DLQ topic did not confirm every dead letter of a flush.

    A flush cannot be chained before its dead letters are durable, so the sink treats
    this as it treats a storage outage: the partition pauses, nothing is committed, and
    the whole flush is retried after ``retry_after_s`` (objects already stored are found
    by checksum; dead letters already delivered may be sent a second time, with the same
    source headers).

    Args:
        retry_after_s: Seconds to wait before the next attempt.
        topic: The DLQ topic.
        reason: librdkafka's error name, or how many letters were still unconfirmed.
    """

    def __init__(self, retry_after_s: float, *, topic: str, reason: str) -> None:
        self.retry_after_s = retry_after_s
        self.reason = f"DLQ topic {topic!r}: {reason}"
        self.key = None
        self.topic = topic
        SinkError.__init__(
            self,
            f"the DLQ topic {topic!r} did not confirm a flush's dead letters ({reason}); "
            f"check the brokers and the sink's write access to the topic; retrying in "
            f"{retry_after_s:g} s",
        )


class ArchiveWriteError(SinkError):
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


class ConsumerError(SinkError):
    """Kafka reported a fatal error to the sink's consumer.

    Args:
        code: librdkafka's error name.
        reason: librdkafka's description.
    """

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"fatal Kafka consumer error {code}: {reason}")


class SigningKeyError(SinkError):
    """The Ed25519 key that signs manifests and digests is missing or unreadable.

    Args:
        detail: What is wrong and which variable to set; never the key material.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"signing key: {detail}")


class ManifestFormatError(SinkError):
    """A manifest, digest or public key object does not parse as its format says.

    Args:
        key: The object key.
        reason: What is wrong (field names, never payload text).
    """

    def __init__(self, key: str, *, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"archive object {key!r} is not a valid manifest or digest: {reason}")


class ManifestChainError(SinkError):
    """A partition's manifest chain does not continue where the sink expects it to.

    The sink stops rather than write a manifest that would not link: the archive is the
    source of truth, and a chain that does not link is evidence of tampering or of a
    second archive writing under the same prefix. Run ``audit verify`` on the prefix.

    Args:
        partition: The Kafka partition of the chain.
        seq: The sequence number where the chain breaks.
        expected_hash: What the chain says should be there (SHA-256 hex, or a position).
        found_hash: What was found instead.
    """

    def __init__(self, partition: int, seq: int, *, expected_hash: str, found_hash: str) -> None:
        self.partition = partition
        self.seq = seq
        self.expected_hash = expected_hash
        self.found_hash = found_hash
        super().__init__(
            f"manifest chain of partition {partition} breaks at seq {seq}: expected "
            f"{expected_hash}, found {found_hash}; nothing more was written for this partition, "
            "run `audit verify` on the archive prefix"
        )


class FencedError(SinkError):
    """Another worker wrote the manifest with this sequence number first.

    The manifest key is the fence: after a rebalance two workers may flush the same
    partition, and ``If-None-Match: *`` lets only one manifest per sequence number
    exist. The loser drops its batch (its data objects become orphans that verification
    reports) and continues after the winner's chain head.

    Args:
        partition: The Kafka partition.
        seq: The sequence number that was already taken.
    """

    def __init__(self, partition: int, seq: int) -> None:
        self.partition = partition
        self.seq = seq
        super().__init__(
            f"manifest {seq} of partition {partition} was written by another worker first; "
            "this worker drops its batch and resumes after the new chain head"
        )
