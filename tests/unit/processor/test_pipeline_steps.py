"""Pipeline in two steps: prepare (decode, redact) then finish (encode), as the agent runs it."""

from __future__ import annotations

from auditstream.processor.pipeline import DeadLetter, Pipeline, Prepared, RawMessage, Redacted
from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer
from support.events import make_event

encode = AuditEventSerializer()


def _msg(value: bytes | None, offset: int = 0) -> RawMessage:
    return RawMessage(topic="raw", partition=0, offset=offset, key=b"k", value=value)


class TestPipelineSteps:
    def test_prepare_then_finish_equals_process_and_keeps_enrichment(self, engine) -> None:
        """Fields set between the steps reach the encoded event."""
        pipeline = Pipeline(engine, max_field_bytes=64 * 1024)
        steps = pipeline.prepare([_msg(encode(make_event())), _msg(b"", 1)])
        assert [type(s) for s in steps] == [Prepared, DeadLetter]
        prepared = steps[0]
        assert isinstance(prepared, Prepared)
        prepared.event["processing"]["trace_sequence"] = 7
        [redacted, dead] = pipeline.finish(steps)
        assert isinstance(redacted, Redacted)
        assert isinstance(dead, DeadLetter)
        assert AuditEventDeserializer()(redacted.value)["processing"]["trace_sequence"] == 7

    def test_an_event_that_encodes_over_the_output_limit_becomes_a_dead_letter(
        self, engine
    ) -> None:
        """Many fields each under the field limit can still exceed the record limit."""
        pipeline = Pipeline(engine, max_field_bytes=64 * 1024, max_output_bytes=4096)
        event = make_event()
        event["attributes"] = {f"k{i}": "0123456789" * 100 for i in range(10)}
        [outcome] = pipeline.process([_msg(encode(event))])
        assert isinstance(outcome, DeadLetter)
        assert outcome.error_class == "OversizedEventError"
        assert "4096" in outcome.message

    def test_dead_letter_headers_record_an_omitted_value_by_size(self) -> None:
        """When the raw bytes are too big for the DLQ, a header states their size."""
        dead = DeadLetter(_msg(b"x" * 100), "InvalidEventError", "too big")
        headers = dict(dead.headers(value_omitted=True))
        assert headers["auditstream.value_omitted_bytes"] == b"100"
        assert "auditstream.value_omitted_bytes" not in dict(dead.headers())

    def test_cache_stats_count_a_repeated_text_as_a_hit(self, engine) -> None:
        """The engine's cache counters are readable through the pipeline (for metrics)."""
        pipeline = Pipeline(engine, max_field_bytes=64 * 1024)
        pipeline.process([_msg(encode(make_event()))])
        hits = pipeline.cache_stats.hits
        pipeline.process([_msg(encode(make_event()))])  # same prompt and response
        assert pipeline.cache_stats.hits > hits
