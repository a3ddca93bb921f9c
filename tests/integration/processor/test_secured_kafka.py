"""The processor's Faust clients against a real SASL_SSL (SCRAM-SHA-512) broker with ACLs.

A private broker (:mod:`support.secured_kafka`: ``stack.sh --secured``) with a SASL_SSL
and an mTLS listener, and the ACLs stack.sh grants each principal: nothing reaches it in
plaintext, so a client that ignored the settings would fail. The clients
are the ones ``build_app`` makes Faust create (transactional producer, worker consumer);
the SDK's librdkafka producer writes the raw topic as its own principal.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from aiokafka import TopicPartition as AioTopicPartition
from aiokafka.errors import KafkaConnectionError
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)

from auditstream.processor.app import build_app
from auditstream.processor.settings import ProcessorSettings
from auditstream.producer import ClientConfig
from auditstream.schemas.settings import KafkaSettings
from support.secured_kafka import SecuredKafka, kafka_acls, start_secured_kafka

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredKafka]:
    running = start_secured_kafka(tmp_path_factory.mktemp("secured-kafka"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def topics(broker: SecuredKafka) -> dict[str, str]:
    """Fresh raw, redacted and DLQ topics, with stack.sh's per-principal ACLs on them."""
    tag = uuid.uuid4().hex[:8]
    names = {
        "raw": f"sec.{tag}.raw",
        "redacted": f"sec.{tag}.redacted",
        "dlq": f"sec.{tag}.dlq",
        "app_id": f"app-{tag}",
        "sink_group": f"sink-{tag}",
    }
    admin = broker.admin()
    for future in admin.create_topics(
        [NewTopic(names[name], 1, 1) for name in ("raw", "redacted", "dlq")]
    ).values():
        future.result(timeout=60)
    acls = kafka_acls()
    bindings = acls.role_acls(
        acls.Names(
            names["raw"], names["redacted"], names["dlq"], names["app_id"], names["sink_group"]
        )
    )
    # A group of its own, so the SDK's read below fails on the topic, not the group.
    peek = AclBinding(
        ResourceType.GROUP,
        f"{names['app_id']}-peek",
        ResourcePatternType.LITERAL,
        "User:sdk",
        "*",
        AclOperation.READ,
        AclPermissionType.ALLOW,
    )
    acls.create_acls(admin, [*bindings, peek])
    return names


def _sdk_write(broker: SecuredKafka, topic: str, value: bytes) -> None:
    config = ClientConfig(service_name="secured-test", topic=topic, **broker.kafka("sdk"))
    producer = Producer(config.to_librdkafka())
    producer.produce(topic, value, key=b"trace-1")
    assert producer.flush(30) == 0


def _settings(broker: SecuredKafka, names: dict[str, str], password: str | None = None) -> Any:
    return ProcessorSettings(
        kafka=broker.kafka("processor", password),
        topics={"raw": names["raw"], "redacted": names["redacted"]},
        processor={"hmac_key": "k" * 32, "app_id": names["app_id"]},
    )


def _processor_round_trip(
    broker: SecuredKafka, topics: dict[str, str], settings: Any, tmp_path: Path
) -> None:
    """Read raw with Faust's worker consumer, commit a transaction to the redacted topic
    with its transactional producer, and check the committed record as admin."""
    _sdk_write(broker, topics["raw"], b"raw-event")

    async def run() -> list[bytes]:
        with ThreadPoolExecutor(1) as executor:
            app = build_app(
                settings, MagicMock(), executor=executor, datadir=str(tmp_path), partitions=1
            )
            app.finalize()
            consumer = app.consumer._thread._create_worker_consumer(app.transport)
            await consumer.start()
            try:
                consumer.assign([AioTopicPartition(topics["raw"], 0)])
                await consumer.seek_to_beginning()
                records: list[bytes] = []
                deadline = time.monotonic() + 60  # a loaded 2-core host is slow to fetch
                while not records and time.monotonic() < deadline:
                    batches = await consumer.getmany(timeout_ms=2_000)
                    records += [r.value for batch in batches.values() for r in batch]
            finally:
                await consumer.stop()
            producer = app.producer._new_producer(transactional_id=f"{topics['app_id']}-0-0")
            await producer.start()
            try:
                await producer.begin_transaction()
                await producer.send_and_wait(topics["redacted"], b"redacted-event", key=b"k")
                await producer.commit_transaction()
            finally:
                await producer.stop()
            return records

    assert asyncio.run(asyncio.wait_for(run(), 150)) == [b"raw-event"]
    reader = Consumer(
        {
            **KafkaSettings(**broker.kafka("admin")).to_librdkafka(),
            "group.id": "admin-check",
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
        }
    )
    try:
        reader.assign([TopicPartition(topics["redacted"], 0, 0)])
        message = reader.poll(30)
        assert message is not None
        assert message.error() is None
        assert message.value() == b"redacted-event"
    finally:
        reader.close()


class TestProcessorOnSecuredKafka:
    def test_faust_clients_read_raw_and_commit_a_transaction_as_the_processor(
        self, broker: SecuredKafka, topics: dict[str, str], tmp_path: Path
    ) -> None:
        """The worker consumer reads what the SDK wrote; a transactional producer commits
        to the redacted topic; both authenticated by SCRAM over TLS as the processor."""
        _processor_round_trip(broker, topics, _settings(broker, topics), tmp_path)

    def test_the_same_over_mutual_tls(
        self, broker: SecuredKafka, topics: dict[str, str], tmp_path: Path
    ) -> None:
        """On the mTLS listener the client certificate (CN=processor) is the principal."""
        settings = ProcessorSettings(
            kafka=broker.mtls(),
            topics={"raw": topics["raw"], "redacted": topics["redacted"]},
            processor={"hmac_key": "k" * 32, "app_id": topics["app_id"]},
        )
        _processor_round_trip(broker, topics, settings, tmp_path)

    def test_tls_without_a_client_certificate_is_refused_on_the_mtls_listener(
        self, broker: SecuredKafka, topics: dict[str, str], tmp_path: Path
    ) -> None:
        kafka = {
            key: value
            for key, value in broker.mtls().items()
            if key not in ("ssl_certfile", "ssl_keyfile", "ssl_key_password")
        }
        settings = ProcessorSettings(
            kafka=kafka,
            topics={"raw": topics["raw"], "redacted": topics["redacted"]},
            processor={"hmac_key": "k" * 32, "app_id": topics["app_id"]},
        )

        async def run() -> None:
            with ThreadPoolExecutor(1) as executor:
                app = build_app(
                    settings, MagicMock(), executor=executor, datadir=str(tmp_path), partitions=1
                )
                app.finalize()
                producer = app.producer._new_producer()
                try:
                    await producer.start()
                finally:
                    await producer.stop()

        with pytest.raises(KafkaConnectionError):
            asyncio.run(asyncio.wait_for(run(), 60))

    def test_a_wrong_password_is_refused(
        self,
        broker: SecuredKafka,
        topics: dict[str, str],
        tmp_path: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """The same clients with a wrong SCRAM password never get in."""
        settings = _settings(broker, topics, password="not-the-password")

        async def run() -> None:
            with ThreadPoolExecutor(1) as executor:
                app = build_app(
                    settings, MagicMock(), executor=executor, datadir=str(tmp_path), partitions=1
                )
                app.finalize()
                producer = app.producer._new_producer()
                try:
                    await producer.start()
                finally:
                    await producer.stop()

        with pytest.raises(KafkaConnectionError):
            asyncio.run(asyncio.wait_for(run(), 60))
        assert "SaslAuthenticationFailed" in caplog.text


class TestSdkPrincipal:
    def test_the_sdk_may_write_the_raw_topic_but_not_read_it(
        self, broker: SecuredKafka, topics: dict[str, str]
    ) -> None:
        """Raw events hold personal data: the SDK's principal is denied reading them."""
        _sdk_write(broker, topics["raw"], b"raw-event")
        peek = Consumer(
            {
                **ClientConfig(service_name="peek", **broker.kafka("sdk")).to_librdkafka(),
                "group.id": f"{topics['app_id']}-peek",
                "enable.auto.commit": False,
            }
        )
        # The SDK's producer-only properties are harmless here; librdkafka warns and ignores.
        try:
            peek.assign([TopicPartition(topics["raw"], 0, 0)])
            errors, values = [], []
            deadline = time.monotonic() + 30
            while KafkaError.TOPIC_AUTHORIZATION_FAILED not in errors:
                assert time.monotonic() < deadline, errors
                message = peek.poll(1)
                if message is not None and message.error() is not None:
                    errors.append(message.error().code())
                elif message is not None:
                    values.append(message.value())
            assert values == []
        finally:
            peek.close()


class TestSinkOnSecuredKafka:
    def test_the_sinks_consumer_and_dlq_producer_work_as_the_sink(
        self, broker: SecuredKafka, topics: dict[str, str]
    ) -> None:
        """The sink's own librdkafka configurations (consumer_config, the DLQ producer's)
        read the redacted topic in its group and write the DLQ as the sink principal."""
        from auditstream.sink.settings import (
            SinkSettings,
            consumer_config,
            dead_letter_producer_config,
        )

        admin_producer = Producer(KafkaSettings(**broker.kafka("admin")).to_librdkafka())
        admin_producer.produce(topics["redacted"], b"redacted-event", key=b"k")
        assert admin_producer.flush(30) == 0
        settings = SinkSettings(
            kafka=broker.kafka("sink"),
            topics={"redacted": topics["redacted"], "dlq": topics["dlq"]},
            sink={"group_id": topics["sink_group"], "dev_generate_signing_key": True},
        )
        consumer = Consumer(consumer_config(settings))
        try:
            consumer.subscribe([topics["redacted"]])
            deadline, message = time.monotonic() + 60, None
            while message is None and time.monotonic() < deadline:
                message = consumer.poll(1)
            assert message is not None
            assert message.error() is None
            assert message.value() == b"redacted-event"
        finally:
            consumer.close()
        dlq = Producer(dead_letter_producer_config(settings))
        dlq.produce(topics["dlq"], b"dead-letter")
        assert dlq.flush(30) == 0
