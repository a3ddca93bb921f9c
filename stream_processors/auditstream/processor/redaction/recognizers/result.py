"""One way to build a finding for the recognizers that are code rather than patterns."""

from __future__ import annotations

from typing import Any

from presidio_analyzer import AnalysisExplanation, RecognizerResult


def finding(
    recognizer: Any,  # an EntityRecognizer; presidio's attributes are untyped
    entity_type: str,
    start: int,
    end: int,
    *,
    score: float,
    why: str,
) -> RecognizerResult:
    """Return a result that names its recognizer, as Presidio's pattern recognizers do.

    The precision rules read ``recognition_metadata`` to tell which recognizer found what.

    Args:
        recognizer: The recognizer that found it.
        entity_type: E.g. ``DATE_OF_BIRTH``.
        start: Index of the first character.
        end: Index after the last character.
        score: Confidence, 0 to 1.
        why: A short explanation (no text of the finding).

    Returns:
        The result.
    """
    name = str(recognizer.name)
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
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )
