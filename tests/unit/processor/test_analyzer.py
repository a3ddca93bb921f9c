"""The analyzer build: NER-only spaCy, windowed phones, context words still effective."""

from __future__ import annotations

import threading

import pytest

from auditstream.processor.redaction.analyzer import MIN_SCORE, SCAN_ENTITIES


def _found(analyzers, text: str) -> list[tuple[str, str]]:
    results = analyzers.engine.analyze(
        text, language="en", entities=list(SCAN_ENTITIES), score_threshold=MIN_SCORE
    )
    return sorted((r.entity_type, text[r.start : r.end]) for r in results)


class TestBuildAnalyzers:
    def test_spacy_runs_ner_and_the_lower_case_lemma_step_only(self, analyzers) -> None:
        """Tagger, parser and lemmatizer are disabled; NER and our lemma step remain."""
        assert analyzers.nlp.nlp["en"].pipe_names == ["ner", "auditstream_lower_lemma"]

    def test_lemmas_are_lower_cased_tokens(self, analyzers) -> None:
        """Presidio's context words read lemmas; ours are the tokens in lower case."""
        [(_, artifacts)] = list(analyzers.nlp.process_batch(["My SSN Cards"], language="en"))
        assert artifacts.lemmas == ["my", "ssn", "cards"]

    def test_a_build_logs_no_warning(self, caplog: pytest.LogCaptureFixture) -> None:
        """Presidio's notes about recognizers of other languages are not an operator's concern."""
        from auditstream.processor.redaction.analyzer import build_analyzers

        with caplog.at_level("WARNING"):
            build_analyzers()
        # Only this thread's records: a Kafka client another test left behind logs from
        # librdkafka's threads into every later capture.
        here = threading.get_ident()
        assert [r.getMessage() for r in caplog.records if r.thread == here] == []

    def test_ner_labels_scan_never_asks_for_are_dropped_without_a_warning(
        self, analyzers, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Numbers, money and places are not findings, and cost no log record per text."""
        text = "Maria Gonzalez paid $40 for 3 seats in Paris on the first day"
        with caplog.at_level("WARNING"):
            [(_, artifacts)] = list(analyzers.nlp.process_batch([text], language="en"))
        assert [e.label_ for e in artifacts.entities] == ["PERSON"]
        assert caplog.records == []

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("my ssn is 536221478 thanks", [("US_SSN", "536221478")]),
            ("the number 536221478 is an order", []),
        ],
    )
    def test_context_words_still_lift_weak_patterns(self, analyzers, text, expected) -> None:
        """A bare nine-digit number is an SSN only with a context word near it."""
        assert _found(analyzers, text) == expected

    def test_presidio_phone_recognizer_is_replaced_by_the_windowed_one(self, analyzers) -> None:
        """One phone recognizer is registered, and it is ours."""
        names = [type(r).__name__ for r in analyzers.engine.registry.recognizers]
        assert "PhoneRecognizer" not in names
        assert names.count("WindowedPhoneRecognizer") == 1
