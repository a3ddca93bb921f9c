"""``audit process``: run processor workers.

Builds :class:`ProcessorSettings` once, loads the models, then runs a Faust worker. With
``--workers N`` it checks the settings, then starts N worker processes of the same app
id (one per core), which share the raw topic's partitions; worker i serves metrics on
the configured port + i (see :mod:`auditstream.schemas.workers`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import typer

from auditstream.processor.settings import ProcessorSettings, load_processor_settings
from auditstream.schemas.errors import AuditstreamError
from auditstream.schemas.health import Readiness, arm_shutdown_deadline
from auditstream.schemas.observability import configure_logging, serve_metrics
from auditstream.schemas.workers import run_worker_processes, worker_environments

app = typer.Typer(add_completion=False, help="Run the redaction processor (Faust workers).")


@app.command(
    epilog="Example: AUDITSTREAM_PROCESSOR__HMAC_KEY_FILE=hmac.key audit process --workers 2"
)
def process(
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes to start (one per core).")
    ] = 1,
    log_level: Annotated[
        str | None, typer.Option(envvar="AUDITSTREAM_PROCESSOR__LOG_LEVEL", help="Log level.")
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
        typer.Option(
            "--metrics-port",
            min=1,
            max=65535,
            help="Serve /metrics, /healthz and /readyz on this port; worker i of --workers "
            "uses this port + i.",
        ),
    ] = None,
) -> None:
    """Consume the raw topic, redact, write the redacted topic and the DLQ.

    Stops cleanly on SIGTERM or SIGINT (Faust's shutdown: agents, commits, clients),
    within AUDITSTREAM_PROCESSOR__SHUTDOWN_GRACE_S.
    """
    # Presidio imports transformers where it is installed (a dev install has it, for the
    # evaluation sets); its import-time advice goes to stderr past our JSON logging.
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    try:
        options = {"metrics_host": metrics_host, "metrics_port": metrics_port}
        section = {name: value for name, value in options.items() if value is not None}
        settings = (
            load_processor_settings(processor=section) if section else load_processor_settings()
        )
        level = log_level or settings.processor.log_level
        configure_logging(level=level, fmt="json", stage="processor")
        if workers > 1:
            raise typer.Exit(_run_many(workers, settings, section, level))
        _run_worker(settings, level)
    except AuditstreamError as exc:
        typer.echo(f"audit process: {exc}", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        # The metrics port is taken, or similar: an operator problem, not a crash.
        typer.echo(f"audit process: cannot start: {exc.strerror or type(exc).__name__}", err=True)
        raise typer.Exit(2) from exc


def _run_many(
    workers: int, settings: ProcessorSettings, section: Mapping[str, object], level: str
) -> int:
    """Start ``workers`` single-worker processes and wait for them; return the worst exit."""
    command = [sys.executable, "-m", "auditstream.cli.main", "process", "--log-level", level]
    options = {f"AUDITSTREAM_PROCESSOR__{name.upper()}": str(v) for name, v in section.items()}
    environments = worker_environments(
        workers,
        metrics_port_variable="AUDITSTREAM_PROCESSOR__METRICS_PORT",
        metrics_port=settings.processor.metrics_port,
        environ=os.environ | options,
    )
    return run_worker_processes(command, environments)


def _run_worker(settings: ProcessorSettings, level: str) -> None:
    # Presidio and Faust load here, not at import, so `audit --help` stays fast.
    from auditstream.processor.redaction.offline import prepare_offline  # noqa: PLC0415

    prepare_offline()
    import faust  # noqa: PLC0415

    from auditstream.processor.analysis import analysis_process  # noqa: PLC0415
    from auditstream.processor.app import build_app  # noqa: PLC0415
    from auditstream.processor.loader import load_pipeline  # noqa: PLC0415
    from auditstream.processor.readiness import watch_readiness  # noqa: PLC0415
    from auditstream.processor.topology import prepare_topics  # noqa: PLC0415
    from auditstream.schemas.identity import claim_worker_identity  # noqa: PLC0415

    partitions = prepare_topics(settings)
    pipeline = load_pipeline(settings)
    readiness = Readiness()
    serve_metrics(
        settings.processor.metrics_port, host=settings.processor.metrics_host, readiness=readiness
    )
    with contextlib.ExitStack() as stack:
        datadir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auditstream-processor-"))
        executor = stack.enter_context(
            ThreadPoolExecutor(settings.processor.executor_threads, thread_name_prefix="redact")
        )
        analysis = None
        if settings.processor.analysis_process:
            analysis = stack.enter_context(analysis_process(settings, level))
        section = settings.processor
        # After the analysis child started (spawned, but no child should hold the slot).
        identity = stack.enter_context(
            claim_worker_identity(
                section.app_id, configured=section.instance_id, static=section.static_membership
            )
        )
        faust_app = build_app(
            settings,
            pipeline,
            executor=executor,
            datadir=datadir,
            partitions=partitions,
            analysis=analysis,
            instance_id=identity.instance_id,
        )
        # Our JSON logging stays in charge: mode would replace it with coloured text,
        # and at WARNING and above Faust adds a terminal spinner whose handler lowers
        # the root logger to DEBUG, so every library's debug call (Presidio makes one
        # per pattern per text) would build a log record for nothing.
        watch_readiness(faust_app, readiness)
        worker = _worker_class(faust)(
            faust_app, loglevel=level.lower(), quiet=True, override_logging=False
        )
        worker.drain = Drain(readiness, grace_s=section.shutdown_grace_s)
        worker.spinner = None
        worker.execute_from_commandline()


class Drain:
    """What the processor does on its first stop signal, before Faust's own shutdown.

    Turns ``/readyz`` off and starts the grace period's clock
    (:func:`~auditstream.schemas.health.arm_shutdown_deadline`); Faust then stops as it
    always does.

    Args:
        readiness: The worker's readiness checks.
        grace_s: How long Faust's shutdown may take.
    """

    __slots__ = ("_deadline", "grace_s", "readiness")

    def __init__(self, readiness: Readiness, *, grace_s: float) -> None:
        self.readiness = readiness
        self.grace_s = grace_s
        self._deadline: threading.Timer | None = None

    def begin(self) -> None:
        """Start draining (once; later signals change nothing)."""
        if self._deadline is None:
            self.readiness.stopping()
            self._deadline = arm_shutdown_deadline(self.grace_s)


def _worker_class(faust: Any) -> Any:
    """Faust's Worker, with the drain started when a stop signal arrives.

    Only the signal handlers are wrapped: each starts the drain, then schedules Faust's
    own shutdown exactly as before.
    """

    class Worker(faust.Worker):  # type: ignore[misc]  # faust is untyped here
        drain: Drain | None = None

        def _on_sigterm(self) -> None:
            if self.drain is not None:
                self.drain.begin()
            super()._on_sigterm()

        def _on_sigint(self) -> None:
            if self.drain is not None:
                self.drain.begin()
            super()._on_sigint()

    return Worker
