"""Apply duplicates, enrichment and expiry to a batch, over the trace table's storage.

:class:`TraceTracker` works on any ``MutableMapping[bytes, bytes]`` (trace id to encoded
:class:`TraceState`): in the worker that is the Faust table's local store, in unit tests
a dict. It never writes the changelog itself; it returns the changes (key, partition,
new value or None for a delete) so the agent can send them inside the source partition's
transaction together with the outputs. No Faust, no Kafka, no I/O.

The storage holds committed state only. Changes wait in a per-partition overlay
(reads see them) until the agent reports that the partition's offsets committed past
them (:meth:`TraceTracker.committed`); on revocation the overlay is dropped
(:meth:`TraceTracker.discard`), because that partition's open transaction, which carried
the same changes to the changelog, is aborted, and the keys this worker changed in the
storage since the last recovery go back to what that recovery left; the next recovery
replays the committed changelog from there. Without that a rebalance would
leave aborted state in memory, and the replayed events would be taken for duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field

import structlog

from auditstream.processor.enrichment.enrich import (
    EnrichmentLimits,
    enrich,
    is_duplicate,
    is_expired,
)
from auditstream.processor.enrichment.expiry import ExpiryIndex
from auditstream.processor.enrichment.state import TraceState, TraceStateError
from auditstream.processor.pipeline import Prepared, Step
from auditstream.processor.redaction.scanning import UNSCANNED

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    """One changelog record to write.

    Attributes:
        partition: Changelog partition (the source partition of the trace).
        value: The encoded state, or None to delete the trace.
    """

    partition: int
    value: bytes | None


@dataclass(slots=True)
class BatchResult:
    """What happened to one batch.

    Attributes:
        steps: Steps to encode and send, duplicates removed, in stream order.
        duplicates: Events dropped as duplicates.
        unenriched: Events forwarded without trace enrichment, by reason.
        changes: Changelog records, one per touched trace (the last state wins).
        entities: Redactions in the kept events, by entity type.
        unscanned: Texts of the kept events replaced by an ``<UNSCANNED:n>`` token (not
            analyzed in time), by policy path.
    """

    steps: list[Step] = field(default_factory=list)
    duplicates: int = 0
    unenriched: dict[str, int] = field(default_factory=dict)
    changes: dict[bytes, Change] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)
    unscanned: dict[str, int] = field(default_factory=dict)


class TraceTracker:
    """Duplicates, enrichment and expiry over the trace table.

    Args:
        data: The table's storage: trace id (bytes) to encoded state.
        limits: Dedup window and id caps.
        ttl_s: Idle time after which a trace's state is deleted.
        expire_per_batch: Most traces deleted per partition per batch (bounds the
            pause a backlog of expiries can cause).
    """

    def __init__(
        self,
        data: MutableMapping[bytes, bytes],
        *,
        limits: EnrichmentLimits,
        ttl_s: float,
        expire_per_batch: int = 1000,
    ) -> None:
        self._data = data
        self._limits = limits
        self._ttl_us = int(ttl_s * 1_000_000)
        self._expire_per_batch = expire_per_batch
        self._index = ExpiryIndex()
        # partition -> key -> new value (None: delete), not yet committed
        self._pending: dict[int, dict[bytes, bytes | None]] = {}
        # partition -> highest source offset whose changes are in the overlay
        self._pending_offset: dict[int, int] = {}
        # partition -> key -> what the storage held before this worker first changed the
        # key since the last recovery (None: nothing), so a revocation can put it back
        self._settled: dict[int, dict[bytes, bytes | None]] = {}

    def __len__(self) -> int:
        return len(self._data)

    def sent(self, last_offsets: dict[int, int]) -> None:
        """Record that a batch's changes were sent with outputs up to these offsets.

        Args:
            last_offsets: Source partition to the highest offset of the batch in it.
        """
        for partition, offset in last_offsets.items():
            if offset > self._pending_offset.get(partition, -1):
                self._pending_offset[partition] = offset

    def committed(self, next_offsets: dict[int, int]) -> None:
        """Move overlay changes into the storage for partitions committed past them.

        Args:
            next_offsets: Source partition to its committed offset (the next to read).
        """
        for partition in list(self._pending):
            sent = self._pending_offset.get(partition)
            if sent is None or next_offsets.get(partition, -1) <= sent:
                continue
            settled = self._settled.setdefault(partition, {})
            for key, value in self._pending.pop(partition).items():
                before = settled.setdefault(key, self._data.get(key))
                if value is not None:
                    self._data[key] = value
                    continue
                self._data.pop(key, None)
                if before is None:
                    # Created and deleted since the recovery: the changelog has both,
                    # so there is nothing to put back (and nothing to keep in memory).
                    del settled[key]
            del self._pending_offset[partition]

    def discard(self, partitions: Iterable[int]) -> None:
        """Forget what this worker wrote for revoked partitions; trust their changelog.

        The overlay goes, and every key this worker changed in the storage since the
        table last recovered goes back to what the recovery left there (written keys are
        removed or restored, deleted ones restored). Changes reach the storage when Faust
        reports the partition's offsets committed, and faust-streaming 0.15.3 can report
        a commit its transaction did not make durable (a CI run lost 34 events that way:
        their new traces' state stayed in memory while their outputs were aborted, and
        the replay was dropped as duplicates). Nothing true is lost: on the next
        assignment Faust's recovery reads the changelog (``read_committed``) from where
        its last recovery stopped, or from the start for a partition new to this worker,
        so every committed change of this worker comes back and no aborted one does.

        Args:
            partitions: The revoked partitions.
        """
        partitions = list(partitions)
        for partition in partitions:
            self._pending.pop(partition, None)
            self._pending_offset.pop(partition, None)
            for key, before in self._settled.pop(partition, {}).items():
                if before is None:
                    self._data.pop(key, None)
                else:
                    self._data[key] = before
        self._index.drop_partitions(partitions)

    def apply(self, steps: Sequence[Step], *, now_us: int) -> BatchResult:
        """Drop duplicates and enrich the prepared events of one batch, in order.

        An event is enriched only when its message key is its trace id: then every
        event of the trace is in this partition and this worker owns its state. Other
        events (no key, a foreign key) are forwarded unenriched and never dropped.

        Args:
            steps: The batch after :meth:`Pipeline.prepare`.
            now_us: Processing time, microseconds since the epoch.

        Returns:
            The steps to send and the changelog records to write with them.
        """
        result = BatchResult()
        states: dict[bytes, TraceState | None] = {}
        for step in steps:
            if not isinstance(step, Prepared):
                result.steps.append(step)
                continue
            event = step.event
            key = event["trace"]["trace_id"].encode()
            if step.source.key != key:
                reason = "no_key" if step.source.key is None else "key_is_not_trace_id"
                result.unenriched[reason] = result.unenriched.get(reason, 0) + 1
                result.steps.append(step)
                self._count_entities(event, result)
                continue
            if key not in states:
                states[key] = self._load(key, step.source.partition)
            state = states[key]
            if is_duplicate(state, event["event_id"], now_us=now_us, limits=self._limits):
                result.duplicates += 1
                continue
            partition = step.source.partition
            states[key] = new = enrich(
                event, state, partition=partition, now_us=now_us, limits=self._limits
            )
            value = new.to_bytes()
            self._pending.setdefault(partition, {})[key] = value
            self._index.touch(partition, key, now_us)
            result.changes[key] = Change(partition, value)
            result.steps.append(step)
            self._count_entities(event, result)
        return result

    def expire(self, partitions: Iterable[int], *, now_us: int) -> dict[bytes, Change]:
        """Delete traces of these partitions idle longer than the TTL.

        Only partitions of the current batch are swept: their transactions commit with
        the batch, so the deletes are never left in an idle partition's open transaction.

        Args:
            partitions: Partitions this worker owns and is about to commit.
            now_us: Now, microseconds since the epoch.

        Returns:
            Delete records for the changelog.
        """
        changes: dict[bytes, Change] = {}
        for partition in partitions:
            for key in self._index.pop_expired(
                partition, now_us=now_us, ttl_us=self._ttl_us, limit=self._expire_per_batch
            ):
                state = self._load(key, partition)
                if state is None:
                    continue
                if not is_expired(state, now_us=now_us, ttl_us=self._ttl_us):
                    self._index.touch(partition, key, state.last_seen_us)
                    continue
                self._pending.setdefault(partition, {})[key] = None
                changes[key] = Change(partition, None)
        return changes

    def rebuild_index(self) -> int:
        """Rebuild the expiry order from the storage (after the table recovered).

        Returns:
            How many traces the storage holds.
        """
        self._settled.clear()  # the storage is the changelog's again
        entries = []
        for key in list(self._data):
            state = self._load(key, None)
            if state is not None:
                entries.append((state.partition, key, state.last_seen_us))
        self._index.rebuild(entries)
        return len(entries)

    def _load(self, key: bytes, partition: int | None) -> TraceState | None:
        pending = self._pending.get(partition, {}) if partition is not None else {}
        raw = pending[key] if key in pending else self._data.get(key)
        if raw is None:
            return None
        try:
            return TraceState.from_bytes(raw)
        except TraceStateError as exc:
            # An unreadable state must not stop the stream: the trace restarts its
            # numbering, which the operator sees in this warning.
            log.warning("trace_state_unreadable", reason=exc.reason, consequence="trace_restarts")
            return None

    @staticmethod
    def _count_entities(event: dict[str, object], result: BatchResult) -> None:
        processing = event.get("processing")
        if not isinstance(processing, dict):
            return
        for redaction in processing.get("redactions", []):
            entity, n = redaction["entity_type"], redaction["count"]
            result.entities[entity] = result.entities.get(entity, 0) + n
            if entity == UNSCANNED:
                path = redaction["field"]
                result.unscanned[path] = result.unscanned.get(path, 0) + n
