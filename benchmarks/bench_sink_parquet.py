"""The sink's Parquet encoding against ``pyarrow.parquet.write_table`` of the same rows.

Both sides start from what the sink gets from Kafka, one partition batch of encoded
records (Avro single-object payloads), and end with one zstd Parquet file in memory.
Candidate: what the sink does per batch, through the public API:
``encode_parquet(BatchDecoder().decode(payloads, ...))`` (the column decoder, with its
contract checks, straight into an Arrow table of the archive schema). Baseline: the bare
loop a developer would write: ``fastavro.schemaless_reader`` per payload (no checks),
``pa.Table.from_pylist(rows)``, ``pq.write_table(table, buffer, compression="zstd")``.
Rounds alternate which side goes first; the figure is the median of the per-round rate
ratios (target >= 0.8).

For context the JSON also holds the earlier question, from already decoded event dicts
(``encode_parquet(events_to_table(events))`` against ``from_pylist`` + ``write_table``;
the sink no longer builds dicts), and ``write_table`` alone on a prebuilt table.

    .venv/bin/python benchmarks/bench_sink_parquet.py [--rounds 9] [--events 5000]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import fastavro
import pyarrow as pa
import pyarrow.parquet as pq

from auditstream.archive import encode_parquet, events_to_table
from auditstream.schemas import (
    AuditEvent,
    AuditEventDeserializer,
    AuditEventSerializer,
    new_event_id,
    new_span_id,
    new_trace_id,
)
from auditstream.schemas.catalog import current
from auditstream.sink import BatchDecoder

TARGET = 0.8
RESULTS = Path(__file__).resolve().parent / "results"
PROMPT = (
    "You are a support assistant for an online shop. Customer question: my parcel for "
    "order <ORDER:4f1c2a> was due on Tuesday and tracking has not changed for three days."
)


def make_event(i: int) -> AuditEvent:
    """A redacted LLM_REQUEST event like those on the redacted topic."""
    return {
        "event_id": new_event_id(),
        "timestamp": time.time_ns() // 1000,
        "event_type": "LLM_REQUEST",
        "action": "chat.completion",
        "status": "SUCCESS",
        "actor": {
            "tenant_id": f"tenant-{i % 3}",
            "user_id": f"<USER_ID:{i % 97:012x}>",
            "session_id": f"s-{i % 31}",
            "ip_address": "203.0.113.0",
            "user_agent": "bench",
        },
        "trace": {"trace_id": new_trace_id(), "span_id": new_span_id(), "parent_span_id": None},
        "service": {"name": "chat-api", "version": "1.0.0", "environment": "bench", "host": "h1"},
        "llm": {
            "provider": "openai",
            "model": "gpt-4o-mini",
            "prompt": PROMPT,
            "prompt_hash": None,
            "response": "Your parcel is with the carrier; tracking can lag by a day.",
            "response_hash": None,
            "tokens_input": 812,
            "tokens_output": 96,
            "prompt_template": None,
            "prompt_version": None,
        },
        "rag_documents": [],
        "tool": None,
        "guardrails_triggered": [],
        "latency_ms": 1240.0,
        "error": None,
        "attributes": {"request": f"r-{i}", "region": "eu-west-1"},
        "processing": None,
    }


def _payloads(count: int) -> list[bytes]:
    encode = AuditEventSerializer()
    return [encode(make_event(i)) for i in range(count)]


def _candidate(payloads: list[bytes]) -> bytes:
    decoded = BatchDecoder().decode(payloads, offsets=range(len(payloads)), topic="bench")
    return encode_parquet(decoded.table)


def _baseline(payloads: list[bytes]) -> bytes:
    schema = current().parsed
    rows = []
    for payload in payloads:
        body = io.BytesIO(payload)
        body.seek(10)  # the single-object header
        rows.append(fastavro.schemaless_reader(body, schema, schema))
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer, compression="zstd")
    return buffer.getvalue()


def _candidate_from_dicts(events: list[AuditEvent]) -> bytes:
    return encode_parquet(events_to_table(events))


def _baseline_from_dicts(events: list[AuditEvent]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(events), buffer, compression="zstd")
    return buffer.getvalue()


def _timed(work: Callable[[], Any]) -> float:
    t0 = time.perf_counter_ns()
    work()
    return (time.perf_counter_ns() - t0) / 1e9


def main() -> None:
    """Run the rounds, print the ratio against the target, store JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    payloads = _payloads(args.events)
    decode = AuditEventDeserializer()
    events = [decode(p) for p in payloads]
    table = events_to_table(events)
    assert _candidate(payloads) == _candidate_from_dicts(events)  # the same file either way
    _baseline(payloads), _baseline_from_dicts(events)  # warm up every path once

    rounds = []
    for index in range(args.rounds):
        order = [("candidate", _candidate), ("baseline", _baseline)]
        if index % 2:
            order.reverse()
        seconds = {name: _timed(lambda fn=fn: fn(payloads)) for name, fn in order}
        dicts = [("candidate", _candidate_from_dicts), ("baseline", _baseline_from_dicts)]
        if index % 2:
            dicts.reverse()
        from_dicts = {name: _timed(lambda fn=fn: fn(events)) for name, fn in dicts}
        write_only = _timed(lambda: pq.write_table(table, io.BytesIO(), compression="zstd"))
        rounds.append(
            {
                "candidate_rows_per_s": args.events / seconds["candidate"],
                "baseline_rows_per_s": args.events / seconds["baseline"],
                "ratio": seconds["baseline"] / seconds["candidate"],
                "from_dicts_candidate_rows_per_s": args.events / from_dicts["candidate"],
                "from_dicts_baseline_rows_per_s": args.events / from_dicts["baseline"],
                "ratio_from_dicts": from_dicts["baseline"] / from_dicts["candidate"],
                "write_table_only_rows_per_s": args.events / write_only,
            }
        )
    ratio = statistics.median(r["ratio"] for r in rounds)
    result = {
        "name": "bench_sink_parquet",
        "question": "sink: encoded records to Parquet vs fastavro + from_pylist + write_table",
        "baseline": "fastavro.schemaless_reader per payload + pa.Table.from_pylist + "
        "pq.write_table(zstd)",
        "candidate": "encode_parquet(BatchDecoder().decode(payloads, ...))",
        "ratio": ratio,
        "target": TARGET,
        "ratio_from_dicts": statistics.median(r["ratio_from_dicts"] for r in rounds),
        "from_dicts": "encode_parquet(events_to_table(events)) vs from_pylist + write_table, "
        "both from decoded event dicts (the sink no longer builds dicts)",
        "rounds": rounds,
        "inputs": {
            "events": args.events,
            "parquet_bytes": len(_candidate(payloads)),
            "median_write_table_only_rows_per_s": statistics.median(
                r["write_table_only_rows_per_s"] for r in rounds
            ),
        },
        "versions": {
            "python": platform.python_version(),
            "pyarrow": version("pyarrow"),
            "auditstream": version("auditstream"),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_sink_parquet.json").write_text(json.dumps(result, indent=2) + "\n")
    verdict = "meets" if ratio >= TARGET else "MISSES"
    candidate = statistics.median(r["candidate_rows_per_s"] for r in rounds)
    baseline = statistics.median(r["baseline_rows_per_s"] for r in rounds)
    print(
        f"sink, records to Parquet: {candidate:,.0f} rows/s, bare fastavro + pyarrow: "
        f"{baseline:,.0f} rows/s; ratio {ratio:.2f} {verdict} the target {TARGET}"
    )
    print(f"from decoded dicts (context): ratio {result['ratio_from_dicts']:.2f}")


if __name__ == "__main__":
    main()
