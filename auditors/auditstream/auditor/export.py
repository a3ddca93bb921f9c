"""``audit export``: an evidence package a third party can check without our systems.

Layout of the package directory::

    events.jsonl|csv|parquet   the selected events, as archived (redacted)
    archive/                   a copy of the bucket's keys under the archive prefix:
        events/v1/...            the data objects holding those events
        manifests/v1/...         every manifest of the chains they belong to
        digests/v1/...           every digest
        keys/...                 the signers' public keys
    package.json               what was selected, and which data objects are included
    exporter.pub               the exporter's public key (trusted only if the recipient's is)
    package.seal.json          every file above with its SHA-256, signed by the exporter's key
    verification.json          the offline verification of this package at export time

:func:`verify_package` checks a package offline: the seal is signed by a trusted key
and matches every file (:mod:`~auditstream.auditor.seal`), the chains verify (signatures, linkage,
positions, digests), every included object's SHA-256 and size match its manifest, every
object the package lists is present, and the events file holds exactly the rows the
package's selection gives on those objects, unchanged (:mod:`~auditstream.auditor.evidence`).
Reads the archive, never writes it.
"""

from __future__ import annotations

import enum
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from auditstream.archive import make_s3_client, verify_archive
from auditstream.archive.digest import DIGEST_ROOT
from auditstream.archive.errors import ArchiveError, SigningKeyError
from auditstream.archive.layout import normalize_prefix
from auditstream.archive.manifest import KEYS_ROOT, MANIFEST_ROOT
from auditstream.archive.reader import read_object
from auditstream.archive.signing import Signer
from auditstream.archive.store import DirectoryStore, ObjectStore, S3ObjectStore
from auditstream.archive.trust import Keyring, TrustSource
from auditstream.archive.verify import Finding, FindingKind, VerificationReport
from auditstream.auditor.errors import (
    ArchiveAccessError,
    AuditorError,
    IncompleteArchiveError,
    TrustedKeyError,
)
from auditstream.auditor.evidence import EVENTS_STEM, check_events_file, selection_sql
from auditstream.auditor.output import OutputFormat, writer_for
from auditstream.auditor.query import copy_selection, execute_sql, local_dataset, select_objects
from auditstream.auditor.seal import SEAL_FILE, check_seal, seal_package
from auditstream.auditor.settings import AuditorSection, AuditorSettings
from auditstream.auditor.verify import OFFLINE_BUCKET, object_scope, trusted_keyring

PACKAGE_FORMAT = "auditstream.evidence/v1"
PACKAGE_FILE = "package.json"

_INCOMPLETE_HINT = (
    "run `audit verify` for the whole report; an evidence package is written only from "
    "objects that verify, so nothing was exported"
)


class ExportFormat(enum.StrEnum):
    """The events file's format."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class ExportError(AuditorError):
    """The package cannot be written.

    Args:
        path: Where.
        reason: What went wrong.
    """

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write the evidence package at {path}: {reason}")


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote.

    Attributes:
        root: The package directory.
        events: Events exported.
        objects: Data objects copied.
        manifests: Manifests copied.
        verified: Whether the package verified offline after writing.
        notes: Objects copied at their recorded version although their key's current
            version is another one (see :class:`~auditstream.auditor.query.QueryResult`).
    """

    root: Path
    events: int
    objects: int
    manifests: int
    verified: bool
    notes: list[Finding]


def export_evidence(
    out: Path,
    *,
    settings: AuditorSettings,
    output_format: ExportFormat = ExportFormat.JSONL,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    trace_id: str | None = None,
) -> ExportSummary:
    """Select events and write them with everything needed to verify them offline.

    Steps: 1 copy the selected data objects, each at the version its manifest recorded
    and checked against it, and select the events from those copies; 2 copy the
    manifests, the digests and the public keys; 3 write the events and ``package.json``;
    4 verify the package offline and write ``verification.json``.

    Args:
        out: A new (or empty) directory.
        settings: Where the archive is.
        output_format: ``jsonl``, ``csv`` or ``parquet`` for the events file.
        tenant: Only this tenant's events.
        since: Only events at or after this time.
        until: Only events before this time.
        user: Only this user's events (the archived pseudonym).
        trace_id: Only this trace's events.

    Returns:
        What was written.

    Raises:
        ExportError: The directory is not empty or cannot be written.
        IncompleteArchiveError: Something the selection covers cannot be trusted (a
            link that does not verify, a recorded version missing or changed); nothing
            is exported.
        ArchiveAccessError: The archive cannot be read.
        QueryError: The selection failed.
    """
    if out.exists() and any(out.iterdir()):
        raise ExportError(out, "the directory is not empty")
    signer = exporter_signer(settings.auditor)
    s3 = settings.s3
    prefix = normalize_prefix(s3.prefix)
    store = S3ObjectStore(make_s3_client(s3), bucket=s3.bucket)
    archive = out / "archive"
    try:
        # 1. the data objects, each as its manifest recorded it, and the events in them
        selection = select_objects(settings, store=store, tenant=tenant, since=since, until=until)
        try:
            selection = copy_selection(
                selection, archive, settings=settings, store=store, hint=_INCOMPLETE_HINT
            )
        except IncompleteArchiveError:
            shutil.rmtree(archive, ignore_errors=True)  # no package from an archive that failed
            raise
        objects = selection.keys
        table = execute_sql(
            selection_sql(trace_id),
            local_dataset(archive, objects, prefix=prefix),
            since=since,
            until=until,
            user=user,
            threads=settings.auditor.duckdb_threads,
        )
        # 2. the archive pieces that vouch for them
        copied_manifests = 0
        for root in (MANIFEST_ROOT, DIGEST_ROOT, KEYS_ROOT):
            for listed in store.list_objects(prefix + root):
                _copy(store, listed.key, archive / listed.key)
                copied_manifests += root == MANIFEST_ROOT
        # 3. the events file and the package description
        _write_events(table, out / f"{EVENTS_STEM}.{output_format.value}", output_format)
        description = {
            "format": PACKAGE_FORMAT,
            "prefix": prefix,
            "events_file": f"{EVENTS_STEM}.{output_format.value}",
            "selection": {
                "tenant": tenant,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
                "user": user,
                "trace_id": trace_id,
            },
            "event_ids": table.column("event_id").to_pylist(),
            "objects": objects,
        }
        (out / PACKAGE_FILE).write_text(json.dumps(description, indent=2))
        # 4. seal every file, then verify what was written, as the recipient will
        sealed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        seal_package(out, signer, sealed_at=sealed_at)
        # The exporter trusts its own seal; a recipient needs its public key from it.
        own = Keyring.of(signer.public_key)
        configured = trusted_keyring(settings.trust)
        report = verify_package(out, keyring=own.union(configured) if configured else None)
        (out / "verification.json").write_text(report.to_json())
    except OSError as exc:
        raise ExportError(out, exc.strerror or str(exc)) from exc
    except ArchiveError as exc:
        raise ArchiveAccessError(s3.bucket, str(exc)) from exc
    return ExportSummary(
        out, table.num_rows, len(objects), copied_manifests, report.ok, selection.notes
    )


def verify_package(root: Path, *, keyring: Keyring | None = None) -> VerificationReport:
    """Verify an evidence package offline.

    Args:
        root: The package directory.
        keyring: The signer keys to trust; None trusts the package's own keys, and the
            report says so (whoever altered the package could have altered its keys).

    Returns:
        The report, with package-level failures (missing objects, events not found in
        the included objects) added to its findings.

    Raises:
        ArchiveAccessError: The directory is not a package (neither ``package.json`` nor
            a seal).
    """
    sealed = check_seal(root, keyring)
    description = _description(root)
    if description is None:
        if not is_package(root):
            raise ArchiveAccessError(str(root), "no package.json: not an evidence package")
        # Sealed, but its description is gone or mangled: nothing can be checked against
        # the selection, and the package must never pass as a plain archive copy.
        report = VerificationReport(
            bucket=OFFLINE_BUCKET,
            prefix="",
            trust=TrustSource.ARCHIVE if keyring is None else TrustSource.KEYRING,
            trusted_keys=keyring.key_ids() if keyring is not None else [],
        )
        report.findings = [
            *sealed,
            Finding(
                FindingKind.FORMAT,
                PACKAGE_FILE,
                "missing, or not a package description: the selection and the events file "
                "cannot be checked; ask the exporter for the package again",
            ),
        ]
        return report
    archive = root / "archive"
    listed: list[str] = description["objects"]
    report = verify_archive(
        DirectoryStore(archive, name=OFFLINE_BUCKET),
        prefix=description["prefix"],
        check_objects=lambda key: key in listed,
        check_retention=False,
        keyring=keyring,
    )
    report.findings[:0] = sealed
    chained = report.chained_objects()
    for key in listed:
        if key not in chained:
            report.findings.append(
                Finding(FindingKind.LINKAGE, key, "listed by the package but in no manifest")
            )
        if not (archive / key).is_file():
            report.findings.append(
                Finding(FindingKind.OBJECT, key, "listed by the package but missing")
            )
    selection = description["selection"]
    in_scope = object_scope(
        description["prefix"],
        tenant=selection.get("tenant"),
        since=_instant(selection.get("since")),
        until=_instant(selection.get("until")),
    )
    try:
        report.findings.extend(check_events_file(root, description, chained, in_scope))
    except AuditorError as exc:  # the SQL over the copy failed: its objects are unreadable
        report.findings.append(Finding(FindingKind.OBJECT, description["events_file"], str(exc)))
    # Orphans of the live bucket are not part of a package.
    report.orphans = [o for o in report.orphans if o in listed]
    report.pending = [o for o in report.pending if o in listed]
    return report


def is_package(root: Path) -> bool:
    """Whether a directory is an evidence package: it holds a description or a seal.

    A package whose ``package.json`` was removed is still one (its seal says so), and
    is verified as a package, never as a plain copy of an archive.

    Args:
        root: The directory.
    """
    return (root / PACKAGE_FILE).is_file() or (root / SEAL_FILE).is_file()


def _description(root: Path) -> dict[str, Any] | None:
    """``package.json`` with the fields verification reads, or None if it has not."""
    try:
        description = json.loads((root / PACKAGE_FILE).read_text())
    except (OSError, ValueError):
        return None
    expected = {"objects": list, "prefix": str, "selection": dict, "events_file": str}
    if not isinstance(description, dict) or any(
        not isinstance(description.get(name), kind) for name, kind in expected.items()
    ):
        return None
    if not all(isinstance(key, str) for key in description["objects"]):
        return None
    return description


def _copy(store: ObjectStore, key: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(read_object(store, key=key))


def exporter_signer(section: AuditorSection) -> Signer:
    """Return the key that seals evidence packages.

    Args:
        section: ``AUDITSTREAM_AUDITOR__*``.

    Raises:
        TrustedKeyError: No key is configured, or it cannot be read.
    """
    try:
        if section.export_key_file is not None:
            path = section.export_key_file
            source = f"AUDITSTREAM_AUDITOR__EXPORT_KEY_FILE={str(path)!r}"
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise TrustedKeyError(f"cannot read {source} ({exc.strerror})") from exc
            return Signer.from_bytes(data, source=source)
        if section.export_key is not None:
            secret = section.export_key.get_secret_value().encode()
            return Signer.from_bytes(secret, source="AUDITSTREAM_AUDITOR__EXPORT_KEY")
    except SigningKeyError as exc:
        raise TrustedKeyError(exc.detail) from exc
    raise TrustedKeyError(
        "no export key configured: an evidence package is sealed with the exporter's own "
        "Ed25519 key; set AUDITSTREAM_AUDITOR__EXPORT_KEY_FILE (any Ed25519 private key: "
        "PEM, 32 raw bytes, hex or base64) and give recipients its public key"
    )


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _write_events(table: pa.Table, path: Path, output_format: ExportFormat) -> None:
    if output_format is ExportFormat.PARQUET:
        pq.write_table(table, path, compression="zstd")
        return
    printed = OutputFormat.CSV if output_format is ExportFormat.CSV else OutputFormat.JSONL
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer_for(printed).write(table, handle)
