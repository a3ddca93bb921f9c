"""Health and readiness of a worker process, served beside its Prometheus metrics.

One small WSGI app (standard library ``wsgiref``, no web framework) answers:

- ``/metrics``: Prometheus text, from ``prometheus_client.make_wsgi_app``;
- ``/healthz``: 200 while the process serves requests at all (liveness);
- ``/readyz``: 200 when every readiness check passes, else 503; the body is JSON naming
  each check and why it fails.

A worker declares its checks with :meth:`Readiness.expect` and reports them from the
state it already keeps (an assignment callback, a poll loop, a flush), so a probe reads
memory and never calls the broker or the bucket itself. A check with ``max_age_s``
fails when it was not reported for that long, so a stuck loop turns a worker unready.

:func:`arm_shutdown_deadline` bounds how long a drain after SIGTERM may take.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import structlog

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from prometheus_client import CollectorRegistry

log = structlog.get_logger(__name__)

PATHS = ("/metrics", "/healthz", "/readyz")

# Exit code of a worker whose drain overran its grace period (as a kill would end it).
EXIT_GRACE_EXPIRED = 3


@dataclass(frozen=True, slots=True)
class ReadinessStatus:
    """What ``/readyz`` answers.

    Attributes:
        ready: Every check passes.
        checks: Each check's state: ``ok`` or the reason it fails.
    """

    ready: bool
    checks: dict[str, str]


@dataclass(slots=True)
class _Check:
    ok: bool
    detail: str
    at: float
    max_age_s: float | None


class Readiness:
    """Readiness checks one worker reports and its probe reads, from any thread.

    Args:
        clock: Monotonic clock (tests pass a fake one).
    """

    __slots__ = ("_checks", "_clock", "_lock", "_stopping")

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._checks: dict[str, _Check] = {}
        self._stopping = False

    def expect(self, name: str, *, max_age_s: float | None = None, detail: str = "") -> None:
        """Declare a check; it fails until it is first reported ok.

        Args:
            name: The check's name in ``/readyz``.
            max_age_s: Fail when not reported for this long; None: a report holds.
            detail: Why it fails until reported, e.g. ``waiting for an assignment``.
        """
        with self._lock:
            self._checks[name] = _Check(
                ok=False, detail=detail or "not reported yet", at=self._clock(), max_age_s=max_age_s
            )

    def report(self, name: str, *, ok: bool, detail: str = "") -> None:
        """Record a check's state now (declaring it, without a maximum age, if new)."""
        with self._lock:
            check = self._checks.get(name)
            max_age_s = check.max_age_s if check is not None else None
            self._checks[name] = _Check(ok=ok, detail=detail, at=self._clock(), max_age_s=max_age_s)

    def stopping(self) -> None:
        """Mark the worker as draining: it stays unready until it exits."""
        with self._lock:
            self._stopping = True

    def status(self) -> ReadinessStatus:
        """Evaluate every check now."""
        now = self._clock()
        with self._lock:
            checks = dict(self._checks)
            stopping = self._stopping
        states: dict[str, str] = {}
        for name, check in sorted(checks.items()):
            age = now - check.at
            if not check.ok:
                states[name] = check.detail or "failing"
            elif check.max_age_s is not None and age > check.max_age_s:
                states[name] = f"stale: last reported {age:.0f}s ago"
            else:
                states[name] = "ok"
        if stopping:
            states["shutdown"] = "stopping: draining after a stop signal"
        ready = bool(states) and all(state == "ok" for state in states.values())
        return ReadinessStatus(ready=ready, checks=states)


def make_observability_app(
    readiness: Readiness, *, registry: CollectorRegistry | None = None
) -> WSGIApplication:
    """Return the WSGI app serving ``/metrics``, ``/healthz`` and ``/readyz``.

    Args:
        readiness: The worker's checks, read by ``/readyz``.
        registry: Prometheus registry; the process-wide one when None.
    """
    from prometheus_client import REGISTRY, make_wsgi_app  # noqa: PLC0415 - workers only

    metrics = make_wsgi_app(registry if registry is not None else REGISTRY)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            served: Iterable[bytes] = metrics(environ, start_response)
            return served
        if path == "/healthz":
            return _answer(start_response, "200 OK", {"status": "ok"})
        if path == "/readyz":
            status = readiness.status()
            code = "200 OK" if status.ready else "503 Service Unavailable"
            return _answer(start_response, code, {"ready": status.ready, "checks": status.checks})
        return _answer(start_response, "404 Not Found", {"paths": list(PATHS)})

    return app


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, sort_keys=True).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper never holds the worker's exit


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Do not write an access line per probe to stderr (probes come every few seconds)."""


class ObservabilityServer:
    """The HTTP server of one worker, serving in a daemon thread.

    Args:
        server: The bound server.
    """

    __slots__ = ("_server", "_thread")

    def __init__(self, server: WSGIServer) -> None:
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="observability-http", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The port bound (the one chosen by the OS when 0 was asked for)."""
        return int(self._server.server_address[1])

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_observability(
    *,
    host: str,
    port: int,
    readiness: Readiness,
    registry: CollectorRegistry | None = None,
) -> ObservabilityServer:
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` on ``host:port`` in a thread.

    Args:
        host: Address to bind (``127.0.0.1``, ``0.0.0.0``, ``::``).
        port: TCP port; 0 lets the OS choose (tests).
        readiness: The worker's checks.
        registry: Prometheus registry; the process-wide one when None.

    Raises:
        OSError: The address cannot be bound (taken port, unknown host).
    """
    server_class = _IPv6Server if ":" in host else _Server
    server = make_server(
        host,
        port,
        make_observability_app(readiness, registry=registry),
        server_class=server_class,
        handler_class=_QuietHandler,
    )
    return ObservabilityServer(server)


def arm_shutdown_deadline(
    grace_s: float, *, exit_now: Callable[[int], None] = os._exit
) -> threading.Timer:
    """Start the clock of a drain: past ``grace_s``, end the process as a kill would.

    Call it when a stop signal arrives. A drain that overruns (a flush stuck on a store
    that stopped answering, a Faust service that does not stop) would otherwise be cut
    by the platform's SIGKILL with no word in the log; ending it here says so, and loses
    nothing: whatever was not committed is read again by the partition's next owner.

    Args:
        grace_s: Seconds the drain may take; keep it below the platform's own limit
            (Kubernetes' ``terminationGracePeriodSeconds``, 30 s by default).
        exit_now: What ends the process (tests pass a recorder).

    Returns:
        The started timer (a daemon thread); cancel it when the drain ends in time.
    """

    def expire() -> None:
        log.error(
            "shutdown_grace_expired",
            grace_s=grace_s,
            consequence="exiting without finishing the drain; uncommitted records are "
            "read again by the next owner of their partitions",
        )
        exit_now(EXIT_GRACE_EXPIRED)

    timer = threading.Timer(grace_s, expire)
    timer.name = "shutdown-deadline"
    timer.daemon = True
    timer.start()
    return timer
