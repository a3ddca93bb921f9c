"""A name found once in an event is replaced wherever else it stands in that event.

Recognizers judge each mention on its own. The second mention of a person is often the
weaker one: a bare family name ("... directed by Agi P Szöts and starring Szöts"), a given
name in the reply ("Thanks, Andrew!"), a name in a transcript line. Once any mention was
found, the words of that name are known to be a name here, so each later word-bounded
occurrence of one of them, in any scanned field of the same event, is replaced too.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from auditstream.processor.redaction.scanning import Span

PERSON = "PERSON"
ECHO_SCORE = 0.5
# Words of a name that say nothing on their own: particles, titles, initials.
_NOT_A_NAME_WORD = frozenset(
    {
        *("van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du"),
        *("le", "la", "ter", "ten", "bin", "ibn", "al", "el"),
        *("mr", "mrs", "ms", "miss", "dr", "prof", "sir", "the"),
    }
)
_WORD = regex.compile(r"[\p{L}\p{M}'\u2019-]+")
_UNCASED = regex.compile(r"[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}\p{Arabic}\p{Devanagari}]")
_MIN_CASED_CHARS = 3


def name_words(text: str, spans: Iterable[Span]) -> set[str]:
    """Return the words of the PERSON spans of a text that can stand for the person alone.

    Args:
        text: The analyzed text.
        spans: Its spans.

    Returns:
        Capitalised words of three letters or more, and words of scripts without capitals.
    """
    words = set()
    for span in spans:
        if span.entity_type != PERSON:
            continue
        for match in _WORD.finditer(text, span.start, span.end):
            word = match.group().strip("'\u2019-")
            if word.lower() in _NOT_A_NAME_WORD:
                continue
            if _UNCASED.match(word) or (len(word) >= _MIN_CASED_CHARS and word[0].isupper()):
                words.add(word)
    return words


def with_echoes(text: str, spans: tuple[Span, ...], words: set[str]) -> tuple[Span, ...]:
    """Add a PERSON span for each occurrence of a name word that no span covers yet.

    Args:
        text: The text.
        spans: Its spans, sorted and not overlapping.
        words: Words known to be a name in this event (see :func:`name_words`).

    Returns:
        The spans with the echoes added, sorted by position.
    """
    if not words:
        return spans
    pattern = regex.compile(
        r"(?<![\p{L}\p{M}\p{N}])(?:"
        + "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")(?![\p{L}\p{M}\p{N}])"
    )
    echoes = [
        Span(m.start(), m.end(), PERSON, ECHO_SCORE)
        for m in pattern.finditer(text)
        if not any(s.start < m.end() and m.start() < s.end for s in spans)
    ]
    return tuple(sorted((*spans, *echoes), key=lambda s: s.start)) if echoes else spans
