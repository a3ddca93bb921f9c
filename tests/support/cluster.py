"""A private three-broker Kafka cluster (and its own S3) for failover tests and benchmarks.

It runs ``deploy/local/stack.sh --brokers 3`` with a state directory of its own and free
loopback ports picked at start, so broker kills never touch the shared single-broker
stack (19092/19000) or another session's cluster. The install cache is shared.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient

from support.stack import STACK, Stack, parse_env

BROKERS = 3
# stack.sh bounds each service's start itself (START_TIMEOUT); these bound whole commands.
UP_TIMEOUT_S = 300  # a cold start: three storage formats and JVM starts on two cores
BROKER_START_TIMEOUT_S = 180  # until registered and every partition in sync again
STOP_TIMEOUT_S = 90
# Port layout from a base: Kafka base..base+2, controllers base+10.., S3 base+20.
_CONTROLLER_OFFSET, _S3_OFFSET = 10, 20
# transaction.state.log.num.partitions in stack.sh's cluster mode.
TRANSACTION_STATE_PARTITIONS = 10


def _java_hash(text: str) -> int:
    """Java's ``String.hashCode`` (UTF-16 code units, 32-bit overflow)."""
    h = 0
    for unit in text.encode("utf-16-be").hex(" ", 2).split():
        h = (31 * h + int(unit, 16)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_port() -> int:
    """A base port whose Kafka, controller and S3 ports are all free now (:func:`stack_ports`)."""
    for _ in range(50):
        base = random.randrange(30_000, 60_000, 100)
        ports = [
            *(base + i for i in range(BROKERS)),
            *(base + _CONTROLLER_OFFSET + i for i in range(BROKERS)),
            base + _S3_OFFSET,
        ]
        if all(_free(p) for p in ports):
            return base
    raise RuntimeError("no free loopback port range for the test cluster")


@dataclass
class Cluster:
    """Three KRaft nodes and an S3 server, controlled through ``stack.sh``.

    Attributes:
        state_dir: Data, logs and pid files of this cluster.
        base_port: Node i listens on ``base_port + i - 1``.
        stack: Where clients connect (bootstrap list of all three nodes, S3, bucket).
    """

    state_dir: Path
    base_port: int
    stack: Stack

    @property
    def stack_env(self) -> dict[str, str]:
        """The environment that points ``stack.sh`` at this cluster."""
        return _stack_env(self.state_dir, self.base_port)

    def run(self, *args: str, timeout_s: float) -> str:
        """Run ``stack.sh --brokers 3 <args>``; return its stdout (stderr on failure)."""
        return _run(self.state_dir, self.base_port, *args, timeout_s=timeout_s)

    def kill(self, node: int) -> None:
        """SIGKILL a broker (a crash: no controlled shutdown)."""
        self.run("broker", "kill", str(node), timeout_s=STOP_TIMEOUT_S)

    def stop(self, node: int) -> None:
        """Stop a broker gracefully (controlled shutdown moves its leaderships first)."""
        self.run("broker", "stop", str(node), timeout_s=STOP_TIMEOUT_S)

    def start(self, node: int) -> None:
        """Start a broker; returns once it is registered and every partition is in sync."""
        self.run("broker", "start", str(node), timeout_s=BROKER_START_TIMEOUT_S)

    def leaders(self, topic: str) -> dict[int, int]:
        """Return the leader node of each partition of ``topic``, as the metadata says."""
        admin = AdminClient({"bootstrap.servers": self.stack.bootstrap_servers})
        metadata = admin.list_topics(topic=topic, timeout=15)
        return {p.id: p.leader for p in metadata.topics[topic].partitions.values()}

    def transaction_coordinator(self, transactional_id: str) -> int:
        """Return the node that coordinates a transactional id's transactions.

        Kafka maps the id to ``__transaction_state`` partition
        ``abs(id.hashCode()) % partitions``; that partition's leader is the coordinator.
        """
        h = _java_hash(transactional_id)
        partition = (0 if h == -(1 << 31) else abs(h)) % TRANSACTION_STATE_PARTITIONS
        return self.leaders("__transaction_state")[partition]

    def log_tail(self, lines: int = 30) -> str:
        """The end of every node's log, for failure messages."""
        out = []
        for path in sorted((self.state_dir / "logs").glob("kafka*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(out)


def stack_ports(base: int) -> dict[str, str]:
    """The ``stack.sh`` port variables of a stack laid out from ``base``.

    Node i's Kafka port is ``base + i - 1``, its controller's ``base + 10 + i - 1``, and
    S3 listens on ``base + 20``.
    """
    return {
        "AUDITSTREAM_STACK_KAFKA_PORT": str(base),
        "AUDITSTREAM_STACK_KAFKA_CONTROLLER_PORT": str(base + _CONTROLLER_OFFSET),
        "AUDITSTREAM_STACK_S3_PORT": str(base + _S3_OFFSET),
    }


def _stack_env(state_dir: Path, base: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")},
        "AUDITSTREAM_STACK_BROKERS": str(BROKERS),
        "AUDITSTREAM_STACK_DIR": str(state_dir),
        **stack_ports(base),
        "AUDITSTREAM_STACK_STOP_TIMEOUT": "30",
        "PYTHON": sys.executable,
    }


def _run(state_dir: Path, base: int, *args: str, timeout_s: float) -> str:
    result = subprocess.run(
        ["bash", str(STACK), *args],
        env=_stack_env(state_dir, base),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"stack.sh {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


@contextmanager
def running_cluster(state_dir: Path) -> Iterator[Cluster]:
    """Start a private three-broker cluster; stop it and delete its state afterwards."""
    base = free_base_port()
    try:
        _run(state_dir, base, "up", timeout_s=UP_TIMEOUT_S)
        env = parse_env(_run(state_dir, base, "env", timeout_s=30))
        clients = {k: v for k, v in env.items() if not k.startswith("AUDITSTREAM_TEST_")}
        stack = Stack(
            bootstrap_servers=clients["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"],
            s3_endpoint=clients["AUDITSTREAM_S3__ENDPOINT_URL"],
            env=clients,
        )
        yield Cluster(state_dir, base, stack)
    finally:
        try:
            _run(state_dir, base, "down", timeout_s=STOP_TIMEOUT_S * 2)
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
