"""SQL over archived events: the events view, its time filter, errors."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pyarrow.dataset as ds
import pytest

from auditstream.archive.arrow_schema import events_to_table
from auditstream.auditor.errors import QueryError
from auditstream.auditor.query import execute_sql
from support.events import make_event

HOUR_US = 3600 * 1_000_000
# 2026-03-01T23:59:59.999999Z
LAST_MICROSECOND_OF_DAY = 1_772_409_599_999_999
PROCESSING = {
    "ingested_at": LAST_MICROSECOND_OF_DAY,
    "policy_version": "2026-01",
    "recognizer_version": "r1",
    "redactions": [{"field": "llm.prompt", "entity_type": "EMAIL_ADDRESS", "count": 1}],
    "trace_sequence": None,
    "parent_event_id": None,
    "inherited_fields": [],
    "trace_tokens_total": None,
    "trace_tool_calls": None,
    "trace_errors": None,
}


@pytest.fixture
def events():
    out = []
    for index, tenant in enumerate(["acme", "acme", "globex", None]):
        event = make_event(
            timestamp=LAST_MICROSECOND_OF_DAY + index * HOUR_US,
            attributes={"region": "eu-west-1"},
            processing=copy.deepcopy(PROCESSING),
        )
        event["actor"]["tenant_id"] = tenant
        out.append(event)
    return ds.dataset(events_to_table(out))


class TestExecuteSql:
    def test_sql_runs_over_the_events_view(self, events):
        """Struct fields read with dots; results come back as Arrow."""
        table = execute_sql(
            "SELECT actor.tenant_id AS t, count(*) AS n FROM events GROUP BY 1 ORDER BY 1",
            events,
        )
        assert table.to_pylist() == [
            {"t": "acme", "n": 2},
            {"t": "globex", "n": 1},
            {"t": None, "n": 1},
        ]

    def test_the_view_keeps_only_the_time_range(self, events):
        """since is inclusive, until exclusive, to the microsecond."""
        since = datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=UTC)
        until = datetime(2026, 3, 2, 1, 59, 59, 999_999, tzinfo=UTC)
        table = execute_sql("SELECT count(*) AS n FROM events", events, since=since, until=until)
        assert table.to_pylist() == [{"n": 2}]

    def test_maps_lists_and_unnest_work_as_auditors_expect(self, events):
        """attributes['k'] reads a map; unnest walks the redaction summary."""
        table = execute_sql(
            "SELECT attributes['region'] AS region, r.entity_type AS entity "
            "FROM events, unnest(processing.redactions) AS t(r) ORDER BY entity LIMIT 2",
            events,
        )
        assert table.to_pylist() == [
            {"region": "eu-west-1", "entity": "EMAIL_ADDRESS"},
            {"region": "eu-west-1", "entity": "EMAIL_ADDRESS"},
        ]

    @pytest.mark.parametrize(
        ("sql", "reason"),
        [
            ("SELEC 1", "syntax error"),
            ("SELECT nope FROM events", "nope"),
            ("SELECT * FROM missing_table", "missing_table"),
        ],
    )
    def test_sql_errors_carry_duckdbs_message(self, events, sql, reason):
        """The auditor sees what DuckDB says, on one line."""
        with pytest.raises(QueryError) as caught:
            execute_sql(sql, events)
        assert reason in caught.value.reason
        assert "\n" not in str(caught.value)

    @pytest.mark.parametrize(
        "sql",
        [
            "COPY (SELECT 1) TO '/tmp/auditstream-should-not-exist.csv'",
            "SELECT * FROM read_csv('/etc/hostname')",
            "INSTALL httpfs",
        ],
    )
    def test_the_query_cannot_touch_files_or_load_extensions(self, events, sql):
        """The archive is the only input, and nothing is written or downloaded."""
        with pytest.raises(QueryError):
            execute_sql(sql, events)

    def test_a_statement_without_rows_returns_an_empty_table(self, events):
        """SET and similar statements do not crash the result handling."""
        assert execute_sql("SET threads = 1", events).num_rows == 0


class TestShortcutFilters:
    def test_type_filter_keeps_only_that_event_type_case_insensitively(self, events):
        """--type narrows the events view before the SQL runs."""
        table = execute_sql("SELECT count(*) AS n FROM events", events, event_type="llm_request")
        everything = execute_sql("SELECT count(*) AS n FROM events", events)
        assert 0 < table.column("n")[0].as_py() <= everything.column("n")[0].as_py()

    def test_unknown_type_is_a_query_error_naming_the_allowed_types(self, events):
        """A typo in --type fails and lists the event types."""
        with pytest.raises(QueryError, match="LLM_REQUEST"):
            execute_sql("SELECT 1", events, event_type="LLM_REQEST")

    def test_user_filter_matches_the_archived_value_and_quotes_it_safely(self, events):
        """--user compares whole values; a quote in it cannot break out of the literal."""
        sql = "SELECT count(*) AS n FROM events"
        assert execute_sql(sql, events, user="nobody' OR '1'='1").column("n")[0].as_py() == 0

    def test_user_filter_keeps_exactly_that_users_events(self, events):
        """--user gives the same rows as the equivalent WHERE clause."""
        direct = execute_sql(
            "SELECT count(*) AS n FROM events WHERE actor.user_id = 'user-1'", events
        )
        filtered = execute_sql("SELECT count(*) AS n FROM events", events, user="user-1")
        assert filtered.column("n")[0].as_py() == direct.column("n")[0].as_py() > 0
