"""Where a worker's redaction runs: a child process with its own interpreter.

spaCy and Presidio are CPU-bound Python. In a thread of the worker they share one GIL
with faust-streaming and aiokafka (fetching, sending, acking), and each stalls the other:
profiled, the analysis thread was busy 97% of a round yet ran about a fifth slower than
the same code alone. In a child process the two run side by side. The child loads its
own pipeline (models, policy, key) from the worker's settings; messages go to it and
prepared events come back pickled (tens of microseconds per event, against milliseconds
of analysis). A child that dies breaks the pool: the next call raises, the agent stops
the worker (fail-stop), and the group hands its partitions on. A worker that dies
(SIGKILL included) takes its child along within a second: the child watches its parent.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

from auditstream.processor.pipeline import Pipeline, RawMessage, Step
from auditstream.processor.redaction.engine import CacheStats
from auditstream.processor.settings import ProcessorSettings

_pipeline: Pipeline | None = None  # the child's own, built by _start
_PARENT_CHECK_S = 1.0


def _start(settings: ProcessorSettings, log_level: str) -> None:
    """Child initializer: follow the worker out, log as it does, load the pipeline."""
    global _pipeline  # noqa: PLW0603 - one pipeline per child process, set once
    threading.Thread(
        target=_exit_with, args=(os.getppid(),), name="parent-watch", daemon=True
    ).start()
    from auditstream.processor.loader import load_pipeline  # noqa: PLC0415
    from auditstream.processor.redaction.offline import prepare_offline  # noqa: PLC0415
    from auditstream.schemas.observability import configure_logging  # noqa: PLC0415

    configure_logging(level=log_level, fmt="json", stage="processor")
    prepare_offline()
    _pipeline = load_pipeline(settings)


def _exit_with(parent: int) -> None:
    """End this child once its worker is gone (a SIGKILLed worker cannot stop it)."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_S)
    os._exit(0)


def timed_prepare(
    pipeline: Pipeline, messages: list[RawMessage]
) -> tuple[list[Step], float, CacheStats]:
    """:meth:`Pipeline.prepare`, its duration, and the cache's counters (child or thread)."""
    started = time.perf_counter()
    steps = pipeline.prepare(messages) if messages else []
    return steps, time.perf_counter() - started, pipeline.cache_stats


def prepare(messages: list[RawMessage]) -> tuple[list[Step], float, CacheStats]:
    """In the child: :func:`timed_prepare` with the child's own pipeline."""
    if _pipeline is None:
        raise RuntimeError("the analysis child has no pipeline")  # _start did not run: a bug
    return timed_prepare(_pipeline, messages)


def analysis_process(settings: ProcessorSettings, log_level: str) -> Executor:
    """Start the child and wait until its pipeline is loaded.

    Args:
        settings: The worker's settings (the child builds its pipeline from them).
        log_level: The worker's log level.

    Returns:
        An executor of one process; submit :func:`prepare` to it.
    """
    # spawn, not fork: by the time the first batch arrives the worker runs threads
    # (aiokafka, Faust), and a forked child would inherit their locks mid-use.
    pool = ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(settings, log_level),
    )
    pool.submit(prepare, []).result()  # load the models now, not on the first batch
    return pool
