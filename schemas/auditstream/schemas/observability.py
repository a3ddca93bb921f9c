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
    so a worker's output is one stream of JSON lines. In JSON, a logged exception
    becomes an ``exception`` field (a list of exceptions, the cause chain, each with its
    type, value and frames), so log pipelines can index it instead of a text blob.

    Args:
        level: Minimum level name (DEBUG, INFO, WARNING, ERROR).
        fmt: ``json`` for workers, ``console`` for people.
        stage: Bound on every line as ``stage``.
    """
    renderers: list[structlog.types.Processor] = (
        [_dict_tracebacks(), structlog.processors.JSONRenderer()]
        if fmt == "json"
        else [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
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
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    structlog.contextvars.bind_contextvars(stage=stage)


def _dict_tracebacks() -> structlog.types.Processor:
    """Render ``exc_info`` as a structured ``exception`` field (type, value, frames).

    Local variables are left out: a frame's locals may hold event payloads (prompts,
    raw bytes), which never reach a log line.
    """
    return structlog.processors.ExceptionRenderer(
        structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
    )


def serve_metrics(port: int | None) -> None:
    """Expose Prometheus metrics on ``127.0.0.1:port``; do nothing when port is None.

    Args:
        port: TCP port, or None for no metrics endpoint.
    """
    if port is None:
        return
    from prometheus_client import start_http_server  # noqa: PLC0415 - only workers need it

    start_http_server(port, addr="127.0.0.1")
