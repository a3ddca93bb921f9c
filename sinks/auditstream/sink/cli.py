"""``audit sink``: run sink workers (a thin front over :func:`run_sink`).

The Typer app has exactly one command, so ``app(args=[...])`` runs it directly; the
root CLI mounts it as ``audit sink``. Settings come from ``AUDITSTREAM_*`` variables;
the options here override single fields. Typed errors print one line on stderr and
exit with code 2. ``--workers N`` checks the settings once, then starts N worker
processes in the same consumer group (see :mod:`auditstream.schemas.workers`).
"""

from __future__ import annotations

import enum
import os
import sys
from typing import Annotated, Any

import typer

from auditstream.schemas.errors import AuditstreamError
from auditstream.schemas.health import Readiness
from auditstream.schemas.observability import configure_logging, serve_metrics
from auditstream.schemas.workers import run_worker_processes, worker_environments
from auditstream.sink.runner import run_sink
from auditstream.sink.settings import load_sink_settings

EXIT_ERROR = 2
"""Exit code for configuration, bucket and archive errors."""


class LogLevelOption(enum.StrEnum):
    """Log levels accepted by ``--log-level``."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class LogFormatOption(enum.StrEnum):
    """Log renderers accepted by ``--log-format``."""

    JSON = "json"
    CONSOLE = "console"


app = typer.Typer(
    name="sink",
    help="Archive the redacted topic into the write-once S3 bucket.",
    add_completion=False,
)


@app.command(
    help="Consume the redacted topic and write Parquet objects under Object Lock. "
    "Configure with AUDITSTREAM_KAFKA__*, AUDITSTREAM_TOPICS__*, AUDITSTREAM_S3__* and "
    "AUDITSTREAM_SINK__* variables; these options override single values. Stops cleanly "
    "on SIGTERM or SIGINT: flush, commit, close, within AUDITSTREAM_SINK__SHUTDOWN_GRACE_S.",
    epilog="Example: AUDITSTREAM_SINK__SIGNING_KEY_FILE=sink.key audit sink --workers 2 "
    "--metrics-port 9464",
)
def sink(
    *,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes to start (one per core); worker i serves metrics on "
            "--metrics-port + i.",
        ),
    ] = 1,
    max_age_s: Annotated[
        float | None,
        typer.Option("--max-age-s", help="Flush a partition's batch this many seconds old."),
    ] = None,
    max_records: Annotated[
        int | None,
        typer.Option("--max-records", help="Flush a partition's batch at this many records."),
    ] = None,
    group_id: Annotated[
        str | None, typer.Option("--group-id", help="Kafka consumer group of the sinks.")
    ] = None,
    metrics_host: Annotated[
        str | None,
        typer.Option(
            "--metrics-host",
            help="Address for /metrics, /healthz, /readyz (default 127.0.0.1; 0.0.0.0 in a pod).",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option("--metrics-port", help="Serve /metrics, /healthz and /readyz on this port."),
    ] = None,
    log_level: Annotated[
        LogLevelOption | None, typer.Option("--log-level", help="Minimum log level.")
    ] = None,
    log_format: Annotated[
        LogFormatOption, typer.Option("--log-format", help="json for machines, console for people.")
    ] = LogFormatOption.JSON,
) -> None:
    """Run sink workers with settings from the environment and these options."""
    overrides: dict[str, Any] = {
        "max_age_s": max_age_s,
        "max_records": max_records,
        "group_id": group_id,
        "metrics_host": metrics_host,
        "metrics_port": metrics_port,
        "log_level": log_level.value if log_level else None,
    }
    section = {name: value for name, value in overrides.items() if value is not None}
    try:
        settings = load_sink_settings(sink=section) if section else load_sink_settings()
        configure_logging(level=settings.sink.log_level, fmt=log_format.value, stage="sink")
        if workers > 1:
            raise typer.Exit(_run_workers(workers, section, settings.sink.metrics_port, log_format))
        readiness = Readiness()
        serve_metrics(
            settings.sink.metrics_port, host=settings.sink.metrics_host, readiness=readiness
        )
        run_sink(settings, readiness=readiness)
    except AuditstreamError as exc:
        _fail(str(exc))
        raise typer.Exit(EXIT_ERROR) from exc
    except OSError as exc:
        # The metrics port is taken, or similar: an operator problem, not a crash.
        _fail(f"cannot start: {exc.strerror or type(exc).__name__}")
        raise typer.Exit(EXIT_ERROR) from exc


def _run_workers(
    workers: int, section: dict[str, Any], metrics_port: int | None, log_format: LogFormatOption
) -> int:
    """Start ``workers`` single-worker processes with the options as variables; wait."""
    options = {f"AUDITSTREAM_SINK__{name.upper()}": str(v) for name, v in section.items()}
    environments = worker_environments(
        workers,
        metrics_port_variable="AUDITSTREAM_SINK__METRICS_PORT",
        metrics_port=metrics_port,
        environ=os.environ | options,
    )
    argv = [sys.executable, "-m", "auditstream.cli.main", "sink", "--log-format", log_format.value]
    return run_worker_processes(argv, environments)


def _fail(message: str) -> None:
    typer.echo("audit sink: error: " + " ".join(message.split()), err=True)
