"""Read an object's bytes and its Object Lock state for verification (reads only).

Verification needs, for every manifest and data object, its bytes and proof that its
retention is still in force. S3 and MinIO send ``x-amz-object-lock-mode`` and
``x-amz-object-lock-retain-until-date`` with a GET; versitygw v1.8.0 does not (its posix
backend fills the lock fields in HeadObject, never in GetObject), so there a HEAD follows.
Lock headers are used only when they show retention in force: when they are missing or
show none, the store's :meth:`~auditstream.archive.store.ObjectStore.head` decides, so
every retention finding still rests on the HEAD it always rested on, and a faster path
can only confirm what the store said.

Bytes are read by the :class:`~auditstream.archive.direct.DirectReader` when there is
one, then by the :class:`~auditstream.archive.store.ObjectStore`. The first answers only
when it reads cleanly; on anything else the store asks again, and owns what a failure
means (None for a missing object, a typed error for a refusal or an outage).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from auditstream.archive.direct import DirectReader
from auditstream.archive.store import LOCK_MODES, LockState, ObjectStore


def lock_in_force(lock: LockState, now: datetime) -> bool:
    """Return whether an object may not be deleted or overwritten at ``now``.

    Args:
        lock: The object's lock state.
        now: The moment retention must outlast.
    """
    mode, until, legal_hold = lock
    return legal_hold or (mode is not None and until is not None and until > now)


@dataclass(frozen=True, slots=True)
class Fetched:
    """What reading one object found.

    Attributes:
        data: The bytes; None when not asked for or when the object is missing.
        lock: The lock state; None when not asked for or when the object is missing.
    """

    data: bytes | None
    lock: LockState | None


class ObjectFetcher:
    """Reads objects of one archive for verification, with the fewest requests it can.

    Thread-safe when its store is (both stores are).

    Args:
        store: The bucket or a directory copy; its answers decide every unusual case.
        direct: Signed HTTP reads of the same bucket that skip boto3's per-request work.
    """

    __slots__ = ("_direct", "_store")

    def __init__(self, store: ObjectStore, *, direct: DirectReader | None = None) -> None:
        self._store = store
        self._direct = direct

    def fetch(
        self,
        key: str,
        *,
        download: bool,
        lock_at: datetime | None,
        version_id: str | None = None,
    ) -> Fetched:
        """Read an object's bytes, its lock state, or both.

        Args:
            key: The object key.
            download: Read the bytes.
            lock_at: Read the lock state, which must hold at this moment; None to skip it.
            version_id: Read this version (the one a manifest recorded); None reads the
                current one.

        Returns:
            What was found. When the bytes were asked for and the object is missing,
            nothing else is read.

        Raises:
            ArchiveUnavailableError: The store did not answer.
            BucketUnreachableError: The store refused a read.
        """
        data: bytes | None = None
        lock: LockState | None = None
        if download:
            found = self._get(key, version_id)
            if found is None:
                return Fetched(None, None)
            data, lock = found
        if lock_at is None:
            return Fetched(data, None)
        if lock is None or not lock_in_force(lock, lock_at):
            lock = self._head_lock(key, lock_at, version_id)
        return Fetched(data, lock)

    def _get(self, key: str, version_id: str | None) -> tuple[bytes, LockState | None] | None:
        if self._direct is not None:
            answer = self._direct.get(key, version_id=version_id)
            if answer is not None:
                return answer[0], lock_from_headers(answer[1])
        found = self._store.get(key, version_id=version_id)
        return None if found is None else (found.data, found.lock)

    def _head_lock(self, key: str, now: datetime, version_id: str | None) -> LockState | None:
        if self._direct is not None:
            headers = self._direct.head(key, version_id=version_id)
            lock = lock_from_headers(headers) if headers is not None else None
            if lock is not None and lock_in_force(lock, now):
                return lock
        head = self._store.head(key, version_id=version_id)
        return None if head is None else head.lock


def lock_from_headers(headers: Mapping[str, str]) -> LockState | None:
    """Return the lock state an S3 response's headers state, or None if they state none.

    A mode other than COMPLIANCE or GOVERNANCE, or a retain-until date that does not
    parse as an aware ISO 8601 instant, counts as not stated (the HEAD then decides).

    Args:
        headers: Response headers, looked up case-insensitively by the caller's mapping.
    """
    mode = headers.get("x-amz-object-lock-mode")
    until = _instant(headers.get("x-amz-object-lock-retain-until-date"))
    legal_hold = headers.get("x-amz-object-lock-legal-hold") == "ON"
    if not legal_hold and (mode not in LOCK_MODES or until is None):
        return None
    return mode, until, legal_hold


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
