"""Output formats of the auditor's results, one module per format.

:class:`OutputFormat` picks one; :func:`writer_for` returns its writer. Rich is used by
the ``table`` format only.
"""

from __future__ import annotations

import enum
from typing import assert_never

from auditstream.auditor.output.base import TableWriter
from auditstream.auditor.output.csv_writer import CsvWriter
from auditstream.auditor.output.jsonl import JsonLinesWriter
from auditstream.auditor.output.rich_table import RichTableWriter


class OutputFormat(enum.StrEnum):
    """How results are printed."""

    TABLE = "table"
    """A Rich table, for people."""
    JSONL = "jsonl"
    """One JSON object per row, for tools."""
    CSV = "csv"
    """Comma-separated values with a header row; nested values as JSON text."""


def writer_for(output_format: OutputFormat) -> TableWriter:
    """Return the writer of a format.

    Args:
        output_format: The format.
    """
    match output_format:
        case OutputFormat.TABLE:
            return RichTableWriter()
        case OutputFormat.JSONL:
            return JsonLinesWriter()
        case OutputFormat.CSV:
            return CsvWriter()
        case _:
            assert_never(output_format)


__all__ = [
    "CsvWriter",
    "JsonLinesWriter",
    "OutputFormat",
    "RichTableWriter",
    "TableWriter",
    "writer_for",
]
