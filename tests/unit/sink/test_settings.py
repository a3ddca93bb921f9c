"""The sink's settings: variable names, validation, unknown keys, masking."""

from __future__ import annotations

import pydantic
import pytest

from auditstream.sink.errors import SinkConfigError
from auditstream.sink.settings import (
    SinkSettings,
    consumer_config,
    dead_letter_producer_config,
    load_sink_settings,
)


class TestSinkSettings:
    def test_defaults_keep_six_years_of_compliance_retention(self):
        """Without configuration, objects are locked in COMPLIANCE mode for 2190 days."""
        settings = load_sink_settings()
        assert settings.sink.retention_mode == "COMPLIANCE"
        assert settings.sink.retention_days == 2190
        assert settings.sink.allow_unlocked_bucket is False
        assert (settings.sink.max_records, settings.sink.max_bytes) == (5000, 16 * 1024 * 1024)

    def test_environment_variables_use_section_double_underscore_field(self, monkeypatch):
        """AUDITSTREAM_<SECTION>__<FIELD> sets each section's field."""
        monkeypatch.setenv("AUDITSTREAM_SINK__RETENTION_DAYS", "30")
        monkeypatch.setenv("AUDITSTREAM_SINK__RETENTION_MODE", "GOVERNANCE")
        monkeypatch.setenv("AUDITSTREAM_SINK__MAX_AGE_S", "0.5")
        monkeypatch.setenv("AUDITSTREAM_SINK__ALLOW_UNLOCKED_BUCKET", "true")
        monkeypatch.setenv("AUDITSTREAM_S3__BUCKET", "my-archive")
        monkeypatch.setenv("AUDITSTREAM_S3__PREFIX", "tenant-a")
        monkeypatch.setenv("AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
        monkeypatch.setenv("AUDITSTREAM_TOPICS__REDACTED", "redacted-x")
        settings = load_sink_settings()
        assert settings.sink.retention_days == 30
        assert settings.sink.retention_mode == "GOVERNANCE"
        assert settings.sink.max_age_s == 0.5
        assert settings.sink.allow_unlocked_bucket is True
        assert (settings.s3.bucket, settings.s3.prefix) == ("my-archive", "tenant-a")
        assert settings.kafka.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
        assert settings.topics.redacted == "redacted-x"

    def test_arguments_override_one_field_and_keep_the_rest_of_the_section(self, monkeypatch):
        """CLI options merge into what the environment set for the same section."""
        monkeypatch.setenv("AUDITSTREAM_SINK__RETENTION_DAYS", "30")
        settings = load_sink_settings(sink={"max_age_s": 1.5})
        assert (settings.sink.retention_days, settings.sink.max_age_s) == (30, 1.5)

    @pytest.mark.parametrize("value", ["0", "-1", "many"])
    def test_an_invalid_retention_is_rejected_naming_the_variable(self, monkeypatch, value):
        """Retention must be a positive number of days."""
        monkeypatch.setenv("AUDITSTREAM_SINK__RETENTION_DAYS", value)
        with pytest.raises(SinkConfigError, match="AUDITSTREAM_SINK__RETENTION_DAYS"):
            load_sink_settings()

    def test_an_unknown_retention_mode_is_rejected(self, monkeypatch):
        """Only COMPLIANCE and GOVERNANCE are Object Lock modes."""
        monkeypatch.setenv("AUDITSTREAM_SINK__RETENTION_MODE", "LEGAL_HOLD")
        with pytest.raises(SinkConfigError, match="AUDITSTREAM_SINK__RETENTION_MODE"):
            load_sink_settings()

    def test_an_unknown_variable_in_the_sink_section_is_rejected(self, monkeypatch):
        """A misspelled variable fails at start instead of being ignored."""
        monkeypatch.setenv("AUDITSTREAM_SINK__RETENTION_DAYZ", "30")
        with pytest.raises(SinkConfigError) as caught:
            load_sink_settings()
        assert "AUDITSTREAM_SINK__RETENTION_DAYZ: unknown setting" in str(caught.value)

    def test_an_unknown_variable_in_a_shared_section_is_rejected(self, monkeypatch):
        """Shared sections forbid unknown keys too."""
        monkeypatch.setenv("AUDITSTREAM_S3__BUCKKET", "typo")
        with pytest.raises(SinkConfigError, match="AUDITSTREAM_S3__BUCKKET"):
            load_sink_settings()

    def test_an_unknown_argument_key_is_rejected(self):
        """Arguments are checked like variables."""
        with pytest.raises(SinkConfigError, match="AUDITSTREAM_SINK__MAX_RECORD"):
            load_sink_settings(sink={"max_record": 5})

    def test_secret_values_are_masked_in_errors(self):
        """A bad secret is reported by name, never by value."""
        with pytest.raises(SinkConfigError) as caught:
            load_sink_settings(s3={"secret_access_key": ["hunter2-secret"]})
        assert "AUDITSTREAM_S3__SECRET_ACCESS_KEY" in str(caught.value)
        assert "hunter2" not in str(caught.value)

    def test_settings_are_frozen(self):
        """Settings are built once and passed down; nobody changes them on the way."""
        settings = load_sink_settings()
        with pytest.raises(pydantic.ValidationError):
            settings.sink = settings.sink  # type: ignore[misc]
        assert isinstance(settings, SinkSettings)


class TestConsumerConfig:
    def test_the_consumer_reads_committed_records_and_commits_by_hand(self):
        """Delivery depends on read_committed, manual commits and starting at the earliest."""
        config = consumer_config(load_sink_settings(sink={"group_id": "g1"}))
        assert config["group.id"] == "g1"
        assert config["isolation.level"] == "read_committed"
        assert config["enable.auto.commit"] is False
        assert config["auto.offset.reset"] == "earliest"

    def test_rebalances_are_cooperative(self):
        """Only partitions that change owner stop during a rebalance (cooperative-sticky)."""
        config = consumer_config(load_sink_settings())
        assert config["partition.assignment.strategy"] == "cooperative-sticky"

    def test_a_worker_with_an_identity_joins_as_a_static_member(self):
        """The instance id becomes group.instance.id; without one the member is dynamic."""
        settings = load_sink_settings()
        assert consumer_config(settings, instance_id="sink-0")["group.instance.id"] == "sink-0"
        assert "group.instance.id" not in consumer_config(settings)

    def test_static_membership_is_on_by_default_and_an_instance_id_can_be_set(self, monkeypatch):
        """AUDITSTREAM_SINK__INSTANCE_ID names the worker (a StatefulSet's pod name)."""
        assert load_sink_settings().sink.static_membership is True
        monkeypatch.setenv("AUDITSTREAM_SINK__INSTANCE_ID", "auditstream-sink-2")
        assert load_sink_settings().sink.instance_id == "auditstream-sink-2"

    @pytest.mark.parametrize("value", ["", "pod name", "a/b", "x" * 250])
    def test_an_instance_id_kafka_would_refuse_is_rejected_naming_the_variable(
        self, monkeypatch, value
    ):
        """Kafka takes 1-249 characters of letters, digits, '.', '_' and '-'."""
        monkeypatch.setenv("AUDITSTREAM_SINK__INSTANCE_ID", value)
        with pytest.raises(SinkConfigError, match="INSTANCE_ID"):
            load_sink_settings()

    def test_librdkafka_logs_through_our_loggers(self):
        """Its lines become JSON log lines like ours, for the consumer and the DLQ producer."""
        settings = load_sink_settings()
        for config in (consumer_config(settings), dead_letter_producer_config(settings)):
            assert config["logger"].name == "auditstream.sink.librdkafka"

    def test_the_dlq_producer_waits_for_every_replica_and_never_longer_than_a_flush(self):
        """A dead letter is durable before the manifest names it; a late one is not
        delivered behind the retry's copy."""
        config = dead_letter_producer_config(load_sink_settings(sink={"dlq_timeout_s": 7}))
        assert (config["acks"], config["enable.idempotence"]) == ("all", True)
        assert config["message.timeout.ms"] == 7000

    @pytest.mark.parametrize(
        "key",
        [
            "isolation.level",
            "enable.auto.commit",
            "group.id",
            "group.instance.id",
            "partition.assignment.strategy",
        ],
    )
    def test_overrides_may_not_change_what_delivery_depends_on(self, key):
        """A librdkafka override of an owned key is refused at start."""
        settings = load_sink_settings(kafka={"librdkafka_overrides": {key: "x"}})
        with pytest.raises(SinkConfigError, match=key):
            consumer_config(settings)
