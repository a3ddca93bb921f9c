"""The SDK and a schema registry: registered once at start, Confluent framing, never raising."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import auditstream.producer.registry as registry_module
from auditstream.producer import AuditClient, ClientConfig, ConfigError, SchemaRegistryConfig
from auditstream.schemas import AuditEventDeserializer
from auditstream.schemas.framing import CONFLUENT_MAGIC, SINGLE_OBJECT_MAGIC, read_frame
from auditstream.schemas.registry import RegistryLookup, registry_client, subject_name
from support.fake_producer import FakeProducer
from support.wait import wait_until


def config(tmp_path: Path, registry: SchemaRegistryConfig | None) -> ClientConfig:
    return ClientConfig(
        service_name="svc",
        topic="audit.raw.sr",
        spool_dir=str(tmp_path),
        prometheus=False,
        schema_registry=registry,
    )


@pytest.fixture
def registry() -> SchemaRegistryConfig:
    return SchemaRegistryConfig(url=f"mock://{uuid.uuid4().hex}")


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def framed_client(
    tmp_path: Path, registry: SchemaRegistryConfig, producer: FakeProducer
) -> Iterator[AuditClient]:
    client = AuditClient(config(tmp_path, registry), producer=producer)
    yield client
    client.close(0)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class TestFraming:
    def test_events_carry_the_id_registered_under_the_topic_value_subject(
        self, framed_client: AuditClient, registry: SchemaRegistryConfig, producer: FakeProducer
    ) -> None:
        """00 + the subject's id + the Avro body, decodable through the registry."""
        event_id = framed_client.emit("AUTH", "login", user_id="u-1")
        latest = registry_client(registry.connection()).get_latest_version(
            subject_name("audit.raw.sr")
        )
        [message] = producer.messages
        value = message.value()
        assert value[:1] == CONFLUENT_MAGIC
        assert read_frame(value).schema_ref == str(latest.schema_id)
        decode = AuditEventDeserializer(registry_lookup=RegistryLookup(registry.connection()))
        event = decode(value)
        assert event["event_id"] == event_id
        assert event["actor"]["user_id"] == "u-1"

    def test_the_body_is_the_same_bytes_as_the_single_object_framing(
        self, tmp_path: Path, framed_client: AuditClient, producer: FakeProducer
    ) -> None:
        """Only the header differs: the compiled writer encodes the body either way."""
        plain_producer = FakeProducer()
        plain = AuditClient(config(tmp_path / "plain", None), producer=plain_producer)
        try:
            fields = {"event_id": str(uuid.uuid4()), "timestamp_us": 1_700_000_000_000_000}
            framed_client.emit("AUTH", "login", trace_id="a" * 32, span_id="b" * 16, **fields)
            plain.emit("AUTH", "login", trace_id="a" * 32, span_id="b" * 16, **fields)
        finally:
            plain.close(0)
        framed, single = producer.messages[0].value(), plain_producer.messages[0].value()
        assert single[:2] == SINGLE_OBJECT_MAGIC
        assert framed[5:] == single[10:]

    def test_without_a_url_events_keep_the_single_object_framing(
        self, tmp_path: Path, producer: FakeProducer
    ) -> None:
        """No registry configured: nothing changes."""
        client = AuditClient(config(tmp_path, None), producer=producer)
        client.emit("AUTH", "login")
        client.close(0)
        assert producer.messages[0].value()[:2] == SINGLE_OBJECT_MAGIC

    def test_without_a_url_the_registry_client_is_never_imported(self, tmp_path: Path) -> None:
        """A client without a registry loads no confluent_kafka.schema_registry (nor httpx)."""
        code = (
            "import sys, json\n"
            "from auditstream.producer import AuditClient, ClientConfig\n"
            "from support.fake_producer import FakeProducer\n"
            f"c = AuditClient(ClientConfig(service_name='s', spool_dir={str(tmp_path)!r},"
            " prometheus=False), producer=FakeProducer())\n"
            "c.emit('AUTH', 'login'); c.close(0)\n"
            "print(json.dumps(sorted(m for m in sys.modules"
            " if m.startswith(('confluent_kafka.schema_registry', 'httpx', 'authlib')))))\n"
        )
        tests_dir = Path(__file__).resolve().parents[2]
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=tests_dir,
            env={"PYTHONPATH": str(tests_dir), "AUDITSTREAM_PROFILE": "none"},
        )
        assert json.loads(out.stdout.splitlines()[-1]) == []


class TestUnreachableRegistry:
    def test_start_does_not_raise_and_names_the_url_and_what_to_do(
        self, tmp_path: Path, producer: FakeProducer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Like a broker outage at start: the service starts, events flow, an error says why."""
        url = closed_port_url()
        with caplog.at_level(logging.ERROR, logger="auditstream.producer.client"):
            client = AuditClient(config(tmp_path, SchemaRegistryConfig(url=url)), producer=producer)
        try:
            client.emit("AUTH", "login")
        finally:
            client.close(0)
        [record] = [r for r in caplog.records if "schema registry" in r.getMessage()]
        assert url in record.getMessage()
        assert "AUDITSTREAM_SCHEMA_REGISTRY__URL" in record.getMessage()
        assert producer.messages[0].value()[:2] == SINGLE_OBJECT_MAGIC

    def test_framing_switches_once_a_background_retry_registers(
        self,
        tmp_path: Path,
        registry: SchemaRegistryConfig,
        producer: FakeProducer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The first attempt fails; the retry registers, and later events are framed."""
        real = registry_module.register_event_schema
        attempts: list[int] = []

        def flaky(connection: object, topic: str) -> int:
            attempts.append(1)
            if len(attempts) == 1:
                raise ConnectionError("registry not up yet")
            return real(connection, topic)  # type: ignore[arg-type]

        monkeypatch.setattr(registry_module, "register_event_schema", flaky)
        monkeypatch.setattr(registry_module, "MIN_RETRY_S", 0.05)
        client = AuditClient(config(tmp_path, registry), producer=producer)
        try:
            client.emit("AUTH", "before")
            registration = client._registration
            assert registration is not None
            wait_until(lambda: registration.registered, timeout_s=10, what="a retry to register")
            client.emit("AUTH", "after")
        finally:
            client.close(0)
        first, second = (m.value() for m in producer.messages)
        assert first[:2] == SINGLE_OBJECT_MAGIC
        assert second[:1] == CONFLUENT_MAGIC


class TestRegistryConfig:
    def test_the_environment_section_builds_the_registry_config(self) -> None:
        """AUDITSTREAM_SCHEMA_REGISTRY__* are the workers' variable names."""
        config = ClientConfig.from_env(
            environ={
                "AUDITSTREAM_PRODUCER__SERVICE_NAME": "svc",
                "AUDITSTREAM_SCHEMA_REGISTRY__URL": "https://sr:8081",
                "AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_USER": "u",
                "AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_PASSWORD": "pw",
                "AUDITSTREAM_SCHEMA_REGISTRY__SSL_CAFILE": "/ca.pem",
            }
        )
        assert config.schema_registry == SchemaRegistryConfig(
            url="https://sr:8081",
            basic_auth_user="u",
            basic_auth_password="pw",
            ssl_cafile="/ca.pem",
        )
        assert "pw" not in repr(config)

    def test_an_empty_url_means_no_registry(self) -> None:
        """Deployment templates render unused variables empty."""
        config = ClientConfig.from_env(
            environ={
                "AUDITSTREAM_PRODUCER__SERVICE_NAME": "svc",
                "AUDITSTREAM_SCHEMA_REGISTRY__URL": "",
            }
        )
        assert config.schema_registry is None

    @pytest.mark.parametrize(
        ("environ", "variable"),
        [
            (
                {"AUDITSTREAM_SCHEMA_REGISTRY__URLS": "http://sr"},
                "AUDITSTREAM_SCHEMA_REGISTRY__URLS",
            ),
            ({"AUDITSTREAM_SCHEMA_REGISTRY__URL": "sr:8081"}, "AUDITSTREAM_SCHEMA_REGISTRY__URL"),
            (
                {"AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_USER": "u"},
                "AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_USER",
            ),
            (
                {
                    "AUDITSTREAM_SCHEMA_REGISTRY__URL": "http://sr",
                    "AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_PASSWORD": "pw",
                },
                "AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_PASSWORD",
            ),
        ],
    )
    def test_bad_variables_are_named(self, environ: dict[str, str], variable: str) -> None:
        """Unknown, malformed and incomplete settings fail naming the variable, never the secret."""
        with pytest.raises(ConfigError) as caught:
            ClientConfig.from_env(environ={"AUDITSTREAM_PRODUCER__SERVICE_NAME": "svc", **environ})
        assert caught.value.variable == variable
        assert "pw" not in str(caught.value)
