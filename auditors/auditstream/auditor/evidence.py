"""What an evidence package's events file must hold, checked row by row against its archive.

An exported events file is only evidence if every row in it is a row of an archived,
chained object, unchanged, and no selected row is missing. :func:`selection_sql` is the
query an export runs; :func:`check_events_file` runs the same selection again over the
package's copy of the chained objects (pruned by the package's tenant and time range,
exactly as the export pruned them) and compares, by event id, with the file: rows
edited, deleted, added or given another id each become a finding. Reads files only.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from auditstream.archive.findings import Finding, FindingKind
from auditstream.archive.manifest import ManifestObject
from auditstream.auditor.output import OutputFormat, writer_for
from auditstream.auditor.query import execute_sql, local_dataset

EVENTS_STEM = "events"
"""The events file is ``events.<format>``."""

# How many event ids a finding quotes: enough to find them, few enough to read.
_QUOTED_IDS = 3


def selection_sql(trace_id: str | None) -> str:
    """Return the SQL an export selects its events with.

    Tenant and time prune the objects, time and user filter the view; a trace is a
    condition here.

    Args:
        trace_id: Only this trace's events, or None.
    """
    where = ""
    if trace_id is not None:
        literal = trace_id.replace("'", "''")
        where = f" WHERE trace.trace_id = '{literal}'"
    return f"SELECT * EXCLUDE (tenant, dt, hour) FROM events{where} ORDER BY timestamp"  # noqa: S608


def check_events_file(
    root: Path,
    description: Mapping[str, Any],
    chained: Mapping[str, ManifestObject],
    in_scope: Callable[[str], bool] | bool,
) -> list[Finding]:
    """Compare a package's events file with its selection re-run on the archived objects.

    Args:
        root: The package directory.
        description: Its ``package.json``.
        chained: Every data object the package's (verified) manifests vouch for.
        in_scope: Which chained objects the package's tenant and time range select.

    Returns:
        One finding per kind of difference, naming the first event ids; empty when the
        file holds exactly the selected rows, unchanged.
    """
    events_file = str(description["events_file"])
    selected = sorted(
        k for k in chained if in_scope is True or (callable(in_scope) and in_scope(k))
    )
    missing_objects = [k for k in selected if not (root / "archive" / k).is_file()]
    if missing_objects:
        return [
            Finding(
                FindingKind.OBJECT,
                missing_objects[0],
                f"{len(missing_objects)} chained objects the selection covers are not in the "
                "package, so its events cannot be checked",
            )
        ]
    selection = description["selection"]
    expected = execute_sql(
        selection_sql(selection.get("trace_id")),
        local_dataset(root / "archive", selected, prefix=str(description["prefix"])),
        since=_instant(selection.get("since")),
        until=_instant(selection.get("until")),
        user=selection.get("user"),
    )
    output_format = events_file.rsplit(".", 1)[-1]
    try:
        found = _rows_of_file(root / events_file, output_format)
    except (OSError, ValueError, pa.ArrowException) as exc:
        return [Finding(FindingKind.OBJECT, events_file, f"unreadable ({type(exc).__name__})")]
    return _compare(events_file, _rows_of_table(expected, output_format), found)


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


Rows = list[tuple[str, str]]
"""An events file as (event id, the row's text in the file's own format), in file order."""


def _rows_of_table(table: pa.Table, output_format: str) -> Rows:
    """The rows the file should hold, written and read back as the file's format."""
    if output_format == "parquet":
        return _rows_of_records(table.to_pylist())
    buffer = io.StringIO()
    writer_for(OutputFormat(output_format)).write(table, buffer)
    return _rows_of_text(buffer.getvalue(), output_format)


def _rows_of_file(path: Path, output_format: str) -> Rows:
    if output_format == "parquet":
        return _rows_of_records(pq.read_table(path).to_pylist())
    return _rows_of_text(path.read_text(encoding="utf-8"), output_format)


def _rows_of_records(records: list[dict[str, Any]]) -> Rows:
    return [(str(r.get("event_id")), json.dumps(r, sort_keys=True, default=str)) for r in records]


def _rows_of_text(text: str, output_format: str) -> Rows:
    if output_format == "jsonl":
        # Compared as parsed JSON, so a file re-indented or re-spaced by a tool still matches.
        parsed = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [(str(r.get("event_id")), json.dumps(r, sort_keys=True)) for r in parsed]
    if output_format == "csv":
        header, *lines = list(csv.reader(io.StringIO(text, newline="")))
        column = header.index("event_id")
        return [(row[column], json.dumps([header, row])) for row in lines]
    raise ValueError(f"unknown events file format {output_format!r}")


def _compare(events_file: str, expected: Rows, found: Rows) -> list[Finding]:
    findings = []
    wanted, have = dict(expected), dict(found)

    def report(ids: list[str], what: str) -> None:
        if ids:
            quoted = ", ".join(ids[:_QUOTED_IDS])
            findings.append(
                Finding(FindingKind.OBJECT, events_file, f"{len(ids)} {what} (first: {quoted})")
            )

    report(
        [i for i in wanted if i not in have],
        "archived events of the selection are missing from the events file",
    )
    report(
        [i for i in have if i not in wanted],
        "rows are not archived events of the selection (added, or given another id)",
    )
    report(
        [i for i in wanted if i in have and have[i] != wanted[i]],
        "rows differ from the archived rows with their ids",
    )
    report(
        sorted(i for i, n in Counter(i for i, _ in found).items() if n > 1),
        "event ids appear more than once in the events file",
    )
    return findings
