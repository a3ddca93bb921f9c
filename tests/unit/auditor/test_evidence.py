"""An events file is evidence only if it holds exactly its selection's archived rows.

A package is built on disk from real Parquet objects (no S3): the check runs the
selection again over them and compares row by row, in each export format.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from auditstream.archive.arrow_schema import events_to_table
from auditstream.archive.layout import ObjectKey, PartitionPath
from auditstream.archive.manifest import ManifestObject
from auditstream.archive.writer import encode_parquet
from auditstream.auditor.evidence import check_events_file, selection_sql
from auditstream.auditor.output import OutputFormat, writer_for
from auditstream.auditor.query import execute_sql, local_dataset
from support.sample_events import full_event_dict, through_codec

PREFIX = "run/"
DAY = date(2026, 1, 1)
NINE_AM_US = int(datetime(2026, 1, 1, 9, tzinfo=UTC).timestamp() * 1_000_000)


def events(count: int) -> list:
    made = []
    for i in range(count):
        event = full_event_dict()
        event["event_id"] = str(uuid.UUID(int=i + 1))
        event["timestamp"] = NINE_AM_US + i * 60_000_000
        made.append(through_codec(event))
    return made


def build_package(root: Path, output_format: str, count: int = 5) -> dict:
    """Two chained objects of ``count`` events each, and the events file an export writes."""
    chained = {}
    for n in range(2):
        key = ObjectKey(PartitionPath("acme", DAY, 9), 0, n * 10, n * 10 + count - 1)
        path = root / "archive" / key.render(PREFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = encode_parquet(events_to_table(events(count)) if n == 0 else _shifted(count))
        path.write_bytes(data)
        chained[key.render(PREFIX)] = ManifestObject(
            key.render(PREFIX), "0" * 64, len(data), count, n * 10, n * 10 + count - 1, 0, 0
        )
    description = {
        "prefix": PREFIX,
        "events_file": f"events.{output_format}",
        "selection": {"tenant": None, "since": None, "until": None, "user": None, "trace_id": None},
    }
    table = _selection(root, chained)
    target = root / description["events_file"]
    if output_format == "parquet":
        pq.write_table(table, target)
    else:
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer_for(OutputFormat(output_format)).write(table, handle)
    return {"description": description, "chained": chained}


def _shifted(count: int):
    later = []
    for event in events(count):
        moved = copy.deepcopy(event)
        moved["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, moved["event_id"]))
        later.append(moved)
    return events_to_table(later)


def _selection(root: Path, chained: dict):
    return execute_sql(
        selection_sql(None), local_dataset(root / "archive", sorted(chained), prefix=PREFIX)
    )


def check(root: Path, built: dict) -> list[str]:
    return [
        f.message for f in check_events_file(root, built["description"], built["chained"], True)
    ]


@pytest.mark.parametrize("output_format", ["jsonl", "csv", "parquet"])
def test_an_untouched_events_file_matches_its_selection(tmp_path: Path, output_format: str):
    built = build_package(tmp_path, output_format)
    assert check(tmp_path, built) == []


def test_a_reformatted_jsonl_file_still_matches(tmp_path: Path):
    """Re-indenting by a tool changes no value."""
    built = build_package(tmp_path, "jsonl")
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(json.loads(line), indent=None, separators=(", ", ": "))
            for line in path.read_text().splitlines()
        )
    )
    assert check(tmp_path, built) == []


def test_an_edited_csv_cell_is_a_differing_row(tmp_path: Path):
    built = build_package(tmp_path, "csv")
    path = tmp_path / "events.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(), newline="")))
    column = rows[0].index("action")
    rows[2][column] = "nothing.happened"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue())
    edited_id = rows[2][rows[0].index("event_id")]
    assert check(tmp_path, built) == [
        f"1 rows differ from the archived rows with their ids (first: {edited_id})"
    ]


def test_a_deleted_parquet_row_is_missing(tmp_path: Path):
    built = build_package(tmp_path, "parquet")
    path = tmp_path / "events.parquet"
    table = pq.read_table(path)
    pq.write_table(table.slice(1), path)
    messages = check(tmp_path, built)
    assert len(messages) == 1
    assert messages[0].startswith("1 archived events of the selection are missing")


def test_a_row_given_twice_is_reported(tmp_path: Path):
    built = build_package(tmp_path, "jsonl")
    path = tmp_path / "events.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[0]]) + "\n")
    assert [m.split(" (")[0] for m in check(tmp_path, built)] == [
        "1 event ids appear more than once in the events file"
    ]


def test_a_selected_object_missing_from_the_package_is_reported(tmp_path: Path):
    built = build_package(tmp_path, "jsonl")
    (tmp_path / "archive" / sorted(built["chained"])[0]).unlink()
    assert "not in the package" in check(tmp_path, built)[0]
