"""A writer compiled from the event schema: Avro binary encoding without fastavro's per-call work.

``fastavro.schemaless_writer`` interprets the schema on every call, and its union writer
tries branches until one fits; on the ``AuditEvent`` schema (some thirty nullable fields)
that is most of an ``emit()``. :func:`compile_writer` walks the parsed schema once and
generates one straight-line Python function for it: every field read, type test and
append inlined, no call per field or per union branch. The output is the same bytes
fastavro writes (a unit test compares them on every kind of event the SDK builds).

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
from typing import Any, cast

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


def _length(size: int, out: bytearray) -> None:
    if size < _SMALL_LIMIT:
        out += _SMALL[size]
    else:
        _long(size, out)


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
    source = _Source()
    source.value(schema, "value", 1)
    body = source.lines or ["    pass"]  # a record without fields writes nothing
    # ``append`` is bound once: the method lookup on ``out`` was a fair part of each line.
    code = "def write(value, out):\n    append = out.append\n" + "\n".join(body) + "\n"
    namespace: dict[str, Any] = {
        "_long": _long,
        "_length": _length,
        "_DOUBLE": _DOUBLE,
        "_FLOAT": _FLOAT,
        **source.constants,
    }
    # The code is this module's fixed text plus field names as repr() literals.
    exec(compile(code, "<auditstream.producer.avro writer>", "exec"), namespace)  # noqa: S102
    return cast("Writer", namespace["write"])


class _Source:
    """The writer's source: one straight-line function, every field inlined.

    A call per field and per union branch was most of the encoding time; generated
    code tests each value's type and appends its bytes in place. Field names enter the
    code only as ``repr()`` string literals, and the rest of the text is fixed here.
    """

    __slots__ = ("_named", "_variables", "constants", "lines")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._named: dict[str, Any] = {}
        self._variables = 0

    def line(self, depth: int, text: str) -> None:
        """Append one line of code, indented ``depth`` levels."""
        self.lines.append("    " * depth + text)

    def _variable(self) -> str:
        self._variables += 1
        return f"v{self._variables}"

    def value(self, schema: Any, var: str, depth: int) -> None:
        """Append the code writing ``var`` (of type ``schema``) at ``depth``."""
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                _PRIMITIVES[schema](self, var, depth)
            elif schema in self._named:
                self.value(self._named[schema], var, depth)
            else:
                raise Unsupported(f"unknown or recursive named type {schema!r}")
        elif isinstance(schema, list):
            self._union(schema, var, depth)
        elif isinstance(schema, Mapping):
            self._complex(schema, var, depth)
        else:
            raise Unsupported(f"schema node {type(schema).__name__}")

    def _union(self, branches: list[Any], var: str, depth: int) -> None:
        if len(branches) != 2 or branches[0] != "null":
            raise Unsupported("only [null, T] unions")
        self.line(depth, f"if {var} is None:")
        self.line(depth + 1, "append(0)")  # branch 0, zigzag-encoded
        self.line(depth, "else:")
        self.line(depth + 1, "append(2)")  # branch 1
        self.value(branches[1], var, depth + 1)

    def _complex(self, schema: Mapping[str, Any], var: str, depth: int) -> None:
        kind = schema.get("type")
        logical = schema.get("logicalType")
        if logical is not None and logical not in _RAW_LOGICAL:
            raise Unsupported(f"logical type {logical!r}")
        match kind:
            case "record" | "error":
                for field in schema["fields"]:
                    item = self._variable()
                    self.line(depth, f"{item} = {var}[{field['name']!r}]")
                    self.value(field["type"], item, depth)
            case "enum":
                table = f"_SYMBOLS{len(self.constants)}"
                self.constants[table] = {
                    symbol: _zigzag_bytes(i) for i, symbol in enumerate(schema["symbols"])
                }
                self.line(depth, f"out += {table}[{var}]")  # KeyError for an unknown one
            case "array":
                self.line(depth, f"if type({var}) is not list: raise TypeError('array')")
                self.line(depth, f"if {var}:")
                self.line(depth + 1, f"_length(len({var}), out)")
                item = self._variable()
                self.line(depth + 1, f"for {item} in {var}:")
                self.value(schema["items"], item, depth + 2)
                self.line(depth, "append(0)")
            case "map":
                self.line(depth, f"if type({var}) is not dict: raise TypeError('map')")
                self.line(depth, f"if {var}:")
                self.line(depth + 1, f"_length(len({var}), out)")
                key, item = self._variable(), self._variable()
                self.line(depth + 1, f"for {key}, {item} in {var}.items():")
                _string(self, key, depth + 2)
                self.value(schema["values"], item, depth + 2)
                self.line(depth, "append(0)")
            case str() if kind in _PRIMITIVES:
                _PRIMITIVES[kind](self, var, depth)
                return
            case _:
                raise Unsupported(f"type {kind!r}")
        name = schema.get("name")
        if name is not None:
            self._named[name] = schema


# Lengths and longs below 64 zigzag-encode to one byte, twice their value.
def _string(source: _Source, var: str, depth: int) -> None:
    line = source.line
    line(depth, f"if type({var}) is not str: raise TypeError('string')")
    line(depth, f"{var} = {var}.encode()")  # a lone surrogate raises, as in fastavro
    line(depth, f"n = len({var})")
    line(depth, "if n < 64: append(n << 1)")
    line(depth, "else: _length(n, out)")
    line(depth, f"out += {var}")


def _bytes(source: _Source, var: str, depth: int) -> None:
    line = source.line
    line(depth, f"if type({var}) is not bytes: raise TypeError('bytes')")
    line(depth, f"_length(len({var}), out)")
    line(depth, f"out += {var}")


def _long_code(source: _Source, var: str, depth: int) -> None:
    line = source.line
    line(depth, f"if type({var}) is int and 0 <= {var} < 64: append({var} << 1)")
    line(depth, f"else: _long({var}, out)")  # raises for bool, float, None, out of range


def _int_code(source: _Source, var: str, depth: int) -> None:
    line = source.line
    line(depth, f"if not -(2**31) <= {var} < 2**31: raise OverflowError('int out of range')")
    _long_code(source, var, depth)


def _double(source: _Source, var: str, depth: int) -> None:
    line = source.line
    line(depth, f"if type({var}) is not float and type({var}) is not int:")
    line(depth + 1, "raise TypeError('double')")
    line(depth, f"out += _DOUBLE({var})")


def _float(source: _Source, var: str, depth: int) -> None:
    line = source.line
    line(depth, f"if type({var}) is not float and type({var}) is not int:")
    line(depth + 1, "raise TypeError('float')")
    line(depth, f"out += _FLOAT({var})")


def _boolean(source: _Source, var: str, depth: int) -> None:
    line = source.line
    line(depth, f"if type({var}) is not bool: raise TypeError('boolean')")
    line(depth, f"append(1 if {var} else 0)")


def _null(source: _Source, var: str, depth: int) -> None:
    source.line(depth, f"if {var} is not None: raise TypeError('null')")


_PRIMITIVES: dict[str, Callable[[_Source, str, int], None]] = {
    "null": _null,
    "boolean": _boolean,
    "int": _int_code,
    "long": _long_code,
    "float": _float,
    "double": _double,
    "bytes": _bytes,
    "string": _string,
}
