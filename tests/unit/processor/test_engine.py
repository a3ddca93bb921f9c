"""The redaction engine on real Presidio and spaCy (offline), no services."""

from __future__ import annotations

import copy

import pytest

from support.events import make_event

PLANTED = {
    "email": "maria.gonzalez@example.org",
    "phone": "+1 212 736 5000",
    "card": "4111 1111 1111 1111",
    "openai_key": "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz",
    "aws_key": "AKIAIOSFODNN7EXAMPLE",
    "name": "Maria Gonzalez",
}


def _prompt() -> str:
    return (
        f"Hello, my name is {PLANTED['name']}. Write to {PLANTED['email']} or call "
        f"{PLANTED['phone']}. My card is {PLANTED['card']}. Here is my key "
        f"{PLANTED['openai_key']} and AWS id {PLANTED['aws_key']}."
    )


class TestRedactionEngine:
    def test_planted_values_leave_no_trace_in_the_prompt(self, engine) -> None:
        """Names, e-mails, phones, cards and keys are all replaced by tokens."""
        event = make_event()
        event["llm"]["prompt"] = _prompt()
        [out] = engine.redact_batch([event], now_us=1)
        for value in PLANTED.values():
            assert value not in out["llm"]["prompt"]
        assert "<EMAIL_ADDRESS:" in out["llm"]["prompt"]
        assert "<SECRET:" in out["llm"]["prompt"]

    def test_user_id_becomes_a_stable_pseudonym_and_ip_a_network(self, engine) -> None:
        """Structured fields get their policy action, not NER."""
        a, b = make_event(), make_event()
        engine.redact_batch([a, b], now_us=1)
        assert a["actor"]["user_id"].startswith("<USER_ID:")
        assert a["actor"]["user_id"] == b["actor"]["user_id"]
        assert a["actor"]["ip_address"] == "203.0.113.0/24"

    def test_non_personal_text_survives(self, engine) -> None:
        """Plain questions, versions, UUIDs and model names are kept."""
        text = (
            "Upgrade numpy to 2.1.3 and rerun job 123e4567-e89b-12d3-a456-426614174000 on gpt-4o."
        )
        event = make_event()
        event["llm"]["prompt"] = text
        [out] = engine.redact_batch([event], now_us=1)
        assert out["llm"]["prompt"] == text

    def test_processing_record_counts_redactions_per_field(self, engine) -> None:
        """The event says what was redacted, under which policy version."""
        event = make_event()
        event["llm"]["prompt"] = _prompt()
        [out] = engine.redact_batch([event], now_us=42)
        processing = out["processing"]
        assert processing["ingested_at"] == 42
        assert processing["policy_version"] == engine.policy_version
        counted = {(r["field"], r["entity_type"]) for r in processing["redactions"]}
        assert ("llm.prompt", "EMAIL_ADDRESS") in counted
        assert ("llm.prompt", "SECRET") in counted
        assert ("actor.user_id", "USER_ID") in counted

    def test_repeated_text_is_served_from_the_cache_with_the_same_result(self, engine) -> None:
        """A second batch with the same prompt hits the cache and redacts identically."""
        first, second = make_event(), make_event()
        first["llm"]["prompt"] = second["llm"]["prompt"] = _prompt()
        engine.redact_batch([first], now_us=1)
        hits_before = engine.cache_stats.hits
        engine.redact_batch([second], now_us=1)
        assert engine.cache_stats.hits > hits_before
        assert first["llm"]["prompt"] == second["llm"]["prompt"]

    def test_enum_fields_are_untouched(self, engine) -> None:
        """event_type and status decode as strings but are not free text."""
        event = make_event()
        original = copy.deepcopy(event)
        [out] = engine.redact_batch([event], now_us=1)
        assert out["event_type"] == original["event_type"]
        assert out["status"] == original["status"]


SURVIVE = [
    "Where is my order ORD-12345? It was $1,299.00 for 3 units.",
    "what is 1234 * 5678, and 12345678 / 9?",
    "Compare gpt-4o, claude-3-5-sonnet-20241022 and llama-3.1-70b-instruct for summaries.",
    "Bump numpy==1.26.4 and pin v4.0.0-rc.1; release 2.1.3 is broken since 2023.",
    "Revert commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (short 9fceb02).",
    "Job 123e4567-e89b-12d3-a456-426614174000 failed after 4096 tokens.",
    "What's the weather like in Lisbon in March, and is Austin warmer?",
    "The mod 1000000007 trick keeps numbers small; 2^31 - 1 = 2147483647.",
    "KeyError: 'tenant_id' in /srv/app/jobs/run.py line 212",
    "password = os.environ['DB_PASSWORD']",
]
REMOVED = [
    ("Hi, I'm Chloe Adeyemi and my email is chloe.adeyemi@example.org", "Chloe Adeyemi"),
    ("call me on (415) 872-3391 after 5pm", "(415) 872-3391"),
    ("refund to DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00"),
    ("my SSN is 536-22-1478", "536-22-1478"),
    ("DATABASE_URL=postgres://app:Winter2024!@db:5432/x", "Winter2024!"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
    ('{"customer_name": "Aiko Khan", "order_id": "ORD-1"}', "Aiko Khan"),
    ("Thanks Henrik! Your order shipped.", "Henrik"),
]


class TestRedactionPrecisionAndRecall:
    @pytest.mark.parametrize("text", SURVIVE)
    def test_non_personal_text_survives_verbatim(self, engine, text: str) -> None:
        """Order ids, prices, maths, model names, versions, hashes, UUIDs and cities stay."""
        event = make_event()
        event["llm"]["prompt"] = text
        [out] = engine.redact_batch([event], now_us=1)
        assert out["llm"]["prompt"] == text

    @pytest.mark.parametrize(("text", "value"), REMOVED)
    def test_personal_data_and_secrets_are_removed(self, engine, text: str, value: str) -> None:
        """Names, phones, IBANs, SSNs, passwords, keys and greeted names are replaced."""
        event = make_event()
        event["llm"]["prompt"] = text
        [out] = engine.redact_batch([event], now_us=1)
        assert value not in out["llm"]["prompt"]
