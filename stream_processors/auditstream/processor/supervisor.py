"""Restart a processor worker in milliseconds: fork it from a parent that loaded the models.

A processor worker's start is mostly loading spaCy and Presidio (10-25 s on a 2-core host,
once in the worker and once more in its analysis child when each loaded its own). A
worker restarted from scratch after a crash therefore kept its partitions standing
still for longer than the group's recovery needs (issue 19: from SIGKILL to the next
archived event, at most 10 s). So ``audit process`` is a supervisor: it checks the
topics, loads the pipeline and claims the worker's identity once, then forks the worker,
and when the worker dies (SIGKILL, an OOM kill, a fail-stop exit) forks a new one, which
starts with everything loaded and rejoins the group under the same
``group.instance.id``. The worker forks its analysis child in turn, before it starts any
thread, so the child shares the loaded models too (copy-on-write).

What the supervisor must not do: start threads, an event loop or Kafka clients before it
forks (a forked child inherits none of the threads, only their locks), or serve anything
(the worker serves ``/metrics``, ``/healthz`` and ``/readyz``).

1. A stop signal (SIGTERM, SIGINT) is passed to the worker once, and the supervisor
   exits with the worker's exit code when it is done (Faust's drain, bounded by the
   worker's grace period). The worker runs in a process group of its own, so Ctrl-C in
   a terminal reaches only the supervisor, which passes it on once.
2. A worker that exits with 0 by itself is done; the supervisor exits with 0.
3. Any other end is restarted: the first at once, each further one within
   ``RESTART_WINDOW_S`` after a longer pause (``RESTART_BACKOFF_S``), so a cause that
   lasts seconds (a broker outage) is ridden out here, with the models loaded. A worker
   that ends ``RESTART_LIMIT`` times within the window is left dead and the supervisor
   exits with its code, so the platform's own supervisor sees a crash loop (and starts
   everything from scratch). A stop signal during a pause ends the supervisor with 0.
4. A worker whose supervisor is gone stops within a second (:func:`follow_parent`), so a
   SIGKILLed ``audit process`` leaves no worker behind holding its partitions.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import structlog

log = structlog.get_logger(__name__)

# A worker that ends again soon after a restart usually meets the same cause: in a chaos
# run, a broker stopped for 10 s failed five forks within 6 s (each bootstrap fails at
# once), and audit process exited into a cold start. So quick ends back off, about 31 s
# in all before the seventh end is called a crash loop; a worker that got as far as
# processing lives much longer. Past that, the platform's supervisor restarts from
# scratch, with its own back-off, which a broken config or an unreachable cluster needs.
RESTART_BACKOFF_S = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)
RESTART_LIMIT = 7
RESTART_WINDOW_S = 120.0
_PAUSE_STEP_S = 0.1
_PARENT_CHECK_S = 1.0
_CRASH_EXIT_CODE = 70  # EX_SOFTWARE: the worker's body raised

_Handler = Callable[[int, FrameType | None], Any] | int | None


def supervise(run_worker: Callable[[], int]) -> int:
    """Fork ``run_worker`` as the worker, restart it when it dies, return its exit code.

    Args:
        run_worker: The worker's body, run in the forked child; returns its exit code.
            It must start its threads itself (the child has none).

    Returns:
        The exit code for ``audit process``: the worker's after a stop signal or a clean
        end, its last after a crash loop (1 for a signal other than a stop signal).
    """
    supervisor = os.getpid()
    worker = 0
    stopping = False

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if os.getpid() != supervisor:  # a child not yet past its own reset
            return
        stopping = True
        if worker:
            _signal(worker, signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    ends: list[float] = []
    try:
        while True:
            worker = _fork(run_worker, previous)
            log.info("worker_forked", pid=worker)
            if stopping:  # the signal came while the last one was being reaped
                _signal(worker, signal.SIGTERM)
            _, status = os.waitpid(worker, 0)
            code = os.waitstatus_to_exitcode(status)
            worker = 0
            if stopping or code == 0:
                return _exit_code(code)
            now = time.monotonic()
            ends = [t for t in ends if now - t < RESTART_WINDOW_S] + [now]
            if len(ends) >= RESTART_LIMIT:
                log.error(
                    "worker_crash_loop",
                    exit_code=code,
                    ends=len(ends),
                    window_s=RESTART_WINDOW_S,
                    consequence="audit process exits; its partitions move when the session ends",
                )
                return _exit_code(code)
            delay = RESTART_BACKOFF_S[min(len(ends), len(RESTART_BACKOFF_S)) - 1]
            log.warning(
                "worker_restarting",
                exit_code=code,
                delay_s=delay,
                consequence="its partitions wait for the new worker, which has the models",
            )
            if _pause(delay, lambda: stopping):
                return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def follow_parent() -> None:
    """Stop this process within a second once its parent is gone (step 4 of the module doc).

    Starts a daemon thread; call it in a forked child once it may run threads.
    """
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_S)
    os._exit(0)


def _fork(run_worker: Callable[[], int], handlers: dict[signal.Signals, _Handler]) -> int:
    """Fork; in the child run the worker and never return."""
    pid = os.fork()
    if pid:
        return pid
    code = _CRASH_EXIT_CODE
    try:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        os.setpgid(0, 0)  # step 1: terminal signals reach the supervisor alone
        code = run_worker()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # the child must end here, never return
        log.exception("worker_crashed", error_class=type(exc).__name__)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _pause(delay_s: float, stopped: Callable[[], bool]) -> bool:
    """Wait ``delay_s`` before the next fork; return True as soon as a stop was asked."""
    deadline = time.monotonic() + delay_s
    while not stopped():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(left, _PAUSE_STEP_S))  # signal handlers run between the steps
    return True


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended; waitpid reports how
        os.kill(pid, signum)


def _exit_code(code: int) -> int:
    """A wait status as an exit code: a stop signal is a clean stop, other signals fail."""
    if code >= 0:
        return code
    return 0 if -code in (signal.SIGTERM, signal.SIGINT) else 1
