"""Verify an archive: signatures, chain linkage, positions, objects, retention, digests.

The auditor's ``audit verify`` is a thin front over :func:`verify_archive`; the sink's
tests call it too. It reads the archive and never writes. Every problem becomes a
:class:`Finding` in the report (the walk goes on, so one report lists them all); data
objects that no manifest references are listed as orphans, which are not failures:
a crash between a data PUT and its manifest leaves them, and they are never counted.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from auditstream.sink.archive.chain import ChainHead, ChainReader
from auditstream.sink.archive.digest import DIGEST_ROOT, Digest
from auditstream.sink.archive.manifest import Manifest, ManifestObject, manifest_key
from auditstream.sink.archive.reader import list_data_objects
from auditstream.sink.archive.signing import verify_signature
from auditstream.sink.errors import ManifestFormatError, SigningKeyError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


# Concurrent object checks: enough to hide the store's round-trip time on loopback and
# over a network, few enough not to be throttled by a store or exhaust boto3's pool (10).
OBJECT_CHECK_THREADS = 8


class FindingKind(enum.StrEnum):
    """What a verification failure is about."""

    FORMAT = "format"
    SIGNATURE = "signature"
    LINKAGE = "linkage"
    POSITION = "position"
    OBJECT = "object"
    RETENTION = "retention"
    DIGEST = "digest"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Finding:
    """One verification failure.

    Attributes:
        kind: What it is about.
        key: The object (manifest, data object or digest) it concerns.
        message: What was expected and what was found.
    """

    kind: FindingKind
    key: str
    message: str


@dataclass(slots=True)
class PartitionReport:
    """What verifying one partition's chain found.

    Attributes:
        partition: The Kafka partition.
        manifests: Manifests checked.
        head_seq: Sequence number of the newest manifest, None for an empty chain.
        head_sha256: SHA-256 of the head manifest.
        position_first: ``position_before`` of manifest 0.
        position_after: ``position_after`` of the head.
        records: Records in all chained objects.
        objects: Chained data objects, by key.
        unlocked: Manifests that say they were written to an unlocked dev bucket.
        findings: The failures.
    """

    partition: int
    manifests: int = 0
    head_seq: int | None = None
    head_sha256: str | None = None
    position_first: int | None = None
    position_after: int | None = None
    records: int = 0
    objects: dict[str, ManifestObject] = field(default_factory=dict)
    unlocked: int = 0
    findings: list[Finding] = field(default_factory=list)

    def fail(self, kind: FindingKind, key: str, message: str) -> None:
        """Record a failure.

        Args:
            kind: What it is about.
            key: The object it concerns.
            message: What was expected and found.
        """
        self.findings.append(Finding(kind, key, message))


@dataclass(slots=True)
class VerificationReport:
    """The result of :func:`verify_archive`.

    Attributes:
        bucket: The bucket.
        prefix: The archive prefix.
        partitions: One report per partition with manifests, by partition.
        digests: Digests checked.
        orphans: Data objects no manifest references (reported, not failures).
        findings: Failures outside a partition chain (digests).
    """

    bucket: str
    prefix: str
    partitions: list[PartitionReport] = field(default_factory=list)
    digests: int = 0
    orphans: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        """Every failure, chain by chain, then digests."""
        return [f for p in self.partitions for f in p.findings] + self.findings

    @property
    def ok(self) -> bool:
        """True when nothing failed (orphans are allowed)."""
        return not self.failures

    def chained_objects(self) -> dict[str, ManifestObject]:
        """Return every data object a manifest vouches for, by key (what queries count)."""
        return {k: o for p in self.partitions for k, o in p.objects.items()}


def verify_partition_chain(
    reader: ChainReader,
    partition: int,
    *,
    check_objects: bool | Callable[[str], bool] = True,
    check_retention: bool = True,
    trusted_key_ids: frozenset[str] | None = None,
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
        trusted_key_ids: Accept only these signer key ids; any published key when None.
        now: The time retention must outlast (the current time when None).

    Returns:
        The partition's report, and each manifest's SHA-256 by sequence number.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    report = PartitionReport(partition)
    hashes: dict[int, str] = {}
    moment = now or datetime.now(UTC)
    previous: ChainHead | None = None
    object_checks: list[tuple[ManifestObject, bool]] = []
    seqs = reader.manifest_seqs(partition)
    for expected, seq in enumerate(seqs):
        key = manifest_key(reader.prefix, partition, seq)
        if seq != expected:
            missing = manifest_key(reader.prefix, partition, expected)
            report.fail(FindingKind.LINKAGE, missing, f"manifest seq {expected} is missing")
            break
        try:
            link = reader.manifest(partition, seq)
        except ManifestFormatError as exc:
            report.fail(FindingKind.FORMAT, key, exc.reason)
            break
        if link is None:  # deleted between listing and reading
            report.fail(FindingKind.LINKAGE, key, "manifest listed but not readable")
            break
        hashes[seq] = link.sha256
        _check_manifest(reader, report, link, previous, key=key, trusted=trusted_key_ids)
        if check_retention:
            _check_retention(report, key, reader.retention(key), moment)
        for obj in link.manifest.objects:
            if obj.key in report.objects:
                report.fail(FindingKind.LINKAGE, obj.key, f"object listed again by seq {seq}")
            report.objects[obj.key] = obj
            download = check_objects is True or (callable(check_objects) and check_objects(obj.key))
            if download or check_retention:
                object_checks.append((obj, download))
        report.manifests += 1
        report.records += link.manifest.records
        report.unlocked += link.manifest.unlocked
        previous = link
    _check_objects(reader, report, object_checks, check_retention=check_retention, now=moment)
    if previous is not None:
        report.head_seq, report.head_sha256 = previous.seq, previous.sha256
        report.position_after = previous.position_after
        following = manifest_key(reader.prefix, partition, previous.seq + 1)
        if reader.deleted(following):
            report.fail(FindingKind.LINKAGE, following, "manifest deleted (delete marker)")
    return report, hashes


def verify_archive(
    client: S3Client,
    *,
    bucket: str,
    prefix: str,
    check_objects: bool | Callable[[str], bool] = True,
    check_retention: bool = True,
    trusted_key_ids: frozenset[str] | None = None,
    now: datetime | None = None,
) -> VerificationReport:
    """Verify every partition chain of an archive prefix, its digests, and find orphans.

    Args:
        client: The S3 client.
        bucket: The archive bucket.
        prefix: ``S3Settings.prefix`` the archive was written with.
        check_objects: Download every object and compare size and SHA-256; a predicate
            on the object key checks only the objects it accepts.
        check_retention: Check Object Lock retention of manifests and objects.
        trusted_key_ids: Accept only these signer key ids; any published key when None.
        now: The time retention must outlast (the current time when None).

    Returns:
        The report; ``report.ok`` is False when anything failed.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    reader = ChainReader(client, bucket=bucket, prefix=prefix)
    report = VerificationReport(bucket=bucket, prefix=prefix)
    hashes: dict[int, dict[int, str]] = {}
    for partition in reader.partitions():
        chain, hashes[partition] = verify_partition_chain(
            reader,
            partition,
            check_objects=check_objects,
            check_retention=check_retention,
            trusted_key_ids=trusted_key_ids,
            now=now,
        )
        report.partitions.append(chain)
    for key in reader.list_keys(DIGEST_ROOT):
        report.digests += 1
        _check_digest(reader, report, key, hashes, trusted_key_ids)
    chained = report.chained_objects()
    report.orphans = [
        o.key
        for o in list_data_objects(client, bucket=bucket, prefix=prefix)
        if o.key not in chained
    ]
    return report


def _check_manifest(
    reader: ChainReader,
    report: PartitionReport,
    link: ChainHead,
    previous: ChainHead | None,
    *,
    key: str,
    trusted: frozenset[str] | None,
) -> None:
    manifest = link.manifest
    if (manifest.partition, manifest.seq) != (report.partition, int(key[-25:-5])):
        report.fail(FindingKind.FORMAT, key, f"names p{manifest.partition} seq {manifest.seq}")
    _check_signature(reader, report, manifest, key=key, trusted=trusted)
    expected_prev = previous.sha256 if previous else None
    if manifest.prev_sha256 != expected_prev:
        report.fail(
            FindingKind.LINKAGE,
            key,
            f"prev_sha256 is {manifest.prev_sha256}, the previous manifest hashes to "
            f"{expected_prev}",
        )
    if previous is None:
        report.position_first = manifest.position_before
    elif manifest.position_before != previous.position_after:
        report.fail(
            FindingKind.POSITION,
            key,
            f"position_before {manifest.position_before} does not continue the previous "
            f"position_after {previous.position_after}",
        )
    if previous is not None and manifest.topic != previous.manifest.topic:
        report.fail(FindingKind.FORMAT, key, f"topic {manifest.topic!r} changes mid-chain")
    span = manifest.position_after - manifest.position_before
    counted = sum(o.records for o in manifest.objects)
    if span <= 0 or counted != manifest.records or counted > span:
        report.fail(
            FindingKind.POSITION,
            key,
            f"{counted} records in objects, {manifest.records} declared, positions "
            f"[{manifest.position_before}, {manifest.position_after})",
        )
    for obj in manifest.objects:
        inside = manifest.position_before <= obj.first_offset <= obj.last_offset
        if not inside or obj.last_offset >= manifest.position_after:
            report.fail(
                FindingKind.POSITION,
                obj.key,
                f"offsets {obj.first_offset}-{obj.last_offset} outside the manifest's positions",
            )


def _check_signature(
    reader: ChainReader,
    report: PartitionReport | VerificationReport,
    signed: Manifest | Digest,
    *,
    key: str,
    trusted: frozenset[str] | None,
) -> None:
    key_id = signed.signer_key_id
    findings = report.findings
    if trusted is not None and key_id not in trusted:
        findings.append(Finding(FindingKind.SIGNATURE, key, f"signer {key_id} is not trusted"))
        return
    try:
        public_key = reader.public_key(key_id)
    except SigningKeyError as exc:
        findings.append(Finding(FindingKind.SIGNATURE, key, exc.detail))
        return
    if not verify_signature(public_key, signed.signature, signed.signed_payload()):
        findings.append(
            Finding(FindingKind.SIGNATURE, key, f"signature by {key_id} does not verify")
        )


def _check_objects(
    reader: ChainReader,
    report: PartitionReport,
    checks: list[tuple[ManifestObject, bool]],
    *,
    check_retention: bool,
    now: datetime,
) -> None:
    """Check objects' bytes and retention, several requests at a time.

    Verification is bound by round trips to the store, not by hashing, so the GET (and
    the HEAD for retention: not every store returns Object Lock headers on GET, versitygw
    does not) of ``OBJECT_CHECK_THREADS`` objects run at once (boto3 clients are
    thread-safe). Findings are recorded in chain order.
    """

    def fetch(
        item: tuple[ManifestObject, bool],
    ) -> tuple[bytes | None, tuple[str | None, datetime | None, bool] | None]:
        obj, download = item
        data = reader.get(obj.key) if download else None
        return data, reader.retention(obj.key) if check_retention else None

    with ThreadPoolExecutor(OBJECT_CHECK_THREADS, thread_name_prefix="verify") as pool:
        for (obj, download), (data, retention) in zip(checks, pool.map(fetch, checks), strict=True):
            if download:
                _check_object(report, obj, data)
            if check_retention and (data is not None or not download):
                _check_retention(report, obj.key, retention, now)


def _check_object(report: PartitionReport, obj: ManifestObject, data: bytes | None) -> None:
    if data is None:
        report.fail(FindingKind.OBJECT, obj.key, "object is missing")
        return
    if len(data) != obj.size:
        report.fail(FindingKind.OBJECT, obj.key, f"size {len(data)}, manifest says {obj.size}")
    digest = hashlib.sha256(data).hexdigest()
    if digest != obj.sha256:
        report.fail(FindingKind.OBJECT, obj.key, f"SHA-256 {digest}, manifest says {obj.sha256}")


def _check_retention(
    report: PartitionReport,
    key: str,
    found: tuple[str | None, datetime | None, bool] | None,
    now: datetime,
) -> None:
    if found is None:
        return  # a missing object is reported by the object check
    mode, until, legal_hold = found
    if legal_hold:
        return
    if mode is None or until is None or until <= now:
        report.fail(
            FindingKind.RETENTION,
            key,
            f"no Object Lock retention in force (mode {mode}, retain until {until})",
        )


def _check_digest(
    reader: ChainReader,
    report: VerificationReport,
    key: str,
    hashes: dict[int, dict[int, str]],
    trusted: frozenset[str] | None,
) -> None:
    data = reader.get(key)
    if data is None:
        return
    try:
        digest = Digest.from_bytes(data, key=key)
    except ManifestFormatError as exc:
        report.findings.append(Finding(FindingKind.FORMAT, key, exc.reason))
        return
    _check_signature(reader, report, digest, key=key, trusted=trusted)
    for head in digest.heads:
        found = hashes.get(head.partition, {}).get(head.seq)
        if found is None:
            report.findings.append(
                Finding(
                    FindingKind.DIGEST,
                    key,
                    f"names manifest {head.seq} of partition {head.partition}, which is "
                    "missing: newer manifests were deleted or the chain was cut",
                )
            )
        elif found != head.sha256:
            report.findings.append(
                Finding(
                    FindingKind.DIGEST,
                    key,
                    f"manifest {head.seq} of partition {head.partition} hashes to {found}, "
                    f"the digest says {head.sha256}",
                )
            )
