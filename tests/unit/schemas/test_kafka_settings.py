"""The shared Kafka security settings: what librdkafka gets (sink, topic check) and the errors.

librdkafka checks its properties when a client is constructed (unknown keys, unreadable
certificates, wrong key passwords), so the mapping is also handed to a real
``confluent_kafka.Producer``; nothing connects to a broker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import confluent_kafka
import pytest
from pydantic import ValidationError

from auditstream.schemas.settings import KafkaSettings
from support.oidc import TokenEndpoint
from support.pki import Pki, make_pki


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    server = TokenEndpoint()
    yield server
    server.close()


def _librdkafka_accepts(conf: dict[str, str]) -> None:
    """Construct (and drop) a producer: librdkafka rejects bad keys and files here."""
    producer = confluent_kafka.Producer({**conf, "bootstrap.servers": "127.0.0.1:1"})
    producer.flush(0)


class TestToLibrdkafka:
    def test_scram_sha_512_over_sasl_ssl_with_mtls(self, pki: Pki) -> None:
        """SCRAM credentials, the CA and the client certificate, key and key password."""
        kafka = KafkaSettings(
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="auditstream-sink",
            sasl_password="scram-secret",
            ssl_cafile=str(pki.ca),
            ssl_certfile=str(pki.client_cert),
            ssl_keyfile=str(pki.client_key),
            ssl_key_password=pki.client_key_password,
        )
        conf = kafka.to_librdkafka()
        assert conf == {
            "bootstrap.servers": "127.0.0.1:19092",
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": "auditstream-sink",
            "sasl.password": "scram-secret",
            "ssl.ca.location": str(pki.ca),
            "ssl.certificate.location": str(pki.client_cert),
            "ssl.key.location": str(pki.client_key),
            "ssl.key.password": pki.client_key_password,
        }
        _librdkafka_accepts(conf)

    def test_a_wrong_key_password_is_refused_by_librdkafka(self, pki: Pki) -> None:
        """The same files with a wrong password fail at construction (so at start)."""
        kafka = KafkaSettings(
            security_protocol="SSL",
            ssl_cafile=str(pki.ca),
            ssl_certfile=str(pki.client_cert),
            ssl_keyfile=str(pki.client_key),
            ssl_key_password="not-the-password",
        )
        with pytest.raises(confluent_kafka.KafkaException):
            _librdkafka_accepts(kafka.to_librdkafka())

    def test_oauthbearer_uses_librdkafkas_oidc_client(self) -> None:
        kafka = KafkaSettings(
            security_protocol="SASL_SSL",
            sasl_mechanism="OAUTHBEARER",
            sasl_oauthbearer_token_endpoint_url="https://idp.example/realms/a/token",
            sasl_oauthbearer_client_id="auditstream-sdk",
            sasl_oauthbearer_client_secret="oidc-secret",
            sasl_oauthbearer_scope="kafka",
        )
        assert kafka.to_librdkafka() == {
            "bootstrap.servers": "127.0.0.1:19092",
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "OAUTHBEARER",
            "sasl.oauthbearer.method": "oidc",
            "sasl.oauthbearer.token.endpoint.url": "https://idp.example/realms/a/token",
            "sasl.oauthbearer.client.id": "auditstream-sdk",
            "sasl.oauthbearer.client.secret": "oidc-secret",
            "sasl.oauthbearer.scope": "kafka",
        }

    def test_librdkafka_fetches_the_token_as_the_processors_provider_does(
        self, endpoint: TokenEndpoint
    ) -> None:
        """librdkafka posts the same grant with the same Basic credentials to the endpoint."""
        kafka = KafkaSettings(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="OAUTHBEARER",
            sasl_oauthbearer_token_endpoint_url=endpoint.url,
            sasl_oauthbearer_client_id="auditstream-sdk",
            sasl_oauthbearer_client_secret="oidc-secret",
            sasl_oauthbearer_scope="kafka",
        )
        producer = confluent_kafka.Producer(
            {**kafka.to_librdkafka(), "bootstrap.servers": "127.0.0.1:1", "log_level": "0"}
        )
        deadline = time.monotonic() + 10
        while not endpoint.requests and time.monotonic() < deadline:
            producer.poll(0.1)
        assert endpoint.requests[0] == {
            "path": "/realms/audit/token",
            "form": {"grant_type": "client_credentials", "scope": "kafka"},
            "basic": "auditstream-sdk:oidc-secret",
        }

    def test_gssapi_passes_service_principal_and_keytab(self) -> None:
        kafka = KafkaSettings(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="GSSAPI",
            sasl_kerberos_principal="auditstream/sink@CORP.EXAMPLE",
            sasl_kerberos_keytab="/etc/auditstream/sink.keytab",
        )
        assert kafka.to_librdkafka() == {
            "bootstrap.servers": "127.0.0.1:19092",
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "GSSAPI",
            "sasl.kerberos.service.name": "kafka",
            "sasl.kerberos.principal": "auditstream/sink@CORP.EXAMPLE",
            "sasl.kerberos.keytab": "/etc/auditstream/sink.keytab",
        }

    def test_plaintext_is_only_the_brokers(self) -> None:
        assert KafkaSettings().to_librdkafka() == {
            "bootstrap.servers": "127.0.0.1:19092",
            "security.protocol": "PLAINTEXT",
        }

    def test_an_override_of_a_typed_key_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"sasl\.oauthbearer\.client\.secret"):
            KafkaSettings(librdkafka_overrides={"sasl.oauthbearer.client.secret": "x"})


class TestValidation:
    """Each error says what is missing, in terms of the settings an operator sets."""

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ({"security_protocol": "SASL_SSL"}, "security_protocol=SASL_SSL needs sasl_mechanism"),
            (
                {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512"},
                "sasl_mechanism=SCRAM-SHA-512 needs sasl_username, sasl_password (not set)",
            ),
            (
                {
                    "security_protocol": "SASL_SSL",
                    "sasl_mechanism": "OAUTHBEARER",
                    "sasl_oauthbearer_token_endpoint_url": "https://idp.example/token",
                },
                "sasl_mechanism=OAUTHBEARER needs sasl_oauthbearer_client_id, "
                "sasl_oauthbearer_client_secret (not set)",
            ),
            (
                {"sasl_mechanism": "PLAIN"},
                "sasl_mechanism=PLAIN needs security_protocol SASL_SSL or SASL_PLAINTEXT",
            ),
            (
                {"security_protocol": "SSL", "ssl_certfile": "/c.pem"},
                "mutual TLS needs both ssl_certfile and ssl_keyfile; only ssl_certfile is set",
            ),
            (
                {"ssl_cafile": "/ca.pem"},
                "ssl_cafile set, but security_protocol=PLAINTEXT does not use TLS",
            ),
        ],
    )
    def test_what_is_missing_is_named(self, values: dict[str, Any], message: str) -> None:
        with pytest.raises(ValidationError) as info:
            KafkaSettings(**values)
        assert message in str(info.value)

    def test_gssapi_needs_nothing_more(self) -> None:
        """The ticket cache or KRB5_CLIENT_KTNAME can supply the identity."""
        kafka = KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="GSSAPI")
        assert kafka.sasl_kerberos_service_name == "kafka"

    @pytest.mark.parametrize("field", ["sasl_mechanism", "ssl_cafile", "ssl_certfile"])
    def test_empty_values_count_as_unset(self, field: str) -> None:
        """Deployment templates render unused variables empty."""
        assert getattr(KafkaSettings(**{field: ""}), field) is None

    def test_the_workers_error_names_the_section_and_never_a_secret(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A rule over the whole section does not print the section (it holds secrets)."""
        from auditstream.processor.errors import ProcessorConfigError
        from auditstream.processor.settings import load_processor_settings

        monkeypatch.setenv("AUDITSTREAM_PROFILE", "none")
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__HMAC_KEY", "k" * 32)
        monkeypatch.setenv("AUDITSTREAM_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
        monkeypatch.setenv("AUDITSTREAM_KAFKA__SASL_MECHANISM", "OAUTHBEARER")
        monkeypatch.setenv("AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_CLIENT_SECRET", "oidc-secret")
        with pytest.raises(ProcessorConfigError) as info:
            load_processor_settings()
        text = str(info.value)
        assert "AUDITSTREAM_KAFKA: sasl_mechanism=OAUTHBEARER needs " in text
        assert "sasl_oauthbearer_token_endpoint_url, sasl_oauthbearer_client_id" in text
        assert "oidc-secret" not in text


class TestTokenCallback:
    """OAUTHBEARER from the operator's function (e.g. Amazon MSK IAM) instead of OIDC."""

    def test_librdkafka_calls_the_function_for_its_token(self) -> None:
        """The setting becomes oauth_cb; a real Producer calls it when it needs a token."""
        from support import oidc

        kafka = KafkaSettings(
            security_protocol="SASL_SSL",
            sasl_mechanism="OAUTHBEARER",
            sasl_oauthbearer_token_callback=oidc.CALLBACK_PATH,
        )
        conf = kafka.to_librdkafka()
        assert "sasl.oauthbearer.method" not in conf
        token, expires_at = conf["oauth_cb"]("")
        assert token == oidc.CALLBACK_TOKEN
        assert expires_at > time.time() + 3000
        calls = len(oidc.callback_calls)
        producer = confluent_kafka.Producer(
            {**conf, "bootstrap.servers": "127.0.0.1:1", "log_level": "0"}
        )
        deadline = time.monotonic() + 10
        while len(oidc.callback_calls) == calls and time.monotonic() < deadline:
            producer.poll(0.1)
        assert len(oidc.callback_calls) > calls

    @pytest.mark.parametrize(
        ("path", "reason"),
        [
            ("no_colon", "is not an import path"),
            ("no_such_module_xyz:f", "cannot be imported"),
            ("support.oidc:missing", "has no attribute"),
            ("support.oidc:CALLBACK_TOKEN", "is not callable"),
        ],
    )
    def test_a_callback_that_cannot_load_is_named_at_start(self, path: str, reason: str) -> None:
        with pytest.raises(ValidationError) as info:
            KafkaSettings(
                security_protocol="SASL_SSL",
                sasl_mechanism="OAUTHBEARER",
                sasl_oauthbearer_token_callback=path,
            )
        assert "sasl_oauthbearer_token_callback" in str(info.value)
        assert reason in str(info.value)

    def test_without_callback_or_oidc_both_ways_are_named(self) -> None:
        with pytest.raises(ValidationError, match="or sasl_oauthbearer_token_callback"):
            KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="OAUTHBEARER")
