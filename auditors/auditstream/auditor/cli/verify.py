"""``audit verify``: prove the archive is complete and unaltered, or say exactly what is not.

Checks every partition's manifest chain (signatures against the trusted keys: ``--key``
files and ``AUDITSTREAM_TRUST__KEYRING_FILE``/``__KEYS``, plus the key rotations they
signed; linkage, consumer-position continuity), every object's SHA-256 and size (or those
of ``--tenant``/``--since``/``--until``), Object Lock retention, and digests against the
chain heads; orphans are reported. ``--offline DIR`` verifies a downloaded copy or an
evidence package without the bucket. The report goes to stdout (``--json`` for
machines), a progress bar over the manifests to stderr on a terminal. Exit codes:
0 verified against trusted keys, 1 any check failed, 2 errors, 3 every check passed but
no trusted key was configured, so signatures were checked against the keys the archive
itself holds (which whoever can write to the bucket could have put there).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from auditstream.archive.verify import VerificationReport, VerifyProgress
from auditstream.auditor.cli.options import KeyFiles
from auditstream.auditor.export import is_package, verify_package
from auditstream.auditor.settings import load_auditor_settings
from auditstream.auditor.timerange import TIME_FORMS, parse_instant
from auditstream.auditor.verify import trusted_keyring, verify_bucket, verify_copy
from auditstream.schemas.errors import AuditstreamError

EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_UNANCHORED = 3

app = typer.Typer(name="verify", add_completion=False, help="Verify the archive's integrity.")


@contextmanager
def progress_display(console: Console) -> Iterator[Callable[[VerifyProgress], None]]:
    """A progress bar over the manifests, with objects and bytes hashed, while it runs.

    On a terminal the bar is redrawn in place and cleared at the end; elsewhere (a log,
    a pipe) one line says what is running, so a long run is not silent.

    Yields:
        The callback to hand to the verification.
    """
    if not console.is_terminal:
        console.print("audit verify: reading manifests and hashing objects...")
    with Progress(
        SpinnerColumn(),
        TextColumn("manifests"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("", total=None)

        def show(done: VerifyProgress) -> None:
            bar.update(
                task,
                completed=done.manifests,
                total=done.manifests_total,
                description=f"{done.objects:,} objects, {done.bytes / 1e6:,.1f} MB hashed",
            )

        yield show


def render(report: VerificationReport, console: Console, *, offline: bool) -> None:
    """Print what was checked, then every failure with the object it concerns."""
    table = Table(title=f"Chains in {report.bucket}/{report.prefix}")
    for column in (
        "partition",
        "manifests",
        "head seq",
        "positions",
        "records",
        "dead letters",
        "objects",
        "failures",
    ):
        table.add_column(column, justify="right")
    for p in report.partitions:
        positions = f"{p.position_first}..{p.position_after}" if p.manifests else "-"
        table.add_row(
            str(p.partition),
            str(p.manifests),
            str(p.head_seq if p.head_seq is not None else "-"),
            positions,
            str(p.records),
            str(len(p.dead_letters)),
            str(len(p.objects)),
            f"[{'red' if p.findings else 'green'}]{len(p.findings)}[/]",
        )
    console.print(table)
    checked = "signatures, linkage, positions, object SHA-256 and size, digests"
    checked += "" if offline else ", Object Lock retention"
    console.print(f"checked: {checked}; {report.digests} digests")
    unlocked = sum(p.unlocked for p in report.partitions)
    if unlocked:
        console.print(
            f"[yellow]{unlocked} manifests say they were written to an UNLOCKED dev bucket"
        )
    for keys, what in (
        (
            report.orphans,
            "orphan objects (a crash or a lost fence left them; later manifests "
            "cover their positions; not counted)",
        ),
        (
            report.pending,
            "objects past their chain head, not counted: a flush not chained yet, or, when "
            "a finding above names a missing or deleted manifest, the objects of that manifest",
        ),
    ):
        if keys:
            console.print(f"[yellow]{len(keys)} {what}:")
            for key in keys[:20]:
                console.print(f"  {key}")
    if report.ok and report.anchored:
        console.print(
            f"[bold green]VERIFIED[/]: every check passed; signatures by trusted keys "
            f"{', '.join(report.trusted_keys)}"
        )
        return
    if report.ok:
        console.print(
            "[bold yellow]NOT ANCHORED[/]: every check passed, but against keys found in the "
            f"archive itself ({', '.join(report.trusted_keys) or 'none'}): whoever can write "
            "to the bucket could have signed with them. Pass --key (or set "
            "AUDITSTREAM_TRUST__KEYRING_FILE) with the sink's public key from "
            "`audit keys export`.",
            soft_wrap=True,
        )
        return
    console.print(f"[bold red]FAILED[/]: {len(report.failures)} checks failed")
    for finding in report.failures:
        # One line per failure, unwrapped, so the object key can be copied and grepped.
        console.print(
            f"  [red]{finding.kind}[/] {finding.key}: {finding.message}",
            soft_wrap=True,
            highlight=False,
        )


@app.command(
    epilog="Examples: audit verify --since 1h --key sink.pub (the bucket); "
    "audit verify --offline /tmp/evidence --key sink.pub --key exporter.pub (a package)"
)
def verify(
    *,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only hash this tenant's objects.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help=f"Only hash objects from this time: {TIME_FORMS}.")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help=f"Only hash objects before this time: {TIME_FORMS}."),
    ] = None,
    keys: KeyFiles = None,
    offline: Annotated[
        Path | None, typer.Option("--offline", help="Verify this downloaded copy, not the bucket.")
    ] = None,
    prefix: Annotated[str, typer.Option("--prefix", help="Archive prefix inside --offline.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify signatures, chain continuity, object hashes, retention and digests."""
    try:
        settings = load_auditor_settings()
        keyring = trusted_keyring(settings.trust, keys or [])
        if offline is not None and is_package(offline):
            report = verify_package(offline, keyring=keyring)
        elif offline is not None:
            report = verify_copy(offline, prefix=prefix, keyring=keyring)
        else:
            with progress_display(Console(stderr=True)) as show:
                report = verify_bucket(
                    settings,
                    tenant=tenant,
                    since=parse_instant(since, option="--since") if since else None,
                    until=parse_instant(until, option="--until") if until else None,
                    keyring=keyring,
                    progress=show,
                )
    except AuditstreamError as exc:
        typer.echo("audit verify: error: " + " ".join(str(exc).split()), err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    if as_json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        render(report, Console(), offline=offline is not None)
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)
    if not report.anchored:
        raise typer.Exit(EXIT_UNANCHORED)
