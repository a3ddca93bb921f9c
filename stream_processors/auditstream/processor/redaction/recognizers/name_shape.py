"""The written shape of a person's name, shared by the PERSON pattern recognizers.

One to three words, each a capital letter and then letters, apostrophes or hyphens
("James O'Connor", "Lucía Fernández-Díaz"). The recognizers compile it case-sensitively
(:data:`NAME_FLAGS`): the capitals are the evidence.
"""

from __future__ import annotations

import regex

NAME = r"\p{Lu}[\p{L}'\u2019-]{1,40}(?:[ \t]{1,3}\p{Lu}[\p{L}'\u2019-]{1,40}){0,2}"
"""One to three capitalised words."""

FULL_NAME = r"\p{Lu}[\p{L}'\u2019-]{1,40}(?:[ \t]{1,3}\p{Lu}[\p{L}'\u2019-]{1,40}){1,2}"
"""Two or three capitalised words: a first name and a family name."""

NAME_FLAGS = regex.DOTALL | regex.MULTILINE
"""Presidio's default flags without IGNORECASE."""
