"""The processor under Faust: against a plain loop, two workers against one, and latency.

Questions (issue #5):

1. ``faust_vs_loop``: events/s of one ``audit process`` worker (Faust, exactly-once,
   trace table, real broker) against the same ``Pipeline.process`` called in a plain loop
   over the same events in batches of ``batch_max``. Target: at least 0.85.
2. ``two_vs_one``: events/s of two worker processes (same app id, partitions spread)
   against one. Target: at least 1.7.
3. ``latency``: raw to redacted at a steady 500 events/s into the two-worker pipeline,
   from the producer's send to a ``read_committed`` consumer seeing the event: p50, p99.

Method: two pipelines on the local stack, each with its own topics (6 partitions, so two
workers split them evenly) and app id: A runs one worker, B two. Both warm up (models,
group join, table recovery) on a first feed. Each round makes fresh events (new ids and
names, so no cache carries over between rounds), times the plain loop in this process,
then feeds the same bytes to A and to B in turn and times each from the first produce to
the moment the group's committed offsets reach the topic's end. Ratios are medians over
rounds of per-round ratios. Every process runs spaCy on one thread; this machine has two
cores shared with other work, so absolute figures mean little.

Writes ``benchmarks/results/bench_processor_faust.json`` and ``.png``.

Usage: ``eval "$(bash deploy/local/stack.sh env)"; .venv/bin/python
benchmarks/bench_processor_faust.py [--rounds 5] [--events 4000] [--latency-s 30]``
"""

from __future__ import annotations

import os

# One core per process: spaCy's and numpy's thread pools must not use the second one.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402
from confluent_kafka.cimpl import NewTopic  # noqa: E402

from auditstream.processor.loader import load_pipeline  # noqa: E402
from auditstream.processor.pipeline import RawMessage  # noqa: E402
from auditstream.processor.redaction.offline import prepare_offline  # noqa: E402
from auditstream.processor.settings import ProcessorSettings  # noqa: E402
from auditstream.schemas import (  # noqa: E402
    AuditEventDeserializer,
    AuditEventSerializer,
    new_event_id,
    new_span_id,
    new_trace_id,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PARTITIONS = 6  # divisible by the worker counts compared, so the split is even
BATCH_MAX = 200  # the worker's default batch_max; the loop uses the same batches
TARGET_FAUST_VS_LOOP = 0.85
TARGET_TWO_VS_ONE = 1.7
LATENCY_RATE = 500  # events/s
HMAC_KEY = "benchmark-only-pseudonymization-key-0123456789"
NAMES = ["Maria Gonzalez", "James Whitaker", "Aiko Tanaka", "Lukas Schmidt", "Priya Raman"]
SURNAMES = ["Adeyemi", "Martin", "Rossi", "Novak", "Silva", "Kowalski", "Haddad", "Okafor"]
SYSTEM_PROMPT = "You are a helpful support assistant. Answer briefly and never reveal secrets."

encode = AuditEventSerializer()
decode = AuditEventDeserializer()


def make_events(n: int, seed: int, *, distinct_prompts: int | None = None) -> list[bytes]:
    """Encoded events in traces of 5; prompts carry names, e-mails and phone numbers.

    Args:
        n: How many events.
        seed: Random seed (a new one per round gives texts no cache has seen).
        distinct_prompts: Draw prompts from a pool this size (repetition, as templates
            repeat in production); None makes nearly every prompt unique.

    Returns:
        The encoded events, keyed later by their trace ids.
    """
    rng = random.Random(seed)
    pool = None
    if distinct_prompts is not None:
        pool = [_prompt(rng) for _ in range(distinct_prompts)]
    events = []
    trace_id, root_span = new_trace_id(), new_span_id()
    for i in range(n):
        if i % 5 == 0:
            trace_id, root_span = new_trace_id(), new_span_id()
        event = {
            "event_id": new_event_id(),
            "timestamp": time.time_ns() // 1000,
            "event_type": "LLM_REQUEST",
            "action": "chat.completion",
            "status": "SUCCESS",
            "actor": {
                "tenant_id": f"tenant-{i % 3}",
                "user_id": f"user-{rng.randrange(10_000)}",
                "session_id": f"sess-{i // 5}",
                "ip_address": f"198.51.100.{rng.randrange(1, 250)}",
                "user_agent": "bench/1.0",
            },
            "trace": {
                "trace_id": trace_id,
                "span_id": root_span if i % 5 == 0 else new_span_id(),
                "parent_span_id": None if i % 5 == 0 else root_span,
            },
            "service": {"name": "chat-api", "version": "1", "environment": "bench", "host": "h"},
            "llm": {
                "provider": "openai",
                "model": "gpt-4o-mini",
                "prompt": rng.choice(pool) if pool else _prompt(rng),
                "prompt_hash": None,
                "response": "Thanks, I have updated the ticket and will e-mail you shortly.",
                "response_hash": None,
                "tokens_input": 120,
                "tokens_output": 14,
                "prompt_template": SYSTEM_PROMPT,
                "prompt_version": "v3",
            },
            "rag_documents": [],
            "tool": None,
            "guardrails_triggered": [],
            "latency_ms": 850.0,
            "error": None,
            "attributes": {},
            "processing": None,
        }
        events.append(encode(event))
    return events


def _prompt(rng: random.Random) -> str:
    first = rng.choice(NAMES).split()[0]
    last = rng.choice(SURNAMES)
    return (
        f"Hi, I am {first} {last}, order {rng.randrange(100_000):05d}. My e-mail is "
        f"{first.lower()}.{last.lower()}{rng.randrange(1000)}@example.org and my phone is "
        f"+1 415 {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}. Where is my parcel?"
    )


def key_of(value: bytes) -> bytes:
    """The trace id of an encoded event (the SDK's key)."""
    return str(decode(value)["trace"]["trace_id"]).encode()


@dataclass
class Deployment:
    """One pipeline: its topics, app id and worker processes."""

    name: str
    workers: int
    bootstrap: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    @property
    def raw(self) -> str:
        """The raw topic."""
        return f"bench.{self.run_id}.raw"

    @property
    def redacted(self) -> str:
        """The redacted topic."""
        return f"bench.{self.run_id}.redacted"

    @property
    def app_id(self) -> str:
        """The Faust app id (and consumer group)."""
        return f"bench-processor-{self.run_id}"

    def env(self) -> dict[str, str]:
        """Environment of this deployment's workers."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
        return base | {
            "AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS": self.bootstrap,
            "AUDITSTREAM_TOPICS__RAW": self.raw,
            "AUDITSTREAM_TOPICS__REDACTED": self.redacted,
            "AUDITSTREAM_TOPICS__DLQ": f"bench.{self.run_id}.dlq",
            "AUDITSTREAM_PROCESSOR__APP_ID": self.app_id,
            "AUDITSTREAM_PROCESSOR__HMAC_KEY": HMAC_KEY,
            "AUDITSTREAM_PROCESSOR__LOG_LEVEL": "WARNING",
        }

    def create_topics(self) -> None:
        """Create raw, redacted and DLQ topics with PARTITIONS partitions."""
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        names = [self.raw, self.redacted, f"bench.{self.run_id}.dlq"]
        for future in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in names]).values():
            future.result(timeout=30)

    def start(self, log_dir: Path, warm: list[bytes]) -> None:
        """Start the workers one after the other, each warmed up by a feed.

        One at a time, as an operator scales out: the group settles (join, table
        recovery) before the next member arrives.
        """
        for i in range(self.workers):
            path = log_dir / f"{self.name}-{i}.log"
            with path.open("wb") as log:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "auditstream.cli.main", "process"],
                        env=self.env(),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            self.logs.append(path)
            self.feed_and_time(warm)

    def stop(self) -> None:
        """Stop the worker processes."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def committed_and_end(self, consumer: Consumer) -> tuple[int, int]:
        """Sums of the group's committed offsets and of the raw topic's end offsets."""
        tps = [TopicPartition(self.raw, p) for p in range(PARTITIONS)]
        committed = sum(max(tp.offset, 0) for tp in consumer.committed(tps, timeout=10))
        end = sum(consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in tps)
        return committed, end

    def feed_and_time(self, values: list[bytes], timeout_s: float = 900) -> float:
        """Produce the events, wait until all are committed; return events/s."""
        for process in self.processes:
            if process.poll() is not None:
                raise SystemExit(f"{self.name}: a worker exited; see {self.logs}")
        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": self.app_id,
                "enable.auto.commit": False,
            }
        )
        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 5})
        try:
            start = time.perf_counter_ns()
            for value in values:
                producer.produce(self.raw, key=key_of(value), value=value)
                producer.poll(0)
            producer.flush(60)
            deadline = time.monotonic() + timeout_s
            while True:
                committed, end = self.committed_and_end(consumer)
                if committed >= end:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{self.name}: {committed}/{end} after {timeout_s}s")
                time.sleep(0.05)
            elapsed_s = (time.perf_counter_ns() - start) / 1e9
            return len(values) / elapsed_s
        finally:
            consumer.close()


def loop_rate(pipeline: Any, values: list[bytes]) -> float:
    """The same redaction function over the same events in a plain loop; events/s."""
    messages = [RawMessage("raw", 0, i, key_of(v), v) for i, v in enumerate(values)]
    start = time.perf_counter_ns()
    for i in range(0, len(messages), BATCH_MAX):
        pipeline.process(messages[i : i + BATCH_MAX])
    return len(values) / ((time.perf_counter_ns() - start) / 1e9)


def measure_latency(deployment: Deployment, seconds: float, seed: int) -> list[float]:
    """Send at LATENCY_RATE for ``seconds``; return send-to-visible latencies in ms."""
    values = make_events(int(LATENCY_RATE * seconds), seed, distinct_prompts=200)
    ids = [str(decode(v)["event_id"]) for v in values]
    sent_at: dict[str, int] = {}
    seen_at: dict[str, int] = {}
    done = threading.Event()
    ready = threading.Event()

    def read() -> None:
        consumer = Consumer(
            {
                "bootstrap.servers": deployment.bootstrap,
                "group.id": f"bench-reader-{uuid.uuid4().hex}",
                "isolation.level": "read_committed",
                "auto.offset.reset": "latest",
                "enable.auto.commit": False,
            }
        )
        consumer.assign([TopicPartition(deployment.redacted, p, -1) for p in range(PARTITIONS)])
        ready.set()
        while not done.is_set():
            for message in consumer.consume(500, 0.1):
                if message.error() is None:
                    seen_at[str(decode(message.value())["event_id"])] = time.perf_counter_ns()
        consumer.close()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(30)
    time.sleep(2)  # let the reader's assignment settle at the end offsets
    producer = Producer({"bootstrap.servers": deployment.bootstrap, "linger.ms": 0})
    start = time.perf_counter_ns()
    interval_ns = 1_000_000_000 // LATENCY_RATE
    for i, (value, event_id) in enumerate(zip(values, ids, strict=True)):
        due = start + i * interval_ns
        while (now := time.perf_counter_ns()) < due:
            time.sleep(min(0.001, (due - now) / 1e9))
        sent_at[event_id] = time.perf_counter_ns()
        producer.produce(deployment.raw, key=key_of(value), value=value)
        producer.poll(0)
    producer.flush(60)
    deadline = time.monotonic() + 300
    while len(seen_at) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.2)
    done.set()
    reader.join(30)
    return [(seen_at[e] - sent_at[e]) / 1e6 for e in ids if e in seen_at]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def plot(results: dict[str, Any], latencies: list[float], path: Path) -> None:
    """Rates per round for loop, one and two workers, and the latency distribution."""
    import matplotlib  # noqa: PLC0415 - only when plotting

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    rounds = results["rounds_detail"]
    xs = range(1, len(rounds) + 1)
    for label, key in (
        ("plain loop", "loop"),
        ("Faust, 1 worker", "one"),
        ("Faust, 2 workers", "two"),
    ):
        left.plot(xs, [r[key] for r in rounds], marker="o", label=label)
    left.set_xlabel("round")
    left.set_ylabel("events/s")
    left.set_title(
        f"faust/loop {results['faust_vs_loop']['ratio']:.2f} (target {TARGET_FAUST_VS_LOOP}), "
        f"2/1 {results['two_vs_one']['ratio']:.2f} (target {TARGET_TWO_VS_ONE})"
    )
    left.legend()
    left.set_ylim(bottom=0)
    if latencies:
        ordered = sorted(latencies)
        right.plot(ordered, [i / len(ordered) for i in range(len(ordered))])
        lat = results["latency"]
        right.axvline(lat["p50_ms"], linestyle="--", label=f"p50 {lat['p50_ms']:.0f} ms")
        right.axvline(lat["p99_ms"], linestyle=":", label=f"p99 {lat['p99_ms']:.0f} ms")
        right.set_xlabel("raw -> redacted (read_committed), ms")
        right.set_ylabel("fraction of events")
        right.set_title(f"latency at {LATENCY_RATE} events/s, 2 workers")
        right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    """Run the rounds, print and store the ratios; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=4000, help="events per round")
    parser.add_argument("--latency-s", type=float, default=30.0)
    args = parser.parse_args()
    bootstrap = os.environ.get("AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:19092")

    prepare_offline()
    settings = ProcessorSettings(processor={"hmac_key": HMAC_KEY})  # type: ignore[arg-type]
    pipeline = load_pipeline(settings)
    one = Deployment("one", 1, bootstrap)
    two = Deployment("two", 2, bootstrap)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-processor-faust-"))
    rounds: list[dict[str, float]] = []
    latencies: list[float] = []
    try:
        warm = make_events(400, seed=1)
        loop_rate(pipeline, warm)
        for deployment in (one, two):
            deployment.create_topics()
            deployment.start(log_dir, warm)  # models, group join, table recovery
        for r in range(args.rounds):
            values = make_events(args.events, seed=100 + r)
            row = {"loop": loop_rate(pipeline, values)}
            row["one"] = one.feed_and_time(values)
            row["two"] = two.feed_and_time(values)
            rounds.append(row)
            print(
                f"round {r + 1}: loop {row['loop']:.0f}/s, 1 worker {row['one']:.0f}/s, "
                f"2 workers {row['two']:.0f}/s",
                flush=True,
            )
        if args.latency_s > 0:
            latencies = measure_latency(two, args.latency_s, seed=999)
    finally:
        one.stop()
        two.stop()

    faust_vs_loop = [row["one"] / row["loop"] for row in rounds]
    two_vs_one = [row["two"] / row["one"] for row in rounds]
    results: dict[str, Any] = {
        "name": "bench_processor_faust",
        "question": "Faust worker vs plain loop; two workers vs one; latency at 500 events/s",
        "baseline": {"loop_events_per_s": statistics.median(r["loop"] for r in rounds)},
        "candidate": {
            "one_worker_events_per_s": statistics.median(r["one"] for r in rounds),
            "two_workers_events_per_s": statistics.median(r["two"] for r in rounds),
        },
        "faust_vs_loop": {
            "ratio": statistics.median(faust_vs_loop),
            "rounds_ratio": faust_vs_loop,
            "target": TARGET_FAUST_VS_LOOP,
            "meets_target": statistics.median(faust_vs_loop) >= TARGET_FAUST_VS_LOOP,
        },
        "two_vs_one": {
            "ratio": statistics.median(two_vs_one),
            "rounds_ratio": two_vs_one,
            "target": TARGET_TWO_VS_ONE,
            "meets_target": statistics.median(two_vs_one) >= TARGET_TWO_VS_ONE,
        },
        "latency": {
            "rate_events_per_s": LATENCY_RATE,
            "events": len(latencies),
            "sent": int(LATENCY_RATE * args.latency_s),
            "p50_ms": percentile(latencies, 50) if latencies else None,
            "p99_ms": percentile(latencies, 99) if latencies else None,
            "workers": 2,
        },
        "ratio": statistics.median(faust_vs_loop),
        "rounds": args.rounds,
        "rounds_detail": rounds,
        "inputs": {
            "events_per_round": args.events,
            "partitions": PARTITIONS,
            "batch_max": BATCH_MAX,
            "commit_interval_s": settings.processor.commit_interval_s,
            "latency_prompt_pool": 200,
        },
        "versions": {
            "python": platform.python_version(),
            "faust-streaming": importlib.metadata.version("faust-streaming"),
            "presidio-analyzer": importlib.metadata.version("presidio-analyzer"),
            "spacy": importlib.metadata.version("spacy"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cpus (shared)",
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_processor_faust.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, latencies, RESULTS / "bench_processor_faust.png")
    fl, tw, lat = results["faust_vs_loop"], results["two_vs_one"], results["latency"]
    print(f"faust/loop: {fl['ratio']:.2f} (target {fl['target']}) rounds {fl['rounds_ratio']}")
    print(f"two/one:    {tw['ratio']:.2f} (target {tw['target']}) rounds {tw['rounds_ratio']}")
    if latencies:
        print(
            f"latency at {LATENCY_RATE}/s: p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms "
            f"({lat['events']}/{lat['sent']} seen)"
        )
    return 0 if fl["meets_target"] and tw["meets_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
