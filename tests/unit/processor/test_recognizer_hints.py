"""Shortcuts in the recognizers never change what they find.

A hint (``recognizers/hinted.py``) lets a recognizer skip a text without trying its
patterns; the phone recognizer matches a window once per numbering plan, not per region;
the age patterns test for a digit before their lookbehinds; NER is left out of texts where
the precision rules would drop all it finds (``selective_ner.py``). Each would pass personal data
if it were narrower than what it stands in for. They are checked here on every text of
every labelled set, ours and presidio-research's: texts that we did not write for them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.nlp_engine import SpacyNlpEngine

from auditstream.processor.redaction.analyzer import LANGUAGE, Analyzers
from auditstream.processor.redaction.evaluation import load_records
from auditstream.processor.redaction.precision import ner_can_find_a_name
from auditstream.processor.redaction.recognizers import AgeRecognizer, custom_recognizers
from auditstream.processor.redaction.recognizers.age_recognizer import _DIGIT_FIRST
from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer
from auditstream.processor.redaction.recognizers.ner_recognizer import PreciseSpacyRecognizer
from auditstream.processor.redaction.recognizers.phone_recognizer import numbering_plans

DATA = Path(__file__).parents[2] / "data"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    """Every distinct string of every event of every labelled set, the peer set included."""
    from data.peer_set import build_peer_set

    records = [r for path in sorted(DATA.glob("redaction_eval*.jsonl")) for r in load_records(path)]
    records += build_peer_set()
    return sorted({text for record in records for text in _strings(record.event)})


HINTED = [r for r in custom_recognizers() if isinstance(r, HintedPatternRecognizer) and r.HINTS]


def test_the_hinted_recognizers_are_the_cue_and_prefix_ones() -> None:
    assert {type(r).__name__ for r in HINTED} == {
        "BearerTokenRecognizer",
        "CloudKeyRecognizer",
        "ContactNameRecognizer",
        "CuedNameRecognizer",
        "EmailInUrlRecognizer",
        "JwtRecognizer",
        "LabelledNameRecognizer",
        "LlmApiKeyRecognizer",
        "PasswordRecognizer",
        "PlatformTokenRecognizer",
        "PrivateKeyRecognizer",
        "SalutationRecognizer",
        "SelfIntroductionRecognizer",
    }


@pytest.mark.parametrize("recognizer", HINTED, ids=lambda r: type(r).__name__)
def test_a_text_no_hint_matches_holds_nothing_the_patterns_find(
    recognizer: HintedPatternRecognizer, corpus: list[str]
) -> None:
    entities = list(recognizer.supported_entities)
    skipped = [t for t in corpus if not any(h.search(t) for h in recognizer.HINTS)]
    kept = [t for t in corpus if any(h.search(t) for h in recognizer.HINTS)]
    # Texts on both sides, and findings among the texts the hint lets through: otherwise
    # the corpus would say nothing about this hint.
    assert skipped
    assert any(recognizer.analyze(t, entities) for t in kept)
    missed = [t for t in skipped if PatternRecognizer.analyze(recognizer, t, entities)]
    assert missed == []


def test_a_hinted_recognizer_does_not_try_its_patterns_on_a_text_without_a_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (password,) = (r for r in HINTED if type(r).__name__ == "PasswordRecognizer")

    def tried(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("patterns tried")

    monkeypatch.setattr(PatternRecognizer, "analyze", tried)
    assert password.analyze("Summarise the meeting notes in three bullets.", ["SECRET"]) == []
    with pytest.raises(AssertionError, match="patterns tried"):
        password.analyze("the password is hunter2hunter2", ["SECRET"])


def test_the_age_patterns_find_the_same_without_their_digit_test(corpus: list[str]) -> None:
    fast = AgeRecognizer()
    plain = PatternRecognizer(
        supported_entity="AGE",
        name="AgeRecognizer",
        patterns=[
            Pattern(p.name, p.regex.removeprefix(_DIGIT_FIRST), p.score) for p in fast.patterns
        ],
        supported_language="en",
        global_regex_flags=fast.global_regex_flags,
    )
    assert all(p.regex.startswith(_DIGIT_FIRST) for p in fast.patterns)
    found = 0
    for text in corpus:
        ours = [(r.start, r.end, r.score) for r in fast.analyze(text, ["AGE"])]
        assert ours == [(r.start, r.end, r.score) for r in plain.analyze(text, ["AGE"])], text
        found += len(ours)
    assert found > 0


def test_regions_of_one_numbering_plan_are_matched_once() -> None:
    assert numbering_plans(("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR")) == (
        "US",
        "GB",
        "DE",
        "FR",
        "IL",
        "IN",
        "BR",
    )
    assert numbering_plans(("CA", "US")) == ("CA",)


def test_canada_finds_what_the_united_states_find_in_national_numbers() -> None:
    rng = random.Random(7)
    shapes = (
        "{a}-{b}-{c}",
        "({a}) {b}-{c}",
        "1 {a} {b} {c}",
        "1-{a}-{b}-{c}",
        "{a}.{b}.{c}",
        "{a}{b}{c}",
        "1{a}{b}{c}",
        "call 1 ({a}) {b} {c} now",
        "0{a}{b}{c}",
        "011 {a} {b} {c}",
    )
    found = 0
    for _ in range(3000):
        area = f"{rng.randint(200, 999)}" if rng.random() < 0.8 else f"{rng.randint(0, 999):03d}"
        text = rng.choice(shapes).format(
            a=area, b=f"{rng.randint(0, 999):03d}", c=f"{rng.randint(0, 9999):04d}"
        )
        us = [(m.start, m.end, m.number) for m in phonenumbers.PhoneNumberMatcher(text, "US", 1)]
        ca = [(m.start, m.end, m.number) for m in phonenumbers.PhoneNumberMatcher(text, "CA", 1)]
        assert us == ca, text
        found += bool(us)
    assert found > 500


def test_ner_finds_nothing_the_rules_keep_where_it_is_left_out(
    analyzers: Analyzers, corpus: list[str]
) -> None:
    ner = PreciseSpacyRecognizer(["PERSON"])
    left_out = [text for text in corpus if not ner_can_find_a_name(text)]
    assert len(left_out) > 100
    # Full NER, as Presidio's own engine runs it, on every text the engine leaves it out of.
    full = SpacyNlpEngine.process_batch(analyzers.nlp, left_out, LANGUAGE, batch_size=256)
    kept = [text for text, artifacts in full if ner.analyze(text, ["PERSON"], artifacts)]
    assert kept == []


def test_ner_is_left_out_only_where_no_finding_could_pass() -> None:
    assert not ner_can_find_a_name("ask yesenia at 0612 345 678 about order 42")
    assert ner_can_find_a_name("ask Yesenia about order 42")
    assert ner_can_find_a_name("ask 김지은 about order 42")  # a script without case
    assert ner_can_find_a_name("ask \u00e9lodie about order 42")  # not ASCII: NER runs


def test_the_engine_keeps_order_and_runs_ner_only_where_needed(analyzers: Analyzers) -> None:
    texts = ["Maria Lopez called.", "maria lopez called.", "Maria Lopez wrote.", "ok"]
    out = list(analyzers.nlp.process_batch(texts, LANGUAGE, batch_size=2))
    assert [text for text, _ in out] == texts
    people = [[e.text for e in artifacts.entities] for _, artifacts in out]
    assert people[0] == people[2] == ["Maria Lopez"]
    assert people[1] == people[3] == []
    # The tokens and lemmas Presidio's context words read are there either way.
    assert [t.text for t in out[1][1].tokens] == ["maria", "lopez", "called", "."]
    assert out[1][1].lemmas == ["maria", "lopez", "called", "."]
    assert analyzers.nlp.process_text("maria lopez called.", LANGUAGE).entities == []
    assert analyzers.nlp.process_text("Maria Lopez called.", LANGUAGE).entities
