"""The ``table`` format: a Rich table for people (the only module that uses Rich)."""

from __future__ import annotations

from typing import TextIO

import pyarrow as pa
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from auditstream.auditor.output.base import TableWriter, rows, text_cell


class RichTableWriter(TableWriter):
    """Writes a Rich table with one column per result column; nulls are shown dimmed."""

    def write(self, table: pa.Table, stream: TextIO) -> None:
        """Write every row of ``table`` to ``stream`` as a table.

        Args:
            table: The rows.
            stream: Where to write.
        """
        view = Table(show_header=True, header_style="bold")
        for name in table.column_names:
            view.add_column(escape(name), overflow="fold")
        for row in rows(table):
            view.add_row(
                *(
                    "[dim]null[/]" if value is None else escape(text_cell(value, dtype))
                    for value, dtype in row
                )
            )
        Console(file=stream, soft_wrap=False).print(view)
        if table.num_rows == 0:
            stream.write("(0 rows)\n")
