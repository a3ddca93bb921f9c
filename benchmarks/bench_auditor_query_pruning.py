"""A query over one tenant and one hour, with partition pruning against without it.

Question (issue #7): on an archive of at least 1,000,000 events in many Hive partitions,
how much faster is ``audit query --tenant T --since H --until H+1`` (only that tenant's
objects of that hour are listed, downloaded at the versions their manifests recorded and
hashed) than the same query with pruning disabled (every chained object read, the same
tenant and hour selected by a WHERE clause)? Target: at
least 5x. Both sides run the public library (:func:`auditstream.auditor.query_archive`),
must return the same rows, and alternate within each round; the figure is the median of
the per-round ratios, timed with ``perf_counter_ns``.

The archive is written by the real sink: events ordered by time (as traffic arrives) are
produced to a fresh topic, and ``run_sink`` archives them under a benchmark prefix of the
local stack's bucket. It is built once and reused by later runs (a ``READY`` marker
object records what it holds).

    eval "$(deploy/local/stack.sh env)"
    .venv/bin/python benchmarks/bench_auditor_query_pruning.py [--events 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from auditstream.auditor import load_auditor_settings, query_archive
from auditstream.auditor.status import read_status
from auditstream.schemas import AuditEventSerializer, message_key, new_span_id, new_trace_id
from auditstream.sink import load_sink_settings, run_sink

TARGET = 5.0
RESULTS = Path(__file__).resolve().parent / "results"
TENANTS = 10
HOURS = 24
START = datetime(2026, 1, 5, tzinfo=UTC)
PARTITIONS = 3
SQL = "SELECT count(*) AS n, round(avg(latency_ms), 6) AS avg_latency FROM events"


def _prefix(events: int) -> str:
    return f"bench/query-pruning/v1-{events}/"


def _event(i: int, events: int) -> dict[str, Any]:
    # Time-ordered: event i happens at START + i * (HOURS / events), tenants round-robin.
    micros = int(START.timestamp() * 1e6) + i * (HOURS * 3_600_000_000 // events)
    return {
        "event_id": str(uuid.UUID(int=(0x7 << 76) | (0b10 << 62) | i)),
        "timestamp": micros,
        "event_type": "TOOL_CALL" if i % 3 else "LLM_REQUEST",
        "action": "tool.invoke" if i % 3 else "chat.completion",
        "status": "SUCCESS",
        "actor": {
            "tenant_id": f"t{i % TENANTS:02d}",
            "user_id": f"<USER_ID:{i % 997:012x}>",
            "session_id": None,
            "ip_address": None,
            "user_agent": None,
        },
        "trace": {"trace_id": new_trace_id(), "span_id": new_span_id(), "parent_span_id": None},
        "service": {"name": "bench", "version": "1", "environment": "bench", "host": None},
        "llm": None,
        "rag_documents": [],
        "tool": {"name": "lookup", "input": "q", "output": "r"},
        "guardrails_triggered": [],
        "latency_ms": float(i % 1000),
        "error": None,
        "attributes": {},
        "processing": None,
    }


def _archive_ready(settings: Any, prefix: str) -> bool:
    from auditstream.archive import make_s3_client  # noqa: PLC0415

    client = make_s3_client(settings.s3)
    try:
        client.head_object(Bucket=settings.s3.bucket, Key=f"{prefix}READY")
    except client.exceptions.ClientError:
        return False
    return True


def build_archive(events: int, prefix: str) -> dict[str, float]:
    """Produce ``events`` time-ordered events and archive them with the real sink."""
    bootstrap = os.environ["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"]
    topic = f"bench.pruning.{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # keep it alive for the result
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    encode = AuditEventSerializer()
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 50,
            "compression.type": "zstd",
            "queue.buffering.max.messages": 500_000,
        }
    )
    started = time.perf_counter()
    for i in range(events):
        event = _event(i, events)
        while True:
            try:
                producer.produce(topic, encode(event), key=message_key(event))
                break
            except BufferError:
                producer.poll(0.1)
        if i % 10_000 == 0:
            producer.poll(0)
            print(f"\rproduced {i:,}/{events:,}", end="", flush=True)
    producer.flush(120)
    produced_s = time.perf_counter() - started
    print(f"\rproduced {events:,} in {produced_s:.0f}s")

    settings = load_sink_settings(
        topics={"redacted": topic},
        s3={"prefix": prefix},
        sink={
            "group_id": f"bench-{topic}",
            "max_records": 50_000,
            "max_age_s": 5.0,
            "dev_generate_signing_key": True,
        },
    )
    stop = threading.Event()
    sink = threading.Thread(target=run_sink, args=(settings,), kwargs={"stop": stop})
    started = time.perf_counter()
    sink.start()
    kafka = settings.kafka
    while True:
        time.sleep(5)
        status = read_status(
            kafka, settings.topics, processor_group="-", sink_group=settings.sink.group_id
        )
        lag = status.stages[1].lag
        print(f"\rsink lag {lag:,}", end="", flush=True)
        if lag == 0:
            break
        if not sink.is_alive():
            raise SystemExit("the sink stopped before archiving everything; see its log")
    stop.set()
    sink.join(120)
    archived_s = time.perf_counter() - started
    print(f"\rarchived {events:,} in {archived_s:.0f}s")
    auditor = load_auditor_settings(s3={"prefix": prefix})
    from auditstream.archive import make_s3_client  # noqa: PLC0415

    make_s3_client(auditor.s3).put_object(
        Bucket=auditor.s3.bucket,
        Key=f"{prefix}READY",
        Body=json.dumps({"events": events, "topic": topic}).encode(),
    )
    return {"produce_s": produced_s, "archive_s": archived_s}


def main() -> int:
    """Build (or reuse) the archive, time both queries in interleaved rounds, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    prefix = _prefix(args.events)
    settings = load_auditor_settings(s3={"prefix": prefix})
    build = {} if _archive_ready(settings, prefix) else build_archive(args.events, prefix)

    tenant = "t03"
    since = START + timedelta(hours=10)
    until = since + timedelta(hours=1)
    unpruned_sql = (
        f"{SQL} WHERE actor.tenant_id = '{tenant}' "
        f"AND \"timestamp\" >= TIMESTAMPTZ '{since.isoformat()}' "
        f"AND \"timestamp\" < TIMESTAMPTZ '{until.isoformat()}'"
    )
    total = query_archive("SELECT count(*) AS n FROM events", settings=settings)
    pruned_s, unpruned_s, ratios = [], [], []
    for round_no in range(args.rounds):
        order = ["pruned", "unpruned"] if round_no % 2 == 0 else ["unpruned", "pruned"]
        timings: dict[str, float] = {}
        results: dict[str, Any] = {}
        for side in order:
            began = time.perf_counter_ns()
            if side == "pruned":
                result = query_archive(
                    SQL, settings=settings, tenant=tenant, since=since, until=until
                )
            else:
                result = query_archive(unpruned_sql, settings=settings)
            timings[side] = (time.perf_counter_ns() - began) / 1e9
            results[side] = (result.table.to_pylist(), result.objects)
        if results["pruned"][0] != results["unpruned"][0]:
            raise SystemExit(f"the two queries disagree: {results}")
        pruned_s.append(timings["pruned"])
        unpruned_s.append(timings["unpruned"])
        ratios.append(timings["unpruned"] / timings["pruned"])
        print(
            f"round {round_no + 1}: pruned {timings['pruned']:.2f}s "
            f"({results['pruned'][1]} objects), unpruned {timings['unpruned']:.2f}s "
            f"({results['unpruned'][1]} objects), ratio {ratios[-1]:.1f}x"
        )
    ratio = statistics.median(ratios)
    report = {
        "name": "bench_auditor_query_pruning",
        "baseline": {
            "what": "same query, every object opened, WHERE on tenant and time",
            "seconds": unpruned_s,
            "objects": results["unpruned"][1],
        },
        "candidate": {
            "what": "query_archive(tenant=, since=, until=): pruned listing",
            "seconds": pruned_s,
            "objects": results["pruned"][1],
        },
        "ratio": ratio,
        "target": TARGET,
        "rounds": args.rounds,
        "inputs": {
            "events": int(total.table.column("n")[0].as_py()),
            "tenants": TENANTS,
            "hours": HOURS,
            "partitions": PARTITIONS,
            "archive_objects": total.objects,
            "query": {"tenant": tenant, "since": since.isoformat(), "until": until.isoformat()},
            "build": build,
        },
        "versions": {
            "python": platform.python_version(),
            "duckdb": version("duckdb"),
            "pyarrow": version("pyarrow"),
            "auditstream": version("auditstream"),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_auditor_query_pruning.json").write_text(json.dumps(report, indent=2))
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"pruned query is {ratio:.1f}x faster than unpruned ({verdict} the {TARGET:.0f}x target)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
