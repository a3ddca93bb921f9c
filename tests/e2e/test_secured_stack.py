"""The pipeline on ``stack.sh --secured``: each role as its own SCRAM principal, under the ACLs.

A private secured stack (its own broker, S3, ports 23290-23294 and state directory) set
up exactly as an operator's ``stack.sh --secured up`` does: certificates, users, topics,
the per-principal ACLs. Every role takes its settings from ``stack.sh --secured env
ROLE``, so what the README tells an operator is what runs here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition
from typer.testing import CliRunner

from auditstream.auditor.cli.status import app as status_app
from auditstream.producer import AuditClient, ClientConfig
from support.pipeline import TEST_HMAC_KEY, TEST_SIGNING_KEY, Worker, stop_workers
from support.secured_kafka import SecuredKafka, start_secured_kafka
from support.wait import wait_until

pytestmark = pytest.mark.integration

KAFKA_PORT = 23292  # controller 23293, mTLS 23294, S3 23290
RAW = "audit.events.raw"
EVENTS = 20


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredKafka]:
    stack = start_secured_kafka(
        tmp_path_factory.mktemp("secured-stack"), kafka_port=KAFKA_PORT, full_stack=True
    )
    try:
        yield stack
    finally:
        stack.stop()


def start_worker(secured: SecuredKafka, command: str, log_dir: Path, **settings: str) -> Worker:
    """``audit <command>`` as its own principal (the role of the same name as the stage)."""
    role = "processor" if command == "process" else command
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
    env |= secured.env(role) | settings
    log_path = log_dir / f"{command}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "auditstream.cli.main", command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Worker(command, process, log_path)


def status_json(secured: SecuredKafka, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | None:
    """One ``audit status --json`` as the auditor principal; None while Kafka is not ready."""
    for name in [n for n in os.environ if n.startswith("AUDITSTREAM_")]:
        monkeypatch.delenv(name)
    result = CliRunner().invoke(status_app, ["--json"], env=secured.env("auditor"))
    return json.loads(result.stdout) if result.stdout else None


def sdk_config(secured: SecuredKafka, **overrides: object) -> ClientConfig:
    return ClientConfig.from_env(environ=secured.env("sdk"), service_name="svc", **overrides)


def test_sdk_processor_sink_and_status_each_as_its_own_principal(
    secured: SecuredKafka, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events the SDK writes are redacted, archived and reported by ``audit status``, with
    every client confined to its ACLs: nothing dead-lettered, nothing left behind."""
    workers = [
        start_worker(secured, "process", tmp_path, AUDITSTREAM_PROCESSOR__HMAC_KEY=TEST_HMAC_KEY),
        start_worker(
            secured,
            "sink",
            tmp_path,
            AUDITSTREAM_SINK__SIGNING_KEY=TEST_SIGNING_KEY,
            AUDITSTREAM_SINK__MAX_AGE_S="1.0",
        ),
    ]
    try:
        client = AuditClient(sdk_config(secured))
        for i in range(EVENTS):
            client.auth("login", tenant_id="acme", user_id=f"user-{i}")
        assert client.flush(30) == 0
        client.close()
        last: list[object] = []

        def archived() -> dict[str, Any] | None:
            dead = [w for w in workers if w.process.poll() is not None]
            assert not dead, "\n".join(f"--- {w.name}\n{w.log_tail()}" for w in dead)
            status = status_json(secured, monkeypatch)
            last[:] = [status]
            if status is None or status["archive"] is None:
                return None
            processor, sink = status["stages"]
            committed = {p["partition"]: p["committed"] for p in sink["partitions"]}
            heads = {h["partition"]: h["position_after"] for h in status["archive"]["heads"]}
            done = processor["lag"] == 0 and heads and all(committed[p] == heads[p] for p in heads)
            return status if done else None

        status = wait_until(
            archived,
            timeout_s=150,
            interval_s=2,
            what="the events archived and every stage committed",
            describe=lambda: f"last status: {last}",
        )
        processor, sink = status["stages"]
        assert (processor["topic"], sink["topic"]) == (RAW, "audit.events.redacted")
        assert sum(p["end_offset"] for p in processor["partitions"]) == EVENTS
        assert status["dlq_total"] == 0
        assert status["archive"]["unavailable"] is None
        assert status["archive"]["lock"] == "locked"
        # The redacted topic's end offsets count transaction markers too; the heads'
        # positions are where the sink committed, so every event is behind a head.
        assert sum(h["position_after"] for h in status["archive"]["heads"]) >= EVENTS
    finally:
        stop_workers(workers, timeout_s=30)


def test_the_sdk_principal_may_write_raw_but_is_denied_reading_it(secured: SecuredKafka) -> None:
    """Raw events hold personal data before redaction: the SDK's principal cannot read them
    back, not even what it wrote itself."""
    client = AuditClient(sdk_config(secured))
    client.auth("login", tenant_id="acme", user_id="reader")
    assert client.flush(30) == 0
    client.close()
    settings = sdk_config(secured).to_librdkafka()
    settings = {
        k: v for k, v in settings.items() if k.startswith(("bootstrap", "security", "sasl", "ssl"))
    }
    peek = Consumer({**settings, "group.id": "sdk-peek", "enable.auto.commit": False})
    try:
        # Explicit offsets: no group offsets are fetched, so only the topic's ACL is asked.
        peek.assign([TopicPartition(RAW, p, 0) for p in range(3)])
        errors: list[int] = []
        values: list[bytes | None] = []

        def denied() -> bool:
            message = peek.poll(1)
            if message is not None and message.error() is not None:
                errors.append(message.error().code())
            elif message is not None:
                values.append(message.value())
            return KafkaError.TOPIC_AUTHORIZATION_FAILED in errors

        wait_until(denied, timeout_s=30, interval_s=0, what="a topic authorization error")
        assert values == []
    finally:
        peek.close()
