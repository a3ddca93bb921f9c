"""Sink throughput, topic to archive, against a bare boto3 loop writing the same bytes.

Candidate: a real ``SinkWorker`` (public API, in this process) archives a topic that
already holds the round's events: consume, decode, batch per partition, encode Parquet,
PUT each object write-once (``If-None-Match``, SHA-256, Object Lock), write and sign
each manifest, commit. The clock runs from the moment the worker is assigned its
partitions until it has committed every record. Baseline: a bare loop that PUTs the
same bytes, the records' encoded payloads as the topic holds them, cut into as many
objects as the sink wrote, each holding the same records, with plain
``boto3 put_object`` to the same server and bucket. The figure is the sink's bytes/s
(of records moved from topic to archive) over the bare loop's bytes/s, median over
rounds that alternate which side goes first (target >= 0.8). Records/s are printed
beside it. (Parquet with zstd shrinks the payloads about 30-fold, so a ratio over the
Parquet bytes would compare a compressor with a plain PUT; the JSON keeps both sizes.)

For context the JSON also holds a second baseline, a plain consumer of the same topic
that PUTs each 5000-record batch of raw payloads as one object ("topic to S3" with no
decoding, no Parquet, no manifests). Both baselines connect their clients before their
clock starts, as the sink's are connected when its clock starts.

Event counts are whole batches per partition (``--events`` is rounded to a multiple of
3 x 5000), so no batch waits for its age limit inside the timed window.

Runs against the local stack (``eval "$(deploy/local/stack.sh env)"``) with fresh
topics and prefixes; objects are retained for one day only (the bucket is shared).

``--breakdown`` adds one more sink round, untimed for the ratio, that wraps the worker's
steps (librdkafka's consume, the Python consume loop, decoding, grouping, Parquet, PUTs,
manifest, commit) in timers and stores where the worker thread spent the round's window
(``breakdown`` in the JSON). It reaches into the sink's modules, unlike the rest of this
script, and its timers cost about a microsecond per wrapped call.

    .venv/bin/python benchmarks/bench_sink_throughput.py [--rounds 5] [--events 20000] [--breakdown]
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench_sink_parquet import make_event
from botocore.exceptions import ClientError
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from prometheus_client import CollectorRegistry

from auditstream.archive import ArchiveWriter, make_s3_client, verify_archive
from auditstream.archive.store import S3ObjectStore
from auditstream.schemas import AuditEventSerializer
from auditstream.schemas.observability import configure_logging
from auditstream.sink import (
    SinkWorker,
    chain_keeper,
    columns,
    decoding,
    flush,
    load_sink_settings,
    worker,
)
from auditstream.sink.metrics import SinkMetrics

TARGET = 0.8
PARTITIONS = 3
RESULTS = Path(__file__).resolve().parent / "results"
# A benchmark's objects are evidence of nothing: keep them locked for a day only.
RETENTION_DAYS = 1
# The sink's default batch: 5000 records per partition flush.
BATCH = 5000


class _TimedConsumer(Consumer):
    """A consumer that notes when the worker assigns it its partitions."""

    assigned_ns: int | None = None

    def assign(self, partitions: list[TopicPartition]) -> None:
        super().assign(partitions)
        type(self).assigned_ns = time.perf_counter_ns()


def _produce(bootstrap: str, topic: str, events: int) -> list[list[bytes]]:
    """Fill a fresh topic; return each partition's payloads in offset order."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, PARTITIONS, 1)]).values():
        future.result(timeout=30)
    encode = AuditEventSerializer()
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    payloads: list[list[bytes]] = [[] for _ in range(PARTITIONS)]
    for i in range(events):
        # tenant-(i % 3) on partition i % 3: each object holds a contiguous offset range.
        payload = encode(make_event(i))
        payloads[i % PARTITIONS].append(payload)
        producer.produce(topic, payload, partition=i % PARTITIONS)
        if i % 10_000 == 9_999:
            producer.flush(60)
    assert producer.flush(60) == 0
    return payloads


def _sink_round(events: int) -> dict[str, Any]:
    """Archive a pre-filled topic with a real worker; return its rate and objects."""
    settings0 = load_sink_settings()
    run = uuid.uuid4().hex[:10]
    topic = f"bench.{run}.redacted"
    payloads = _produce(settings0.kafka.bootstrap_servers, topic, events)
    settings = load_sink_settings(
        topics={"redacted": topic},
        s3={"prefix": f"bench/{run}/"},
        sink={
            "group_id": f"bench-{run}",
            "retention_days": RETENTION_DAYS,
            "max_records": BATCH,
            "dev_generate_signing_key": True,
            "log_level": "WARNING",
        },
    )
    stop = threading.Event()
    _TimedConsumer.assigned_ns = None
    worker = SinkWorker(
        settings,
        stop=stop,
        consumer_factory=_TimedConsumer,
        metrics=SinkMetrics.create(CollectorRegistry()),
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    while worker.stats.records < events:
        time.sleep(0.002)  # a benchmark's sampling tick, not a wait in a test
    done_ns = time.perf_counter_ns()
    stop.set()
    thread.join(timeout=60)
    assert _TimedConsumer.assigned_ns is not None
    seconds = (done_ns - _TimedConsumer.assigned_ns) / 1e9
    client = make_s3_client(settings.s3)
    report = verify_archive(
        S3ObjectStore(client, bucket=settings.s3.bucket),
        prefix=settings.s3.prefix,
        check_retention=False,
    )
    assert report.ok, report.failures
    objects = list(report.chained_objects().values())
    assert sum(o.records for o in objects) == events
    # The same records as each archived object, as the raw payloads the topic held.
    blobs = []
    for obj in objects:
        partition = int(obj.key.rsplit("/p", 1)[1].split("-")[0])
        blobs.append(b"".join(payloads[partition][obj.first_offset : obj.last_offset + 1]))
    return {
        "topic": topic,
        "seconds": seconds,
        "records": events,
        "blobs": blobs,
        "parquet_bytes": sum(o.size for o in objects),
        "bucket": settings.s3.bucket,
    }


def _bare_round(blobs: list[bytes], bucket: str) -> float:
    """PUT the same bytes as the same number of objects with plain boto3; return seconds."""
    client = make_s3_client(load_sink_settings().s3)
    prefix = f"bench/bare-{uuid.uuid4().hex[:10]}/"
    client.head_bucket(Bucket=bucket)  # connected, as the sink's client is
    t0 = time.perf_counter_ns()
    for index, blob in enumerate(blobs):
        client.put_object(Bucket=bucket, Key=f"{prefix}{index}.parquet", Body=blob)
    seconds = (time.perf_counter_ns() - t0) / 1e9
    for index in range(len(blobs)):
        key = f"{prefix}{index}.parquet"
        try:  # the baseline's objects carry no retention: clean up the shared bucket
            version_id = client.head_object(Bucket=bucket, Key=key)["VersionId"]
            client.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
        except ClientError:
            pass  # a bucket default retention keeps them; they expire with it
    return seconds


def _consume_put_round(topic: str, events: int, bucket: str) -> float:
    """Second baseline: consume the same topic and PUT raw payloads per batch; seconds.

    The bare shape of "topic to S3": a plain consumer reads every record, and each
    5000-record batch of a partition becomes one object of concatenated payloads.
    """
    settings = load_sink_settings()
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka.bootstrap_servers,
            "group.id": f"bench-bare-{uuid.uuid4().hex[:10]}",
            "enable.auto.commit": False,
        }
    )
    client = make_s3_client(settings.s3)
    prefix = f"bench/bare-consume-{uuid.uuid4().hex[:10]}/"
    buffers: dict[int, list[bytes]] = {p: [] for p in range(PARTITIONS)}
    keys, seen = [], 0
    # Connect both clients first, as the sink's are when its clock starts (its consumer
    # has joined the group, its S3 client has checked the bucket): a cold librdkafka
    # client spends about half a second connecting before its first fetch.
    consumer.list_topics(topic, timeout=30)
    client.head_bucket(Bucket=bucket)
    t0 = time.perf_counter_ns()
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    while seen < events:
        for message in consumer.consume(num_messages=500, timeout=1.0):
            if message.error():
                continue
            seen += 1
            partition = message.partition() or 0
            buffers[partition].append(message.value() or b"")
            if len(buffers[partition]) == BATCH:
                key = f"{prefix}{len(keys)}"
                client.put_object(Bucket=bucket, Key=key, Body=b"".join(buffers[partition]))
                keys.append(key)
                buffers[partition] = []
    seconds = (time.perf_counter_ns() - t0) / 1e9
    consumer.close()
    for key in keys:
        try:
            version_id = client.head_object(Bucket=bucket, Key=key)["VersionId"]
            client.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
        except ClientError:
            pass
    return seconds


class _Breakdown:
    """Exclusive wall time per worker step, clipped to the window the benchmark times."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.window = [0, 0]  # assigned, all committed (perf_counter_ns)
        self._open: list[int] = []  # per nesting level: time spent in wrapped callees

    def wrap(self, owner: Any, name: str, label: str) -> None:
        """Replace ``owner.name`` with a timed version that books its time under label."""
        original: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                return original(*args, **kwargs)  # the benchmark's own calls
            start = time.perf_counter_ns()
            self._open.append(0)
            try:
                return original(*args, **kwargs)
            finally:
                end = time.perf_counter_ns()
                lo, hi = self.window
                inside = max(0, min(end, hi or end) - max(start, lo or end))
                callees = self._open.pop()
                self.seconds[label] = self.seconds.get(label, 0.0) + (inside - callees) / 1e9
                if self._open:
                    self._open[-1] += inside

        setattr(owner, name, timed)


def _breakdown_round(events: int) -> dict[str, Any]:
    """One sink round with every step timed; return seconds and shares per step."""
    timing = _Breakdown()
    steps = [
        (_TimedConsumer, "consume", "consume (librdkafka)"),
        (worker.SinkWorker, "_poll_once", "consume loop (Python: checks, batching)"),
        (columns.ColumnDecoder, "decode", "decode (column decoder + rule checks)"),
        (decoding.BatchDecoder, "decode", "decode (codec fallback and glue)"),
        (flush, "plan_objects", "group by tenant and hour"),
        (flush, "encode_parquet", "Parquet encode (zstd)"),
        (ArchiveWriter, "put", "PUT (boto3, data objects and manifests)"),
        (chain_keeper.ChainKeeper, "append", "manifest build and sign"),
        (_TimedConsumer, "commit", "commit"),
        (worker.SinkWorker, "_flush", "flush bookkeeping"),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in steps]
    done = worker.record_flush

    def record_flush(metrics: Any, stats: Any, *args: Any, **kwargs: Any) -> None:
        done(metrics, stats, *args, **kwargs)
        if stats.records >= events:
            timing.window[1] = time.perf_counter_ns()

    assign = _TimedConsumer.assign

    def assigned(consumer: _TimedConsumer, partitions: list[TopicPartition]) -> None:
        assign(consumer, partitions)
        timing.window[0] = time.perf_counter_ns()

    try:
        for owner, name, label in steps:
            timing.wrap(owner, name, label)
        worker.record_flush = record_flush  # type: ignore[assignment]
        _TimedConsumer.assign = assigned  # type: ignore[method-assign]
        sink = _sink_round(events)
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
        worker.record_flush = done
        _TimedConsumer.assign = assign  # type: ignore[method-assign]
    window_s = sink["seconds"]
    steps_out = {
        label: {
            "seconds": round(seconds, 4),
            "share_of_window": round(seconds / window_s, 3),
            "us_per_record": round(seconds / events * 1e6, 2),
        }
        for label, seconds in sorted(timing.seconds.items(), key=lambda kv: -kv[1])
    }
    unattributed = window_s - sum(timing.seconds.values())
    return {
        "events": events,
        "window_s": window_s,
        "records_per_s": events / window_s,
        "steps": steps_out,
        "unattributed_s": round(unattributed, 4),
    }


def main() -> None:
    """Run the rounds, print the ratio against the target, store JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--breakdown", action="store_true", help="time the worker's steps")
    args = parser.parse_args()
    whole = PARTITIONS * BATCH
    args.events = max(whole, args.events // whole * whole)
    configure_logging(level="WARNING", fmt="console", stage="bench")
    rounds = []
    blobs: list[bytes] = []
    for index in range(args.rounds):
        sink: dict[str, Any] = {}
        bare_s = 0.0
        if index % 2 and blobs:  # bare loop first in odd rounds (same bytes as last round)
            bare_s = _bare_round(blobs, sink.get("bucket", load_sink_settings().s3.bucket))
            sink = _sink_round(args.events)
        else:
            sink = _sink_round(args.events)
            bare_s = _bare_round(sink["blobs"], sink["bucket"])
        blobs = sink["blobs"]
        size = sum(len(b) for b in blobs)
        consume_put_s = _consume_put_round(sink["topic"], args.events, sink["bucket"])
        rounds.append(
            {
                "sink_records_per_s": sink["records"] / sink["seconds"],
                "sink_bytes_per_s": size / sink["seconds"],
                "bare_bytes_per_s": size / bare_s,
                "objects": len(blobs),
                "payload_bytes": size,
                "parquet_bytes": sink["parquet_bytes"],
                "ratio": bare_s / sink["seconds"],
                "consume_put_bytes_per_s": size / consume_put_s,
                "ratio_vs_consume_put": consume_put_s / sink["seconds"],
            }
        )
        print(f"round {index + 1}: ratio {rounds[-1]['ratio']:.2f}", flush=True)
    ratio = statistics.median(r["ratio"] for r in rounds)
    result = {
        "name": "bench_sink_throughput",
        "question": "sink bytes/s from topic to archive vs bare boto3 put_object of the same bytes",
        "baseline": "boto3 put_object of the records' payload bytes, one object per sink object",
        "candidate": "SinkWorker: consume, decode, Parquet, write-once PUT, manifest, commit",
        "ratio": ratio,
        "target": TARGET,
        "second_baseline": "plain Consumer of the same topic + put_object per 5000-record batch",
        "ratio_vs_consume_put": statistics.median(r["ratio_vs_consume_put"] for r in rounds),
        "rounds": rounds,
        "inputs": {"events": args.events, "partitions": PARTITIONS},
        "versions": {
            "python": platform.python_version(),
            "boto3": version("boto3"),
            "confluent-kafka": version("confluent-kafka"),
            "pyarrow": version("pyarrow"),
            "auditstream": version("auditstream"),
        },
    }
    if args.breakdown:
        result["breakdown"] = _breakdown_round(args.events)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_sink_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    verdict = "meets" if ratio >= TARGET else "MISSES"
    records = statistics.median(r["sink_records_per_s"] for r in rounds)
    sink_mb = statistics.median(r["sink_bytes_per_s"] for r in rounds) / 1e6
    bare_mb = statistics.median(r["bare_bytes_per_s"] for r in rounds) / 1e6
    print(
        f"sink: {records:,.0f} records/s, {sink_mb:.1f} MB/s of records; "
        f"bare PUT loop: {bare_mb:.1f} MB/s; "
        f"ratio {ratio:.2f} {verdict} the target {TARGET}"
    )
    print(
        f"against a bare consume + PUT loop: ratio {result['ratio_vs_consume_put']:.2f} "
        "(for context; not the issue's target)"
    )
    if args.breakdown:
        for label, step in result["breakdown"]["steps"].items():
            print(
                f"  {step['share_of_window']:6.1%}  {step['us_per_record']:6.2f} us/record  {label}"
            )


if __name__ == "__main__":
    main()
