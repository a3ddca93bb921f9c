"""The pipeline: good bytes become redacted events, bad bytes dead letters with reasons."""

from __future__ import annotations

import pytest

from auditstream.processor.pipeline import DeadLetter, Pipeline, RawMessage, Redacted
from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer
from support.events import make_event

encode = AuditEventSerializer()


def _msg(value: bytes | None, offset: int = 0) -> RawMessage:
    return RawMessage(topic="raw", partition=1, offset=offset, key=b"k", value=value)


@pytest.fixture
def pipeline(engine) -> Pipeline:
    return Pipeline(engine, max_field_bytes=64 * 1024)


class TestPipeline:
    def test_outcomes_keep_input_order_and_bad_input_goes_to_the_dlq(
        self, pipeline: Pipeline
    ) -> None:
        """Good, bad, good in; redacted, dead letter, redacted out."""
        good = make_event()
        outcomes = pipeline.process(
            [_msg(encode(good), 0), _msg(b"\xc3\x01garbage", 1), _msg(encode(make_event()), 2)]
        )
        assert [type(o) for o in outcomes] == [Redacted, DeadLetter, Redacted]
        first = outcomes[0]
        assert isinstance(first, Redacted)
        assert first.key == good["trace"]["trace_id"].encode()
        assert AuditEventDeserializer()(first.value)["processing"] is not None

    @pytest.mark.parametrize(
        ("value", "error_class"),
        [
            (b"", "DecodeError"),
            (None, "DecodeError"),
            (b"\xc3\x01" + b"\x00" * 8 + b"body", "UnknownSchemaError"),
            (b"\x00\x00\x00\x00\x01body", "UnknownSchemaError"),
        ],
    )
    def test_dead_letter_headers_state_stage_class_and_source(
        self, pipeline: Pipeline, value: bytes | None, error_class: str
    ) -> None:
        """DLQ headers carry stage, error class, message and the source position."""
        [outcome] = pipeline.process([_msg(value, 17)])
        assert isinstance(outcome, DeadLetter)
        headers = dict(outcome.headers())
        assert headers["auditstream.stage"] == b"processor"
        assert headers["auditstream.error_class"] == error_class.encode()
        assert headers["auditstream.error_message"]
        assert headers["auditstream.source_partition"] == b"1"
        assert headers["auditstream.source_offset"] == b"17"

    def test_oversized_field_goes_to_the_dlq(self, pipeline: Pipeline) -> None:
        """A prompt over the configured limit is dead-lettered as InvalidEventError."""
        event = make_event()
        event["llm"]["prompt"] = "x" * (128 * 1024)
        [outcome] = pipeline.process([_msg(encode(event))])
        assert isinstance(outcome, DeadLetter)
        assert outcome.error_class == "InvalidEventError"
