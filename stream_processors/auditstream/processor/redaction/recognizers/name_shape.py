"""The written shape of a person's name, shared by the PERSON pattern recognizers.

One to three words, each a capital letter and then letters, apostrophes or hyphens
("James O'Connor", "Lucía Fernández-Díaz"), or words of a script without capitals. The
recognizers compile it case-sensitively (:data:`NAME_FLAGS`): the capitals are the evidence.
"""

from __future__ import annotations

import regex

_UNCASED = r"[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}\p{Arabic}\p{Devanagari}\p{Thai}\p{Hebrew}]"
# A word of a name: a capital and letters, or letters of a script that has no capitals
# ("吉田", "김지은", "سيما", "सीमा"), where nothing but the phrase around it is evidence.
_WORD = rf"(?:\p{{Lu}}[\p{{L}}'\u2019-]{{1,40}}|{_UNCASED}[\p{{L}}\p{{M}}]{{0,19}})"

NAME = rf"{_WORD}(?:[ \t]{{1,3}}{_WORD}){{0,2}}"
"""One to three capitalised words (or words of a script without capitals)."""

FULL_NAME = rf"{_WORD}(?:[ \t]{{1,3}}{_WORD}){{1,2}}"
"""Two or three such words: a first name and a family name."""

NAME_FLAGS = regex.DOTALL | regex.MULTILINE
"""Presidio's default flags without IGNORECASE."""
