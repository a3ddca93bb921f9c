"""Copy the data objects manifests vouch for, as recorded, into a directory (reads the store).

A plain PUT adds a new version under a key even when Object Lock keeps the old one, so
the current version of a chained object may be an attacker's. Readers that answer from
the archive (query, export) therefore read the version each manifest recorded and check
its size and SHA-256 against the manifest before any row of it is used. The copy is a
directory mirroring the keys, which DuckDB then reads locally: one GET per object, and
the bytes hashed are the bytes queried.

A directory store has no versions: a package's ``archive/`` holds one file per key, the
version the exporter copied from here, and the same hash check decides whether it is the
recorded one.

- :func:`compare_listing` says, from a listing alone, what cannot be read (an object
  without a recorded version that is missing or resized) and what is only worth a
  warning (a recorded version's key hidden by a delete marker or holding a newer
  version of another size).
- :func:`copy_recorded` downloads, checks and writes.

Writes only into the target directory; never writes the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from auditstream.archive.fetch import ObjectFetcher
from auditstream.archive.findings import Finding, FindingKind
from auditstream.archive.manifest import ManifestObject

# Concurrent GETs: a few MiB each, so the store's latency, not the CPU, bounds one.
COPY_THREADS = 8


def compare_listing(
    selected: Sequence[ManifestObject], listed: Mapping[str, int]
) -> tuple[list[Finding], list[Finding]]:
    """Compare the objects about to be read with a listing of current versions.

    An object with a recorded version is read by that version, so its key's current
    state only earns a note. An object without one (a store that returns no version ids)
    is read as it is now, so a missing or resized one cannot be read.

    Args:
        selected: Manifest entries of the objects to read.
        listed: Size of every listed (current) data object, by key.

    Returns:
        ``(problems, notes)``: objects that cannot be read, and objects whose current
        version is not the recorded one as far as the listing shows.
    """
    problems, notes = [], []
    for obj in selected:
        size = listed.get(obj.key)
        if obj.version_id is None:
            if size is None:
                problems.append(Finding(FindingKind.OBJECT, obj.key, "object is missing"))
            elif size != obj.size:
                problems.append(
                    Finding(FindingKind.OBJECT, obj.key, f"size {size}, manifest says {obj.size}")
                )
        elif size is None:
            notes.append(
                Finding(
                    FindingKind.VERSION,
                    obj.key,
                    f"hidden by a delete marker; read version {obj.version_id}, as its "
                    "manifest recorded",
                )
            )
        elif size != obj.size:
            notes.append(
                Finding(
                    FindingKind.VERSION,
                    obj.key,
                    f"the current version is not the recorded one (size {size}, manifest "
                    f"says {obj.size}); read version {obj.version_id}, as its manifest recorded",
                )
            )
    return problems, notes


def copy_recorded(
    fetcher: ObjectFetcher,
    objects: Sequence[ManifestObject],
    target: Path,
    *,
    unchecked: Sequence[str] = (),
) -> list[Finding]:
    """Download each object's recorded version, check it, and write it under ``target``.

    Only objects that pass are written (to ``target / key``); the others are findings.

    Args:
        fetcher: Reads the archive's objects.
        objects: Manifest entries: each is read at its ``version_id`` (the current
            version when it has none) and must have its recorded size and SHA-256.
        target: The directory mirroring the keys.
        unchecked: Keys of objects no manifest vouches for, copied as they are now
            (crash orphans, for forensics); a missing one is a finding.

    Returns:
        One finding per object not written.

    Raises:
        ArchiveUnavailableError: The store did not answer.
        BucketUnreachableError: The store refused a read.
        OSError: The copy cannot be written.
    """

    def copy(obj: ManifestObject | str) -> Finding | None:
        key = obj if isinstance(obj, str) else obj.key
        version_id = None if isinstance(obj, str) else obj.version_id
        data = fetcher.fetch(key, download=True, lock_at=None, version_id=version_id).data
        finding = _check(obj, data)
        if finding is not None:
            return finding
        assert data is not None  # _check found it present
        path = target / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return None

    with ThreadPoolExecutor(COPY_THREADS, thread_name_prefix="copy") as pool:
        found = pool.map(copy, [*objects, *unchecked])
        return [f for f in found if f is not None]


def _check(obj: ManifestObject | str, data: bytes | None) -> Finding | None:
    if isinstance(obj, str):
        return None if data is not None else Finding(FindingKind.OBJECT, obj, "object is missing")
    version = f"version {obj.version_id}" if obj.version_id is not None else None
    if data is None:
        missing = f"{version} (recorded by its manifest) is missing" if version else None
        return Finding(FindingKind.OBJECT, obj.key, missing or "object is missing")
    where = f"{version}: " if version else ""
    if len(data) != obj.size:
        return Finding(
            FindingKind.OBJECT, obj.key, f"{where}size {len(data)}, manifest says {obj.size}"
        )
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != obj.sha256:
        return Finding(
            FindingKind.OBJECT, obj.key, f"{where}SHA-256 {sha256}, manifest says {obj.sha256}"
        )
    return None
