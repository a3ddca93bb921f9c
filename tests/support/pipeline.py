"""Run the real pipeline workers as subprocesses against the real stack, isolated by names.

Each test gets its own topics (uuid suffix), consumer groups and S3 key prefix, so tests
never see each other's data and nothing needs tearing down between them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from auditstream.archive.chained import list_chained_objects
from auditstream.archive.signing import Signer, public_key_pem
from auditstream.archive.store import S3ObjectStore
from support.stack import Stack

PARTITIONS = 3
TEST_HMAC_KEY = "test-only-pseudonymization-key-0123456789abcdef"
# Ed25519 private key (64 hex digits) that signs the test sinks' manifests.
TEST_SIGNING_KEY = "746573742d6f6e6c792d7369676e696e672d6b65792d30313233343536373839"
# Ed25519 private key that seals the test exports' evidence packages.
TEST_EXPORT_KEY = "7465" * 16
# Both public keys in PEM: the keyring the test sinks and auditors trust, as an operator
# would configure it (AUDITSTREAM_TRUST__KEYS), so verification is anchored.
TEST_KEYRING = "".join(
    public_key_pem(Signer.from_bytes(key.encode(), source="test key").public_key).decode()
    for key in (TEST_SIGNING_KEY, TEST_EXPORT_KEY)
)


@dataclass
class Worker:
    """A worker subprocess and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of the worker's log, for failure messages."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def stop_workers(workers: list[Worker], *, timeout_s: float) -> None:
    """SIGTERM every running worker, then SIGKILL those still running after the timeout."""
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.terminate()
    for worker in workers:
        try:
            worker.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


@dataclass
class PipelineUnderTest:
    """Topics, prefix and workers of one test's pipeline."""

    stack: Stack
    run_id: str
    log_dir: Path
    workers: list[Worker] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    retired: list[Worker] = field(default_factory=list)
    replication: int = 1

    @property
    def raw(self) -> str:
        return f"test.{self.run_id}.raw"

    @property
    def redacted(self) -> str:
        return f"test.{self.run_id}.redacted"

    @property
    def dlq(self) -> str:
        return f"test.{self.run_id}.dlq"

    @property
    def prefix(self) -> str:
        return f"tests/{self.run_id}/"

    @property
    def env(self) -> dict[str, str]:
        """Environment for workers and library calls of this pipeline."""
        return {
            **self.stack.env,
            "AUDITSTREAM_TOPICS__RAW": self.raw,
            "AUDITSTREAM_TOPICS__REDACTED": self.redacted,
            "AUDITSTREAM_TOPICS__DLQ": self.dlq,
            "AUDITSTREAM_S3__PREFIX": self.prefix,
            "AUDITSTREAM_PROCESSOR__APP_ID": f"test-processor-{self.run_id}",
            "AUDITSTREAM_PROCESSOR__HMAC_KEY": TEST_HMAC_KEY,
            "AUDITSTREAM_SINK__GROUP_ID": f"test-sink-{self.run_id}",
            "AUDITSTREAM_SINK__MAX_AGE_S": "1.0",
            "AUDITSTREAM_SINK__SIGNING_KEY": TEST_SIGNING_KEY,
            "AUDITSTREAM_TRUST__KEYS": TEST_KEYRING,
            "AUDITSTREAM_AUDITOR__EXPORT_KEY": TEST_EXPORT_KEY,
            **self.extra_env,
        }

    def create_topics(self) -> None:
        admin = AdminClient({"bootstrap.servers": self.stack.bootstrap_servers})
        futures = admin.create_topics(
            [NewTopic(t, PARTITIONS, self.replication) for t in (self.raw, self.redacted, self.dlq)]
        )
        for future in futures.values():
            future.result(timeout=30)

    def start(self, command: str, *options: str) -> Worker:
        """Start ``audit <command> <options>`` with this pipeline's environment."""
        log_path = self.log_dir / f"{command}-{len(self.workers) + len(self.retired)}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")} | self.env
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "auditstream.cli.main", command, *options],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(command, process, log_path)
        self.workers.append(worker)
        return worker

    def retire(self, worker: Worker) -> None:
        """Stop watching a worker a test stopped on purpose (its log is kept)."""
        self.workers.remove(worker)
        self.retired.append(worker)

    def assert_workers_running(self) -> None:
        """Fail at once, with the logs, when a worker died instead of waiting for a timeout."""
        dead = [w for w in self.workers if w.process.poll() is not None]
        if dead:
            raise AssertionError(f"worker exited early:\n{self.logs()}")

    def logs(self) -> str:
        """Every worker's log tail, for assertion messages."""
        return "\n".join(
            f"--- {w.name} (rc={w.process.poll()}) ---\n{w.log_tail()}" for w in self.workers
        )

    def stop(self) -> None:
        stop_workers(self.workers, timeout_s=30)

    # -- reading what came out -------------------------------------------------------

    def s3(self) -> Any:
        return self.stack.s3()

    def archived_keys(self) -> list[str]:
        """Keys of the data objects the archive's manifests name, in chain order.

        An object the sink wrote but never chained (a crash, or an S3 outage between the
        object and its manifest, left it; a later object holds its records) is an orphan,
        not archived: counting it made the chaos test see 41 events "archived twice".
        """
        self.assert_workers_running()
        store = S3ObjectStore(self.s3(), bucket=self.stack.bucket)
        return list(list_chained_objects(store, prefix=self.prefix))

    def archived_rows(self) -> list[dict[str, Any]]:
        """Every archived row (of chained objects), read straight from them with pyarrow."""
        client = self.s3()
        rows: list[dict[str, Any]] = []
        for key in self.archived_keys():
            body = client.get_object(Bucket=self.stack.bucket, Key=key)["Body"].read()
            rows.extend(pq.read_table(io.BytesIO(body)).to_pylist())
        return rows

    def read_topic(self, topic: str, *, idle_s: float = 3.0, timeout_s: float = 60.0) -> list[Any]:
        """Every committed message of a topic, from the beginning, until it goes quiet."""
        self.assert_workers_running()
        consumer = Consumer(
            {
                "bootstrap.servers": self.stack.bootstrap_servers,
                "group.id": f"reader-{uuid.uuid4().hex}",
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
        try:
            consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
            messages = []
            deadline = time.monotonic() + timeout_s
            quiet_since = time.monotonic()
            while time.monotonic() < deadline and time.monotonic() - quiet_since < idle_s:
                message = consumer.poll(0.2)
                if message is None or message.error():
                    continue
                messages.append(message)
                quiet_since = time.monotonic()
            return messages
        finally:
            consumer.close()

    def committed(self, group: str, topic: str) -> dict[int, int]:
        """A consumer group's committed offset per partition of a topic (-1: none)."""
        consumer = Consumer({"bootstrap.servers": self.stack.bootstrap_servers, "group.id": group})
        try:
            tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
            return {tp.partition: tp.offset for tp in consumer.committed(tps, timeout=10)}
        finally:
            consumer.close()

    def locate(self, event_ids: set[str], *, limit: int = 5) -> str:
        """Where events that should be archived are: for a failure message, never asserted.

        For up to ``limit`` ids: their raw and redacted partition and offset (or absence),
        beside the processor's and the sink's committed offsets, so a lost event can be
        told from one still waiting upstream.
        """
        from auditstream.schemas import AuditEventDeserializer

        wanted = set(sorted(event_ids)[:limit])
        decode = AuditEventDeserializer()
        places: dict[str, list[str]] = {i: [] for i in wanted}
        for topic in (self.raw, self.redacted):
            for message in self.read_topic(topic, idle_s=2.0):
                try:
                    event_id = decode(message.value())["event_id"]
                except Exception:  # noqa: BLE001 - malformed raw messages are expected
                    continue
                if event_id in wanted:
                    places[event_id].append(f"{topic}[{message.partition()}]@{message.offset()}")
        processor = self.committed(self.env["AUDITSTREAM_PROCESSOR__APP_ID"], self.raw)
        sink = self.committed(self.env["AUDITSTREAM_SINK__GROUP_ID"], self.redacted)
        lines = [f"{i}: {', '.join(p) or 'in no topic'}" for i, p in sorted(places.items())]
        lines.append(f"processor committed {processor}; sink committed {sink}")
        return "\n".join(lines)


def rows_as_text(rows: list[dict[str, Any]]) -> str:
    """All archived values as one string, for 'this value appears nowhere' checks."""
    return json.dumps(rows, default=str)


def new_pipeline(
    stack: Stack, log_dir: Path, *, replication: int = 1
) -> Iterator[PipelineUnderTest]:
    """Yield a fresh pipeline with its topics created; stop its workers afterwards.

    ``replication`` is the topics' replication factor (3 on the three-broker cluster).
    """
    pipeline = PipelineUnderTest(
        stack=stack, run_id=uuid.uuid4().hex[:10], log_dir=log_dir, replication=replication
    )
    pipeline.create_topics()
    try:
        yield pipeline
    finally:
        pipeline.stop()
