"""Vanilla Presidio, the baseline our redaction is measured against.

Presidio as its README shows it: ``AnalyzerEngine`` with its default recognizers and
default score threshold, ``AnonymizerEngine`` with the default ``replace`` operator
(``<ENTITY_TYPE>``), run on every string field of every event, one text at a time, no
cache and no field policy. The only change is the NLP model: the default would download
``en_core_web_lg``, so the baseline uses the same offline model as our engine, which
keeps the comparison about what each does with the model, not about the model.

Used by the evaluation CLI and the redaction benchmark; never by the worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult

from auditstream.processor.redaction.analyzer import LANGUAGE, SPACY_MODEL
from auditstream.processor.redaction.offline import prepare_offline
from auditstream.schemas import AuditEvent


class VanillaPresidio:
    """Redact every string of an event with default Presidio.

    Build it once (it loads spaCy); :meth:`redact_batch` has our engine's call shape.
    """

    def __init__(self) -> None:
        prepare_offline()
        nlp = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": LANGUAGE, "model_name": SPACY_MODEL}],
            }
        ).create_engine()
        self._analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=[LANGUAGE])
        self._anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]

    def redact_text(self, text: str) -> str:
        """Return one text with everything default Presidio finds replaced.

        Args:
            text: Any string.

        Returns:
            The anonymized text.
        """
        results = self._analyzer.analyze(text=text, language=LANGUAGE)
        if not results:
            return text
        findings = [AnonymizerResult(r.entity_type, r.start, r.end, r.score) for r in results]
        anonymized: str = self._anonymizer.anonymize(text=text, analyzer_results=findings).text
        return anonymized

    def redact_batch(self, events: Sequence[AuditEvent], *, now_us: int) -> list[AuditEvent]:
        """Redact every string field of every event in place, one text at a time.

        Args:
            events: Decoded events; they are modified.
            now_us: Unused; the same signature as ``RedactionEngine.redact_batch``.

        Returns:
            The same events.
        """
        for event in events:
            _redact_strings(event, self.redact_text)
        return list(events)


def _redact_strings(node: Any, redact: Any) -> None:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, str):
            node[key] = redact(value)
        elif isinstance(value, dict | list):
            _redact_strings(value, redact)
