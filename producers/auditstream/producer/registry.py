"""The SDK's optional Confluent Schema Registry: its settings, and registering at client start.

With a registry configured, the client registers the event schema under the raw topic's
value subject once, at start, and then writes Confluent framing (``00`` + the 4-byte
id + the same Avro body). A registry that does not answer must not stop the service or
lose events, as a broker that does not answer does not: until registration succeeds,
events keep the contract's single-object framing (which the processor reads without a
registry), an error names the registry and what to do, and a background thread retries.
``confluent_kafka.schema_registry`` is imported only here, and only when a URL is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from auditstream.producer.errors import ConfigError
from auditstream.schemas.errors import SchemaRegistrySetupError
from auditstream.schemas.registry import (
    URL_SCHEMES,
    RegistryConnection,
    describe_failure,
    register_event_schema,
    registry_client,
    subject_name,
)

_log = logging.getLogger("auditstream.producer.client")

# Retries back off from 1 s to 60 s: a registry back after a blip is used within a
# second, and a long outage costs one request a minute.
MIN_RETRY_S = 1.0
MAX_RETRY_S = 60.0


@dataclass(frozen=True, kw_only=True, slots=True)
class SchemaRegistryConfig:
    """Where the client registers its schema (``AUDITSTREAM_SCHEMA_REGISTRY__*``).

    Attributes:
        url: ``http(s)://host:port`` (several comma-separated), or ``mock://<name>``
            for confluent-kafka's in-process registry (tests).
        basic_auth_user: HTTP basic-auth user.
        basic_auth_password: HTTP basic-auth password (never printed).
        ssl_cafile: CA bundle for an ``https://`` registry; None trusts the system's CAs.

    Raises:
        ConfigError: A value is invalid, naming the field.
    """

    url: str
    basic_auth_user: str | None = None
    basic_auth_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.url, str) or not all(
            part.strip().startswith(URL_SCHEMES) for part in self.url.split(",")
        ):
            raise ConfigError("schema_registry.url", f"must start with {', '.join(URL_SCHEMES)}")
        object.__setattr__(self, "url", self.url.strip())
        if self.basic_auth_password is not None and not self.basic_auth_user:
            raise ConfigError(
                "schema_registry.basic_auth_password", "is set without basic_auth_user"
            )

    def connection(self) -> RegistryConnection:
        """Return the connection the shared registry module takes."""
        return RegistryConnection(
            url=self.url,
            basic_auth_user=self.basic_auth_user,
            basic_auth_password=self.basic_auth_password,
            ssl_cafile=self.ssl_cafile,
        )


class SchemaRegistration:
    """Registers the event schema for one client: once at start, then retried until it works.

    Args:
        config: The registry.
        topic: The raw topic; the subject is ``<topic>-value``.
        on_registered: Receives the schema id (called once, from the constructor's
            thread or the retry thread).
    """

    __slots__ = (
        "_connection",
        "_on_registered",
        "_registered",
        "_stop",
        "_subject",
        "_thread",
        "_topic",
    )

    def __init__(
        self, config: SchemaRegistryConfig, topic: str, on_registered: Callable[[int], None]
    ) -> None:
        self._connection = config.connection()
        self._topic = topic
        self._subject = subject_name(topic)
        self._on_registered = on_registered
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._registered = False

    @property
    def registered(self) -> bool:
        """Whether the schema is registered (events are written in the Confluent framing)."""
        return self._registered

    def start(self) -> None:
        """Register now; if the registry does not answer, log and retry in the background.

        Raises:
            ConfigError: The registry client is not installed, or refuses the settings.
        """
        try:
            registry_client(self._connection)
        except SchemaRegistrySetupError as exc:
            raise ConfigError("AUDITSTREAM_SCHEMA_REGISTRY__URL", exc.reason) from exc
        if not self._attempt(log_failure=True):
            self._start_retries()

    def restart_after_fork(self) -> None:
        """In a forked child: keep retrying if the parent had not registered yet."""
        if not self._registered and not self._stop.is_set():
            self._start_retries()

    def stop(self) -> None:
        """Stop retrying (the client closes)."""
        self._stop.set()

    def _start_retries(self) -> None:
        self._thread = threading.Thread(
            target=self._retry, name="auditstream-schema-registration", daemon=True
        )
        self._thread.start()

    def _retry(self) -> None:
        wait_s = MIN_RETRY_S
        while not self._stop.wait(wait_s):
            if self._attempt(log_failure=False):
                return
            wait_s = min(wait_s * 2, MAX_RETRY_S)

    def _attempt(self, *, log_failure: bool) -> bool:
        try:
            schema_id = register_event_schema(self._connection, self._topic)
        except Exception as exc:  # noqa: BLE001 - never raise for an unreachable registry
            if log_failure:
                # The cause is named by class only: its text may echo the request.
                _log.error(
                    "audit producer cannot register its schema at the schema registry %s "
                    "(subject %s): %s; events are written in the single-object framing, "
                    "which the processor reads without a registry, until registration "
                    "succeeds (retried in the background). Check AUDITSTREAM_SCHEMA_REGISTRY__URL "
                    "and that the registry is reachable from this service",
                    self._connection.display_url,
                    self._subject,
                    describe_failure(exc),
                )
            return False
        self._on_registered(schema_id)
        self._registered = True
        _log.info(
            "audit producer registered its schema: registry=%s subject=%s id=%d; "
            "events are written in the Confluent framing",
            self._connection.display_url,
            self._subject,
            schema_id,
        )
        return True
