"""The contract's extra rules: cheap paths accept and refuse exactly what full checks do."""

from __future__ import annotations

import uuid

import pytest

from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer, InvalidEventError
from auditstream.schemas.validation import validate_event
from support.events import make_event

encode = AuditEventSerializer()


class TestEventId:
    @pytest.mark.parametrize(
        "event_id",
        [
            "01950d1c-7a3b-7c3d-8e4f-0123456789ab",
            "01950D1C-7A3B-7C3D-8E4F-0123456789AB",
            "{01950d1c-7a3b-7c3d-8e4f-0123456789ab}",
            "urn:uuid:01950d1c-7a3b-7c3d-8e4f-0123456789ab",
            "01950d1c7a3b7c3d8e4f0123456789ab",
        ],
    )
    def test_every_form_uuid_accepts_is_accepted(self, event_id: str) -> None:
        """The canonical pattern is a shortcut; other forms still go to uuid.UUID."""
        uuid.UUID(event_id)
        validate_event(make_event(event_id=event_id), max_field_bytes=1 << 20)

    @pytest.mark.parametrize(
        "event_id",
        [
            "01950d1c-7a3b-7c3d-8e4f-0123456789a",
            "01950d1c-7a3b-7c3d-8e4f-0123456789ab\n",
            "01950d1c-7a3b-7c3d-8e4f-0123456789ag",
            "",
        ],
    )
    def test_a_string_uuid_refuses_is_refused(self, event_id: str) -> None:
        """Near misses of the canonical form are judged, and refused, by uuid.UUID."""
        with pytest.raises(InvalidEventError) as info:
            validate_event(make_event(event_id=event_id), max_field_bytes=1 << 20)
        assert info.value.field == "event_id"


class TestTraceIds:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736\n"),
            ("span_id", "00f067aa0ba902b7\n"),
            ("parent_span_id", "00f067aa0ba902b7\n"),
        ],
    )
    def test_a_trailing_newline_is_refused(self, field: str, value: str) -> None:
        """Ids are exactly their hex digits; ``$`` would let a newline through."""
        event = make_event()
        event["trace"][field] = value
        with pytest.raises(InvalidEventError) as info:
            validate_event(event, max_field_bytes=1 << 20)
        assert info.value.field == f"trace.{field}"


class TestFieldLength:
    def test_a_bound_over_the_limit_still_finds_the_long_field(self) -> None:
        """The walk is skipped only when the bound proves no string is too long."""
        event = make_event()
        event["llm"]["prompt"] = "x" * 101
        with pytest.raises(InvalidEventError) as info:
            validate_event(event, max_field_bytes=100, longest_string_bytes=101)
        assert info.value.field == "llm.prompt"

    @pytest.mark.parametrize(("length", "accepted"), [(200, True), (201, False)])
    def test_the_decoder_enforces_the_limit_to_the_byte(self, length: int, accepted: bool) -> None:
        """A string exactly at the limit passes; one byte more fails, whatever the payload."""
        event = make_event()
        event["llm"]["prompt"] = "é" * (length // 2) + "x" * (length % 2)
        decode = AuditEventDeserializer(max_field_bytes=200)
        if accepted:
            assert decode(encode(event))["llm"]["prompt"] == event["llm"]["prompt"]
        else:
            with pytest.raises(InvalidEventError):
                decode(encode(event))
