"""Settings of the processor role, built once by `audit process` (load_processor_settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

from auditstream.processor.errors import KeyMaterialError, ProcessorConfigError
from auditstream.schemas.dead_letters import DEFAULT_MAX_MESSAGE_BYTES, DLQ_HEADROOM_BYTES
from auditstream.schemas.identity import INSTANCE_ID_PATTERN
from auditstream.schemas.observability import DEFAULT_METRICS_HOST, DEFAULT_SHUTDOWN_GRACE_S
from auditstream.schemas.progress import DEFAULT_STALL_THRESHOLD_S
from auditstream.schemas.settings import (
    KafkaSettings,
    SchemaRegistrySettings,
    TopicSettings,
    build_role_settings,
    role_settings_config,
)

MIN_HMAC_KEY_BYTES = 32  # a 256-bit key: HMAC-SHA256 gains nothing from longer ones


class ProcessorSection(BaseModel):
    """The processor's own knobs.

    Attributes:
        app_id: Faust app id; workers with the same id share the partitions.
        policy_file: Redaction policy YAML; None means the shipped default.
        hmac_key: Pseudonymization key (prefer ``hmac_key_file``).
        hmac_key_file: File holding the pseudonymization key.
        batch_max: Most events taken from the stream per batch.
        batch_within_s: Longest wait to fill a batch, so a quiet partition never stalls.
        executor_threads: Threads for CPU work; we scale by processes, so 1.
        analysis_process: Redact in a child process of the worker, so spaCy and
            Presidio do not share a GIL with the Kafka client (the child is forked from
            the worker and shares its models copy-on-write; the pages it writes to cost
            memory of their own); False redacts in the executor thread.
        nlp_batch_size: Texts per ``nlp.pipe`` call; a batch is also redacted in chunks
            of about this many events, each sent while the next is redacted.
        cache_entries: Size of the analysis cache keyed by text hash.
        scan_field_budget_ms: Time the analysis of one free text (``scan``,
            ``scan_patterns``) may take; a long text is analyzed in pieces and the rest of
            it, once the budget is spent, is replaced by an ``<UNSCANNED:n>`` token.
        scan_batch_budget_ms: Time the analysis of one chunk of ``nlp_batch_size`` events
            may take; texts not analyzed by then are replaced whole. It keeps a chunk well
            inside the fetch watchdog's 10-15 s stall window.
        scan_max_field_chars: Characters of one text analyzed at most; the rest is
            replaced without being tried.
        scan_regex_timeout_ms: Timeout of each regular expression search of Presidio's
            pattern recognizers; a piece of text whose recognizers take this long is
            treated as not analyzed.
        max_field_bytes: Longest string an event field may hold before it goes to the DLQ.
        max_message_bytes: Largest record the worker produces (the broker's and topics'
            ``message.max.bytes`` must be at least this).
        dlq_max_value_bytes: Largest raw value copied into the DLQ; a larger one is left
            out and its size recorded in the ``auditstream.value_omitted_bytes`` header.
        dedup_window_s: How long an event id is remembered to drop replays.
        trace_ttl_s: Idle time after which a trace's state is deleted (at least the
            dedup window, so a remembered id never outlives its trace).
        trace_max_ids: Most event ids and span ids one trace's state keeps.
        commit_interval_s: How often offsets and outputs commit under load (one
            transaction per partition); a worker that has caught up commits after each
            batch instead.
        session_timeout_s: Consumer group session timeout: how long a killed worker's
            partitions wait before the group moves them.
        heartbeat_interval_s: Consumer heartbeat interval (a third of the session
            timeout or less).
        web_port: Faust's web server port (None disables it); it binds ``metrics_host``.
        metrics_host: Address the metrics and health endpoint (and Faust's web server)
            binds; loopback by default (see
            :data:`~auditstream.schemas.observability.DEFAULT_METRICS_HOST`).
        metrics_port: Serve ``/metrics``, ``/healthz`` and ``/readyz`` here (None: none).
        stall_threshold_s: How long a raw partition the worker owns may have messages
            waiting while its committed offset stands still before ``/readyz`` reports
            the worker not ready (the ``progress`` check names the partitions).
        shutdown_grace_s: After SIGTERM or SIGINT, how long Faust's shutdown (agents
            stop, offsets and transactions commit, clients close) may take before the
            worker exits without finishing; keep it below the platform's kill deadline.
        log_level: Worker log level.
        fast_table_recovery: End a table recovery about a second after the changelog is
            read to its last stable offset (:class:`~auditstream.processor.faust_bridge.
            RecoveryFinisher`) instead of after faust's two idle 5 s polls.
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

    app_id: str = "auditstream-processor"
    policy_file: Path | None = None
    hmac_key: SecretStr | None = None
    hmac_key_file: Path | None = None
    batch_max: int = Field(default=200, ge=1, le=10_000)
    batch_within_s: float = Field(default=0.5, gt=0, le=60)
    executor_threads: int = Field(default=1, ge=1, le=64)
    analysis_process: bool = True
    nlp_batch_size: int = Field(default=64, ge=1, le=4096)
    cache_entries: int = Field(default=50_000, ge=0)
    scan_field_budget_ms: int = Field(default=4_000, ge=1, le=600_000)
    scan_batch_budget_ms: int = Field(default=8_000, ge=1, le=600_000)
    scan_max_field_chars: int = Field(default=262_144, ge=1)
    scan_regex_timeout_ms: int = Field(default=1_000, ge=1, le=60_000)
    max_field_bytes: int = Field(default=1 << 20, ge=1024)
    max_message_bytes: int = Field(default=DEFAULT_MAX_MESSAGE_BYTES, ge=1 << 20)
    dlq_max_value_bytes: int = Field(default=DEFAULT_MAX_MESSAGE_BYTES - DLQ_HEADROOM_BYTES, ge=0)
    dedup_window_s: float = Field(default=900.0, gt=0)
    trace_ttl_s: float = Field(default=1800.0, gt=0)
    trace_max_ids: int = Field(default=1000, ge=1, le=100_000)
    commit_interval_s: float = Field(default=1.0, gt=0, le=60)
    session_timeout_s: float = Field(default=30.0, ge=3, le=300)
    heartbeat_interval_s: float = Field(default=3.0, gt=0, le=100)
    web_port: int | None = None
    metrics_host: str = Field(default=DEFAULT_METRICS_HOST, min_length=1)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    stall_threshold_s: float = Field(default=DEFAULT_STALL_THRESHOLD_S, gt=0, le=3600)
    shutdown_grace_s: float = Field(default=DEFAULT_SHUTDOWN_GRACE_S, gt=0, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    fast_table_recovery: bool = True
    static_membership: bool = True
    instance_id: str | None = Field(default=None, pattern=INSTANCE_ID_PATTERN)

    @model_validator(mode="after")
    def _check_bounds(self) -> ProcessorSection:
        if self.trace_ttl_s < self.dedup_window_s:
            raise ValueError(
                f"trace_ttl_s ({self.trace_ttl_s}) must be at least dedup_window_s "
                f"({self.dedup_window_s}): ids are kept in the trace's state"
            )
        if self.dlq_max_value_bytes > self.max_message_bytes - DLQ_HEADROOM_BYTES:
            raise ValueError(
                f"dlq_max_value_bytes ({self.dlq_max_value_bytes}) must leave "
                f"{DLQ_HEADROOM_BYTES} bytes for headers below max_message_bytes "
                f"({self.max_message_bytes})"
            )
        if self.heartbeat_interval_s * 3 > self.session_timeout_s:
            raise ValueError(
                f"heartbeat_interval_s ({self.heartbeat_interval_s}) must be at most a third "
                f"of session_timeout_s ({self.session_timeout_s})"
            )
        return self

    def hmac_key_bytes(self) -> bytes:
        """Return the pseudonymization key from the file or the variable.

        Raises:
            KeyMaterialError: Neither is set, the file cannot be read, or the key is short.
        """
        if self.hmac_key_file is not None:
            try:
                key = self.hmac_key_file.read_bytes().strip()
            except OSError as exc:
                raise KeyMaterialError(
                    f"cannot read {self.hmac_key_file} ({exc.strerror})"
                ) from exc
        elif self.hmac_key is not None:
            key = self.hmac_key.get_secret_value().encode()
        else:
            raise KeyMaterialError("no key configured")
        if len(key) < MIN_HMAC_KEY_BYTES:
            raise KeyMaterialError(f"key has {len(key)} bytes, needs at least {MIN_HMAC_KEY_BYTES}")
        return key


class ProcessorSettings(BaseSettings):
    """Everything ``audit process`` reads.

    Variables: ``AUDITSTREAM_KAFKA__*``, ``AUDITSTREAM_TOPICS__*``, ``AUDITSTREAM_PROCESSOR__*``,
    ``AUDITSTREAM_SCHEMA_REGISTRY__*`` (optional).
    """

    model_config = role_settings_config()

    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    processor: ProcessorSection = ProcessorSection()
    schema_registry: SchemaRegistrySettings = SchemaRegistrySettings()


def load_processor_settings(**overrides: Any) -> ProcessorSettings:
    """Read the processor's settings from the environment, once, at the entry point.

    Args:
        **overrides: Sections as dicts, e.g. ``processor={"batch_max": 50}``; merged into
            what the environment sets for the same section.

    Returns:
        The validated, frozen settings.

    Raises:
        ProcessorConfigError: A value is invalid or a variable unknown, naming the variable.
    """
    return build_role_settings(ProcessorSettings, ProcessorConfigError, overrides)
