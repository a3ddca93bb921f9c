"""Turn a partition batch of encoded records into the archive's Arrow table.

The column decoder (:mod:`auditstream.sink.columns`) takes every batch it can; a batch it
declines is decoded record by record with the contract's codec,
:class:`~auditstream.schemas.codec.AuditEventDeserializer`, whose verdict stands: every
record it refuses is returned as a :class:`RejectedRecord`, bytes untouched, for the
DLQ, and the others make the table. No Kafka client and no S3 here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
from confluent_kafka.serialization import MessageField, SerializationContext

from auditstream.archive.arrow_schema import events_to_table
from auditstream.schemas.codec import AuditEventDeserializer
from auditstream.schemas.errors import CodecError
from auditstream.sink.columns import ColumnDecoder, FastPathDeclined

MIN_COLUMN_ROWS = 100
"""Batches with fewer records go straight to the codec. The column decoder costs about
10 ms per batch whatever its size (some 600 Arrow kernel calls), the codec about 40 us
per record: measured on 2 shared cores they break even between 100 and 200 records
(at 100 the column decoder took 9 ms, the codec 6 ms; at 1000, 9 ms against 38 ms).
The low end is taken, so every batch of a busy partition takes the column decoder;
quiet partitions flush small batches on age, where either cost is small."""


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A record of the redacted topic that is not a valid AuditEvent.

    Attributes:
        offset: Its offset.
        value: Its bytes exactly as the topic held them (None for a tombstone).
        error_class: The codec's error class, e.g. ``DecodeError``.
        reason: The codec's message (sizes and offsets, never payload text).
    """

    offset: int
    value: bytes | None
    error_class: str
    reason: str


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """A batch decoded: the archive's rows and the records refused.

    Attributes:
        table: One row per valid record, in offset order.
        offsets: The offset of each row.
        rejected: The records refused, in offset order.
    """

    table: pa.Table
    offsets: Sequence[int]
    rejected: tuple[RejectedRecord, ...] = ()


class BatchDecoder:
    """Turns a batch of records into the archive's table: column decoder first, codec after.

    The sink decodes each partition batch with one call when it flushes it.

    Args:
        max_field_bytes: Longest string a field may hold (the codec's rule).
        min_column_rows: Smallest batch given to the column decoder (see
            :data:`MIN_COLUMN_ROWS`); both paths give the same table.
    """

    __slots__ = ("_codec", "_columns", "_min_column_rows")

    def __init__(
        self, *, max_field_bytes: int = 1 << 20, min_column_rows: int = MIN_COLUMN_ROWS
    ) -> None:
        self._columns = ColumnDecoder(max_field_bytes=max_field_bytes)
        self._codec = AuditEventDeserializer(max_field_bytes=max_field_bytes)
        self._min_column_rows = min_column_rows

    def decode(
        self,
        payloads: Sequence[bytes | None],
        *,
        offsets: Sequence[int],
        topic: str,
    ) -> DecodedBatch:
        """Return one row per valid record, in order, and the records refused.

        Args:
            payloads: The records' values as the topic holds them, in offset order.
            offsets: The records' offsets, in the same order.
            topic: The records' topic (the codec's context).

        Returns:
            The rows, as a table of
            :func:`~auditstream.archive.arrow_schema.event_schema`, and every
            record that does not decode or breaks a contract rule.

        Raises:
            ArchiveEncodeError: Decoded events do not fit the archive schema (a bug).
        """
        if len(payloads) >= self._min_column_rows:
            try:
                return DecodedBatch(self._columns.decode(payloads), offsets)
            except FastPathDeclined:
                pass
        ctx = SerializationContext(topic, MessageField.VALUE)
        events, kept, rejected = [], [], []
        for offset, payload in zip(offsets, payloads, strict=True):
            try:
                events.append(self._codec(payload, ctx))
            except CodecError as exc:
                rejected.append(RejectedRecord(offset, payload, type(exc).__name__, str(exc)))
            else:
                kept.append(offset)
        return DecodedBatch(events_to_table(events), kept, tuple(rejected))
