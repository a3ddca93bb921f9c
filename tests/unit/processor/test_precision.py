"""Precision rules, as tables of findings that must be dropped and findings that must stay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from auditstream.processor.redaction.precision import (
    ip_is_a_version,
    keep_findings,
    person_in_lower_case,
    person_is_not_a_name,
    phone_is_not_a_phone,
)
from support.events import make_event


@dataclass
class _Finding:
    entity_type: str
    start: int
    end: int
    recognition_metadata: dict[str, Any] | None = field(default=None)


def _drops(rule: Any, text: str, value: str) -> bool:
    start = text.index(value)
    return bool(rule(value, text, start, start + len(value)))


NOT_NAMES = [
    ("order ORD-12345 is late", "ORD-12345"),
    ("switch to claude-3-5-sonnet for this", "claude-3-5-sonnet"),
    ("run it on llama-3.1-70b", "llama-3.1-70b"),
    ("Claude said no", "Claude"),
    ("np.array is slow", "np.array"),
    ("call get_user(id) first", "get_user(id)"),
    ("see INV-2024-0042", "INV-2024-0042"),
    ("the Kafka broker", "Kafka"),
    ("name: RunnableSequence", "RunnableSequence"),
    ("model ChatOpenAI", "ChatOpenAI"),
    ("Hi Team, the build broke", "Team"),
    ("Revert commit 9fceb02", "Revert"),
]
NAMES = [
    ("Maria Gonzalez called", "Maria Gonzalez"),
    ("ask James O'Connor", "James O'Connor"),
    ("Lucía Fernández-Díaz wrote", "Lucía Fernández-Díaz"),
    ("Thanks Olusegun!", "Olusegun"),
    ("the customer Philippe Daniel", "Philippe Daniel"),
    ("from Yi Chen", "Yi Chen"),
    ("ask Leonardo DiCaprio", "Leonardo DiCaprio"),
    ("Angus MacDonald wrote", "Angus MacDonald"),
    ("Dear 吉田 美加子,", "吉田 美加子"),
]
NOT_PHONES = [
    ("what is 1234 * 5678", "1234"),
    ("what is 12345678 * 9", "12345678"),
    ("it costs $1299000000 in total", "1299000000"),
    ("3141592653 / 2 is what?", "3141592653"),
    ("the year 2024", "2024"),
    ("about 4500000000 tokens", "4500000000"),
    ("x = 4155550100 + 1", "4155550100"),
    # Unix seconds of 2020-2035 in a log line or a field.
    ("1794231094 DEBUG profile.update", "1794231094"),
    ('"created_at": "1795485322"', "1795485322"),
]
PHONES = [
    ("call me on (415) 872-3391", "(415) 872-3391"),
    ("my cell is 415-872-3391", "415-872-3391"),
    ("ring +44 20 7946 0958", "+44 20 7946 0958"),
    ("Telefon 030 12345678", "030 12345678"),
    ("the number = +49 151 23456789", "+49 151 23456789"),
]


class TestLowerCaseRule:
    def test_a_lower_case_finding_is_dropped(self) -> None:
        """spaCy calls lower-case words people; a lower-case name needs its own evidence."""
        assert _drops(person_in_lower_case, "lowercase person", "lowercase")

    def test_scripts_without_capitals_are_not_lower_case(self) -> None:
        """吉田 has no case; it is not dropped for lacking a capital."""
        assert not _drops(person_in_lower_case, "Dear 吉田 美加子,", "吉田 美加子")


class TestPersonRule:
    @pytest.mark.parametrize(("text", "value"), NOT_NAMES)
    def test_ids_models_code_and_tech_words_are_not_names(self, text: str, value: str) -> None:
        """Order ids, model names, identifiers and capitalised tech words are dropped."""
        assert _drops(person_is_not_a_name, text, value)

    @pytest.mark.parametrize(("text", "value"), NAMES)
    def test_names_with_accents_apostrophes_and_hyphens_stay(self, text: str, value: str) -> None:
        """Real names are kept, whatever letters they use."""
        assert not _drops(person_is_not_a_name, text, value)


class TestPhoneRule:
    @pytest.mark.parametrize(("text", "value"), NOT_PHONES)
    def test_arithmetic_amounts_years_and_quantities_are_not_phones(
        self, text: str, value: str
    ) -> None:
        """Short digit runs and numbers next to operators, currencies or units are dropped."""
        assert _drops(phone_is_not_a_phone, text, value)

    @pytest.mark.parametrize(("text", "value"), PHONES)
    def test_national_and_international_numbers_stay(self, text: str, value: str) -> None:
        """Ten-digit national numbers and numbers with a country code are kept."""
        assert not _drops(phone_is_not_a_phone, text, value)


class TestIpRule:
    @pytest.mark.parametrize(
        ("text", "value", "dropped"),
        [
            ("upgrade to v1.2.3.4 now", "1.2.3.4", True),
            ("pin pkg==10.2.0.1", "10.2.0.1", True),
            ("version 4.1.0.2 fixed it", "4.1.0.2", True),
            ("connect to 10.0.3.17 on 5432", "10.0.3.17", False),
            ("postgres://u:p@145.105.209.59:5432", "145.105.209.59", False),
        ],
    )
    def test_versions_are_dropped_and_addresses_stay(
        self, text: str, value: str, dropped: bool
    ) -> None:
        """A four-part version after v, version or == is not an address."""
        assert _drops(ip_is_a_version, text, value) is dropped


class TestKeepFindings:
    def test_a_city_found_by_ner_alone_is_dropped_but_not_after_a_cue(self) -> None:
        """'Austin' from spaCy is a place; 'Austin' after 'my name is' is a name."""
        text = "ship to Austin. my name is Austin"
        ner = _Finding("PERSON", 8, 14, {"recognizer_name": "SpacyRecognizer"})
        cue = _Finding("PERSON", 27, 33, {"recognizer_name": "SelfIntroductionRecognizer"})
        assert keep_findings(text, [ner, cue]) == [cue]

    def test_entity_types_without_rules_keep_every_finding(self) -> None:
        """An e-mail finding is never dropped by a precision rule."""
        text = "write to ORD-1@example.org"
        finding = _Finding("EMAIL_ADDRESS", 9, len(text))
        assert keep_findings(text, [finding]) == [finding]

    def test_a_huge_finding_is_judged_in_linear_time(self) -> None:
        """The model-name shape cannot backtrack on a long span."""
        import time

        value = "Claude" + "a" * 200_000 + "\u00e9"
        started = time.monotonic()
        person_is_not_a_name(value, value, 0, len(value))
        assert time.monotonic() - started < 5


class TestTokensFromUpstream:
    @pytest.mark.parametrize(
        "text",
        [
            "OPENAI_API_KEY=<SECRET:OPENAI_API_KEY> fails",
            "write to <EMAIL_ADDRESS:9f2c1a4b7d3e> today",
        ],
    )
    def test_text_inside_an_existing_token_is_not_redacted_again(self, engine, text: str) -> None:
        """Tokens written by the SDK scrub or an earlier pass are never nested."""
        event = make_event()
        event["llm"]["prompt"] = text
        [out] = engine.redact_batch([event], now_us=1)
        assert out["llm"]["prompt"] == text
