"""The base of our credential recognizers: case-sensitive patterns found as ``SECRET``.

Each credential recognizer (one kind per file: LLM API keys, cloud keys, platform tokens,
JWTs, private keys, passwords, bearer tokens) subclasses :class:`SecretPatternRecognizer`
and lists its patterns. Patterns are specific enough (a vendor prefix, a fixed length, a
PEM armour line, a ``password=`` key) to score high on their own; none relies on
Presidio's context words, so a key pasted into a prompt is found wherever it stands.

Presidio compiles patterns with IGNORECASE by default; here case is evidence (``AKIA``
is upper case, ``ghp_`` lower case), so patterns are case-sensitive and say ``(?i:...)``
where case does not matter. Every quantifier is bounded or linear (no nested repeats),
so a megabyte of text is scanned in linear time.
"""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern

from auditstream.processor.redaction.recognizers.hinted import HintedPatternRecognizer

SECRET_ENTITY = "SECRET"  # noqa: S105 - an entity name, not a password


class SecretPatternRecognizer(HintedPatternRecognizer):
    """Find the subclass's ``PATTERNS`` as ``SECRET``, case-sensitively."""

    PATTERNS: ClassVar[list[Pattern]] = []

    def __init__(self) -> None:
        super().__init__(
            supported_entity=SECRET_ENTITY,
            name=type(self).__name__,
            patterns=self.PATTERNS,
            supported_language="en",
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )
