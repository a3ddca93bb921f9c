"""Run N worker processes of one stage and stop them together: ``--workers N``.

``audit process`` and ``audit sink`` scale by processes (one per core) in one consumer
group. The parent only supervises: each child is the same command with one worker, and
gets its own metrics port (the configured one plus its index), since two processes
cannot serve on one port, and a configured ``group.instance.id``
(``AUDITSTREAM_*__INSTANCE_ID``) gets the index as a suffix, since two live members with
one id fence each other. SIGTERM or SIGINT to the parent is passed to every child, so
``systemctl stop`` or Ctrl-C stops the group cleanly instead of orphaning the workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from types import FrameType

import structlog

from auditstream.schemas.profile import profile_environment

log = structlog.get_logger(__name__)

_INSTANCE_ID_SUFFIX = "__INSTANCE_ID"


def worker_environments(
    count: int,
    *,
    metrics_port_variable: str,
    metrics_port: int | None,
    environ: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """Return each child's environment: the parent's, with its own metrics port.

    When the parent's settings came from the settings profile, its variables are
    written into each child's environment, since a child given any settings variable
    (its metrics port, an option) no longer reads the profile. A configured instance id
    (any ``AUDITSTREAM_<STAGE>__INSTANCE_ID``) becomes ``<id>-<i>`` in child ``i``: still
    stable across restarts, and unique in the group.

    Args:
        count: Number of workers.
        metrics_port_variable: The stage's variable, e.g. ``AUDITSTREAM_SINK__METRICS_PORT``.
        metrics_port: The configured port; worker ``i`` serves on ``metrics_port + i``.
            None leaves every child without a metrics endpoint.
        environ: The parent's environment, options as variables included (``os.environ``
            when None).
    """
    base = profile_environment(os.environ) | dict(os.environ if environ is None else environ)
    ids = {
        name: value
        for name, value in base.items()
        if name.startswith("AUDITSTREAM_") and name.endswith(_INSTANCE_ID_SUFFIX) and value
    }
    environments = []
    for i in range(count):
        env = base | {name: f"{value}-{i}" for name, value in ids.items()}
        if metrics_port is not None:
            env[metrics_port_variable] = str(metrics_port + i)
        environments.append(env)
    return environments


def run_worker_processes(argv: Sequence[str], environments: Sequence[dict[str, str]]) -> int:
    """Start one child per environment, pass stop signals on, wait for all.

    Args:
        argv: The command of one worker.
        environments: One environment per child (see :func:`worker_environments`).

    Returns:
        The worst exit code: the highest, or 1 for a child killed by a signal other than
        the stop signal it was sent.
    """
    # Each child in a process group of its own: Ctrl-C in a terminal then reaches the
    # parent alone, which passes it on once (a second SIGINT could cut a flush short).
    children = [
        subprocess.Popen(list(argv), env=env, process_group=0)  # noqa: S603 - our own argv
        for env in environments
    ]
    log.info("workers_started", workers=len(children), pids=[c.pid for c in children])

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        codes = [child.wait() for child in children]
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("workers_stopped", exit_codes=codes)
    return max(_severity(code) for code in codes)


def _severity(code: int) -> int:
    """An exit status as an exit code: a stop signal is a clean stop, other signals fail."""
    if code >= 0:
        return code
    return 0 if -code in (signal.SIGTERM, signal.SIGINT) else 1
