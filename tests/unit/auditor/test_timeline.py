"""Rebuilding request trees from archived rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditstream.auditor.timeline import InvalidIdError, build_timelines, load_trace

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _row(
    event_id: str,
    *,
    trace: str = "a" * 32,
    span: str | None,
    parent: str | None,
    ms: int,
    event_type: str = "OTHER",
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": event_id,
        "timestamp": T0 + timedelta(milliseconds=ms),
        "event_type": event_type,
        "action": event_id,
        "status": "SUCCESS",
        "latency_ms": None,
        "tenant_id": "acme",
        "user_id": None,
        "session_id": None,
        "trace_id": trace,
        "span_id": span,
        "parent_span_id": parent,
        "service": "svc",
        "provider": None,
        "model": None,
        "tokens_input": None,
        "tokens_output": None,
        "tool_name": None,
        "guardrails_triggered": [],
        "error_type": None,
    }
    row.update(extra)
    return row


class TestBuildTimelines:
    def test_children_hang_under_the_span_they_name_in_time_order(self) -> None:
        """A chain span holds the LLM call and the tool call that happened inside it."""
        rows = [
            _row("tool", span="s3", parent="s1", ms=30, event_type="TOOL_CALL"),
            _row("chain", span="s1", parent=None, ms=0, event_type="CHAIN"),
            _row("llm", span="s2", parent="s1", ms=10, event_type="LLM_REQUEST"),
        ]
        [timeline] = build_timelines(rows)
        assert [r.event["event_id"] for r in timeline.roots] == ["chain"]
        assert [c.event["event_id"] for c in timeline.roots[0].children] == ["llm", "tool"]

    def test_event_whose_parent_is_not_archived_becomes_a_root(self) -> None:
        """Nothing is hidden when a parent span never reached the archive."""
        rows = [
            _row("orphan", span="s9", parent="missing", ms=5),
            _row("root", span="s1", parent=None, ms=0),
        ]
        [timeline] = build_timelines(rows)
        assert [r.event["event_id"] for r in timeline.roots] == ["root", "orphan"]

    def test_totals_sum_tokens_tools_errors_and_guardrails(self) -> None:
        """Totals add up over every event of the trace."""
        rows = [
            _row(
                "llm",
                span="s1",
                parent=None,
                ms=0,
                event_type="LLM_REQUEST",
                tokens_input=100,
                tokens_output=20,
            ),
            _row("tool", span="s2", parent="s1", ms=5, event_type="TOOL_CALL"),
            _row(
                "err", span="s3", parent="s1", ms=9, event_type="ERROR", error_type="TimeoutError"
            ),
            _row("guard", span="s4", parent="s1", ms=12, guardrails_triggered=["pii", "toxicity"]),
        ]
        [timeline] = build_timelines(rows)
        totals = timeline.totals
        assert (
            totals.events,
            totals.tokens,
            totals.tool_calls,
            totals.errors,
            totals.guardrails,
        ) == (4, 120, 1, 1, 2)
        assert totals.ended - totals.started == timedelta(milliseconds=12)

    def test_traces_are_separated_and_ordered_by_their_first_event(self) -> None:
        """A session with two requests gives two trees, earliest first."""
        rows = [
            _row("late", trace="b" * 32, span="x", parent=None, ms=100),
            _row("early", trace="c" * 32, span="y", parent=None, ms=1),
        ]
        assert [t.trace_id for t in build_timelines(rows)] == ["c" * 32, "b" * 32]

    def test_steps_are_numbered_by_event_time_whatever_order_the_rows_come_in(self) -> None:
        """seq ranks the trace's events by timestamp, although children arrived first."""
        rows = [
            _row("child", span="s2", parent="s1", ms=5),
            _row("grandchild", span="s3", parent="s2", ms=7),
            _row("root", span="s1", parent=None, ms=0),
        ]
        [timeline] = build_timelines(rows)
        root = timeline.roots[0]
        child = root.children[0]
        assert [root.event["seq"], child.event["seq"], child.children[0].event["seq"]] == [1, 2, 3]

    def test_at_equal_timestamps_a_parent_ranks_before_the_events_inside_it(self) -> None:
        """A run and its first child started in the same microsecond: the parent is first."""
        rows = [
            _row("0-child", span="s2", parent="s1", ms=0),  # its id sorts first
            _row("9-root", span="s1", parent=None, ms=0),
        ]
        [timeline] = build_timelines(rows)
        [root] = timeline.roots
        assert (root.event["seq"], root.children[0].event["seq"]) == (1, 2)

    def test_each_step_keeps_the_processors_arrival_number_beside_its_seq(self) -> None:
        """seq is by event time; trace_sequence stays what the processor archived."""
        rows = [
            _row("child", span="s2", parent="s1", ms=10, trace_sequence=1),
            _row("root", span="s1", parent=None, ms=0, trace_sequence=2),
        ]
        [timeline] = build_timelines(rows)
        [root] = timeline.roots
        assert (root.event["seq"], root.event["trace_sequence"]) == (1, 2)
        child = root.children[0].event
        assert (child["seq"], child["trace_sequence"]) == (2, 1)

    def test_a_named_parent_event_wins_over_the_parent_span(self) -> None:
        """trace.parent_event_id links to that event even when another event has the span."""
        rows = [
            _row("span-event", span="s1", parent=None, ms=0),
            _row("other", span="s1", parent=None, ms=1),
            _row("child", span="s2", parent="s1", ms=2, parent_event_id="span-event"),
        ]
        [timeline] = build_timelines(rows)
        [first, second] = timeline.roots
        assert [c.event["event_id"] for c in first.children] == ["child"]
        assert second.children == []

    def test_each_step_ends_after_its_own_duration_and_the_trace_at_its_last_end(self) -> None:
        """A root that runs 500 ms makes the trace 500 ms, though its child starts later."""
        rows = [
            _row("root", span="s1", parent=None, ms=0, latency_ms=500.0),
            _row("child", span="s2", parent="s1", ms=10, latency_ms=100.0),
        ]
        [timeline] = build_timelines(rows)
        assert timeline.roots[0].event["ended"] == T0 + timedelta(milliseconds=500)
        assert timeline.roots[0].children[0].event["ended"] == T0 + timedelta(milliseconds=110)
        assert (timeline.totals.started, timeline.totals.ended) == (
            T0,
            T0 + timedelta(milliseconds=500),
        )
        assert timeline.totals.duration_ms == pytest.approx(500.0)

    def test_json_form_keeps_the_tree_and_iso_times(self) -> None:
        """to_dict nests children and writes times in ISO 8601."""
        [timeline] = build_timelines(
            [_row("a", span="s1", parent=None, ms=0), _row("b", span="s2", parent="s1", ms=1)]
        )
        data = timeline.to_dict()
        assert data["steps"][0]["children"][0]["event_id"] == "b"
        assert data["steps"][0]["timestamp"] == T0.isoformat()
        assert [data["steps"][0]["seq"], data["steps"][0]["children"][0]["seq"]] == [1, 2]
        assert data["steps"][0]["ended"] == T0.isoformat()  # no latency: ends at its start
        assert data["totals"]["duration_ms"] == 1.0


class TestLoadTrace:
    @pytest.mark.parametrize("trace_id", ["", "xyz", "A" * 32, "a" * 31, "a' OR 1=1 --" + "a" * 20])
    def test_ids_that_are_not_w3c_trace_ids_are_refused_before_any_query(
        self, trace_id: str
    ) -> None:
        """Only 32 lowercase hex digits reach the SQL."""
        with pytest.raises(InvalidIdError):
            load_trace(trace_id, settings=None)  # type: ignore[arg-type]


class TestRender:
    def test_the_tree_numbers_steps_and_the_totals_give_first_start_to_last_end(self) -> None:
        """audit trace prints each step's seq and duration, and the trace's full length."""
        from rich.console import Console

        from auditstream.auditor.cli.timeline import render

        [timeline] = build_timelines(
            [
                _row("root", span="s1", parent=None, ms=0, latency_ms=500.0),
                _row("child", span="s2", parent="s1", ms=10, latency_ms=100.0),
            ]
        )
        console = Console(record=True, width=200)
        render(timeline, console)
        text = console.export_text()
        assert "#1 10:00:00.000" in text
        assert "#2 10:00:00.010" in text
        assert "100 ms" in text
        assert "500 ms from the first start to the last end" in text

    def test_a_step_that_arrived_out_of_time_order_shows_its_arrival(self) -> None:
        """The tree shows the processor's number where it differs from the time order."""
        from rich.console import Console

        from auditstream.auditor.cli.timeline import render

        [timeline] = build_timelines(
            [
                _row("root", span="s1", parent=None, ms=0, trace_sequence=2),
                _row("child", span="s2", parent="s1", ms=10, trace_sequence=1),
                _row("late", span="s3", parent="s1", ms=20, trace_sequence=3),
            ]
        )
        console = Console(record=True, width=200)
        render(timeline, console)
        lines = console.export_text().splitlines()
        assert any("#1 (arrived 2) 10:00:00.000" in line for line in lines)
        assert any("#2 (arrived 1) 10:00:00.010" in line for line in lines)
        assert any("#3 10:00:00.020" in line for line in lines)
