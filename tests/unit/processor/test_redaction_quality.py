"""The quality gates: our engine on both labelled sets of our own, and the other sets' builds.

Gated sets (``tests/data``): ``redaction_eval.jsonl``, written together with the
recognizers; ``redaction_eval_faker.jsonl``, built from Faker's locales by
``make_faker_eval.py`` without looking at them; and the dev split of the mimesis set
(``make_mimesis_eval.py``, built blind from a data source the recognizers do not read),
whose misses the recognizers were then fixed against. Its held-out split is checked to
build as committed and never gated: only its totals are ever looked at. The blind set's
two splits (``make_blind_eval.py``, written without reading the recognizers) are likewise
only checked to build as committed and reported as totals. The peer set
(presidio-research's templates, ``data/peer_set.py``) is only checked to build as pinned;
the benchmark reports its figures.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from auditstream.processor.redaction.evaluation import (
    EvalRecord,
    KeepLabel,
    PiiLabel,
    Report,
    evaluate,
    field_value,
    load_records,
    occurs,
    render,
    score,
)

DATA = Path(__file__).parents[2] / "data"
SETS = {
    "first": DATA / "redaction_eval.jsonl",
    "faker": DATA / "redaction_eval_faker.jsonl",
    "mimesis_dev": DATA / "redaction_eval_mimesis_dev.jsonl",
}
# Entity types that may never leak, not even once (issue #5), where a set plants them.
ZERO_LEAK = (
    "SECRET",
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
    "IBAN_CODE",
    "DATE_OF_BIRTH",
    "PASSPORT",
)
# Issue 14's targets, on every gated set: at most 1% leaked, at least 97% kept, and none of the
# zero-leak types leaked at all.
MAX_LEAK_RATE = 0.01
MIN_KEEP_RATE = 0.97
FAKER_TYPES = {
    "PERSON",
    "STREET_ADDRESS",
    "DATE_OF_BIRTH",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "PASSPORT",
    "DRIVER_LICENSE",
    "NATIONAL_ID",
    "EMAIL_ADDRESS",
    "IP_ADDRESS",
    "AGE",
    "SECRET",
}


def _planted_types(path: Path) -> set[str]:
    return {p.entity_type for r in load_records(path) for p in r.pii}


# (set, type) pairs of the zero-leak gate: only the types a set plants.
ZERO_LEAK_CASES = [
    (name, t) for name, path in SETS.items() for t in ZERO_LEAK if t in _planted_types(path)
]


@pytest.fixture(scope="module")
def sets() -> dict[str, list[EvalRecord]]:
    return {name: load_records(path) for name, path in SETS.items()}


@pytest.fixture(scope="module")
def reports(analyzers, sets):
    """Our engine's report per set, computed on first use."""
    from auditstream.processor.redaction.engine import RedactionEngine
    from auditstream.processor.redaction.policy import load_policy
    from auditstream.processor.redaction.tokens import Pseudonymizer

    done: dict[str, Report] = {}

    def report(name: str) -> Report:
        if name not in done:
            engine = RedactionEngine(analyzers, load_policy(), Pseudonymizer(b"q" * 32))
            done[name] = evaluate(sets[name], lambda events: engine.redact_batch(events, now_us=1))
        return done[name]

    return report


class TestEvaluationSets:
    @pytest.mark.parametrize("name", SETS)
    def test_the_set_is_large_and_covers_every_gated_type_it_plants(self, sets, name) -> None:
        """At least 300 events, and each zero-leak type the set plants, at least 15 times
        (20 in the sets written for the gates; the mimesis split plants 18 SSNs)."""
        planted = Counter(p.entity_type for r in sets[name] for p in r.pii)
        least = 15 if name == "mimesis_dev" else 20
        assert len(sets[name]) >= 300
        assert all(planted[t] >= least for t in ZERO_LEAK if t in planted), planted

    @pytest.mark.parametrize("name", SETS)
    def test_every_label_is_in_the_unredacted_event(self, sets, name) -> None:
        """A planted or kept value that is not in its field would measure nothing."""
        for record in sets[name]:
            for label in (*record.pii, *record.keep):
                text = field_value(record.event, label.field)
                assert text is not None, (record.id, label.field)
                assert occurs(label.value, text), (record.id, label.field)

    @pytest.mark.parametrize("name", SETS)
    def test_every_event_is_a_valid_audit_event(self, sets, name) -> None:
        """Each event survives the codec with every value kept, so the engine sees what the
        worker sees (fields a newer schema adds with defaults may appear on decoding)."""
        from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer

        encode, decode = AuditEventSerializer(), AuditEventDeserializer()
        for record in sets[name]:
            assert _kept(record.event, decode(encode(record.event))), record.id

    def test_the_faker_set_plants_every_category_and_many_look_alikes(self, sets) -> None:
        """All 14 entity types, each gated one 20 times, and 300 look-alikes, each of a kind."""
        records = sets["faker"]
        planted = Counter(p.entity_type for r in records for p in r.pii)
        kinds = Counter(k.kind for r in records for k in r.keep)
        assert set(planted) == FAKER_TYPES, planted
        assert all(planted[t] >= 20 for t in ZERO_LEAK), planted
        assert sum(kinds.values()) >= 300
        assert "other" not in kinds, kinds

    def test_the_committed_faker_set_is_what_its_generator_writes(self) -> None:
        """The JSONL is reproducible from the pinned Faker: regenerating changes no byte."""
        from data.make_faker_eval import build, to_jsonl

        committed = SETS["faker"].read_text(encoding="utf-8")
        assert to_jsonl(build()) == committed, "run tests/data/make_faker_eval.py and commit"


class TestRedactionQualityGate:
    @pytest.mark.parametrize(("name", "entity_type"), ZERO_LEAK_CASES)
    def test_no_value_of_a_zero_leak_type_survives(self, reports, name, entity_type) -> None:
        """Secrets, cards, e-mails, phones, SSNs, IBANs, birth dates and passports never leak."""
        report = reports(name)
        leaks = [m.record_id for m in report.misses if m.kind == entity_type]
        assert report.leaked.get(entity_type, 0) == 0, leaks

    @pytest.mark.parametrize("name", SETS)
    def test_overall_leak_rate_is_at_most_one_percent(self, reports, name) -> None:
        """All planted values together leak at most 1%."""
        report = reports(name)
        assert report.leak_rate <= MAX_LEAK_RATE, report.as_dict()

    @pytest.mark.parametrize("name", SETS)
    def test_keep_rate_is_at_least_97_percent(self, reports, name) -> None:
        """Order ids, versions, hashes, UUIDs, business dates, models, amounts, places survive."""
        report = reports(name)
        assert report.keep_rate >= MIN_KEEP_RATE, report.as_dict()


MIMESIS_SETS = {
    "dev": DATA / "redaction_eval_mimesis_dev.jsonl",
    "holdout": DATA / "redaction_eval_mimesis_holdout.jsonl",
}


@pytest.fixture(scope="module")
def mimesis_sets() -> dict[str, list[EvalRecord]]:
    return {split: load_records(path) for split, path in MIMESIS_SETS.items()}


class TestMimesisSets:
    """Built from mimesis's locales without reading the recognizers: checked, not gated.

    The lead decides on leak gates after measuring; until then these tests only check that
    the sets are what their generator writes and that every label can be scored.
    """

    @pytest.mark.parametrize("split", MIMESIS_SETS)
    def test_the_committed_split_is_what_its_generator_writes(self, split) -> None:
        """The JSONL is reproducible from the pinned mimesis: regenerating changes no byte."""
        from data.make_mimesis_eval import build, to_jsonl

        committed = MIMESIS_SETS[split].read_text(encoding="utf-8")
        assert to_jsonl(build(split)) == committed, "run tests/data/make_mimesis_eval.py and commit"

    @pytest.mark.parametrize("split", MIMESIS_SETS)
    def test_the_split_is_large_and_plants_every_category(self, mimesis_sets, split) -> None:
        """About 300 events, all 14 entity types of the Faker set, each look-alike of a kind."""
        records = mimesis_sets[split]
        planted = Counter(p.entity_type for r in records for p in r.pii)
        kinds = Counter(k.kind for r in records for k in r.keep)
        assert len(records) >= 300
        assert set(planted) == FAKER_TYPES, planted
        assert sum(kinds.values()) >= 300
        assert "other" not in kinds, kinds

    @pytest.mark.parametrize("split", MIMESIS_SETS)
    def test_every_label_is_in_its_field(self, mimesis_sets, split) -> None:
        """A planted or kept value that is not in its field would measure nothing."""
        for record in mimesis_sets[split]:
            for label in (*record.pii, *record.keep):
                text = field_value(record.event, label.field)
                assert text is not None, (record.id, label.field)
                assert occurs(label.value, text), (record.id, label.field)

    @pytest.mark.parametrize("split", MIMESIS_SETS)
    def test_every_event_is_a_valid_audit_event(self, mimesis_sets, split) -> None:
        """Each event passes the contract's rules and survives the codec with every value kept.

        Fields a newer schema adds with defaults may appear in the decoded event; every
        field the event holds must come back equal.
        """
        from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer
        from auditstream.schemas.validation import validate_event

        encode, decode = AuditEventSerializer(), AuditEventDeserializer()
        for record in mimesis_sets[split]:
            validate_event(record.event, max_field_bytes=64 * 1024)
            assert _kept(record.event, decode(encode(record.event))), record.id

    def test_the_splits_share_no_labelled_text(self, mimesis_sets) -> None:
        """The held-out split's instances are new: no text holding a label recurs from dev."""

        def texts(records: list[EvalRecord]) -> set[str]:
            return {
                text
                for r in records
                for label in r.pii
                if (text := field_value(r.event, label.field)) is not None
            }

        dev, holdout = texts(mimesis_sets["dev"]), texts(mimesis_sets["holdout"])
        assert len(dev) >= 300
        assert not dev & holdout


BLIND_SETS = {
    "dev": DATA / "redaction_eval_blind_dev.jsonl",
    "holdout": DATA / "redaction_eval_blind_holdout.jsonl",
}


@pytest.fixture(scope="module")
def blind_sets() -> dict[str, list[EvalRecord]]:
    return {split: load_records(path) for split, path in BLIND_SETS.items()}


class TestBlindSets:
    """Written blind (``make_blind_eval.py``): by someone who read neither the recognizers nor
    the other sets' templates. Checked, not gated: both splits are reported as totals only
    until the lead decides on gates after measuring.
    """

    @pytest.mark.parametrize("split", BLIND_SETS)
    def test_the_committed_split_is_what_its_generator_writes(self, split) -> None:
        """The JSONL is reproducible from the pinned mimesis, phonenumbers and python-stdnum:
        regenerating changes no byte."""
        from data.make_blind_eval import build, to_jsonl

        committed = BLIND_SETS[split].read_text(encoding="utf-8")
        assert to_jsonl(build(split)) == committed, "run tests/data/make_blind_eval.py and commit"

    @pytest.mark.parametrize("split", BLIND_SETS)
    def test_the_split_is_large_and_plants_every_category(self, blind_sets, split) -> None:
        """350 to 450 events, all 14 entity types, each zero-leak type at least 15 times, and
        at least 1,000 look-alikes, each of a kind."""
        records = blind_sets[split]
        planted = Counter(p.entity_type for r in records for p in r.pii)
        kinds = Counter(k.kind for r in records for k in r.keep)
        assert 350 <= len(records) <= 450
        assert set(planted) == FAKER_TYPES, planted
        assert all(planted[t] >= 15 for t in ZERO_LEAK), planted
        assert sum(kinds.values()) >= 1000
        assert "other" not in kinds, kinds

    @pytest.mark.parametrize("split", BLIND_SETS)
    def test_every_label_is_in_its_field(self, blind_sets, split) -> None:
        """A planted or kept value that is not in its field would measure nothing."""
        for record in blind_sets[split]:
            for label in (*record.pii, *record.keep):
                text = field_value(record.event, label.field)
                assert text is not None, (record.id, label.field)
                assert occurs(label.value, text), (record.id, label.field)

    @pytest.mark.parametrize("split", BLIND_SETS)
    def test_every_event_is_a_valid_audit_event(self, blind_sets, split) -> None:
        """Each event passes the contract's rules and survives the codec with every value kept."""
        from auditstream.schemas import AuditEventDeserializer, AuditEventSerializer
        from auditstream.schemas.validation import validate_event

        encode, decode = AuditEventSerializer(), AuditEventDeserializer()
        for record in blind_sets[split]:
            validate_event(record.event, max_field_bytes=64 * 1024)
            assert _kept(record.event, decode(encode(record.event))), record.id

    def test_the_splits_share_no_labelled_text(self, blind_sets) -> None:
        """The held-out split's instances are new: no text holding a label recurs from dev."""

        def texts(records: list[EvalRecord]) -> set[str]:
            return {
                text
                for r in records
                for label in r.pii
                if (text := field_value(r.event, label.field)) is not None
            }

        dev, holdout = texts(blind_sets["dev"]), texts(blind_sets["holdout"])
        assert len(dev) >= 350
        assert not dev & holdout


def _kept(original: object, decoded: object) -> bool:
    """Tell whether every field of the original is in the decoded tree with an equal value."""
    if isinstance(original, dict):
        return isinstance(decoded, dict) and all(
            key in decoded and _kept(value, decoded[key]) for key, value in original.items()
        )
    if isinstance(original, list):
        return (
            isinstance(decoded, list)
            and len(original) == len(decoded)
            and all(_kept(a, b) for a, b in zip(original, decoded, strict=True))
        )
    return original == decoded


@pytest.fixture(scope="module")
def peer() -> list[EvalRecord]:
    from data.peer_set import build_peer_set

    return build_peer_set()


class TestPeerSet:
    """presidio-research's sentences as events: built as pinned, reported by the benchmark."""

    def test_the_peer_set_builds_with_the_pinned_counts_per_type(self, peer) -> None:
        """1,500 sentences and 1,901 values of the headline types, as pinned (a new
        presidio-evaluator or Faker shows up here)."""
        from data.peer_set import EXPECTED_COUNTS, HEADLINE_TYPES

        planted = Counter(p.entity_type for r in peer for p in r.pii)
        assert len(peer) == 1500
        assert dict(planted) == EXPECTED_COUNTS
        assert set(planted) <= set(HEADLINE_TYPES)
        assert sum(planted.values()) == 1901

    def test_every_peer_label_is_in_its_sentence(self, peer) -> None:
        """Each labelled value occurs in the prompt, so a surviving value counts as a leak."""
        for record in peer:
            text = field_value(record.event, "llm.prompt")
            assert text is not None
            assert all(occurs(p.value, text) for p in record.pii), record.id


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
            ("Chen", "Dear\\nChen, hi", True),
            ("Chen", "Dear\\nChennai", False),
            ("Chen", "\\tChen", True),
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

    def test_keep_is_counted_per_kind_and_unnamed_kinds_are_other(self) -> None:
        """Each look-alike kind has its own keep rate; a label without a kind is "other"."""
        keep = (
            KeepLabel("llm.prompt", "2026-03-14", "business_date"),
            KeepLabel("llm.prompt", "Austin", "place"),
            KeepLabel("llm.prompt", "ORD-7"),
        )
        record = EvalRecord("r1", "t", {}, (), keep)
        redacted = {"llm": {"prompt": "ship ORD-7 to <LOCATION:1> by 2026-03-14"}}
        result = score([record], [redacted]).as_dict()
        assert result["keep_by_kind"] == {
            "business_date": {"total": 1, "kept": 1, "keep_rate": 1.0},
            "other": {"total": 1, "kept": 1, "keep_rate": 1.0},
            "place": {"total": 1, "kept": 0, "keep_rate": 0.0},
        }

    def test_keep_labels_load_with_and_without_a_kind(self, tmp_path: Path) -> None:
        """Both sets' formats load: keep labels with a kind and without one."""
        line = (
            '{"id": "r1", "category": "t", "event": {}, "pii": [], "keep": ['
            '{"field": "llm.prompt", "value": "v1"}, '
            '{"field": "llm.prompt", "value": "v2", "kind": "version"}]}\n'
        )
        (tmp_path / "set.jsonl").write_text(line)
        (record,) = load_records(tmp_path / "set.jsonl")
        assert [k.kind for k in record.keep] == ["other", "version"]


class TestRender:
    def test_table_has_a_row_per_type_and_a_column_per_redactor(self) -> None:
        """The CLI table names each entity type, the overall leak and the keep rate."""
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

    def test_table_adds_a_keep_row_per_kind_when_the_set_names_kinds(self) -> None:
        """Below the totals, one row per look-alike kind with each redactor's keep rate."""
        ours = Report(planted={"PERSON": 2}, keep_total=4, keep_kept=3)
        ours.keep_total_by_kind = {"place": 3, "version": 1}
        ours.keep_kept_by_kind = {"place": 2, "version": 1}
        table = render({"auditstream": ours})
        lines = [re.sub(r"\(\s+", "(", line) for line in table.splitlines()]
        assert lines[-2].split() == ["place", "3", "2", "(66.7%)"]
        assert lines[-1].split() == ["version", "1", "1", "(100.0%)"]

    def test_table_has_no_kind_rows_when_every_keep_is_other(self) -> None:
        """A set without kinds renders as before: totals last."""
        ours = Report(planted={"PERSON": 2}, keep_total=4, keep_kept=4)
        ours.keep_total_by_kind = {"other": 4}
        ours.keep_kept_by_kind = {"other": 4}
        assert render({"auditstream": ours}).splitlines()[-1].startswith("keep (kept)")
