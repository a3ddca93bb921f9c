"""Where a worker's redaction runs: a child process with its own interpreter.

spaCy and Presidio are CPU-bound Python. In a thread of the worker they share one GIL
with faust-streaming and aiokafka (fetching, sending, acking), and each stalls the other:
profiled, the analysis thread was busy 97% of a round yet ran about a fifth slower than
the same code alone. In a child process the two run side by side. The child is forked
from the worker before the worker starts any thread, so it has the worker's loaded
pipeline (models, policy, key) without loading it again; messages go to it and
prepared events come back pickled (tens of microseconds per event, against milliseconds
of analysis). A child that dies breaks the pool: the next call raises, the agent stops
the worker (fail-stop), and the group hands its partitions on. A worker that dies
(SIGKILL included) takes its child along within a second: the child watches its parent.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor

from auditstream.processor.pipeline import Pipeline, RawMessage, Step
from auditstream.processor.redaction.engine import CacheStats
from auditstream.processor.supervisor import follow_parent

_pipeline: Pipeline | None = None  # the worker's, which the forked child inherits


def _start() -> None:
    """Child initializer: end with the worker (a SIGKILLed worker cannot stop it)."""
    follow_parent()


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


def analysis_process(pipeline: Pipeline) -> Executor:
    """Fork the child with this process's pipeline and wait until it runs.

    Call it before this process starts any thread: the executor forks its child at the
    first submit, here, and a child forked beside running threads (aiokafka, Faust, a
    metrics server) would inherit their locks mid-use.

    Args:
        pipeline: The loaded pipeline the child redacts with.

    Returns:
        An executor of one process; submit :func:`prepare` to it.
    """
    global _pipeline  # noqa: PLW0603 - the child inherits it through the fork
    _pipeline = pipeline
    pool = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("fork"), initializer=_start
    )
    pool.submit(prepare, []).result()  # fork now, not on the first batch
    return pool
