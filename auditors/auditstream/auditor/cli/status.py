"""``audit status``: lag per stage and partition, throughput, the DLQ, the archive's chain heads.

``--watch SECONDS`` redraws until interrupted and shows throughput from the change in
end offsets between two snapshots; ``--json`` prints one snapshot for machines. The
archive part shows each partition's chain head (sequence number, time, age, consumer
position after it) and the newest digest (key, time, age, whether it names every
current head). An unreachable archive does not hide the Kafka part: the archive part
says why it is missing. Exit codes: 0 snapshot taken, 2 Kafka or the archive
unreachable, or bad settings (a partial snapshot is still printed when the archive is).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import time
from typing import Annotated, Any, assert_never

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from auditstream.auditor.archive_status import ArchiveStatus, DigestComparison, DigestHeadState
from auditstream.auditor.settings import AuditorSettings, load_auditor_settings
from auditstream.auditor.status import PipelineStatus, read_status
from auditstream.schemas.errors import AuditstreamError

EXIT_ERROR = 2

app = typer.Typer(
    name="status", add_completion=False, help="Show pipeline lag, the DLQ and the archive's heads."
)


def _snapshot(settings: AuditorSettings) -> PipelineStatus:
    return read_status(
        settings.kafka,
        settings.topics,
        processor_group=settings.auditor.processor_group,
        sink_group=settings.auditor.sink_group,
        s3=settings.s3,
    )


def format_age(seconds: float | None) -> str:
    """Return an age the way an operator reads it: ``12 s ago``, ``3 min 5 s ago``.

    Args:
        seconds: The age; negative when the writer's clock runs ahead; None if unknown.

    Returns:
        The age in at most two units, or ``?`` when unknown.
    """
    if seconds is None:
        return "?"
    if seconds < 0:
        return f"{_span(-seconds)} ahead (clock skew)"
    return f"{_span(seconds)} ago"


def _span(seconds: float) -> str:
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def describe_comparison(row: DigestComparison) -> str:
    """Say in words how the newest digest's entry for a partition relates to its head.

    Args:
        row: One partition's comparison.

    Returns:
        E.g. ``behind by 3 manifests`` or, for anomalies, what it means and what to run.
    """
    match row.state:
        case DigestHeadState.CURRENT:
            return "current"
        case DigestHeadState.BEHIND:
            return f"behind by {_manifests(row.behind_by)}"
        case DigestHeadState.NOT_LISTED:
            return f"not in digest yet ({_manifests(row.behind_by)} since)"
        case DigestHeadState.AHEAD:
            return (
                f"digest names seq {row.digest_seq}, chain ends at {row.head_seq}: "
                "manifests deleted or hidden; run audit verify"
            )
        case DigestHeadState.DIFFERENT:
            return f"head seq {row.head_seq} differs from the digest's; run audit verify"
        case DigestHeadState.GONE:
            return f"digest names seq {row.digest_seq}, no manifest now; run audit verify"
        case _:
            assert_never(row.state)


def describe_digest(archive: ArchiveStatus) -> str:
    """Return the one-line summary of the newest digest (Rich markup).

    Args:
        archive: An archive snapshot that could be read.
    """
    digest = archive.digest
    if digest is None:
        return (
            "No digest yet: the sink writes one every AUDITSTREAM_SINK__DIGEST_INTERVAL_S "
            "(15 min by default)."
        )
    head = (
        f"Newest digest {escape(digest.key)}, written {_when(digest.written_at)} UTC "
        f"({format_age(digest.age_s)}): "
    )
    if not digest.consistent:
        return head + "[bold red]does not match the chain heads[/]; run audit verify"
    if digest.lists_current_heads:
        return head + "[green]lists every partition's current head[/]"
    return head + f"behind by {_manifests(digest.behind_by)} (normal between digests)"


def _manifests(count: int) -> str:
    return f"{count} manifest" if count == 1 else f"{count} manifests"


def _when(iso: str) -> str:
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{when:%m-%d %H:%M:%S}"


def _archive_view(archive: ArchiveStatus) -> Group:
    where = f"{archive.bucket}/{archive.prefix}"
    if archive.unavailable is not None:
        return Group(
            Text.from_markup(
                f"[bold red]Archive {escape(where)}: unavailable[/]: {escape(archive.unavailable)}"
            )
        )
    heads = Table(title=f"Archive chain heads in {where} ({archive.lock})")
    for column in ("partition", "head seq", "written (UTC)", "age", "position after", "digest"):
        heads.add_column(column, justify="left" if column == "digest" else "right")
    compared = {c.partition: c for c in archive.digest.partitions} if archive.digest else {}
    for head in archive.heads:
        row = compared.get(head.partition)
        heads.add_row(
            str(head.partition),
            str(head.seq),
            _when(head.written_at),
            format_age(head.age_s),
            str(head.position_after),
            "-" if row is None else _styled(row),
        )
    for row in compared.values():
        if row.head_seq is None:  # named by the digest, but no chain now
            heads.add_row(str(row.partition), "-", "", "", "", _styled(row))
    if not archive.heads and not compared:
        heads.caption = "no manifests yet"
    return Group(heads, Text.from_markup(describe_digest(archive)))


def _styled(row: DigestComparison) -> str:
    text = escape(describe_comparison(row))
    if row.state is DigestHeadState.CURRENT:
        return f"[green]{text}[/]"
    if row.state in (DigestHeadState.BEHIND, DigestHeadState.NOT_LISTED):
        return text
    return f"[bold red]{text}[/]"


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
    if now.archive is None:
        return Group(stages, dlq)
    return Group(stages, dlq, _archive_view(now.archive))


def as_json(snapshot: PipelineStatus) -> dict[str, Any]:
    """Return a snapshot as JSON-able data, derived figures included.

    Args:
        snapshot: The snapshot.

    Returns:
        Every field, plus ``lag`` per stage, ``archive.available`` and the digest's
        ``lists_current_heads``, ``behind_by`` and ``consistent``.
    """
    data = dataclasses.asdict(snapshot)
    for stage, raw in zip(snapshot.stages, data["stages"], strict=True):
        raw["lag"] = stage.lag
    archive = snapshot.archive
    if archive is not None:
        data["archive"]["available"] = archive.unavailable is None
        if archive.digest is not None:
            data["archive"]["digest"] |= {
                "lists_current_heads": archive.digest.lists_current_heads,
                "behind_by": archive.digest.behind_by,
                "consistent": archive.digest.consistent,
            }
    return data


def _fail(exc: AuditstreamError) -> typer.Exit:
    typer.echo("audit status: error: " + " ".join(str(exc).split()), err=True)
    return typer.Exit(EXIT_ERROR)


def _exit_if_archive_unavailable(snapshot: PipelineStatus) -> None:
    if snapshot.archive is not None and snapshot.archive.unavailable is not None:
        typer.echo(f"audit status: archive unavailable: {snapshot.archive.unavailable}", err=True)
        raise typer.Exit(EXIT_ERROR)


@app.command(epilog="Example: audit status --watch 2 (or --json for machines)")
def status(
    watch: Annotated[
        float | None, typer.Option("--watch", min=0.5, help="Redraw every SECONDS until Ctrl-C.")
    ] = None,
    as_json_: Annotated[bool, typer.Option("--json", help="Print one snapshot as JSON.")] = False,
) -> None:
    """Show lag per stage and partition, the DLQ's newest reasons, and the archive's heads."""
    try:
        settings = load_auditor_settings()
        snapshot = _snapshot(settings)
    except AuditstreamError as exc:
        raise _fail(exc) from exc
    if as_json_:
        json.dump(as_json(snapshot), sys.stdout, indent=2)
        sys.stdout.write("\n")
        _exit_if_archive_unavailable(snapshot)
        return
    console = Console()
    if watch is None:
        console.print(_view(snapshot, None))
        _exit_if_archive_unavailable(snapshot)
        return
    before = snapshot
    # An unavailable archive is shown and retried on every redraw: it may come back.
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
            raise _fail(exc) from exc
