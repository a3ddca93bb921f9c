"""SQL over the archive: DuckDB in memory, reading Parquet through pyarrow's S3 filesystem.

DuckDB's own httpfs extension is never used (it downloads itself at run time, and the
auditor must work offline): the objects are found with an S3 listing pruned by tenant
and time (:func:`~auditstream.archive.reader.list_data_objects`), opened as one
``pyarrow.dataset`` with Hive partition columns ``tenant``, ``dt``, ``hour`` (strings),
and registered in DuckDB, where the view ``events`` also filters rows to the exact time
range. The connection may not touch local files or load extensions: it reads the
archive and nothing else, and never writes. This library logs nothing: callers (the
demo, tests) get rows and counts back and decide what to print.

The ``tenant`` column is the decoded ``tenant=`` path segment: events without a tenant
and a tenant literally named ``_unknown`` both read ``_unknown`` there; ``actor.tenant_id``
tells them apart (null vs the name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from auditstream.archive.arrow_schema import event_schema
from auditstream.archive.chained import check_selected, read_trusted_objects
from auditstream.archive.errors import ArchiveError
from auditstream.archive.findings import Finding
from auditstream.archive.layout import data_root
from auditstream.archive.reader import ArchivedObject, key_selector, list_data_objects
from auditstream.archive.storage import make_s3_client
from auditstream.auditor.errors import ArchiveAccessError, IncompleteArchiveError, QueryError
from auditstream.auditor.settings import AuditorSettings
from auditstream.auditor.timerange import check_range
from auditstream.auditor.verify import trusted_keyring
from auditstream.schemas import EventType
from auditstream.schemas.settings import S3Settings

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
# Requests of an interactive query: fail within seconds when the store is down.
_S3_CONNECT_TIMEOUT_S = 5.0
_S3_REQUEST_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The rows a query returned and how much of the archive it looked at.

    Attributes:
        table: The result rows.
        objects: Data objects that matched the tenant and time pruning.
        bytes: Their total size.
        problems: What could not be trusted and was not read (only with
            ``allow_incomplete``; otherwise the query raises instead).
        anchored: Whether signatures were checked against a configured keyring.
    """

    table: pa.Table
    objects: int
    bytes: int
    problems: list[Finding] = field(default_factory=list)
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
        s3_client: The S3 client for listing; built from ``settings.s3`` when None.

    Returns:
        The rows and the number and size of the objects that were pruned in.

    Raises:
        InvalidTimeRangeError: ``since`` is not before ``until``, or either is naive.
        IncompleteArchiveError: Something the query would read cannot be trusted.
        ArchiveAccessError: The archive cannot be listed or read.
        QueryError: DuckDB rejected the SQL or failed running it.
    """
    check_range(since, until)
    s3 = settings.s3
    selection = select_objects(
        settings,
        client=s3_client,
        tenant=tenant,
        since=since,
        until=until,
        include_unchained=include_unchained,
        allow_incomplete=allow_incomplete,
    )
    objects = selection.objects
    dataset = open_dataset(objects, s3)
    table = execute_sql(
        sql,
        dataset,
        since=since,
        until=until,
        user=user,
        event_type=event_type,
        threads=settings.auditor.duckdb_threads,
    )
    return QueryResult(
        table,
        len(objects),
        sum(o.size for o in objects),
        problems=selection.problems,
        anchored=selection.anchored,
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """The data objects a query reads, and what could not be trusted.

    Attributes:
        objects: The objects, in key order.
        problems: Links, manifests or objects that failed their checks (empty unless
            the caller allowed an incomplete answer).
        anchored: Whether signatures were checked against a configured keyring.
    """

    objects: list[ArchivedObject]
    problems: list[Finding]
    anchored: bool


def select_objects(
    settings: AuditorSettings,
    *,
    client: S3Client | None = None,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_unchained: bool = False,
    allow_incomplete: bool = False,
) -> Selection:
    """Select the data objects a query reads: pruned by tenant and time, verified.

    Only objects named by chain links that verify against the trusted keys
    (``AUDITSTREAM_TRUST__*``) are read, and each must be listed with its recorded size
    and SHA-256. Anything that fails is a problem: raised, or returned when
    ``allow_incomplete``; never silently left out.

    Args:
        settings: The auditor's settings.
        client: The S3 client; built from ``settings.s3`` when None.
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
    client = client if client is not None else make_s3_client(s3)
    keyring = trusted_keyring(settings.trust)
    try:
        # Chains first, then the listing: every object a walked manifest names was
        # written before the walk, so a sink writing meanwhile cannot make one "missing".
        trusted = read_trusted_objects(client, bucket=s3.bucket, prefix=s3.prefix, keyring=keyring)
        listed = list_data_objects(
            client, bucket=s3.bucket, prefix=s3.prefix, tenant=tenant, since=since, until=until
        )
        accept = key_selector(s3.prefix, tenant=tenant, since=since, until=until)
        selected = [o for k, o in trusted.objects.items() if accept(k)]
        problems = trusted.problems + check_selected(
            client, bucket=s3.bucket, selected=selected, listed={o.key: o.size for o in listed}
        )
    except ArchiveError as exc:
        raise ArchiveAccessError(s3.bucket, str(exc)) from exc
    if problems and not allow_incomplete:
        raise IncompleteArchiveError(s3.bucket, problems)
    failed = {p.key for p in problems}
    readable = {o.key for o in selected} - failed
    # Only objects a verified manifest vouches for: a crash between a data PUT and its
    # manifest leaves an orphan whose events are also in a later, chained object.
    objects = [o for o in listed if include_unchained or o.key in readable]
    return Selection(objects, problems, anchored=keyring is not None)


def open_dataset(objects: list[ArchivedObject], s3: S3Settings) -> ds.Dataset:
    """Open data objects as one pyarrow dataset with Hive partition columns.

    Args:
        objects: The objects, e.g. from :func:`list_data_objects`; may be empty.
        s3: Where they live.

    Returns:
        A dataset of :func:`event_schema` plus ``tenant``, ``dt``, ``hour``.
    """
    schema = event_schema()
    for partition_field in PARTITION_SCHEMA:
        schema = schema.append(partition_field)
    return ds.dataset(
        [f"{s3.bucket}/{o.key}" for o in objects],
        schema=schema,
        format="parquet",
        filesystem=archive_filesystem(s3),
        partitioning=ds.partitioning(PARTITION_SCHEMA, flavor="hive"),
        partition_base_dir=f"{s3.bucket}/{data_root(s3.prefix)}",
    )


def archive_filesystem(s3: S3Settings) -> pafs.S3FileSystem:
    """Return a pyarrow S3 filesystem for the archive's endpoint and credentials.

    Args:
        s3: Endpoint (``http://`` or ``https://``), region and credentials; without
            credentials, pyarrow uses the AWS default chain.
    """
    options: dict[str, object] = {}
    if s3.endpoint_url:
        endpoint = urlsplit(s3.endpoint_url)
        options["endpoint_override"] = endpoint.netloc or endpoint.path
        options["scheme"] = endpoint.scheme or "https"
    if s3.access_key_id and s3.secret_access_key:
        options["access_key"] = s3.access_key_id
        options["secret_key"] = s3.secret_access_key.get_secret_value()
    return pafs.S3FileSystem(
        region=s3.region,
        connect_timeout=_S3_CONNECT_TIMEOUT_S,
        request_timeout=_S3_REQUEST_TIMEOUT_S,
        **options,  # type: ignore[arg-type]  # the stubs type each keyword separately
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
        # pyarrow's S3 errors while scanning surface as OSError subclasses.
        raise QueryError(f"reading the archive failed: {exc}") from exc
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
