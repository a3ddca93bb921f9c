"""TraceTracker over a plain dict: what the agent sends and what the table keeps."""

from __future__ import annotations

from auditstream.processor.enrichment import EnrichmentLimits, TraceState
from auditstream.processor.enrichment.tracker import Change, TraceTracker
from auditstream.processor.pipeline import DeadLetter, Prepared, RawMessage
from auditstream.schemas import new_trace_id
from support.events import make_event

S = 1_000_000
LIMITS = EnrichmentLimits.from_seconds(dedup_window_s=60, max_ids_per_trace=100)


def _prepared(
    event: dict, *, partition: int = 0, offset: int = 0, key: bytes | None = b""
) -> Prepared:
    event["processing"] = {
        "redactions": [{"field": "llm.prompt", "entity_type": "PERSON", "count": 2}],
    }
    if key == b"":
        key = event["trace"]["trace_id"].encode()
    return Prepared(RawMessage("raw", partition, offset, key, b"bytes"), event)


def _trace_event(trace_id: str) -> dict:
    return make_event(trace={"trace_id": trace_id, "span_id": None, "parent_span_id": None})


class TestTraceTracker:
    def test_one_change_per_trace_per_batch_holding_the_last_state(self) -> None:
        """Three events of a trace in a batch write its state once, at sequence 3."""
        data: dict[bytes, bytes] = {}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        trace = new_trace_id()
        steps = [_prepared(_trace_event(trace), partition=1, offset=i) for i in range(3)]
        result = tracker.apply(steps, now_us=S)
        assert len(result.steps) == 3
        [(key, change)] = result.changes.items()
        assert key == trace.encode()
        assert change.partition == 1
        assert change.value is not None
        assert TraceState.from_bytes(change.value).sequence == 3
        assert data == {}  # not committed yet
        tracker.sent({1: 2})
        tracker.committed({1: 3})
        assert data[key] == change.value

    def test_duplicates_are_removed_counted_and_do_not_advance_the_sequence(self) -> None:
        """A replayed event id is dropped, within the batch and across batches."""
        tracker = TraceTracker({}, limits=LIMITS, ttl_s=120)
        trace = new_trace_id()
        event = _trace_event(trace)
        first = tracker.apply([_prepared(event), _prepared(dict(event))], now_us=S)
        second = tracker.apply([_prepared(dict(event))], now_us=2 * S)
        assert (len(first.steps), first.duplicates) == (1, 1)
        assert (len(second.steps), second.duplicates) == (0, 1)
        assert second.changes == {}

    def test_keyless_and_foreign_keyed_events_pass_unenriched_and_are_never_dropped(
        self,
    ) -> None:
        """Without the trace id as key the state may live elsewhere: forward, do not touch."""
        data: dict[bytes, bytes] = {}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        event = _trace_event(new_trace_id())
        result = tracker.apply(
            [_prepared(event, key=None), _prepared(dict(event), key=b"other")], now_us=S
        )
        assert len(result.steps) == 2
        assert result.unenriched == {"no_key": 1, "key_is_not_trace_id": 1}
        assert result.duplicates == 0
        assert data == {}

    def test_dead_letters_pass_through_in_order(self) -> None:
        """Dead letters keep their place among the kept steps."""
        tracker = TraceTracker({}, limits=LIMITS, ttl_s=120)
        dead = DeadLetter(RawMessage("raw", 0, 1, None, b""), "DecodeError", "empty")
        good = _prepared(_trace_event(new_trace_id()), offset=2)
        result = tracker.apply([dead, good], now_us=S)
        assert result.steps == [dead, good]

    def test_entities_are_counted_by_type_for_kept_events(self) -> None:
        """Redaction counts are summed per entity type, duplicates excluded."""
        tracker = TraceTracker({}, limits=LIMITS, ttl_s=120)
        event = _trace_event(new_trace_id())
        result = tracker.apply([_prepared(event), _prepared(dict(event))], now_us=S)
        assert result.entities == {"PERSON": 2}

    def test_unscanned_texts_are_counted_by_field_for_kept_events(self) -> None:
        """UNSCANNED redactions are summed per policy path (for the metric), duplicates excluded."""
        tracker = TraceTracker({}, limits=LIMITS, ttl_s=120)
        event = _trace_event(new_trace_id())
        first = _prepared(event)
        event["processing"]["redactions"] += [
            {"field": "llm.prompt", "entity_type": "UNSCANNED", "count": 1},
            {"field": "attributes.*", "entity_type": "UNSCANNED", "count": 2},
        ]
        duplicate = Prepared(first.source, dict(event))
        result = tracker.apply([first, duplicate], now_us=S)
        assert result.unscanned == {"llm.prompt": 1, "attributes.*": 2}
        assert result.entities["UNSCANNED"] == 3

    def test_idle_traces_of_swept_partitions_are_deleted_with_a_tombstone(self) -> None:
        """After the TTL a trace is removed and a None change is returned for the changelog."""
        data: dict[bytes, bytes] = {}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        old, other = new_trace_id(), new_trace_id()
        tracker.apply([_prepared(_trace_event(old), partition=0)], now_us=S)
        tracker.apply([_prepared(_trace_event(other), partition=1)], now_us=S)
        _commit(tracker, {0: 0, 1: 0})
        assert tracker.expire({0}, now_us=100 * S) == {}
        assert tracker.expire({0}, now_us=200 * S) == {old.encode(): Change(0, None)}
        _commit(tracker, {0: 1})
        assert old.encode() not in data
        assert other.encode() in data  # partition 1 was not swept

    def test_a_trace_touched_by_a_standby_update_is_not_expired_early(self) -> None:
        """Expiry rechecks the stored state, which may be newer than the index."""
        data: dict[bytes, bytes] = {}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        trace = new_trace_id()
        tracker.apply([_prepared(_trace_event(trace))], now_us=S)
        _commit(tracker, {0: 0})
        data[trace.encode()] = TraceState(partition=0, last_seen_us=150 * S).to_bytes()
        assert tracker.expire({0}, now_us=200 * S) == {}
        assert trace.encode() in data

    def test_rebuild_after_recovery_indexes_every_stored_trace(self) -> None:
        """The expiry order is rebuilt from the storage after a recovery."""
        data = {
            b"a": TraceState(partition=0, last_seen_us=S).to_bytes(),
            b"b": TraceState(partition=1, last_seen_us=S).to_bytes(),
            b"bad": b"not a state",
        }
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=1)
        assert tracker.rebuild_index() == 2
        assert set(tracker.expire({0, 1}, now_us=10 * S)) == {b"a", b"b"}

    def test_an_unreadable_state_restarts_the_trace_instead_of_stopping(self) -> None:
        """A corrupt value is logged and replaced; the event is still enriched."""
        trace = new_trace_id()
        data = {trace.encode(): b"garbage"}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        step = _prepared(_trace_event(trace))
        result = tracker.apply([step], now_us=S)
        _commit(tracker, {0: 0})
        assert len(result.steps) == 1
        assert TraceState.from_bytes(data[trace.encode()]).sequence == 1

    def test_uncommitted_changes_are_visible_to_later_batches(self) -> None:
        """The overlay answers reads before the commit: numbering continues across batches."""
        tracker = TraceTracker({}, limits=LIMITS, ttl_s=120)
        trace = new_trace_id()
        tracker.apply([_prepared(_trace_event(trace), offset=0)], now_us=S)
        tracker.sent({0: 0})
        second = tracker.apply([_prepared(_trace_event(trace), offset=1)], now_us=2 * S)
        [change] = second.changes.values()
        assert change.value is not None
        assert TraceState.from_bytes(change.value).sequence == 2

    def test_a_commit_short_of_the_sent_offsets_keeps_the_overlay(self) -> None:
        """Changes move to the storage only when the committed offset passes them."""
        data: dict[bytes, bytes] = {}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        tracker.apply([_prepared(_trace_event(new_trace_id()), offset=5)], now_us=S)
        tracker.sent({0: 5})
        tracker.committed({0: 5})  # next offset 5: offset 5 itself is not committed
        assert data == {}
        tracker.committed({0: 6})
        assert len(data) == 1

    def test_revocation_discards_uncommitted_state_so_replays_are_not_duplicates(
        self,
    ) -> None:
        """After an aborted transaction the same events are processed again, not dropped."""
        data: dict[bytes, bytes] = {}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        event = _trace_event(new_trace_id())
        tracker.apply([_prepared(event, partition=2)], now_us=S)
        tracker.sent({2: 0})
        tracker.discard([2])
        replay = tracker.apply([_prepared(dict(event), partition=2)], now_us=2 * S)
        assert replay.duplicates == 0
        assert len(replay.steps) == 1
        assert data == {}

    def test_revocation_forgets_the_stored_state_of_its_partitions_only(self) -> None:
        """Faust may report a commit its transaction did not carry, so after a revocation
        only the changelog (recovered on reassignment) says what a partition's traces
        hold: a replay of an event whose commit was reported is processed again."""
        data: dict[bytes, bytes] = {}
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        revoked = _trace_event(new_trace_id())
        kept = _trace_event(new_trace_id())
        tracker.apply([_prepared(revoked, partition=2), _prepared(kept, partition=0)], now_us=S)
        _commit(tracker, {2: 0, 0: 0})
        assert len(data) == 2
        tracker.discard([2])
        assert list(data) == [kept["trace"]["trace_id"].encode()]
        replay = tracker.apply([_prepared(dict(revoked), partition=2)], now_us=2 * S)
        assert (replay.duplicates, len(replay.steps)) == (0, 1)

    def test_state_recovered_from_the_changelog_is_kept_on_revocation(self) -> None:
        """Faust re-reads a kept partition's changelog only from where it stopped, so
        what it recovered stays; what this worker wrote after is forgotten."""
        data = _recovered_table(partition=1)
        recovered = dict(data)
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=120)
        assert tracker.rebuild_index() == 1
        tracker.apply([_prepared(_trace_event(new_trace_id()), partition=1, offset=1)], now_us=S)
        _commit(tracker, {1: 1})
        assert len(data) == 2
        tracker.discard([1])
        assert data == recovered

    def test_a_recovered_trace_deleted_since_comes_back_on_revocation(self) -> None:
        """An expiry delete whose commit Faust reported is undone like a write: the
        changelog, replayed from the last recovery, decides."""
        data = _recovered_table(partition=1)
        recovered = dict(data)
        tracker = TraceTracker(data, limits=LIMITS, ttl_s=1)
        tracker.rebuild_index()
        assert list(tracker.expire([1], now_us=10 * S)) == list(recovered)
        _commit(tracker, {1: 1})
        assert data == {}
        tracker.discard([1])
        assert data == recovered


def _recovered_table(*, partition: int) -> dict[bytes, bytes]:
    """A table holding one trace of ``partition``, as Faust's recovery leaves it."""
    data: dict[bytes, bytes] = {}
    writer = TraceTracker(data, limits=LIMITS, ttl_s=120)
    writer.apply([_prepared(_trace_event(new_trace_id()), partition=partition)], now_us=S)
    _commit(writer, {partition: 0})
    return data


def _commit(tracker: TraceTracker, last_offsets: dict[int, int]) -> None:
    tracker.sent(last_offsets)
    tracker.committed({p: o + 1 for p, o in last_offsets.items()})
