"""The analysis child: the worker's redaction, in another process, with the same results."""

from __future__ import annotations

from auditstream.processor import analysis
from auditstream.processor.loader import load_pipeline
from auditstream.processor.pipeline import DeadLetter, Prepared, RawMessage
from auditstream.processor.settings import ProcessorSettings
from auditstream.schemas import AuditEventSerializer
from support.events import make_event

encode = AuditEventSerializer()
KEY = "unit-test-pseudonymization-key-0123456789abcdef"


def test_the_child_prepares_a_chunk_as_the_worker_itself_would() -> None:
    """Redacted events (pseudonyms, typed tokens) and dead letters, in order, equal."""
    # Deadlines far off: on a loaded host one run could hit a scan budget and the other not,
    # and this test compares what both find, not how fast.
    unhurried = {
        "hmac_key": KEY,
        "scan_field_budget_ms": 600_000,
        "scan_batch_budget_ms": 600_000,
        "scan_regex_timeout_ms": 60_000,
    }
    settings = ProcessorSettings(processor=unhurried)  # type: ignore[arg-type]
    event = make_event()
    event["llm"]["prompt"] = "Mail jane.doe@example.com or call Maria Gonzalez at 555-0100."
    messages = [
        RawMessage("raw", 0, 0, b"k", encode(event)),
        RawMessage("raw", 0, 1, b"k", b"\xc3\x01not avro"),
        RawMessage("raw", 0, 2, b"k", encode(make_event())),
    ]
    pipeline = load_pipeline(settings)

    with analysis.analysis_process(pipeline) as child:
        steps, seconds, cache = child.submit(analysis.prepare, messages).result(timeout=120)
    local = pipeline.prepare(messages)  # after the fork: the child's cache started empty

    assert [type(s) for s in steps] == [Prepared, DeadLetter, Prepared]
    assert [_comparable(s) for s in steps] == [_comparable(s) for s in local]
    first = steps[0]
    assert isinstance(first, Prepared)
    assert "jane.doe@example.com" not in str(first.event)
    assert seconds > 0
    assert cache.misses > 0


def _comparable(step: Prepared | DeadLetter) -> object:
    """The step without its ingest time (the two runs happen at different moments)."""
    if isinstance(step, DeadLetter):
        return step
    event = dict(step.event)
    event["processing"] = {**event["processing"], "ingested_at": None}
    return step.source, event
