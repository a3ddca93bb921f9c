"""The processor on the real stack: trace enrichment, duplicates and ugly input.

Events are written straight to the raw topic (so the tests choose keys, bytes and
replays) and read back from the redacted topic and the DLQ with ``read_committed``.
"""

from __future__ import annotations

import io
import json
import re
import time

import fastavro
import pytest

from auditstream.schemas import AuditEventSerializer, new_span_id, new_trace_id
from support.events import make_event
from support.pipeline import PipelineUnderTest
from support.processor import (
    allow_big_messages,
    decoded,
    free_loopback_port,
    headers_of,
    produce,
    raw_producer,
    scrape_counters,
)
from support.wait import wait_until

pytestmark = pytest.mark.integration

encode = AuditEventSerializer()


def _trace_events() -> list[dict]:
    """Root LLM call (actor known), a tool call under it (no actor), an error under that."""
    trace_id = new_trace_id()
    root_span, tool_span = new_span_id(), new_span_id()
    root = make_event(
        trace={"trace_id": trace_id, "span_id": root_span, "parent_span_id": None},
        actor={
            "tenant_id": "acme",
            "user_id": "user-7",
            "session_id": "sess-7",
            "ip_address": None,
            "user_agent": None,
        },
    )
    empty_actor = dict.fromkeys(root["actor"])
    tool = make_event(
        event_type="TOOL_CALL",
        action="tool.invoke",
        llm=None,
        tool={"name": "crm.lookup", "input": '{"id": 7}', "output": '{"ok": true}'},
        trace={"trace_id": trace_id, "span_id": tool_span, "parent_span_id": root_span},
        actor=empty_actor,
    )
    error = make_event(
        event_type="ERROR",
        action="tool.failed",
        status="FAILURE",
        llm=None,
        error={"type": "TimeoutError", "message": "upstream timed out"},
        trace={"trace_id": trace_id, "span_id": new_span_id(), "parent_span_id": tool_span},
        actor=dict(empty_actor),
    )
    return [root, tool, error]


def _wait_for(pipeline: PipelineUnderTest, topic: str, n: int, timeout_s: float = 180) -> list:
    return wait_until(
        lambda: (m := pipeline.read_topic(topic, idle_s=1.0)) and len(m) >= n and m,
        timeout_s=timeout_s,
        interval_s=1,
        what=f"{n} messages on {topic}",
        describe=pipeline.logs,
    )


class TestTraceEnrichment:
    def test_events_of_a_trace_are_numbered_linked_totalled_and_inherit_the_actor(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Sequence 1..3, parent event ids from span ids, inherited actor, running totals."""
        pipeline.start("process")
        events = _trace_events()
        producer = raw_producer(pipeline)
        produce(producer, pipeline.raw, events)
        assert producer.flush(30) == 0

        out = {e["event_id"]: e for e in decoded(_wait_for(pipeline, pipeline.redacted, 3))}
        root, tool, error = (out[e["event_id"]] for e in events)
        assert [e["processing"]["trace_sequence"] for e in (root, tool, error)] == [1, 2, 3]
        assert root["processing"]["parent_event_id"] is None
        assert tool["processing"]["parent_event_id"] == root["event_id"]
        assert error["processing"]["parent_event_id"] == tool["event_id"]
        assert tool["processing"]["inherited_fields"] == [
            "actor.tenant_id",
            "actor.user_id",
            "actor.session_id",
        ]
        assert tool["actor"]["tenant_id"] == "acme"
        assert tool["actor"]["user_id"] == root["actor"]["user_id"]  # the pseudonym
        assert tool["actor"]["user_id"] != "user-7"
        assert [e["processing"]["trace_tokens_total"] for e in (root, tool, error)] == [9, 9, 9]
        assert [e["processing"]["trace_tool_calls"] for e in (root, tool, error)] == [0, 1, 1]
        assert [e["processing"]["trace_errors"] for e in (root, tool, error)] == [0, 0, 1]

    def test_a_replayed_event_is_dropped_and_counted_not_forwarded_twice(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """The same event id sent again (an SDK replay) reaches the redacted topic once."""
        pipeline.start("process")
        events = _trace_events()
        producer = raw_producer(pipeline)
        produce(producer, pipeline.raw, events)
        assert producer.flush(30) == 0
        _wait_for(pipeline, pipeline.redacted, 3)
        produce(producer, pipeline.raw, [events[1], events[0]])  # replay, in a later batch
        produce(producer, pipeline.raw, [events[2], events[2]])  # and twice in one batch
        marker = make_event()
        produce(producer, pipeline.raw, [marker])
        assert producer.flush(30) == 0

        # The replays went to the trace's partition before the marker went to its own;
        # once the marker is out, wait for the trace's partition to be committed past
        # the replays too: a worker log line counts the drops.
        _wait_for(pipeline, pipeline.redacted, 4)
        wait_until(
            lambda: _duplicates_logged(pipeline) >= 4,
            timeout_s=60,
            what="four duplicates dropped",
            describe=pipeline.logs,
        )
        ids = [e["event_id"] for e in decoded(pipeline.read_topic(pipeline.redacted, idle_s=2.0))]
        assert sorted(ids) == sorted([e["event_id"] for e in events] + [marker["event_id"]])


class TestCommits:
    def test_a_worker_that_has_caught_up_commits_without_waiting_for_the_interval(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """With a 60 s commit interval, a lone event is visible to read_committed readers
        well before the interval: a batch smaller than batch_max commits at once."""
        interval_s = 60
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__COMMIT_INTERVAL_S"] = str(interval_s)
        pipeline.start("process")
        producer = raw_producer(pipeline)
        # The first event also waits for the worker to start (spaCy, group join).
        produce(producer, pipeline.raw, [make_event()])
        assert producer.flush(30) == 0
        _wait_for(pipeline, pipeline.redacted, 1, timeout_s=2 * interval_s + 60)

        started = time.monotonic()
        produce(producer, pipeline.raw, [make_event()])
        assert producer.flush(30) == 0
        _wait_for(pipeline, pipeline.redacted, 2, timeout_s=2 * interval_s)
        assert time.monotonic() - started < interval_s / 2


def _duplicates_logged(pipeline: PipelineUnderTest) -> int:
    """Sum the ``count`` of every ``duplicates_dropped`` log line of the workers."""
    return sum(
        int(match.group(1))
        for worker in pipeline.workers
        for line in worker.log_path.read_text(errors="replace").splitlines()
        if "duplicates_dropped" in line
        for match in [re.search(r"""["']count["']: (\d+)""", line)]
        if match
    )


def _wrong_types() -> bytes:
    """Our header, then an Avro body written with another schema (ints where strings go)."""
    schema = fastavro.parse_schema(
        {
            "type": "record",
            "name": "Wrong",
            "fields": [{"name": "a", "type": "long"}, {"name": "b", "type": "double"}],
        }
    )
    body = io.BytesIO()
    fastavro.schemaless_writer(body, schema, {"a": 2**40, "b": 1.5})
    return encode(make_event())[:10] + body.getvalue()


def _invalid_utf8() -> bytes:
    data = bytearray(encode(make_event(action="AAAAAAAA")))
    data[data.index(b"AAAAAAAA")] = 0xFF
    return bytes(data)


class TestWorkerLogs:
    def test_every_line_a_worker_writes_is_a_json_record_even_at_warning_level(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Faust's worker must not swap our JSON logging for its coloured text.

        At WARNING, faust-streaming would also keep its terminal spinner, whose handler
        sets the root logger to DEBUG (every library debug call then builds a record).
        """
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__LOG_LEVEL"] = "WARNING"
        worker = pipeline.start("process")
        producer = raw_producer(pipeline)
        produce(producer, pipeline.raw, _trace_events())
        assert producer.flush(30) == 0
        _wait_for(pipeline, pipeline.redacted, 3)
        pipeline.stop()

        lines = worker.log_path.read_text().splitlines()
        assert lines, "the worker logged nothing at all"
        for line in lines:
            record = json.loads(line)  # fails on coloured text or spinner escapes
            assert record["level"] in {"warning", "error", "critical"}, line


class TestUglyInput:
    def test_bad_messages_go_to_the_dlq_with_reasons_and_good_ones_keep_flowing(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Truncated, unknown fingerprint, wrong types, bad UTF-8, 5 MB prompt, empty, no key.

        The worker's counters balance too: every message read is redacted, dead-lettered
        or dropped as a duplicate (one replay is sent), so ``in = out + dlq + duplicates``
        can be read from the metrics alone.
        """
        allow_big_messages(pipeline)
        metrics_port = free_loopback_port()
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__METRICS_PORT"] = str(metrics_port)
        pipeline.start("process")
        huge = make_event()
        huge["llm"]["prompt"] = "a" * (5 << 20)
        bad = {
            "truncated": encode(make_event())[:40],
            "unknown_fingerprint": b"\xc3\x01"
            + b"\xde\xad\xbe\xef\x00\x11\x22\x33"
            + encode(make_event())[10:],
            "wrong_types": _wrong_types(),
            "invalid_utf8": _invalid_utf8(),
            "five_mb_prompt": encode(huge),
            "empty": b"",
        }
        producer = raw_producer(pipeline, **{"message.max.bytes": 8 << 20})
        good_before = [make_event() for _ in range(5)]
        good_after = [make_event() for _ in range(5)]
        keyless = make_event()
        produce(producer, pipeline.raw, good_before)
        for name, value in bad.items():
            producer.produce(pipeline.raw, key=name.encode(), value=value)
        produce(producer, pipeline.raw, [keyless], keyed=False)
        produce(producer, pipeline.raw, good_after)
        assert producer.flush(60) == 0

        dlq = _wait_for(pipeline, pipeline.dlq, len(bad))
        redacted = decoded(_wait_for(pipeline, pipeline.redacted, 11))
        produce(producer, pipeline.raw, [good_before[0]])  # an SDK replay, in a later batch
        assert producer.flush(30) == 0
        sent = len(good_before) + len(bad) + 1 + len(good_after) + 1
        counters = wait_until(
            lambda: (
                (c := scrape_counters(metrics_port))
                and c["auditstream_processor_events_in_total"] == sent
                and c["auditstream_processor_duplicates_total"] == 1
                and c
            ),
            timeout_s=60,
            interval_s=0.5,
            what=f"{sent} events counted in, one of them a duplicate",
            describe=pipeline.logs,
        )
        assert counters["auditstream_processor_events_out_total"] == len(redacted) == 11
        assert counters["auditstream_processor_dlq_total"] == len(dlq) == len(bad)
        assert counters["auditstream_processor_events_in_total"] == (
            counters["auditstream_processor_events_out_total"]
            + counters["auditstream_processor_dlq_total"]
            + counters["auditstream_processor_duplicates_total"]
        )
        by_key = {m.key(): m for m in dlq}
        assert sorted(by_key) == sorted(name.encode() for name in bad)
        classes = {k.decode(): headers_of(m)["auditstream.error_class"] for k, m in by_key.items()}
        assert classes["truncated"] == b"DecodeError"
        assert classes["unknown_fingerprint"] == b"UnknownSchemaError"
        assert classes["invalid_utf8"] == b"DecodeError"
        assert classes["empty"] == b"DecodeError"
        assert classes["five_mb_prompt"] == b"InvalidEventError"
        assert classes["wrong_types"] in (b"DecodeError", b"InvalidEventError")
        for name, message in by_key.items():
            headers = headers_of(message)
            assert headers["auditstream.stage"] == b"processor"
            assert headers["auditstream.source_topic"] == pipeline.raw.encode()
            assert int(headers["auditstream.source_offset"]) >= 0
            assert headers["auditstream.error_message"]
            assert (message.value() or b"") == bad[name.decode()], "DLQ keeps the raw bytes"
        ids = sorted(e["event_id"] for e in redacted)
        assert ids == sorted(e["event_id"] for e in [*good_before, *good_after, keyless])
        unkeyed = next(e for e in redacted if e["event_id"] == keyless["event_id"])
        assert unkeyed["processing"]["trace_sequence"] is None  # not enriched: no key
