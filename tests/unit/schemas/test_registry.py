"""Registry ids resolve through confluent-kafka's client; unknown and unreachable are told apart."""

from __future__ import annotations

import json
import socket
import uuid

import pytest
from confluent_kafka.schema_registry import Schema
from pydantic import ValidationError

from auditstream.schemas import (
    AuditEventDeserializer,
    AuditEventSerializer,
    DecodeError,
    SchemaRegistryUnavailableError,
    UnknownSchemaError,
    WireFormat,
)
from auditstream.schemas.catalog import current
from auditstream.schemas.registry import (
    OUTAGE_BACKOFF_S,
    RegistryConnection,
    RegistryLookup,
    register_event_schema,
    registry_client,
    subject_name,
)
from auditstream.schemas.settings import SchemaRegistrySettings, describe_validation_error
from support.events import make_event


def mock_registry() -> RegistryConnection:
    """A fresh in-process registry (its store lives in the one client per URL)."""
    return RegistryConnection(url=f"mock://{uuid.uuid4().hex}")


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens (connection refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class TestRegistryLookup:
    def test_a_registered_id_decodes_with_the_schema_the_registry_returns(self) -> None:
        """The SDK's registration and the processor's lookup meet in one registry."""
        connection = mock_registry()
        schema_id = register_event_schema(connection, "audit.raw")
        event = make_event()
        data = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=schema_id)(event)
        decode = AuditEventDeserializer(registry_lookup=RegistryLookup(connection))
        assert decode(data) == event

    def test_registering_twice_returns_the_same_id_under_the_topic_value_subject(self) -> None:
        """TopicNameStrategy: the subject is <topic>-value, and registration is idempotent."""
        connection = mock_registry()
        first = register_event_schema(connection, "audit.raw")
        assert register_event_schema(connection, "audit.raw") == first
        latest = registry_client(connection).get_latest_version(subject_name("audit.raw"))
        assert subject_name("audit.raw") == "audit.raw-value"
        assert latest.schema_id == first

    def test_an_id_the_registry_does_not_hold_is_an_unknown_schema_error(self) -> None:
        """Unknown ids are the codec's UnknownSchemaError (the DLQ reason), naming the id."""
        decode = AuditEventDeserializer(registry_lookup=RegistryLookup(mock_registry()))
        data = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=4242)(make_event())
        with pytest.raises(UnknownSchemaError, match="registry id 4242") as caught:
            decode(data)
        assert caught.value.size == len(data)

    def test_an_unreachable_registry_is_an_unavailable_error_naming_the_url(self) -> None:
        """No answer is not "unknown": the error names the registry and the id."""
        url = closed_port_url()
        decode = AuditEventDeserializer(registry_lookup=RegistryLookup(RegistryConnection(url)))
        data = AuditEventSerializer(WireFormat.CONFLUENT, schema_id=3)(make_event())
        with pytest.raises(SchemaRegistryUnavailableError) as caught:
            decode(data)
        assert caught.value.url == url
        assert caught.value.schema_id == 3
        assert url in str(caught.value)
        assert isinstance(caught.value, DecodeError)  # so the processor dead-letters it

    def test_after_a_failure_uncached_ids_fail_at_once_until_the_backoff_ends(self) -> None:
        """One timeout per outage window, not one per message of a batch."""
        now = [0.0]
        connection = RegistryConnection(closed_port_url())
        lookup = RegistryLookup(connection, clock=lambda: now[0])
        with pytest.raises(SchemaRegistryUnavailableError):
            lookup(1, 10)
        client = registry_client(connection)
        calls: list[int] = []
        original = client.get_schema

        def counted(schema_id: int, *args: object, **kwargs: object) -> object:
            calls.append(schema_id)
            return original(schema_id)

        client.get_schema = counted  # type: ignore[method-assign]
        try:
            with pytest.raises(SchemaRegistryUnavailableError, match="not retried"):
                lookup(2, 10)
            assert calls == []
            now[0] += OUTAGE_BACKOFF_S + 0.1
            with pytest.raises(SchemaRegistryUnavailableError):
                lookup(2, 10)
            assert calls == [2]
        finally:
            del client.get_schema

    def test_a_resolved_id_is_cached_and_survives_a_later_outage(self) -> None:
        """Ids never change meaning in a registry, so one answer serves the process."""
        connection = mock_registry()
        schema_id = register_event_schema(connection, "audit.raw")
        lookup = RegistryLookup(connection)
        assert lookup(schema_id, 10) is not None
        client = registry_client(connection)

        def down(*args: object, **kwargs: object) -> object:
            raise ConnectionError("registry down")

        client.get_schema = down  # type: ignore[method-assign]
        try:
            assert lookup(schema_id, 10) is not None
        finally:
            del client.get_schema

    def test_an_id_holding_a_non_avro_schema_is_a_decode_error(self) -> None:
        """A JSON Schema under an id cannot be the AuditEvent's writer schema."""
        connection = mock_registry()
        schema_id = registry_client(connection).register_schema(
            "other-value", Schema(json.dumps({"type": "object"}), "JSON")
        )
        with pytest.raises(DecodeError, match="JSON schema, not the Avro AuditEvent"):
            RegistryLookup(connection)(schema_id, 10)

    def test_the_registered_schema_is_the_current_avsc(self) -> None:
        """What the registry holds is the shipped schema's JSON, unchanged."""
        connection = mock_registry()
        schema_id = register_event_schema(connection, "audit.raw")
        held = registry_client(connection).get_schema(schema_id)
        assert json.loads(held.schema_str) == current().source


class TestRegistryConnection:
    def test_display_url_never_shows_credentials(self) -> None:
        """A URL with user:password@ is shown without them."""
        connection = RegistryConnection("https://u:secret@sr.example:8081,http://b:9/x")
        assert connection.display_url == "https://sr.example:8081,http://b:9/x"
        assert "secret" not in repr(RegistryConnection("http://h", "u", "secret"))

    def test_client_conf_carries_auth_and_ca(self) -> None:
        """Basic auth becomes user:password, the CA path ssl.ca.location."""
        conf = RegistryConnection("https://h", "u", "p", "/ca.pem").client_conf()
        assert conf["basic.auth.user.info"] == "u:p"
        assert conf["ssl.ca.location"] == "/ca.pem"


class TestSchemaRegistrySettings:
    def test_unset_means_no_registry(self) -> None:
        """The default section builds no connection."""
        assert SchemaRegistrySettings().connection() is None
        assert SchemaRegistrySettings(url="  ").connection() is None

    def test_a_set_url_builds_the_connection_with_the_secret_unmasked_only_there(self) -> None:
        """The password is a SecretStr in settings and plain only in the connection."""
        section = SchemaRegistrySettings(
            url="https://sr:8081", basic_auth_user="u", basic_auth_password="pw"
        )
        assert "pw" not in repr(section)
        assert section.connection() == RegistryConnection("https://sr:8081", "u", "pw")

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ({"url": "sr:8081"}, "url must start with"),
            ({"basic_auth_user": "u"}, "but no url"),
            ({"url": "http://sr", "basic_auth_password": "pw"}, "without basic_auth_user"),
        ],
    )
    def test_invalid_sections_are_refused_with_the_rule(
        self, values: dict[str, str], message: str
    ) -> None:
        """Each rule names what is wrong; the password never appears."""
        with pytest.raises(ValidationError) as caught:
            SchemaRegistrySettings(**values)
        described = describe_validation_error(caught.value)
        assert message in described
        assert "pw" not in described
