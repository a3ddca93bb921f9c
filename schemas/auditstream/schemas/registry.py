"""Confluent Schema Registry access, shared by the SDK (registers) and the processor (resolves).

Only a deployment that sets a registry URL reaches this module's functions, and only they
import ``confluent_kafka.schema_registry`` (and its HTTP client): without a URL nothing
here is loaded, and the SDK keeps its light import. The subject is the raw topic's value
subject (Confluent's ``TopicNameStrategy``: ``<topic>-value``). Framing bytes stay in
:mod:`auditstream.schemas.framing`; this module only maps ids to schemas and back.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from auditstream.schemas import catalog
from auditstream.schemas.errors import (
    DecodeError,
    SchemaRegistrySetupError,
    SchemaRegistryUnavailableError,
)

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

URL_SCHEMES = ("http://", "https://", "mock://")
"""What a registry URL may start with (``mock://`` is confluent-kafka's in-process registry)."""

INSTALL_HINT = "pip install 'auditstream[schema-registry]'"

# One request waits at most this long. The client's defaults (no timeout, 3 retries with
# up to 20 s between them) would let one unreachable registry hold a processor batch for
# minutes, past the fetch watchdog's stall window; one quick retry covers a dropped
# connection, and an outage then costs seconds, not minutes.
REQUEST_TIMEOUT_S = 5.0
MAX_RETRIES = 1
RETRY_WAIT_MS = 200

# After a failed request, ids not yet cached fail at once for this long, so an outage
# costs one timeout per window rather than one per message of a batch.
OUTAGE_BACKOFF_S = 5.0


@dataclass(frozen=True, slots=True)
class RegistryConnection:
    """Where the registry is and how to authenticate to it.

    Attributes:
        url: One URL, or several comma-separated (the client tries each).
        basic_auth_user: HTTP basic-auth user, or None.
        basic_auth_password: HTTP basic-auth password (never printed).
        ssl_cafile: CA bundle for an ``https://`` registry; None trusts the system's CAs.
    """

    url: str
    basic_auth_user: str | None = None
    basic_auth_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None

    @property
    def display_url(self) -> str:
        """The URL without any ``user:password@`` part, for messages and logs."""
        shown = []
        for part in self.url.split(","):
            split = urlsplit(part.strip())
            host = split.hostname or ""
            netloc = f"{host}:{split.port}" if split.port else host
            shown.append(urlunsplit(split._replace(netloc=netloc)))
        return ",".join(shown)

    def client_conf(self) -> dict[str, Any]:
        """Return the ``SchemaRegistryClient`` configuration (the one place its keys live)."""
        conf: dict[str, Any] = {
            "url": self.url,
            "timeout": REQUEST_TIMEOUT_S,
            "max.retries": MAX_RETRIES,
            "retries.wait.ms": RETRY_WAIT_MS,
        }
        if self.basic_auth_user:
            conf["basic.auth.user.info"] = (
                f"{self.basic_auth_user}:{self.basic_auth_password or ''}"
            )
        if self.ssl_cafile:
            conf["ssl.ca.location"] = self.ssl_cafile
        return conf


def subject_name(topic: str) -> str:
    """Return the value subject of a topic (``TopicNameStrategy``).

    Args:
        topic: The raw topic.

    Returns:
        ``<topic>-value``.
    """
    return f"{topic}-value"


# One client per connection and process: its caches are shared, and a ``mock://``
# registry (whose store lives in the client object) is the same for the SDK and the
# processor's decoder in one process. Keyed by pid, so a forked child never reuses its
# parent's HTTP connections.
_clients: dict[tuple[int, RegistryConnection], SchemaRegistryClient] = {}
_clients_lock = threading.Lock()


def registry_client(connection: RegistryConnection) -> SchemaRegistryClient:
    """Return this process's client for a registry, creating it on first use.

    Args:
        connection: The registry.

    Returns:
        A ``confluent_kafka.schema_registry.SchemaRegistryClient`` (a mock one for
        ``mock://`` URLs).

    Raises:
        SchemaRegistrySetupError: The registry client is not installed, or refuses the
            configuration.
    """
    key = (os.getpid(), connection)
    with _clients_lock:
        client = _clients.get(key)
        if client is not None:
            return client
        try:
            from confluent_kafka.schema_registry import (  # noqa: PLC0415 - optional, on demand
                SchemaRegistryClient,
            )
        except ImportError as exc:
            raise SchemaRegistrySetupError(
                connection.display_url,
                f"the schema registry client is not installed ({exc.name}); {INSTALL_HINT}",
            ) from exc
        try:
            client = SchemaRegistryClient.new_client(connection.client_conf())
        except (ValueError, TypeError) as exc:
            raise SchemaRegistrySetupError(connection.display_url, str(exc)) from exc
        _clients[key] = client
        return client


def register_event_schema(connection: RegistryConnection, topic: str) -> int:
    """Register the current AuditEvent schema under the topic's value subject.

    Registering a schema the subject already holds returns its id, so every client
    start may call this.

    Args:
        connection: The registry.
        topic: The raw topic.

    Returns:
        The registry's id of the schema.

    Raises:
        SchemaRegistrySetupError: The client is not installed or refuses the settings.
        Exception: Whatever the registry client raises when the registry is unreachable
            or refuses the schema (``SchemaRegistryError``, an HTTP transport error).
    """
    from confluent_kafka.schema_registry import Schema  # noqa: PLC0415 - optional, on demand

    client = registry_client(connection)
    schema = Schema(json.dumps(catalog.current().source), "AVRO")
    return int(client.register_schema(subject_name(topic), schema))


def describe_failure(exc: BaseException) -> str:
    """Name a registry failure without its text (an answer may echo request data).

    Args:
        exc: What the registry client raised.

    Returns:
        The class name, with the HTTP status and registry error code when there are.
    """
    status = getattr(exc, "http_status_code", None)
    code = getattr(exc, "error_code", None)
    if status is None:
        return type(exc).__name__
    return f"{type(exc).__name__}: HTTP {status}, registry code {code}"


class RegistryLookup:
    """Resolve registry ids to parsed writer schemas for the codec, cached per id.

    A :data:`~auditstream.schemas.codec.RegistrySchemaLookup`. Ids are immutable in a
    schema registry, so a resolved id is cached for the life of the process; an unknown
    id is asked again each time (it may be registered later).

    Args:
        connection: The registry.
        clock: Monotonic seconds (a test seam for the outage backoff).
    """

    __slots__ = ("_clock", "_connection", "_down_until", "_last_failure", "_schemas")

    def __init__(
        self, connection: RegistryConnection, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._connection = connection
        self._clock = clock
        self._schemas: dict[int, Any] = {}
        self._down_until = 0.0
        self._last_failure = ""

    @property
    def connection(self) -> RegistryConnection:
        """The registry this lookup asks."""
        return self._connection

    def __call__(self, schema_id: int, size: int) -> Any:
        """Return the parsed writer schema of an id, or None when the registry has no such id.

        Args:
            schema_id: The id from the frame.
            size: The payload's size (for the errors).

        Returns:
            The schema parsed as the codec parses its own, or None.

        Raises:
            SchemaRegistryUnavailableError: The registry did not answer (or failed within
                the last :data:`OUTAGE_BACKOFF_S`).
            SchemaRegistrySetupError: The registry client is not installed.
            DecodeError: The id names a schema that is not Avro, or not parseable.
        """
        cached = self._schemas.get(schema_id)
        if cached is not None:
            return cached
        url = self._connection.display_url
        if self._clock() < self._down_until:
            raise SchemaRegistryUnavailableError(
                url, schema_id, f"{self._last_failure}, not retried for a few seconds", size=size
            )
        client = registry_client(self._connection)
        try:
            schema = client.get_schema(schema_id)
        except Exception as exc:  # every client failure is one of two kinds
            if getattr(exc, "http_status_code", None) == 404:  # HTTP not found: no such id
                return None
            self._last_failure = describe_failure(exc)
            self._down_until = self._clock() + OUTAGE_BACKOFF_S
            raise SchemaRegistryUnavailableError(
                url, schema_id, self._last_failure, size=size
            ) from exc
        schema_type = schema.schema_type or "AVRO"
        if schema_type != "AVRO":
            raise DecodeError(
                f"registry id {schema_id} holds a {schema_type} schema, not the Avro AuditEvent",
                offset_in_payload=0,
                size=size,
            )
        try:
            parsed = catalog.parse(json.loads(schema.schema_str or ""))
        except Exception as exc:  # fastavro raises several kinds
            raise DecodeError(
                f"registry id {schema_id} holds an Avro schema this codec cannot parse "
                f"({type(exc).__name__})",
                offset_in_payload=0,
                size=size,
            ) from exc
        self._schemas[schema_id] = parsed
        return parsed
