"""Read manifest chains, digests and published keys from the bucket (no writes here).

The chain head of a partition is found without listing the whole chain: manifests
exist for every sequence number from 0 up to the head (each is written only after its
predecessor was read), so a galloping search with HEAD requests finds the head in
about 2·log2(n) requests, from a known sequence number when the caller has one.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from auditstream.archive.errors import (
    ArchiveUnavailableError,
    BucketUnreachableError,
    SigningKeyError,
)
from auditstream.archive.layout import normalize_prefix
from auditstream.archive.manifest import (
    MANIFEST_ROOT,
    Manifest,
    manifest_key,
    manifest_prefix,
    parse_manifest_key,
    public_key_key,
)
from auditstream.archive.signing import load_public_key
from auditstream.archive.storage import TRANSIENT_ERRORS, client_error_code, version_args

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import (
        ListObjectVersionsOutputTypeDef,
        ObjectLockRetentionOutputTypeDef,
    )

T = TypeVar("T")

# Reads sit on the resume path of a worker: a short hint keeps the partition moving
# as soon as the store answers again.
_RETRY_AFTER_S = 2.0
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    """One stored version of an object.

    Attributes:
        version_id: The store's version id.
        last_modified: When it was written, when the store says.
        latest: Whether it is the version readers get.
    """

    version_id: str
    last_modified: datetime | None
    latest: bool


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The newest manifest of a partition's chain.

    Attributes:
        manifest: The manifest.
        sha256: SHA-256 of its stored bytes (what the next manifest links to).
    """

    manifest: Manifest
    sha256: str

    @property
    def seq(self) -> int:
        """The head's sequence number."""
        return self.manifest.seq

    @property
    def position_after(self) -> int:
        """The consumer position the next batch starts from."""
        return self.manifest.position_after


class ChainReader:
    """Reads one archive prefix's manifests, keys and digests.

    Args:
        client: The S3 client.
        bucket: The archive bucket.
        prefix: ``S3Settings.prefix``.
    """

    __slots__ = ("_bucket", "_client", "_keys", "_prefix")

    def __init__(self, client: S3Client, *, bucket: str, prefix: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix
        self._keys: dict[str, Ed25519PublicKey] = {}

    @property
    def prefix(self) -> str:
        """The archive prefix."""
        return self._prefix

    def get(self, key: str, *, version_id: str | None = None) -> bytes | None:
        """Return an object's bytes, or None when it does not exist.

        Args:
            key: The object key.
            version_id: Read this version; None reads the current one.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the read.
        """

        def read() -> bytes:
            return self._client.get_object(
                Bucket=self._bucket, Key=key, **version_args(version_id)
            )["Body"].read()

        return self._call(key, read)

    def exists(self, key: str) -> bool:
        """Return whether an object exists.

        Args:
            key: The object key.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the request.
        """
        found = self._call(key, lambda: self._client.head_object(Bucket=self._bucket, Key=key))
        return found is not None

    def deleted(self, key: str) -> bool:
        """Return whether an object's current version is a delete marker.

        On a versioned bucket a DELETE without a version id hides an object (its locked
        versions stay) and HEAD answers 404, as for a key never written. A chain whose
        head was hidden this way must not be resumed from the manifest before it.

        Args:
            key: The object key.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        answer = self._call(
            key, lambda: self._client.list_object_versions(Bucket=self._bucket, Prefix=key)
        )
        if answer is None:
            return False
        markers = answer.get("DeleteMarkers", [])
        return any(m.get("Key") == key and m.get("IsLatest") for m in markers)

    def retention(
        self, key: str, *, version_id: str | None = None
    ) -> tuple[str | None, datetime | None, bool] | None:
        """Return an object's Object Lock mode, retain-until date and legal hold.

        Args:
            key: The object key.
            version_id: Ask about this version; None asks about the current one.

        Returns:
            ``(mode, retain_until, legal_hold)`` (None fields where the object has no
            retention), or None when the object does not exist.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the request.
        """
        head = self._call(
            key,
            lambda: self._client.head_object(
                Bucket=self._bucket, Key=key, **version_args(version_id)
            ),
        )
        if head is None:
            return None
        mode = head.get("ObjectLockMode")
        until = head.get("ObjectLockRetainUntilDate")
        if mode is None and version_id is not None:
            # versitygw leaves the lock fields out of a HEAD of any version but the
            # newest; GetObjectRetention answers for each version (S3 answers both).
            retention = self._version_retention(key, version_id)
            mode, until = retention.get("Mode"), retention.get("RetainUntilDate")
        return mode, until, head.get("ObjectLockLegalHoldStatus") == "ON"

    def _version_retention(self, key: str, version_id: str) -> ObjectLockRetentionOutputTypeDef:
        answer = self._call(
            key,
            lambda: self._client.get_object_retention(
                Bucket=self._bucket, Key=key, VersionId=version_id
            ),
        )
        # No answer (404 NoSuchObjectLockConfiguration): the version has no retention.
        return {} if answer is None else answer.get("Retention", {})

    def manifest(self, partition: int, seq: int) -> ChainHead | None:
        """Read one manifest and hash its bytes.

        Args:
            partition: The Kafka partition.
            seq: The sequence number.

        Returns:
            The manifest with its hash, or None when it does not exist.

        Raises:
            ManifestFormatError: The object is not a valid manifest.
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the read.
        """
        key = manifest_key(self._prefix, partition, seq)
        data = self.get(key)
        if data is None:
            return None
        return ChainHead(Manifest.from_bytes(data, key=key), hashlib.sha256(data).hexdigest())

    def head_seq(self, partition: int, *, known: int | None = None) -> int | None:
        """Return the sequence number of a partition's newest manifest.

        Args:
            partition: The Kafka partition.
            known: A sequence number known to exist (speeds the search up).

        Returns:
            The head's sequence number, or None for an empty chain.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused a request.
        """

        def exists(seq: int) -> bool:
            return self.exists(manifest_key(self._prefix, partition, seq))

        low = known if known is not None else 0
        if known is None and not exists(0):
            return None
        step = 1
        while exists(low + step):  # gallop: low exists, find a missing high
            low += step
            step *= 2
        high = low + step
        while high - low > 1:  # low exists, high is missing
            middle = (low + high) // 2
            if exists(middle):
                low = middle
            else:
                high = middle
        return low

    def head(self, partition: int, *, known: int | None = None) -> ChainHead | None:
        """Return a partition's chain head, or None when it has no manifest yet.

        Args:
            partition: The Kafka partition.
            known: A sequence number known to exist.

        Raises:
            ManifestFormatError: The head is not a valid manifest.
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused a request.
        """
        seq = self.head_seq(partition, known=known)
        return None if seq is None else self.manifest(partition, seq)

    def partitions(self) -> list[int]:
        """Return the partitions that have at least one manifest, sorted.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        root = normalize_prefix(self._prefix) + MANIFEST_ROOT
        found = []
        for entry in self._list(root, delimiter="/"):
            name = entry[len(root) :].rstrip("/")
            if name.startswith("p") and name[1:].isdigit():
                found.append(int(name[1:]))
        return sorted(found)

    def manifest_seqs(self, partition: int) -> list[int]:
        """Return every sequence number present in a partition's chain, sorted.

        Args:
            partition: The Kafka partition.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        seqs = []
        for key in self._list(manifest_prefix(self._prefix, partition)):
            parsed = parse_manifest_key(key, self._prefix)
            if parsed is not None and parsed[0] == partition:
                seqs.append(parsed[1])
        return sorted(seqs)

    def list_keys(self, under: str, *, after: str = "") -> list[str]:
        """Return every key below ``<prefix>/<under>``, sorted.

        Args:
            under: A path below the archive prefix, e.g. ``"digests/v1/"``.
            after: Only keys that sort after this full key (a listing's ``StartAfter``).

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        return sorted(self._list(normalize_prefix(self._prefix) + under, start_after=after))

    def read_all(self, under: str) -> list[tuple[str, bytes]]:
        """Return every object below ``<prefix>/<under>`` with its bytes, sorted by key.

        Args:
            under: A path below the archive prefix, e.g. ``"keys/rotations/"``.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused a read.
        """
        found = ((key, self.get(key)) for key in self.list_keys(under))
        return [(key, data) for key, data in found if data is not None]

    def versions(self, *roots: str) -> dict[str, list[ObjectVersion]]:
        """Return every stored version of the objects below the given roots, by key.

        Only the archive's own roots are listed: with an empty prefix the archive shares
        the bucket's root with whatever else the bucket holds. Delete markers are not
        versions here (:meth:`deleted` finds those). A store may repeat an entry at a
        page boundary; each version id counts once.

        Args:
            roots: Paths below the archive prefix, e.g. ``"manifests/v1/"``.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the listing.
        """
        found: dict[str, dict[str, ObjectVersion]] = {}
        for root in roots:
            prefix = normalize_prefix(self._prefix) + root

            def page(
                markers: tuple[str, str] | None, prefix: str = prefix
            ) -> ListObjectVersionsOutputTypeDef:
                if markers is None:
                    return self._client.list_object_versions(Bucket=self._bucket, Prefix=prefix)
                return self._client.list_object_versions(
                    Bucket=self._bucket,
                    Prefix=prefix,
                    KeyMarker=markers[0],
                    VersionIdMarker=markers[1],
                )

            markers = None
            while True:
                answer = self._call(prefix, functools.partial(page, markers))
                if answer is None:
                    break
                for entry in answer.get("Versions", []):
                    version = ObjectVersion(
                        str(entry.get("VersionId")),
                        entry.get("LastModified"),
                        bool(entry.get("IsLatest")),
                    )
                    found.setdefault(entry.get("Key", ""), {})[version.version_id] = version
                if not answer.get("IsTruncated"):
                    break
                markers = (answer.get("NextKeyMarker", ""), answer.get("NextVersionIdMarker", ""))
        return {key: list(by_id.values()) for key, by_id in found.items()}

    def public_key(self, key_id: str) -> Ed25519PublicKey:
        """Return a published public key (cached after the first read).

        Args:
            key_id: The key id a manifest or digest names.

        Raises:
            SigningKeyError: No key with that id is published, or it is not valid.
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused the read.
        """
        if key_id not in self._keys:
            key = public_key_key(self._prefix, key_id)
            data = self.get(key)
            if data is None:
                raise SigningKeyError(f"no public key {key_id} is published at {key!r}")
            self._keys[key_id] = load_public_key(data, key_id=key_id)
        return self._keys[key_id]

    def published_key_ids_read(self) -> list[str]:
        """Return the ids of the published keys read so far, sorted."""
        return sorted(self._keys)

    def _list(self, prefix: str, *, delimiter: str = "", start_after: str = "") -> Iterator[str]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix, Delimiter=delimiter, StartAfter=start_after
        )
        result: list[str] = []

        def collect() -> bool:
            for page in pages:
                result.extend(entry["Prefix"] for entry in page.get("CommonPrefixes", []))
                result.extend(entry["Key"] for entry in page.get("Contents", []))
            return True

        self._call(prefix, collect)
        return iter(result)

    def _call(self, key: str, request: Callable[[], T]) -> T | None:
        try:
            return request()
        except ClientError as exc:
            code, status = client_error_code(exc)
            if status == 404 or code in ("NoSuchKey", "NoSuchVersion", "NotFound", "404"):
                return None
            if code == "InvalidArgument" and _argument(exc) == "versionId":
                return None  # a version id the store never issued: no such version
            if status in _TRANSIENT_STATUSES or code in ("SlowDown", "RequestTimeout"):
                raise ArchiveUnavailableError(
                    _RETRY_AFTER_S, reason=f"{code} (HTTP {status})", key=key
                ) from exc
            raise BucketUnreachableError(
                self._bucket, reason=f"cannot read {key!r}: {code} (HTTP {status})"
            ) from exc
        except TRANSIENT_ERRORS as exc:
            raise ArchiveUnavailableError(
                _RETRY_AFTER_S, reason=type(exc).__name__, key=key
            ) from exc
        except BotoCoreError as exc:
            raise BucketUnreachableError(self._bucket, reason=type(exc).__name__) from exc


def _argument(exc: ClientError) -> str | None:
    """The request argument an S3 error names (``ArgumentName``), if any."""
    name = exc.response.get("Error", {}).get("ArgumentName")
    return name if isinstance(name, str) else None
