"""``audit verify``'s library: check an archive (or a downloaded copy) and say what failed.

A thin layer over :func:`auditstream.archive.verify_archive`, which owns the checks
(signatures, chain linkage, consumer-position continuity, object SHA-256 and size,
Object Lock retention, digests against chain heads, orphans). This module chooses what
to check: the live bucket or an offline copy, which signer keys to trust (the configured
keyring; the archive's own only when none is configured, and the report then says so),
and which objects to download (all, or those of a tenant and time range). It never writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from auditstream.archive import make_s3_client, verify_archive
from auditstream.archive.direct import DirectReader
from auditstream.archive.errors import ArchiveError, SigningKeyError
from auditstream.archive.reader import key_selector
from auditstream.archive.signing import public_key_pem
from auditstream.archive.store import DirectoryStore, S3ObjectStore
from auditstream.archive.trust import Keyring, load_keyring
from auditstream.archive.verify import VerificationReport, VerifyProgress
from auditstream.auditor.errors import ArchiveAccessError, TrustedKeyError
from auditstream.auditor.settings import AuditorSettings
from auditstream.schemas.settings import TrustSettings

OFFLINE_BUCKET = "offline-copy"


def trusted_keyring(trust: TrustSettings, keys: Iterable[Path] = ()) -> Keyring | None:
    """Return the keys to trust: ``--key`` files plus the configured keyring.

    None when nothing is configured: verification then checks against the keys found
    in the archive, and says so.

    Args:
        trust: ``AUDITSTREAM_TRUST__*``.
        keys: Files given with ``--key`` (each one or more PEM public keys).

    Raises:
        TrustedKeyError: A keyring source cannot be read or holds no Ed25519 key.
    """
    files = [*keys, *([trust.keyring_file] if trust.keyring_file else [])]
    try:
        return load_keyring(files, text=trust.keys)
    except SigningKeyError as exc:
        raise TrustedKeyError(exc.detail) from exc


def with_key_files(settings: AuditorSettings, keys: Iterable[Path]) -> AuditorSettings:
    """Return settings whose trusted keys also hold those of these files (``--key``).

    ``audit query`` and ``audit export`` pass the result on, so every check they make
    (the chains they read, the package's own verification) trusts the same keys.

    Args:
        settings: The auditor's settings.
        keys: Files given with ``--key``, each one or more PEM public keys.

    Raises:
        TrustedKeyError: A file cannot be read or holds no Ed25519 public key.
    """
    files = list(keys)
    if not files:
        return settings
    try:
        added = load_keyring(files)
    except SigningKeyError as exc:
        raise TrustedKeyError(exc.detail) from exc
    pem = "".join(public_key_pem(k).decode() for k in (added.keys.values() if added else ()))
    configured = settings.trust.keys
    trust = settings.trust.model_copy(
        update={"keys": f"{configured}\n{pem}" if configured else pem}
    )
    return settings.model_copy(update={"trust": trust})


def object_scope(
    prefix: str, *, tenant: str | None, since: datetime | None, until: datetime | None
) -> Callable[[str], bool] | bool:
    """Return which data objects to download and hash: all (True), or a key predicate.

    Args:
        prefix: The archive prefix.
        tenant: Only this tenant's objects.
        since: Only objects of hours that end after this time.
        until: Only objects of hours that start before this time.
    """
    if tenant is None and since is None and until is None:
        return True
    return key_selector(prefix, tenant=tenant, since=since, until=until)


def verify_bucket(
    settings: AuditorSettings,
    *,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    keyring: Keyring | None = None,
    progress: Callable[[VerifyProgress], None] | None = None,
) -> VerificationReport:
    """Verify the live archive.

    Every chain is walked whole (a chain cannot be verified in part); the objects of the
    given tenant and time range are downloaded and hashed (all objects when none given).
    On a custom endpoint (MinIO, versitygw) objects are read with signed HTTP requests
    rather than boto3 calls, for less CPU per request
    (:class:`~auditstream.archive.direct.DirectReader`); every check is the same.

    Args:
        settings: Where the archive is.
        tenant: Only hash this tenant's objects.
        since: Only hash objects from this time.
        until: Only hash objects before this time.
        keyring: The signer keys to trust; None trusts the archive's own (and says so).
        progress: Called with the counts so far while it runs (a progress display).

    Raises:
        ArchiveAccessError: The archive cannot be read.
    """
    s3 = settings.s3
    try:
        return verify_archive(
            S3ObjectStore(make_s3_client(s3), bucket=s3.bucket),
            prefix=s3.prefix,
            check_objects=object_scope(s3.prefix, tenant=tenant, since=since, until=until),
            keyring=keyring,
            direct=DirectReader.for_settings(s3),
            progress=progress,
            digest_interval_s=settings.auditor.digest_interval_s,
        )
    except ArchiveError as exc:
        raise ArchiveAccessError(s3.bucket, str(exc)) from exc


def verify_copy(
    root: Path, *, prefix: str = "", keyring: Keyring | None = None
) -> VerificationReport:
    """Verify a downloaded copy of an archive with nothing but its files and public keys.

    Retention cannot be checked (a copy has no Object Lock); every other check runs.

    Args:
        root: The directory mirroring the bucket's keys.
        prefix: The archive prefix inside it.
        keyring: The signer keys to trust; None trusts the copy's own ``keys/`` and says
            so (whoever altered the copy could have altered its keys too).

    Raises:
        ArchiveAccessError: The directory does not exist.
    """
    if not root.is_dir():
        raise ArchiveAccessError(str(root), "not a directory")
    try:
        return verify_archive(
            DirectoryStore(root, name=OFFLINE_BUCKET),
            prefix=prefix,
            check_retention=False,
            keyring=keyring,
        )
    except ArchiveError as exc:
        raise ArchiveAccessError(str(root), str(exc)) from exc
