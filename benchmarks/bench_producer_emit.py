"""``AuditClient.llm_request()`` against a bare loop doing the same work by hand.

Question 1, throughput: the bare loop builds the same AuditEvent record (UUIDv7 event
id, microsecond timestamp, span id, service fields), encodes it with
``fastavro.schemaless_writer`` behind the Avro single-object header, and hands it to
``confluent_kafka.Producer.produce`` (with a counting delivery callback and ``poll(0)``,
the library's documented loop) on a running broker. The SDK additionally checks every
argument, runs the secret scrub, and writes every event ahead to its disk spool before
producing it (so a killed process loses nothing); it encodes with a writer compiled once
from the schema (``auditstream.producer.avro``), checked below to write fastavro's bytes
for the baseline's record. It runs under the two fsync policies:
``interval`` (the default; target >= 0.8 of the bare loop) and ``always`` (an fdatasync
per event, reported). The SDK with its spool turned off runs too, as a reference: the
write-ahead log's own cost is interval / spool-off. Each round runs the sides in a
rotating order; the median of the per-round rate ratios is the figure.

Question 2, latency: emit() p50/p99/max per call (``interval``) with the broker up, and
with it down (a client whose bootstrap address has no listener, so events go to the disk
spool). Target: p99 down within 3x of p99 up. ``always`` is measured the same way and
reported.

Runs against the local stack (``eval "$(deploy/local/stack.sh env)"``), writing to a
fresh topic; prints the ratios and stores JSON in ``benchmarks/results/``.

    .venv/bin/python benchmarks/bench_producer_emit.py [--rounds 31] [--events 2000]
        [--always-events 300] [--schema-registry mock://bench]

With ``--schema-registry URL`` a fourth SDK side writes the Confluent framing (the schema
registered under ``<topic>-value`` at start; ``mock://`` is confluent-kafka's in-process
registry), its per-round rate is divided by the default side's, and the result goes to
``bench_producer_emit_schema_registry.json`` instead.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import statistics
import tempfile
import time
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

import fastavro
import fastavro.schema
from confluent_kafka import Producer

from auditstream.producer import AuditClient, ClientConfig, FsyncPolicy, SchemaRegistryConfig
from auditstream.producer.avro import compile_writer
from auditstream.schemas import AuditEventDeserializer, new_event_id, new_span_id, new_trace_id
from auditstream.schemas.registry import registry_client, subject_name

THROUGHPUT_TARGET = 0.8
LATENCY_TARGET = 3.0
RESULTS = Path(__file__).resolve().parent / "results"
SCHEMA = (
    Path(__file__).resolve().parents[1] / "schemas/auditstream/schemas/avro/audit_event.v1.avsc"
)

PROMPT = (
    "You are a support assistant for an online shop. Answer politely and briefly. "
    "Customer question: my parcel for order ORD-10442 was due on Tuesday and the "
    "tracking page has not changed for three days; can you tell me where it is and "
    "whether I can still cancel the order and get a refund to my original payment "
    "method? Context: order placed 2024-05-02, carrier DHL, warehouse Leipzig."
)
RESPONSE = (
    "Your parcel left our Leipzig warehouse on Monday and is with DHL. Tracking updates "
    "can lag; if it has not moved by Friday we will refund you in full."
)
SERVICE = {"name": "bench", "version": "1.0.0", "environment": "bench", "host": "bench-host"}


def _header() -> tuple[Any, bytes]:
    parsed = fastavro.parse_schema(json.loads(SCHEMA.read_text()))
    canonical = fastavro.schema.to_parsing_canonical_form(parsed)
    return parsed, b"\xc3\x01" + bytes.fromhex(
        fastavro.schema.fingerprint(canonical, "CRC-64-AVRO")
    )


class BareLoop:
    """The baseline: the same record, encoded and produced by hand."""

    def __init__(self, bootstrap: str, topic: str, trace_id: str) -> None:
        self.parsed, self.header = _header()
        self.topic, self.trace_id, self.key = topic, trace_id, trace_id.encode()
        self.delivered = 0
        self.producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "enable.idempotence": "true",
                "acks": "all",
                "compression.type": "zstd",
                "linger.ms": "5",
            }
        )

    def _on_delivery(self, err: Any, msg: Any) -> None:
        if err is None:
            self.delivered += 1

    def record(self) -> dict[str, Any]:
        """Build one event by hand, as the SDK's builder would."""
        return {
            "event_id": new_event_id(),
            "timestamp": time.time_ns() // 1000,
            "event_type": "LLM_REQUEST",
            "action": "chat.completion",
            "status": "SUCCESS",
            "actor": {
                "tenant_id": "acme",
                "user_id": "u-42",
                "session_id": "s-7",
                "ip_address": None,
                "user_agent": None,
            },
            "trace": {"trace_id": self.trace_id, "span_id": new_span_id(), "parent_span_id": None},
            "service": dict(SERVICE),
            "llm": {
                "provider": "openai",
                "model": "gpt-4o-mini",
                "prompt": PROMPT,
                "prompt_hash": None,
                "response": RESPONSE,
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
            "attributes": {},
            "processing": None,
        }

    def emit(self) -> None:
        """Encode and produce one event, then serve delivery reports."""
        buffer = io.BytesIO()
        buffer.write(self.header)
        fastavro.schemaless_writer(buffer, self.parsed, self.record())
        self.producer.produce(
            self.topic, buffer.getvalue(), self.key, on_delivery=self._on_delivery
        )
        self.producer.poll(0)


def _client(
    bootstrap: str,
    topic: str,
    spool: str,
    fsync: FsyncPolicy = FsyncPolicy.INTERVAL,
    *,
    spool_enabled: bool = True,
    schema_registry: SchemaRegistryConfig | None = None,
) -> AuditClient:
    config = ClientConfig(
        schema_registry=schema_registry,
        spool_fsync=fsync,
        spool_enabled=spool_enabled,
        service_name=SERVICE["name"],
        service_version=SERVICE["version"],
        environment=SERVICE["environment"],
        host=SERVICE["host"],
        tenant_id="acme",
        bootstrap_servers=bootstrap,
        topic=topic,
        spool_dir=spool,
        prometheus=False,
    )
    return AuditClient(config)


def _emit(client: AuditClient, trace_id: str) -> None:
    client.llm_request(
        provider="openai",
        model="gpt-4o-mini",
        prompt=PROMPT,
        response=RESPONSE,
        tokens_input=812,
        tokens_output=96,
        latency_ms=1240.0,
        user_id="u-42",
        session_id="s-7",
        trace_id=trace_id,
    )


def _rate(emit: Any, events: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(events):
        emit()
    return events / ((time.perf_counter_ns() - t0) / 1e9)


def _samples(client: AuditClient, trace_id: str, events: int) -> list[int]:
    samples = []
    for _ in range(events):
        t0 = time.perf_counter_ns()
        _emit(client, trace_id)
        samples.append(time.perf_counter_ns() - t0)
    return samples


def _summary(rounds: list[list[int]]) -> dict[str, float]:
    """Median over rounds of each round's p50 and p99; max over all calls."""
    p50s, p99s = [], []
    for samples in rounds:
        ordered = sorted(samples)
        p50s.append(ordered[len(ordered) // 2] / 1e3)
        p99s.append(ordered[len(ordered) * 99 // 100] / 1e3)
    return {
        "p50_us": statistics.median(p50s),
        "p99_us": statistics.median(p99s),
        "max_us": max(max(samples) for samples in rounds) / 1e3,
        "events": sum(len(samples) for samples in rounds),
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _throughput(
    bare: BareLoop, clients: dict[str, AuditClient], trace_id: str, args: argparse.Namespace
) -> tuple[list[float], dict[str, list[float]], dict[str, list[float]]]:
    """Rotate bare loop and SDK sides per round; return rates and SDK/bare ratios per round."""
    sides = ["bare", *clients]
    baseline_rates: list[float] = []
    candidate_rates: dict[str, list[float]] = {name: [] for name in clients}
    ratios: dict[str, list[float]] = {name: [] for name in clients}
    for index in range(args.rounds):
        shift = index % len(sides)
        rates: dict[str, float] = {}
        for side in sides[shift:] + sides[:shift]:
            if side == "bare":
                rates[side] = _rate(bare.emit, args.events)
                bare.producer.flush(60)
            else:
                client = clients[side]
                events = args.always_events if side == "always" else args.events
                rates[side] = _rate(lambda c=client: _emit(c, trace_id), events)
                client.flush(60)
        baseline_rates.append(rates["bare"])
        for name in clients:
            candidate_rates[name].append(rates[name])
            ratios[name].append(rates[name] / rates["bare"])
    return baseline_rates, candidate_rates, ratios


def _latency(
    up_client: AuditClient, down_client: AuditClient, trace_id: str, rounds: int, events: int
) -> tuple[dict[str, float], dict[str, float], float, list[float]]:
    """Alternate rounds on a client with a broker and one without; p99 ratio per round."""
    up_rounds: list[list[int]] = []
    down_rounds: list[list[int]] = []
    latency_ratios = []
    for index in range(rounds):
        sides = [(up_client, up_rounds), (down_client, down_rounds)]
        for side_client, side_rounds in sides if index % 2 == 0 else sides[::-1]:
            side_rounds.append(_samples(side_client, trace_id, events))
        up_client.flush(60)
        up_p99 = sorted(up_rounds[-1])[events * 99 // 100]
        latency_ratios.append(sorted(down_rounds[-1])[events * 99 // 100] / up_p99)
    return (
        _summary(up_rounds),
        _summary(down_rounds),
        statistics.median(latency_ratios),
        latency_ratios,
    )


def _down_client(topic: str, spool: str, fsync: FsyncPolicy) -> AuditClient:
    """A client whose broker is away, once it knows so (new events go to the spool)."""
    client = _client(f"127.0.0.1:{_closed_port()}", topic, spool, fsync)
    deadline = time.monotonic() + 30
    while not client.stats().spooling and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until the client knows the broker is away
    return client


def _check_same_bytes(bare: BareLoop) -> None:
    """Check that both sides write the same bytes (apart from ids and time).

    The baseline's record decodes as an event, and the SDK's compiled writer encodes it
    to exactly fastavro's bytes.
    """
    sample = io.BytesIO()
    sample.write(bare.header)
    record = bare.record()
    fastavro.schemaless_writer(sample, bare.parsed, record)
    AuditEventDeserializer()(sample.getvalue())
    compiled = bytearray(bare.header)
    compile_writer(bare.parsed)(record, compiled)
    if bytes(compiled) != sample.getvalue():
        raise SystemExit("the SDK's compiled writer and fastavro disagree on the same record")


def _framed_client(bootstrap: str, topic: str, workdir: str, url: str) -> AuditClient:
    """The interval side with a schema registry, checked to have registered."""
    registry = SchemaRegistryConfig(url=url)
    client = _client(bootstrap, topic, f"{workdir}/sr", schema_registry=registry)
    # The client registers at start; a registry that did not answer would leave it
    # writing single-object framing, and the figure would not be the framed path's.
    registry_client(registry.connection()).get_latest_version(subject_name(topic))
    return client


def _registry_result(
    url: str, candidate_rates: dict[str, list[float]], ratios: dict[str, list[float]]
) -> dict[str, Any]:
    """The framed side's figures: its rate, and its rate over the default side's per round."""
    framed_over_default = [
        framed / default
        for framed, default in zip(
            candidate_rates["schema_registry"], candidate_rates["interval"], strict=True
        )
    ]
    figures = {
        "what": "the interval side with a schema registry: Confluent framing "
        "(00 + 4-byte id) instead of the single-object header, same body",
        "url": url,
        "rate_per_s_median": statistics.median(candidate_rates["schema_registry"]),
        "rates_per_s": candidate_rates["schema_registry"],
        "ratio": statistics.median(ratios["schema_registry"]),
        "framed_over_default": statistics.median(framed_over_default),
        "framed_over_default_per_round": framed_over_default,
    }
    print(
        f"schema registry (Confluent framing): sdk {figures['rate_per_s_median']:,.0f}/s, "
        f"framed / default (interval), median of rounds {figures['framed_over_default']:.3f}"
    )
    return figures


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--events", type=int, default=2000)
    # An fdatasync per event makes `always` some ten times slower: fewer events per round
    # keep its rounds as long as the others.
    parser.add_argument("--always-events", type=int, default=300)
    parser.add_argument("--schema-registry", default=None, metavar="URL")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    load_before = os.getloadavg()
    bootstrap = os.environ.get("AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    topic = f"bench.{uuid.uuid4().hex[:8]}.raw"
    trace_id = new_trace_id()
    workdir = tempfile.mkdtemp(prefix="bench-emit-", dir=os.environ.get("BENCH_SPOOL_DIR"))
    bare = BareLoop(bootstrap, topic, trace_id)
    clients = {
        "interval": _client(bootstrap, topic, f"{workdir}/up", FsyncPolicy.INTERVAL),
        "always": _client(bootstrap, topic, f"{workdir}/up-always", FsyncPolicy.ALWAYS),
        # A reference, not a target: the SDK without its spool (no write-ahead), so the
        # write-ahead log's own cost shows beside the bare loop's.
        "spool_off": _client(bootstrap, topic, f"{workdir}/off", spool_enabled=False),
    }
    if args.schema_registry:
        clients["schema_registry"] = _framed_client(bootstrap, topic, workdir, args.schema_registry)
    client = clients["interval"]

    _check_same_bytes(bare)

    # Warm-up: connections, topic metadata, caches.
    _rate(bare.emit, 2000)
    _rate(lambda: _emit(client, trace_id), 2000)
    _rate(lambda: _emit(clients["always"], trace_id), 200)
    _rate(lambda: _emit(clients["spool_off"], trace_id), 2000)
    if "schema_registry" in clients:
        _rate(lambda: _emit(clients["schema_registry"], trace_id), 2000)
    bare.producer.flush(30)
    for each in clients.values():
        each.flush(30)

    baseline_rates, candidate_rates, ratios = _throughput(bare, clients, trace_id, args)
    ratio = statistics.median(ratios["interval"])
    ratio_always = statistics.median(ratios["always"])
    ratio_spool_off = statistics.median(ratios["spool_off"])
    write_ahead_cost = [
        interval / off
        for interval, off in zip(
            candidate_rates["interval"], candidate_rates["spool_off"], strict=True
        )
    ]

    # Latency: a client on the running broker and one whose broker is away (spooling),
    # measured in alternating rounds so both see the same machine load.
    down_client = _down_client(topic, f"{workdir}/down", FsyncPolicy.INTERVAL)
    up, down, latency_ratio, latency_ratios = _latency(
        client, down_client, trace_id, args.rounds, args.events
    )
    down_always = _down_client(topic, f"{workdir}/down-always", FsyncPolicy.ALWAYS)
    always_rounds = max(3, args.rounds // 3)
    up_always, down_always_figures, latency_ratio_always, _ = _latency(
        clients["always"], down_always, trace_id, always_rounds, args.always_events
    )
    stats_up, stats_down = client.stats(), down_client.stats()
    stats_always = clients["always"].stats()
    for each in clients.values():
        each.close(30)
    down_client.close(0)
    down_always.close(0)

    result = {
        "name": "producer_emit",
        "baseline": {
            "what": "record by hand + fastavro.schemaless_writer + Producer.produce + poll(0)",
            "rate_per_s_median": statistics.median(baseline_rates),
            "rates_per_s": baseline_rates,
        },
        "candidate": {
            "what": "AuditClient.llm_request() (checks, scrub, encode, write ahead to the "
            "spool, produce), spool_fsync=interval",
            "rate_per_s_median": statistics.median(candidate_rates["interval"]),
            "rates_per_s": candidate_rates["interval"],
        },
        "ratio": ratio,
        "ratios": ratios["interval"],
        "target": f"ratio >= {THROUGHPUT_TARGET}",
        "met": ratio >= THROUGHPUT_TARGET,
        "always": {
            "what": "the same with spool_fsync=always (fdatasync before emit() returns)",
            "rate_per_s_median": statistics.median(candidate_rates["always"]),
            "rates_per_s": candidate_rates["always"],
            "ratio": ratio_always,
            "ratios": ratios["always"],
            "events_per_round": args.always_events,
            "latency": {
                "broker_up": up_always,
                "broker_down_spooling": down_always_figures,
                "p99_down_over_up": latency_ratio_always,
                "rounds": always_rounds,
            },
        },
        "reference_spool_off": {
            "what": "the same SDK with spool_enabled=False: no write-ahead, no spool",
            "rate_per_s_median": statistics.median(candidate_rates["spool_off"]),
            "rates_per_s": candidate_rates["spool_off"],
            "ratio": ratio_spool_off,
            "ratios": ratios["spool_off"],
            "interval_over_spool_off": statistics.median(write_ahead_cost),
        },
        "latency": {
            "broker_up": up,
            "broker_down_spooling": down,
            "p99_down_over_up": latency_ratio,
            "p99_ratios": latency_ratios,
            "target": f"p99 down <= {LATENCY_TARGET} x p99 up",
            "met": latency_ratio <= LATENCY_TARGET,
            "spooled_while_down": stats_down.spooled,
            "shed": stats_up.shed + stats_down.shed + stats_always.shed,
            "unjournaled": stats_up.unjournaled + stats_always.unjournaled,
        },
        "rounds": args.rounds,
        "inputs": {
            "events_per_round": args.events,
            "prompt_chars": len(PROMPT),
            "response_chars": len(RESPONSE),
            "bootstrap_servers": bootstrap,
            "spool_dir": workdir,
            # Other work on the host (the shared stack, other engineers' runs) slows
            # both sides, but not evenly: the SDK runs more threads than the bare loop.
            "load_average_1m_before_after": [load_before[0], os.getloadavg()[0]],
            "cpus": os.cpu_count(),
        },
        "versions": {
            "python": platform.python_version(),
            "confluent_kafka": version("confluent-kafka"),
            "librdkafka": __import__("confluent_kafka").libversion()[0],
            "fastavro": version("fastavro"),
            "auditstream": version("auditstream"),
        },
    }
    name = "bench_producer_emit.json"
    if "schema_registry" in clients:
        result["schema_registry"] = _registry_result(args.schema_registry, candidate_rates, ratios)
        name = "bench_producer_emit_schema_registry.json"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"throughput, interval: sdk {result['candidate']['rate_per_s_median']:,.0f}/s, bare "
        f"loop {result['baseline']['rate_per_s_median']:,.0f}/s, median ratio {ratio:.2f} "
        f"(target >= {THROUGHPUT_TARGET}): {'met' if result['met'] else 'NOT met'}"
    )
    print(
        f"reference, spool off (no write-ahead): sdk "
        f"{statistics.median(candidate_rates['spool_off']):,.0f}/s, ratio to the bare loop "
        f"{ratio_spool_off:.2f}; interval / spool off, median of rounds "
        f"{statistics.median(write_ahead_cost):.2f} (the write-ahead log's own cost)"
    )
    print(
        f"throughput, always: sdk {statistics.median(candidate_rates['always']):,.0f}/s, "
        f"median ratio to the bare loop {ratio_always:.3f} (reported, no target)"
    )
    for name, figures in (
        ("interval, broker up", up),
        ("interval, broker down (spool)", down),
        ("always, broker up", up_always),
        ("always, broker down (spool)", down_always_figures),
    ):
        print(
            f"emit() latency, {name}: p50 {figures['p50_us']:.1f} us, "
            f"p99 {figures['p99_us']:.1f} us (medians of rounds), max {figures['max_us']:.1f} us"
        )
    print(
        f"p99 down / p99 up (interval), median of rounds = {latency_ratio:.2f} "
        f"(target <= {LATENCY_TARGET}): {'met' if result['latency']['met'] else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
