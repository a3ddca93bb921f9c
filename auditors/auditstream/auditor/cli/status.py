"""``audit status``: lag per stage and partition, throughput, the DLQ's newest reasons.

``--watch SECONDS`` redraws until interrupted and shows throughput from the change in
end offsets between two snapshots; ``--json`` prints one snapshot for machines.
Exit codes: 0 healthy snapshot taken, 2 Kafka unreachable or bad settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import time
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from auditstream.auditor.settings import AuditorSettings, load_auditor_settings
from auditstream.auditor.status import PipelineStatus, read_status
from auditstream.schemas.errors import AuditstreamError

EXIT_ERROR = 2

app = typer.Typer(name="status", add_completion=False, help="Show pipeline lag and the DLQ.")


def _snapshot(settings: AuditorSettings) -> PipelineStatus:
    return read_status(
        settings.kafka,
        settings.topics,
        processor_group=settings.auditor.processor_group,
        sink_group=settings.auditor.sink_group,
    )


def _view(now: PipelineStatus, before: PipelineStatus | None) -> Group:
    stages = Table(title="Lag by stage")
    for column in ("stage", "topic", "partition", "end offset", "committed", "lag"):
        stages.add_column(column, justify="left" if column in {"stage", "topic"} else "right")
    if before is not None:
        stages.add_column("in/s", justify="right")
    for index, stage in enumerate(now.stages):
        rate = ""
        if before is not None:
            elapsed = max(now.taken_at - before.taken_at, 1e-6)
            rate = f"{(stage.end_offsets - before.stages[index].end_offsets) / elapsed:.1f}"
        for row in stage.partitions:
            cells = [
                stage.stage,
                stage.topic,
                str(row.partition),
                str(row.end_offset),
                "-" if row.committed is None else str(row.committed),
                f"[{'yellow' if row.lag > 1 else 'green'}]{row.lag}[/]",
            ]
            stages.add_row(*cells, *([rate] if before is not None else []))
        stages.add_row(
            f"{stage.stage} ({stage.group})",
            "",
            "all",
            str(stage.end_offsets),
            "",
            f"[bold]{stage.lag}[/]",
            *([rate] if before is not None else []),
            end_section=True,
        )
    count = f"{now.dlq_total}" if now.dlq_complete else f"at least {now.dlq_total}"
    dlq = Table(title=f"DLQ: {count} messages retained; newest")
    for column in ("when (UTC)", "error class", "source", "message"):
        dlq.add_column(column, overflow="fold")
    for letter in now.dlq_newest:
        when = dt.datetime.fromtimestamp(letter.timestamp_ms / 1000, tz=dt.UTC)
        dlq.add_row(f"{when:%m-%d %H:%M:%S}", letter.error_class, letter.source, letter.message)
    return Group(stages, dlq)


@app.command()
def status(
    watch: Annotated[
        float | None, typer.Option("--watch", min=0.5, help="Redraw every SECONDS until Ctrl-C.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one snapshot as JSON.")] = False,
) -> None:
    """Show consumer lag per stage and partition, and the DLQ's newest reasons."""
    try:
        settings = load_auditor_settings()
        snapshot = _snapshot(settings)
    except AuditstreamError as exc:
        typer.echo("audit status: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    if as_json:
        data = dataclasses.asdict(snapshot)
        for stage, raw in zip(snapshot.stages, data["stages"], strict=True):
            raw["lag"] = stage.lag
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    console = Console()
    if watch is None:
        console.print(_view(snapshot, None))
        return
    before = snapshot
    with Live(_view(snapshot, None), console=console, refresh_per_second=4) as live:
        try:
            while True:
                time.sleep(watch)
                now = _snapshot(settings)
                live.update(_view(now, before))
                before = now
        except KeyboardInterrupt:
            return
        except AuditstreamError as exc:
            typer.echo("audit status: error: " + " ".join(str(exc).split()), err=True)
            raise typer.Exit(EXIT_ERROR) from exc
