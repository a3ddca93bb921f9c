"""Two corrections to faust-streaming 0.15.3 under exactly-once, each with its evidence.

1. :func:`use_broker_highwaters`: table recovery asks the broker for changelog end offsets.
2. :func:`commit_only_contiguous_acks`: raw offsets commit only over a run of acks that
   starts at the committed offset.

Both replace one method on the app's consumer objects; nothing else of Faust changes.

Recovery highwaters: faust-streaming 0.15.3 sizes a recovery by the changelog partitions'
highwaters, and under exactly-once it takes them from the consumer's last stable offset
(``AIOKafkaConsumerThread._highwaters``), which aiokafka knows only after it has fetched
from the partition. For a partition this worker has not fetched yet in its current
assignment the answer is None, Faust turns it into -1, and then either ends that
partition's recovery at once, before its state is read (traces restart their numbering,
replays are not recognised), or, when it read the partition earlier as a standby, fails
its consistency check ("persisted offset ... is higher than the last offset in that topic
(highwater) (92 > -1)") and stops the worker. Both were seen in this project's rebalance
test. The contiguous-commit rule is explained on its function.

The patch asks the broker instead: ``end_offsets`` sends a ListOffsets request with the
consumer's isolation level, so under ``read_committed`` the broker answers with the last
stable offset, known or not to the client. Faust's non-transactional path already does
exactly this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
from faust.types import TP


def use_broker_highwaters(app: faust.App) -> None:
    """Make the app's consumer read changelog highwaters from the broker (see module doc).

    Args:
        app: The app; its consumer must exist (call from a running agent or later).
    """
    thread: Any = getattr(app.consumer, "_thread", None)
    if thread is None or getattr(thread, "_auditstream_broker_highwaters", False):
        return

    async def highwaters(partitions: list[TP]) -> Mapping[TP, int]:
        consumer = thread._ensure_consumer()
        offsets: Mapping[TP, int] = await consumer.end_offsets(list(partitions))
        return offsets

    thread._highwaters = highwaters
    thread._auditstream_broker_highwaters = True


def commit_only_contiguous_acks(app: faust.App, raw: str) -> None:
    """Commit a raw partition only up to its first offset not acked (see below).

    ``Consumer._new_offset`` decides how far a partition's offset may be committed. It
    merges "gaps" (jumps between consecutive fetched offsets, meant for transaction
    markers and compaction) into the acked offsets and lets a commit pass a one-offset
    hole. After a restart, Faust's recovery resumes fetching before it seeks back to the
    committed offsets, the fetch loop's read offset can end up past messages the stream
    never delivered, and the jump is then taken for a gap: the SIGKILL test lost 278
    events that way. For the raw topic we commit only a run of acked offsets that starts
    at the committed offset; a hole holds the partition back until the fetch watchdog
    seeks to the committed offset and the missing messages come again. (A raw topic
    written by transactional producers has marker offsets nobody acks; it would stall.
    The SDK's producer is idempotent, not transactional.)

    Args:
        app: The app; its consumer must exist.
        raw: The raw topic.
    """
    consumer: Any = app.consumer
    if getattr(consumer, "_auditstream_contiguous", False):
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
    consumer._auditstream_contiguous = True
