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
from typing import Any, Literal, TypeVar

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
from auditstream.schemas.profile import PROFILE_VARIABLE, profile_sections

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
_TYPED_LIBRDKAFKA_KEYS = frozenset(
    {
        "bootstrap.servers",
        "security.protocol",
        "sasl.mechanism",
        "sasl.mechanisms",
        "sasl.username",
        "sasl.password",
        "ssl.ca.location",
    }
)


class KafkaSettings(_Section):
    """How to reach the Kafka cluster.

    Attributes:
        bootstrap_servers: Comma-separated ``host:port`` list.
        security_protocol: Transport and authentication.
        sasl_mechanism: SASL mechanism, when the protocol uses SASL.
        sasl_username: SASL user.
        sasl_password: SASL password (masked in every print).
        ssl_cafile: CA bundle for TLS.
        librdkafka_overrides: Extra librdkafka properties for settings we do not type.
    """

    bootstrap_servers: str = DEFAULT_BOOTSTRAP_SERVERS
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    librdkafka_overrides: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> KafkaSettings:
        clashes = sorted(_TYPED_LIBRDKAFKA_KEYS & self.librdkafka_overrides.keys())
        if clashes:
            msg = (
                f"librdkafka_overrides sets {', '.join(clashes)}, which typed kafka settings "
                "already cover; set those through AUDITSTREAM_KAFKA__<FIELD> instead"
            )
            raise ValueError(msg)
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_mechanism and self.sasl_username and self.sasl_password
        ):
            msg = "SASL protocols need sasl_mechanism, sasl_username and sasl_password"
            raise ValueError(msg)
        return self

    def to_librdkafka(self) -> dict[str, str]:
        """Return these settings as librdkafka properties (the one place dotted keys live)."""
        conf = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_username:
            conf["sasl.username"] = self.sasl_username
        if self.sasl_password:
            conf["sasl.password"] = self.sasl_password.get_secret_value()
        if self.ssl_cafile:
            conf["ssl.ca.location"] = self.ssl_cafile
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
