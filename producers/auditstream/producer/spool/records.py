"""The spool's record format: length-prefixed, CRC-checked, resynchronisable.

One record on disk::

    magic "ASP1" | length u32 | crc32 u32 | payload (length bytes)

    payload = key_len u32 | key | value_len u32 | value
              | n_headers u16 | (name_len u16 | name | value_len u32 | value) * n_headers

All integers are big-endian. The CRC-32 (zlib's polynomial; the standard library has no
CRC-32C) covers the length field and the payload, so a corrupted length is caught too.
The magic lets a reader find the next good record after a damaged one: it scans forward
for the magic and accepts a candidate only when its CRC checks, so a magic that happens
to occur inside a payload is never mistaken for a record.

This module only encodes and decodes bytes; it does no I/O.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

MAGIC = b"ASP1"
_HEADER = struct.Struct(">4sII")
_U32 = struct.Struct(">I")
_U16 = struct.Struct(">H")
HEADER_BYTES = _HEADER.size
_U32_PACK = _U32.pack
_NO_HEADERS = _U16.pack(0)

# A record larger than this is not something the SDK writes (events are bounded far below
# it), so a length field above it is damage, not a record: the reader resyncs instead of
# trusting it.
MAX_RECORD_BYTES = 64 * 1024 * 1024

Headers = Sequence[tuple[str, bytes]]
"""Kafka message headers kept with a spooled record."""


@dataclass(frozen=True, slots=True)
class SpoolRecord:
    """One spooled message and where it ends in its segment.

    Attributes:
        key: The Kafka key.
        value: The encoded event.
        headers: Kafka headers, in order.
        end: Offset just past the record in its segment file.
    """

    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    end: int


@dataclass(frozen=True, slots=True)
class Damage:
    """A stretch of a segment that holds no valid record (torn write, flipped bits).

    Attributes:
        start: Offset where the damage begins.
        end: Offset of the next good record, or the end of the data.
    """

    start: int
    end: int


def encode(key: bytes, value: bytes, headers: Headers = ()) -> bytes:
    """Return the on-disk bytes of one record.

    Args:
        key: The Kafka key.
        value: The encoded event.
        headers: Kafka headers.

    Returns:
        Magic, length, CRC and payload, to be written in one piece.
    """
    if not headers:
        # Every emit() writes ahead through here, so the common case (no headers) skips
        # building the payload once only to checksum it: the CRC runs over the parts,
        # and the record is joined once.
        head = _U32.pack(len(key)) + key + _U32.pack(len(value))
        length = len(head) + len(value) + _U16.size
        crc = zlib.crc32(head, zlib.crc32(_U32_PACK(length)))
        crc = zlib.crc32(_NO_HEADERS, zlib.crc32(value, crc))
        return b"".join((_HEADER.pack(MAGIC, length, crc), head, value, _NO_HEADERS))
    parts = [_U32.pack(len(key)), key, _U32.pack(len(value)), value, _U16.pack(len(headers))]
    for name, data in headers:
        raw = name.encode()
        parts += [_U16.pack(len(raw)), raw, _U32.pack(len(data)), data]
    payload = b"".join(parts)
    length_field = _U32.pack(len(payload))
    crc = zlib.crc32(payload, zlib.crc32(length_field))
    return MAGIC + length_field + _U32.pack(crc) + payload


def _parse_at(data: bytes, pos: int) -> SpoolRecord | None:
    """Return the record starting at ``pos`` if it is complete and its CRC checks."""
    if len(data) - pos < HEADER_BYTES:
        return None
    magic, length, crc = _HEADER.unpack_from(data, pos)
    end = pos + HEADER_BYTES + length
    if magic != MAGIC or length > MAX_RECORD_BYTES or end > len(data):
        return None
    payload = memoryview(data)[pos + HEADER_BYTES : end]
    if zlib.crc32(payload, zlib.crc32(data[pos + 4 : pos + 8])) != crc:
        return None
    try:
        return _payload(payload, end)
    except (struct.error, ValueError, UnicodeDecodeError):
        return None  # a CRC collision on garbage: still damage


def _payload(payload: memoryview, end: int) -> SpoolRecord:
    at = 0

    def take(size: int) -> bytes:
        nonlocal at
        if at + size > len(payload):
            raise ValueError("field runs past the payload")
        chunk = bytes(payload[at : at + size])
        at += size
        return chunk

    key = take(_U32.unpack(take(4))[0])
    value = take(_U32.unpack(take(4))[0])
    headers = []
    for _ in range(_U16.unpack(take(2))[0]):
        name = take(_U16.unpack(take(2))[0]).decode()
        headers.append((name, take(_U32.unpack(take(4))[0])))
    if at != len(payload):
        raise ValueError("trailing bytes in the payload")
    return SpoolRecord(key, value, tuple(headers), end)


def scan(data: bytes, start: int = 0) -> Iterator[SpoolRecord | Damage]:
    """Yield the records of ``data`` from ``start``, and a :class:`Damage` per bad stretch.

    A damaged record is skipped up to the next record whose magic and CRC check, so one
    flipped bit costs one record, and a torn last record (a crash mid-write) becomes a
    ``Damage`` reaching the end of the data. Never raises on any input.

    Args:
        data: Segment bytes.
        start: Where to begin (a record boundary).

    Yields:
        Records in file order, interleaved with the damage found between them.
    """
    pos = start
    while pos < len(data):
        record = _parse_at(data, pos)
        if record is not None:
            yield record
            pos = record.end
            continue
        resume = _next_good(data, pos + 1)
        yield Damage(pos, resume)
        pos = resume


def _next_good(data: bytes, pos: int) -> int:
    while True:
        found = data.find(MAGIC, pos)
        if found < 0:
            return len(data)
        if _parse_at(data, found) is not None:
            return found
        pos = found + 1
