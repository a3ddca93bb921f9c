"""Decode a batch of encoded events straight into an Arrow table of the archive schema.

The sink's hot path. Decoding record by record (fastavro builds a dict per event, then
``pa.Table.from_pylist`` walks the dicts again) costs tens of microseconds per event in
Python. Here a whole partition batch is decoded column by column with Arrow compute
kernels: every record of the batch sits in one buffer, a cursor array holds each
record's read position, and each Avro field is read for all records at once (a varint
is a ``take`` of one byte per record, a string a gather of every record's bytes). The
Avro binary encoding is sequential, but the schema is the same for every record, so the
records advance field by field in lockstep.

This is a fast path, not a second codec. It handles what the shipped schema and
fastavro's writer produce (single-object framing with the current fingerprint, one
block per array or map, canonical unions of null and one type) and declines everything
else: truncated or trailing bytes, out-of-range union or enum indexes, invalid UTF-8,
negative block counts, a rule of :func:`~auditstream.schemas.validation.validate_event`
that the batch might break. Declining raises :class:`FastPathDeclined`, and the caller
(:class:`~auditstream.sink.decoding.BatchDecoder`) decodes the batch record by record
with the codec, which archives what it accepts and raises the contract's own error for
what it refuses. So a batch either gets the same table from both paths (tests compare
tables and Parquet bytes) or is decided by the codec. No Kafka, no S3 here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from auditstream.archive.arrow_schema import event_schema
from auditstream.schemas import catalog
from auditstream.schemas.framing import SINGLE_OBJECT_HEADER_BYTES, single_object_header

Column = Any
"""An Arrow array as this module handles it. pyarrow-stubs type compute kernels through
per-type overloads that arrays built from raw buffers (as every array here is) do not
match, so values stay untyped inside this module; its public methods return ``pa.Table``."""

# A varint of more than 9 bytes encodes more than 63 bits; fastavro's reading of those
# is not what Arrow's int64 kernels would compute, so such batches take the codec.
_MAX_VARINT_BYTES = 9
# String offsets of Arrow's ``string`` type are int32.
_MAX_BUFFER_BYTES = 2**31 - 1
# validate_event's patterns, in RE2 syntax (Arrow's regex engine; its ``$`` matches only
# at the very end, as validate_event's fullmatch does). The UUID pattern is the canonical
# form only: a batch with another form uuid.UUID accepts goes to the codec, which decides.
_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_TRACE_ID = "^[0-9a-f]{32}$"
_SPAN_ID = "^[0-9a-f]{16}$"
_ALL_ZERO_TRACE = "0" * 32
_RULED = ("event_id", "trace", "service", "timestamp")


class FastPathDeclined(Exception):  # noqa: N818 - a signal between two functions, not an error
    """The batch holds something the column decoder leaves to the codec."""


class _Columns:
    """One batch's bytes and the readers that advance a cursor array through them."""

    __slots__ = ("_bytes", "_data", "_indexes", "_size")

    def __init__(self, data: bytes) -> None:
        self._size = len(data)
        self._data = pa.py_buffer(data)
        self._bytes: Column = pa.Array.from_buffers(pa.uint8(), len(data), [None, self._data])
        # Per row count: the interleaving and even indexes of slices() (most columns of
        # a batch have the same row count, so each pair is built once).
        self._indexes: dict[int, tuple[Column, Column]] = {}

    # -- primitives ------------------------------------------------------------------

    def varint(self, pos: Column) -> tuple[Column, Column]:
        """Read one zigzag varint per cursor; return the values and the cursors after."""
        first = pc.take(self._bytes, pos)
        if len(pos) == 0 or pc.max(first).as_py() < 128:  # one byte each: a table lookup
            return pc.take(_ZIGZAG_BYTE, first), pc.add(pos, 1)
        value = pc.bit_wise_and(first.cast(pa.int64()), 127)
        more = pc.greater_equal(first, _CONTINUE)
        length = pc.add(more.cast(pa.int64()), 1)
        last = self._size - 1
        for index in range(1, _MAX_VARINT_BYTES):
            # Past the end only for records that are corrupt anyway (clamped reads, then
            # the cursor check at the end of the record declines the batch).
            at = pc.min_element_wise(pc.add(pos, index), last)
            byte = pc.take(self._bytes, at).cast(pa.int64())
            bits = pc.shift_left(pc.bit_wise_and(byte, 127), 7 * index)
            value = pc.if_else(more, pc.bit_wise_or(value, bits), value)
            more = pc.and_(more, pc.greater_equal(byte, _CONTINUE))
            if not pc.any(more).as_py():
                break
            length = pc.add(length, more.cast(pa.int64()))
        else:
            raise FastPathDeclined
        zigzag = pc.bit_wise_xor(pc.shift_right(value, 1), pc.negate(pc.bit_wise_and(value, 1)))
        return zigzag, pc.add(pos, length)

    def branch(self, pos: Column) -> tuple[Column, int, Column]:
        """Read one union index of ``["null", X]`` per cursor.

        Returns:
            Whether each row holds X, how many do, and the cursors after the index.
        """
        chosen = pc.take(_UNION_BRANCH, pc.take(self._bytes, pos))
        if chosen.null_count:
            raise FastPathDeclined  # an index other than 0 or 1 (or a long form of one)
        count = pc.sum(chosen).as_py() if len(pos) else 0
        return chosen.cast(pa.bool_()), count, pc.add(pos, 1)

    def slices(self, pos: Column, end: Column) -> Column:
        """Return the bytes ``[pos, end)`` of every cursor as a binary array.

        The cursors' ranges lie in order in the buffer, so one binary array over the
        whole buffer with offsets ``pos0, end0, pos1, end1, ...`` has the wanted ranges
        at its even indexes (the odd ones are the gaps between them), and one ``take``
        copies them out.
        """
        rows = len(pos)
        if rows == 0:
            return pa.array([], pa.binary())
        if rows > 1 and not pc.all(pc.less_equal(end.slice(0, rows - 1), pos.slice(1))).as_py():
            raise FastPathDeclined  # a range runs into the next one: a corrupt record
        indexes = self._indexes.get(rows)
        if indexes is None:
            indexes = self._indexes[rows] = _slice_indexes(rows)
        interleave, even = indexes
        bounds = pc.take(pa.concat_arrays([pos, end]), interleave).cast(pa.int32())
        ranges = pa.Array.from_buffers(
            pa.binary(), 2 * rows - 1, [None, bounds.buffers()[1], self._data]
        )
        return pc.take(ranges, even)

    def string(self, pos: Column) -> tuple[Column, Column]:
        """Read one string per cursor (length varint, UTF-8 bytes)."""
        size, pos = self.varint(pos)
        end = pc.add(pos, size)
        if len(size) and (pc.min(size).as_py() < 0 or pc.max(end).as_py() > self._size):
            raise FastPathDeclined
        try:
            return self.slices(pos, end).cast(pa.string()), end  # the cast checks UTF-8
        except pa.ArrowInvalid:
            raise FastPathDeclined from None

    def double(self, pos: Column) -> tuple[Column, Column]:
        """Read one little-endian IEEE double per cursor."""
        end = pc.add(pos, 8)
        if len(pos) and pc.max(end).as_py() > self._size:
            raise FastPathDeclined
        raw = self.slices(pos, end)
        if len(raw) == 0:
            return pa.array([], pa.float64()), end
        _, offsets, data = raw.buffers()
        first = memoryview(offsets).cast("i")[raw.offset]  # int32 offsets, native order
        values = pa.Array.from_buffers(pa.float64(), len(raw), [None, data.slice(first)])
        return values, end

    # -- schema walk -----------------------------------------------------------------

    def read(self, node: Any, arrow: Any, pos: Column) -> tuple[Column, Column]:
        """Read one value of Avro type ``node`` per cursor, as Arrow type ``arrow``."""
        if isinstance(node, list):
            return self._union(node, arrow, pos)
        kind = node if isinstance(node, str) else node["type"]
        if kind == "string":
            return self.string(pos)
        if kind == "double":
            return self.double(pos)
        if kind in ("long", "int", "enum"):
            return self._number(node, arrow, pos)
        if kind == "record":
            return self._record(node, arrow, pos)
        if kind in ("array", "map"):
            return self._blocks(node, arrow, pos)
        raise FastPathDeclined  # a type the shipped schema does not use

    def _number(self, node: Any, arrow: Any, pos: Column) -> tuple[Column, Column]:
        """Read a long, an int or an enum index (as its symbol)."""
        values, pos = self.varint(pos)
        if isinstance(node, dict) and node["type"] == "enum":
            symbols = node["symbols"]
            if len(values) and (
                pc.min(values).as_py() < 0 or pc.max(values).as_py() >= len(symbols)
            ):
                raise FastPathDeclined
            return pc.take(pa.array(symbols, pa.string()), values), pos
        try:  # timestamps view the same int64; int32 casts check the range
            return values.cast(arrow), pos
        except pa.ArrowInvalid:
            raise FastPathDeclined from None

    def _record(self, node: Any, arrow: Any, pos: Column) -> tuple[Column, Column]:
        children = []
        for field, arrow_field in zip(node["fields"], arrow, strict=True):
            child, pos = self.read(field["type"], arrow_field.type, pos)
            children.append(child)
        return pa.StructArray.from_arrays(children, fields=list(arrow)), pos

    def _union(self, branches: list[Any], arrow: Any, pos: Column) -> tuple[Column, Column]:
        if len(branches) != 2 or branches[0] != "null":
            raise FastPathDeclined
        present, count, pos = self.branch(pos)
        if count == len(pos):
            return self.read(branches[1], arrow, pos)
        if count == 0:
            # Built as from_pylist builds it: pa.nulls would give a null record null
            # children, which the Parquet writer refuses for required fields.
            return pa.array([None] * len(pos), arrow), pos
        chosen = pc.indices_nonzero(present)
        values, after = self.read(branches[1], arrow, pc.take(pos, chosen))
        pos = pc.replace_with_mask(pos, present, after)
        if not pa.types.is_struct(arrow):
            return pc.take(values, _spread(present)), pos
        # A null record keeps non-null children (as from_pylist builds it): a required
        # field of an absent record is no null for the Parquet writer. Absent rows
        # borrow row 0's values, which the record's own null hides.
        ranks = pc.fill_null(_spread(present), 0)
        children = [pc.take(values.field(i), ranks) for i in range(arrow.num_fields)]
        return pa.StructArray.from_arrays(
            children, fields=list(arrow), mask=pc.invert(present)
        ), pos

    def _blocks(self, node: dict[str, Any], arrow: Any, pos: Column) -> tuple[Column, Column]:
        """Read an array or map written as one block of items and a zero count."""
        counts, pos = self.varint(pos)
        rows = len(counts)
        most = pc.max(counts).as_py() if rows else 0
        if rows and pc.min(counts).as_py() < 0:
            raise FastPathDeclined  # a block with a byte size: left to the codec
        offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(counts)])
        offsets = offsets.cast(pa.int32())
        is_map = node["type"] == "map"
        rounds: list[tuple[Column, ...]] = []
        origin: list[Column] = []
        for index in range(most or 0):
            active: Column = pc.greater(counts, pa.scalar(index, pa.int64()))
            chosen = pc.indices_nonzero(active)
            cursor = pc.take(pos, chosen)
            if is_map:
                keys, cursor = self.string(cursor)
                values, cursor = self.read(node["values"], arrow.item_type, cursor)
                rounds.append((keys, values))
            else:
                items, cursor = self.read(node["items"], arrow.value_type, cursor)
                rounds.append((items,))
            pos = pc.replace_with_mask(pos, active, cursor)
            # Items arrive round by round; their place is (row, round) in row order.
            origin.append(pc.add(pc.multiply(chosen.cast(pa.int64()), most), index))
        if most:
            active = pc.greater(counts, pa.scalar(0, pa.int64()))
            end, after = self.varint(pc.take(pos, pc.indices_nonzero(active)))
            if pc.max(end).as_py() != 0 or pc.min(end).as_py() != 0:
                raise FastPathDeclined  # a second block
            pos = pc.replace_with_mask(pos, active, after)
            order = pc.sort_indices(pa.concat_arrays(origin))
            parts = [
                pc.take(pa.concat_arrays(list(column)), order)
                for column in zip(*rounds, strict=True)
            ]
        elif is_map:
            parts = [pa.array([], arrow.key_type), pa.array([], arrow.item_type)]
        else:
            parts = [pa.array([], arrow.value_type)]
        if is_map:
            return pa.MapArray.from_arrays(offsets, parts[0], parts[1], type=arrow), pos
        return pa.ListArray.from_arrays(offsets, parts[0], type=arrow), pos


# A varint byte with this bit set has another byte after it.
_CONTINUE = pa.scalar(128, pa.int64())
# The zigzag decoding of every one-byte varint (0 to 127): 0, -1, 1, -2, ...
_ZIGZAG_BYTE = pa.array([(b >> 1) ^ -(b & 1) for b in range(128)], pa.int64())
# The branch of a ``["null", X]`` union per first byte: 0 (null) or 1 (X); anything
# else (a bad index, or a long form of a good one) is null and declines the batch.
_UNION_BRANCH = pa.array([{0: 0, 2: 1}.get(b) for b in range(256)], pa.int64())
_ARANGE: list[Column] = [pa.array(range(1 << 12), pa.int64())]


def _arange(count: int) -> Column:
    """Return ``0, 1, ..., count - 1`` as int64 (a slice of one cached array)."""
    if len(_ARANGE[0]) < count:
        _ARANGE[0] = pa.array(range(max(count, 2 * len(_ARANGE[0]))), pa.int64())
    return _ARANGE[0].slice(0, count)


def _slice_indexes(rows: int) -> tuple[Column, Column]:
    """Return ``0, rows, 1, rows + 1, ...`` (to interleave two arrays) and ``0, 2, 4, ...``."""
    steps = _arange(2 * rows)
    interleave = pc.add(pc.shift_right(steps, 1), pc.multiply(pc.bit_wise_and(steps, 1), rows))
    return interleave, pc.multiply(_arange(rows), 2)


def _spread(present: Column) -> Column:
    """Map each row to its index among the present rows, or null where it is absent."""
    ranks = pc.subtract(pc.cumulative_sum(present.cast(pa.int64())), 1)
    return pc.if_else(present, ranks, pa.scalar(None, pa.int64()))


class ColumnDecoder:
    """Decodes a partition batch of single-object payloads into the archive's table.

    Args:
        max_field_bytes: Longest string a field may hold, as the codec enforces it; a
            batch whose records could hold a longer one goes to the codec.
    """

    __slots__ = ("_header", "_max_field_bytes", "_source")

    def __init__(self, *, max_field_bytes: int = 1 << 20) -> None:
        version = catalog.current()
        self._source = version.source
        self._header = single_object_header(version.fingerprint)
        self._max_field_bytes = max_field_bytes

    def decode(self, payloads: Sequence[bytes | None]) -> pa.Table:
        """Return the batch as one table of :func:`event_schema`, one row per payload.

        Args:
            payloads: The records' values, in offset order.

        Returns:
            The table, equal to ``events_to_table`` of the codec's events.

        Raises:
            FastPathDeclined: Something in the batch is left to the codec.
        """
        if not payloads or sys.byteorder != "little":
            raise FastPathDeclined
        header = self._header
        for payload in payloads:
            if payload is None or payload[:SINGLE_OBJECT_HEADER_BYTES] != header:
                raise FastPathDeclined
        present = [p for p in payloads if p is not None]  # all of them (typed for mypy)
        sizes = [len(p) for p in present]
        if max(sizes) > self._max_field_bytes:
            # Writer and reader schema are the same here, so every string is read from
            # its payload: only a record this large could break the length rule.
            raise FastPathDeclined
        data = b"".join(present)
        if len(data) > _MAX_BUFFER_BYTES:
            raise FastPathDeclined
        ends = pc.cumulative_sum(pa.array(sizes, pa.int64()))
        starts = pc.add(pc.subtract(ends, pa.array(sizes, pa.int64())), SINGLE_OBJECT_HEADER_BYTES)
        schema = event_schema()
        try:
            events, pos = _Columns(data).read(self._source, pa.struct(list(schema)), starts)
        except (IndexError, TypeError, ValueError, pa.ArrowException) as exc:
            # Arrow's errors on bytes it cannot read as the schema says (out-of-range
            # cursors, bad casts): the codec reads the batch and names the record.
            raise FastPathDeclined from exc
        if not pc.all(pc.equal(pos, ends)).as_py():
            raise FastPathDeclined  # truncated records or trailing bytes
        table = pa.Table.from_struct_array(events).replace_schema_metadata(schema.metadata)
        _check_rules(table)
        return table


def _check_rules(table: pa.Table) -> None:
    """Decline the batch unless every row passes validate_event's rules (lengths aside)."""
    columns: dict[str, Column] = {name: table.column(name).combine_chunks() for name in _RULED}
    trace = columns["trace"]
    trace_id = trace.field("trace_id")
    checks = [
        pc.match_substring_regex(columns["event_id"], _UUID),
        pc.match_substring_regex(trace_id, _TRACE_ID),
        pc.not_equal(trace_id, pa.scalar(_ALL_ZERO_TRACE)),
        pc.greater(pc.utf8_length(columns["service"].field("name")), pa.scalar(0, pa.int32())),
        pc.greater_equal(columns["timestamp"].cast(pa.int64()), pa.scalar(0, pa.int64())),
    ]
    for name in ("span_id", "parent_span_id"):
        # A null span id is fine; fill_null(True) keeps it from failing the check.
        checks.append(pc.fill_null(pc.match_substring_regex(trace.field(name), _SPAN_ID), True))
    for check in checks:
        if not pc.all(check).as_py() or check.null_count:
            raise FastPathDeclined
