"""``audit trace <trace_id>`` and ``audit session <session_id>``: request paths as trees.

Readable in a terminal (a Rich tree per trace, then totals) or ``--json`` for machines.
Exit codes: 0 found, 1 nothing archived for that id, 2 errors.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.tree import Tree

from auditstream.auditor.settings import AuditorSettings, load_auditor_settings
from auditstream.auditor.timeline import Step, Timeline, load_session, load_trace
from auditstream.auditor.timerange import TIME_FORMS, parse_instant
from auditstream.schemas.errors import AuditstreamError

EXIT_NOT_FOUND = 1
EXIT_ERROR = 2

Tenant = Annotated[str | None, typer.Option("--tenant", help="Only scan this tenant's objects.")]
Since = Annotated[
    str | None, typer.Option("--since", help=f"Only scan from this time: {TIME_FORMS}.")
]
Until = Annotated[
    str | None, typer.Option("--until", help=f"Only scan up to this time: {TIME_FORMS}.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a tree.")]

trace_app = typer.Typer(name="trace", add_completion=False, help="Show one trace as a tree.")
session_app = typer.Typer(name="session", add_completion=False, help="Show a session's traces.")


def _label(step: Step) -> str:
    e = step.event
    arrived = e.get("trace_sequence")
    parts = [
        f"#{e['seq']}",
        # the processor's number, fixed in the archive, when it saw this event elsewhere
        *([f"[dim](arrived {arrived})[/]"] if arrived is not None and arrived != e["seq"] else []),
        f"{e['timestamp']:%H:%M:%S.%f}"[:-3],
        f"[cyan]{e['service']}[/]",
        f"[bold]{e['event_type']}[/]",
        e["action"],
        f"[{'red' if e['status'] in {'FAILURE', 'DENIED'} else 'green'}]{e['status']}[/]",
    ]
    if e["latency_ms"] is not None:  # the step's own duration
        parts.append(f"{e['latency_ms']:.0f} ms")
    if e["model"]:
        parts.append(f"model={e['model']}")
    if e["tokens_input"] is not None or e["tokens_output"] is not None:
        parts.append(f"tokens={e['tokens_input'] or 0}+{e['tokens_output'] or 0}")
    if e["tool_name"]:
        parts.append(f"tool={e['tool_name']}")
    if e["guardrails_triggered"]:
        parts.append(f"[yellow]guardrails={','.join(e['guardrails_triggered'])}[/]")
    if e["error_type"]:
        parts.append(f"[red]error={e['error_type']}[/]")
    return " ".join(parts)


def _add(tree: Tree, step: Step) -> None:
    branch = tree.add(_label(step))
    for child in step.children:
        _add(branch, child)


def render(timeline: Timeline, console: Console) -> None:
    """Print one timeline as a tree followed by its totals."""
    tree = Tree(f"trace [bold]{timeline.trace_id}[/]")
    for root in timeline.roots:
        _add(tree, root)
    console.print(tree)
    t = timeline.totals
    console.print(
        f"  {t.events} events, services {', '.join(t.services)}, {t.tokens} tokens, "
        f"{t.tool_calls} tool calls, {t.errors} errors, {t.guardrails} guardrail hits, "
        f"{t.duration_ms:.0f} ms from the first start to the last end"
    )


def _run(
    command: str,
    load: Callable[[AuditorSettings], list[Timeline]],
    *,
    as_json: bool,
) -> None:
    try:
        timelines = load(load_auditor_settings())
    except AuditstreamError as exc:
        typer.echo(f"audit {command}: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    if not timelines:
        typer.echo(f"audit {command}: no archived events for that id", err=True)
        raise typer.Exit(EXIT_NOT_FOUND)
    if as_json:
        json.dump([t.to_dict() for t in timelines], sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return
    console = Console()
    for timeline in timelines:
        render(timeline, console)


def _range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    return (
        parse_instant(since, option="--since") if since else None,
        parse_instant(until, option="--until") if until else None,
    )


@trace_app.command(epilog="Example: audit trace 4bf92f3577b34da6a3ce929d0e0e4736 --json")
def trace(
    trace_id: Annotated[str, typer.Argument(help="The W3C trace id (32 hex digits).")],
    *,
    tenant: Tenant = None,
    since: Since = None,
    until: Until = None,
    as_json: AsJson = False,
) -> None:
    """Show the full request path of one trace across services."""

    def load(settings: AuditorSettings) -> list[Timeline]:
        since_at, until_at = _range(since, until)
        found = load_trace(
            trace_id, settings=settings, tenant=tenant, since=since_at, until=until_at
        )
        return [found] if found else []

    _run("trace", load, as_json=as_json)


@session_app.command(epilog="Example: audit session sess-4821 --since 1d")
def session(
    session_id: Annotated[str, typer.Argument(help="The session id the services recorded.")],
    *,
    tenant: Tenant = None,
    since: Since = None,
    until: Until = None,
    as_json: AsJson = False,
) -> None:
    """Show every request (trace) of one session, in time order."""

    def load(settings: AuditorSettings) -> list[Timeline]:
        since_at, until_at = _range(since, until)
        return load_session(
            session_id, settings=settings, tenant=tenant, since=since_at, until=until_at
        )

    _run("session", load, as_json=as_json)
