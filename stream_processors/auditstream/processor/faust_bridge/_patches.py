"""The patches on the app's consumer: changelog highwaters, contiguous commits, the gate.

Each replaces one method on one object that Faust creates once per process and never
replaces (``App.consumer`` is created on first use, in ``faust/app/base.py``, and its
driver thread in ``ThreadDelegateConsumer.__init__``, ``faust/transport/consumer.py``),
so each is installed once, when the app starts (:func:`~._install.install`), and marks
the object so a second call changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faust.types import TP

# Set on a patched object, so installing twice wraps once.
_MARK_HIGHWATERS = "_auditstream_broker_highwaters"
_MARK_CONTIGUOUS = "_auditstream_contiguous"
_MARK_GATED = "_auditstream_gated"


def use_broker_highwaters(consumer: Any) -> None:
    """Make table recovery read changelog highwaters from the broker.

    Upstream (faust-streaming 0.15.3, ``faust/transport/drivers/aiokafka.py``,
    ``AIOKafkaConsumerThread._highwaters``): under exactly-once the highwaters come from
    aiokafka's ``last_stable_offset``, which aiokafka knows only after it has fetched
    from the partition. ``Recovery._build_highwaters`` (``faust/tables/recovery.py``)
    sizes a recovery with them; for a changelog partition not fetched yet in the current
    assignment the answer is None, Faust turns it into -1, and then either ends that
    partition's recovery at once, before its state is read (traces restart their
    numbering, replays are not recognised), or, when it read the partition earlier as a
    standby, fails its consistency check ("persisted offset ... is higher than the last
    offset in that topic (highwater) (92 > -1)") and stops the worker.

    The patch asks the broker instead, as Faust's non-transactional branch of the same
    method does: ``end_offsets`` sends ListOffsets with the consumer's isolation level,
    so under ``read_committed`` the broker answers with the last stable offset.

    Pinned by ``tests/unit/processor/test_faust_bridge.py::TestBrokerHighwaters::
    test_highwaters_come_from_the_broker_known_or_not_to_the_client`` and
    ``tests/integration/processor/test_crash_and_rebalance.py::TestRebalance::
    test_two_workers_then_one_stopped_then_restarted_keep_traces_and_lose_nothing``.

    Args:
        consumer: ``app.consumer`` (Faust's aiokafka driver consumer).
    """
    thread: Any = getattr(consumer, "_thread", None)
    if thread is None or getattr(thread, _MARK_HIGHWATERS, False):
        return

    async def highwaters(partitions: list[TP]) -> Mapping[TP, int]:
        client = thread._ensure_consumer()
        offsets: Mapping[TP, int] = await client.end_offsets(list(partitions))
        return offsets

    thread._highwaters = highwaters
    setattr(thread, _MARK_HIGHWATERS, True)


def commit_only_contiguous_acks(consumer: Any, raw: str) -> None:
    """Commit a raw partition only up to its first offset not acked.

    Upstream (faust-streaming 0.15.3, ``faust/transport/consumer.py``,
    ``Consumer._new_offset``, fed by ``Consumer._add_gap`` from ``Consumer._drain_messages``):
    how far a partition's offset may be committed merges "gaps" (jumps between
    consecutive fetched offsets, meant for transaction markers and compaction) into the
    acked offsets, and lets a commit pass a one-offset hole. After a restart, Faust's
    recovery resumes fetching before it seeks back to the committed offsets, the fetch
    loop's read offset can end up past messages the stream never delivered, and the
    jump is then taken for a gap: the SIGKILL test lost 278 events that way.

    For the raw topic we commit only a run of acked offsets that starts at the committed
    offset; a hole holds the partition back until the fetch watchdog
    (:mod:`auditstream.processor.watchdog`) seeks to the committed offset and the missing
    messages come again. Other topics keep Faust's rule. (A raw topic written by
    transactional producers has marker offsets nobody acks; it would stall. The SDK's
    producer is idempotent, not transactional.)

    Pinned by ``tests/unit/processor/test_faust_bridge.py::TestContiguousCommits::
    test_a_hole_at_the_committed_offset_holds_the_partition`` (and its class) and
    ``tests/integration/processor/test_crash_and_rebalance.py::TestCrash::
    test_sigkill_mid_stream_then_restart_forwards_every_event_exactly_once``.

    Args:
        consumer: ``app.consumer``.
        raw: The raw topic.
    """
    if getattr(consumer, _MARK_CONTIGUOUS, False):
        return
    original = consumer._new_offset

    def new_offset(tp: TP) -> int | None:
        if tp.topic != raw:
            offset: int | None = original(tp)
            return offset
        acked: list[int] = consumer._acked[tp]
        if not acked:
            return None
        index: set[int] = consumer._acked_index[tp]
        committed = consumer._committed_offset[tp]
        start = committed if committed is not None else min(acked)
        end = start
        while end in index:
            end += 1
        if end == start:
            return None
        done = set(range(start, end))
        acked[:] = sorted(o for o in acked if o not in done and o >= end)
        index.difference_update(done)
        index.difference_update({o for o in index if o < end})
        return end

    consumer._new_offset = new_offset
    setattr(consumer, _MARK_CONTIGUOUS, True)


def gate_commits(consumer: Any, gate: asyncio.Lock, after: Callable[[], None]) -> None:
    """Make Faust's offset commits wait for the chunk being sent and acked.

    Upstream (faust-streaming 0.15.3, ``faust/transport/consumer.py``): the
    ``Consumer._commit_handler`` timer calls ``Consumer.commit`` every commit interval,
    and ``Consumer.force_commit`` picks the acked offsets (``_filter_committable_offsets``)
    and then commits every open transaction (``_commit_offsets``, which under
    exactly-once hands them to ``TransactionManager.commit``). If that ran between the
    agent's first send of a chunk and its acks, a transaction could carry part of a
    chunk's outputs with older offsets, and a crash would replay them. Holding ``gate``
    around ``force_commit`` makes the agent's step 4 and a commit exclusive; ``after``
    runs after every commit, still under the gate, so the trace tracker learns which
    offsets are committed (docs/processor-exactly-once.md, "Why a commit gate").

    This is a wrapper on a public method of the consumer object, not a private name, but
    it replaces Faust's method on Faust's object, so it lives here with the others.

    Pinned by ``tests/unit/processor/test_faust_bridge.py::TestCommitGate::
    test_a_commit_waits_for_the_gate_and_reports_after_it`` and
    ``tests/integration/processor/test_crash_and_rebalance.py::TestCrash::
    test_sigkill_mid_stream_then_restart_forwards_every_event_exactly_once``.

    Args:
        consumer: ``app.consumer`` (its ``force_commit``; ``ConsumerT`` omits it).
        gate: Held by the agent while it sends a chunk and acks it.
        after: Called after every commit, still under the gate.
    """
    if getattr(consumer, _MARK_GATED, False):
        return
    original: Callable[..., Awaitable[bool]] = consumer.force_commit

    async def force_commit(*args: Any, **kwargs: Any) -> bool:
        async with gate:
            try:
                return await original(*args, **kwargs)
            finally:
                after()

    consumer.force_commit = force_commit
    setattr(consumer, _MARK_GATED, True)
