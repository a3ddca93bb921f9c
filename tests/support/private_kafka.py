"""A private Kafka broker for tests that stop and restart it (never the shared stack).

It runs ``deploy/local/stack.sh kafka-start`` with its own state directory and ports, so
a test can stop its broker while every other test and engineer keeps using the shared
one. The install cache is shared (nothing is downloaded twice).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from support.stack import STACK

KAFKA_PORT = 22092
CONTROLLER_PORT = 22093
S3_PORT = 22000  # unused (only Kafka runs), but stack.sh checks the three ports differ

# stack.sh waits for health itself (START_TIMEOUT, 120 s); these bound the whole command.
START_TIMEOUT_S = 240
STOP_TIMEOUT_S = 120


@dataclass
class PrivateKafka:
    """A broker on 127.0.0.1:22092 with its state under ``state_dir``."""

    state_dir: Path

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{KAFKA_PORT}"

    def _run(self, command: str, timeout_s: float) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_STACK_")},
            "AUDITSTREAM_STACK_DIR": str(self.state_dir),
            "AUDITSTREAM_STACK_KAFKA_PORT": str(KAFKA_PORT),
            "AUDITSTREAM_STACK_KAFKA_CONTROLLER_PORT": str(CONTROLLER_PORT),
            "AUDITSTREAM_STACK_S3_PORT": str(S3_PORT),
            "AUDITSTREAM_STACK_STOP_TIMEOUT": "30",
            "PYTHON": sys.executable,
        }
        subprocess.run(
            ["bash", str(STACK), command],
            check=True,
            env=env,
            timeout=timeout_s,
            capture_output=True,
        )

    def start(self) -> None:
        """Start the broker and wait until it answers (stack.sh waits)."""
        self._run("kafka-start", START_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the broker (SIGTERM, SIGKILL after 30 s); its data is kept."""
        self._run("kafka-stop", STOP_TIMEOUT_S)

    def create_topic(self, partitions: int = 3) -> str:
        """Create a uniquely named topic and return its name."""
        name = f"test.{uuid.uuid4().hex[:10]}.raw"
        admin = AdminClient({"bootstrap.servers": self.bootstrap_servers})
        admin.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=60)
        return name

    def remove(self) -> None:
        """Stop the broker and delete its state directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.state_dir, ignore_errors=True)


def read_all(
    bootstrap_servers: str, topic: str, *, expected: int, partitions: int = 3, timeout_s: float
) -> list[tuple[int, int, bytes, bytes]]:
    """Read a topic from the start until ``expected`` messages or the timeout.

    Returns:
        ``(partition, offset, key, value)`` per message, in partition and offset order.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    out: list[tuple[int, int, bytes, bytes]] = []
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        deadline = time.monotonic() + timeout_s
        while len(out) < expected and time.monotonic() < deadline:
            for message in consumer.consume(1000, 0.5):
                if message.error() is None:
                    out.append(
                        (
                            message.partition(),
                            message.offset(),
                            message.key() or b"",
                            message.value() or b"",
                        )
                    )
    finally:
        consumer.close()
    return sorted(out)
