"""Verify an archive: signatures, chain linkage, positions, objects, retention, digests.

The auditor's ``audit verify`` is a thin front over :func:`verify_archive`; the sink's
tests call it too. It reads the archive and never writes. Every problem becomes a
:class:`Finding` in the report (the walk goes on, so one report lists them all). Data
objects that no manifest references are sorted by :func:`classify_unchained`: orphans
(a crash or a lost fence left them; later manifests cover their positions) and pending
flushes (past the chain head) are listed and never counted; an object no manifest can
explain is a finding.
This module walks the chains and schedules the reads (:mod:`~auditstream.archive.fetch`);
the checks themselves are in :mod:`~auditstream.archive.checks`.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pyarrow as pa

from auditstream.archive.chain import ChainHead, ChainReader
from auditstream.archive.checks import (
    check_digest,
    check_digest_chain,
    check_hidden,
    check_manifest,
    check_object,
    check_retention,
    check_versions,
    parse_time,
)
from auditstream.archive.digest import DIGEST_ROOT
from auditstream.archive.direct import DirectReader
from auditstream.archive.errors import ManifestFormatError
from auditstream.archive.fetch import Fetched, ObjectFetcher
from auditstream.archive.findings import (
    Finding,
    FindingKind,
    PartitionReport,
    VerificationReport,
)
from auditstream.archive.layout import DATA_ROOT, normalize_prefix
from auditstream.archive.manifest import (
    KEYS_ROOT,
    MANIFEST_ROOT,
    Manifest,
    ManifestObject,
    manifest_key,
)
from auditstream.archive.reader import ArchivedObject, decode_parquet, list_data_objects
from auditstream.archive.store import LockState, ObjectStore
from auditstream.archive.trust import (
    ROTATION_ROOT,
    Keyring,
    TrustSource,
    extend_by_rotations,
    parse_rotations,
)

T = TypeVar("T")

__all__ = [
    "OBJECT_CHECK_THREADS",
    "Finding",
    "FindingKind",
    "PartitionReport",
    "VerificationReport",
    "VerifyProgress",
    "resolve_trust",
    "verify_archive",
    "verify_partition_chain",
]

# Concurrent reads: enough to hide the store's round trip on loopback and over a network,
# few enough not to be throttled by a store or exhaust a connection pool (10 connections).
# On the 2-core benchmark machine 4, 6 and 8 measured alike: there the reads are bound by
# Python CPU under the GIL; more threads pay off where round trips are longer.
OBJECT_CHECK_THREADS = 8
# Object reads queued ahead of the one whose result is checked next. A finished read holds
# a size, a hash and a lock state, never the bytes (the reading thread hashes them), so
# this bounds futures, not memory: enough that no thread waits for the walk.
_READS_AHEAD = 4 * OBJECT_CHECK_THREADS
# Manifests read ahead of the one being checked (a manifest is a few KiB).
_MANIFESTS_AHEAD = OBJECT_CHECK_THREADS
DEFAULT_DIGEST_INTERVAL_S = 900.0
"""The sink's default ``AUDITSTREAM_SINK__DIGEST_INTERVAL_S``."""
# Progress callbacks at most this often: a terminal redraw per object would cost more
# than the object's check on a fast store.
_PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class VerifyProgress:
    """How far a verification has come; reported while it runs, for a progress display.

    Attributes:
        manifests: Manifests checked so far.
        manifests_total: Manifests listed in the chains walked so far (grows as each
            partition's walk starts).
        objects: Data objects whose checks are done.
        bytes: Bytes of those objects that were downloaded and hashed.
    """

    manifests: int
    manifests_total: int
    objects: int
    bytes: int


def verify_partition_chain(
    reader: ChainReader,
    partition: int,
    *,
    check_objects: bool | Callable[[str], bool] = True,
    check_retention: bool = True,
    keyring: Keyring | None = None,
    now: datetime | None = None,
) -> tuple[PartitionReport, dict[int, str]]:
    """Walk one partition's chain from seq 0 to its head and check every link.

    Checks: each manifest parses and is signed by a published (and, when given,
    trusted) key; ``prev_sha256`` names the previous manifest's bytes; positions
    continue without gap or overlap and every object's offsets lie inside its
    manifest's positions; each object exists with the recorded size and SHA-256;
    manifests and objects are under Object Lock retention that has not expired.

    Args:
        reader: Reads the archive prefix.
        partition: The Kafka partition.
        check_objects: Download every object and compare size and SHA-256; a predicate
            on the object key checks only the objects it accepts.
        check_retention: Check Object Lock retention of manifests and objects.
        keyring: The signer keys to trust (from outside the archive) and the rotations
            they signed; None trusts the keys published in the archive, which the report
            says (``report.trust``).
        now: The time retention must outlast (the current time when None).

    Returns:
        The partition's report, and each manifest's SHA-256 by sequence number.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    options = _Options(check_objects, check_retention, keyring, now or datetime.now(UTC))
    with _Run(reader, ObjectFetcher(reader.store), options) as run:
        walk = run.walk(partition)
        run.drain()
    _finish(reader, walk)
    return walk.report, walk.hashes


def verify_archive(
    store: ObjectStore,
    *,
    prefix: str,
    check_objects: bool | Callable[[str], bool] = True,
    check_retention: bool = True,
    keyring: Keyring | None = None,
    now: datetime | None = None,
    direct: DirectReader | None = None,
    progress: Callable[[VerifyProgress], None] | None = None,
    digest_interval_s: float = DEFAULT_DIGEST_INTERVAL_S,
) -> VerificationReport:
    """Verify every partition chain of an archive prefix, its digests, and find orphans.

    Manifests and objects are read several at a time; each object is hashed by the
    thread that read it, and results are checked in chain order.

    Args:
        store: The bucket (:class:`~auditstream.archive.store.S3ObjectStore`) or a
            directory copy of it (:class:`~auditstream.archive.store.DirectoryStore`,
            with ``check_retention=False``: a copy has no Object Lock).
        prefix: ``S3Settings.prefix`` the archive was written with.
        check_objects: Download every object and compare size and SHA-256; a predicate
            on the object key checks only the objects it accepts.
        check_retention: Check Object Lock retention of manifests and objects.
        keyring: The signer keys to trust (from outside the archive) and the rotations
            they signed; None trusts the keys published in the archive, which the report
            says (``report.trust``).
        now: The time retention must outlast (the current time when None).
        direct: Reads manifests and objects of the store's bucket with less CPU per
            request than boto3 (:meth:`DirectReader.for_settings`); None reads through
            ``store``. Either way every check runs on every object.
        progress: Called with the counts so far, at most every 0.1 s and once at the
            end, on the calling thread.
        digest_interval_s: The sinks' digest interval, for an archive whose digests do
            not record theirs (none at all, or only version 1).

    Returns:
        The report; ``report.ok`` is False when anything failed.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    reader = ChainReader(store, prefix=prefix)
    fetcher = ObjectFetcher(store, direct=direct)
    report = VerificationReport(bucket=store.name, prefix=prefix)
    keyring = resolve_trust(reader, keyring, report)
    options = _Options(check_objects, check_retention, keyring, now or datetime.now(UTC))
    with _Run(reader, fetcher, options, progress) as run:
        # Orphans are the listed data objects no manifest names; listing while the chains
        # are walked keeps the threads busy (a sink running meanwhile makes orphans of its
        # unfinished flushes either way: they are reported, never failures).
        listing = run.submit(list_data_objects, store, prefix=prefix)
        walks = [run.walk(partition) for partition in reader.partitions()]
        run.drain()
        run.report_progress(final=True)
        listed = listing.result()
    hashes: dict[int, dict[int, str]] = {}
    for walk in walks:
        _finish(reader, walk)
        report.partitions.append(walk.report)
        hashes[walk.report.partition] = walk.hashes
    digests = []
    for key in reader.list_keys(DIGEST_ROOT):
        report.digests += 1
        stored = check_digest(reader, report, key, hashes, keyring)
        if stored is not None:
            digests.append(stored)
    times = [t for walk in walks for t in walk.written]
    check_digest_chain(
        report,
        digests,
        (min(times), max(times)) if times else None,
        interval_s=digest_interval_s,
        now=options.now,
    )
    versions = reader.versions(MANIFEST_ROOT, DIGEST_ROOT, KEYS_ROOT, DATA_ROOT)
    check_versions(report, versions.versions)
    check_hidden(report, versions)
    if not report.partitions and not versions.deleted:
        report.findings.append(
            Finding(
                FindingKind.LINKAGE,
                f"{normalize_prefix(prefix)}{MANIFEST_ROOT}",
                "no manifest chain: nothing was verified. An empty archive, or the wrong "
                "bucket, prefix (--prefix, AUDITSTREAM_S3__PREFIX) or directory",
            )
        )
    chained = report.chained_objects()
    classify_unchained(reader, report, [o for o in listed if o.key not in chained])
    if keyring is None:
        report.trusted_keys = reader.published_key_ids_read()
    return report


def resolve_trust(
    reader: ChainReader, keyring: Keyring | None, report: VerificationReport
) -> Keyring | None:
    """Extend a keyring by the rotation records it signed; record the rest as findings.

    Args:
        reader: Reads the rotation records.
        keyring: The keys trusted from outside the archive; None trusts published keys.
        report: Gets the trust source, the trusted key ids and a finding per rotation
            record that was not followed.

    Returns:
        The keyring to check signatures against (None: the published keys).

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    if keyring is None:
        report.trust = TrustSource.ARCHIVE
        return None
    records, broken = parse_rotations(reader.read_all(ROTATION_ROOT))
    extended, untrusted = extend_by_rotations(keyring, records)
    report.findings.extend(Finding(FindingKind.FORMAT, r.key, r.reason) for r in broken)
    report.findings.extend(Finding(FindingKind.SIGNATURE, r.key, r.reason) for r in untrusted)
    report.trust = TrustSource.KEYRING
    report.trusted_keys = extended.key_ids()
    return extended


def classify_unchained(
    reader: ChainReader, report: VerificationReport, unchained: list[ArchivedObject]
) -> None:
    """Sort data objects no manifest names into orphans, pending flushes and findings.

    A crash between a data PUT and its manifest, or a lost fence, leaves an *orphan*: a
    later manifest of the same partition covers its positions, and its rows are the
    archived rows of those positions (the same records, encoded again). An object at or
    past its partition's chain head, or of a partition without a chain yet, is a flush
    not chained yet: *pending*. Anything else no manifest can explain: an object whose
    rows differ from the archived rows of its positions (planted, or altered), or
    whose positions lie before its chain's first. Those are findings.

    Args:
        reader: Reads the orphans and the chained objects they overlap.
        report: The report, with every partition's chain walked.
        unchained: The listed data objects no manifest names.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    chains = {p.partition: p for p in report.partitions}
    for obj in unchained:
        fields = obj.fields
        chain = chains.get(fields.partition)
        first, after = (chain.position_first, chain.position_after) if chain else (None, None)
        if chain is None or first is None or after is None or fields.last_offset >= after:
            report.pending.append(obj.key)
            continue
        problem = None
        if fields.first_offset < first:
            problem = (
                f"offsets {fields.first_offset}-{fields.last_offset} lie before its chain's "
                "first position"
            )
        else:
            problem = _rows_differ(reader, chain, obj)
        if problem is None:
            report.orphans.append(obj.key)
        else:
            report.findings.append(
                Finding(FindingKind.OBJECT, obj.key, f"no manifest can explain it: {problem}")
            )


def _rows_differ(reader: ChainReader, chain: PartitionReport, obj: ArchivedObject) -> str | None:
    """Why an object's rows are not the archived rows of its positions, or None if they are."""
    first, last = obj.fields.first_offset, obj.fields.last_offset
    rows = _rows(reader, obj.key)
    archived: dict[object, object] = {}
    for chained in chain.objects.values():
        if chained.last_offset >= first and chained.first_offset <= last:
            archived.update((r.get("event_id"), r) for r in _rows(reader, chained.key) or [])
    if not rows or any(archived.get(row.get("event_id")) != row for row in rows):
        return f"its rows are not the archived rows of offsets {first}-{last}"
    return None


def _rows(reader: ChainReader, key: str) -> list[dict[str, object]] | None:
    data = reader.get(key)
    if data is None:
        return None
    try:
        rows: list[dict[str, object]] = decode_parquet(data).to_pylist()
    except (pa.ArrowException, OSError):
        return None
    return rows


@dataclass(frozen=True, slots=True)
class _Options:
    check_objects: bool | Callable[[str], bool]
    check_retention: bool
    keyring: Keyring | None
    now: datetime

    def download(self, key: str) -> bool:
        check = self.check_objects
        return check is True or (callable(check) and check(key))


@dataclass(slots=True)
class _Walk:
    """One partition's chain as walked: the report, and findings about its objects."""

    report: PartitionReport
    hashes: dict[int, str] = field(default_factory=dict)
    written: list[datetime] = field(default_factory=list)
    head: ChainHead | None = None
    object_findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _ObjectRead:
    """What reading one data object found: size and SHA-256 (None: missing), lock state."""

    size: int | None
    sha256: str | None
    lock: LockState | None


class _Run:
    """One verification's thread pool and the object reads queued on it, oldest first.

    Verification is bound by requests, not by hashing: manifests are read
    ``_MANIFESTS_AHEAD`` ahead of the one being checked, and every object a checked
    manifest lists is queued at once, so the threads never wait for the walk. Findings
    are still recorded in chain order: object results are applied in queue order.
    """

    def __init__(
        self,
        reader: ChainReader,
        fetcher: ObjectFetcher,
        options: _Options,
        progress: Callable[[VerifyProgress], None] | None = None,
    ) -> None:
        self._reader = reader
        self._fetcher = fetcher
        self._options = options
        self._progress = progress
        self._counts = [0, 0, 0, 0]  # manifests, manifests listed, objects, bytes
        self._reported_at = 0.0
        self._lock_at = options.now if options.check_retention else None
        self._pool = ThreadPoolExecutor(OBJECT_CHECK_THREADS, thread_name_prefix="verify")
        self._queued: deque[tuple[_Walk, ManifestObject, bool, Future[_ObjectRead]]] = deque()

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def walk(self, partition: int) -> _Walk:
        """Check a partition's manifests in order and queue its objects' reads."""
        walk = _Walk(PartitionReport(partition))
        seqs = self._reader.manifest_seqs(partition)
        self._counts[1] += len(seqs)
        keys = [manifest_key(self._reader.prefix, partition, seq) for seq in seqs]
        ahead = deque(self._read_manifest(key) for key in keys[:_MANIFESTS_AHEAD])
        try:
            for expected, seq in enumerate(seqs):
                fetched = ahead.popleft()
                if expected + _MANIFESTS_AHEAD < len(keys):
                    ahead.append(self._read_manifest(keys[expected + _MANIFESTS_AHEAD]))
                if seq != expected:
                    missing = manifest_key(self._reader.prefix, partition, expected)
                    walk.report.fail(
                        FindingKind.LINKAGE, missing, f"manifest seq {expected} is missing"
                    )
                    break
                if not self._check_link(walk, keys[expected], seq, fetched.result()):
                    break
        finally:
            for future in ahead:
                future.cancel()
        if walk.head is not None:
            walk.report.head_seq, walk.report.head_sha256 = walk.head.seq, walk.head.sha256
            walk.report.position_after = walk.head.position_after
        return walk

    def submit(self, task: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Run a task on the run's threads."""
        return self._pool.submit(task, *args, **kwargs)

    def drain(self) -> None:
        """Wait for every queued object read and record what it found."""
        while self._queued:
            self._apply_oldest()

    def report_progress(self, *, final: bool = False) -> None:
        """Pass the counts to the progress callback, if one is due (always when final)."""
        if self._progress is None:
            return
        now = time.monotonic()
        if final or now - self._reported_at >= _PROGRESS_INTERVAL_S:
            self._reported_at = now
            self._progress(VerifyProgress(*self._counts))

    def _read_manifest(self, key: str) -> Future[Fetched]:
        return self._pool.submit(self._fetcher.fetch, key, download=True, lock_at=self._lock_at)

    def _check_link(self, walk: _Walk, key: str, seq: int, fetched: Fetched) -> bool:
        """Check one manifest and queue its objects; False when the walk cannot go on."""
        report = walk.report
        if fetched.data is None:  # deleted between listing and reading
            report.fail(FindingKind.LINKAGE, key, "manifest listed but not readable")
            return False
        try:
            manifest = Manifest.from_bytes(fetched.data, key=key)
        except ManifestFormatError as exc:
            report.fail(FindingKind.FORMAT, key, exc.reason)
            return False
        link = ChainHead(manifest, hashlib.sha256(fetched.data).hexdigest())
        walk.hashes[seq] = link.sha256
        written = parse_time(manifest.written_at)
        if written is not None:
            walk.written.append(written)
        check_manifest(
            self._reader, report, link, walk.head, key=key, keyring=self._options.keyring
        )
        if self._options.check_retention:
            check_retention(report.findings, key, fetched.lock, self._options.now)
        for obj in manifest.objects:
            if obj.key in report.objects:
                report.fail(FindingKind.LINKAGE, obj.key, f"object listed again by seq {seq}")
            report.objects[obj.key] = obj
            download = self._options.download(obj.key)
            if download or self._options.check_retention:
                self._queue(walk, obj, download)
        report.manifests += 1
        report.records += manifest.records
        report.dead_letters.extend(manifest.dead_letters)
        report.unlocked += manifest.unlocked
        walk.head = link
        self._counts[0] += 1
        self.report_progress()
        return True

    def _queue(self, walk: _Walk, obj: ManifestObject, download: bool) -> None:
        future = self._pool.submit(self._read_object, obj.key, obj.version_id, download)
        self._queued.append((walk, obj, download, future))
        if len(self._queued) > _READS_AHEAD:
            self._apply_oldest()

    def _read_object(self, key: str, version_id: str | None, download: bool) -> _ObjectRead:
        """Read (and hash, off the main thread) one object; runs in the pool."""
        fetched = self._fetcher.fetch(
            key, download=download, lock_at=self._lock_at, version_id=version_id
        )
        if fetched.data is None:
            return _ObjectRead(None, None, fetched.lock)
        return _ObjectRead(
            len(fetched.data), hashlib.sha256(fetched.data).hexdigest(), fetched.lock
        )

    def _apply_oldest(self) -> None:
        walk, obj, download, future = self._queued.popleft()
        read = future.result()
        findings = walk.object_findings
        if download:
            check_object(findings, obj, size=read.size, sha256=read.sha256)
        if self._options.check_retention and (read.size is not None or not download):
            check_retention(findings, obj.key, read.lock, self._options.now)
        self._counts[2] += 1
        self._counts[3] += read.size if download and read.size is not None else 0
        self.report_progress()


def _finish(reader: ChainReader, walk: _Walk) -> None:
    """Record a walked chain's object findings, then check that no newer head was hidden."""
    report = walk.report
    report.findings.extend(walk.object_findings)
    if walk.head is not None:
        following = manifest_key(reader.prefix, report.partition, walk.head.seq + 1)
        if reader.deleted(following):
            report.fail(FindingKind.LINKAGE, following, "manifest deleted (delete marker)")
