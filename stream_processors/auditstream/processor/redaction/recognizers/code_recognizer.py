"""The base of our recognizers that are code rather than a list of patterns.

Presidio's ``PatternRecognizer`` runs its scoring loop once for every pattern recognizer;
this does the same for ours that need logic between the match and the finding (a checksum,
a cue looked up before the match, a gazetteer): a subclass says which entities it finds
and implements :meth:`CodeRecognizer.find`, and builds each finding with
:meth:`CodeRecognizer.result`, which names the recognizer as the precision rules expect.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult


class CodeRecognizer(EntityRecognizer, ABC):
    """A recognizer whose findings come from :meth:`find`.

    Args:
        entities: The entity types it finds.
        name: Its name in findings and logs (the class name when not given).
    """

    def __init__(self, entities: list[str], *, name: str | None = None) -> None:
        self._name = name or type(self).__name__
        super().__init__(supported_entities=entities, name=self._name, supported_language="en")

    def load(self) -> None:
        """Nothing to load: patterns compile at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find the asked-for entities this recognizer knows.

        Args:
            text: The text to analyze.
            entities: The entities asked for.
            nlp_artifacts: Unused: these recognizers read the text only.

        Returns:
            The findings.
        """
        wanted = [e for e in self.supported_entities if e in entities]
        return self.find(text, wanted) if wanted else []

    @abstractmethod
    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Return the findings of the given entities in a text.

        Args:
            text: The text to analyze.
            entities: The entities asked for, among those this recognizer finds.
        """

    def result(
        self, entity_type: str, start: int, end: int, *, score: float, why: str
    ) -> RecognizerResult:
        """Return a finding that names this recognizer.

        Args:
            entity_type: E.g. ``DATE_OF_BIRTH``.
            start: Index of the first character.
            end: Index after the last character.
            score: Confidence, 0 to 1.
            why: A short explanation (no text of the finding).

        Returns:
            The result.
        """
        name = self._name
        return RecognizerResult(
            entity_type=entity_type,
            start=start,
            end=end,
            score=score,
            analysis_explanation=AnalysisExplanation(
                recognizer=name, original_score=score, textual_explanation=why
            ),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
