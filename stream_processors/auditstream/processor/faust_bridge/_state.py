"""Read-outs of Faust's and aiokafka's private state, and the few direct moves on it.

Nothing here replaces a method; each function reads or changes one piece of state the
public API does not expose, named after what the processor needs, not after Faust's
attribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from faust.types import TP


def committed_offsets(consumer: Any) -> Mapping[TP, int | None]:
    """The offsets Faust's consumer last committed, per partition (live; do not change).

    Faust keeps them in ``Consumer._committed_offset`` (``faust/transport/consumer.py``),
    updated by ``_commit_offsets`` and on assignment; the public API offers only
    ``Consumer.committed``, which asks the broker.

    Args:
        consumer: ``app.consumer``.

    Returns:
        Partition -> next offset to consume (None before the first commit or fetch).
    """
    committed: Mapping[TP, int | None] = consumer._committed_offset
    return committed


def outside_fetch_set(consumer: Any, partitions: Iterable[TP]) -> set[TP]:
    """Which of these partitions Faust's consumer currently does not fetch.

    A partition is fetched when it is in ``Consumer._active_partitions`` and not in
    ``Consumer._paused_partitions`` (``faust/transport/consumer.py``,
    ``Consumer._get_active_partitions``, read by ``getmany``).

    Args:
        consumer: ``app.consumer``.
        partitions: The partitions to look at (the worker's own raw partitions).

    Returns:
        Those paused or left out of the fetch set.
    """
    active = consumer._active_partitions or set()
    paused = consumer._paused_partitions
    return {tp for tp in partitions if tp in paused or tp not in active}


def resume_fetching(consumer: Any, partitions: set[TP]) -> None:
    """Put partitions back into Faust's fetch set.

    Clears each partition's mark in ``Consumer._buffered_partitions`` (set by
    ``Consumer.on_buffer_full`` when the stream's buffer filled, cleared only by
    ``on_buffer_drop``; ``faust/transport/consumer.py``), then resumes it with the
    public ``Consumer.resume_partitions``.

    Args:
        consumer: ``app.consumer``.
        partitions: The partitions to fetch again.
    """
    consumer._buffered_partitions.difference_update(partitions)
    consumer.resume_partitions(partitions)


async def stop_transaction_producers(producer: Any, transactional_ids: Iterable[str]) -> None:
    """Stop and forget the transactional producers with these ids, if Faust holds any.

    Upstream (faust-streaming 0.15.3): ``TransactionManager.on_rebalance``
    (``faust/transport/consumer.py``) stops the producers of revoked partitions only
    when the rebalance reports them revoked, which an eager rebalance does not always
    do; the producer stays in ``Producer._transaction_producers``
    (``faust/transport/drivers/aiokafka.py``), is fenced by the new owner's, and when
    the partition comes back Faust begins a transaction on the fenced producer and the
    first send fails. Removing it makes Faust start a fresh one on assignment, whose
    initialisation aborts whatever the old one left open.

    Pinned by ``tests/integration/processor/test_crash_and_rebalance.py::TestRebalance::
    test_two_workers_then_one_stopped_then_restarted_keep_traces_and_lose_nothing``.

    Args:
        producer: ``app.producer``.
        transactional_ids: The ids to drop (one per source partition).
    """
    producers: dict[str, Any] = getattr(producer, "_transaction_producers", {})
    for transactional_id in transactional_ids:
        stopped = producers.pop(transactional_id, None)
        if stopped is not None:
            await stopped.stop()


def broker_connected(consumer: Any) -> bool | None:
    """Whether the Faust consumer's Kafka client has an open broker connection.

    Reads aiokafka's connection table (``AIOKafkaClient._conns``) through the consumer
    thread of Faust's aiokafka driver (``Consumer._thread``, its ``_consumer``); a
    dictionary read, no network.

    Args:
        consumer: ``app.consumer``.

    Returns:
        True or False; None when the driver's internals are not where this expects them
        (another driver or version), which the check treats as reachable rather than
        keeping a working worker unready.
    """
    thread = getattr(consumer, "_thread", None)
    client = getattr(getattr(thread, "_consumer", None), "_client", None)
    connections = getattr(client, "_conns", None)
    if not isinstance(connections, dict):
        return None
    return any(connection.connected() for connection in list(connections.values()))


class StopHook(Protocol):
    """What a worker runs on its first stop signal, before Faust's own shutdown."""

    def begin(self) -> None:
        """Start stopping (called on every stop signal; must be idempotent)."""


def worker_class(base: Any) -> Any:
    """Faust's Worker class with a :class:`StopHook` run when a stop signal arrives.

    mode's ``Worker`` (``mode/worker.py``) installs ``_on_sigterm`` and ``_on_sigint`` as
    the loop's signal handlers and offers no public hook; the subclass wraps only those
    two: each runs the hook (its ``drain`` attribute), then schedules mode's own shutdown
    exactly as before.

    Args:
        base: ``faust.Worker``.

    Returns:
        The subclass; set ``drain`` on an instance to a :class:`StopHook`.
    """

    class Worker(base):  # type: ignore[misc]  # base is Any: mode.Worker, passed in
        drain: StopHook | None = None

        def _on_sigterm(self) -> None:
            if self.drain is not None:
                self.drain.begin()
            super()._on_sigterm()

        def _on_sigint(self) -> None:
            if self.drain is not None:
                self.drain.begin()
            super()._on_sigint()

    return Worker
