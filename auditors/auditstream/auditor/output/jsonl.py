"""The ``jsonl`` format: one JSON object per row."""

from __future__ import annotations

import json
from typing import TextIO

import pyarrow as pa

from auditstream.auditor.output.base import TableWriter, jsonable, rows


class JsonLinesWriter(TableWriter):
    """Writes one JSON object per row, keys in column order (non-ASCII kept as is)."""

    def write(self, table: pa.Table, stream: TextIO) -> None:
        """Write every row of ``table`` to ``stream`` as a JSON line.

        Args:
            table: The rows.
            stream: Where to write.
        """
        names = table.column_names
        for row in rows(table):
            record = {
                name: jsonable(value, dtype)
                for name, (value, dtype) in zip(names, row, strict=True)
            }
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
