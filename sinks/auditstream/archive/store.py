"""Where archive objects are read from: an S3 bucket, or a directory holding a copy of one.

Verification, queries and exports read the archive through :class:`ObjectStore`, the
few operations they use. :class:`S3ObjectStore` answers them from a bucket through
boto3; :class:`DirectoryStore` from a directory whose files mirror the object keys (an
offline copy, an evidence package's ``archive/``), so the same checks run on both.

Both answer "no such object" with None and turn every other failure into an
:class:`~auditstream.archive.errors.ArchiveError`, so no caller catches a botocore type
or an ``OSError``. Writes stay with :class:`~auditstream.archive.writer.ArchiveWriter`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from auditstream.archive.errors import (
    ArchiveUnavailableError,
    BucketUnreachableError,
    CopyUnreadableError,
)
from auditstream.archive.storage import TRANSIENT_ERRORS, client_error_code, version_args

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ListObjectVersionsOutputTypeDef

T = TypeVar("T")

LockState = tuple[str | None, datetime | None, bool]
"""``(mode, retain_until, legal_hold)`` of an object; None fields where it has none."""

NO_LOCK: LockState = (None, None, False)

LOCK_MODES = frozenset({"COMPLIANCE", "GOVERNANCE"})
"""The Object Lock modes that keep an object from being deleted or overwritten."""
# Reads sit on the resume path of a worker and in front of a person waiting: a short
# hint keeps both moving as soon as the store answers again.
_RETRY_AFTER_S = 2.0
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NotFound", "404"})


@dataclass(frozen=True, slots=True)
class StoredBytes:
    """An object's bytes as one read returned them.

    Attributes:
        data: The bytes.
        lock: The lock state the answer stated, when it stated one in force or a legal
            hold (S3 and MinIO send it with GET); None leaves the question to
            :meth:`ObjectStore.head`.
    """

    data: bytes
    lock: LockState | None = None


@dataclass(frozen=True, slots=True)
class ObjectHead:
    """What a HEAD says about an object.

    Attributes:
        size: Size in bytes.
        lock: Its Object Lock state (``NO_LOCK`` where it has none).
    """

    size: int
    lock: LockState


@dataclass(frozen=True, slots=True)
class ListedObject:
    """One current object of a listing.

    Attributes:
        key: The object key.
        size: Size in bytes.
    """

    key: str
    size: int


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


@dataclass(slots=True)
class VersionListing:
    """Every stored version below a prefix.

    Attributes:
        versions: The versions of each key (delete markers are not versions).
        deleted: Keys whose current version is a delete marker.
    """

    versions: dict[str, list[ObjectVersion]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)


class ObjectStore(Protocol):
    """The reads the archive's verification, queries and exports make.

    Every method answers a missing object with None (or leaves it out of a listing).

    Raises (every method):
        ArchiveUnavailableError: The store did not answer; it may later.
        BucketUnreachableError: The bucket refused the request.
        CopyUnreadableError: A file of a directory copy cannot be read.
    """

    @property
    def name(self) -> str:
        """What reports call the store: the bucket, or the name given to a copy."""
        ...

    def get(self, key: str, *, version_id: str | None = None) -> StoredBytes | None:
        """Return an object's bytes, or None when it (or that version) does not exist.

        Args:
            key: The object key.
            version_id: Read this version; None reads the current one.
        """
        ...

    def head(self, key: str, *, version_id: str | None = None) -> ObjectHead | None:
        """Return an object's size and lock state, or None when it does not exist.

        Args:
            key: The object key.
            version_id: Ask about this version; None asks about the current one.
        """
        ...

    def list_objects(self, prefix: str, *, start_after: str = "") -> Iterator[ListedObject]:
        """Yield the current objects whose keys start with ``prefix``, in key order.

        Lazily: a caller that stops early stops the listing.

        Args:
            prefix: The key prefix.
            start_after: Only keys that sort after this one.
        """
        ...

    def list_prefixes(self, prefix: str) -> Iterator[str]:
        """Yield each ``prefix + segment + "/"`` some key below ``prefix`` starts with.

        Args:
            prefix: The key prefix, ending with ``/`` (or empty).
        """
        ...

    def versions(self, prefix: str) -> VersionListing:
        """Return every stored version, and the delete-marked keys, below ``prefix``.

        Args:
            prefix: The key prefix.
        """
        ...


class S3ObjectStore:
    """An archive bucket read through a boto3 client (thread-safe, as the client is).

    Args:
        client: The S3 client (:func:`~auditstream.archive.storage.make_s3_client`).
        bucket: The archive bucket.
    """

    __slots__ = ("_bucket", "_client")

    def __init__(self, client: S3Client, *, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @property
    def name(self) -> str:
        """The bucket."""
        return self._bucket

    def get(self, key: str, *, version_id: str | None = None) -> StoredBytes | None:
        """See :meth:`ObjectStore.get`; the lock fields a GET carries are kept."""

        def read() -> StoredBytes:
            response = self._client.get_object(
                Bucket=self._bucket, Key=key, **version_args(version_id)
            )
            return StoredBytes(response["Body"].read(), _lock_from_response(response))

        return self._call(key, read)

    def head(self, key: str, *, version_id: str | None = None) -> ObjectHead | None:
        """See :meth:`ObjectStore.head`."""
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
            mode, until = self._version_retention(key, version_id)
        legal_hold = head.get("ObjectLockLegalHoldStatus") == "ON"
        return ObjectHead(int(head.get("ContentLength", 0)), (mode, until, legal_hold))

    def list_objects(self, prefix: str, *, start_after: str = "") -> Iterator[ListedObject]:
        """See :meth:`ObjectStore.list_objects`."""
        for page in self._pages(prefix, delimiter="", start_after=start_after):
            for entry in page.get("Contents", []):
                yield ListedObject(entry["Key"], entry["Size"])

    def list_prefixes(self, prefix: str) -> Iterator[str]:
        """See :meth:`ObjectStore.list_prefixes`."""
        for page in self._pages(prefix, delimiter="/", start_after=""):
            for entry in page.get("CommonPrefixes", []):
                if "Prefix" in entry:
                    yield entry["Prefix"]

    def versions(self, prefix: str) -> VersionListing:
        """See :meth:`ObjectStore.versions`.

        A store may repeat an entry at a page boundary; each version id counts once.
        """

        def page(markers: tuple[str, str] | None) -> ListObjectVersionsOutputTypeDef:
            if markers is None:
                return self._client.list_object_versions(Bucket=self._bucket, Prefix=prefix)
            return self._client.list_object_versions(
                Bucket=self._bucket, Prefix=prefix, KeyMarker=markers[0], VersionIdMarker=markers[1]
            )

        found: dict[str, dict[str, ObjectVersion]] = {}
        listing = VersionListing()
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
            listing.deleted.update(
                m.get("Key", "") for m in answer.get("DeleteMarkers", []) if m.get("IsLatest")
            )
            if not answer.get("IsTruncated"):
                break
            markers = (answer.get("NextKeyMarker", ""), answer.get("NextVersionIdMarker", ""))
        listing.versions = {key: list(by_id.values()) for key, by_id in found.items()}
        return listing

    def _version_retention(self, key: str, version_id: str) -> tuple[str | None, datetime | None]:
        answer = self._call(
            key,
            lambda: self._client.get_object_retention(
                Bucket=self._bucket, Key=key, VersionId=version_id
            ),
        )
        # No answer (404 NoSuchObjectLockConfiguration): the version has no retention.
        retention = {} if answer is None else answer.get("Retention", {})
        return retention.get("Mode"), retention.get("RetainUntilDate")

    def _pages(self, prefix: str, *, delimiter: str, start_after: str) -> Iterator[Any]:
        paginator = self._client.get_paginator("list_objects_v2")
        if delimiter:
            found = paginator.paginate(
                Bucket=self._bucket, Prefix=prefix, Delimiter=delimiter, StartAfter=start_after
            )
        else:
            found = paginator.paginate(Bucket=self._bucket, Prefix=prefix, StartAfter=start_after)
        pages = iter(found)
        while True:
            page = self._call(prefix, lambda: next(pages, None), listing=True)
            if page is None:
                return
            yield page

    def _call(self, key: str, request: Callable[[], T], *, listing: bool = False) -> T | None:
        try:
            return request()
        except ClientError as exc:
            code, status = client_error_code(exc)
            if code == "NoSuchBucket":
                raise BucketUnreachableError(
                    self._bucket, reason="the bucket does not exist"
                ) from exc
            if not listing and (status == 404 or code in _NOT_FOUND_CODES):
                return None
            if code == "InvalidArgument" and _argument(exc) == "versionId":
                return None  # a version id the store never issued: no such version
            if status in _TRANSIENT_STATUSES or code in ("SlowDown", "RequestTimeout"):
                raise ArchiveUnavailableError(
                    _RETRY_AFTER_S, reason=f"{code} (HTTP {status})", key=key
                ) from exc
            action = "list" if listing else "read"
            raise BucketUnreachableError(
                self._bucket, reason=f"cannot {action} {key!r}: {code} (HTTP {status})"
            ) from exc
        except TRANSIENT_ERRORS as exc:
            raise ArchiveUnavailableError(
                _RETRY_AFTER_S, reason=type(exc).__name__, key=key
            ) from exc
        except BotoCoreError as exc:
            raise BucketUnreachableError(self._bucket, reason=type(exc).__name__) from exc


class DirectoryStore:
    """A directory read as a bucket: file ``<root>/<key>`` is object ``key``.

    A copy has no Object Lock metadata (every lock is ``NO_LOCK``, so retention cannot
    be checked offline) and no versions: a version id, which manifests record for each
    object, is answered with the one file the key has, the version the exporter copied,
    which every reader then checks against the manifest's size and SHA-256. No listing
    of versions or delete markers is ever non-empty.

    Args:
        root: The directory the archive was downloaded or exported into.
        name: What reports call the copy.
    """

    __slots__ = ("_name", "_resolved", "_root")

    def __init__(self, root: Path, *, name: str) -> None:
        self._root = root
        self._resolved = root.resolve()
        self._name = name

    @property
    def name(self) -> str:
        """The name given to the copy."""
        return self._name

    def get(self, key: str, *, version_id: str | None = None) -> StoredBytes | None:
        """See :meth:`ObjectStore.get`; ``version_id`` reads the key's one file."""
        del version_id  # one file per key: the hash check decides whether it is that version
        path = self._path(key)
        if path is None:
            return None
        data = self._io(key, path.read_bytes)
        return None if data is None else StoredBytes(data)

    def head(self, key: str, *, version_id: str | None = None) -> ObjectHead | None:
        """See :meth:`ObjectStore.head`; a copy carries no lock."""
        del version_id
        path = self._path(key)
        if path is None:
            return None
        stat = self._io(key, path.stat)
        return None if stat is None else ObjectHead(stat.st_size, NO_LOCK)

    def list_objects(self, prefix: str, *, start_after: str = "") -> Iterator[ListedObject]:
        """See :meth:`ObjectStore.list_objects`."""
        for key, path in self._files(prefix):
            if key > start_after:
                stat = self._io(key, path.stat)
                if stat is not None:
                    yield ListedObject(key, stat.st_size)

    def list_prefixes(self, prefix: str) -> Iterator[str]:
        """See :meth:`ObjectStore.list_prefixes`."""
        seen: set[str] = set()
        for key, _ in self._files(prefix):
            rest = key[len(prefix) :]
            if "/" in rest:
                common = prefix + rest.split("/", 1)[0] + "/"
                if common not in seen:
                    seen.add(common)
                    yield common

    def versions(self, prefix: str) -> VersionListing:
        """See :meth:`ObjectStore.versions`: a copy has one version per key, unlisted."""
        del prefix
        return VersionListing()

    def _path(self, key: str) -> Path | None:
        path = (self._root / key).resolve()
        if self._resolved not in path.parents or not path.is_file():
            return None  # missing, or a key climbing out of the copy: never read
        return path

    def _files(self, prefix: str) -> list[tuple[str, Path]]:
        # Walk only the directory the prefix names, not the whole copy.
        base = self._root / prefix.rpartition("/")[0]
        try:
            paths = [p for p in base.rglob("*") if p.is_file()] if base.is_dir() else []
        except OSError as exc:
            raise CopyUnreadableError(self._root, prefix, reason=exc.strerror or str(exc)) from exc
        keyed = ((p.relative_to(self._root).as_posix(), p) for p in paths)
        return sorted((key, p) for key, p in keyed if key.startswith(prefix))

    def _io(self, key: str, action: Callable[[], T]) -> T | None:
        try:
            return action()
        except FileNotFoundError:
            return None  # removed meanwhile: missing, as on a bucket
        except OSError as exc:
            raise CopyUnreadableError(self._root, key, reason=exc.strerror or str(exc)) from exc


def _lock_from_response(response: Mapping[str, Any]) -> LockState | None:
    mode = response.get("ObjectLockMode")
    until = response.get("ObjectLockRetainUntilDate")
    legal_hold = response.get("ObjectLockLegalHoldStatus") == "ON"
    if not isinstance(until, datetime) or until.tzinfo is None:
        until = None
    if not legal_hold and (mode not in LOCK_MODES or until is None):
        return None
    return mode, until, legal_hold


def _argument(exc: ClientError) -> str | None:
    """The request argument an S3 error names (``ArgumentName``), if any."""
    name = exc.response.get("Error", {}).get("ArgumentName")
    return name if isinstance(name, str) else None
