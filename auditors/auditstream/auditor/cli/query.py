"""``audit query "SQL"``: SQL over the archived events (a thin front over the library).

Results go to stdout in the chosen format; notes and errors to stderr. Only objects of
chain links that verify against the trusted keys (``--key`` files and
``AUDITSTREAM_TRUST__*``) are read, each at the version its
manifest recorded; when something the query would read fails its checks (a link, a
missing manifest, a recorded version missing or not of the recorded SHA-256), nothing is
printed and the exit code is 3 (``--allow-incomplete`` prints what verifies, with one
warning line per problem on stderr, and exits 3 too). A key whose current version is not
the recorded one (a delete marker, a newer version of another size) is read at the
recorded version with a warning line, and does not change the exit code.
Exit codes: 0 when the query ran on a complete, trusted archive (even with no rows), 2
for configuration, range, archive and SQL errors, 3 incomplete.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from auditstream.archive.layout import data_root
from auditstream.auditor.cli.options import KeyFiles
from auditstream.auditor.errors import IncompleteArchiveError
from auditstream.auditor.output import OutputFormat, writer_for
from auditstream.auditor.query import query_archive
from auditstream.auditor.settings import load_auditor_settings
from auditstream.auditor.timerange import TIME_FORMS, parse_instant
from auditstream.auditor.verify import with_key_files
from auditstream.schemas.errors import AuditstreamError
from auditstream.schemas.observability import configure_logging

EXIT_ERROR = 2
"""Exit code for configuration, time range, archive and SQL errors."""
EXIT_INCOMPLETE = 3
"""Exit code when part of what the query reads could not be trusted."""

app = typer.Typer(
    name="query",
    help="Query the archive with SQL (DuckDB) over the table `events`.",
    add_completion=False,
)


@app.command(
    epilog='Example: audit query "SELECT event_type, count(*) AS n FROM events GROUP BY 1" '
    "--tenant acme --since 1h"
)
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
        typer.Option("--since", help=f"Only events at or after this time: {TIME_FORMS}."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help=f"Only events before this time: {TIME_FORMS}."),
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
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Where links, manifests or objects fail their checks, answer from what "
            "verifies and warn on stderr (exit 3) instead of refusing.",
        ),
    ] = False,
    keys: KeyFiles = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, jsonl or csv for tools.")
    ] = OutputFormat.TABLE,
) -> None:
    """Run SQL over the archived audit events and print the result."""
    try:
        since_at = parse_instant(since, option="--since") if since else None
        until_at = parse_instant(until, option="--until") if until else None
        settings = with_key_files(load_auditor_settings(), keys or [])
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
            allow_incomplete=allow_incomplete,
        )
    except IncompleteArchiveError as exc:
        typer.echo("audit query: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_INCOMPLETE) from exc
    except AuditstreamError as exc:
        typer.echo("audit query: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    if not result.anchored:
        typer.echo(
            "audit query: warning: no trusted keys configured (--key or "
            "AUDITSTREAM_TRUST__KEYRING_FILE); manifests were checked against the keys the "
            "archive itself holds",
            err=True,
        )
    if result.objects == 0:
        _note_empty(settings.s3.bucket, settings.s3.prefix, tenant=tenant, since=since, until=until)
    writer_for(output_format).write(result.table, sys.stdout)
    for note in result.notes:
        typer.echo(f"audit query: warning: {note.kind} {note.key}: {note.message}", err=True)
    for problem in result.problems:
        typer.echo(
            f"audit query: warning: not read: {problem.kind} {problem.key}: {problem.message}",
            err=True,
        )
    if result.problems:
        raise typer.Exit(EXIT_INCOMPLETE)


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
