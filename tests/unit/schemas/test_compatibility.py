"""Every shipped AuditEvent version is backward and forward compatible with the older ones.

Backward: a consumer on the newer schema reads what a producer on an older one wrote.
Forward: a consumer still on an older schema reads what a newer producer wrote. Both
hold when every field one side lacks has a default on the reading side; the tests check
the rule on the schema JSON and then prove it by encoding with one version and
resolving with the other.
"""

from __future__ import annotations

import io
from typing import Any

import fastavro
import pytest

from auditstream.schemas import AuditEventDeserializer, catalog
from auditstream.schemas.framing import single_object_header
from support.sample_events import full_event_dict, minimal_event_dict

PAIRS = [
    (older, newer)
    for index, newer in enumerate(catalog.versions())
    for older in catalog.versions()[:index]
]


def _records(node: Any, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Collect every named record of a schema JSON by name."""
    if isinstance(node, list):
        for branch in node:
            _records(branch, found)
    elif isinstance(node, dict):
        if node.get("type") == "record":
            found[node["name"]] = node
            for field in node["fields"]:
                _records(field["type"], found)
        elif node.get("type") == "array":
            _records(node["items"], found)
        elif node.get("type") == "map":
            _records(node["values"], found)
    return found


def _missing_without_default(reader: Any, writer: Any) -> list[str]:
    """Fields of the reader's records that the writer lacks and that have no default."""
    problems = []
    writer_records = _records(writer, {})
    for name, record in _records(reader, {}).items():
        written = {f["name"] for f in writer_records.get(name, {"fields": []})["fields"]}
        problems += [
            f"{name}.{f['name']}"
            for f in record["fields"]
            if f["name"] not in written and "default" not in f
        ]
    return problems


def _shaped_for(event: dict[str, Any], schema: Any) -> dict[str, Any]:
    """Drop the keys a version does not know (what a producer on that version writes)."""
    records = _records(schema, {})

    def walk(value: Any, record: dict[str, Any] | None) -> Any:
        if record is None or not isinstance(value, dict):
            return value
        out = {}
        for field in record["fields"]:
            if field["name"] in value:
                sub = _records(field["type"], {})
                inner = next(iter(sub.values())) if len(sub) == 1 else None
                out[field["name"]] = walk(value[field["name"]], inner)
        return out

    return walk(event, records[schema["name"]])  # type: ignore[no-any-return]


class TestSchemaCompatibility:
    def test_there_is_more_than_one_version_so_the_pairs_are_checked(self) -> None:
        """The pairs list is not empty (v1 and v2 ship)."""
        assert [v.version for v in catalog.versions()][:2] == [1, 2]
        assert PAIRS

    @pytest.mark.parametrize(("older", "newer"), PAIRS, ids=lambda v: f"v{v.version}")
    def test_every_field_one_version_adds_has_a_default_in_both_directions(
        self, older: catalog.SchemaVersion, newer: catalog.SchemaVersion
    ) -> None:
        """A field only one side has carries a default, so either side can read the other."""
        assert _missing_without_default(newer.source, older.source) == []
        assert _missing_without_default(older.source, newer.source) == []

    @pytest.mark.parametrize(("older", "newer"), PAIRS, ids=lambda v: f"v{v.version}")
    @pytest.mark.parametrize("make", [full_event_dict, minimal_event_dict])
    def test_an_older_producers_event_resolves_into_the_newer_schema_with_defaults(
        self, older: catalog.SchemaVersion, newer: catalog.SchemaVersion, make: Any
    ) -> None:
        """Written with the older version, read with the newer: old fields kept, new defaulted."""
        event = _shaped_for(make(), older.source)
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, older.parsed, event, strict=True)
        buffer.seek(0)
        read = fastavro.schemaless_reader(buffer, older.parsed, newer.parsed)
        assert _shaped_for(read, older.source) == event
        assert read == _shaped_for(read, newer.source)  # nothing outside the newer schema
        if newer.version >= 2 > older.version:
            assert read["trace"]["parent_event_id"] is None

    @pytest.mark.parametrize(("older", "newer"), PAIRS, ids=lambda v: f"v{v.version}")
    def test_a_newer_producers_event_resolves_into_the_older_schema(
        self, older: catalog.SchemaVersion, newer: catalog.SchemaVersion
    ) -> None:
        """Encoded with the newer version, read with the older: the fields both know survive."""
        event = _shaped_for(full_event_dict(), newer.source)
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, newer.parsed, event, strict=True)
        buffer.seek(0)
        read = fastavro.schemaless_reader(buffer, newer.parsed, older.parsed)
        assert read == _shaped_for(event, older.source)

    def test_the_deserializer_reads_a_v1_payload_as_a_current_event(self) -> None:
        """A v1 single-object payload from an old SDK decodes, parent_event_id defaulted."""
        [v1] = [v for v in catalog.versions() if v.version == 1]
        event = _shaped_for(full_event_dict(), v1.source)
        buffer = io.BytesIO(single_object_header(v1.fingerprint))
        buffer.seek(0, io.SEEK_END)
        fastavro.schemaless_writer(buffer, v1.parsed, event, strict=True)
        decoded = AuditEventDeserializer()(buffer.getvalue())
        assert decoded["trace"]["parent_event_id"] is None
        assert decoded["trace"]["span_id"] == event["trace"]["span_id"]
