"""Chaos on a real broker: an emitting process SIGKILLed again and again loses no event.

A child process emits as fast as a busy service (a few hundred events a second) and
appends each id ``emit()`` returned to a file, one ``write`` per line, so the file holds
exactly the ids the service was promised. The test kills it with SIGKILL at random
moments, before, during and after an outage of its broker (the private one: the shared
stack is never stopped), and starts it again on the same spool directory each time.
At the end one more client on that directory replays what is left, and every promised
id must be in the topic. Duplicates are allowed (downstream drops them by event id);
first occurrences of one key must keep emission order.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from auditstream.producer import AuditClient, ClientConfig
from auditstream.schemas import AuditEventDeserializer, new_trace_id
from support.private_kafka import PrivateKafka
from support.wait import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

decode = AuditEventDeserializer()

# The whole test must end within three minutes; this leaves room for pytest's own
# fixture teardown (stopping the private broker) inside pytest-timeout's 180 s.
BUDGET_S = 150.0
KILLS_BROKER_UP_BEFORE = 2
KILLS_BROKER_DOWN = 3
KILLS_BROKER_UP_AFTER = 2
# A child lives 0.8-2.5 s: long enough to start (about 0.5 s of imports) and emit a few
# hundred events, short enough for seven lives within the budget.
LIFE_S = (0.8, 2.5)
KEYS = 8
READ_TIMEOUT_S = 30.0

CHILD = """
import os, sys, time
from auditstream.producer import AuditClient, ClientConfig, EventType
bootstrap, topic, spool, ids_path, generation, keys = sys.argv[1:7]
keys = keys.split(",")
client = AuditClient(ClientConfig(service_name="chaos", bootstrap_servers=bootstrap,
    topic=topic, spool_dir=spool, prometheus=False))
ids = os.open(ids_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
seq = 0
while True:
    event_id = client.emit(EventType.OTHER, "chaos", trace_id=keys[seq % len(keys)],
        attributes={"generation": generation, "seq": str(seq)})
    # One write per id, after emit() returned: a SIGKILL cannot tear a write, and the
    # page cache keeps the line when the process dies.
    os.write(ids, f"{event_id}\\n".encode())
    seq += 1
    time.sleep(0.002)
"""


class _Broker:
    """Stops and starts the private broker on a thread, recording when each step ended."""

    def __init__(self, kafka: PrivateKafka) -> None:
        self.kafka = kafka
        self.stopped = threading.Event()
        self.started = threading.Event()
        self.failures: list[BaseException] = []
        self._thread: threading.Thread | None = None

    def stop(self) -> None:
        self._run(self.kafka.stop, self.stopped)

    def start(self) -> None:
        self._run(self.kafka.start, self.started)

    def _run(self, step: Callable[[], None], done: threading.Event) -> None:
        def body() -> None:
            try:
                step()
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                self.failures.append(exc)
            done.set()

        self._thread = threading.Thread(target=body)
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)


def _promised(ids_path: Path) -> list[str]:
    """The ids the children's emit() calls returned (whole lines only)."""
    text = ids_path.read_text() if ids_path.exists() else ""
    lines = text.split("\n")
    return [line for line in lines[:-1] if line]  # the part after the last newline is torn


def _read_until(
    bootstrap: str, topic: str, wanted: set[str], timeout_s: float
) -> list[dict[str, Any]]:
    """Read the topic from the start until every wanted id was seen, or the timeout."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"chaos-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    events: list[dict[str, Any]] = []
    missing = set(wanted)
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
        deadline = time.monotonic() + timeout_s
        while missing and time.monotonic() < deadline:
            for message in consumer.consume(1000, 0.5):
                if message.error() is None:
                    event = decode(message.value() or b"")
                    missing.discard(event["event_id"])
                    events.append(event)
        # Drain what else is there now, so duplicates and order are judged on all of it.
        while batch := consumer.consume(1000, 1.0):
            events += [decode(m.value() or b"") for m in batch if m.error() is None]
    finally:
        consumer.close()
    return events


class TestSigkillChaos:
    def test_no_id_emit_returned_is_lost_over_repeated_sigkills_and_a_broker_outage(
        self, private_kafka: PrivateKafka, tmp_path: Path, record_property: pytest.RecordProperty
    ) -> None:
        """Seven SIGKILLs (three during the outage), restarts on one spool: 0 missing ids."""
        started = time.monotonic()
        deadline = started + BUDGET_S
        seed = int(os.environ.get("AUDITSTREAM_CHAOS_SEED", str(time.time_ns() % 100_000)))
        rng = random.Random(seed)
        print(f"\nchaos seed {seed} (set AUDITSTREAM_CHAOS_SEED to replay this schedule)")
        topic = private_kafka.create_topic()
        spool, ids_path = tmp_path / "spool", tmp_path / "ids.txt"
        keys = ",".join(new_trace_id() for _ in range(KEYS))
        broker = _Broker(private_kafka)
        timeline: list[str] = []

        def life(generation: int, phase: str) -> None:
            """Run one child for a random while, then SIGKILL it."""
            if time.monotonic() > deadline:
                pytest.fail(f"chaos budget of {BUDGET_S:.0f}s spent before kill {generation}")
            before = len(_promised(ids_path))
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    private_kafka.bootstrap_servers,
                    topic,
                    str(spool),
                    str(ids_path),
                    str(generation),
                    keys,
                ]
            )
            try:
                time.sleep(rng.uniform(*LIFE_S))  # the random moment of the kill
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait(30)
            assert child.returncode == -signal.SIGKILL, "the child died before it was killed"
            emitted = len(_promised(ids_path)) - before
            timeline.append(
                f"{time.monotonic() - started:.1f}s kill {generation} ({phase}, {emitted} ids)"
            )

        generation = 0
        for _ in range(KILLS_BROKER_UP_BEFORE):
            generation += 1
            life(generation, "broker up")
        broker.stop()
        broker.stopped.wait(max(1.0, deadline - time.monotonic()))
        timeline.append(f"{time.monotonic() - started:.1f}s broker stopped")
        for _ in range(KILLS_BROKER_DOWN):
            generation += 1
            life(generation, "broker down")
        broker.start()
        generation += 1
        life(generation, "broker starting")
        broker.started.wait(max(1.0, deadline - time.monotonic()))
        timeline.append(f"{time.monotonic() - started:.1f}s broker started")
        for _ in range(KILLS_BROKER_UP_AFTER - 1):
            generation += 1
            life(generation, "broker up")
        broker.join(30)
        assert not broker.failures, broker.failures
        assert broker.started.is_set(), "the private broker did not come back within the budget"

        # The last process on the spool directory: it replays whatever the killed ones left.
        client = AuditClient(
            ClientConfig(
                service_name="chaos",
                bootstrap_servers=private_kafka.bootstrap_servers,
                topic=topic,
                spool_dir=str(spool),
                prometheus=False,
            )
        )
        recovered = client.stats().recovered
        wait_until(
            lambda: client.stats().pending == 0,
            timeout_s=max(5.0, deadline - time.monotonic()),
            what="the survivors' spool replayed",
            describe=lambda: repr(client.stats()),
        )
        assert client.close(10) == 0
        promised = _promised(ids_path)
        events = _read_until(
            private_kafka.bootstrap_servers,
            topic,
            set(promised),
            # Everything the last client delivered is in the topic already: a long wait
            # here would only wait for ids that are lost.
            timeout_s=READ_TIMEOUT_S,
        )
        arrived = {event["event_id"] for event in events}
        missing = [event_id for event_id in promised if event_id not in arrived]
        print("\n" + "\n".join(timeline))
        print(
            f"kills {generation}, ids promised {len(promised)}, messages {len(events)}, "
            f"unique {len(arrived)}, duplicates {len(events) - len(arrived)}, "
            f"recovered by the last client {recovered}, missing {len(missing)}"
        )
        record_property("kills", generation)
        record_property("promised", len(promised))
        record_property("duplicates", len(events) - len(arrived))
        assert generation >= 5
        assert len(promised) > 0
        assert missing == [], f"{len(missing)} ids emit() returned are not in the topic"

        # Per key, first occurrences in emission order: (generation, seq) only grows.
        seen: set[str] = set()
        order: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for event in events:
            if event["event_id"] in seen:
                continue
            seen.add(event["event_id"])
            attributes = event["attributes"]
            order[event["trace"]["trace_id"]].append(
                (int(attributes["generation"]), int(attributes["seq"]))
            )
        for key, positions in order.items():
            assert positions == sorted(positions), f"key {key} out of emission order"
