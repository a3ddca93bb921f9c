"""The Auditstream producer SDK: record audit events from a service into Kafka.

Light by design: it imports only the standard library, ``confluent_kafka``, ``fastavro``
and :mod:`auditstream.schemas`, so services can depend on it without the pipeline's
workers' dependencies.

Example::

    from auditstream.producer import AuditClient, ClientConfig

    with AuditClient(ClientConfig.from_env()) as client:
        client.llm_request(provider="openai", model="gpt-4o", prompt=p, response=r)
"""

from __future__ import annotations

from auditstream.producer.client import AuditClient
from auditstream.producer.config import ClientConfig, ContentPolicy, FsyncPolicy, ShedPolicy
from auditstream.producer.errors import (
    AuditEventError,
    ConfigError,
    ProducerError,
    SpoolUnavailableError,
    TraceparentError,
)
from auditstream.producer.helpers import CommonFields
from auditstream.producer.kafka import ProducerLike
from auditstream.producer.metrics import ClientStats, StatsCallback
from auditstream.producer.registry import SchemaRegistryConfig
from auditstream.producer.scrub import SECRET_PATTERNS, ScrubResult, SecretPattern, scrub
from auditstream.producer.tracing import (
    Span,
    TraceContext,
    continue_trace,
    current_trace,
    current_traceparent,
    current_tracestate,
    format_traceparent,
    parse_traceparent,
)
from auditstream.schemas.model import EventStatus, EventType

__all__ = [
    "SECRET_PATTERNS",
    "AuditClient",
    "AuditEventError",
    "ClientConfig",
    "ClientStats",
    "CommonFields",
    "ConfigError",
    "ContentPolicy",
    "EventStatus",
    "EventType",
    "FsyncPolicy",
    "ProducerError",
    "ProducerLike",
    "SchemaRegistryConfig",
    "ScrubResult",
    "SecretPattern",
    "ShedPolicy",
    "Span",
    "SpoolUnavailableError",
    "StatsCallback",
    "TraceContext",
    "TraceparentError",
    "continue_trace",
    "current_trace",
    "current_traceparent",
    "current_tracestate",
    "format_traceparent",
    "parse_traceparent",
    "scrub",
]
