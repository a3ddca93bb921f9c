"""The checks verification applies to one manifest, signature, object, lock state or digest.

Each records failures as :class:`~auditstream.archive.findings.Finding` objects and
never raises for what it finds; :mod:`auditstream.archive.verify` walks the chains
and decides what to read. Reads published keys and digests; never writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from auditstream.archive.chain import ChainHead, ChainReader
from auditstream.archive.digest import DIGEST_ROOT, Digest
from auditstream.archive.errors import ManifestFormatError, SigningKeyError
from auditstream.archive.fetch import lock_in_force
from auditstream.archive.findings import (
    Finding,
    FindingKind,
    PartitionReport,
    VerificationReport,
)
from auditstream.archive.manifest import Manifest, ManifestObject
from auditstream.archive.signing import verify_signature
from auditstream.archive.store import LockState, ObjectVersion, VersionListing
from auditstream.archive.trust import Keyring


def check_manifest(
    reader: ChainReader,
    report: PartitionReport,
    link: ChainHead,
    previous: ChainHead | None,
    *,
    key: str,
    keyring: Keyring | None,
) -> None:
    """Check one manifest's name, signature, link to its predecessor and positions.

    Args:
        reader: Reads published keys.
        report: The chain's report, where failures are recorded.
        link: The manifest with the hash of its bytes.
        previous: The manifest before it; None for seq 0.
        key: Its object key.
        keyring: The trusted keys; None trusts the keys published in the archive.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    manifest = link.manifest
    if (manifest.partition, manifest.seq) != (report.partition, int(key[-25:-5])):
        report.fail(FindingKind.FORMAT, key, f"names p{manifest.partition} seq {manifest.seq}")
    check_signature(reader, report, manifest, key=key, keyring=keyring)
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
    # Offsets may be fewer than the span (transaction markers take offsets), never more.
    taken = counted + len(manifest.dead_letters)
    if span <= 0 or counted != manifest.records or taken > span:
        report.fail(
            FindingKind.POSITION,
            key,
            f"{counted} records in objects, {manifest.records} declared, "
            f"{len(manifest.dead_letters)} dead letters, positions "
            f"[{manifest.position_before}, {manifest.position_after})",
        )
    _check_dead_letters(report, manifest, key=key)
    for obj in manifest.objects:
        inside = manifest.position_before <= obj.first_offset <= obj.last_offset
        if not inside or obj.last_offset >= manifest.position_after:
            report.fail(
                FindingKind.POSITION,
                obj.key,
                f"offsets {obj.first_offset}-{obj.last_offset} outside the manifest's positions",
            )


def _check_dead_letters(report: PartitionReport, manifest: Manifest, *, key: str) -> None:
    """Dead letters lie inside the manifest's positions, once each, in offset order."""
    previous = manifest.position_before - 1
    for letter in manifest.dead_letters:
        if not previous < letter.offset < manifest.position_after:
            report.fail(
                FindingKind.POSITION,
                key,
                f"dead letter at offset {letter.offset} is out of order or outside the "
                "manifest's positions",
            )
        previous = max(previous, letter.offset)


def signer_key(reader: ChainReader, keyring: Keyring | None, key_id: str) -> Ed25519PublicKey:
    """Return the public key to check a signature by ``key_id`` against.

    With a keyring, only its keys: a key published under ``keys/`` is never trusted for
    being there. Without one, the key published in the archive.

    Args:
        reader: Reads published keys.
        keyring: The trusted keys, or None.
        key_id: The signer key id a manifest, digest or record names.

    Raises:
        SigningKeyError: The key is not trusted, not published, or not valid.
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    if keyring is None:
        return reader.public_key(key_id)
    trusted = keyring.keys.get(key_id)
    if trusted is None:
        raise SigningKeyError(
            f"signer {key_id} is not in the keyring (trusted: {', '.join(keyring.key_ids())}); "
            "a key found under keys/ is never trusted for being there"
        )
    return trusted


def check_signature(
    reader: ChainReader,
    report: PartitionReport | VerificationReport,
    signed: Manifest | Digest,
    *,
    key: str,
    keyring: Keyring | None,
) -> None:
    """Check that a manifest or digest is signed by a trusted key.

    Args:
        reader: Reads published keys.
        report: Where a failure is recorded.
        signed: The manifest or digest.
        key: Its object key.
        keyring: The trusted keys; None trusts the keys published in the archive.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    key_id = signed.signer_key_id
    findings = report.findings
    try:
        public_key = signer_key(reader, keyring, key_id)
    except SigningKeyError as exc:
        findings.append(Finding(FindingKind.SIGNATURE, key, exc.detail))
        return
    if not verify_signature(public_key, signed.signature, signed.signed_payload()):
        findings.append(
            Finding(FindingKind.SIGNATURE, key, f"signature by {key_id} does not verify")
        )


def check_object(
    findings: list[Finding], obj: ManifestObject, *, size: int | None, sha256: str | None
) -> None:
    """Check an object's size and SHA-256 as read against its manifest entry.

    Args:
        findings: Where a failure is recorded.
        obj: The manifest's entry.
        size: The size read; None when the object is missing.
        sha256: The SHA-256 of the bytes read.
    """
    if size is None:
        findings.append(Finding(FindingKind.OBJECT, obj.key, "object is missing"))
        return
    if size != obj.size:
        findings.append(
            Finding(FindingKind.OBJECT, obj.key, f"size {size}, manifest says {obj.size}")
        )
    if sha256 != obj.sha256:
        findings.append(
            Finding(FindingKind.OBJECT, obj.key, f"SHA-256 {sha256}, manifest says {obj.sha256}")
        )


def check_retention(
    findings: list[Finding], key: str, found: LockState | None, now: datetime
) -> None:
    """Check that an object's Object Lock retention (or legal hold) holds at ``now``.

    Args:
        findings: Where a failure is recorded.
        key: The object key.
        found: Its lock state; None when it is missing (the object check reports that).
        now: The moment retention must outlast.
    """
    if found is None:
        return  # a missing object is reported by the object check
    if not lock_in_force(found, now):
        mode, until, _ = found
        findings.append(
            Finding(
                FindingKind.RETENTION,
                key,
                f"no Object Lock retention in force (mode {mode}, retain until {until})",
            )
        )


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """A digest as read from the bucket.

    Attributes:
        key: Its object key.
        sha256: SHA-256 of its stored bytes.
        digest: The parsed digest.
    """

    key: str
    sha256: str
    digest: Digest


def check_digest(
    reader: ChainReader,
    report: VerificationReport,
    key: str,
    hashes: dict[int, dict[int, str]],
    keyring: Keyring | None,
) -> StoredDigest | None:
    """Check a digest's signature and that each chain head it names is in the chains.

    Args:
        reader: Reads the digest and published keys.
        report: Where failures are recorded.
        key: The digest's object key.
        hashes: Each walked manifest's SHA-256, by partition and sequence number.
        keyring: The trusted keys; None trusts the keys published in the archive.

    Returns:
        The digest as stored, for the chain check; None when it is gone or unreadable.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    data = reader.get(key)
    if data is None:
        return None
    try:
        digest = Digest.from_bytes(data, key=key)
    except ManifestFormatError as exc:
        report.findings.append(Finding(FindingKind.FORMAT, key, exc.reason))
        return None
    check_signature(reader, report, digest, key=key, keyring=keyring)
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
    return StoredDigest(key, hashlib.sha256(data).hexdigest(), digest)


# Slack on top of the digest interval before a missing digest is a finding. A running
# worker checks for a due digest on every loop; a flush of a full batch on a starved
# machine may hold it back for seconds. (During a store outage or a rebalance no
# manifest is written either, so those do not widen the gap.)
MIN_DIGEST_GRACE_S = 30.0


def check_digest_chain(
    report: VerificationReport,
    digests: list[StoredDigest],
    manifest_times: tuple[datetime, datetime] | None,
    *,
    interval_s: float,
    now: datetime,
) -> None:
    """Check that digests link into one chain and that none is missing or late.

    A sink writes a digest when it starts and then every interval while it runs, so
    manifests written more than the interval (plus grace) after the newest digest mean
    digests were deleted or stopped; with no digest at all, manifests spanning more
    than that, or written longer ago than that, mean the same.

    Args:
        report: Where failures are recorded.
        digests: Every digest, in key (time) order.
        manifest_times: When the oldest and the newest manifest were written; None
            without manifests.
        interval_s: The interval to expect when no digest records its own.
        now: The time of the verification.
    """
    previous: StoredDigest | None = None
    for stored in digests:
        link = stored.digest.previous
        if not stored.digest.legacy:
            expected = (previous.key, previous.sha256) if previous else None
            found = (link.key, link.sha256) if link else None
            if found != expected:
                report.findings.append(
                    Finding(FindingKind.DIGEST, stored.key, _link_problem(found, expected))
                )
        previous = stored
    if manifest_times is None:
        return
    oldest, newest = manifest_times
    recorded = [d.digest.interval_s for d in digests if d.digest.interval_s]
    interval = recorded[-1] if recorded else interval_s
    allowed = timedelta(seconds=interval + max(MIN_DIGEST_GRACE_S, interval))
    if not digests:
        if newest - oldest > allowed:
            report.findings.append(
                Finding(
                    FindingKind.DIGEST,
                    DIGEST_ROOT,
                    f"no digest, but manifests were written from {_iso(oldest)} to "
                    f"{_iso(newest)}: digests were deleted or never written",
                )
            )
        elif now - oldest > allowed:
            # A sink writes its first digest as it starts, before its first manifest.
            report.findings.append(
                Finding(
                    FindingKind.DIGEST,
                    DIGEST_ROOT,
                    f"no digest, but manifests were written since {_iso(oldest)}, more than "
                    f"the {interval:g} s interval ago: digests were deleted or never written",
                )
            )
        return
    last = digests[-1]
    written = parse_time(last.digest.written_at)
    if written is not None and newest - written > allowed:
        report.findings.append(
            Finding(
                FindingKind.DIGEST,
                last.key,
                f"is the newest digest ({_iso(written)}), but manifests were written until "
                f"{_iso(newest)}, more than the {interval:g} s interval later: newer digests "
                "were deleted or not written",
            )
        )


def _link_problem(found: tuple[str, str] | None, expected: tuple[str, str] | None) -> str:
    if found is None:
        return f"names no previous digest, but {expected[0] if expected else ''} comes before it"
    if expected is None:
        return f"names the previous digest {found[0]}, which is missing: digests were deleted"
    if found[0] != expected[0]:
        return (
            f"names the previous digest {found[0]}, but the digest before it is "
            f"{expected[0]}: a digest was deleted or inserted"
        )
    return f"names the previous digest {found[0]} with another hash: it was replaced"


def parse_time(text: str) -> datetime | None:
    """Return a manifest's or digest's ISO 8601 time, or None when it does not parse."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_versions(report: VerificationReport, versions: dict[str, list[ObjectVersion]]) -> None:
    """Every object of the archive is written once: a second version of any is a finding.

    On a versioned bucket a plain PUT adds a version even under COMPLIANCE retention and
    readers then get the new one; the old stays, so both are named.

    Args:
        report: Where failures are recorded.
        versions: Every stored version, by key (:meth:`ChainReader.versions`).
    """
    for key, stored in sorted(versions.items()):
        if len(stored) < 2:
            continue
        ordered = sorted(stored, key=lambda v: (v.last_modified is None, v.last_modified))
        described = ", ".join(
            f"{v.version_id} ({_iso(v.last_modified) if v.last_modified else 'time unknown'}"
            f"{', read now' if v.latest else ''})"
            for v in ordered
        )
        report.findings.append(
            Finding(
                FindingKind.VERSION,
                key,
                f"{len(stored)} versions, written once by the archive: {described}",
            )
        )


def check_hidden(report: VerificationReport, stored: VersionListing) -> None:
    """Nothing of the archive is ever deleted: a delete marker over any key is a finding.

    On a versioned bucket a DELETE without a version id needs no more than
    ``s3:DeleteObject`` and hides the key from every reader that does not ask for a
    version: a chained object seems lost, a manifest or digest gone, and a chain hidden
    whole is not even listed. The sink never deletes, so someone else did. A key that
    already has a finding about its delete marker (a deleted chain head) gets no second.

    Args:
        report: Where failures are recorded.
        stored: The archive's versions and delete markers (:meth:`ChainReader.versions`).
    """
    told = {f.key for f in report.failures if "delete marker" in f.message}
    for key in sorted(stored.deleted - told):
        kept = ", ".join(v.version_id for v in stored.versions.get(key, []))
        report.findings.append(
            Finding(
                FindingKind.VERSION,
                key,
                "hidden by a delete marker: the archive never deletes, so someone did "
                "(readers that ask for no version find it missing); "
                + (f"its versions {kept} are still stored" if kept else "no version is left"),
            )
        )
