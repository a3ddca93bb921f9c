"""Fail closed on time, on the real stack: fields of 1 MiB that no budget can analyze.

A real worker, default scan budgets, the local broker (8 MiB records). Every event must
come out, the adversarial fields as ``<UNSCANNED:n>`` tokens with no raw run of what was
never analyzed, and the normal events behind them on the same partitions must follow: the
partitions keep moving.
"""

from __future__ import annotations

import random
import re
import string

import pytest

from auditstream.processor.redaction.scanning import ScanBudget
from auditstream.schemas import AuditEvent, new_span_id, new_trace_id
from support.events import make_event
from support.pipeline import PipelineUnderTest
from support.processor import (
    allow_big_messages,
    decoded,
    free_loopback_port,
    produce,
    raw_producer,
    scrape_counters,
)
from support.wait import wait_until

pytestmark = pytest.mark.integration

MIB = 1 << 20
RUN = 20
# Analysis never reads past this many characters of a field (the default size limit), so
# no run of a field's text beyond it may reach the redacted topic.
NEVER_READ_FROM = ScanBudget().max_field_chars
_TOKEN = re.compile(r"<UNSCANNED:(\d+)>")


def _phone_like(chars: int, seed: int) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < chars:
        number = f"+1 {rnd.randint(200, 999)} {rnd.randint(200, 999)}-{rnd.randint(0, 9999):04d} "
        out.append(number)
        n += len(number)
    return "".join(out)[:chars]


def _short_tokens(chars: int, seed: int) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    n = -1
    while n < chars:
        word = "".join(rnd.choices(string.ascii_letters, k=rnd.randint(1, 3)))
        out.append(word)
        n += len(word) + 1
    return " ".join(out)[:chars]


def _digits(chars: int, seed: int) -> str:
    return "".join(random.Random(seed).choices(string.digits + " -", k=chars))


def _raw_runs(original: str, output: str) -> int:
    seen = {output[i : i + RUN] for i in range(len(output) - RUN + 1)}
    return sum(original[i : i + RUN] in seen for i in range(len(original) - RUN + 1))


def _in_trace(trace_id: str) -> AuditEvent:
    return make_event(
        trace={"trace_id": trace_id, "span_id": new_span_id(), "parent_span_id": None}
    )


# (section, key, policy path): where a 1 MiB text goes, and the path it is counted under.
Place = tuple[str, str, str]
PROMPT: Place = ("llm", "prompt", "llm.prompt")
RESPONSE: Place = ("llm", "response", "llm.response")
ATTRIBUTE: Place = ("attributes", "blob", "attributes.*")


def _adversarial() -> list[tuple[AuditEvent, list[tuple[Place, str]]]]:
    """Four events, five fields of 1 MiB (one event carries two): each with its own trace."""
    fields: list[list[tuple[Place, str]]] = [
        [(PROMPT, _phone_like(MIB, 1))],
        [(RESPONSE, _short_tokens(MIB, 2))],
        [(PROMPT, _digits(MIB, 3)), (RESPONSE, _phone_like(MIB, 4))],
        [(ATTRIBUTE, _digits(MIB, 5))],
    ]
    out = []
    for texts in fields:
        event = _in_trace(new_trace_id())
        for (section, key, _), text in texts:
            event[section][key] = text
        out.append((event, texts))
    return out


class TestFailClosedOnTime:
    @pytest.mark.timeout(480)
    def test_mebibyte_fields_come_out_unscanned_and_the_partitions_keep_moving(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Every event comes out once; 1 MiB fields leave no raw run; later events follow."""
        allow_big_messages(pipeline)
        metrics_port = free_loopback_port()
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__METRICS_PORT"] = str(metrics_port)
        worker = pipeline.start("process")
        email = "aiko.tanaka@example.com"
        before = [make_event() for _ in range(3)]
        adversarial = _adversarial()
        # After each adversarial event, normal events of its trace: same key, same partition.
        after = [
            _in_trace(event["trace"]["trace_id"]) for event, _ in adversarial for _ in range(3)
        ]
        for event in [*before, *after]:
            event["llm"]["prompt"] = f"Please write to {email} about the renewal."
        producer = raw_producer(pipeline, **{"message.max.bytes": 8 << 20})
        produce(producer, pipeline.raw, before)
        produce(producer, pipeline.raw, [event for event, _ in adversarial])
        produce(producer, pipeline.raw, after)
        assert producer.flush(60) == 0

        sent = [*before, *(event for event, _ in adversarial), *after]
        out = decoded(
            wait_until(
                lambda: (
                    (m := pipeline.read_topic(pipeline.redacted, idle_s=1.0))
                    and len(m) >= len(sent)
                    and m
                ),
                timeout_s=300,
                interval_s=2,
                what=f"{len(sent)} events on the redacted topic",
                describe=pipeline.logs,
            )
        )
        assert sorted(e["event_id"] for e in out) == sorted(e["event_id"] for e in sent)
        assert pipeline.read_topic(pipeline.dlq, idle_s=1.0) == []
        by_id = {e["event_id"]: e for e in out}

        for event, texts in adversarial:
            redacted = by_id[event["event_id"]]
            counted = {
                r["field"]: r["count"]
                for r in redacted["processing"]["redactions"]
                if r["entity_type"] == "UNSCANNED"
            }
            for (section, key, path), text in texts:
                value = redacted[section][key]
                tokens = [int(n) for n in _TOKEN.findall(value)]
                assert tokens, f"{path} of {event['event_id']} has no UNSCANNED token"
                assert sum(tokens) >= len(text) - NEVER_READ_FROM
                assert _raw_runs(text[NEVER_READ_FROM:], value) == 0
                assert counted[path] == 1
        for event in [*before, *after]:
            redacted = by_id[event["event_id"]]
            assert email not in redacted["llm"]["prompt"]
            assert "<UNSCANNED" not in str(redacted)

        fields = sum(len(texts) for _, texts in adversarial)  # each counted once
        counters = wait_until(
            lambda: (
                (c := scrape_counters(metrics_port))
                and c["auditstream_processor_events_out_total"] == len(sent)
                and c
            ),
            timeout_s=60,
            interval_s=0.5,
            what=f"{len(sent)} events counted out",
            describe=pipeline.logs,
        )
        assert counters["auditstream_processor_unscanned_total"] == fields
        pipeline.stop()
        log = worker.log_path.read_text(errors="replace")
        assert "scan_incomplete" in log
        assert all(_raw_runs(text, log) == 0 for _, texts in adversarial for _, text in texts)
