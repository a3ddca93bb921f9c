"""The root ``audit`` app. It only mounts commands; each stage owns its own.

Stage commands are imported when invoked, never at start, so ``audit query`` does not
load Faust or spaCy and ``audit --help`` answers at once. A mounted command forwards its
arguments to the stage's own Typer app, which parses them.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import version
from typing import Annotated, NoReturn

import typer

from auditstream.cli import demo, stack

app = typer.Typer(
    name="audit",
    add_completion=False,
    no_args_is_help=True,
    help="Auditstream: audit events for LLM applications, redacted and archived write-once.",
    epilog="Example: audit demo, then in any shell: audit query "
    '"SELECT event_type, count(*) AS n FROM events GROUP BY 1" --since 1h. '
    "Each command's --help shows an example of its own.",
)
app.add_typer(stack.app, name="stack")
app.command("demo", epilog="Example: audit demo --requests 200 --keep-workers")(demo.demo)

# command name -> (module with a Typer `app`, install hint, one-line help)
_STAGE_COMMANDS = {
    "process": ("auditstream.processor.cli", "processor", "Run redaction processor workers."),
    "sink": ("auditstream.sink.cli", "sink", "Run sink workers writing the archive."),
    "keys": ("auditstream.sink.keys_cli", "sink", "Print the sink's public key; rotate it."),
    "query": ("auditstream.auditor.cli.query", "auditor", "Query the archive with SQL."),
    "trace": ("auditstream.auditor.cli.trace", "auditor", "Show one trace as a timeline tree."),
    "session": ("auditstream.auditor.cli.session", "auditor", "Show a session's traces."),
    "status": ("auditstream.auditor.cli.status", "auditor", "Show lag, the DLQ and chain heads."),
    "report": ("auditstream.auditor.cli.report", "auditor", "Draw charts of the archive."),
    "verify": ("auditstream.auditor.cli.verify", "auditor", "Verify the archive's integrity."),
    "export": ("auditstream.auditor.cli.export", "auditor", "Write an evidence package."),
}
_FORWARD = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def _mount(name: str, module: str, extra: str, summary: str) -> None:
    @app.command(name, help=summary, context_settings=_FORWARD, add_help_option=False)
    def forward(ctx: typer.Context) -> None:
        try:
            stage = importlib.import_module(module)
        except ImportError as exc:
            typer.echo(
                f"audit {name}: missing dependency {exc.name!r}; install auditstream[{extra}]",
                err=True,
            )
            raise typer.Exit(2) from exc
        if extra != "auditor":
            stage.app(args=ctx.args, prog_name=f"audit {name}")
            return
        try:
            stage.app(args=ctx.args, prog_name=f"audit {name}")
        except SystemExit as exc:
            _leave(exc.code)
        _leave(0)


def _leave(code: object) -> NoReturn:
    """End an auditor command without tearing down native thread pools.

    Arrow's and DuckDB's thread pools may still hold a joinable worker when CPython
    finalizes, and their destructors then call ``std::terminate`` (exit 134 after the
    command printed its result: apache/arrow#34314). The command's work is done and its
    output is flushed here, so the process leaves with ``os._exit`` instead of running
    the native destructors. Only the auditor's short-lived commands do this; workers
    stop through their own shutdown paths.
    """
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


for _name, (_module, _extra, _summary) in _STAGE_COMMANDS.items():
    _mount(_name, _module, _extra, _summary)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version("auditstream"))
        raise typer.Exit


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Auditstream command line."""


if __name__ == "__main__":
    app()
