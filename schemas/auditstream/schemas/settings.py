"""Settings sections shared by the worker roles and the CLI: Kafka, topics, S3, trust.

Each role's ``settings.py`` nests these in its own pydantic-settings class, so the
variables read ``AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS``, ``AUDITSTREAM_S3__BUCKET`` in
every role; :func:`describe_validation_error` words every role's settings errors the
same way. This module needs pydantic; the producer SDK never imports it (its
``ClientConfig`` reads the same names by hand).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from auditstream.schemas.errors import AuditstreamError
from auditstream.schemas.kafka_security import (
    SASL_REQUIRED,
    SECURITY_LIBRDKAFKA_KEYS,
    SaslMechanism,
    SecurityProtocol,
)
from auditstream.schemas.profile import PROFILE_VARIABLE, profile_sections
from auditstream.schemas.registry import URL_SCHEMES, RegistryConnection
from auditstream.schemas.token_callback import librdkafka_oauth_cb, load_token_callback

RoleSettings = TypeVar("RoleSettings", bound=BaseSettings)

DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:19092"
DEFAULT_S3_ENDPOINT = "http://127.0.0.1:19000"


def role_settings_config() -> SettingsConfigDict:
    """Return the pydantic-settings config every role's settings class uses."""
    return SettingsConfigDict(
        env_prefix="AUDITSTREAM_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# librdkafka keys that typed fields of KafkaSettings already set: an override may not
# set them a second time.
_TYPED_LIBRDKAFKA_KEYS = frozenset({"bootstrap.servers"}) | SECURITY_LIBRDKAFKA_KEYS


class KafkaSettings(_Section):
    """How to reach the Kafka cluster, and as whom: the same fields for every role.

    The SDK and the sink hand them to librdkafka (:meth:`to_librdkafka`); the processor
    turns them into Faust's ``broker_credentials`` (``auditstream.processor.kafka_auth``),
    which its consumer, transactional producers and changelog clients all use.

    Attributes:
        bootstrap_servers: Comma-separated ``host:port`` list.
        security_protocol: Transport and authentication.
        sasl_mechanism: SASL mechanism, when the protocol uses SASL.
        sasl_username: SASL user (PLAIN, SCRAM).
        sasl_password: SASL password (masked in every print).
        ssl_cafile: CA bundle for TLS; None trusts the system's CAs.
        ssl_certfile: Client certificate (PEM) for mutual TLS.
        ssl_keyfile: The client certificate's private key (PEM).
        ssl_key_password: Password of ``ssl_keyfile``, when it is encrypted.
        sasl_oauthbearer_token_endpoint_url: OIDC token endpoint (OAUTHBEARER): the
            client-credentials grant is posted there.
        sasl_oauthbearer_client_id: OIDC client id.
        sasl_oauthbearer_client_secret: OIDC client secret (masked in every print).
        sasl_oauthbearer_scope: Space-separated scopes to ask for; None asks for none.
        sasl_oauthbearer_token_callback: Instead of OIDC, ``package.module:function``
            returning ``(token, expires_at_epoch_s)`` (e.g. Amazon MSK IAM tokens);
            see :mod:`auditstream.schemas.token_callback`.
        sasl_kerberos_service_name: Kerberos service name of the brokers (GSSAPI).
        sasl_kerberos_domain_name: Kerberos host of the brokers, when it is not the
            bootstrap host (GSSAPI; the processor's aiokafka only).
        sasl_kerberos_principal: This client's principal (GSSAPI; librdkafka only).
        sasl_kerberos_keytab: Keytab of that principal (GSSAPI; librdkafka only; the
            processor reads ``KRB5_CLIENT_KTNAME`` or a ticket cache instead).
        librdkafka_overrides: Extra librdkafka properties for settings we do not type.
    """

    bootstrap_servers: str = DEFAULT_BOOTSTRAP_SERVERS
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_key_password: SecretStr | None = None
    sasl_oauthbearer_token_endpoint_url: str | None = None
    sasl_oauthbearer_client_id: str | None = None
    sasl_oauthbearer_client_secret: SecretStr | None = None
    sasl_oauthbearer_scope: str | None = None
    sasl_oauthbearer_token_callback: str | None = None
    sasl_kerberos_service_name: str = "kafka"
    sasl_kerberos_domain_name: str | None = None
    sasl_kerberos_principal: str | None = None
    sasl_kerberos_keytab: str | None = None
    librdkafka_overrides: dict[str, str] = Field(default_factory=dict)

    @field_validator(
        "sasl_mechanism",
        "ssl_cafile",
        "ssl_certfile",
        "ssl_keyfile",
        "sasl_oauthbearer_token_endpoint_url",
        "sasl_oauthbearer_scope",
        "sasl_oauthbearer_token_callback",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Deployment templates render unused variables as empty strings.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check(self) -> KafkaSettings:
        clashes = sorted(_TYPED_LIBRDKAFKA_KEYS & self.librdkafka_overrides.keys())
        if clashes:
            msg = (
                f"librdkafka_overrides sets {', '.join(clashes)}, which typed kafka settings "
                "already cover; set those through AUDITSTREAM_KAFKA__<FIELD> instead"
            )
            raise ValueError(msg)
        problems = [*self._sasl_problems(), *self._tls_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _sasl_problems(self) -> list[str]:
        if not self.security_protocol.startswith("SASL"):
            if self.sasl_mechanism is not None:
                return [
                    f"sasl_mechanism={self.sasl_mechanism} needs security_protocol "
                    f"SASL_SSL or SASL_PLAINTEXT, not {self.security_protocol}"
                ]
            return []
        if self.sasl_mechanism is None:
            return [
                f"security_protocol={self.security_protocol} needs sasl_mechanism "
                f"(one of {', '.join(get_args(SaslMechanism))})"
            ]
        if self.sasl_mechanism == "OAUTHBEARER":
            return self._oauthbearer_problems()
        missing = [name for name in SASL_REQUIRED[self.sasl_mechanism] if not getattr(self, name)]
        if missing:
            return [f"sasl_mechanism={self.sasl_mechanism} needs {', '.join(missing)} (not set)"]
        return []

    def _oauthbearer_problems(self) -> list[str]:
        if self.sasl_oauthbearer_token_callback:
            try:
                load_token_callback(self.sasl_oauthbearer_token_callback)
            except ValueError as exc:
                return [f"sasl_oauthbearer_token_callback {exc}"]
            return []
        missing = [name for name in SASL_REQUIRED["OAUTHBEARER"] if not getattr(self, name)]
        if missing:
            return [
                f"sasl_mechanism=OAUTHBEARER needs {', '.join(missing)} (not set), "
                "or sasl_oauthbearer_token_callback"
            ]
        return []

    def _tls_problems(self) -> list[str]:
        problems = []
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            problems.append(
                "mutual TLS needs both ssl_certfile and ssl_keyfile; only "
                f"{'ssl_certfile' if self.ssl_certfile else 'ssl_keyfile'} is set"
            )
        tls_fields = [
            name for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile") if getattr(self, name)
        ]
        if tls_fields and not self.uses_tls:
            problems.append(
                f"{', '.join(tls_fields)} set, but security_protocol={self.security_protocol} "
                "does not use TLS (use SSL or SASL_SSL)"
            )
        return problems

    @property
    def uses_tls(self) -> bool:
        """Whether the connection is TLS (``SSL`` or ``SASL_SSL``)."""
        return self.security_protocol in ("SSL", "SASL_SSL")

    def to_librdkafka(self) -> dict[str, Any]:
        """Return these settings as librdkafka properties (the one place dotted keys live).

        OAUTHBEARER uses librdkafka's own OIDC client-credentials support
        (``sasl.oauthbearer.method=oidc``), which fetches and refreshes the token itself,
        or, with a token callback, confluent-kafka's ``oauth_cb`` (a Python callable).
        """
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol,
        }
        optional: dict[str, str | SecretStr | None] = {
            "ssl.ca.location": self.ssl_cafile,
            "ssl.certificate.location": self.ssl_certfile,
            "ssl.key.location": self.ssl_keyfile,
            "ssl.key.password": self.ssl_key_password,
        }
        if self.security_protocol.startswith("SASL"):
            optional["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
            optional["sasl.username"] = self.sasl_username
            optional["sasl.password"] = self.sasl_password
        elif self.sasl_mechanism == "OAUTHBEARER" and self.sasl_oauthbearer_token_callback:
            callback = load_token_callback(self.sasl_oauthbearer_token_callback)
            conf["oauth_cb"] = librdkafka_oauth_cb(callback)
        elif self.sasl_mechanism == "OAUTHBEARER":
            optional.update(
                {
                    "sasl.oauthbearer.method": "oidc",
                    "sasl.oauthbearer.token.endpoint.url": (
                        self.sasl_oauthbearer_token_endpoint_url
                    ),
                    "sasl.oauthbearer.client.id": self.sasl_oauthbearer_client_id,
                    "sasl.oauthbearer.client.secret": self.sasl_oauthbearer_client_secret,
                    "sasl.oauthbearer.scope": self.sasl_oauthbearer_scope,
                }
            )
        elif self.sasl_mechanism == "GSSAPI":
            optional.update(
                {
                    "sasl.kerberos.service.name": self.sasl_kerberos_service_name,
                    "sasl.kerberos.principal": self.sasl_kerberos_principal,
                    "sasl.kerberos.keytab": self.sasl_kerberos_keytab,
                }
            )
        for key, value in optional.items():
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if text:
                conf[key] = text
        conf.update(self.librdkafka_overrides)
        return conf


class TopicSettings(_Section):
    """Names of the pipeline's topics.

    Attributes:
        raw: Events as services emit them (personal data inside).
        redacted: Events after redaction and enrichment.
        dlq: Raw bytes that failed decoding or validation, with reason headers.
    """

    raw: str = "audit.events.raw"
    redacted: str = "audit.events.redacted"
    dlq: str = "audit.events.dlq"


class S3Settings(_Section):
    """How to reach the archive bucket.

    Attributes:
        endpoint_url: S3 endpoint; None (or an empty value) means AWS itself.
        region: Signing region.
        access_key_id: Access key; None means the default credential chain.
        secret_access_key: Secret key (masked in every print).
        bucket: The archive bucket (Object Lock enabled).
        prefix: Key prefix inside the bucket, so several archives can share one bucket.
    """

    endpoint_url: str | None = DEFAULT_S3_ENDPOINT
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    bucket: str = Field(default="auditstream-archive", min_length=3, max_length=63)
    prefix: str = ""

    @field_validator("endpoint_url", mode="before")
    @classmethod
    def _empty_is_aws(cls, value: object) -> object:
        # AUDITSTREAM_S3__ENDPOINT_URL= is how a deployment template says "AWS itself"
        # (an unset variable would fall back to the local stack's default).
        return None if isinstance(value, str) and not value.strip() else value


class SchemaRegistrySettings(_Section):
    """An optional Confluent Schema Registry (``AUDITSTREAM_SCHEMA_REGISTRY__*``).

    Unset (the default), events use the contract's single-object framing and nothing
    talks to a registry. Set, the processor resolves Confluent-framed ids through it.

    Attributes:
        url: ``http(s)://host:port`` (several comma-separated), or ``mock://<name>`` for
            confluent-kafka's in-process registry (tests); None: no registry.
        basic_auth_user: HTTP basic-auth user.
        basic_auth_password: HTTP basic-auth password (masked in every print).
        ssl_cafile: CA bundle for an ``https://`` registry; None trusts the system's CAs.
    """

    url: str | None = None
    basic_auth_user: str | None = None
    basic_auth_password: SecretStr | None = None
    ssl_cafile: str | None = None

    @field_validator("url", "basic_auth_user", "ssl_cafile", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Deployment templates render unused variables as empty strings.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check(self) -> SchemaRegistrySettings:
        if self.url is not None:
            bad = [u for u in self.url.split(",") if not u.strip().startswith(URL_SCHEMES)]
            if bad:
                msg = f"url must start with one of {', '.join(URL_SCHEMES)}"
                raise ValueError(msg)
        elif self.basic_auth_user or self.ssl_cafile:
            raise ValueError("basic_auth_user or ssl_cafile set, but no url")
        if self.basic_auth_password is not None and not self.basic_auth_user:
            raise ValueError("basic_auth_password set without basic_auth_user")
        return self

    def connection(self) -> RegistryConnection | None:
        """Return the registry to use, or None when no URL is set."""
        if self.url is None:
            return None
        password = self.basic_auth_password
        return RegistryConnection(
            url=self.url.strip(),
            basic_auth_user=self.basic_auth_user,
            basic_auth_password=None if password is None else password.get_secret_value(),
            ssl_cafile=self.ssl_cafile,
        )


class TrustSettings(_Section):
    """Which signer keys the archive's signatures are checked against.

    Never the keys the bucket itself holds: whoever may write to the bucket could have put
    them there. The sink and every auditor command read these; ``audit keys export``
    prints the sink's public key in the form both fields take.

    Attributes:
        keyring_file: A file of one or more Ed25519 public keys, PEM, one after another.
        keys: The same PEM text in a variable (containers, CI secrets).
    """

    keyring_file: Path | None = None
    keys: str | None = None


# Field names that hold secrets or point at them: their values never reach an error message.
_SECRET_HINTS = ("secret", "password", "key_file", "signing_key", "hmac_key")


def describe_validation_error(exc: ValidationError) -> str:
    """Turn a settings ValidationError into one line naming variables, values and rules.

    Values of fields whose name suggests a secret are masked.

    Args:
        exc: The error pydantic raised for a role's settings class.

    Returns:
        ``AUDITSTREAM_SINK__RETENTION_DAYS='0': Input should be greater than 0; ...``
    """
    parts = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        variable = "AUDITSTREAM_" + "__".join(loc).upper()
        secret = any(hint in part.lower() for part in loc for hint in _SECRET_HINTS)
        # Inputs can be whole sections; 80 characters identify a value without flooding.
        shown = "'***'" if secret else repr(error.get("input"))[:80]
        if error["type"] == "missing":
            parts.append(f"{variable}: required, not set")
        elif error["type"] == "extra_forbidden":
            parts.append(f"{variable}: unknown setting (check the spelling)")
        elif isinstance(error.get("input"), Mapping):
            # A rule over a whole section: its input holds every field, secrets included.
            parts.append(f"{variable}: {error['msg'].removeprefix('Value error, ')}")
        else:
            parts.append(f"{variable}={shown}: {error['msg']}")
    return "; ".join(parts)


def build_role_settings(
    settings_class: type[RoleSettings],
    config_error: Callable[[str], AuditstreamError],
    overrides: Mapping[str, Any],
) -> RoleSettings:
    """Build a role's settings once, at its entry point: overrides, environment, profile.

    The profile (:mod:`auditstream.schemas.profile`) fills in only when the environment
    sets no settings variable at all; overrides are merged over it field by field.

    Args:
        settings_class: The role's pydantic-settings class.
        config_error: The role's settings error, built from a one-line description.
        overrides: Sections as dicts; merged into what the environment or profile sets.

    Returns:
        The validated, frozen settings.

    Raises:
        AuditstreamError: ``config_error``'s class, naming every wrong variable (secrets
            masked) instead of pydantic's multi-line report, and the profile when one
            was read.
    """
    path, sections = profile_sections(os.environ, frozenset(settings_class.model_fields))
    merged: dict[str, Any] = {**sections, **overrides}
    for name, section in sections.items():
        override = overrides.get(name)
        if isinstance(override, Mapping):
            merged[name] = {**section, **override}
    try:
        return settings_class(**merged)
    except ValidationError as exc:
        where = f" (values from the profile {path}; set {PROFILE_VARIABLE}=none to ignore it)"
        raise config_error(describe_validation_error(exc) + (where if path else "")) from exc
