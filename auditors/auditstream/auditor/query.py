"""SQL over the archive: DuckDB in memory, over verified local copies of the archived objects.

DuckDB's own httpfs extension is never used (it downloads itself at run time, and the
auditor must work offline). The objects are chosen from the manifest chains that verify
against the trusted keys, pruned by tenant and time
(:func:`~auditstream.archive.reader.key_selector`), and each is downloaded at the version
its manifest recorded into a temporary directory, where its size and SHA-256 are checked
(:mod:`~auditstream.archive.recorded`): a newer version put over a chained object, which
Object Lock allows, is never read. The copies are opened as one ``pyarrow.dataset`` with
Hive partition columns ``tenant``, ``dt``, ``hour`` (strings) and registered in DuckDB,
where the view ``events`` also filters rows to the exact time range. The connection may
not touch other local files or load extensions: it reads the archive and nothing else,
and never writes it. The temporary copy needs disk for the objects a query selects, and
is removed when the query ends. This library logs nothing: callers (the CLI, the demo,
tests) get rows, counts, problems and notes back and decide what to print.

The ``tenant`` column is the decoded ``tenant=`` path segment: events without a tenant
and a tenant literally named ``_unknown`` both read ``_unknown`` there; ``actor.tenant_id``
tells them apart (null vs the name).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from auditstream.archive.arrow_schema import event_schema
from auditstream.archive.chained import read_trusted_objects
from auditstream.archive.direct import DirectReader
from auditstream.archive.errors import ArchiveError
from auditstream.archive.fetch import ObjectFetcher
from auditstream.archive.findings import Finding
from auditstream.archive.layout import data_root
from auditstream.archive.manifest import ManifestObject
from auditstream.archive.reader import ArchivedObject, key_selector, list_data_objects
from auditstream.archive.recorded import compare_listing, copy_recorded
from auditstream.archive.storage import make_s3_client
from auditstream.archive.store import ObjectStore, S3ObjectStore
from auditstream.auditor.errors import ArchiveAccessError, IncompleteArchiveError, QueryError
from auditstream.auditor.settings import AuditorSettings
from auditstream.auditor.timerange import check_range
from auditstream.auditor.verify import trusted_keyring
from auditstream.schemas import EventType

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

EVENTS_VIEW = "events"
"""The name SQL uses for the archived events."""

PARTITION_SCHEMA = pa.schema([("tenant", pa.string()), ("dt", pa.string()), ("hour", pa.string())])
"""Hive partition columns every row gets, from its object's key (tenant id decoded)."""

_SOURCE = "archive_objects"
# Offline and read-only: no extension downloads or loads, no local file access.
_DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "enable_external_access": False,
}


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The rows a query returned and how much of the archive it looked at.

    Attributes:
        table: The result rows.
        objects: Data objects that matched the tenant and time pruning and were read.
        bytes: Their total size.
        problems: What could not be trusted and was not read (only with
            ``allow_incomplete``; otherwise the query raises instead).
        notes: Objects read at their recorded version although the key's current
            version is another one (a delete marker or a newer version): the rows are
            the archived ones, but someone wrote to the key since; ``audit verify``
            names both versions.
        anchored: Whether signatures were checked against a configured keyring.
    """

    table: pa.Table
    objects: int
    bytes: int
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    anchored: bool = True


def run_query(
    sql: str,
    *,
    settings: AuditorSettings,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    event_type: str | None = None,
) -> pa.Table:
    """Run SQL over the archived events (the view ``events``) and return the rows.

    Only data objects that a manifest of the chain references are read.

    Args:
        sql: DuckDB SQL; the table is ``events``, with every AuditEvent field as a column
            (structs such as ``actor.tenant_id``) plus ``tenant``, ``dt``, ``hour``.
        settings: The auditor's settings (which bucket, which prefix, credentials).
        tenant: Only events of this tenant id.
        since: Aware datetime; only events at or after it.
        until: Aware datetime; only events before it.
        user: Only events of this user, as archived (the pseudonym, e.g. ``<USER_ID:...>``).
        event_type: Only events of this type (an :class:`EventType` name).

    Returns:
        The result as an Arrow table (empty, with the SQL's columns, when nothing matched).

    Raises:
        InvalidTimeRangeError: ``since`` is not before ``until``, or either is naive.
        IncompleteArchiveError: Something the query would read cannot be trusted.
        ArchiveAccessError: The archive cannot be listed or read.
        QueryError: DuckDB rejected the SQL or failed running it.
    """
    return query_archive(
        sql,
        settings=settings,
        tenant=tenant,
        since=since,
        until=until,
        user=user,
        event_type=event_type,
    ).table


def query_archive(
    sql: str,
    *,
    settings: AuditorSettings,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    event_type: str | None = None,
    include_unchained: bool = False,
    allow_incomplete: bool = False,
    s3_client: S3Client | None = None,
) -> QueryResult:
    """Like :func:`run_query`, and also report how many objects were scanned.

    Steps: 1 select the objects (chains, listing); 2 copy them, as recorded, into a
    temporary directory; 3 run the SQL over the copies.

    Args:
        sql: DuckDB SQL over the view ``events``.
        settings: The auditor's settings.
        tenant: Only events of this tenant id.
        since: Aware datetime; only events at or after it.
        until: Aware datetime; only events before it.
        user: Only events of this user, as archived (the pseudonym).
        event_type: Only events of this type (an :class:`EventType` name).
        include_unchained: Also read data objects no manifest references (orphans left
            by a crash; their events may then be counted twice). For forensics only.
        allow_incomplete: Where something cannot be trusted, read what verifies and
            return the problems, instead of raising.
        s3_client: The S3 client; built from ``settings.s3`` when None.

    Returns:
        The rows, the number and size of the objects read, problems and notes.

    Raises:
        InvalidTimeRangeError: ``since`` is not before ``until``, or either is naive.
        IncompleteArchiveError: Something the query would read cannot be trusted.
        ArchiveAccessError: The archive cannot be listed or read.
        QueryError: DuckDB rejected the SQL or failed running it.
    """
    check_range(since, until)
    prefix = settings.s3.prefix
    store = S3ObjectStore(
        s3_client if s3_client is not None else make_s3_client(settings.s3),
        bucket=settings.s3.bucket,
    )
    # 1. select
    selection = select_objects(
        settings,
        store=store,
        tenant=tenant,
        since=since,
        until=until,
        include_unchained=include_unchained,
        allow_incomplete=allow_incomplete,
    )
    with tempfile.TemporaryDirectory(prefix="audit-query-") as scratch:
        copy = Path(scratch)
        # 2. copy
        try:
            read = copy_selection(
                selection, copy, settings=settings, store=store, allow_incomplete=allow_incomplete
            )
        except OSError as exc:
            raise QueryError(f"cannot write the local copy of the archive: {exc}") from exc
        # 3. query
        table = execute_sql(
            sql,
            local_dataset(copy, read.keys, prefix=prefix),
            since=since,
            until=until,
            user=user,
            event_type=event_type,
            threads=settings.auditor.duckdb_threads,
        )
    return QueryResult(
        table,
        len(read.keys),
        read.size,
        problems=read.problems,
        notes=selection.notes,
        anchored=selection.anchored,
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """The data objects a query reads, and what could not be trusted.

    Attributes:
        objects: Manifest entries of the chained objects to read, in key order.
        unchained: Listed objects no manifest vouches for, read unchecked (only when
            asked for).
        problems: Links, manifests or objects that failed their checks (empty unless
            the caller allowed an incomplete answer).
        notes: Objects whose key's current version is not the recorded one (read at
            the recorded version all the same).
        anchored: Whether signatures were checked against a configured keyring.
    """

    objects: list[ManifestObject]
    unchained: list[ArchivedObject]
    problems: list[Finding]
    notes: list[Finding]
    anchored: bool

    @property
    def keys(self) -> list[str]:
        """Every selected object's key, chained or not, in key order."""
        return sorted([o.key for o in self.objects] + [o.key for o in self.unchained])

    @property
    def size(self) -> int:
        """The selected objects' total size in bytes."""
        return sum(o.size for o in self.objects) + sum(o.size for o in self.unchained)


def select_objects(
    settings: AuditorSettings,
    *,
    store: ObjectStore | None = None,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_unchained: bool = False,
    allow_incomplete: bool = False,
) -> Selection:
    """Select the data objects a query reads: pruned by tenant and time, from verified links.

    Only objects named by chain links that verify against the trusted keys
    (``AUDITSTREAM_TRUST__*``) are selected, with the version, size and SHA-256 their
    manifest recorded. The listing is compared with them: an object without a recorded
    version must be listed at its size; for one with a version, a key now hidden or of
    another size is a note. No object is read here (:func:`copy_selection` does).
    Anything that fails is a problem: raised, or returned when ``allow_incomplete``;
    never silently left out.

    Args:
        settings: The auditor's settings.
        store: The archive bucket; built from ``settings.s3`` when None.
        tenant: Only this tenant's objects.
        since: Only objects of hours that end after this time.
        until: Only objects of hours that start before this time.
        include_unchained: Also objects no manifest references (crash orphans).
        allow_incomplete: Return the problems instead of raising.

    Raises:
        IncompleteArchiveError: A problem was found and ``allow_incomplete`` is False.
        TrustedKeyError: The configured keyring cannot be read.
        ArchiveAccessError: The archive cannot be listed.
    """
    s3 = settings.s3
    store = store if store is not None else S3ObjectStore(make_s3_client(s3), bucket=s3.bucket)
    keyring = trusted_keyring(settings.trust)
    try:
        # Chains first, then the listing: every object a walked manifest names was
        # written before the walk, so a sink writing meanwhile cannot make one "missing".
        trusted = read_trusted_objects(store, prefix=s3.prefix, keyring=keyring)
        listed = list_data_objects(store, prefix=s3.prefix, tenant=tenant, since=since, until=until)
    except ArchiveError as exc:
        raise ArchiveAccessError(s3.bucket, str(exc)) from exc
    accept = key_selector(s3.prefix, tenant=tenant, since=since, until=until)
    selected = [o for k, o in trusted.objects.items() if accept(k)]
    unreadable, notes = compare_listing(selected, {o.key: o.size for o in listed})
    problems = trusted.problems + unreadable
    if problems and not allow_incomplete:
        raise IncompleteArchiveError(s3.bucket, problems)
    failed = {p.key for p in problems}
    objects = [o for o in selected if o.key not in failed]
    # Only objects a verified manifest vouches for: a crash between a data PUT and its
    # manifest leaves an orphan whose events are also in a later, chained object.
    unchained = [o for o in listed if o.key not in trusted.objects] if include_unchained else []
    return Selection(
        sorted(objects, key=lambda o: o.key),
        unchained,
        problems,
        notes,
        anchored=keyring is not None,
    )


def copy_selection(
    selection: Selection,
    target: Path,
    *,
    settings: AuditorSettings,
    store: ObjectStore | None = None,
    allow_incomplete: bool = False,
    hint: str | None = None,
) -> Selection:
    """Copy the selected objects, each at its recorded version and checked, under ``target``.

    Args:
        selection: What :func:`select_objects` chose.
        target: The directory that mirrors the keys (``target / key``).
        settings: The auditor's settings.
        store: The archive bucket; built from ``settings.s3`` when None.
        allow_incomplete: Return the problems instead of raising.
        hint: What to do next, for the error when something fails (the query's hint
            when None).

    Returns:
        The selection of what was copied, its problems including the copy's own.

    Raises:
        IncompleteArchiveError: A version is missing or its bytes are not the
            manifest's, and ``allow_incomplete`` is False.
        ArchiveAccessError: The store refused a read or did not answer.
        OSError: The copy cannot be written.
    """
    s3 = settings.s3
    store = store if store is not None else S3ObjectStore(make_s3_client(s3), bucket=s3.bucket)
    fetcher = ObjectFetcher(store, direct=DirectReader.for_settings(s3))
    try:
        failed = copy_recorded(
            fetcher, selection.objects, target, unchecked=[o.key for o in selection.unchained]
        )
    except ArchiveError as exc:
        raise ArchiveAccessError(s3.bucket, str(exc)) from exc
    problems = selection.problems + failed
    if failed and not allow_incomplete:
        raise IncompleteArchiveError(s3.bucket, problems, hint=hint)
    unread = {f.key for f in failed}
    return Selection(
        [o for o in selection.objects if o.key not in unread],
        [o for o in selection.unchained if o.key not in unread],
        problems,
        selection.notes,
        selection.anchored,
    )


def local_dataset(root: Path, keys: list[str], *, prefix: str) -> ds.Dataset:
    """Open data objects of an archive copy on disk as one dataset with Hive partition columns.

    Args:
        root: The directory mirroring the bucket's keys.
        keys: The objects' keys (may be empty).
        prefix: The archive prefix inside it.

    Returns:
        A dataset of :func:`event_schema` plus ``tenant``, ``dt``, ``hour``.
    """
    schema = event_schema()
    for partition_field in PARTITION_SCHEMA:
        schema = schema.append(partition_field)
    return ds.dataset(
        [str(root / k) for k in keys],
        schema=schema,
        format="parquet",
        partitioning=ds.partitioning(PARTITION_SCHEMA, flavor="hive"),
        partition_base_dir=str(root / data_root(prefix)),
    )


def execute_sql(
    sql: str,
    dataset: ds.Dataset,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    event_type: str | None = None,
    threads: int | None = None,
) -> pa.Table:
    """Run SQL in a fresh in-memory DuckDB where ``events`` is the dataset, time-filtered.

    Args:
        sql: DuckDB SQL over the view ``events``.
        dataset: The events (any pyarrow dataset with a ``timestamp`` column).
        since: Aware datetime; the view keeps rows at or after it.
        until: Aware datetime; the view keeps rows before it.
        user: The view keeps this user's rows (the archived pseudonym).
        event_type: The view keeps rows of this event type.
        threads: Threads DuckDB may use; None for its default.

    Returns:
        The rows of the last statement (an empty table for a statement without rows).

    Raises:
        QueryError: DuckDB rejected the SQL or failed running it (or reading the data).
    """
    connection = duckdb.connect(":memory:", config=_DUCKDB_CONFIG)
    try:
        if threads is not None:
            connection.execute(f"SET threads = {int(threads)}")
        connection.register(_SOURCE, dataset)
        view = _view_query(since, until, user=user, event_type=event_type)
        connection.execute(f"CREATE VIEW {EVENTS_VIEW} AS {view}")
        relation = connection.sql(sql)
        if relation is None:  # a statement without rows, e.g. SET
            return pa.table({})
        # duckdb 1.x names it fetch_arrow_table (deprecated in 2.x for to_arrow_table).
        fetch = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
        table: pa.Table = fetch()
        return table
    except duckdb.Error as exc:
        raise QueryError(" ".join(str(exc).split())) from exc
    except OSError as exc:
        # pyarrow's errors reading the local copy surface as OSError subclasses.
        raise QueryError(f"reading the archive copy failed: {exc}") from exc
    finally:
        connection.close()


def _sql_string(value: str) -> str:
    """Quote text as a SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _view_query(
    since: datetime | None,
    until: datetime | None,
    *,
    user: str | None = None,
    event_type: str | None = None,
) -> str:
    conditions = []
    if user is not None:
        conditions.append(f"actor.user_id = {_sql_string(user)}")
    if event_type is not None:
        try:
            name = EventType(event_type.upper()).value
        except ValueError:
            known = ", ".join(t.value for t in EventType)
            raise QueryError(f"unknown event type {event_type!r}; use one of {known}") from None
        conditions.append(f"event_type = '{name}'")
    # Literals come from aware datetimes (never user text), so formatting them is safe.
    if since is not None:
        conditions.append(f"\"timestamp\" >= TIMESTAMPTZ '{since.isoformat()}'")
    if until is not None:
        conditions.append(f"\"timestamp\" < TIMESTAMPTZ '{until.isoformat()}'")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT * FROM {_SOURCE}{where}"  # noqa: S608 - literals built above
