"""Names that people give in their own words: "my name is ...", "I'm ...", "... here".

spaCy's small English model misses a few percent of full names, most often uncommon ones
("Olusegun Raman"), and a support chat is full of self-introductions. The phrase itself is
strong evidence, so the capitalised words after it are taken as a PERSON whatever the
model thinks. The lookbehind (the ``regex`` package, which Presidio uses, allows variable
length) keeps the phrase itself out of the replaced span.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer, hint
from auditstream.processor.redaction.recognizers.name_shape import NAME, NAME_FLAGS

_INTRO = (
    r"(?i:my name is|my name's|i am|i'm|this is|call me|name:|signed|regards,|thanks,|"
    r"mein name ist|ich bin|ich heiße|je m'appelle|je suis|me llamo|mi nombre es|soy|"
    r"mi chiamo|sono|meu nome é|eu sou|mijn naam is|ik ben)"
)


_CLOSING = (
    r"(?i:best\s+regards|kind\s+regards|warm\s+regards|regards|best|cheers|thanks|"
    r"thank\s+you|many\s+thanks|sincerely|yours\s+sincerely|yours\s+truly|yours|"
    r"mit\s+freundlichen\s+grüßen|viele\s+grüße|cordialement|saludos|un\s+saluto|"
    r"met\s+vriendelijke\s+groet|--),?"
)


class SelfIntroductionRecognizer(HintedPatternRecognizer):
    """Find ``PERSON`` names right after a self-introduction phrase."""

    # The phrase before the name and its space, the closing line's end, or the phrase after.
    HINTS = (
        hint(rf"(?<={_INTRO})[ \t]"),
        hint(rf"(?<={_CLOSING}[ \t]*)\n"),
        hint(r"here|speaking"),
    )
    PATTERNS: ClassVar[list[Pattern]] = [
        # Not the start of an identifier: "- name: SMTP_PASSWORD".
        Pattern("self_introduction", rf"(?<={_INTRO}[ \t]+){NAME}(?![\w-])", 0.85),
        # A signature: the closing line, then the name alone on the next line.
        Pattern("signature", rf"(?<={_CLOSING}[ \t]*\n[ \t]*){NAME}(?=[ \t]*(?:\n|$))", 0.85),
        # "Maria Gonzalez here", "Maria speaking": the phrase after the name.
        Pattern(
            "self_introduction_after",
            rf"(?<![\p{{L}}'-]){NAME}(?=,?[ \t]+(?:here|speaking)\b)",
            0.85,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="SelfIntroductionRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
            # Presidio compiles patterns case-insensitively by default, which would make
            # every word after "this is" a name; capitals are the evidence here.
            global_regex_flags=NAME_FLAGS,
        )
