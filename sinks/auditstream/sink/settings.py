"""Settings of the sink role: one pydantic-settings class, built once at the entry point.

Variables read ``AUDITSTREAM_<SECTION>__<FIELD>``, e.g. ``AUDITSTREAM_SINK__RETENTION_DAYS``,
``AUDITSTREAM_S3__BUCKET``, ``AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS``. Unknown fields in a
section are rejected, from arguments and from the environment alike (``extra="forbid"``
on every section; pydantic-settings passes a section's variables to its model whole).
This module reads no environment at import; :func:`load_sink_settings` does, when called.
"""

from __future__ import annotations

import logging
import math
import os
import socket
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings

from auditstream.schemas.dead_letters import DEFAULT_MAX_MESSAGE_BYTES, DLQ_HEADROOM_BYTES
from auditstream.schemas.identity import INSTANCE_ID_PATTERN
from auditstream.schemas.observability import DEFAULT_METRICS_HOST, DEFAULT_SHUTDOWN_GRACE_S
from auditstream.schemas.progress import DEFAULT_STALL_THRESHOLD_S
from auditstream.schemas.settings import (
    KafkaSettings,
    S3Settings,
    TopicSettings,
    TrustSettings,
    build_role_settings,
    role_settings_config,
)
from auditstream.sink.errors import SinkConfigError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

# 6 years: the longest common retention duty for audit records (e.g. HIPAA's
# documentation rule); shorter regimes set their own value.
DEFAULT_RETENTION_DAYS = 2190

# 16 MiB of encoded Avro per partition batch: Parquet with zstd shrinks it to a few MiB,
# a good object size for S3 listing and scanning, and the worker's memory stays bounded
# (one batch per assigned partition).
DEFAULT_MAX_BYTES = 16 * 1024 * 1024

# CloudTrail writes digests hourly; 15 minutes bounds how long a deletion of the newest
# manifests could go unnoticed by a digest at little cost (one small object per interval).
DEFAULT_DIGEST_INTERVAL_S = 900.0

# A retention given in years is counted as 365.25 days a year (rounded up), so a period
# never ends before the same calendar date, leap years included.
_DAYS_PER_YEAR = 365.25

CrashPoint = Literal["before_data", "after_data", "after_dead_letters", "after_manifest"]
"""Where the test-only crash hook kills the worker: before the first data PUT of a flush,
between the data PUTs and the manifest PUT, or between the manifest PUT and the commit."""


class SinkSection(BaseModel):
    """The sink's own knobs (``AUDITSTREAM_SINK__*``).

    Attributes:
        group_id: Kafka consumer group shared by every sink worker.
        max_records: Flush a partition's batch at this many records.
        max_bytes: Flush a partition's batch at this many bytes of encoded events.
        max_age_s: Flush a partition's batch this many seconds after its first record.
        retention_mode: Object Lock mode of every object; COMPLIANCE cannot be shortened
            by anyone, GOVERNANCE by principals with ``s3:BypassGovernanceRetention``.
        retention_days: Object Lock retention period, counted from the write.
        retention_years: Retention in years instead of days (set one of the two).
        legal_hold: Also put every object under an Object Lock legal hold.
        allow_unlocked_bucket: Accept a bucket without Object Lock (dev setups only).
        signing_key_file: File with the Ed25519 key that signs manifests and digests
            (PEM, 32 raw bytes, hex or base64).
        signing_key: The same key as a value (PEM, hex or base64), when no file is used.
        dev_generate_signing_key: With no key configured, generate one (and store it in
            ``signing_key_file`` when that is set and missing); dev setups and tests only.
        digest_interval_s: Write a signed digest of every partition's chain head this often.
        dlq_max_value_bytes: Largest record copied into the DLQ; a larger one is left out
            and its size recorded in the ``auditstream.value_omitted_bytes`` header.
        dlq_timeout_s: How long a flush waits for the DLQ topic to confirm its dead
            letters before it pauses the partition and retries.
        test_crash_at: TEST ONLY: kill the worker with SIGKILL at this point of a flush.
        test_crash_on_flush: TEST ONLY: which flush (1 = the first) ``test_crash_at`` hits.
        metrics_host: Address the metrics and health endpoint binds; loopback by default
            (see :data:`~auditstream.schemas.observability.DEFAULT_METRICS_HOST`).
        metrics_port: Serve ``/metrics``, ``/healthz`` and ``/readyz`` on
            ``<metrics_host>:<port>``; None for none.
        stall_threshold_s: How long a partition the worker owns may have messages
            waiting (fetched and not archived, or not fetched) while its committed offset
            stands still before ``/readyz`` reports the worker not ready (the ``progress``
            check names the partitions).
        shutdown_grace_s: After SIGTERM or SIGINT, how long flushing, committing and
            closing may take before the worker exits without finishing (keep it below the
            platform's kill deadline, Kubernetes' ``terminationGracePeriodSeconds``).
        log_level: Minimum log level.
        static_membership: Join the group as a static member (``group.instance.id``), so
            a worker that restarts within the session timeout gets its partitions back
            without a rebalance. A worker stopped for good keeps its partitions until
            the session timeout ends, as a killed one does.
        instance_id: This worker's ``group.instance.id``, unique in the group and the
            same after a restart (in Kubernetes: the StatefulSet pod's name). None:
            ``<hostname>-<slot>``, the lowest slot free on this host (see
            :mod:`auditstream.schemas.identity`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    group_id: str = Field(default="auditstream-sink", min_length=1)
    max_records: int = Field(default=5000, gt=0)
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    max_age_s: float = Field(default=5.0, gt=0)
    retention_mode: Literal["COMPLIANCE", "GOVERNANCE"] = "COMPLIANCE"
    retention_days: int = Field(default=DEFAULT_RETENTION_DAYS, gt=0)
    retention_years: int | None = Field(default=None, gt=0)
    legal_hold: bool = False
    allow_unlocked_bucket: bool = False
    signing_key_file: Path | None = None
    signing_key: SecretStr | None = None
    dev_generate_signing_key: bool = False
    digest_interval_s: float = Field(default=DEFAULT_DIGEST_INTERVAL_S, gt=0)
    dlq_max_value_bytes: int = Field(default=DEFAULT_MAX_MESSAGE_BYTES - DLQ_HEADROOM_BYTES, ge=0)
    dlq_timeout_s: float = Field(default=15.0, gt=0)
    test_crash_at: CrashPoint | None = None
    test_crash_on_flush: int = Field(default=1, gt=0)
    metrics_host: str = Field(default=DEFAULT_METRICS_HOST, min_length=1)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    stall_threshold_s: float = Field(default=DEFAULT_STALL_THRESHOLD_S, gt=0, le=3600)
    shutdown_grace_s: float = Field(default=DEFAULT_SHUTDOWN_GRACE_S, gt=0, le=3600)
    log_level: LogLevel = "INFO"
    static_membership: bool = True
    instance_id: str | None = Field(default=None, pattern=INSTANCE_ID_PATTERN)

    @property
    def retention_period_days(self) -> int:
        """The retention period in days, from ``retention_years`` when that is set."""
        if self.retention_years is not None:
            return math.ceil(self.retention_years * _DAYS_PER_YEAR)
        return self.retention_days


class SinkSettings(BaseSettings):
    """Everything a sink worker needs, from arguments, then environment, then defaults.

    Attributes:
        kafka: How to reach Kafka.
        topics: Topic names; the sink reads ``topics.redacted``.
        s3: How to reach the archive bucket.
        trust: Signer keys to trust besides the sink's own (``AUDITSTREAM_TRUST__*``).
        sink: The sink's own knobs.
    """

    model_config = role_settings_config()

    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    s3: S3Settings = S3Settings()
    trust: TrustSettings = TrustSettings()
    sink: SinkSection = SinkSection()


def load_sink_settings(**overrides: Any) -> SinkSettings:
    """Build the sink's settings once: arguments win over the environment.

    Args:
        **overrides: Sections as dicts, e.g. ``sink={"max_age_s": 1.0}``; merged into
            what the environment sets for the same section.

    Returns:
        The validated, frozen settings.

    Raises:
        SinkConfigError: A value is invalid or a key unknown, naming the variable.
    """
    settings = build_role_settings(SinkSettings, SinkConfigError, overrides)
    # Checked here, not in a model validator: its error would quote the whole section,
    # signing key included.
    section = settings.sink
    if section.retention_years is not None and "retention_days" in section.model_fields_set:
        raise SinkConfigError(
            "AUDITSTREAM_SINK__RETENTION_DAYS and AUDITSTREAM_SINK__RETENTION_YEARS are both "
            "set; set one of them"
        )
    if section.signing_key is not None and section.signing_key_file is not None:
        raise SinkConfigError(
            "AUDITSTREAM_SINK__SIGNING_KEY and AUDITSTREAM_SINK__SIGNING_KEY_FILE are both set; "
            "set one of them"
        )
    return settings


# librdkafka settings the delivery rule depends on; an override may not change them.
# The rebalance callbacks are written for incremental (cooperative) rebalances, and a
# duplicate group.instance.id fences a live worker out, so both are the sink's too.
_OWNED_KEYS = frozenset(
    {
        "group.id",
        "group.instance.id",
        "isolation.level",
        "enable.auto.commit",
        "enable.auto.offset.store",
        "partition.assignment.strategy",
    }
)

# Cooperative rebalancing: a worker joining or leaving moves only the partitions that
# change owner; every other worker keeps archiving through the rebalance.
ASSIGNMENT_STRATEGY = "cooperative-sticky"


_LIBRDKAFKA_LOG = logging.getLogger("auditstream.sink.librdkafka")


def consumer_config(settings: SinkSettings, *, instance_id: str | None = None) -> dict[str, Any]:
    """Return the librdkafka configuration of the sink's consumer.

    Args:
        settings: The sink's settings.
        instance_id: The worker's ``group.instance.id`` (static membership); None joins
            as a dynamic member.

    Raises:
        SinkConfigError: ``AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES`` sets a key the
            delivery rule depends on.
    """
    clashes = sorted(_OWNED_KEYS & settings.kafka.librdkafka_overrides.keys())
    if clashes:
        raise SinkConfigError(
            f"AUDITSTREAM_KAFKA__LIBRDKAFKA_OVERRIDES sets {', '.join(clashes)}, which the sink "
            "fixes for exactly-once archiving; remove them (the group is "
            "AUDITSTREAM_SINK__GROUP_ID)"
        )
    return {
        **settings.kafka.to_librdkafka(),
        "group.id": settings.sink.group_id,
        "client.id": f"auditstream-sink-{socket.gethostname()}-{os.getpid()}",
        # Only records of committed processor transactions may reach the archive.
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "partition.assignment.strategy": ASSIGNMENT_STRATEGY,
        **({"group.instance.id": instance_id} if instance_id is not None else {}),
        # librdkafka's own lines (broker down, group coordinator moves) as JSON log lines
        # among ours, not raw text on stderr; they are served by consume().
        "logger": _LIBRDKAFKA_LOG,
    }


def dead_letter_producer_config(settings: SinkSettings) -> dict[str, Any]:
    """Return the librdkafka configuration of the producer that writes the sink's DLQ.

    Args:
        settings: The sink's settings.
    """
    section = settings.sink
    return {
        **settings.kafka.to_librdkafka(),
        "client.id": f"auditstream-sink-dlq-{socket.gethostname()}-{os.getpid()}",
        # A dead letter must be durable before the manifest says it was sent.
        "enable.idempotence": True,
        "acks": "all",
        "message.max.bytes": section.dlq_max_value_bytes + DLQ_HEADROOM_BYTES,
        # Give up within the flush's wait, so an undelivered letter is not sent later
        # behind the retry's copy.
        "message.timeout.ms": int(section.dlq_timeout_s * 1000),
        "logger": _LIBRDKAFKA_LOG,
    }
