"""The quality gate: our engine on the labelled evaluation set (tests/data/redaction_eval.jsonl)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditstream.processor.redaction.evaluation import (
    EvalRecord,
    Report,
    evaluate,
    field_value,
    load_records,
    occurs,
    score,
)

DATASET = Path(__file__).parents[2] / "data" / "redaction_eval.jsonl"
# Entity types that may never leak, not even once (issue #5).
ZERO_LEAK = ("SECRET", "CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "IBAN_CODE")
MAX_LEAK_RATE = 0.02
MIN_KEEP_RATE = 0.95


@pytest.fixture(scope="module")
def records() -> list[EvalRecord]:
    return load_records(DATASET)


@pytest.fixture(scope="module")
def report(analyzers, records) -> Report:
    from auditstream.processor.redaction.engine import RedactionEngine
    from auditstream.processor.redaction.policy import load_policy
    from auditstream.processor.redaction.tokens import Pseudonymizer

    engine = RedactionEngine(analyzers, load_policy(), Pseudonymizer(b"q" * 32))
    return evaluate(records, lambda events: engine.redact_batch(events, now_us=1))


class TestEvaluationSet:
    def test_the_set_is_large_and_covers_every_gated_type(self, records) -> None:
        """At least 300 events, and each zero-leak type is planted at least 20 times."""
        planted: dict[str, int] = {}
        for record in records:
            for pii in record.pii:
                planted[pii.entity_type] = planted.get(pii.entity_type, 0) + 1
        assert len(records) >= 300
        assert all(planted.get(t, 0) >= 20 for t in ZERO_LEAK), planted

    def test_every_label_is_in_the_unredacted_event(self, records) -> None:
        """A planted or kept value that is not in its field would measure nothing."""
        for record in records:
            for label in (*record.pii, *record.keep):
                text = field_value(record.event, label.field)
                assert text is not None, (record.id, label.field)
                assert occurs(label.value, text), (record.id, label.field)


class TestRedactionQualityGate:
    @pytest.mark.parametrize("entity_type", ZERO_LEAK)
    def test_no_value_of_a_zero_leak_type_survives(self, report: Report, entity_type) -> None:
        """Secrets, cards, e-mails, phones, SSNs and IBANs never leak."""
        leaks = [m.record_id for m in report.misses if m.kind == entity_type]
        assert report.leaked.get(entity_type, 0) == 0, leaks

    def test_overall_leak_rate_is_at_most_two_percent(self, report: Report) -> None:
        """All planted values together leak at most 2%."""
        assert report.leak_rate <= MAX_LEAK_RATE, report.as_dict()

    def test_keep_rate_is_at_least_95_percent(self, report: Report) -> None:
        """Order ids, versions, hashes, UUIDs, model names, numbers and cities survive."""
        assert report.keep_rate >= MIN_KEEP_RATE, report.as_dict()


class TestScoring:
    @pytest.mark.parametrize(
        ("value", "text", "expected"),
        [
            ("Chen", "ask Chen today", True),
            ("Chen", "flights to Chennai", False),
            ("5432", "db:5432/orders", True),
            ("5432", "port 54321", False),
            ("<EMAIL_ADDRESS:1>", "x<EMAIL_ADDRESS:1>y", True),
            ("4111 1111 1111 1111", "card 4111 1111 1111 1111.", True),
        ],
    )
    def test_a_value_occurs_only_outside_longer_words_and_numbers(
        self, value: str, text: str, expected: bool
    ) -> None:
        """Occurrence is verbatim, bounded by non-alphanumeric characters."""
        assert occurs(value, text) is expected

    def test_leaks_are_found_in_any_field_and_keeps_only_in_their_own(self) -> None:
        """A planted value moved to another field still leaks; a kept value must stay put."""
        raw = {
            "id": "r1",
            "category": "t",
            "event": {"llm": {"prompt": "a"}},
            "pii": [{"field": "llm.prompt", "value": "bob@x.org", "entity_type": "EMAIL_ADDRESS"}],
            "keep": [{"field": "llm.prompt", "value": "ORD-1"}],
        }
        from auditstream.processor.redaction.evaluation import KeepLabel, PiiLabel

        record = EvalRecord(
            raw["id"], raw["category"], raw["event"],
            (PiiLabel(**raw["pii"][0]),), (KeepLabel(**raw["keep"][0]),),
        )  # fmt: skip
        redacted = {
            "llm": {"prompt": "<EMAIL_ADDRESS:1>", "response": "ORD-1"},
            "attributes": {"k": "bob@x.org"},
        }
        result = score([record], [redacted])
        assert result.leaked == {"EMAIL_ADDRESS": 1}
        assert (result.keep_kept, result.keep_total) == (0, 1)


class TestRender:
    def test_table_has_a_row_per_type_and_a_column_per_redactor(self) -> None:
        """The CLI table names each entity type, the overall leak and the keep rate."""
        from auditstream.processor.redaction.evaluation import render

        ours = Report(planted={"EMAIL_ADDRESS": 4, "PERSON": 2}, leaked={"PERSON": 1})
        ours.keep_total, ours.keep_kept = 10, 9
        theirs = Report(planted={"EMAIL_ADDRESS": 4, "PERSON": 2}, leaked={"EMAIL_ADDRESS": 2})
        theirs.keep_total, theirs.keep_kept = 10, 5
        table = render({"auditstream": ours, "presidio": theirs})
        lines = [re.sub(r"\(\s+", "(", line) for line in table.splitlines()]
        assert "auditstream leaked" in lines[0]
        assert "presidio leaked" in lines[0]
        assert lines[2].split()[:4] == ["EMAIL_ADDRESS", "4", "0", "(0.0%)"]
        assert lines[3].split()[:4] == ["PERSON", "2", "1", "(50.0%)"]
        assert "(16.7%)" in lines[5]
        assert "(90.0%)" in lines[6]
        assert "(50.0%)" in lines[6]
