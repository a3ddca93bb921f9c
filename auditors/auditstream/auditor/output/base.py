"""The interface of an output format, and value conversions the formats share."""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TextIO

import pyarrow as pa


class TableWriter(ABC):
    """Writes an Arrow table to a text stream in one format."""

    @abstractmethod
    def write(self, table: pa.Table, stream: TextIO) -> None:
        """Write every row of ``table`` to ``stream``.

        Args:
            table: The rows.
            stream: Where to write (stdout, a file).
        """


def jsonable(value: Any, dtype: pa.DataType) -> Any:
    """Convert a value from ``to_pylist()`` into JSON-ready Python, guided by its type.

    Maps become objects (``to_pylist`` gives lists of pairs), times ISO 8601 strings,
    bytes base64, decimals strings.

    Args:
        value: One cell.
        dtype: The cell's Arrow type.
    """
    if value is None:
        return None
    if pa.types.is_struct(dtype):
        return {
            dtype.field(i).name: jsonable(value[dtype.field(i).name], dtype.field(i).type)
            for i in range(dtype.num_fields)
        }
    if pa.types.is_map(dtype):
        return {str(k): jsonable(v, dtype.item_type) for k, v in value}
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return [jsonable(v, dtype.value_type) for v in value]
    return _scalar(value)


def _scalar(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def text_cell(value: Any, dtype: pa.DataType) -> str:
    """Render one cell as text: scalars as themselves, nested values as compact JSON.

    Args:
        value: One cell.
        dtype: The cell's Arrow type.

    Returns:
        The text; empty for null.
    """
    converted = jsonable(value, dtype)
    if converted is None:
        return ""
    if isinstance(converted, dict | list):
        return json.dumps(converted, ensure_ascii=False, separators=(",", ":"))
    return str(converted)


def rows(table: pa.Table) -> Iterator[list[tuple[Any, pa.DataType]]]:
    """Yield each row as ``(value, type)`` pairs, in column order.

    Args:
        table: The rows.
    """
    types = [field.type for field in table.schema]
    for batch in table.to_batches():
        columns = [column.to_pylist() for column in batch.columns]
        for index in range(batch.num_rows):
            yield [(column[index], dtype) for column, dtype in zip(columns, types, strict=True)]
