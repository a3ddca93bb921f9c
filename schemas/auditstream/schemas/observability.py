"""Logging and metrics set-up for worker processes and the CLI (never the SDK).

Workers log JSON lines through structlog; the CLI logs readable lines to stderr. Both
are configured once, at the entry point, by :func:`configure_logging`. Metrics, with
``/healthz`` and ``/readyz`` (:mod:`auditstream.schemas.health`), are served by
:func:`serve_metrics` when a port is configured.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

from auditstream.schemas.health import ObservabilityServer, Readiness

LogFormat = Literal["json", "console"]

# Metrics and health bind loopback unless configured otherwise: metrics name topics,
# tenants' volumes and internal state, so exposing them beyond the host is the
# operator's choice (Kubernetes manifests set 0.0.0.0 so Prometheus and the kubelet
# can reach the pod).
DEFAULT_METRICS_HOST = "127.0.0.1"

# 25 s to drain after SIGTERM: inside Kubernetes' default terminationGracePeriodSeconds
# (30 s), so the worker's own deadline, which logs why, comes before the kubelet's SIGKILL.
DEFAULT_SHUTDOWN_GRACE_S = 25.0


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


def serve_metrics(
    port: int | None, *, host: str = DEFAULT_METRICS_HOST, readiness: Readiness | None = None
) -> ObservabilityServer | None:
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` on ``host:port``; None: no endpoint.

    Args:
        port: TCP port, or None for no endpoint.
        host: Address to bind; loopback unless the operator chose otherwise.
        readiness: The worker's readiness checks; None: ``/readyz`` answers 503.

    Returns:
        The running server, or None when no port is configured.

    Raises:
        OSError: The address cannot be bound.
    """
    if port is None:
        return None
    from auditstream.schemas.health import serve_observability  # noqa: PLC0415 - workers only

    return serve_observability(host=host, port=port, readiness=readiness or Readiness())
