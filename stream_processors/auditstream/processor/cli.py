"""``audit process``: run processor workers.

Builds :class:`ProcessorSettings` once, loads the models, then supervises a Faust worker
forked from the loaded process and forks it again when it dies
(:mod:`auditstream.processor.supervisor`). With ``--workers N`` it checks the settings,
then starts N such ``audit process`` processes of the same app id (one per core), which
share the raw topic's partitions; worker i serves metrics on the configured port + i
(see :mod:`auditstream.schemas.workers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import os
import sys
import tempfile
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Annotated, Any

import typer

from auditstream.processor.settings import ProcessorSettings, load_processor_settings
from auditstream.schemas.errors import AuditstreamError
from auditstream.schemas.health import Readiness, arm_shutdown_deadline
from auditstream.schemas.observability import configure_logging, serve_metrics
from auditstream.schemas.workers import run_worker_processes, worker_environments

if TYPE_CHECKING:
    from auditstream.processor.pipeline import Pipeline

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
        code = _run_worker(settings, level)
    except AuditstreamError as exc:
        typer.echo(f"audit process: {exc}", err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        # The metrics port is taken, or similar: an operator problem, not a crash.
        typer.echo(f"audit process: cannot start: {exc.strerror or type(exc).__name__}", err=True)
        raise typer.Exit(2) from exc
    if code:
        raise typer.Exit(code)


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


# What the worker imports, including what Faust imports lazily when the app is built and
# started (about a second on a loaded 2-core host): imported once, before the fork.
_WORKER_MODULES = (
    "faust.app.base",
    "faust.worker",
    "faust.tables",
    "faust.stores.memory",
    "faust.assignor",
    "faust.transport.drivers.aiokafka",
    "auditstream.processor.analysis",
    "auditstream.processor.app",
    "auditstream.processor.readiness",
)


def _preload_worker() -> None:
    """Do once, before the fork, what every forked worker would otherwise do at its start."""
    for module in _WORKER_MODULES:
        importlib.import_module(module)
    # Faust's decorators ask inspect for their caller's module (through venusian); the
    # first such call maps every loaded module's file (about a second with spaCy and
    # Presidio loaded) into a cache of inspect's, which the forked worker inherits.
    inspect.getmodule(sys._getframe())


def _run_worker(settings: ProcessorSettings, level: str) -> int:
    """Load once, then run the worker under its supervisor (:mod:`.supervisor`).

    Returns:
        The exit code of ``audit process``.
    """
    # Presidio and Faust load here, not at import, so `audit --help` stays fast.
    from auditstream.processor.faust_bridge import check_faust_version  # noqa: PLC0415
    from auditstream.processor.redaction.offline import prepare_offline  # noqa: PLC0415

    check_faust_version()  # before the models load: a wrong Faust fails in a second
    prepare_offline()
    _preload_worker()
    from auditstream.processor.loader import load_pipeline  # noqa: PLC0415
    from auditstream.processor.supervisor import supervise  # noqa: PLC0415
    from auditstream.processor.topology import prepare_topics  # noqa: PLC0415
    from auditstream.schemas.identity import claim_worker_identity  # noqa: PLC0415

    partitions = prepare_topics(settings)
    pipeline = load_pipeline(settings)
    section = settings.processor
    # Held by the supervisor, so every restarted worker joins with the same id.
    with claim_worker_identity(
        section.app_id, configured=section.instance_id, static=section.static_membership
    ) as identity:
        return supervise(
            lambda: _serve(settings, level, pipeline, partitions, identity.instance_id)
        )


def _serve(
    settings: ProcessorSettings,
    level: str,
    pipeline: Pipeline,
    partitions: int,
    instance_id: str | None,
) -> int:
    """The worker, in the supervisor's forked child: analysis child, metrics, Faust."""
    import faust  # noqa: PLC0415

    from auditstream.processor.analysis import analysis_process  # noqa: PLC0415
    from auditstream.processor.app import build_app  # noqa: PLC0415
    from auditstream.processor.readiness import watch_readiness  # noqa: PLC0415
    from auditstream.processor.supervisor import follow_parent  # noqa: PLC0415

    section = settings.processor
    # A loop of its own: nothing of the supervisor's event loop state is shared.
    asyncio.set_event_loop(asyncio.new_event_loop())
    with contextlib.ExitStack() as stack:
        analysis = None
        if section.analysis_process:
            # Forked first, while this process has no threads (see analysis_process).
            analysis = stack.enter_context(analysis_process(pipeline))
        follow_parent()
        readiness = Readiness()
        serve_metrics(section.metrics_port, host=section.metrics_host, readiness=readiness)
        datadir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auditstream-processor-"))
        executor = stack.enter_context(
            ThreadPoolExecutor(section.executor_threads, thread_name_prefix="redact")
        )
        faust_app = build_app(
            settings,
            pipeline,
            executor=executor,
            datadir=datadir,
            partitions=partitions,
            analysis=analysis,
            instance_id=instance_id,
        )
        # Our JSON logging stays in charge: mode would replace it with coloured text,
        # and at WARNING and above Faust adds a terminal spinner whose handler lowers
        # the root logger to DEBUG, so every library's debug call (Presidio makes one
        # per pattern per text) would build a log record for nothing.
        watch_readiness(
            faust_app,
            readiness,
            raw=settings.topics.raw,
            stall_after_s=section.stall_threshold_s,
        )
        worker = _worker_class(faust)(
            faust_app, loglevel=level.lower(), quiet=True, override_logging=False
        )
        worker.drain = Drain(readiness, grace_s=section.shutdown_grace_s)
        worker.spinner = None
        worker.execute_from_commandline()
    return 0


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

    Only the signal handlers are wrapped (:func:`~auditstream.processor.faust_bridge.
    worker_class`): each starts the drain, then schedules Faust's own shutdown exactly
    as before.
    """
    from auditstream.processor.faust_bridge import worker_class  # noqa: PLC0415

    return worker_class(faust.Worker)
