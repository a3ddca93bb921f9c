"""Processor settings for streaming: bounds that would break exactly-once fail at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from auditstream.processor.settings import ProcessorSection


class TestStreamingSettings:
    def test_defaults_are_consistent(self) -> None:
        """The shipped defaults pass their own checks."""
        section = ProcessorSection()
        assert section.trace_ttl_s >= section.dedup_window_s
        assert section.dlq_max_value_bytes < section.max_message_bytes

    @pytest.mark.parametrize(
        ("values", "named"),
        [
            ({"dedup_window_s": 600, "trace_ttl_s": 60}, "trace_ttl_s"),
            ({"max_message_bytes": 2 << 20, "dlq_max_value_bytes": 2 << 20}, "dlq_max_value_bytes"),
            ({"session_timeout_s": 6, "heartbeat_interval_s": 3}, "heartbeat_interval_s"),
        ],
    )
    def test_inconsistent_bounds_fail_naming_the_field(
        self, values: dict[str, float], named: str
    ) -> None:
        """A TTL shorter than the dedup window, a DLQ value without headroom, slow heartbeats."""
        with pytest.raises(ValidationError) as info:
            ProcessorSection(**values)
        assert named in str(info.value)

    def test_environment_sets_the_group_timeouts(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """AUDITSTREAM_PROCESSOR__SESSION_TIMEOUT_S reaches the section."""
        from auditstream.processor.settings import ProcessorSettings

        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__SESSION_TIMEOUT_S", "9")
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__HEARTBEAT_INTERVAL_S", "1")
        assert ProcessorSettings().processor.session_timeout_s == 9

    def test_static_membership_is_on_by_default_and_an_instance_id_can_be_set(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """AUDITSTREAM_PROCESSOR__INSTANCE_ID names the worker (a StatefulSet's pod name)."""
        from auditstream.processor.settings import ProcessorSettings

        assert ProcessorSection().static_membership is True
        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__INSTANCE_ID", "auditstream-processor-0")
        assert ProcessorSettings().processor.instance_id == "auditstream-processor-0"

    @pytest.mark.parametrize("value", ["", "pod name", "x" * 250])
    def test_an_instance_id_kafka_would_refuse_is_rejected(self, value: str) -> None:
        """Kafka takes 1-249 characters of letters, digits, '.', '_' and '-'."""
        with pytest.raises(ValidationError, match="instance_id"):
            ProcessorSection(instance_id=value)


class TestLoadProcessorSettings:
    def test_a_misspelt_variable_fails_at_start_naming_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A typo must not leave a setting silently at its default."""
        from auditstream.processor import ProcessorConfigError, load_processor_settings

        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__BATCH_MAXX", "50")
        with pytest.raises(ProcessorConfigError) as info:
            load_processor_settings()
        assert str(info.value) == (
            "invalid processor settings: AUDITSTREAM_PROCESSOR__BATCH_MAXX: "
            "unknown setting (check the spelling)"
        )

    def test_an_invalid_key_is_named_but_never_shown(self) -> None:
        """The pseudonymization key's value stays out of the message."""
        from auditstream.processor import ProcessorConfigError, load_processor_settings

        with pytest.raises(ProcessorConfigError) as info:
            load_processor_settings(processor={"hmac_key": 4242424242})
        assert "AUDITSTREAM_PROCESSOR__HMAC_KEY='***'" in str(info.value)
        assert "4242424242" not in str(info.value)

    def test_audit_process_prints_one_line_and_exits_2(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No traceback for an operator's typo."""
        from typer.testing import CliRunner

        from auditstream.processor.cli import app

        monkeypatch.setenv("AUDITSTREAM_PROCESSOR__BATCH_MAXX", "50")
        result = CliRunner().invoke(app, [])
        assert result.exit_code == 2
        assert "AUDITSTREAM_PROCESSOR__BATCH_MAXX: unknown setting" in result.output
        assert "Traceback" not in result.output
