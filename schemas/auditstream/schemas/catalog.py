"""The AuditEvent schema versions this build ships, and lookup by fingerprint.

Schemas live in ``avro/audit_event.v<N>.avsc``. The newest is what producers write and
what consumers resolve every older version into (Avro schema resolution).

Logical types (``uuid``, ``timestamp-micros``) stay in the ``.avsc`` files for other
languages' readers, but are stripped here: inside Python an event carries ids as ``str``
and times as integer microseconds since the epoch, which is what Parquet and the sink
want, and it spares a datetime round trip per event. The parsing canonical form has no
logical types, so the fingerprints are the same either way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import fastavro
import fastavro.schema

_FILE_NAME = re.compile(r"^audit_event\.v(?P<version>\d+)\.avsc$")


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One shipped version of the AuditEvent schema.

    Attributes:
        version: The number in the file name.
        source: The schema as JSON, exactly as the ``.avsc`` file has it.
        parsed: The fastavro-parsed schema without logical types.
        fingerprint: The 8-byte CRC-64-AVRO fingerprint, in single-object header order.
    """

    version: int
    source: dict[str, Any]
    parsed: Any
    fingerprint: bytes


def _without_logical_types(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_logical_types(v) for k, v in node.items() if k != "logicalType"}
    if isinstance(node, list):
        return [_without_logical_types(v) for v in node]
    return node


def parse(source: Any) -> Any:
    """Parse a schema's JSON for this package's codec: logical types stripped (see above).

    Args:
        source: The schema as JSON (a ``.avsc`` file's, or one a schema registry returned).

    Returns:
        The fastavro-parsed schema.
    """
    return fastavro.parse_schema(_without_logical_types(source))


def _load(file_name: str, version: int) -> SchemaVersion:
    text = resources.files("auditstream.schemas").joinpath("avro", file_name).read_text("utf-8")
    source = json.loads(text)
    parsed = parse(source)
    canonical = fastavro.schema.to_parsing_canonical_form(parsed)
    fingerprint = bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
    return SchemaVersion(version, source, parsed, fingerprint)


@cache
def versions() -> tuple[SchemaVersion, ...]:
    """Return every shipped schema version, oldest first."""
    found = []
    for entry in resources.files("auditstream.schemas").joinpath("avro").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(_load(entry.name, int(match["version"])))
    return tuple(sorted(found, key=lambda v: v.version))


def current() -> SchemaVersion:
    """Return the newest schema version: the one producers write."""
    return versions()[-1]


@cache
def by_fingerprint() -> dict[str, SchemaVersion]:
    """Return the shipped versions keyed by fingerprint as 16 hex digits."""
    return {v.fingerprint.hex(): v for v in versions()}
