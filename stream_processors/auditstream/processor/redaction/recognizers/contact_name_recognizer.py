"""Names written next to an e-mail address, as in a mail header.

Shapes: ``Maria Gonzalez <maria@x.org>``, ``Maria Gonzalez (maria@x.org)``,
"Maria Gonzalez at maria@x.org".

The mail-header shape is the strongest evidence there is that the words before the
address are a person's name, whatever NER thinks of them.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer, hint
from auditstream.processor.redaction.recognizers.name_shape import FULL_NAME, NAME_FLAGS

_EMAIL_AHEAD = r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}\."


class ContactNameRecognizer(HintedPatternRecognizer):
    """Find a full name followed by the person's e-mail address."""

    # The e-mail address after the name.
    HINTS = (hint(r"@"),)
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "name_before_email",
            rf"(?<![\p{{L}}'-]){FULL_NAME}(?=[ \t]{{0,2}}(?:[(<\[]|at[ \t]{{1,2}}|,[ \t]{{0,2}})"
            rf"[\"']?{_EMAIL_AHEAD})",
            0.8,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            name="ContactNameRecognizer",
            patterns=self.PATTERNS,
            supported_language="en",
            global_regex_flags=NAME_FLAGS,
        )
