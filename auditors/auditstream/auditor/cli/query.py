"""``audit query "SQL"``: SQL over the archived events (a thin front over the library).

Results go to stdout in the chosen format; notes and errors to stderr. Exit codes: 0
when the query ran (even with no rows), 2 for configuration, range, archive and SQL errors.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from auditstream.archive.layout import data_root
from auditstream.auditor.output import OutputFormat, writer_for
from auditstream.auditor.query import query_archive
from auditstream.auditor.settings import load_auditor_settings
from auditstream.auditor.timerange import parse_instant
from auditstream.schemas.errors import AuditstreamError
from auditstream.schemas.observability import configure_logging

EXIT_ERROR = 2
"""Exit code for configuration, time range, archive and SQL errors."""

app = typer.Typer(
    name="query",
    help="Query the archive with SQL (DuckDB) over the table `events`.",
    add_completion=False,
)


@app.command()
def query(
    sql: Annotated[
        str,
        typer.Argument(
            help="DuckDB SQL over the table `events`; columns are the AuditEvent fields "
            "(structs: actor.tenant_id, llm.model, ...) plus tenant, dt and hour.",
        ),
    ],
    *,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this tenant's events (pruned by key).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only events at or after this ISO 8601 time (UTC if no offset)."
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Only events before this ISO 8601 time (UTC if no offset)."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Only this user's events, by the archived pseudonym."),
    ] = None,
    event_type: Annotated[
        str | None, typer.Option("--type", help="Only events of this type, e.g. LLM_REQUEST.")
    ] = None,
    include_unchained: Annotated[
        bool,
        typer.Option(
            "--include-unchained",
            help="Also read objects no manifest vouches for (crash orphans; may double count).",
        ),
    ] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, jsonl or csv for tools.")
    ] = OutputFormat.TABLE,
) -> None:
    """Run SQL over the archived audit events and print the result."""
    try:
        since_at = parse_instant(since, option="--since") if since else None
        until_at = parse_instant(until, option="--until") if until else None
        settings = load_auditor_settings()
        configure_logging(level=settings.auditor.log_level, fmt="console", stage="auditor")
        result = query_archive(
            sql,
            settings=settings,
            tenant=tenant,
            since=since_at,
            until=until_at,
            user=user,
            event_type=event_type,
            include_unchained=include_unchained,
        )
    except AuditstreamError as exc:
        typer.echo("audit query: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    if result.objects == 0:
        _note_empty(settings.s3.bucket, settings.s3.prefix, tenant=tenant, since=since, until=until)
    writer_for(output_format).write(result.table, sys.stdout)


def _note_empty(
    bucket: str, prefix: str, *, tenant: str | None, since: str | None, until: str | None
) -> None:
    scope = [f"tenant {tenant!r}"] if tenant else []
    scope += [f"since {since}"] if since else []
    scope += [f"until {until}"] if until else []
    where = f" ({', '.join(scope)})" if scope else ""
    typer.echo(
        f"audit query: no archived objects match in s3://{bucket}/{data_root(prefix)}{where}; "
        "the result is empty",
        err=True,
    )
