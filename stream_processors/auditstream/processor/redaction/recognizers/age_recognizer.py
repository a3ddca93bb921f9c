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
# Every pattern matches from where a number starts. Saying so first lets the engine leave
# every other position after one test, instead of trying the pattern's lookbehind there
# (a third of the recognizer's time on LLM traffic).
_DIGIT_FIRST = r"(?=\d)"
# "my mum is 58": a relative, then a verb of being, as a person pronoun is.
_RELATIVE = (
    r"my\s+(?:mum|mom|mother|dad|father|son|daughter|wife|husband|partner|brother|sister|"
    r"grandma|grandmother|grandpa|grandfather|nan|nana|granny|aunt|uncle|kid|child|baby|"
    r"boy|girl|niece|nephew|cousin)"
)


class AgeRecognizer(PatternRecognizer):
    """Find ages that a word next to them makes ages."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "age_after_cue",
            rf"{_DIGIT_FIRST}(?<=(?i:\baged?|\bage\s+of|\bage:|\bage\s+is|\bturned|\bturns?|\bturning)\s{{1,3}})"
            rf"{_NUMBER}"
            rf"(?![\w%]|\.\d|\s*(?i:percent|min|minutes|hours|ms|seconds|days|tokens|items|times)\b)",
            0.6,
        ),
        # "when he was 29", "I'm 29.": a person, a verb of being, a number ending the clause.
        Pattern(
            "age_of_a_person",
            # "im 43" as typed on a phone counts as "I'm 43".
            rf"{_DIGIT_FIRST}(?<=(?i:\b(?:he|she|i|they|you|who|{_RELATIVE})(?:\s+(?:was|is|am|are|were)|'s|'m|\u2019m)|"
            rf"\bim)\s{{1,3}})"
            rf"{_NUMBER}(?=\s*(?:[.,;!?)]|$|\s+(?i:and|but|now|today|this|next|last)\b))",
            0.5,
        ),
        # "ha 55 anni", "tiene 42 años", "âgée de 95 ans", "ma 30 lat": a verb of having
        # (or "aged") before the number, the word for years after it.
        Pattern(
            "age_in_other_languages",
            rf"{_DIGIT_FIRST}(?<=(?i:\b(?:ha|hat|tiene|tengo|tem|tenho|ma|mam|har|a|âgée?|agée?|edad\s+de|"
            rf"età\s+di|leeftijd\s+van)(?:\s+de)?)\s{{1,3}}){_NUMBER}"
            # Not "ha 2 anni di garanzia": years of something, not of someone.
            rf"(?=\s{{1,2}}(?i:anni|años|anos|ans|lat|jaar|jahre|år)\b(?!\s{{1,2}}(?i:di|de|d')))",
            0.7,
        ),
        # "72 Jahre alt", "48 jaar oud", "(68 jaar)", "59歳": the number, then years and old.
        Pattern(
            "age_before_cue_in_other_languages",
            rf"{_DIGIT_FIRST}(?<![\w.]){_NUMBER}(?=\s{{1,2}}(?i:jahre\s+alt|jaar\s+oud|år\s+gammal|"
            rf"años\s+de\s+edad|anni\s+di\s+età)\b|\s{{1,2}}(?i:jaar|jahre|ans|años|anni|anos|"
            rf"years?|yrs?|lat|år)\)|\s?(?:歳|岁|세|살))",
            0.75,
        ),
        Pattern(
            "age_before_cue",
            rf"{_DIGIT_FIRST}(?<![\w.]){_NUMBER}(?=(?:\s{{1,2}}|-)(?i:years?|yrs?)(?:\s{{1,2}}|-)(?i:old)\b|"
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
