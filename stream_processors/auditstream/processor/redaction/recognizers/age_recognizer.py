"""Ages with a cue: "aged 83", "a 45-year-old", "83 years old", "turned 29", "age: 61".

A bare number is never an age; the cue is what makes it one, and with a name or a town
nearby an age narrows a person down a great deal.
"""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern, PatternRecognizer

AGE = "AGE"

_NUMBER = r"(?:1[01]\d|[1-9]?\d)"


class AgeRecognizer(PatternRecognizer):
    """Find ages that a word next to them makes ages."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "age_after_cue",
            rf"(?<=(?i:\baged?|\bage\s+of|\bage:|\bage\s+is|\bturned|\bturns?|\bturning)\s{{1,3}})"
            rf"{_NUMBER}"
            rf"(?![\w%]|\.\d|\s*(?i:percent|min|minutes|hours|ms|seconds|days|tokens|items|times)\b)",
            0.6,
        ),
        # "when he was 29", "I'm 29.": a person, a verb of being, a number ending the clause.
        Pattern(
            "age_of_a_person",
            # "im 43" as typed on a phone counts as "I'm 43".
            rf"(?<=(?i:\b(?:he|she|i|they|you|who)(?:\s+(?:was|is|am|are|were)|'s|'m|\u2019m)|"
            rf"\bim)\s{{1,3}})"
            rf"{_NUMBER}(?=\s*(?:[.,;!?)]|$|\s+(?i:and|but|now|today|this|next|last)\b))",
            0.5,
        ),
        Pattern(
            "age_before_cue",
            rf"(?<![\w.]){_NUMBER}(?=(?:\s{{1,2}}|-)(?i:years?|yrs?)(?:\s{{1,2}}|-)(?i:old)\b|"
            rf"\s{{0,2}}(?i:y/o|yo|y\.o\.)\b|-(?i:year-old))",
            0.8,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=AGE,
            name="AgeRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
            global_regex_flags=regex.MULTILINE,
        )
