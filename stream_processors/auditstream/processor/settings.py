"""Settings of the processor role, built once by ``audit process``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings

from auditstream.processor.errors import KeyMaterialError
from auditstream.schemas.settings import KafkaSettings, TopicSettings, role_settings_config

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
        nlp_batch_size: Texts per ``nlp.pipe`` call.
        cache_entries: Size of the analysis cache keyed by text hash.
        max_field_bytes: Longest string an event field may hold before it goes to the DLQ.
        web_port: Faust's web server port (None disables it).
        metrics_port: Prometheus port (None disables it).
        log_level: Worker log level.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str = "auditstream-processor"
    policy_file: Path | None = None
    hmac_key: SecretStr | None = None
    hmac_key_file: Path | None = None
    batch_max: int = Field(default=200, ge=1, le=10_000)
    batch_within_s: float = Field(default=0.5, gt=0, le=60)
    executor_threads: int = Field(default=1, ge=1, le=64)
    nlp_batch_size: int = Field(default=64, ge=1, le=4096)
    cache_entries: int = Field(default=50_000, ge=0)
    max_field_bytes: int = Field(default=1 << 20, ge=1024)
    web_port: int | None = None
    metrics_port: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

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

    Variables: ``AUDITSTREAM_KAFKA__*``, ``AUDITSTREAM_TOPICS__*``, ``AUDITSTREAM_PROCESSOR__*``.
    """

    model_config = role_settings_config()

    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    processor: ProcessorSection = ProcessorSection()
