"""The SDK's Kafka security settings: the workers' variables and librdkafka properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import confluent_kafka
import pytest
from pydantic import ValidationError

from auditstream.producer import ClientConfig, ConfigError
from auditstream.schemas.kafka_security import SECURITY_LIBRDKAFKA_KEYS
from auditstream.schemas.settings import KafkaSettings
from support.pki import Pki, make_pki

_SECURITY_KEYS = ("security.protocol", "ssl.", "sasl.")

CASES: dict[str, dict[str, Any]] = {
    "scram-sha-512 over sasl_ssl with mtls": {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": "auditstream-sdk",
        "sasl_password": "scram-secret",
        "ssl_cafile": "/etc/kafka/ca.pem",
        "ssl_certfile": "/etc/kafka/sdk.pem",
        "ssl_keyfile": "/etc/kafka/sdk.key",
        "ssl_key_password": "key-secret",
    },
    "oauthbearer oidc": {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "OAUTHBEARER",
        "sasl_oauthbearer_token_endpoint_url": "https://idp.example/token",
        "sasl_oauthbearer_client_id": "auditstream-sdk",
        "sasl_oauthbearer_client_secret": "oidc-secret",
        "sasl_oauthbearer_scope": "kafka",
    },
    "gssapi": {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "GSSAPI",
        "sasl_kerberos_service_name": "kafka-prod",
        "sasl_kerberos_principal": "svc/checkout@CORP.EXAMPLE",
        "sasl_kerberos_keytab": "/etc/krb5/checkout.keytab",
    },
    "mtls": {
        "security_protocol": "SSL",
        "ssl_certfile": "/etc/kafka/sdk.pem",
        "ssl_keyfile": "/etc/kafka/sdk.key",
    },
}


def _security(conf: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in conf.items() if k.startswith(_SECURITY_KEYS)}


class TestSecurityProperties:
    @pytest.mark.parametrize("values", CASES.values(), ids=list(CASES))
    def test_the_sdk_sends_what_the_workers_send(self, values: dict[str, Any]) -> None:
        """Same settings, same librdkafka security properties as the sink and topic check."""
        sdk = ClientConfig(service_name="svc", **values).to_librdkafka()
        workers = KafkaSettings(**values).to_librdkafka()
        assert _security(sdk) == _security(workers)
        assert set(values.values()) <= set(_security(sdk).values())  # nothing left out

    def test_secrets_stay_out_of_repr(self) -> None:
        config = ClientConfig(service_name="svc", **CASES["scram-sha-512 over sasl_ssl with mtls"])
        oidc = ClientConfig(service_name="svc", **CASES["oauthbearer oidc"])
        for secret in ("scram-secret", "key-secret"):
            assert secret not in repr(config)
        assert "oidc-secret" not in repr(oidc)

    def test_librdkafka_loads_the_client_certificate(self, tmp_path: Path) -> None:
        """A real Producer takes the mTLS properties (it loads and decrypts the key)."""
        pki: Pki = make_pki(tmp_path)
        config = ClientConfig(
            service_name="svc",
            bootstrap_servers="127.0.0.1:1",
            security_protocol="SSL",
            ssl_cafile=str(pki.ca),
            ssl_certfile=str(pki.client_cert),
            ssl_keyfile=str(pki.client_key),
            ssl_key_password=pki.client_key_password,
        )
        confluent_kafka.Producer(config.to_librdkafka()).flush(0)


class TestOverridesOfSecurityKeys:
    """One list of librdkafka security keys, refused as overrides by the SDK and the workers."""

    @pytest.mark.parametrize("values", CASES.values(), ids=list(CASES))
    def test_every_security_key_the_settings_send_is_in_the_list(
        self, values: dict[str, Any]
    ) -> None:
        sent = _security(ClientConfig(service_name="svc", **values).to_librdkafka())
        assert set(sent) <= SECURITY_LIBRDKAFKA_KEYS

    @pytest.mark.parametrize("key", sorted(SECURITY_LIBRDKAFKA_KEYS))
    def test_the_sdk_refuses_the_key_as_an_override(self, key: str) -> None:
        with pytest.raises(ConfigError) as info:
            ClientConfig(service_name="svc", librdkafka_overrides={key: "x"})
        assert info.value.variable == "librdkafka_overrides"
        assert key in info.value.reason

    @pytest.mark.parametrize("key", sorted(SECURITY_LIBRDKAFKA_KEYS))
    def test_the_workers_refuse_the_key_as_an_override(self, key: str) -> None:
        with pytest.raises(ValidationError, match=key.replace(".", r"\.")):
            KafkaSettings(librdkafka_overrides={key: "x"})


class TestSecurityValidation:
    @pytest.mark.parametrize(
        ("values", "field", "reason"),
        [
            (
                {"security_protocol": "SASL_SSL", "sasl_mechanism": "OAUTHBEARER"},
                "sasl_oauthbearer_token_endpoint_url",
                "is required by sasl_mechanism=OAUTHBEARER",
            ),
            (
                {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256"},
                "sasl_username",
                "is required by sasl_mechanism=SCRAM-SHA-256",
            ),
            ({"sasl_mechanism": "PLAIN"}, "sasl_mechanism", "needs security_protocol"),
            (
                {"security_protocol": "SSL", "ssl_certfile": "/c.pem"},
                "ssl_keyfile",
                "is required for mutual TLS",
            ),
            ({"ssl_cafile": "/ca.pem"}, "ssl_cafile", "does not use TLS"),
        ],
    )
    def test_the_missing_field_is_named(
        self, values: dict[str, Any], field: str, reason: str
    ) -> None:
        with pytest.raises(ConfigError) as info:
            ClientConfig(service_name="svc", **values)
        assert info.value.variable == field
        assert reason in info.value.reason

    def test_gssapi_needs_only_the_mechanism(self) -> None:
        config = ClientConfig(
            service_name="svc", security_protocol="SASL_SSL", sasl_mechanism="GSSAPI"
        )
        assert config.to_librdkafka()["sasl.kerberos.service.name"] == "kafka"


class TestSecurityFromEnvironment:
    def test_oauthbearer_and_mtls_variables_are_read(self) -> None:
        env = {
            "AUDITSTREAM_PRODUCER__SERVICE_NAME": "checkout",
            "AUDITSTREAM_KAFKA__SECURITY_PROTOCOL": "sasl_ssl",
            "AUDITSTREAM_KAFKA__SASL_MECHANISM": "oauthbearer",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL": "https://idp/token",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_CLIENT_ID": "checkout",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_CLIENT_SECRET": "s3cret",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_SCOPE": "kafka",
            "AUDITSTREAM_KAFKA__SSL_CERTFILE": "/etc/kafka/c.pem",
            "AUDITSTREAM_KAFKA__SSL_KEYFILE": "/etc/kafka/c.key",
            "AUDITSTREAM_KAFKA__SSL_KEY_PASSWORD": "kp",
            "AUDITSTREAM_KAFKA__SASL_KERBEROS_SERVICE_NAME": "",
        }
        config = ClientConfig.from_env(environ=env)
        assert config.sasl_oauthbearer_client_secret == "s3cret"
        assert config.ssl_key_password == "kp"
        assert config.sasl_kerberos_service_name == "kafka"  # empty means unset
        assert _security(config.to_librdkafka())["sasl.oauthbearer.scope"] == "kafka"

    def test_a_missing_oidc_secret_names_its_variable(self) -> None:
        env = {
            "AUDITSTREAM_PRODUCER__SERVICE_NAME": "checkout",
            "AUDITSTREAM_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
            "AUDITSTREAM_KAFKA__SASL_MECHANISM": "OAUTHBEARER",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL": "https://idp/token",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_CLIENT_ID": "checkout",
        }
        with pytest.raises(ConfigError) as info:
            ClientConfig.from_env(environ=env)
        assert info.value.variable == "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_CLIENT_SECRET"


class TestTokenCallback:
    """OAUTHBEARER from a function (e.g. Amazon MSK IAM) instead of OIDC."""

    def test_a_function_becomes_librdkafkas_oauth_cb(self) -> None:
        def token() -> tuple[str, float]:
            return "tok", 2_000_000_000.0

        conf = ClientConfig(
            service_name="svc",
            security_protocol="SASL_SSL",
            sasl_mechanism="OAUTHBEARER",
            sasl_oauthbearer_token_callback=token,
        ).to_librdkafka()
        assert conf["sasl.mechanism"] == "OAUTHBEARER"
        assert "sasl.oauthbearer.method" not in conf
        assert conf["oauth_cb"]("") == ("tok", 2_000_000_000.0)

    def test_the_variable_names_an_import_path(self) -> None:
        from support import oidc

        env = {
            "AUDITSTREAM_PRODUCER__SERVICE_NAME": "checkout",
            "AUDITSTREAM_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
            "AUDITSTREAM_KAFKA__SASL_MECHANISM": "OAUTHBEARER",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_TOKEN_CALLBACK": oidc.CALLBACK_PATH,
        }
        conf = ClientConfig.from_env(environ=env).to_librdkafka()
        assert conf["oauth_cb"]("")[0] == oidc.CALLBACK_TOKEN

    def test_a_path_that_cannot_load_names_its_variable(self) -> None:
        env = {
            "AUDITSTREAM_PRODUCER__SERVICE_NAME": "checkout",
            "AUDITSTREAM_KAFKA__SECURITY_PROTOCOL": "SASL_SSL",
            "AUDITSTREAM_KAFKA__SASL_MECHANISM": "OAUTHBEARER",
            "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_TOKEN_CALLBACK": "no_such_module_xyz:token",
        }
        with pytest.raises(ConfigError) as info:
            ClientConfig.from_env(environ=env)
        assert info.value.variable == "AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_TOKEN_CALLBACK"
        assert "cannot be imported" in info.value.reason
