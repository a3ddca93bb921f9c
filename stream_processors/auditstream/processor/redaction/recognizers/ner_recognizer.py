"""spaCy's NER, with the precision rules applied before Presidio merges findings.

Presidio drops a finding that a higher-scored finding of the same type contains. spaCy's
small model sometimes labels a long run PERSON (``EUR","card":{"number": ... "holder":
"NATHAN FITZGERALD"},...``); at 0.85 it swallowed the names our recognizers found inside
it at 0.8, and then fell to a precision rule itself, so the name passed. Filtering NER's
findings here, where the text is at hand, keeps the bad span from taking anything with it.
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from auditstream.processor.redaction.precision import NER_RECOGNIZER, keep_findings


class PreciseSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy recognizer whose findings pass the precision rules first.

    Args:
        supported_entities: The entities to report, as the predefined recognizer had them.
    """

    def __init__(self, supported_entities: list[str]) -> None:
        # The name the precision rules know NER's findings by.
        super().__init__(supported_entities=supported_entities, name=NER_RECOGNIZER)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Return spaCy's findings that the precision rules keep."""
        return keep_findings(text, super().analyze(text, entities, nlp_artifacts))
