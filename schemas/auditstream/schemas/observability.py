"""Logging and metrics set-up for worker processes and the CLI (never the SDK).

Workers log JSON lines through structlog; the CLI logs readable lines to stderr. Both
are configured once, at the entry point, by :func:`configure_logging`. Metrics are
served by :func:`serve_metrics` when a port is configured.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

LogFormat = Literal["json", "console"]


def configure_logging(*, level: str = "INFO", fmt: LogFormat = "json", stage: str) -> None:
    """Configure structlog and the standard library to log one way, to stderr.

    Standard-library loggers (aiokafka, faust, botocore) go through the same renderer,
    so a worker's output is one stream of JSON lines.

    Args:
        level: Minimum level name (DEBUG, INFO, WARNING, ERROR).
        fmt: ``json`` for workers, ``console`` for people.
        stage: Bound on every line as ``stage``.
    """
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    structlog.contextvars.bind_contextvars(stage=stage)


def serve_metrics(port: int | None) -> None:
    """Expose Prometheus metrics on ``127.0.0.1:port``; do nothing when port is None.

    Args:
        port: TCP port, or None for no metrics endpoint.
    """
    if port is None:
        return
    from prometheus_client import start_http_server  # noqa: PLC0415 - only workers need it

    start_http_server(port, addr="127.0.0.1")
