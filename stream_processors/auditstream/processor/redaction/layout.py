r"""The view of a text that analysis reads: escaped line breaks read as line breaks.

JSON-encoded payloads and logged strings carry line breaks as the two characters ``\\n``,
so an address block or a signature arrives as ``Aiko Khan\\n12 Albert Street\\nLeeds``. To
spaCy and to the recognizers' word boundaries, ``nAiko`` and ``nLeeds`` are words, and
the name and the town are lost. The view swaps each escaped ``\\n``, ``\\r`` or ``\\t`` for
a real line break and a space: the same length, so every finding's offsets hold in the
original text, which is the one that gets its replacements.
"""

from __future__ import annotations

import re

_ESCAPED_BREAK = re.compile(r"\\[nrt]")


def analysis_view(text: str) -> str:
    """Return ``text`` with escaped line breaks as real ones, offsets unchanged.

    Args:
        text: A field's text.

    Returns:
        The text to analyze (the same object when there is nothing to change).
    """
    if "\\" not in text:
        return text
    return _ESCAPED_BREAK.sub("\n ", text)
