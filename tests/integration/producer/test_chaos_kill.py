"""Chaos on a real broker: an emitting process SIGKILLed again and again loses no event.

A child process (:class:`support.emitter.EmittingProcess`) emits as fast as a busy
service (a few hundred events a second) and appends each id ``emit()`` returned to a
file, one ``write`` per line, so the file holds exactly the ids the service was
promised. The test kills it with SIGKILL at random moments, before, during and after an
outage of its broker (the private one: the shared stack is never stopped), and starts
it again on the same spool directory each time.
At the end one more client on that directory replays what is left, and every promised
id must be in the topic. Duplicates are allowed (downstream drops them by event id);
first occurrences of one key must keep emission order.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from auditstream.schemas import AuditEventDeserializer, new_trace_id
from support.emitter import EmittingProcess, replay_spool
from support.private_kafka import PrivateKafka

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
# A busy service: the child sleeps 2 ms after each emit().
PAUSE_S = 0.002
READ_TIMEOUT_S = 30.0


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
        emitter = EmittingProcess(
            bootstrap_servers=private_kafka.bootstrap_servers,
            topic=topic,
            spool_dir=tmp_path / "spool",
            ids_path=tmp_path / "ids.txt",
            trace_prefix=new_trace_id()[:24],
            traces=KEYS,
            pause_s=PAUSE_S,
        )
        broker = _Broker(private_kafka)
        timeline: list[str] = []

        def life(phase: str) -> None:
            """Run one child for a random while, then SIGKILL it."""
            if time.monotonic() > deadline:
                pytest.fail(
                    f"chaos budget of {BUDGET_S:.0f}s spent before kill {emitter.generation + 1}"
                )
            before = len(emitter.promised())
            emitter.start()
            try:
                time.sleep(rng.uniform(*LIFE_S))  # the random moment of the kill
            finally:
                emitter.kill()
            emitted = len(emitter.promised()) - before
            at = time.monotonic() - started
            timeline.append(f"{at:.1f}s kill {emitter.generation} ({phase}, {emitted} ids)")

        for _ in range(KILLS_BROKER_UP_BEFORE):
            life("broker up")
        broker.stop()
        broker.stopped.wait(max(1.0, deadline - time.monotonic()))
        timeline.append(f"{time.monotonic() - started:.1f}s broker stopped")
        for _ in range(KILLS_BROKER_DOWN):
            life("broker down")
        broker.start()
        life("broker starting")
        broker.started.wait(max(1.0, deadline - time.monotonic()))
        timeline.append(f"{time.monotonic() - started:.1f}s broker started")
        for _ in range(KILLS_BROKER_UP_AFTER - 1):
            life("broker up")
        broker.join(30)
        assert not broker.failures, broker.failures
        assert broker.started.is_set(), "the private broker did not come back within the budget"

        # The last process on the spool directory: it replays whatever the killed ones left.
        recovered = replay_spool(
            private_kafka.bootstrap_servers,
            topic,
            emitter.spool_dir,
            timeout_s=max(5.0, deadline - time.monotonic()),
        )
        generation = emitter.generation
        promised = emitter.promised()
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
