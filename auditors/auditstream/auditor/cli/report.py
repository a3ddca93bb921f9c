"""``audit report``: charts of the archive for people who would rather look than read.

Writes a PNG (``--png``) and/or a self-contained HTML page (``--html``); with neither,
``audit-report.png`` in the current directory. Exit codes: 0 written, 2 errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditstream.auditor.report import collect_report
from auditstream.auditor.settings import load_auditor_settings
from auditstream.auditor.timerange import TIME_FORMS, parse_instant
from auditstream.schemas.errors import AuditstreamError

EXIT_ERROR = 2
DEFAULT_PNG = Path("audit-report.png")

app = typer.Typer(name="report", add_completion=False, help="Draw charts of the archive.")


@app.command(epilog="Example: audit report --since 7d --html report.html --png report.png")
def report(
    png: Annotated[Path | None, typer.Option("--png", help="Write the charts here.")] = None,
    html_path: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML page here.")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help=f"From this time: {TIME_FORMS}.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help=f"Before this time: {TIME_FORMS}.")
    ] = None,
) -> None:
    """Chart events per hour by type, redactions by entity type and pipeline delay."""
    from auditstream.auditor.report_render import render_html, render_png  # noqa: PLC0415

    try:
        since_at = parse_instant(since, option="--since") if since else None
        until_at = parse_instant(until, option="--until") if until else None
        data = collect_report(
            settings=load_auditor_settings(), tenant=tenant, since=since_at, until=until_at
        )
    except AuditstreamError as exc:
        typer.echo("audit report: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    scope = f" — tenant {tenant}" if tenant else ""
    title = f"Auditstream archive{scope}"
    image = render_png(data, title=title)
    targets = [p for p in (png, html_path) if p is not None] or [DEFAULT_PNG]
    try:
        if png is not None or html_path is None:
            (png or DEFAULT_PNG).write_bytes(image)
        if html_path is not None:
            html_path.write_text(render_html(data, title=title, png=image), encoding="utf-8")
    except OSError as exc:
        typer.echo(f"audit report: error: cannot write {exc.filename}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    typer.echo(
        f"audit report: {data.total_events} events; wrote {', '.join(map(str, targets))}",
        err=True,
    )
