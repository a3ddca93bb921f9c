"""The Arrow schema of archived AuditEvents, derived from the Avro contract, and conversions.

The schema is built by walking the current ``.avsc`` (never written by hand), so a new
optional field in the contract shows up in the archive without a change here:

- records become structs; a union with ``null`` makes its one other branch nullable;
- arrays become lists, maps (string values) ``map<string, string>``;
- enums become plain strings (Parquet dictionary-encodes them on disk anyway, and a
  plain type keeps every object's schema identical for pyarrow datasets and DuckDB);
- ``timestamp-micros`` becomes ``timestamp[us, tz=UTC]``, ``uuid`` a string.

Events stay plain dicts, as the codec produces them (times as int microseconds, ids as
``str``); :func:`events_to_table` and :func:`table_to_events` convert between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pyarrow as pa

from auditstream.archive.errors import ArchiveEncodeError
from auditstream.schemas import catalog
from auditstream.schemas.model import AuditEvent

_PRIMITIVES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "int": pa.int32(),
    "long": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "bytes": pa.binary(),
    "string": pa.string(),
}
_LOGICAL: dict[str, pa.DataType] = {
    "timestamp-micros": pa.timestamp("us", tz="UTC"),
    "timestamp-millis": pa.timestamp("ms", tz="UTC"),
    "uuid": pa.string(),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME_UNITS = {"us": timedelta(microseconds=1), "ms": timedelta(milliseconds=1)}

SCHEMA_NAME_KEY = b"auditstream.schema"
SCHEMA_VERSION_KEY = b"auditstream.schema_version"
FINGERPRINT_KEY = b"auditstream.avro_fingerprint"


class _Walker:
    """Turns Avro schema JSON into Arrow types, resolving references to named types."""

    def __init__(self) -> None:
        self.named: dict[str, pa.DataType] = {}

    def field(self, name: str, node: object) -> pa.Field[pa.DataType]:
        dtype, nullable = self.type_of(node)
        return pa.field(name, dtype, nullable=nullable)

    def type_of(self, node: object) -> tuple[pa.DataType, bool]:
        """Return the Arrow type of an Avro type and whether it admits null."""
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return _PRIMITIVES[node], False
            if node in self.named:
                return self.named[node], False
            raise TypeError(f"Avro type {node!r} has no Arrow mapping")
        if isinstance(node, list):
            return self._union(node)
        if isinstance(node, dict):
            return self._complex(node), False
        raise TypeError(f"Avro schema node of type {type(node).__name__} is not a type")

    def _union(self, branches: list[object]) -> tuple[pa.DataType, bool]:
        others = [b for b in branches if b != "null"]
        if len(others) != 1:
            raise TypeError(f"Avro union of {len(others)} non-null branches has no Arrow mapping")
        dtype, _ = self.type_of(others[0])
        return dtype, len(others) < len(branches)

    def _complex(self, node: dict[str, Any]) -> pa.DataType:
        kind = node["type"]
        logical = node.get("logicalType")
        if logical in _LOGICAL:
            return _LOGICAL[logical]
        if kind == "record":
            dtype: pa.DataType = pa.struct(
                [self.field(f["name"], f["type"]) for f in node["fields"]]
            )
        elif kind == "enum":
            dtype = pa.string()
        elif kind == "fixed":
            dtype = pa.binary(node["size"])
        elif kind == "array":
            item, nullable = self.type_of(node["items"])
            return pa.list_(pa.field("item", item, nullable=nullable))
        elif kind == "map":
            value, _ = self.type_of(node["values"])
            return pa.map_(pa.string(), value)
        else:
            # A primitive written in its long form, e.g. {"type": "long"}.
            dtype, _ = self.type_of(kind)
            return dtype
        self._register(node, dtype)
        return dtype

    def _register(self, node: dict[str, Any], dtype: pa.DataType) -> None:
        name = node["name"]
        self.named[name] = dtype
        if "namespace" in node:
            self.named[f"{node['namespace']}.{name}"] = dtype


@cache
def event_schema() -> pa.Schema:
    """Return the Arrow schema of the current AuditEvent version.

    The schema's metadata names the contract version and its Avro fingerprint, so a
    reader years later knows what it holds.
    """
    version = catalog.current()
    source = version.source
    walker = _Walker()
    fields = [walker.field(f["name"], f["type"]) for f in source["fields"]]
    metadata: dict[bytes | str, bytes | str] = {
        SCHEMA_NAME_KEY: str(source["name"]).encode(),
        SCHEMA_VERSION_KEY: str(version.version).encode(),
        FINGERPRINT_KEY: version.fingerprint.hex().encode(),
    }
    return pa.schema(fields, metadata=metadata)


def events_to_table(events: Sequence[AuditEvent]) -> pa.Table:
    """Convert decoded events to an Arrow table of :func:`event_schema`.

    Args:
        events: Events as the codec returns them (all fields present).

    Returns:
        One row per event, in order.

    Raises:
        ArchiveEncodeError: An event does not fit the schema (a field of the wrong type).
    """
    try:
        return pa.Table.from_pylist(list(events), schema=event_schema())
    except (pa.ArrowException, TypeError, ValueError) as exc:
        # pyarrow's message may quote the offending value; keep only the class.
        raise ArchiveEncodeError(records=len(events), reason=type(exc).__name__) from exc


def table_to_events(table: pa.Table) -> list[AuditEvent]:
    """Convert archived rows back to event dicts shaped like the codec's output.

    Columns that are not event fields (such as the Hive partition columns ``tenant``,
    ``dt``, ``hour`` a dataset adds) are left out.

    Args:
        table: Rows read from the archive.

    Returns:
        Events with times as int microseconds and maps as dicts.
    """
    fields = [f for f in event_schema() if f.name in table.column_names]
    columns = {f.name: table.column(f.name).to_pylist() for f in fields}
    return [
        {f.name: _to_event_value(columns[f.name][row], f.type) for f in fields}
        for row in range(table.num_rows)
    ]


def _to_event_value(value: Any, dtype: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_struct(dtype):
        return {
            dtype.field(i).name: _to_event_value(value[dtype.field(i).name], dtype.field(i).type)
            for i in range(dtype.num_fields)
        }
    if pa.types.is_map(dtype):
        return {k: _to_event_value(v, dtype.item_type) for k, v in value}
    if pa.types.is_list(dtype):
        return [_to_event_value(v, dtype.value_type) for v in value]
    if pa.types.is_timestamp(dtype):
        return (value - _EPOCH) // _TIME_UNITS[dtype.unit]
    return value
