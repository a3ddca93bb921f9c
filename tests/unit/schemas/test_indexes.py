"""The index checker: every union branch and enum symbol index in range, any schema shape."""

from __future__ import annotations

import io

import fastavro
import pytest

from auditstream.schemas.indexes import IndexOutOfRangeError, index_checker

# A recursive record, an enum used again by name, a map of it, and an array of doubles.
SCHEMA = fastavro.parse_schema(
    {
        "type": "record",
        "name": "Node",
        "fields": [
            {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
            {"name": "kinds", "type": {"type": "map", "values": "Kind"}},
            {"name": "scores", "type": {"type": "array", "items": "double"}},
            {"name": "next", "type": ["null", "Node"]},
        ],
    }
)
VALUE = {
    "kind": "B",
    "kinds": {"x": "A"},
    "scores": [0.5],
    "next": {"kind": "A", "kinds": {}, "scores": [], "next": None},
}


def _body(value: dict) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, SCHEMA, value)
    return out.getvalue()


def test_a_valid_body_is_walked_to_its_end() -> None:
    body = _body(VALUE)
    assert index_checker(SCHEMA)(body, 0) == len(body)


def test_the_walk_starts_at_the_given_offset() -> None:
    body = b"\xc3\x01" + bytes(8) + _body(VALUE)
    assert index_checker(SCHEMA)(body, 10) == len(body)


@pytest.mark.parametrize(
    ("at", "what"),
    [
        (0, "enum symbol"),  # kind: B is index 1, zigzag 2
        (4, "enum symbol"),  # the map's value, an enum named by reference
        (16, "union branch"),  # next: branch 1 (the recursive record)
        (17, "enum symbol"),  # next.kind, inside the recursion
    ],
)
def test_a_negative_index_anywhere_is_out_of_range(at: int, what: str) -> None:
    body = bytearray(_body(VALUE))
    assert body[at] in (0, 2)
    body[at] = 0x01  # zigzag -1: fastavro would read the last symbol or branch
    with pytest.raises(IndexOutOfRangeError) as info:
        index_checker(SCHEMA)(bytes(body), 0)
    assert (info.value.what, info.value.index, info.value.offset) == (what, -1, at)


def test_an_index_past_the_end_is_out_of_range() -> None:
    body = bytearray(_body(VALUE))
    body[0] = 4  # zigzag 2: Kind has two symbols
    with pytest.raises(IndexOutOfRangeError, match="enum symbol index 2"):
        index_checker(SCHEMA)(bytes(body), 0)


def test_array_blocks_with_a_byte_size_are_walked_item_by_item() -> None:
    """A negative block count is followed by the block's size in bytes (Avro spec)."""
    schema = fastavro.parse_schema({"type": "array", "items": ["null", "long"]})
    # Block of -2 items (zigzag 3), 4 bytes; items: branch 1 + long 1, branch 0; end.
    body = bytes([3, 8, 2, 2, 0, 0])
    assert index_checker(schema)(body, 0) == len(body)
    with pytest.raises(IndexOutOfRangeError, match="union branch index 2"):
        index_checker(schema)(bytes([3, 8, 4, 2, 0, 0]), 0)
