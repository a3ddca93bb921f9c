"""The archive's Arrow schema follows the Avro contract, and events survive Parquet."""

from __future__ import annotations

import copy

import pyarrow as pa
import pytest

from auditstream.archive.arrow_schema import (
    SCHEMA_VERSION_KEY,
    event_schema,
    events_to_table,
    table_to_events,
)
from auditstream.archive.errors import ArchiveEncodeError
from auditstream.archive.reader import decode_parquet
from auditstream.archive.writer import encode_parquet
from auditstream.schemas import catalog


def parquet_round_trip(events):
    return table_to_events(decode_parquet(encode_parquet(events_to_table(events))))


class TestEventSchema:
    def test_every_avro_field_is_a_column_in_order(self):
        """Top-level columns are the .avsc fields, in the same order."""
        avro_names = [f["name"] for f in catalog.current().source["fields"]]
        assert event_schema().names == avro_names

    @pytest.mark.parametrize(
        ("column", "dtype"),
        [
            ("event_id", pa.string()),
            ("timestamp", pa.timestamp("us", tz="UTC")),
            ("event_type", pa.string()),
            ("attributes", pa.map_(pa.string(), pa.string())),
            ("guardrails_triggered", pa.list_(pa.field("item", pa.string(), nullable=False))),
            ("latency_ms", pa.float64()),
        ],
    )
    def test_avro_types_map_to_arrow_types(self, column, dtype):
        """uuid→string, timestamp-micros→timestamp[us, UTC], enum→string, map, array, double."""
        assert event_schema().field(column).type == dtype

    def test_nested_records_become_structs_with_their_own_types(self):
        """processing.ingested_at keeps its logical type inside the struct."""
        processing = event_schema().field("processing").type
        assert processing.field("ingested_at").type == pa.timestamp("us", tz="UTC")
        assert processing.field("redactions").type.value_type.field("count").type == pa.int32()

    @pytest.mark.parametrize(
        ("column", "nullable"),
        [("event_id", False), ("actor", False), ("llm", True), ("latency_ms", True)],
    )
    def test_only_unions_with_null_are_nullable(self, column, nullable):
        """Required Avro fields are required Parquet columns."""
        assert event_schema().field(column).nullable is nullable

    def test_the_schema_names_its_contract_version(self):
        """A reader years later sees which AuditEvent version an object holds."""
        version = str(catalog.current().version).encode()
        assert event_schema().metadata[SCHEMA_VERSION_KEY] == version


class TestParquetRoundTrip:
    def test_a_fully_filled_event_comes_back_unchanged(self, full_event):
        """Every field, nested structs, lists and maps included, survives Parquet."""
        assert parquet_round_trip([full_event]) == [full_event]

    def test_a_minimal_event_comes_back_unchanged(self, minimal_event):
        """Nulls stay nulls, empty lists and maps stay empty."""
        assert parquet_round_trip([minimal_event]) == [minimal_event]

    def test_a_mixed_batch_keeps_its_order(self, full_event, minimal_event):
        """Rows come back in the order they were written."""
        events = [minimal_event, full_event, minimal_event]
        assert parquet_round_trip(events) == events

    def test_timestamps_are_stored_as_utc_instants(self, full_event):
        """DuckDB and pyarrow see a real timestamp, not an integer."""
        table = decode_parquet(encode_parquet(events_to_table([full_event])))
        assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
        assert table.column("timestamp")[0].as_py().isoformat() == (
            "2026-03-01T23:59:59.999999+00:00"
        )


class TestEncodingErrors:
    def test_a_wrongly_typed_field_is_an_encode_error_without_its_value(self, full_event):
        """pyarrow's message may quote the value, so ours names only the class."""
        bad = copy.deepcopy(full_event)
        bad["latency_ms"] = "secret-looking-text"
        with pytest.raises(ArchiveEncodeError) as caught:
            events_to_table([bad])
        assert "secret-looking-text" not in str(caught.value)
        assert caught.value.records == 1

    def test_a_missing_required_field_is_an_encode_error(self, full_event):
        """Null in a required column is refused when the Parquet file is written."""
        bad = copy.deepcopy(full_event)
        bad["action"] = None
        with pytest.raises(ArchiveEncodeError):
            encode_parquet(events_to_table([bad]))
