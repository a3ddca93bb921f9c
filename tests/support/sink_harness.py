"""Run real sink workers against one test's redacted topic and archive prefix, and read back.

Events are produced straight to the test's redacted topic (the sink's input), encoded
as the processor encodes them, so a sink test needs no processor. Reading back goes
through the manifest chains (``verify_archive``), as auditors do: an object no manifest
references is an orphan and is never counted.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic

from auditstream.archive import VerificationReport, list_chained_objects, verify_archive
from auditstream.archive.store import S3ObjectStore
from auditstream.archive.trust import Keyring
from auditstream.schemas import AuditEventSerializer
from support.events import make_event
from support.pipeline import TEST_KEYRING, TEST_SIGNING_KEY, Worker, stop_workers
from support.stack import Stack

PARTITIONS = 3
# A dead member's partitions move after the session timeout: 6 s (the broker's minimum),
# not librdkafka's default 45 s, so crash and rebalance tests take seconds.
FAST_GROUP_OVERRIDES = '{"session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"}'


@dataclass
class SinkUnderTest:
    """A redacted topic, an archive prefix and the sink workers that archive one into the other."""

    stack: Stack
    log_dir: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    workers: list[Worker] = field(default_factory=list)
    partitions: int = PARTITIONS

    @property
    def topic(self) -> str:
        return f"test.{self.run_id}.redacted"

    @property
    def dlq(self) -> str:
        return f"test.{self.run_id}.dlq"

    @property
    def prefix(self) -> str:
        return f"tests/{self.run_id}/"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment of a sink worker of this test; ``extra`` adds AUDITSTREAM_SINK__ knobs."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
        return {
            **base,
            **self.stack.env,
            "AUDITSTREAM_TOPICS__REDACTED": self.topic,
            "AUDITSTREAM_TOPICS__DLQ": self.dlq,
            "AUDITSTREAM_S3__PREFIX": self.prefix,
            "AUDITSTREAM_SINK__GROUP_ID": f"test-sink-{self.run_id}",
            "AUDITSTREAM_SINK__MAX_AGE_S": "0.5",
            "AUDITSTREAM_SINK__SIGNING_KEY": TEST_SIGNING_KEY,
            "AUDITSTREAM_TRUST__KEYS": TEST_KEYRING,
            "AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES": FAST_GROUP_OVERRIDES,
            **{f"AUDITSTREAM_SINK__{name.upper()}": value for name, value in extra.items()},
        }

    def create_topic(self) -> None:
        admin = AdminClient({"bootstrap.servers": self.stack.bootstrap_servers})
        futures = admin.create_topics(
            [NewTopic(self.topic, self.partitions, 1), NewTopic(self.dlq, 1, 1)]
        )
        for future in futures.values():
            future.result(timeout=30)

    def produce(self, count: int, *, tenant_count: int = 2) -> list[str]:
        """Produce ``count`` events spread over every partition; return their event ids."""
        serialize = AuditEventSerializer()
        producer = Producer(
            {"bootstrap.servers": self.stack.bootstrap_servers, "enable.idempotence": True}
        )
        ids = []
        for i in range(count):
            event = make_event()
            event["actor"] = {**event["actor"], "tenant_id": f"tenant-{i % tenant_count}"}
            ids.append(str(event["event_id"]))
            producer.produce(self.topic, serialize(event, None), partition=i % self.partitions)
            if i % 1000 == 999:
                producer.flush(30)
        assert producer.flush(30) == 0, "events not acknowledged by the broker"
        return ids

    def produce_values(self, values: list[bytes | None], *, partition: int) -> None:
        """Produce records exactly as given (ugly input) to one partition, in order."""
        producer = Producer(
            {
                "bootstrap.servers": self.stack.bootstrap_servers,
                "enable.idempotence": True,
                "message.max.bytes": 8 << 20,  # the local stack's topics take 8 MiB
            }
        )
        for value in values:
            producer.produce(self.topic, value, partition=partition)
        assert producer.flush(30) == 0, "records not acknowledged by the broker"

    def end_offsets(self) -> dict[int, int]:
        """The high watermark of each partition of the redacted topic."""
        consumer = Consumer(
            {"bootstrap.servers": self.stack.bootstrap_servers, "group.id": "test-watermarks"}
        )
        try:
            return {
                p: consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10)[1]
                for p in range(self.partitions)
            }
        finally:
            consumer.close()

    def dead_letters(self) -> list[Message]:
        """Every record of this test's DLQ topic, in order."""
        consumer = Consumer(
            {
                "bootstrap.servers": self.stack.bootstrap_servers,
                "group.id": f"test-dlq-reader-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "enable.partition.eof": True,
            }
        )
        consumer.assign([TopicPartition(self.dlq, 0, OFFSET_BEGINNING)])
        letters: list[Message] = []
        try:
            while True:
                message = consumer.poll(10)
                assert message is not None, "the DLQ topic did not answer"
                error = message.error()
                if error is not None and error.code() == KafkaError._PARTITION_EOF:
                    return letters
                assert error is None, error
                letters.append(message)
        finally:
            consumer.close()

    def start(self, *args: str, **extra: str) -> Worker:
        """Start ``audit sink *args`` with this test's environment plus ``extra`` sink knobs."""
        log_path = self.log_dir / f"sink-{len(self.workers)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "auditstream.cli.main", "sink", *args],
                env=self.env(**extra),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Worker("sink", process, log_path)
        self.workers.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(
            f"--- {w.log_path.name} (rc={w.process.poll()}) ---\n{w.log_tail()}"
            for w in self.workers
        )

    def stop(self) -> None:
        stop_workers(self.workers, timeout_s=60)

    # -- reading back ----------------------------------------------------------------

    def s3(self) -> Any:
        return self.stack.s3()

    def verify(self, **options: Any) -> VerificationReport:
        """Verify the archive against the test keyring, as an auditor would."""
        options.setdefault("keyring", Keyring.from_pem(TEST_KEYRING.encode(), source="test"))
        return verify_archive(
            S3ObjectStore(self.s3(), bucket=self.stack.bucket), prefix=self.prefix, **options
        )

    def chained_dead_letters(self) -> list[tuple[int, int]]:
        """``(partition, offset)`` of every record a manifest names as sent to the DLQ."""
        report = self.verify(check_objects=False, check_retention=False)
        letters = []
        for partition in report.partitions:
            letters.extend((partition.partition, d.offset) for d in partition.dead_letters)
        return letters

    def chained_records(self) -> int:
        """Records the manifest chains vouch for (cheap: manifests only, no object reads)."""
        chained = list_chained_objects(
            S3ObjectStore(self.s3(), bucket=self.stack.bucket), prefix=self.prefix
        )
        return sum(o.records for o in chained.values())

    def chained_event_ids(self, report: VerificationReport) -> list[str]:
        """Event ids of every row of every chained object (duplicates kept, to be counted)."""
        client = self.s3()
        ids: list[str] = []
        for key in report.chained_objects():
            body = client.get_object(Bucket=self.stack.bucket, Key=key)["Body"].read()
            ids.extend(
                str(v) for v in pq.read_table(io.BytesIO(body)).column("event_id").to_pylist()
            )
        return ids


def new_sink_under_test(stack: Stack, log_dir: Path, **options: Any) -> Iterator[SinkUnderTest]:
    """Yield a fresh topic and prefix; stop every worker afterwards."""
    sut = SinkUnderTest(stack=stack, log_dir=log_dir, **options)
    sut.create_topic()
    try:
        yield sut
    finally:
        sut.stop()
