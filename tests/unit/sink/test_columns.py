"""The column decoder: the codec's table for every batch it takes, and no verdicts of its own."""

from __future__ import annotations

import copy
import random

import pyarrow as pa
import pytest

from auditstream.archive import encode_parquet, events_to_table
from auditstream.schemas import (
    AuditEvent,
    AuditEventDeserializer,
    AuditEventSerializer,
    DecodeError,
    InvalidEventError,
)
from auditstream.schemas.errors import CodecError, UnknownSchemaError
from auditstream.schemas.framing import confluent_header
from auditstream.sink.batcher import PartitionBatch, PartitionId
from auditstream.sink.columns import ColumnDecoder, FastPathDeclined
from auditstream.sink.decoding import BatchDecoder, DecodedBatch
from support.sample_events import full_event_dict, minimal_event_dict, through_codec

ENCODE = AuditEventSerializer()
DECODE = AuditEventDeserializer()
PID = PartitionId("audit.events.redacted", 4)
# Offsets in a minimal event's payload: 10 header bytes, event_id (1 + 36), timestamp 0
# (1 byte), then the event_type enum index, the action "noop" (1 + 4), the status enum
# index, and actor.tenant_id's union index.
EVENT_TYPE_AT = 48
TENANT_UNION_AT = 55


def varied_events(count: int, seed: int) -> list[AuditEvent]:
    """Full, minimal and in-between events: nulls, lists, maps, Unicode, edge numbers."""
    rnd = random.Random(seed)
    events = []
    for index in range(count):
        event = full_event_dict() if rnd.random() < 0.5 else minimal_event_dict()
        event["event_id"] = f"01950d1c-7a3b-7c3d-8e4f-{index:012x}"
        if rnd.random() < 0.4:
            event["attributes"] = {
                f"k{j}": "é" * rnd.randint(0, 200) for j in range(rnd.randint(0, 4))
            }
        if rnd.random() < 0.4:
            event["rag_documents"] = [
                {
                    "id": f"d{j}",
                    "source": rnd.choice([None, "", "kb://x"]),
                    "score": rnd.choice([None, -0.0, 1e300]),
                }
                for j in range(rnd.randint(0, 3))
            ]
        if rnd.random() < 0.3:
            event["timestamp"] = rnd.choice([0, 1, 2**61, rnd.randint(0, 2**53)])
        if rnd.random() < 0.3:
            event["guardrails_triggered"] = [
                "🙂" * rnd.randint(0, 40) for _ in range(rnd.randint(0, 3))
            ]
        if event["processing"] is not None and rnd.random() < 0.5:
            event["processing"]["redactions"] = [
                {"field": "f", "entity_type": "E", "count": rnd.choice([0, -(2**31), 2**31 - 1])}
                for _ in range(rnd.randint(0, 3))
            ]
        if event["llm"] is not None and rnd.random() < 0.3:
            event["llm"]["prompt"] = None
        events.append(event)
    return events


def codec_table(events: list[AuditEvent]) -> pa.Table:
    return events_to_table([through_codec(e) for e in events])


def batch_of(payloads: list[bytes | None], first_offset: int = 100) -> PartitionBatch:
    batch = PartitionBatch(PID, started_at=0.0)
    for index, payload in enumerate(payloads):
        batch.add(first_offset + index, payload)
    return batch


def decode_batch(batch: PartitionBatch) -> pa.Table:
    """The table of a batch every record of which decodes."""
    decoded = decode_all(batch)
    assert decoded.rejected == ()
    assert list(decoded.offsets) == batch.offsets
    return decoded.table


def decode_all(batch: PartitionBatch) -> DecodedBatch:
    return BatchDecoder(min_column_rows=1).decode(
        batch.payloads, offsets=batch.offsets, topic=PID.topic
    )


def patched(event: AuditEvent, at: int, byte: int) -> bytes:
    data = bytearray(ENCODE(event))
    data[at] = byte
    return bytes(data)


def with_fields(**changes: object) -> AuditEvent:
    event = full_event_dict()
    for path, value in changes.items():
        node = event
        *parents, name = path.split("__")
        for parent in parents:
            node = node[parent]
        node[name] = value
    return event


class TestColumnDecoder:
    @pytest.mark.parametrize(
        ("count", "seed"), [(1, 1), (2, 2), (17, 3), (600, 4)], ids=["1", "2", "17", "600"]
    )
    def test_a_batch_decodes_to_the_codecs_table_and_parquet_bytes(self, count, seed):
        """Same rows, same types, and the very same Parquet file (retries compare hashes)."""
        events = varied_events(count, seed)
        table = ColumnDecoder().decode([ENCODE(e) for e in events])
        expected = codec_table(events)
        assert table.schema == expected.schema
        assert table.equals(expected)
        assert encode_parquet(table) == encode_parquet(expected)

    def test_columns_that_are_null_in_every_row_still_encode(self):
        """An all-null record column keeps non-null required children, as from_pylist does."""
        events = [minimal_event_dict() for _ in range(3)]
        table = ColumnDecoder().decode([ENCODE(e) for e in events])
        assert encode_parquet(table) == encode_parquet(codec_table(events))

    @pytest.mark.parametrize(
        "payload",
        [
            pytest.param(None, id="tombstone"),
            pytest.param(b"", id="empty"),
            pytest.param(ENCODE(minimal_event_dict())[:-1], id="truncated"),
            pytest.param(ENCODE(minimal_event_dict()) + b"\x00", id="trailing_byte"),
            pytest.param(
                confluent_header(7) + ENCODE(minimal_event_dict())[10:], id="confluent_framing"
            ),
            pytest.param(
                b"\xc3\x01"
                + b"\xde\xad\xbe\xef\x00\x11\x22\x33"
                + ENCODE(minimal_event_dict())[10:],
                id="unknown_fingerprint",
            ),
            pytest.param(patched(minimal_event_dict(), EVENT_TYPE_AT, 40), id="enum_index"),
            pytest.param(patched(minimal_event_dict(), TENANT_UNION_AT, 4), id="union_index"),
            pytest.param(
                ENCODE(with_fields(action="AAAA")).replace(b"AAAA", b"A\xffAA"), id="utf8"
            ),
            pytest.param(ENCODE(with_fields(event_id="not-a-uuid")), id="event_id"),
            pytest.param(ENCODE(with_fields(trace__trace_id="0" * 32)), id="zero_trace"),
            pytest.param(ENCODE(with_fields(trace__trace_id="A" * 32)), id="upper_trace"),
            pytest.param(ENCODE(with_fields(trace__span_id="xyz")), id="span_id"),
            pytest.param(ENCODE(with_fields(service__name="")), id="service_name"),
            pytest.param(ENCODE(with_fields(timestamp=-1)), id="negative_timestamp"),
            pytest.param(ENCODE(with_fields(llm__prompt="p" * 10_000)), id="over_length"),
        ],
    )
    def test_a_batch_with_anything_unusual_is_declined(self, payload):
        """One unusual record sends the whole batch to the codec, which decides."""
        good = [ENCODE(e) for e in varied_events(5, 9)]
        decoder = ColumnDecoder(max_field_bytes=max(len(p) for p in good))
        assert decoder.decode([*good, *good]).num_rows == 10
        with pytest.raises(FastPathDeclined):
            decoder.decode([*good, payload, *good])

    @pytest.mark.parametrize("seed", range(6))
    def test_a_corrupted_record_gets_the_codecs_verdict_whatever_its_bytes(self, seed):
        """Random byte flips: the batch decoder accepts exactly what the codec accepts."""
        rnd = random.Random(seed)
        events = varied_events(4, seed)
        good = [ENCODE(e) for e in events]
        outcomes = set()
        for _ in range(40):
            victim = bytearray(rnd.choice(good))
            for _ in range(rnd.randint(1, 3)):
                victim[rnd.randrange(10, len(victim))] = rnd.randrange(256)
            payloads = [*good, bytes(victim), *good]
            verdict: list[AuditEvent] | type[CodecError]
            try:
                verdict = [DECODE(p) for p in payloads]
            except CodecError as exc:
                verdict = type(exc)
            if isinstance(verdict, list):
                table = decode_batch(batch_of(payloads))
                assert table.equals(events_to_table(verdict))
                outcomes.add("accepted")
            else:
                decoded = decode_all(batch_of(payloads))
                assert decoded.table.equals(codec_table(events + events))
                assert [(r.offset, r.error_class) for r in decoded.rejected] == [
                    (104, verdict.__name__)
                ]
                outcomes.add("refused")
        assert outcomes == {"accepted", "refused"}

    def test_an_empty_batch_is_declined(self):
        """There is nothing to decode column by column."""
        with pytest.raises(FastPathDeclined):
            ColumnDecoder().decode([])


class TestBatchDecoder:
    @pytest.mark.parametrize(("rows", "column_calls"), [(2, 0), (3, 1)])
    def test_only_batches_of_min_column_rows_or_more_go_to_the_column_decoder(
        self, monkeypatch, rows, column_calls
    ):
        """Small batches cost the column decoder more than the codec; the table is the same."""
        calls = []
        decode = ColumnDecoder.decode

        def counted(self, payloads):
            calls.append(len(payloads))
            return decode(self, payloads)

        monkeypatch.setattr(ColumnDecoder, "decode", counted)
        events = varied_events(rows, 5)
        batch = batch_of([ENCODE(e) for e in events])
        decoded = BatchDecoder(min_column_rows=3).decode(
            batch.payloads, offsets=batch.offsets, topic=PID.topic
        )
        assert len(calls) == column_calls
        assert decoded.table.equals(codec_table(events))

    def test_a_declined_batch_that_the_codec_accepts_gets_the_codecs_table(self):
        """A UUID in braces is valid to the codec but not to the fast path's pattern."""
        events = [full_event_dict(), with_fields(event_id="{01950d1c-7a3b-7c3d-8e4f-0123456789ab}")]
        payloads = [ENCODE(e) for e in events]
        with pytest.raises(FastPathDeclined):
            ColumnDecoder().decode(payloads)
        assert decode_batch(batch_of(payloads)).equals(codec_table(events))

    def test_a_varint_longer_than_nine_bytes_is_left_to_the_codec(self):
        """A timestamp of 2**62 needs ten varint bytes: declined, then decoded as usual."""
        events = [full_event_dict(), with_fields(timestamp=2**62)]
        payloads = [ENCODE(e) for e in events]
        with pytest.raises(FastPathDeclined):
            ColumnDecoder().decode(payloads)
        assert decode_batch(batch_of(payloads)).equals(codec_table(events))

    @pytest.mark.parametrize(
        ("bad", "cause"),
        [
            (patched(minimal_event_dict(), EVENT_TYPE_AT, 40), DecodeError),
            (ENCODE(with_fields(trace__trace_id="0" * 32)), InvalidEventError),
            (confluent_header(7) + ENCODE(minimal_event_dict())[10:], UnknownSchemaError),
            (None, DecodeError),
        ],
        ids=["enum_index", "zero_trace", "confluent_framing", "tombstone"],
    )
    def test_every_bad_record_is_refused_with_its_offset_bytes_and_the_codecs_error(
        self, bad, cause
    ):
        """The valid records make the table; each bad one is returned as it came."""
        good = ENCODE(full_event_dict())
        decoded = decode_all(batch_of([good, good, bad, good, copy.copy(bad)], first_offset=40))
        assert list(decoded.offsets) == [40, 41, 43]
        assert decoded.table.equals(codec_table([full_event_dict()] * 3))
        assert [(r.offset, r.value, r.error_class) for r in decoded.rejected] == [
            (42, bad, cause.__name__),
            (44, bad, cause.__name__),
        ]
        assert all(r.reason for r in decoded.rejected)
