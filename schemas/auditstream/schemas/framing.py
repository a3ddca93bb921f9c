"""The two wire framings of an AuditEvent, read and written in this module only.

* Avro single-object encoding (the default): ``C3 01`` + the writer schema's 8-byte
  CRC-64-AVRO fingerprint (little-endian, as the Avro spec orders it) + the Avro body.
* Confluent Schema Registry framing: ``00`` + a 4-byte big-endian schema id + the body.

Everything here is about bytes; which schema a fingerprint or id means is the codec's job.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum

from auditstream.schemas.errors import DecodeError

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
SINGLE_OBJECT_HEADER_BYTES = 10  # 2 magic + 8 fingerprint
CONFLUENT_MAGIC = b"\x00"
CONFLUENT_HEADER_BYTES = 5  # 1 magic + 4 schema id
_SCHEMA_ID = struct.Struct(">I")


class WireFormat(StrEnum):
    """How an encoded event announces its writer schema."""

    SINGLE_OBJECT = "single_object"
    CONFLUENT = "confluent"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Frame:
    """A parsed frame: which schema wrote the body, and where the body starts.

    Attributes:
        wire_format: The framing found.
        schema_ref: The fingerprint as 16 hex digits, or the registry id as a decimal string.
        body_offset: Index of the first byte of the Avro body.
    """

    wire_format: WireFormat
    schema_ref: str
    body_offset: int


def single_object_header(fingerprint: bytes) -> bytes:
    """Return the single-object header for a schema fingerprint.

    Args:
        fingerprint: The 8-byte little-endian CRC-64-AVRO fingerprint.

    Returns:
        The 10-byte header.
    """
    return SINGLE_OBJECT_MAGIC + fingerprint


def confluent_header(schema_id: int) -> bytes:
    """Return the Confluent wire-format header for a registry schema id.

    Args:
        schema_id: The id the registry assigned to the writer schema.

    Returns:
        The 5-byte header.
    """
    return CONFLUENT_MAGIC + _SCHEMA_ID.pack(schema_id)


def read_frame(data: bytes) -> Frame:
    """Identify the framing of a payload by its first bytes.

    Args:
        data: The whole Kafka message value.

    Returns:
        The frame found.

    Raises:
        DecodeError: The payload is empty, too short for its header, or starts with
            neither magic (it is not an AuditEvent of any known framing).
    """
    size = len(data)
    if size == 0:
        raise DecodeError(
            "empty payload; expected an Avro single-object or Confluent frame", size=0
        )
    if data[:2] == SINGLE_OBJECT_MAGIC:
        if size < SINGLE_OBJECT_HEADER_BYTES:
            raise DecodeError(
                f"truncated single-object header: expected {SINGLE_OBJECT_HEADER_BYTES} bytes, "
                f"found {size}",
                offset_in_payload=size,
                size=size,
            )
        return Frame(WireFormat.SINGLE_OBJECT, data[2:SINGLE_OBJECT_HEADER_BYTES].hex(), 10)
    if data[:1] == CONFLUENT_MAGIC:
        if size < CONFLUENT_HEADER_BYTES:
            raise DecodeError(
                f"truncated Confluent header: expected {CONFLUENT_HEADER_BYTES} bytes, "
                f"found {size}",
                offset_in_payload=size,
                size=size,
            )
        (schema_id,) = _SCHEMA_ID.unpack_from(data, 1)
        return Frame(WireFormat.CONFLUENT, str(schema_id), CONFLUENT_HEADER_BYTES)
    raise DecodeError(
        f"unknown framing: first byte 0x{data[0]:02x}, expected 0xc3 0x01 (Avro single-object) "
        "or 0x00 (Confluent Schema Registry)",
        offset_in_payload=0,
        size=size,
    )
