"""The SDK's configuration: a frozen dataclass, checked by hand, readable from the environment.

The SDK stays light, so this module does what the workers' pydantic settings do without
pydantic: it reads the same variable names (``AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS``,
``AUDITSTREAM_TOPICS__RAW``, ``AUDITSTREAM_PRODUCER__*``), validates every value and names
the offending variable in a :class:`~auditstream.producer.errors.ConfigError`. It reads
``os.environ`` only inside :meth:`ClientConfig.from_env`, never at import.

librdkafka's dotted keys appear in one place only: :meth:`ClientConfig.to_librdkafka`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from auditstream.producer.errors import ConfigError

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
"""How the client talks to the brokers: plain or TLS, with or without SASL."""

SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
"""The SASL mechanism, when the security protocol uses SASL."""

DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:19092"
DEFAULT_TOPIC = "audit.events.raw"

# An HMAC key shorter than 128 bits can be guessed faster than the prompts it protects,
# which would defeat hash_only (short prompts would become brute-forceable again).
MIN_HASH_KEY_BYTES = 16

# librdkafka's own bounds for linger.ms.
MAX_LINGER_MS = 900_000

# Kafka's legal topic names: 1 to 249 of these characters.
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")

# librdkafka keys that typed fields set, or that the delivery promise fixes (idempotence,
# acks): an override may not set them a second time, or quietly weaken the promise.
_RESERVED_LIBRDKAFKA_KEYS = frozenset(
    {
        "bootstrap.servers",
        "metadata.broker.list",
        "client.id",
        "security.protocol",
        "sasl.mechanism",
        "sasl.mechanisms",
        "sasl.username",
        "sasl.password",
        "ssl.ca.location",
        "linger.ms",
        "queue.buffering.max.ms",
        "enable.idempotence",
        "acks",
        "request.required.acks",
    }
)


class ContentPolicy(StrEnum):
    """What the SDK sends of prompt and response text.

    The local secret scrub runs under both policies.
    """

    FULL = "full"
    """Text goes to the pipeline, which redacts personal data downstream."""

    HASH_ONLY = "hash_only"
    """Only keyed HMAC-SHA256 hashes of prompt and response leave the service."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, kw_only=True, slots=True)
class ClientConfig:
    """Settings of one :class:`~auditstream.producer.AuditClient`.

    Attributes:
        service_name: Name of the emitting service (``service.name`` of every event).
        bootstrap_servers: Comma-separated ``host:port`` list of Kafka brokers.
        topic: The raw audit topic.
        service_version: Version of the emitting service.
        environment: Deployment environment, e.g. ``prod``.
        host: Host name written into events; defaults to this machine's.
        tenant_id: Tenant of events that do not name one.
        content_policy: Whether prompt and response text leave the service.
        hash_key: HMAC-SHA256 key for prompt and response hashes; required by
            ``hash_only``. When set under ``full``, hashes are sent beside the text.
        linger_ms: How long librdkafka waits to batch messages.
        security_protocol: ``PLAINTEXT``, ``SSL``, ``SASL_PLAINTEXT`` or ``SASL_SSL``.
        sasl_mechanism: SASL mechanism for the SASL protocols.
        sasl_username: SASL user.
        sasl_password: SASL password (never printed).
        ssl_cafile: CA bundle for TLS.
        librdkafka_overrides: Extra librdkafka properties for settings not typed here.

    Raises:
        ConfigError: A value is invalid, naming the field.
    """

    service_name: str
    bootstrap_servers: str = DEFAULT_BOOTSTRAP_SERVERS
    topic: str = DEFAULT_TOPIC
    service_version: str | None = None
    environment: str | None = None
    host: str | None = field(default_factory=socket.gethostname)
    tenant_id: str | None = None
    content_policy: ContentPolicy = ContentPolicy.FULL
    hash_key: bytes | None = field(default=None, repr=False)
    linger_ms: int = 5
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    librdkafka_overrides: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        for name in ("service_name", "bootstrap_servers"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(name, "must be a non-empty string")
        if not isinstance(self.topic, str) or not _TOPIC_NAME.match(self.topic):
            raise ConfigError("topic", "must be a Kafka topic name: 1-249 of [A-Za-z0-9._-]")
        object.__setattr__(self, "content_policy", _policy(self.content_policy))
        self._check_hash_key()
        if (
            isinstance(self.linger_ms, bool)
            or not isinstance(self.linger_ms, int)
            or not 0 <= self.linger_ms <= MAX_LINGER_MS
        ):
            raise ConfigError("linger_ms", f"must be an integer from 0 to {MAX_LINGER_MS}")
        self._check_security()
        overrides = dict(self.librdkafka_overrides)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in overrides.items()):
            raise ConfigError("librdkafka_overrides", "keys and values must be strings")
        clashes = sorted(_RESERVED_LIBRDKAFKA_KEYS & overrides.keys())
        if clashes:
            raise ConfigError(
                "librdkafka_overrides",
                f"sets {', '.join(clashes)}, which typed settings or the delivery guarantee "
                "(idempotence, acks=all) already fix; use the typed setting instead",
            )
        object.__setattr__(self, "librdkafka_overrides", MappingProxyType(overrides))

    def _check_hash_key(self) -> None:
        if self.hash_key is not None:
            if not isinstance(self.hash_key, bytes):
                raise ConfigError("hash_key", "must be bytes")
            if len(self.hash_key) < MIN_HASH_KEY_BYTES:
                raise ConfigError(
                    "hash_key",
                    f"must be at least {MIN_HASH_KEY_BYTES} bytes "
                    f"(found {len(self.hash_key)}); a short key makes hashes guessable",
                )
        elif self.content_policy is ContentPolicy.HASH_ONLY:
            raise ConfigError("hash_key", "is required by content_policy=hash_only")

    def _check_security(self) -> None:
        if self.security_protocol not in get_args(SecurityProtocol):
            raise ConfigError(
                "security_protocol", f"must be one of {', '.join(get_args(SecurityProtocol))}"
            )
        if self.sasl_mechanism is not None and self.sasl_mechanism not in get_args(SaslMechanism):
            raise ConfigError(
                "sasl_mechanism", f"must be one of {', '.join(get_args(SaslMechanism))}"
            )
        if self.security_protocol.startswith("SASL"):
            for name in ("sasl_mechanism", "sasl_username", "sasl_password"):
                if not getattr(self, name):
                    raise ConfigError(name, f"is required by {self.security_protocol}")

    def to_librdkafka(self) -> dict[str, str]:
        """Return the producer's librdkafka properties (the one place dotted keys live).

        Idempotence and ``acks=all`` keep the delivery promise (no duplicates, no loss
        on leader change); zstd keeps repetitive prompts small on the wire.

        Returns:
            A new dict, overrides applied last.
        """
        conf = {
            "bootstrap.servers": self.bootstrap_servers,
            "client.id": f"auditstream-producer-{self.service_name}",
            "enable.idempotence": "true",
            "acks": "all",
            "compression.type": "zstd",
            "linger.ms": str(self.linger_ms),
            "security.protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_username:
            conf["sasl.username"] = self.sasl_username
        if self.sasl_password:
            conf["sasl.password"] = self.sasl_password
        if self.ssl_cafile:
            conf["ssl.ca.location"] = self.ssl_cafile
        conf.update(self.librdkafka_overrides)
        return conf

    @classmethod
    def from_env(
        cls, *, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ClientConfig:
        """Build a config from ``AUDITSTREAM_*`` variables, then apply keyword overrides.

        Variables: ``AUDITSTREAM_KAFKA__`` + ``BOOTSTRAP_SERVERS``, ``SECURITY_PROTOCOL``,
        ``SASL_MECHANISM``, ``SASL_USERNAME``, ``SASL_PASSWORD``, ``SSL_CAFILE``,
        ``LIBRDKAFKA_OVERRIDES`` (a JSON object of strings); ``AUDITSTREAM_TOPICS__RAW``;
        ``AUDITSTREAM_PRODUCER__`` + ``SERVICE_NAME``, ``SERVICE_VERSION``, ``ENVIRONMENT``,
        ``HOST``, ``TENANT_ID``, ``CONTENT_POLICY``, ``LINGER_MS``, and the HMAC key as
        ``HASH_KEY_FILE`` (the file's bytes, trailing CR/LF removed) or ``HASH_KEY`` (UTF-8).
        Empty optional variables count as unset. Unknown ``AUDITSTREAM_PRODUCER__``
        variables are rejected, so a typo does not pass silently.

        Args:
            environ: Where to read variables; defaults to ``os.environ``.
            **overrides: Field values that win over the environment.

        Returns:
            The validated config.

        Raises:
            ConfigError: A variable (or override) is missing, unknown or invalid; the
                error names it and never quotes a secret.
        """
        env = os.environ if environ is None else environ
        unknown = sorted(
            name for name in env if name.startswith(_PRODUCER) and name not in _KNOWN_PRODUCER
        )
        if unknown:
            raise ConfigError(unknown[0], f"unknown setting; known: {', '.join(_KNOWN_PRODUCER)}")
        field_names = {f.name for f in dataclasses.fields(cls)}
        for name in overrides:
            if name not in field_names:
                raise ConfigError(name, "is not a ClientConfig field")
        values: dict[str, Any] = {}
        # Which variable a field's error is reported under: the one that set it, else
        # the one that would have (so "hash_key is required" names HASH_KEY_FILE).
        source = {name: variable for name, variable, _ in _ENV_FIELDS}
        source["hash_key"] = f"{_PRODUCER}HASH_KEY_FILE"
        for name, variable, parse in _ENV_FIELDS:
            raw = env.get(variable)
            if raw is not None and (raw.strip() or name in _REQUIRED_TEXT):
                values[name] = parse(variable, raw)
        key_variable, key = _read_hash_key(env)
        if key_variable is not None:
            values["hash_key"] = key
            source["hash_key"] = key_variable
        for name in overrides:
            source.pop(name, None)
        values.update(overrides)
        if "service_name" not in values:
            raise ConfigError(
                f"{_PRODUCER}SERVICE_NAME", "is required: the name of the emitting service"
            )
        try:
            return cls(**values)
        except ConfigError as exc:
            from_variable = source.get(exc.variable)
            if from_variable is None:
                raise
            raise ConfigError(from_variable, exc.reason) from exc


_PRODUCER = "AUDITSTREAM_PRODUCER__"
_KAFKA = "AUDITSTREAM_KAFKA__"
_REQUIRED_TEXT = frozenset({"service_name", "bootstrap_servers", "topic"})


def _policy(value: object) -> ContentPolicy:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return ContentPolicy(value)
    allowed = ", ".join(p.value for p in ContentPolicy)
    raise ConfigError("content_policy", f"must be one of {allowed}")


def _text(variable: str, raw: str) -> str:
    return raw.strip()


def _secret(variable: str, raw: str) -> str:
    return raw


def _upper(variable: str, raw: str) -> str:
    return raw.strip().upper()


def _integer(variable: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(variable, f"must be an integer, found {raw.strip()!r}") from None


def _content_policy(variable: str, raw: str) -> ContentPolicy:
    try:
        return _policy(raw.strip().lower())
    except ConfigError as exc:
        raise ConfigError(variable, f"{exc.reason}, found {raw.strip()!r}") from None


def _json_strings(variable: str, raw: str) -> dict[str, str]:
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(variable, f"must be a JSON object: {exc.msg}") from None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise ConfigError(variable, 'must be a JSON object of strings, e.g. {"acks.x": "1"}')
    return parsed


_ENV_FIELDS: tuple[tuple[str, str, Callable[[str, str], Any]], ...] = (
    ("bootstrap_servers", f"{_KAFKA}BOOTSTRAP_SERVERS", _text),
    ("security_protocol", f"{_KAFKA}SECURITY_PROTOCOL", _upper),
    ("sasl_mechanism", f"{_KAFKA}SASL_MECHANISM", _upper),
    ("sasl_username", f"{_KAFKA}SASL_USERNAME", _text),
    ("sasl_password", f"{_KAFKA}SASL_PASSWORD", _secret),
    ("ssl_cafile", f"{_KAFKA}SSL_CAFILE", _text),
    ("librdkafka_overrides", f"{_KAFKA}LIBRDKAFKA_OVERRIDES", _json_strings),
    ("topic", "AUDITSTREAM_TOPICS__RAW", _text),
    ("service_name", f"{_PRODUCER}SERVICE_NAME", _text),
    ("service_version", f"{_PRODUCER}SERVICE_VERSION", _text),
    ("environment", f"{_PRODUCER}ENVIRONMENT", _text),
    ("host", f"{_PRODUCER}HOST", _text),
    ("tenant_id", f"{_PRODUCER}TENANT_ID", _text),
    ("content_policy", f"{_PRODUCER}CONTENT_POLICY", _content_policy),
    ("linger_ms", f"{_PRODUCER}LINGER_MS", _integer),
)

_KNOWN_PRODUCER = tuple(
    sorted(
        [v for _, v, _ in _ENV_FIELDS if v.startswith(_PRODUCER)]
        + [f"{_PRODUCER}HASH_KEY", f"{_PRODUCER}HASH_KEY_FILE"]
    )
)


def _read_hash_key(env: Mapping[str, str]) -> tuple[str | None, bytes | None]:
    file_variable, inline_variable = f"{_PRODUCER}HASH_KEY_FILE", f"{_PRODUCER}HASH_KEY"
    path = (env.get(file_variable) or "").strip()
    inline = env.get(inline_variable) or ""
    if path and inline:
        raise ConfigError(inline_variable, f"set either it or {file_variable}, not both")
    if inline:
        return inline_variable, inline.encode()
    if not path:
        return None, None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            file_variable, f"cannot read the key file {path!r}: {exc.strerror or exc}"
        ) from exc
    return file_variable, data.rstrip(b"\r\n")
