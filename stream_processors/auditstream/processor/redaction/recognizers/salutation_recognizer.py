"""Names after a greeting or a thank-you: "Hi Maria,", "Dear Mr Okafor", "Thanks Sven!".

Assistants address users by name ("Thanks Henrik! I found your order"), and the small
spaCy model often misses a lone first name. Words that follow greetings but are not names
("Hi Team", "Hello World") are removed by the precision rules.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer, hint
from auditstream.processor.redaction.recognizers.name_shape import NAME, NAME_FLAGS

_GREETING = (
    r"(?<![\p{L}])(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|[Tt]hanks|[Tt]hank you|[Cc]heers|"
    r"[Ww]elcome(?: back)?|[Gg]ood (?:morning|afternoon|evening)|[Ss]orry|"
    r"[Hh]appy (?:birthday|anniversary)|[Cc]ongratulations|[Cc]ongrats|[Gg]ood luck|"
    r"[Ww]ell done|[Nn]ice to meet you|[Gg]reat to hear from you)"
)
# A greeting whose name closes the clause: "Sorry for the wait, Marelda." "Thanks for your
# patience, Fiore!" The words between say nothing; the comma and the end of the sentence
# right after the name say that it is the person spoken to.
_CLOSING_VOCATIVE = rf"{_GREETING}\b[^.!?\n,]{{1,48}},[ \t]{{1,3}}"
_TITLES = r"(?:Mr|Mrs|Ms|Mx|Dr|Prof)"
_TITLE = rf"(?:{_TITLES}\.?[ \t]{{1,2}})?"


class SalutationRecognizer(HintedPatternRecognizer):
    """Find ``PERSON`` names right after a greeting, without the greeting."""

    # A greeting, or the dash of a signature.
    HINTS = (hint(rf"{_GREETING}|[ \t\n][-\u2013\u2014~]"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "salutation", rf"(?<={_GREETING},?[ \t]{{1,3}}{_TITLE})(?!{_TITLES}\b){NAME}", 0.75
        ),
        Pattern(
            "closing_vocative",
            rf"(?<={_CLOSING_VOCATIVE}{_TITLE})(?!{_TITLES}\b){NAME}(?=[ \t]{{0,2}}(?:[.!?]|$))",
            0.75,
        ),
        # A signature after a dash that ends the message: "... call me at 0800 809413 - So".
        Pattern("dash_signature", rf"(?<=[ \t\n][-\u2013\u2014~][ \t]{{0,2}}){NAME}(?=\s*$)", 0.7),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="SalutationRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
            global_regex_flags=NAME_FLAGS,
        )
