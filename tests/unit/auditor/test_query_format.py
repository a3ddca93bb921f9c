"""Output formats of query results: every format exists and renders nested values."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from auditstream.auditor.output import (
    CsvWriter,
    JsonLinesWriter,
    OutputFormat,
    RichTableWriter,
    writer_for,
)

TABLE = pa.table(
    {
        "event_id": ["e1", "e2"],
        "timestamp": pa.array([1_772_409_599_999_999, 0], type=pa.timestamp("us", tz="UTC")),
        "attributes": pa.array([{"region": "eu"}, {}], type=pa.map_(pa.string(), pa.string())),
        "actor": pa.array(
            [{"tenant_id": "acme", "user_id": None}, {"tenant_id": None, "user_id": "u"}]
        ),
        "guardrails": pa.array([["pii", "tox"], []]),
        "latency_ms": [12.5, None],
        "prompt": ['Zoë said "hi", then left', None],
    }
)


def render(writer, table=TABLE):
    stream = io.StringIO()
    writer.write(table, stream)
    return stream.getvalue()


class TestWriterFor:
    @pytest.mark.parametrize("output_format", list(OutputFormat))
    def test_every_format_has_a_writer(self, output_format):
        """Adding a format without its writer fails here (and in mypy's assert_never)."""
        expected = {
            OutputFormat.TABLE: RichTableWriter,
            OutputFormat.JSONL: JsonLinesWriter,
            OutputFormat.CSV: CsvWriter,
        }[output_format]
        assert isinstance(writer_for(output_format), expected)

    def test_formats_are_named_as_the_cli_spells_them(self):
        """--format takes table, jsonl or csv."""
        assert [f.value for f in OutputFormat] == ["table", "jsonl", "csv"]


class TestJsonLines:
    def test_each_row_is_one_json_object_with_nested_values_as_json(self):
        """Maps become objects, structs objects, times ISO 8601 strings, nulls null."""
        lines = render(JsonLinesWriter()).splitlines()
        assert [json.loads(line) for line in lines] == [
            {
                "event_id": "e1",
                "timestamp": "2026-03-01T23:59:59.999999+00:00",
                "attributes": {"region": "eu"},
                "actor": {"tenant_id": "acme", "user_id": None},
                "guardrails": ["pii", "tox"],
                "latency_ms": 12.5,
                "prompt": 'Zoë said "hi", then left',
            },
            {
                "event_id": "e2",
                "timestamp": "1970-01-01T00:00:00+00:00",
                "attributes": {},
                "actor": {"tenant_id": None, "user_id": "u"},
                "guardrails": [],
                "latency_ms": None,
                "prompt": None,
            },
        ]

    def test_non_ascii_text_is_kept_readable(self):
        """Auditors read names as written, not as escapes."""
        assert "Zoë" in render(JsonLinesWriter())

    def test_an_empty_result_writes_nothing(self):
        """No rows, no lines."""
        assert render(JsonLinesWriter(), TABLE.slice(0, 0)) == ""


class TestCsv:
    def test_a_header_then_one_row_per_result_with_nested_values_as_json(self):
        """Nested cells hold compact JSON; nulls are empty; quoting follows RFC 4180."""
        rows = list(csv.reader(io.StringIO(render(CsvWriter()))))
        assert rows[0] == TABLE.column_names
        assert rows[1] == [
            "e1",
            "2026-03-01T23:59:59.999999+00:00",
            '{"region":"eu"}',
            '{"tenant_id":"acme","user_id":null}',
            '["pii","tox"]',
            "12.5",
            'Zoë said "hi", then left',
        ]
        assert rows[2][5:] == ["", ""]
        assert len(rows) == 3


class TestRichTable:
    def test_the_table_shows_every_column_and_marks_nulls(self):
        """Column names head the table; a null reads as null, not as an empty string."""
        wide = TABLE.select(["event_id", "latency_ms"])
        text = render(RichTableWriter(), wide)
        assert "event_id" in text
        assert "latency_ms" in text
        assert "12.5" in text
        assert "null" in text

    def test_an_empty_result_says_so(self):
        """Zero rows are stated, not left to guess."""
        assert "(0 rows)" in render(RichTableWriter(), TABLE.slice(0, 0))

    def test_text_that_looks_like_markup_is_printed_as_is(self):
        """Archived text such as "[bold]" is data, not Rich markup."""
        table = pa.table({"prompt": ["<EMAIL_ADDRESS:9f2c1a> [bold]x[/bold]"]})
        assert "[bold]x[/bold]" in render(RichTableWriter(), table)


def test_times_are_rendered_in_utc():
    """A timestamp column keeps its UTC offset in every format."""
    table = pa.table({"t": pa.array([datetime(2026, 1, 5, 7, tzinfo=UTC)])})
    assert "2026-01-05T07:00:00+00:00" in render(JsonLinesWriter(), table)
