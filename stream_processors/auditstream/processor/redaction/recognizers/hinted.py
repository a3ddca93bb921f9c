r"""Pattern recognizers that skip a text in which none of their patterns can match.

Most of our patterns start with a lookbehind (the cue: "password=", "Dear", "passenger")
so that the cue stays out of the replaced span. The ``regex`` package cannot look for a
literal to start from in such a pattern, so it tries the lookbehind at every position of
the text, for every pattern: on ordinary LLM traffic that was most of the recognizers'
time, spent on texts that hold none of the cues. A recognizer here names its *hints*,
patterns of which every match of every one of its patterns needs one somewhere in the text
(the cue words, a key's prefix, an ``@``), and a text no hint matches is skipped whole.

A hint is cheap when the engine can go from one literal character to the next: a hint
that looks behind from a ``:`` for the key before it costs a thirtieth of one that tries
every key at every position, and one alternation (``[^\x00-\x7f]|cue``) can cost more
than its two halves as two hints.

A hint must never be narrower than the patterns: a text it wrongly skips passes with its
personal data. So a hint is built from the same pieces as the patterns where it can be
(``_PERSON_WORD`` in both), it is compiled case-insensitively (wider, never narrower,
than a pattern that cares about case), and ``tests/unit/processor/test_recognizer_hints.py``
checks on every labelled text we have that each recognizer finds exactly the same with its
hints as without them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import regex
from presidio_analyzer import PatternRecognizer, RecognizerResult


def hint(pattern: str) -> regex.Pattern[str]:
    """Compile a hint: case-insensitively, with the flags our patterns use.

    Args:
        pattern: What every match of the recognizer's patterns needs in its text.

    Returns:
        The compiled hint.
    """
    return regex.compile(pattern, regex.IGNORECASE | regex.DOTALL | regex.MULTILINE)


class HintedPatternRecognizer(PatternRecognizer):
    """A Presidio pattern recognizer that runs its patterns only on texts its hint matches.

    Subclasses set ``HINTS`` (each built with :func:`hint`); with none, every text is tried.
    """

    HINTS: ClassVar[tuple[regex.Pattern[str], ...]] = ()

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Find the patterns in ``text``; nothing, without trying them, if no hint matches.

        Args:
            text: The text to analyze.
            entities: The entities asked for.
            nlp_artifacts: Unused by pattern recognizers.
            regex_flags: Flags for the patterns (Presidio's; None for the recognizer's).

        Returns:
            The findings.
        """
        if self.HINTS and not any(h.search(text) for h in self.HINTS):
            return []
        found: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return found
