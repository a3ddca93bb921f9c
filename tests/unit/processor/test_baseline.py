"""Vanilla Presidio, the baseline of the evaluation and the benchmark."""

from __future__ import annotations

import pytest

from support.events import make_event


@pytest.fixture(scope="module")
def vanilla():
    from auditstream.processor.redaction.baseline import VanillaPresidio

    return VanillaPresidio()


class TestVanillaPresidio:
    def test_every_string_field_is_analyzed_with_no_policy(self, vanilla) -> None:
        """An e-mail is replaced in free text and in a structured field alike."""
        event = make_event()
        event["llm"]["prompt"] = "write to maria.gonzalez@example.org please"
        event["service"]["host"] = "maria.gonzalez@example.org"
        [out] = vanilla.redact_batch([event], now_us=1)
        assert out["llm"]["prompt"] == "write to <EMAIL_ADDRESS> please"
        assert out["service"]["host"] == "<EMAIL_ADDRESS>"

    def test_secrets_are_not_among_its_default_entities(self, vanilla) -> None:
        """Default Presidio has no recognizer for platform tokens, which is what we add."""
        text = "use ghp_a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2a1B2 for the call"
        assert vanilla.redact_text(text) == text
