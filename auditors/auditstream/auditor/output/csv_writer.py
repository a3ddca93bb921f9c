"""The ``csv`` format: a header row, then one row per result; nested values as JSON."""

from __future__ import annotations

import csv
from typing import TextIO

import pyarrow as pa

from auditstream.auditor.output.base import TableWriter, rows, text_cell


class CsvWriter(TableWriter):
    """Writes RFC 4180 CSV with a header; nulls are empty cells."""

    def write(self, table: pa.Table, stream: TextIO) -> None:
        """Write every row of ``table`` to ``stream`` as CSV.

        Args:
            table: The rows.
            stream: Where to write.
        """
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(table.column_names)
        for row in rows(table):
            writer.writerow([text_cell(value, dtype) for value, dtype in row])
