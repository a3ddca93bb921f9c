"""The SDK's configuration: a frozen dataclass, checked by hand, readable from the environment.

The SDK stays light, so this module does what the workers' pydantic settings do without
pydantic: it reads the same variable names (``AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS``,
``AUDITSTREAM_TOPICS__RAW``, ``AUDITSTREAM_PRODUCER__*``), validates every value and names
the offending variable in a :class:`~auditstream.producer.errors.ConfigError`. It reads
``os.environ`` only inside :meth:`ClientConfig.from_env`, never at import.

librdkafka's dotted keys appear in one place only: :meth:`ClientConfig.to_librdkafka`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args

from auditstream.producer.env import PRODUCER, read_environment
from auditstream.producer.errors import ConfigError
from auditstream.producer.policies import ContentPolicy, FsyncPolicy, ShedPolicy, member
from auditstream.producer.registry import SchemaRegistryConfig
from auditstream.schemas.kafka_security import (
    SASL_REQUIRED,
    SECURITY_LIBRDKAFKA_KEYS,
    SaslMechanism,
    SecurityProtocol,
)
from auditstream.schemas.token_callback import (
    TokenCallback,
    librdkafka_oauth_cb,
    load_token_callback,
)

__all__ = [
    "ClientConfig",
    "ContentPolicy",
    "FsyncPolicy",
    "SaslMechanism",
    "SchemaRegistryConfig",
    "SecurityProtocol",
    "ShedPolicy",
]


DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:19092"
DEFAULT_TOPIC = "audit.events.raw"

# An HMAC key shorter than 128 bits can be guessed faster than the prompts it protects,
# which would defeat hash_only (short prompts would become brute-forceable again).
MIN_HASH_KEY_BYTES = 16

# librdkafka's own bounds for linger.ms.
MAX_LINGER_MS = 900_000

# How long librdkafka gathers a partition's events into one batch. Every batch costs the
# service a wake-up of librdkafka's broker thread, a zstd context and a produce request
# whatever it holds, so small batches make each event dear: an agent turn (six events a
# few milliseconds apart) cost 35 to 60 us of CPU more per event at librdkafka's 5 ms
# than at 20 ms (benchmarks/README.md, bench_producer_langchain.py). Waiting longer buys
# no safety and loses none: an event is written ahead to the spool before emit()
# returns, so a crash resends it whatever the linger. What it costs is arrival time at
# the broker: an event waits at most 20 ms for its batch (15 ms more than at 5), small
# next to the processor's and the sink's batching (hundreds of milliseconds end to end);
# librdkafka sends a full batch at once, and close() and the spool's replay flush theirs.
# A service that needs events on the broker sooner sets linger_ms lower.
DEFAULT_LINGER_MS = 20

# 256 MiB holds about a quarter of a million typical events (~1 KiB each): tens of
# minutes of outage for a busy service, small next to a node's disk. Every event is
# written ahead into a segment, and a process killed before a segment was sealed and
# fully acknowledged leaves it whole for the next one to resend: 1 MiB (about a thousand
# events) bounds those duplicates, while a new file per thousand events costs nothing.
DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_SPOOL_SEGMENT_BYTES = 1024 * 1024

# Kafka's legal topic names: 1 to 249 of these characters.
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")

# librdkafka keys that typed fields set, or that the delivery promise fixes (idempotence,
# acks): an override may not set them a second time, or quietly weaken the promise.
_RESERVED_LIBRDKAFKA_KEYS = SECURITY_LIBRDKAFKA_KEYS | frozenset(
    {
        "bootstrap.servers",
        "metadata.broker.list",
        "client.id",
        "linger.ms",
        "queue.buffering.max.ms",
        "enable.idempotence",
        "acks",
        "request.required.acks",
    }
)


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
        linger_ms: How long librdkafka waits to batch messages (milliseconds; see
            :data:`DEFAULT_LINGER_MS` for why the default is 20).
        security_protocol: ``PLAINTEXT``, ``SSL``, ``SASL_PLAINTEXT`` or ``SASL_SSL``.
        sasl_mechanism: SASL mechanism for the SASL protocols.
        sasl_username: SASL user (PLAIN, SCRAM).
        sasl_password: SASL password (never printed).
        ssl_cafile: CA bundle for TLS; None trusts the system's CAs.
        ssl_certfile: Client certificate (PEM) for mutual TLS.
        ssl_keyfile: The client certificate's private key (PEM).
        ssl_key_password: Password of ``ssl_keyfile`` (never printed).
        sasl_oauthbearer_token_endpoint_url: OIDC token endpoint (OAUTHBEARER);
            librdkafka posts the client-credentials grant there and refreshes the token.
        sasl_oauthbearer_client_id: OIDC client id.
        sasl_oauthbearer_client_secret: OIDC client secret (never printed).
        sasl_oauthbearer_scope: Space-separated scopes, or None.
        sasl_oauthbearer_token_callback: Instead of OIDC, a function (or its
            ``package.module:function`` path) returning ``(token, expires_at_epoch_s)``,
            e.g. for Amazon MSK IAM; librdkafka calls it when the token is due.
        sasl_kerberos_service_name: Kerberos service name of the brokers (GSSAPI).
        sasl_kerberos_principal: This client's Kerberos principal (GSSAPI).
        sasl_kerberos_keytab: Keytab of that principal (GSSAPI).
        librdkafka_overrides: Extra librdkafka properties for settings not typed here.
        spool_enabled: Write every event ahead to a local disk spool until the broker
            acknowledges it, and keep there the events the broker cannot take. Off, a
            killed process loses what librdkafka held in memory.
        spool_dir: The service's spool directory; defaults to
            ``~/.local/state/auditstream/spool/<service_name>/<topic>``.
        spool_max_bytes: Most bytes one process's spool may hold on disk (events in
            flight and events waiting for replay together).
        spool_segment_bytes: Size of one spool segment file; a crash makes the next
            process resend the unfinished segments whole (duplicates, never gaps).
        spool_fsync: When spool records are forced to disk: ``interval`` (default; a
            power cut loses at most the last interval), ``always`` (before ``emit()``
            returns; nothing lost), ``none``. A killed process loses nothing under any.
        spool_fsync_interval_s: Period of the ``interval`` fsync.
        shed_policy: What to give up when the spool is full.
        shed_log_interval_s: Shortest time between two log lines about shedding.
        prometheus: Export the client's counters to ``prometheus_client``'s default
            registry when that package is installed.
        schema_registry: A Confluent Schema Registry to register the event schema with
            and write Confluent framing for; None (default): single-object framing.

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
    linger_ms: int = DEFAULT_LINGER_MS
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_key_password: str | None = field(default=None, repr=False)
    sasl_oauthbearer_token_endpoint_url: str | None = None
    sasl_oauthbearer_client_id: str | None = None
    sasl_oauthbearer_client_secret: str | None = field(default=None, repr=False)
    sasl_oauthbearer_scope: str | None = None
    sasl_oauthbearer_token_callback: TokenCallback | str | None = field(default=None, hash=False)
    sasl_kerberos_service_name: str = "kafka"
    sasl_kerberos_principal: str | None = None
    sasl_kerberos_keytab: str | None = None
    librdkafka_overrides: Mapping[str, str] = field(default_factory=dict, hash=False)
    spool_enabled: bool = True
    spool_dir: str | None = None
    spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES
    spool_segment_bytes: int = DEFAULT_SPOOL_SEGMENT_BYTES
    spool_fsync: FsyncPolicy = FsyncPolicy.INTERVAL
    spool_fsync_interval_s: float = 1.0
    shed_policy: ShedPolicy = ShedPolicy.DROP_NEWEST
    shed_log_interval_s: float = 60.0
    prometheus: bool = True
    schema_registry: SchemaRegistryConfig | None = None

    def __post_init__(self) -> None:
        for name in ("service_name", "bootstrap_servers"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(name, "must be a non-empty string")
        if not isinstance(self.topic, str) or not _TOPIC_NAME.match(self.topic):
            raise ConfigError("topic", "must be a Kafka topic name: 1-249 of [A-Za-z0-9._-]")
        object.__setattr__(
            self, "content_policy", member(ContentPolicy, self.content_policy, "content_policy")
        )
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
        self._check_spool()
        if self.schema_registry is not None and not isinstance(
            self.schema_registry, SchemaRegistryConfig
        ):
            raise ConfigError("schema_registry", "must be a SchemaRegistryConfig or None")

    def _check_spool(self) -> None:
        for name in ("spool_enabled", "prometheus"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(name, "must be true or false")
        if self.spool_dir is not None and (
            not isinstance(self.spool_dir, str) or not self.spool_dir.strip()
        ):
            raise ConfigError("spool_dir", "must be a non-empty path or None")
        for name, low in (("spool_segment_bytes", 4096), ("spool_max_bytes", 4096)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(name, f"must be an integer >= {low}")
        if self.spool_max_bytes < self.spool_segment_bytes:
            raise ConfigError("spool_max_bytes", "must be at least spool_segment_bytes")
        for name in ("spool_fsync_interval_s", "shed_log_interval_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(name, "must be a number of seconds > 0")
        for name, enum in (("spool_fsync", FsyncPolicy), ("shed_policy", ShedPolicy)):
            object.__setattr__(self, name, member(enum, getattr(self, name), name))

    def resolved_spool_dir(self) -> Path:
        """Return the spool directory: ``spool_dir``, else the per-service, per-topic default.

        Replays go to the client's topic, so a spool directory must only ever hold events
        of one topic: the default is keyed by topic as well as by service.
        """
        if self.spool_dir is not None:
            return Path(self.spool_dir).expanduser()
        service = re.sub(r"[^A-Za-z0-9._-]", "_", self.service_name)
        topic = re.sub(r"[^A-Za-z0-9._-]", "_", self.topic)
        return Path.home() / ".local" / "state" / "auditstream" / "spool" / service / topic

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
            if not self.sasl_mechanism:
                raise ConfigError("sasl_mechanism", f"is required by {self.security_protocol}")
            if self.sasl_mechanism == "OAUTHBEARER" and self.sasl_oauthbearer_token_callback:
                self._token_callback()  # fails here, at construction, when it cannot load
            for name in SASL_REQUIRED[self.sasl_mechanism]:
                if self.sasl_oauthbearer_token_callback and name.startswith("sasl_oauthbearer"):
                    continue
                if not getattr(self, name):
                    raise ConfigError(name, f"is required by sasl_mechanism={self.sasl_mechanism}")
        elif self.sasl_mechanism is not None:
            raise ConfigError(
                "sasl_mechanism",
                f"needs security_protocol SASL_SSL or SASL_PLAINTEXT, not {self.security_protocol}",
            )
        self._check_tls()

    def _check_tls(self) -> None:
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            missing = "ssl_keyfile" if self.ssl_certfile else "ssl_certfile"
            raise ConfigError(missing, "is required for mutual TLS (set both or neither)")
        if self.security_protocol not in ("SSL", "SASL_SSL"):
            for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
                if getattr(self, name):
                    raise ConfigError(
                        name,
                        f"is set, but security_protocol={self.security_protocol} does not use "
                        "TLS (use SSL or SASL_SSL)",
                    )

    def to_librdkafka(self) -> dict[str, Any]:
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
        conf.update(self._security_librdkafka())
        conf.update(self.librdkafka_overrides)
        return conf

    def _token_callback(self) -> TokenCallback:
        callback = self.sasl_oauthbearer_token_callback
        if isinstance(callback, str):
            try:
                return load_token_callback(callback)
            except ValueError as exc:
                raise ConfigError("sasl_oauthbearer_token_callback", str(exc)) from exc
        if not callable(callback):
            raise ConfigError(
                "sasl_oauthbearer_token_callback", "must be a function or package.module:function"
            )
        return callback

    def _security_librdkafka(self) -> dict[str, Any]:
        """The TLS and SASL properties, as the workers' ``KafkaSettings.to_librdkafka``."""
        optional: dict[str, Any] = {
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
            optional["oauth_cb"] = librdkafka_oauth_cb(self._token_callback())
        elif self.sasl_mechanism == "OAUTHBEARER":
            optional["sasl.oauthbearer.method"] = "oidc"
            optional["sasl.oauthbearer.token.endpoint.url"] = (
                self.sasl_oauthbearer_token_endpoint_url
            )
            optional["sasl.oauthbearer.client.id"] = self.sasl_oauthbearer_client_id
            optional["sasl.oauthbearer.client.secret"] = self.sasl_oauthbearer_client_secret
            optional["sasl.oauthbearer.scope"] = self.sasl_oauthbearer_scope
        elif self.sasl_mechanism == "GSSAPI":
            optional["sasl.kerberos.service.name"] = self.sasl_kerberos_service_name
            optional["sasl.kerberos.principal"] = self.sasl_kerberos_principal
            optional["sasl.kerberos.keytab"] = self.sasl_kerberos_keytab
        return {key: value for key, value in optional.items() if value}

    @classmethod
    def from_env(
        cls, *, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ClientConfig:
        """Build a config from ``AUDITSTREAM_*`` variables, then apply keyword overrides.

        Variables: ``AUDITSTREAM_KAFKA__`` + ``BOOTSTRAP_SERVERS``, ``SECURITY_PROTOCOL``,
        ``SASL_MECHANISM``, ``SASL_USERNAME``, ``SASL_PASSWORD``, ``SSL_CAFILE``,
        ``SSL_CERTFILE``, ``SSL_KEYFILE``, ``SSL_KEY_PASSWORD``, ``SASL_OAUTHBEARER_`` +
        (``TOKEN_ENDPOINT_URL``, ``CLIENT_ID``, ``CLIENT_SECRET``, ``SCOPE``),
        ``SASL_KERBEROS_`` + (``SERVICE_NAME``, ``PRINCIPAL``, ``KEYTAB``),
        ``LIBRDKAFKA_OVERRIDES`` (a JSON object of strings); ``AUDITSTREAM_TOPICS__RAW``;
        ``AUDITSTREAM_PRODUCER__`` + ``SERVICE_NAME``, ``SERVICE_VERSION``, ``ENVIRONMENT``,
        ``HOST``, ``TENANT_ID``, ``CONTENT_POLICY``, ``LINGER_MS``, and the HMAC key as
        ``HASH_KEY_FILE`` (the file's bytes, trailing CR/LF removed) or ``HASH_KEY`` (UTF-8);
        ``AUDITSTREAM_SCHEMA_REGISTRY__`` + ``URL``, ``BASIC_AUTH_USER``,
        ``BASIC_AUTH_PASSWORD``, ``SSL_CAFILE``.
        Empty optional variables count as unset. Unknown ``AUDITSTREAM_PRODUCER__`` and
        ``AUDITSTREAM_SCHEMA_REGISTRY__`` variables are rejected, so a typo does not pass
        silently.

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
        values, source = read_environment(env)
        field_names = {f.name for f in dataclasses.fields(cls)}
        for name in overrides:
            if name not in field_names:
                raise ConfigError(name, "is not a ClientConfig field")
            source.pop(name, None)
        values.update(overrides)
        if "service_name" not in values:
            raise ConfigError(
                f"{PRODUCER}SERVICE_NAME", "is required: the name of the emitting service"
            )
        try:
            return cls(**values)
        except ConfigError as exc:
            from_variable = source.get(exc.variable)
            if from_variable is None:
                raise
            raise ConfigError(from_variable, exc.reason) from exc
