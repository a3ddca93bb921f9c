r"""The view of a text that analysis reads: escaped line breaks read as line breaks.

JSON-encoded payloads and logged strings carry line breaks as the two characters ``\\n``,
so an address block or a signature arrives as ``Aiko Khan\\n12 Albert Street\\nLeeds``. To
spaCy and to the recognizers' word boundaries, ``nAiko`` and ``nLeeds`` are words, and
the name and the town are lost. The view swaps each escaped ``\\n``, ``\\r`` or ``\\t`` for
a real line break and a space: the same length, so every finding's offsets hold in the
original text, which is the one that gets its replacements.

JSON inside a JSON string (a tool call's arguments in a model's reply) escapes its
quotes too: ``{\\"name\\": \\"Ana Lima\\", \\"passport\\": \\"IG751895\\"}``. The recognizers
that read keys look for ``"name": "``; the view writes each escaped quote as a quote and a
space, the space outside the string, again the same length.
"""

from __future__ import annotations

import re

_ESCAPED_BREAK = re.compile(r"\\[nrt]")
# An escaped quote, and whether a word starts right after it (an opening quote).
_ESCAPED_QUOTE = re.compile(r'\\"(?=(\w))?')


def analysis_view(text: str) -> str:
    """Return ``text`` with escaped line breaks and quotes as real ones, offsets unchanged.

    Args:
        text: A field's text.

    Returns:
        The text to analyze (the same object when there is nothing to change).
    """
    if "\\" not in text:
        return text
    return _ESCAPED_QUOTE.sub(_unescaped_quote, _ESCAPED_BREAK.sub("\n ", text))


def _unescaped_quote(match: re.Match[str]) -> str:
    # The filler goes outside the quotes, so "\"name\": \"Ana\"" reads as ' "name" : "Ana" ':
    # a quote before a word opens a string, any other closes one.
    return ' "' if match.group(1) else '" '
