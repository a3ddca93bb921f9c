"""A private secured Kafka broker (``deploy/local/stack.sh --secured``), never the shared stack.

stack.sh makes the certificates (openssl), the SCRAM-SHA-512 users (at format time) and,
with ``up``, the topics, the per-principal ACLs of ``deploy/local/kafka_acls.py`` and its
own S3 server: the tests run the same set-up an operator runs, on their own ports and
state directory. The broker has a SASL_SSL listener and an ``MTLS`` listener (TLS with a
client certificate only, CN=processor being the principal); ``admin`` is the only super
user on both.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from support.stack import REPO, STACK, parse_env

# The integration tests' broker; the e2e stack passes its own ports (both beside the
# shared stack's 19092 and the operator's secured stack's 19392).
KAFKA_PORT = 23092
UP_TIMEOUT_S = 240  # stack.sh bounds each service's start itself (120 s); this the command
DOWN_TIMEOUT_S = 120
CLIENT_KEY_PASSWORD = "local-key-secret"  # stack.sh's CLIENT_KEY_PASSWORD


def kafka_lib() -> Path:
    """Where ``stack.sh install`` cached the Kafka jars."""
    cache = Path(os.environ.get("AUDITSTREAM_CACHE_DIR", Path.home() / ".cache/auditstream"))
    return cache / "kafka-3.9.1" / "lib"


@functools.cache
def kafka_acls() -> ModuleType:
    """``deploy/local/kafka_acls.py``, the per-principal ACLs stack.sh grants."""
    spec = importlib.util.spec_from_file_location(
        "kafka_acls", REPO / "deploy" / "local" / "kafka_acls.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass
class SecuredKafka:
    """A running secured stack; ``kafka(user)`` gives a user's settings section."""

    directory: Path
    kafka_port: int

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def tls(self) -> Path:
        return self.directory / "tls"

    def _stack(self, *command: str, timeout_s: float) -> str:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")},
            "AUDITSTREAM_STACK_SECURED": "1",
            "AUDITSTREAM_STACK_DIR": str(self.directory),
            "AUDITSTREAM_STACK_KAFKA_PORT": str(self.kafka_port),
            "AUDITSTREAM_STACK_KAFKA_CONTROLLER_PORT": str(self.kafka_port + 1),
            "AUDITSTREAM_STACK_KAFKA_MTLS_PORT": str(self.kafka_port + 2),
            "AUDITSTREAM_STACK_S3_PORT": str(self.kafka_port - 2),
            "AUDITSTREAM_STACK_STOP_TIMEOUT": "30",
            "PYTHON": sys.executable,
        }
        result = subprocess.run(
            ["bash", str(STACK), *command],
            env=env,
            timeout=timeout_s,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            msg = f"stack.sh --secured {' '.join(command)} failed:\n{result.stderr[-4000:]}"
            raise RuntimeError(msg)
        return result.stdout

    def env(self, role: str) -> dict[str, str]:
        """The ``AUDITSTREAM_*`` variables of one role, as ``stack.sh --secured env`` prints."""
        return parse_env(self._stack("env", role, timeout_s=30))

    def kafka(self, user: str, password: str | None = None) -> dict[str, Any]:
        """The ``kafka`` settings section of ``user`` (SCRAM-SHA-512 over TLS, our CA)."""
        prefix = "AUDITSTREAM_KAFKA__"
        section: dict[str, Any] = {
            name[len(prefix) :].lower(): value
            for name, value in self.env(user).items()
            if name.startswith(prefix)
        }
        if password is not None:
            section["sasl_password"] = password
        return section

    def mtls(self) -> dict[str, Any]:
        """The ``kafka`` section of the client certificate's principal (``processor``)."""
        return {
            "bootstrap_servers": f"127.0.0.1:{self.kafka_port + 2}",
            "security_protocol": "SSL",
            "ssl_cafile": str(self.tls / "ca.pem"),
            "ssl_certfile": str(self.tls / "client.pem"),
            "ssl_keyfile": str(self.tls / "client.key"),
            "ssl_key_password": CLIENT_KEY_PASSWORD,
        }

    def admin(self) -> AdminClient:
        from auditstream.schemas.settings import KafkaSettings

        return AdminClient(KafkaSettings(**self.kafka("admin")).to_librdkafka())

    def stop(self) -> None:
        """Stop the broker (and S3, if up started it) and delete the state directory."""
        try:
            self._stack("down", timeout_s=DOWN_TIMEOUT_S)
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_secured_kafka(
    directory: Path, *, kafka_port: int = KAFKA_PORT, full_stack: bool = False
) -> SecuredKafka:
    """Start the broker (``full_stack``: also topics, ACLs, S3 and bucket) and wait for it.

    Ports: Kafka ``kafka_port``, controller +1, mTLS +2, S3 -2.
    """
    if not kafka_lib().is_dir():
        msg = f"Kafka jars not installed at {kafka_lib()}: run deploy/local/stack.sh install"
        raise RuntimeError(msg)
    broker = SecuredKafka(directory, kafka_port)
    try:
        broker._stack("up" if full_stack else "kafka-start", timeout_s=UP_TIMEOUT_S)
        _wait_group_coordinator(broker, time.monotonic() + 120)
    except BaseException:
        broker.stop()
        raise
    return broker


def _wait_group_coordinator(broker: SecuredKafka, deadline: float) -> None:
    """Have the broker create ``__consumer_offsets`` and wait until a group coordinator
    answers: a fresh node takes a while, and clients asking before then can stall."""
    from auditstream.schemas.settings import KafkaSettings

    consumer = Consumer(
        {**KafkaSettings(**broker.kafka("admin")).to_librdkafka(), "group.id": "warm-up"}
    )
    try:
        while True:
            try:
                consumer.committed([TopicPartition("warm-up", 0)], timeout=5)
                return
            except KafkaException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
    finally:
        consumer.close()
