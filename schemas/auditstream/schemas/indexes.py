"""The range checks fastavro leaves out: union branch and enum symbol indexes.

An Avro body names a union's branch and an enum's symbol by a zigzag varint index.
fastavro looks the index up in a Python list, so a negative one counts from the end: a
corrupt byte that reads as -1 turns ``["null", "string"]`` into its string branch, or an
``event_type`` into ``OTHER``, and the event decodes as if nothing were wrong. The
codec therefore walks the body once more, checking only indexes and skipping values,
after fastavro has read it. The walk is compiled once per writer schema into nested
functions; it costs tens of microseconds per event, where redaction costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Skip = Callable[[bytes, int], int]
"""Reads past one value of a type in a body, from a position; returns the position after."""

_WIDTHS = {"null": 0, "boolean": 1, "float": 4, "double": 8}


class IndexOutOfRangeError(Exception):
    """A union branch or enum symbol index outside its list.

    Args:
        what: ``"union branch"`` or ``"enum symbol"``.
        index: The index found.
        offset: Position of the index in the payload.
    """

    def __init__(self, what: str, index: int, offset: int) -> None:
        self.what = what
        self.index = index
        self.offset = offset
        super().__init__(f"{what} index {index} at byte {offset} is out of range")


def index_checker(schema: Any) -> Skip:
    """Return a function that checks every index of a body of ``schema``.

    Args:
        schema: A schema as ``fastavro.parse_schema`` returns it.

    Returns:
        ``check(payload, body_offset) -> end``; it raises :class:`IndexOutOfRangeError`,
        and ``IndexError`` on a body that ends early (which fastavro reports first).
    """
    return _Builder().build(schema)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = raw = 0
    while True:
        byte = data[pos]
        pos += 1
        raw |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (raw >> 1) ^ -(raw & 1), pos
        shift += 7


def _skip_varint(data: bytes, pos: int) -> int:
    while data[pos] >= 0x80:
        pos += 1
    return pos + 1


def _skip_sized(data: bytes, pos: int) -> int:
    size, pos = _varint(data, pos)
    return pos + size


class _Builder:
    """Builds the skip function of each schema node; named types are looked up lazily."""

    def __init__(self) -> None:
        self._named: dict[str, Skip] = {}

    def build(self, node: Any) -> Skip:
        if isinstance(node, list):
            return self._union([self.build(branch) for branch in node])
        if isinstance(node, dict):
            return self._complex(node)
        if node in _WIDTHS:
            width = _WIDTHS[node]
            return lambda _data, pos: pos + width
        if node in ("int", "long"):
            return _skip_varint
        if node in ("string", "bytes"):
            return _skip_sized
        return self._named[node]  # a named type, defined earlier in the schema

    def _complex(self, node: dict[str, Any]) -> Skip:
        kind = node["type"]
        skip: Skip
        if kind == "record":

            def recursive(data: bytes, pos: int) -> int:
                return skip(data, pos)

            # Registered before its fields are built: a field may refer to the record.
            self._named[node["name"]] = recursive
            skip = _sequence([self.build(f["type"]) for f in node["fields"]])
        elif kind == "enum":
            skip = _enum(len(node["symbols"]))
        elif kind == "fixed":
            size = node["size"]
            skip = lambda _data, pos: pos + size  # noqa: E731 - one expression, named by its role
        elif kind == "array":
            return _blocks(self.build(node["items"]))
        elif kind == "map":
            return _blocks(_sequence([_skip_sized, self.build(node["values"])]))
        else:  # a primitive in its long form, e.g. {"type": "long", "logicalType": ...}
            return self.build(kind)
        self._named[node["name"]] = skip
        return skip

    @staticmethod
    def _union(branches: list[Skip]) -> Skip:
        count = len(branches)

        def union(data: bytes, pos: int) -> int:
            index, after = _varint(data, pos)
            if not 0 <= index < count:
                raise IndexOutOfRangeError("union branch", index, pos)
            return branches[index](data, after)

        return union


def _sequence(parts: list[Skip]) -> Skip:
    def sequence(data: bytes, pos: int) -> int:
        for part in parts:
            pos = part(data, pos)
        return pos

    return sequence


def _enum(count: int) -> Skip:
    def enum(data: bytes, pos: int) -> int:
        index, after = _varint(data, pos)
        if not 0 <= index < count:
            raise IndexOutOfRangeError("enum symbol", index, pos)
        return after

    return enum


def _blocks(item: Skip) -> Skip:
    """An array's or map's blocks: a count (negative: a byte size follows), then items."""

    def blocks(data: bytes, pos: int) -> int:
        while True:
            count, pos = _varint(data, pos)
            if count == 0:
                return pos
            if count < 0:
                count = -count
                pos = _skip_varint(data, pos)
            for _ in range(count):
                pos = item(data, pos)

    return blocks
