"""Run one sink worker in this process: the library entry point behind ``audit sink``.

:func:`run_sink` is what the CLI, the demo and tests call. It logs the effective
settings once (secrets masked), turns SIGTERM/SIGINT into a graceful stop when called
from the main thread, and runs a :class:`~auditstream.sink.worker.SinkWorker` until
stopped. Logging and the metrics endpoint are configured by the caller.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import structlog

from auditstream.schemas.health import Readiness, arm_shutdown_deadline
from auditstream.sink.settings import SinkSettings
from auditstream.sink.worker import SinkWorker
from auditstream.sink.worker_state import SinkStats

log = structlog.get_logger(__name__)


def run_sink(
    settings: SinkSettings,
    *,
    stop: threading.Event | None = None,
    readiness: Readiness | None = None,
) -> SinkStats:
    """Run one sink worker until ``stop`` is set or SIGTERM/SIGINT arrives.

    Signal handlers are installed only when called from the main thread, and restored
    on return. After a signal the worker drains (flush, commit, close) within
    ``sink.shutdown_grace_s``; past that the process exits with code 3, as a kill would
    end it, and nothing is lost (see :func:`~auditstream.schemas.health.arm_shutdown_deadline`).
    Logging and the metrics endpoint are the caller's (the CLI configures them); this
    function logs the effective settings once, secrets masked.

    Args:
        settings: The sink's settings, built once by the caller.
        stop: Set it (from any thread) to stop the worker gracefully.
        readiness: Where the worker reports its readiness checks (``/readyz``).

    Returns:
        What the run archived.

    Raises:
        SinkError: Any of the worker's errors (see :meth:`~auditstream.sink.worker.SinkWorker.run`).
    """
    stop = stop or threading.Event()
    structlog.contextvars.bind_contextvars(worker_id=f"{socket.gethostname()}-{os.getpid()}")
    log.info("sink_settings", settings=_masked(settings))
    readiness = readiness or Readiness()
    with _stop_on_signals(stop, readiness, grace_s=settings.sink.shutdown_grace_s):
        return SinkWorker(settings, stop=stop, readiness=readiness).run()


@contextmanager
def _stop_on_signals(
    stop: threading.Event, readiness: Readiness, *, grace_s: float
) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    deadline: list[threading.Timer] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name, grace_s=grace_s)
        readiness.stopping()
        stop.set()
        if not deadline:
            deadline.append(arm_shutdown_deadline(grace_s))

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for timer in deadline:
            timer.cancel()
        for sig, old in previous.items():
            signal.signal(sig, old)


def _masked(settings: SinkSettings) -> dict[str, Any]:
    """Return the settings for a log line: SecretStr fields and override values masked."""
    dumped = settings.model_dump(mode="json")
    overrides = dumped["kafka"]["librdkafka_overrides"]
    # Overrides are free-form librdkafka keys (ssl.key.password, ...): show names only.
    dumped["kafka"]["librdkafka_overrides"] = dict.fromkeys(overrides, "***")
    return dumped
