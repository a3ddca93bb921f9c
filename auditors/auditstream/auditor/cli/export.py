"""``audit export``: an evidence package for a tenant, time range, user or trace.

The package holds the events (JSONL, CSV or Parquet), the data objects, manifests,
digests and public keys they come from, and the verification report, so a third party
can check it with ``audit verify --offline DIR`` and nothing else. Chains are trusted
by ``--key`` files and ``AUDITSTREAM_TRUST__*``, as for ``audit query``. Data objects are
copied at the versions their manifests recorded; a key whose current version is another
one gets a warning line. Exit codes: 0 written and verified, 1 written but the package did
not verify, 2 errors, 3 when something the selection covers fails its checks (as for
``audit query``; no package is written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditstream.auditor.cli.options import KeyFiles
from auditstream.auditor.errors import IncompleteArchiveError
from auditstream.auditor.export import ExportFormat, export_evidence
from auditstream.auditor.settings import load_auditor_settings
from auditstream.auditor.timerange import TIME_FORMS, parse_instant
from auditstream.auditor.verify import with_key_files
from auditstream.schemas.errors import AuditstreamError

EXIT_UNVERIFIED = 1
EXIT_ERROR = 2
EXIT_INCOMPLETE = 3
"""Exit code when part of what the selection covers could not be trusted (as ``audit query``)."""

app = typer.Typer(name="export", add_completion=False, help="Write an evidence package.")


@app.command(
    epilog="Example: audit export /tmp/evidence --tenant acme --since 7d --format parquet, "
    "then give /tmp/evidence to the recipient, who runs audit verify --offline on it."
)
def export(
    out: Annotated[Path, typer.Argument(help="A new or empty directory for the package.")],
    *,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help=f"From this time: {TIME_FORMS}.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help=f"Before this time: {TIME_FORMS}.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only this user (pseudonym).")] = None,
    trace: Annotated[str | None, typer.Option("--trace", help="Only this trace id.")] = None,
    keys: KeyFiles = None,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="The events file's format.")
    ] = ExportFormat.JSONL,
) -> None:
    """Export events with the manifests, digests and keys that prove them."""
    try:
        summary = export_evidence(
            out,
            settings=with_key_files(load_auditor_settings(), keys or []),
            output_format=output_format,
            tenant=tenant,
            since=parse_instant(since, option="--since") if since else None,
            until=parse_instant(until, option="--until") if until else None,
            user=user,
            trace_id=trace,
        )
    except IncompleteArchiveError as exc:
        typer.echo("audit export: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_INCOMPLETE) from exc
    except AuditstreamError as exc:
        typer.echo("audit export: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    for note in summary.notes:
        typer.echo(f"audit export: warning: {note.kind} {note.key}: {note.message}", err=True)
    verdict = "verified" if summary.verified else "DID NOT VERIFY (see verification.json)"
    typer.echo(
        f"audit export: {summary.events} events, {summary.objects} objects, "
        f"{summary.manifests} manifests written to {summary.root}; {verdict}",
        err=True,
    )
    if not summary.verified:
        raise typer.Exit(EXIT_UNVERIFIED)
