"""Pure enrichment: sequence, parent, inherited actor, totals, duplicates, expiry, codec."""

from __future__ import annotations

import pytest

from auditstream.processor.enrichment import (
    EnrichmentLimits,
    ExpiryIndex,
    TraceState,
    TraceStateError,
    enrich,
    is_duplicate,
    is_expired,
)
from auditstream.schemas import new_event_id, new_span_id, new_trace_id
from support.events import make_event

LIMITS = EnrichmentLimits.from_seconds(dedup_window_s=60, max_ids_per_trace=100)
S = 1_000_000


def _processing() -> dict:
    return {
        "ingested_at": 0,
        "policy_version": "test",
        "recognizer_version": "test",
        "redactions": [],
        "trace_sequence": None,
        "parent_event_id": None,
        "inherited_fields": [],
        "trace_tokens_total": None,
        "trace_tool_calls": None,
        "trace_errors": None,
    }


def _event(
    trace_id: str,
    *,
    span: str | None,
    parent: str | None,
    parent_event: str | None = None,
    **overrides: object,
) -> dict:
    event = make_event(
        trace={
            "trace_id": trace_id,
            "span_id": span,
            "parent_span_id": parent,
            "parent_event_id": parent_event,
        },
        **overrides,
    )
    event["processing"] = _processing()
    return event


NO_ACTOR = {
    "tenant_id": None,
    "user_id": None,
    "session_id": None,
    "ip_address": None,
    "user_agent": None,
}


class TestEnrich:
    def test_first_event_of_a_trace_gets_sequence_one_and_no_parent(self) -> None:
        """A new trace starts at 1 and has nothing to link or inherit."""
        event = _event(new_trace_id(), span=new_span_id(), parent=None)
        state = enrich(event, None, partition=2, now_us=10 * S, limits=LIMITS)
        assert event["processing"]["trace_sequence"] == 1
        assert event["processing"]["parent_event_id"] is None
        assert event["processing"]["inherited_fields"] == []
        assert state.partition == 2
        assert state.sequence == 1
        assert state.first_seen_us == state.last_seen_us == 10 * S

    def test_child_links_to_the_event_that_opened_its_parent_span(self) -> None:
        """parent_span_id resolves to the first event that carried that span id."""
        trace, root_span = new_trace_id(), new_span_id()
        root = _event(trace, span=root_span, parent=None)
        sibling = _event(trace, span=root_span, parent=None)
        child = _event(trace, span=new_span_id(), parent=root_span)
        state = enrich(root, None, partition=0, now_us=S, limits=LIMITS)
        state = enrich(sibling, state, partition=0, now_us=2 * S, limits=LIMITS)
        enrich(child, state, partition=0, now_us=3 * S, limits=LIMITS)
        assert child["processing"]["parent_event_id"] == root["event_id"]
        assert child["processing"]["trace_sequence"] == 3

    def test_a_child_arriving_before_its_parent_links_to_the_parent_it_names(self) -> None:
        """trace.parent_event_id wins: the link holds although the parent comes later."""
        trace, root_span = new_trace_id(), new_span_id()
        root = _event(trace, span=root_span, parent=None)
        child = _event(trace, span=new_span_id(), parent=root_span, parent_event=root["event_id"])
        state = enrich(child, None, partition=0, now_us=S, limits=LIMITS)
        enrich(root, state, partition=0, now_us=2 * S, limits=LIMITS)
        assert child["processing"]["parent_event_id"] == root["event_id"]
        assert root["processing"]["parent_event_id"] is None

    def test_a_named_parent_wins_over_the_span_lookup(self) -> None:
        """When both exist, the producer's parent_event_id is what the event links to."""
        trace, span = new_trace_id(), new_span_id()
        first = _event(trace, span=span, parent=None)
        named = new_event_id()
        child = _event(trace, span=new_span_id(), parent=span, parent_event=named)
        state = enrich(first, None, partition=0, now_us=S, limits=LIMITS)
        enrich(child, state, partition=0, now_us=2 * S, limits=LIMITS)
        assert child["processing"]["parent_event_id"] == named

    def test_parent_not_seen_yet_leaves_the_link_empty(self) -> None:
        """A child processed before its parent gets no parent id (never a wrong one)."""
        child = _event(new_trace_id(), span=new_span_id(), parent=new_span_id())
        enrich(child, None, partition=0, now_us=S, limits=LIMITS)
        assert child["processing"]["parent_event_id"] is None

    def test_missing_actor_fields_are_inherited_and_named(self) -> None:
        """A tool event without tenant, user and session takes them from the trace."""
        trace = new_trace_id()
        root = _event(trace, span=new_span_id(), parent=None)
        tool = _event(trace, span=new_span_id(), parent=None, actor=dict(NO_ACTOR))
        state = enrich(root, None, partition=0, now_us=S, limits=LIMITS)
        enrich(tool, state, partition=0, now_us=2 * S, limits=LIMITS)
        assert tool["actor"]["tenant_id"] == root["actor"]["tenant_id"]
        assert tool["actor"]["user_id"] == root["actor"]["user_id"]
        assert tool["actor"]["session_id"] == root["actor"]["session_id"]
        assert tool["actor"]["ip_address"] is None  # only tenant, user and session
        assert tool["processing"]["inherited_fields"] == [
            "actor.tenant_id",
            "actor.user_id",
            "actor.session_id",
        ]

    def test_own_actor_fields_win_and_the_first_seen_values_are_remembered(self) -> None:
        """An event keeps its own user id; the trace remembers the first one."""
        trace = new_trace_id()
        first = _event(trace, span=None, parent=None)
        second = _event(trace, span=None, parent=None)
        second["actor"]["user_id"] = "someone-else"
        state = enrich(first, None, partition=0, now_us=S, limits=LIMITS)
        state = enrich(second, state, partition=0, now_us=2 * S, limits=LIMITS)
        assert second["actor"]["user_id"] == "someone-else"
        assert second["processing"]["inherited_fields"] == []
        assert state.actor["user_id"] == first["actor"]["user_id"]

    def test_running_totals_count_tokens_tools_and_errors_including_this_event(self) -> None:
        """Tokens add input and output; tool calls and errors count events."""
        trace = new_trace_id()
        llm = _event(trace, span=None, parent=None)  # 7 + 2 tokens
        tool = _event(
            trace,
            span=None,
            parent=None,
            event_type="TOOL_CALL",
            llm=None,
            tool={"name": "t", "input": None, "output": None},
        )
        error = _event(
            trace,
            span=None,
            parent=None,
            event_type="ERROR",
            llm=None,
            error={"type": "E", "message": None},
        )
        state = None
        for i, event in enumerate((llm, tool, error)):
            state = enrich(event, state, partition=0, now_us=(i + 1) * S, limits=LIMITS)
        totals = [
            (
                e["processing"]["trace_tokens_total"],
                e["processing"]["trace_tool_calls"],
                e["processing"]["trace_errors"],
            )
            for e in (llm, tool, error)
        ]
        assert totals == [(9, 0, 0), (9, 1, 0), (9, 1, 1)]

    def test_the_given_state_is_not_modified(self) -> None:
        """enrich returns a new state and leaves the old one as it was."""
        trace = new_trace_id()
        before = enrich(
            _event(trace, span="a" * 16, parent=None), None, partition=0, now_us=S, limits=LIMITS
        )
        snapshot = before.to_bytes()
        enrich(
            _event(trace, span="b" * 16, parent=None),
            before,
            partition=0,
            now_us=2 * S,
            limits=LIMITS,
        )
        assert before.to_bytes() == snapshot

    def test_ids_beyond_the_cap_drop_the_oldest(self) -> None:
        """A huge trace keeps only the newest ids, so its state stays bounded."""
        limits = EnrichmentLimits.from_seconds(dedup_window_s=60, max_ids_per_trace=3)
        trace, state, events = new_trace_id(), None, []
        for i in range(5):
            event = _event(trace, span=new_span_id(), parent=None)
            events.append(event)
            state = enrich(event, state, partition=0, now_us=(i + 1) * S, limits=limits)
        assert state is not None
        assert list(state.seen_ids) == [e["event_id"] for e in events[2:]]
        assert len(state.spans) == 3
        assert state.sequence == 5


class TestDuplicates:
    @pytest.mark.parametrize(
        ("seen_at_s", "now_s", "duplicate"),
        [(10, 10, True), (10, 70, True), (10, 71, False), (10, 5000, False)],
    )
    def test_an_id_is_a_duplicate_only_within_the_window(
        self, seen_at_s: int, now_s: int, duplicate: bool
    ) -> None:
        """A 60 s window: seen 60 s ago is a duplicate, 61 s ago is not."""
        event = _event(new_trace_id(), span=None, parent=None)
        state = enrich(event, None, partition=0, now_us=seen_at_s * S, limits=LIMITS)
        assert is_duplicate(state, event["event_id"], now_us=now_s * S, limits=LIMITS) is duplicate

    def test_an_unknown_trace_has_no_duplicates(self) -> None:
        """Without state nothing is a duplicate."""
        assert not is_duplicate(None, "x", now_us=S, limits=LIMITS)

    def test_ids_older_than_the_window_are_pruned_from_the_state(self) -> None:
        """The state forgets ids once the window has passed."""
        trace = new_trace_id()
        old = _event(trace, span=None, parent=None)
        state = enrich(old, None, partition=0, now_us=S, limits=LIMITS)
        state = enrich(
            _event(trace, span=None, parent=None), state, partition=0, now_us=100 * S, limits=LIMITS
        )
        assert old["event_id"] not in state.seen_ids


class TestExpiry:
    def test_a_trace_expires_after_its_idle_ttl(self) -> None:
        """Idle longer than the TTL: expired; exactly the TTL: kept."""
        state = TraceState(partition=0, last_seen_us=10 * S)
        assert not is_expired(state, now_us=40 * S, ttl_us=30 * S)
        assert is_expired(state, now_us=41 * S, ttl_us=30 * S)

    def test_the_index_returns_stale_keys_oldest_first_and_moves_touched_ones_back(self) -> None:
        """Touching a key makes it young again; pop_expired stops at the first fresh key."""
        index = ExpiryIndex()
        index.touch(0, b"a", 1 * S)
        index.touch(0, b"b", 2 * S)
        index.touch(0, b"c", 3 * S)
        index.touch(0, b"a", 9 * S)
        index.touch(1, b"z", 1 * S)
        assert index.pop_expired(0, now_us=10 * S, ttl_us=5 * S, limit=10) == [b"b", b"c"]
        assert index.pop_expired(0, now_us=10 * S, ttl_us=5 * S, limit=10) == []
        assert len(index) == 2

    def test_the_index_pops_at_most_the_limit(self) -> None:
        """The per-batch limit bounds the work."""
        index = ExpiryIndex()
        for i in range(10):
            index.touch(0, str(i).encode(), S)
        assert len(index.pop_expired(0, now_us=100 * S, ttl_us=S, limit=4)) == 4
        assert len(index) == 6

    def test_rebuild_orders_by_last_seen(self) -> None:
        """After recovery the index orders traces by their stored last-seen time."""
        index = ExpiryIndex()
        index.rebuild([(0, b"new", 5 * S), (0, b"old", 1 * S)])
        assert index.pop_expired(0, now_us=7 * S, ttl_us=3 * S, limit=10) == [b"old"]


class TestStateCodec:
    def test_a_state_survives_encode_then_decode(self) -> None:
        """to_bytes and from_bytes round-trip every field."""
        state = TraceState(
            partition=3,
            sequence=4,
            first_seen_us=1,
            last_seen_us=2,
            actor={"tenant_id": "acme"},
            spans={"s": "e"},
            seen_ids={"e": 2},
            tokens_total=10,
            tool_calls=1,
            errors=2,
        )
        assert TraceState.from_bytes(state.to_bytes()) == state

    @pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"v": 99}', b'{"v": 1, "p": 0}'])
    def test_unreadable_bytes_raise_trace_state_error_with_sizes_only(self, data: bytes) -> None:
        """Bad changelog values raise TraceStateError and never echo the bytes."""
        with pytest.raises(TraceStateError) as info:
            TraceState.from_bytes(data)
        assert str(info.value)
        if len(data) > 4:
            assert data.decode() not in str(info.value)
