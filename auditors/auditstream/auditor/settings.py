"""Settings of the auditor tools: one pydantic-settings class, built once per command.

Variables read ``AUDITSTREAM_S3__BUCKET``, ``AUDITSTREAM_AUDITOR__LOG_LEVEL`` and so on.
Nothing reads the environment at import; :func:`load_auditor_settings` does, when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings

from auditstream.auditor.errors import AuditorConfigError
from auditstream.schemas.settings import (
    KafkaSettings,
    S3Settings,
    TopicSettings,
    TrustSettings,
    build_role_settings,
    role_settings_config,
)


class AuditorSection(BaseModel):
    """The auditor's own knobs (``AUDITSTREAM_AUDITOR__*``).

    Attributes:
        log_level: Minimum log level (logs go to stderr; results to stdout).
        duckdb_threads: Threads DuckDB may use; None lets it use every core.
        processor_group: Consumer group of the processor (its Faust app id), for lag.
        sink_group: Consumer group of the sink workers, for lag.
        export_key_file: Ed25519 private key (as the sink's signing key takes) that seals
            evidence packages; ``audit export`` needs it (or ``export_key``).
        export_key: The same key as a value.
        digest_interval_s: The sinks' ``AUDITSTREAM_SINK__DIGEST_INTERVAL_S``, for
            archives whose digests do not record it (none at all, or only version 1).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    duckdb_threads: int | None = Field(default=None, gt=0)
    processor_group: str = "auditstream-processor"
    sink_group: str = "auditstream-sink"
    export_key_file: Path | None = None
    export_key: SecretStr | None = None
    digest_interval_s: float = Field(default=900.0, gt=0)


class AuditorSettings(BaseSettings):
    """Everything the auditor tools need, from arguments, then environment, then defaults.

    Attributes:
        s3: How to reach the archive bucket (read access is enough).
        kafka: How to reach Kafka (``audit status`` reads lag and the DLQ).
        topics: The pipeline's topic names.
        trust: The signer keys to trust (``AUDITSTREAM_TRUST__KEYRING_FILE``).
        auditor: The auditor's own knobs.
    """

    model_config = role_settings_config()

    s3: S3Settings = S3Settings()
    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    trust: TrustSettings = TrustSettings()
    auditor: AuditorSection = AuditorSection()


def load_auditor_settings(**overrides: Any) -> AuditorSettings:
    """Build the auditor's settings once: arguments win over the environment.

    Args:
        **overrides: Sections as dicts, e.g. ``s3={"bucket": "other-archive"}``.

    Returns:
        The validated, frozen settings.

    Raises:
        AuditorConfigError: A value is invalid or a key unknown, naming the variable.
    """
    return build_role_settings(AuditorSettings, AuditorConfigError, overrides)
