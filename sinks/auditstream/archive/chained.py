"""The archive's data objects as the manifest chains vouch for them (what queries count).

A crash between a data PUT and its manifest leaves an object no manifest references
(an orphan); a query that lists ``events/`` directly would count its records twice.
Readers that count events read the chains instead, and never write:

- :func:`read_trusted_objects` walks every chain from seq 0 and keeps the objects of the
  links that verify (signed by a trusted key, linked, positions continuous, named after
  their place); the first link that does not, a missing manifest or a deleted head stops
  the walk of that partition and is returned as a problem (a chain hidden whole by delete
  markers too), so a reader can refuse to answer, or answer and warn, but never silently
  count less or count forged rows.
- :mod:`~auditstream.archive.recorded` then reads the objects a reader opens, at the
  versions their manifests recorded, checked against their sizes and SHA-256.
- :func:`list_chained_objects` reads manifests only, without checks (tests, benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditstream.archive.chain import ChainHead, ChainReader
from auditstream.archive.checks import check_manifest
from auditstream.archive.errors import ManifestFormatError
from auditstream.archive.findings import Finding, FindingKind, PartitionReport
from auditstream.archive.manifest import (
    MANIFEST_ROOT,
    ManifestObject,
    manifest_key,
    parse_manifest_key,
)
from auditstream.archive.store import ObjectStore
from auditstream.archive.trust import (
    ROTATION_ROOT,
    Keyring,
    TrustSource,
    extend_by_rotations,
    parse_rotations,
)


def list_chained_objects(store: ObjectStore, *, prefix: str) -> dict[str, ManifestObject]:
    """Return every data object some manifest references, by key, in chain order.

    Args:
        store: The bucket, or a directory copy of it.
        prefix: ``S3Settings.prefix`` the archive was written with.

    Returns:
        The objects by key (partition by partition, sequence by sequence).

    Raises:
        ManifestFormatError: A manifest does not parse.
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    reader = ChainReader(store, prefix=prefix)
    found: dict[str, ManifestObject] = {}
    for partition in reader.partitions():
        for seq in reader.manifest_seqs(partition):
            link = reader.manifest(partition, seq)
            if link is not None:
                found.update((o.key, o) for o in link.manifest.objects)
    return found


@dataclass(slots=True)
class TrustedObjects:
    """The data objects that verified chain links vouch for, and what could not be trusted.

    Attributes:
        objects: The objects, by key, in chain order.
        problems: Why a partition's walk stopped early, one finding per partition.
        trust: Whether signatures were checked against a keyring or the archive's keys.
    """

    objects: dict[str, ManifestObject] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    trust: TrustSource = TrustSource.ARCHIVE


def read_trusted_objects(
    store: ObjectStore, *, prefix: str, keyring: Keyring | None
) -> TrustedObjects:
    """Walk every chain and return the objects of the links that verify.

    Object bytes are not read here (see :mod:`~auditstream.archive.recorded`).

    Args:
        store: The bucket, or a directory copy of it.
        prefix: ``S3Settings.prefix`` the archive was written with.
        keyring: The trusted signer keys (the rotation records they signed are followed);
            None trusts the keys published in the archive.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
    """
    reader = ChainReader(store, prefix=prefix)
    trusted = TrustedObjects(trust=TrustSource.ARCHIVE if keyring is None else TrustSource.KEYRING)
    if keyring is not None:
        rotations, _ = parse_rotations(reader.read_all(ROTATION_ROOT))
        keyring, _ = extend_by_rotations(keyring, rotations)
    # A chain hidden whole by delete markers is not listed as a partition by every store
    # (S3 lists no prefix that holds only delete markers): its markers name it.
    hidden = reader.versions(MANIFEST_ROOT).deleted
    named = (parse_manifest_key(key, prefix) for key in hidden)
    partitions = set(reader.partitions()) | {found[0] for found in named if found is not None}
    for partition in sorted(partitions):
        report = PartitionReport(partition)
        previous: ChainHead | None = None
        for expected, seq in enumerate(reader.manifest_seqs(partition)):
            key = manifest_key(prefix, partition, expected)
            link = None
            try:
                link = reader.manifest(partition, seq) if seq == expected else None
            except ManifestFormatError as exc:
                report.fail(FindingKind.FORMAT, key, exc.reason)
            if link is None and not report.findings:
                cause = " (deleted: a delete marker hides it)" if key in hidden else ""
                report.fail(FindingKind.LINKAGE, key, f"manifest seq {expected} is missing{cause}")
            if link is not None:
                check_manifest(reader, report, link, previous, key=key, keyring=keyring)
            if report.findings:
                break
            assert link is not None
            trusted.objects.update((o.key, o) for o in link.manifest.objects)
            previous = link
        following = manifest_key(prefix, partition, previous.seq + 1 if previous else 0)
        if not report.findings and following in hidden:
            report.fail(FindingKind.LINKAGE, following, "manifest deleted (delete marker)")
        if report.findings:
            first = report.findings[0]
            trusted.problems.append(
                Finding(
                    first.kind,
                    first.key,
                    f"{first.message}; partition {partition} is read only up to the link before it",
                )
            )
    return trusted
