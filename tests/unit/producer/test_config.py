"""ClientConfig: defaults, the environment, and errors that name the offending variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditstream.producer import ClientConfig, ConfigError, ContentPolicy

KEY = b"0123456789abcdef0123456789abcdef"


class TestClientConfig:
    def test_defaults_point_at_the_local_stack(self) -> None:
        """Only the service name is required; broker and topic default to the local stack."""
        config = ClientConfig(service_name="svc")
        assert config.bootstrap_servers == "127.0.0.1:19092"
        assert config.topic == "audit.events.raw"
        assert config.content_policy is ContentPolicy.FULL
        assert config.linger_ms == 20
        assert config.to_librdkafka()["linger.ms"] == "20"
        assert config.tenant_id is None
        assert config.host

    def test_positional_arguments_are_refused(self) -> None:
        """Every field is keyword-only."""
        with pytest.raises(TypeError):
            ClientConfig("svc")  # type: ignore[call-arg]

    def test_config_is_frozen(self) -> None:
        """A config cannot change after construction, overrides included."""
        config = ClientConfig(service_name="svc", librdkafka_overrides={"socket.timeout.ms": "1"})
        with pytest.raises(AttributeError):
            config.topic = "other"  # type: ignore[misc]
        with pytest.raises(TypeError):
            config.librdkafka_overrides["x"] = "y"  # type: ignore[index]

    def test_policy_given_as_string_becomes_the_enum(self) -> None:
        """content_policy="hash_only" is stored as ContentPolicy.HASH_ONLY."""
        config = ClientConfig(service_name="svc", content_policy="hash_only", hash_key=KEY)  # type: ignore[arg-type]
        assert config.content_policy is ContentPolicy.HASH_ONLY

    def test_repr_hides_the_hash_key_and_sasl_password(self) -> None:
        """Secrets never reach repr (and so never reach logs that print the config)."""
        config = ClientConfig(
            service_name="svc",
            hash_key=KEY,
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="sdk",
            sasl_password="hunter2-password",
        )
        assert KEY.decode() not in repr(config)
        assert "hunter2-password" not in repr(config)

    def test_librdkafka_properties_fix_the_delivery_guarantee(self) -> None:
        """Idempotence, acks=all, zstd, linger and a client id are always set."""
        conf = ClientConfig(service_name="svc", linger_ms=20).to_librdkafka()
        assert conf["enable.idempotence"] == "true"
        assert conf["acks"] == "all"
        assert conf["compression.type"] == "zstd"
        assert conf["linger.ms"] == "20"
        assert conf["client.id"] == "auditstream-producer-svc"
        assert conf["bootstrap.servers"] == "127.0.0.1:19092"

    def test_overrides_are_passed_through(self) -> None:
        """An untyped librdkafka setting reaches the producer's properties."""
        config = ClientConfig(service_name="svc", librdkafka_overrides={"message.timeout.ms": "9"})
        assert config.to_librdkafka()["message.timeout.ms"] == "9"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"service_name": ""}, "service_name"),
            ({"service_name": "svc", "bootstrap_servers": " "}, "bootstrap_servers"),
            ({"service_name": "svc", "topic": "has space"}, "topic"),
            ({"service_name": "svc", "content_policy": "redact"}, "content_policy"),
            ({"service_name": "svc", "content_policy": ContentPolicy.HASH_ONLY}, "hash_key"),
            ({"service_name": "svc", "hash_key": b"short"}, "hash_key"),
            ({"service_name": "svc", "hash_key": "0123456789abcdef!"}, "hash_key"),
            ({"service_name": "svc", "linger_ms": -1}, "linger_ms"),
            ({"service_name": "svc", "linger_ms": True}, "linger_ms"),
            ({"service_name": "svc", "security_protocol": "TLS"}, "security_protocol"),
            ({"service_name": "svc", "security_protocol": "SASL_SSL"}, "sasl_mechanism"),
            (
                {"service_name": "svc", "librdkafka_overrides": {"acks": "1"}},
                "librdkafka_overrides",
            ),
            (
                {"service_name": "svc", "librdkafka_overrides": {"linger.ms": "0"}},
                "librdkafka_overrides",
            ),
        ],
    )
    def test_invalid_value_names_the_field(self, kwargs: dict[str, object], field: str) -> None:
        """A bad constructor argument raises ConfigError naming that field."""
        with pytest.raises(ConfigError) as caught:
            ClientConfig(**kwargs)  # type: ignore[arg-type]
        assert caught.value.variable == field
        assert str(caught.value).startswith(f"{field}: ")


def _env(**variables: str) -> dict[str, str]:
    env = {"AUDITSTREAM_PRODUCER__SERVICE_NAME": "svc"}
    env.update(variables)
    return env


class TestFromEnv:
    def test_every_variable_is_read(self, tmp_path: Path) -> None:
        """Each documented variable lands in its field."""
        key_file = tmp_path / "hmac.key"
        key_file.write_bytes(KEY + b"\n")
        env = {
            "AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS": "k1:9092,k2:9092",
            "AUDITSTREAM_KAFKA__SECURITY_PROTOCOL": "sasl_ssl",
            "AUDITSTREAM_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
            "AUDITSTREAM_KAFKA__SASL_USERNAME": "sdk",
            "AUDITSTREAM_KAFKA__SASL_PASSWORD": "pw",
            "AUDITSTREAM_KAFKA__SSL_CAFILE": "/etc/ca.pem",
            "AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES": '{"message.timeout.ms": "60000"}',
            "AUDITSTREAM_TOPICS__RAW": "audit.raw.test",
            "AUDITSTREAM_PRODUCER__SERVICE_NAME": "checkout",
            "AUDITSTREAM_PRODUCER__SERVICE_VERSION": "1.4.2",
            "AUDITSTREAM_PRODUCER__ENVIRONMENT": "prod",
            "AUDITSTREAM_PRODUCER__HOST": "pod-7",
            "AUDITSTREAM_PRODUCER__TENANT_ID": "acme",
            "AUDITSTREAM_PRODUCER__CONTENT_POLICY": "HASH_ONLY",
            "AUDITSTREAM_PRODUCER__HASH_KEY_FILE": str(key_file),
            "AUDITSTREAM_PRODUCER__LINGER_MS": "50",
        }
        config = ClientConfig.from_env(environ=env)
        assert config == ClientConfig(
            bootstrap_servers="k1:9092,k2:9092",
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="sdk",
            sasl_password="pw",
            ssl_cafile="/etc/ca.pem",
            librdkafka_overrides={"message.timeout.ms": "60000"},
            topic="audit.raw.test",
            service_name="checkout",
            service_version="1.4.2",
            environment="prod",
            host="pod-7",
            tenant_id="acme",
            content_policy=ContentPolicy.HASH_ONLY,
            hash_key=KEY,
            linger_ms=50,
        )

    def test_os_environ_is_the_default_source(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without environ=, the process environment is read."""
        monkeypatch.setenv("AUDITSTREAM_PRODUCER__SERVICE_NAME", "from-os")
        assert ClientConfig.from_env().service_name == "from-os"

    def test_keyword_overrides_win_over_the_environment(self) -> None:
        """An override replaces the variable's value."""
        config = ClientConfig.from_env(environ=_env(AUDITSTREAM_TOPICS__RAW="a"), topic="b")
        assert config.topic == "b"

    def test_inline_hash_key_is_read_as_utf8(self) -> None:
        """AUDITSTREAM_PRODUCER__HASH_KEY is an alternative to the key file."""
        env = _env(AUDITSTREAM_PRODUCER__HASH_KEY=KEY.decode())
        assert ClientConfig.from_env(environ=env).hash_key == KEY

    def test_empty_optional_variable_counts_as_unset(self) -> None:
        """An empty TENANT_ID leaves the default, None."""
        env = _env(AUDITSTREAM_PRODUCER__TENANT_ID="")
        assert ClientConfig.from_env(environ=env).tenant_id is None

    @pytest.mark.parametrize("policy", list(ContentPolicy))
    def test_every_content_policy_is_accepted(self, policy: ContentPolicy) -> None:
        """Each ContentPolicy member can be chosen through the environment."""
        env = _env(
            AUDITSTREAM_PRODUCER__CONTENT_POLICY=policy.value,
            AUDITSTREAM_PRODUCER__HASH_KEY=KEY.decode(),
        )
        assert ClientConfig.from_env(environ=env).content_policy is policy

    @pytest.mark.parametrize(
        ("env", "variable"),
        [
            ({}, "AUDITSTREAM_PRODUCER__SERVICE_NAME"),
            (_env(AUDITSTREAM_PRODUCER__SERVICE_NAME=" "), "AUDITSTREAM_PRODUCER__SERVICE_NAME"),
            (
                _env(AUDITSTREAM_PRODUCER__CONTENT_POLICY="redact"),
                "AUDITSTREAM_PRODUCER__CONTENT_POLICY",
            ),
            (
                _env(AUDITSTREAM_PRODUCER__CONTENT_POLICY="hash_only"),
                "AUDITSTREAM_PRODUCER__HASH_KEY_FILE",
            ),
            (_env(AUDITSTREAM_PRODUCER__HASH_KEY="too-short"), "AUDITSTREAM_PRODUCER__HASH_KEY"),
            (
                _env(
                    AUDITSTREAM_PRODUCER__HASH_KEY="x" * 16,
                    AUDITSTREAM_PRODUCER__HASH_KEY_FILE="/k",
                ),
                "AUDITSTREAM_PRODUCER__HASH_KEY",
            ),
            (_env(AUDITSTREAM_PRODUCER__LINGER_MS="soon"), "AUDITSTREAM_PRODUCER__LINGER_MS"),
            (_env(AUDITSTREAM_PRODUCER__LINGER_MS="-5"), "AUDITSTREAM_PRODUCER__LINGER_MS"),
            (_env(AUDITSTREAM_PRODUCER__SERVICENAME="typo"), "AUDITSTREAM_PRODUCER__SERVICENAME"),
            (_env(AUDITSTREAM_TOPICS__RAW="bad topic!"), "AUDITSTREAM_TOPICS__RAW"),
            (_env(AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS=""), "AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"),
            (
                _env(AUDITSTREAM_KAFKA__SECURITY_PROTOCOL="TLS"),
                "AUDITSTREAM_KAFKA__SECURITY_PROTOCOL",
            ),
            (
                _env(AUDITSTREAM_KAFKA__SECURITY_PROTOCOL="SASL_SSL"),
                "AUDITSTREAM_KAFKA__SASL_MECHANISM",
            ),
            (
                _env(AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES="acks=1"),
                "AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES",
            ),
            (
                _env(AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES='{"retries": 5}'),
                "AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES",
            ),
            (
                _env(AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES='{"acks": "1"}'),
                "AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES",
            ),
        ],
    )
    def test_invalid_variable_is_named_in_the_error(
        self, env: dict[str, str], variable: str
    ) -> None:
        """The ConfigError's variable and message name the environment variable at fault."""
        with pytest.raises(ConfigError) as caught:
            ClientConfig.from_env(environ=env)
        assert caught.value.variable == variable
        assert str(caught.value).startswith(f"{variable}: ")

    def test_unreadable_key_file_is_named(self, tmp_path: Path) -> None:
        """A missing key file names HASH_KEY_FILE and the path."""
        missing = tmp_path / "absent.key"
        with pytest.raises(ConfigError) as caught:
            ClientConfig.from_env(environ=_env(AUDITSTREAM_PRODUCER__HASH_KEY_FILE=str(missing)))
        assert caught.value.variable == "AUDITSTREAM_PRODUCER__HASH_KEY_FILE"
        assert str(missing) in str(caught.value)

    def test_short_key_file_names_the_variable_but_not_the_key(self, tmp_path: Path) -> None:
        """A too-short key is reported by size; the key bytes never appear."""
        key_file = tmp_path / "short.key"
        key_file.write_bytes(b"tiny-secret")
        env = _env(AUDITSTREAM_PRODUCER__HASH_KEY_FILE=str(key_file))
        with pytest.raises(ConfigError) as caught:
            ClientConfig.from_env(environ=env)
        assert caught.value.variable == "AUDITSTREAM_PRODUCER__HASH_KEY_FILE"
        assert "tiny-secret" not in str(caught.value)
        assert "11" in str(caught.value)

    def test_unknown_override_is_named(self) -> None:
        """A keyword that is not a field raises ConfigError naming it."""
        with pytest.raises(ConfigError) as caught:
            ClientConfig.from_env(environ=_env(), topik="x")
        assert caught.value.variable == "topik"

    def test_invalid_override_names_the_field_not_a_variable(self) -> None:
        """A bad override is the caller's argument, so the field is named."""
        with pytest.raises(ConfigError) as caught:
            ClientConfig.from_env(environ=_env(), linger_ms=-1)
        assert caught.value.variable == "linger_ms"
