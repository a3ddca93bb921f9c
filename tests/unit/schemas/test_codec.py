"""The codec: round trips, and a typed error for every kind of bad bytes."""

from __future__ import annotations

import pytest

from auditstream.schemas import (
    AuditEventDeserializer,
    AuditEventSerializer,
    DecodeError,
    EncodeError,
    InvalidEventError,
    UnknownSchemaError,
    WireFormat,
)
from auditstream.schemas.catalog import current
from auditstream.schemas.framing import SINGLE_OBJECT_MAGIC
from support.events import make_event

encode = AuditEventSerializer()
decode = AuditEventDeserializer(max_field_bytes=1 << 20)


class TestRoundTrip:
    def test_event_survives_encode_then_decode_unchanged(self) -> None:
        """Every field of a full event comes back equal."""
        event = make_event(
            attributes={"k": "v"}, rag_documents=[{"id": "d1", "source": None, "score": 0.5}]
        )
        assert decode(encode(event)) == event

    def test_payload_starts_with_single_object_marker_and_fingerprint(self) -> None:
        """The default framing is Avro single-object encoding with our fingerprint."""
        data = encode(make_event())
        assert data[:2] == SINGLE_OBJECT_MAGIC
        assert data[2:10] == current().fingerprint

    def test_confluent_framing_decodes_through_the_registry_lookup(self) -> None:
        """A Confluent-framed payload decodes with the schema the lookup returns."""
        confluent = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=7)
        lookups: list[int] = []

        def lookup(schema_id: int, size: int) -> object:
            lookups.append(schema_id)
            return current().parsed

        event = make_event()
        data = confluent(event)
        assert data[:5] == b"\x00\x00\x00\x00\x07"
        assert AuditEventDeserializer(registry_lookup=lookup)(data) == event
        assert lookups == [7]


class TestEncodeErrors:
    def test_unknown_field_is_refused(self) -> None:
        """A field the schema lacks is a programming error."""
        with pytest.raises(EncodeError):
            encode(make_event(color="blue"))

    def test_wrong_type_is_refused_without_echoing_the_value(self) -> None:
        """A wrong type fails, and the message does not contain the value."""
        with pytest.raises(EncodeError) as info:
            encode(make_event(action=12345678))
        assert "12345678" not in str(info.value)

    def test_confluent_framing_without_schema_id_is_refused(self) -> None:
        """Confluent framing needs the registry id."""
        with pytest.raises(EncodeError):
            AuditEventSerializer(WireFormat.CONFLUENT)


def _good() -> bytes:
    return encode(make_event())


BAD_PAYLOADS = {
    "empty": b"",
    "not_avro_json": b'{"event_id": "x"}',
    "only_magic": SINGLE_OBJECT_MAGIC,
    "truncated_header": SINGLE_OBJECT_MAGIC + b"\x01\x02\x03",
    "truncated_body": _good()[:40],
    "trailing_garbage": _good() + b"\x00\x01",
    "confluent_too_short": b"\x00\x00\x01",
}


class TestDecodeErrors:
    @pytest.mark.parametrize("name", sorted(BAD_PAYLOADS))
    def test_bad_bytes_raise_decode_error(self, name: str) -> None:
        """Each kind of bad bytes gives a DecodeError that states the payload size."""
        payload = BAD_PAYLOADS[name]
        with pytest.raises(DecodeError) as info:
            decode(payload)
        assert info.value.size == len(payload)
        assert str(info.value)

    def test_tombstone_raises_decode_error(self) -> None:
        """A message without a value is not an event."""
        with pytest.raises(DecodeError):
            decode(None)

    def test_unknown_fingerprint_raises_unknown_schema_error(self) -> None:
        """A fingerprint we do not ship names itself in the error."""
        data = SINGLE_OBJECT_MAGIC + b"\xde\xad\xbe\xef\x00\x11\x22\x33" + _good()[10:]
        with pytest.raises(UnknownSchemaError) as info:
            decode(data)
        assert "deadbeef00112233" in str(info.value)

    def test_confluent_frame_without_registry_raises_unknown_schema_error(self) -> None:
        """Without a registry, a Confluent frame cannot be decoded."""
        with pytest.raises(UnknownSchemaError):
            decode(b"\x00\x00\x00\x00\x07" + _good()[10:])

    def test_invalid_utf8_in_a_string_raises_decode_error(self) -> None:
        """Bytes that are not UTF-8 inside a string field are rejected."""
        event = make_event(action="AAAAAAAA")
        data = bytearray(encode(event))
        index = data.index(b"AAAAAAAA")
        data[index] = 0xFF
        with pytest.raises(DecodeError, match="UTF-8"):
            decode(bytes(data))

    def test_a_negative_enum_index_raises_decode_error_not_the_last_symbol(self) -> None:
        """fastavro alone reads index -1 as the last symbol (OTHER); the codec refuses it."""
        data = bytearray(encode(make_event(timestamp=0)))
        at = 10 + 1 + 36 + 1  # header, event_id (length byte + 36), timestamp 0
        symbols = current().source["fields"][2]["type"]["symbols"]
        assert data[at] == 2 * symbols.index("LLM_REQUEST")  # zigzag
        data[at] = 0x01  # zigzag -1
        with pytest.raises(DecodeError, match="enum symbol index -1") as info:
            decode(bytes(data))
        assert info.value.offset_in_payload == at

    def test_a_negative_union_index_raises_decode_error_not_the_last_branch(self) -> None:
        """fastavro alone reads a -1 union index as the last branch of ["null", "string"]:
        here the same branch as the real index 1, so the corrupt body decodes unchanged."""
        event = make_event(timestamp=0, action="a", status="SUCCESS")
        data = bytearray(encode(event))
        at = 10 + 1 + 36 + 1 + 1 + 2 + 1  # ..., event_type, action "a", status
        assert data[at] == 2  # actor.tenant_id: index 1, the string "acme" follows
        data[at] = 0x01
        with pytest.raises(DecodeError, match="union branch index -1"):
            decode(bytes(data))

    def test_random_bytes_after_a_valid_header_raise_decode_error(self) -> None:
        """Garbage behind a valid header never crashes the decoder."""
        header = _good()[:10]
        for seed in range(50):
            body = bytes((seed * 31 + i * 17) % 256 for i in range(seed + 1))
            with pytest.raises(DecodeError):
                decode(header + body)


class TestValidation:
    @pytest.mark.parametrize(
        ("field", "event"),
        [
            ("event_id", make_event(event_id="not-a-uuid")),
            (
                "trace.trace_id",
                make_event(trace={"trace_id": "", "span_id": None, "parent_span_id": None}),
            ),
            (
                "trace.trace_id",
                make_event(trace={"trace_id": "0" * 32, "span_id": None, "parent_span_id": None}),
            ),
            (
                "trace.span_id",
                make_event(trace={"trace_id": "a" * 32, "span_id": "xyz", "parent_span_id": None}),
            ),
            (
                "service.name",
                make_event(
                    service={"name": "", "version": None, "environment": None, "host": None}
                ),
            ),
            ("timestamp", make_event(timestamp=-1)),
        ],
    )
    def test_rule_breaking_event_names_the_field(
        self, field: str, event: dict[str, object]
    ) -> None:
        """An event that decodes but breaks a rule raises InvalidEventError for that field."""
        with pytest.raises(InvalidEventError) as info:
            decode(encode(event))
        assert info.value.field == field

    def test_field_over_the_size_limit_is_rejected_by_size_not_content(self) -> None:
        """A huge prompt is rejected, and the error states sizes only."""
        event = make_event()
        event["llm"]["prompt"] = "secret-ish " * 200_000
        with pytest.raises(InvalidEventError) as info:
            decode(encode(event))
        assert info.value.field == "llm.prompt"
        assert "secret-ish" not in str(info.value)
