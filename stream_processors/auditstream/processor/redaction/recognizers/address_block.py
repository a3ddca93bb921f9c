"""The rest of an address block, after its street line: flat, town, postcode, country.

A street line found by :mod:`.street_address_recognizer` is followed, across commas and
line breaks, by the other lines of its block (``Apt. 559``, ``Leeds LS1 4DL``,
``31000 Toulouse``, ``CA 94105``, a country); these lines say little on their own, so they
are taken only after a street line.
"""

from __future__ import annotations

import regex

# Words inside a street or town name: "Rue de la Paix", "Teixeira de Freitas".
PARTICLES = (
    r"(?:de|del|de\s+la|des|du|la|le|van|von|der|den|di|da|do|dos|das|of|the|y|e|St\.?|"
    r"degli|dei|delle|della|dello|dal|al|alla)"
)
# One more part of an address block: after a comma or a line break, a unit, a postcode,
# a state and ZIP code, or a town, region or country (up to four capitalised words);
# after a mere space, only a unit or a postcode (a capitalised word there starts prose).
UNIT_SHAPE = (
    r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Box|Bldg|Building)\.?[ ]?#?\d{1,6}[A-Za-z]?"
)
_POSTCODE_SHAPE = (
    r"[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}"  # UK
    r"|[A-Z]\d[A-Z][ ]?\d[A-Z]\d"  # Canada
    r"|\d{4}[ ]?[A-Z]{2}(?=[ ,\n\\])"  # the Netherlands
    r"|(?:[A-Z]{2}[ ])?\d{5}(?:-\d{4})?"  # a state and ZIP code, or a continental postcode
)
# "31000 Toulouse", "1016 GS Amsterdam", "10115 Berlin": a continental postcode and town.
# Words joined by single spaces (and particles: "Teixeira de Freitas", or a short
# lower-case word: "Frankfurt am Main", "Stratford upon Avon"), no space after the last, so
# that a postcode after the town ("Brazil 35172") is still the next part; a country may
# carry its language in brackets ("Cyprus (Turkish)").
_TOWN = (
    rf"\p{{Lu}}[\p{{L}}\p{{M}}'\u2019.-]{{0,30}}"
    rf"(?:[ ](?:(?:{PARTICLES}|\p{{Ll}}{{2,5}})[ ])?"
    rf"\p{{Lu}}[\p{{L}}\p{{M}}'\u2019.-]{{0,30}}){{0,3}}"
    rf"(?:[ ]\(\p{{Lu}}\p{{Ll}}{{1,20}}\))?"
)
_POSTCODE_TOWN = rf"\d{{4}}(?:[ ]?[A-Z]{{2}})?[ ]{{1,2}}{_TOWN}|\d{{5}}[ ]{{1,2}}{_TOWN}"
# Between the lines of a block: commas, line breaks (escaped too) and quoting marks.
LINE_BREAK = r"(?:[ ]{0,3}(?:,|\n|\\n|\r)[ ]{0,3}(?:[>?}]{1,3}[ ]?)?){1,3}"
_PART = regex.compile(
    rf"(?:{LINE_BREAK}(?:{UNIT_SHAPE}|{_POSTCODE_TOWN}|{_POSTCODE_SHAPE}|{_TOWN})"
    rf"|[ ]{{1,2}}(?:{UNIT_SHAPE}|{_POSTCODE_SHAPE}))(?![\w'\u2019-])"
)
_MAX_PARTS = 8


def block_end(text: str, end: int) -> int:
    """Extend an address that ends at ``end`` over the parts of its block that follow it.

    Args:
        text: The analyzed text.
        end: Where the street line (or the address so far) ends.

    Returns:
        Where the block ends.
    """
    for _ in range(_MAX_PARTS):
        part = _PART.match(text, end)
        if part is None or part.end() == end:
            break
        end = part.end()
    return end
