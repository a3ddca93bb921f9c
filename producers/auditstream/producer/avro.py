"""A writer compiled from the event schema: Avro binary encoding without fastavro's per-call work.

``fastavro.schemaless_writer`` interprets the schema on every call, and its union writer
tries branches until one fits; on the ``AuditEvent`` schema (some thirty nullable fields)
that is most of an ``emit()``. :func:`compile_writer` walks the parsed schema once and
returns one function per type, so encoding an event is a chain of direct calls that
append to a ``bytearray``. The output is the same bytes fastavro writes (a unit test
compares them on every kind of event the SDK builds).

It covers what the contract uses: records, enums, arrays, maps, ``["null", T]`` unions,
the primitive types and the ``uuid`` / ``timestamp-*`` logical types over their raw
values. A schema with anything else (a wider union, a recursive record, another logical
type) raises :class:`Unsupported` at compile time, and a value of a type the writer does
not take (a ``datetime``, a ``UUID``, a missing key, a lone surrogate) raises at encode
time: the client then encodes with fastavro, whose errors callers see. Nothing is
validated beyond what writing needs; the SDK's builder checked every field before.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any

Writer = Callable[[Any, bytearray], None]
"""Appends the Avro binary encoding of a value to a buffer."""

_DOUBLE = struct.Struct("<d").pack
_FLOAT = struct.Struct("<f").pack

# Logical types whose raw value fastavro writes unchanged (a str, an int): the writer
# accepts only that raw value, and leaves anything fastavro would convert to fastavro.
_RAW_LOGICAL = frozenset({"uuid", "timestamp-millis", "timestamp-micros"})


class Unsupported(ValueError):  # noqa: N818 - a reason to fall back, not a failure
    """The schema holds a construct this writer does not compile."""


def _zigzag_bytes(value: int) -> bytes:
    n = (value << 1) ^ (value >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


# Lengths, counts, branch and symbol indexes are mostly small: looked up, not computed.
_SMALL = tuple(_zigzag_bytes(i) for i in range(4096))
_SMALL_LIMIT = len(_SMALL)


def _long(value: int, out: bytearray) -> None:
    if type(value) is not int:  # bool, float, None: fastavro's concern
        raise TypeError("long")
    if 0 <= value < _SMALL_LIMIT:
        out += _SMALL[value]
        return
    n = (value << 1) ^ (value >> 63)
    if n >> 64:
        raise OverflowError("long out of range")
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _int(value: int, out: bytearray) -> None:
    if not -(2**31) <= value < 2**31:
        raise OverflowError("int out of range")
    _long(value, out)


def _length(size: int, out: bytearray) -> None:
    if size < _SMALL_LIMIT:
        out += _SMALL[size]
    else:
        _long(size, out)


def _string(value: str, out: bytearray) -> None:
    if type(value) is not str:
        raise TypeError("string")
    data = value.encode()  # a lone surrogate raises UnicodeEncodeError, as in fastavro
    _length(len(data), out)
    out += data


def _bytes(value: bytes, out: bytearray) -> None:
    if type(value) is not bytes:
        raise TypeError("bytes")
    _length(len(value), out)
    out += value


def _double(value: float, out: bytearray) -> None:
    if type(value) is not float and type(value) is not int:
        raise TypeError("double")
    out += _DOUBLE(value)


def _float(value: float, out: bytearray) -> None:
    if type(value) is not float and type(value) is not int:
        raise TypeError("float")
    out += _FLOAT(value)


def _boolean(value: bool, out: bytearray) -> None:
    if type(value) is not bool:
        raise TypeError("boolean")
    out.append(1 if value else 0)


def _null(value: None, out: bytearray) -> None:
    if value is not None:
        raise TypeError("null")


_PRIMITIVES: dict[str, Writer] = {
    "null": _null,
    "boolean": _boolean,
    "int": _int,
    "long": _long,
    "float": _float,
    "double": _double,
    "bytes": _bytes,
    "string": _string,
}


def compile_writer(schema: Any) -> Writer:
    """Return a writer for a schema parsed by ``fastavro.parse_schema``.

    Args:
        schema: The parsed schema.

    Returns:
        A function appending a value's encoding to a ``bytearray``; it raises (any
        exception) for a value it cannot write.

    Raises:
        Unsupported: The schema uses a construct this module does not compile.
    """
    return _Compiler().compile(schema)


class _Compiler:
    __slots__ = ("_named",)

    def __init__(self) -> None:
        self._named: dict[str, Writer] = {}

    def compile(self, schema: Any) -> Writer:
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return _PRIMITIVES[schema]
            if schema in self._named:
                return self._named[schema]
            raise Unsupported(f"unknown or recursive named type {schema!r}")
        if isinstance(schema, list):
            return self._union(schema)
        if not isinstance(schema, Mapping):
            raise Unsupported(f"schema node {type(schema).__name__}")
        return self._complex(schema)

    def _complex(self, schema: Mapping[str, Any]) -> Writer:
        kind = schema.get("type")
        logical = schema.get("logicalType")
        if logical is not None and logical not in _RAW_LOGICAL:
            raise Unsupported(f"logical type {logical!r}")
        match kind:
            case "record" | "error":
                writer = self._record(schema)
            case "enum":
                writer = _enum(schema["symbols"])
            case "array":
                writer = _array(self.compile(schema["items"]))
            case "map":
                writer = _map(self.compile(schema["values"]))
            case str() if kind in _PRIMITIVES:
                return _PRIMITIVES[kind]
            case _:
                raise Unsupported(f"type {kind!r}")
        name = schema.get("name")
        if name is not None:
            self._named[name] = writer
        return writer

    def _record(self, schema: Mapping[str, Any]) -> Writer:
        fields = tuple((f["name"], self.compile(f["type"])) for f in schema["fields"])

        def record(value: Mapping[str, Any], out: bytearray) -> None:
            for name, write in fields:
                write(value[name], out)

        return record

    def _union(self, branches: list[Any]) -> Writer:
        if len(branches) != 2 or branches[0] != "null":
            raise Unsupported("only [null, T] unions")
        write = self.compile(branches[1])
        absent, present = _SMALL[0], _SMALL[1]

        def nullable(value: Any, out: bytearray) -> None:
            if value is None:
                out += absent
            else:
                out += present
                write(value, out)

        return nullable


def _enum(symbols: list[str]) -> Writer:
    index = {symbol: _zigzag_bytes(i) for i, symbol in enumerate(symbols)}

    def enum(value: str, out: bytearray) -> None:
        out += index[value]  # KeyError for an unknown symbol (or a non-str)

    return enum


def _array(write: Writer) -> Writer:
    def array(value: list[Any], out: bytearray) -> None:
        if type(value) is not list:
            raise TypeError("array")
        if value:
            _length(len(value), out)
            for item in value:
                write(item, out)
        out.append(0)

    return array


def _map(write: Writer) -> Writer:
    def map_(value: Mapping[str, Any], out: bytearray) -> None:
        if type(value) is not dict:
            raise TypeError("map")
        if value:
            _length(len(value), out)
            for key, item in value.items():
                _string(key, out)
                write(item, out)
        out.append(0)

    return map_
