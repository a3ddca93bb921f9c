"""Street addresses in the shapes of North America, the UK and continental Europe.

Presidio has no street address recognizer, and spaCy's small model tags parts of an
address (a town as GPE, a number as CARDINAL) but never the address. This recognizer finds
the street line, then takes the lines of the address block that follow it.

The street line, in one of these shapes:

- number first, street type last: ``12 Albert Street``, ``1600 Pennsylvania Ave NW``;
- number first, street type first: ``8 rue Victor Hugo``, ``23 Avenida Paulista``;
- street name then number, the type as a word or a compound ending: ``Via Leopardi 83``,
  ``Prinsengracht 51``, ``Favoritenstrasse 36``, ``ul. Asnyka Adama 82``;
- after an address cue ("lives at", "address:", "send it to", ``"address":``), a name and
  a number in any order, for streets without a type word (``Strojírenská 1006``);
- a number and a name without a type word, when a flat or suite follows on the next line
  (``88 Kelmscott`` then ``Apt. 4``);
- a name and a number before the word "street" in English prose (``Karlova 31 street``).

A building number written before the street line's own number is part of it
(``4410 18 Kelmscott Row``). Then, across commas and line breaks, the rest of the
block (:mod:`.address_block`): a flat or suite (``Apt. 559``), a town, a region, a
postcode (``LS1 4DL``, ``K1A 0B1``, ``1016 GS``, ``31000``, ``CA 94105``), a country.
Military and PO box shapes (``PSC 2322, Box 6025``, ``APO AA 88307``) and UK and Canadian
postcodes count on their own. The street words are in :mod:`.street_words`.
"""

from __future__ import annotations

from functools import cache

import regex
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.recognizers.address_block import (
    LINE_BREAK,
    PARTICLES,
    UNIT_SHAPE,
    block_end,
)
from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer
from auditstream.processor.redaction.recognizers.date_recognizer import is_date
from auditstream.processor.redaction.recognizers.street_words import ENDINGS, faker_street_words

STREET_ADDRESS = "STREET_ADDRESS"


def _alternation(words: set[str]) -> str:
    # Longest first, so "Street" wins over "St" at the same place.
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns() -> dict[str, regex.Pattern[str]]:
    types, all_types, prefixes = faker_street_words()
    street_type = rf"(?:{_alternation(types)})\.?"
    # Before a house number, short types are safe too ("Dózsa György út 78", "Kase põik 91").
    any_street_type = rf"(?:{_alternation(all_types)})\.?"
    prefix = rf"(?i:{_alternation({p.lower() for p in prefixes})})"
    ending = rf"(?i:{_alternation(set(ENDINGS))})\.?"
    word = r"(?:\p{Lu}[\p{L}\p{M}'\u2019.-]{0,30})"  # grouped: "{word}?" makes it optional
    name = rf"(?:{word}|\d{{1,3}}(?:st|nd|rd|th)|{PARTICLES})"
    number = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)?"
    start = r"(?<![\w.,-])"
    end = r"(?![\w'\u2019-])"
    return {
        # 12 Albert Street / 1600 Pennsylvania Ave NW / 744 15 Millicent Drive
        "number_then_type": regex.compile(
            rf"{start}{number}(?:[ ]{number})?,?[ ]{{1,2}}(?:{name}[ ]{{1,2}}){{0,4}}?{word}?[ ]?"
            rf"{street_type}{end}(?:[ ](?:N|S|E|W|NE|NW|SE|SW)\b)?"
        ),
        # 8 rue Victor Hugo / 23 Avenida Paulista
        "number_then_prefix": regex.compile(
            rf"{start}{number}(?:[ ]{number})?,?[ ]{{1,2}}{prefix}[ ]{{1,2}}"
            rf"(?:{name}[ ]{{1,2}}){{0,3}}{word}{end}"
        ),
        # Via Leopardi 83 / Prinsengracht 51 / ul. Asnyka Adama 82 / Langenhorner Chaussee 76
        "name_then_number": regex.compile(
            rf"{start}(?:{number}[ ]{{1,2}})?(?:{prefix}[ ]{{1,2}}(?:{name}[ ]{{1,2}}){{0,3}}{word}"
            rf"|(?:{word}[ ]{{1,2}}){{0,2}}\p{{Lu}}[\p{{L}}\p{{M}}-]{{0,30}}{ending}"
            rf"|(?:{word}[ ]{{1,2}}){{1,2}}{any_street_type})"
            rf",?[ ]{{1,2}}{number}{end}"
        ),
        # 637 Strojírenská 1006 / 7584 Höfðastígur 86: a house number on both sides of a
        # name, as Central European and Nordic streets without a type word are written.
        "number_name_number": regex.compile(
            rf"{start}\d{{1,5}}[ ]{{1,2}}{word}(?:[ ]{{1,2}}(?:{word}|\p{{Ll}}{{2,12}})){{0,2}}"
            rf"[ ]{{1,2}}\d{{1,4}}[A-Za-z]?\.?{end}"
        ),
        # 88 Kelmscott, then "Apt. 4" on the next line: a number and a name (and maybe
        # another number: "5684 R Dona Amélia 97") are the street line when a flat or suite
        # follows them.
        "number_name_unit": regex.compile(
            rf"{start}{number}(?:[ ]{number})?,?[ ]{{1,2}}(?:{name}[ ]{{1,2}}){{0,3}}{word}"
            rf"(?:[ ]{{1,2}}{number})?(?={LINE_BREAK}{UNIT_SHAPE}(?![\w-]))"
        ),
        # Named streets without a number: "Sille Ranch Street", "Jimínez Cove St.", with an
        # English street word at the end.
        "named_street": regex.compile(
            rf"{start}(?:{word}[ ]{{1,2}}){{1,3}}(?:Street|Road|Avenue|Lane|Drive|Boulevard|"
            rf"St\.|Rd\.|Ave\.|Blvd\.){end}"
        ),
        # 名古屋市 62-12-22 / 吹田市千里山 1-2-3: a Japanese municipality, then the block
        # numbers (chome, ban, go).
        "japanese_block": regex.compile(
            r"(?<![\p{Han}\p{Hiragana}\p{Katakana}])[\p{Han}]{1,5}[都道府県市区町村郡]"
            r"[ \u3000]?[\p{Han}\p{Hiragana}\p{Katakana}]{0,10}[ \u3000]?"
            r"\d{1,4}(?:[-\u2212\u2010]\d{1,4}){1,2}(?!\d)"
        ),
        # "お届け先" and 日比谷4-23-13: after a Japanese address label, a district and its
        # block numbers, without the municipality that the shape above needs.
        "japanese_labelled_block": regex.compile(
            r"(?<=(?:住所|お届け先|送付先|配送先|届け先)[:\uff1a]?[ \u3000]?"
            r"(?:〒?\d{3}-\d{4}[ \u3000]?)?)[\p{Han}\p{Hiragana}\p{Katakana}]{1,12}[ \u3000]?"
            r"\d{1,4}(?:[-\u2212\u2010]\d{1,4}){1,2}(?!\d)"
        ),
        # 清河口三条179号 / 李楼街道1007号: a Chinese street, then the number and 号.
        "chinese_number": regex.compile(
            r"[\p{Han}]{2,12}\d{1,5}号(?:[\p{Han}\d]{0,10}(?:室|楼|栋|单元|座))?"
        ),
        # 테헤란로 152 / 세종대로 110-1: a Korean road name, then the number.
        "korean_road": regex.compile(
            r"(?<!\p{Hangul})\p{Hangul}{1,10}(?:로|길|대로)[ ]?\d{1,5}(?:-\d{1,5})?(?!\d)"
        ),
        # PSC 2322, Box 6025 / APO AA 88307 / Unit 4670 Box 6562 / PO Box 63
        "box": regex.compile(
            rf"{start}(?:(?:PSC|CMR|Unit)[ ]\d{{3,5}},?[ ]Box[ ]\d{{3,5}}"
            rf"|(?:APO|FPO|DPO)[ ]A[AEP][ ]\d{{5}}|P\.?[ ]?O\.?[ ]Box[ ]\d{{1,6}}){end}"
        ),
    }


@cache
def _lower_case_street() -> regex.Pattern[str]:
    """After an address cue only: "lives at 834 henry place", typed in lower case."""
    types, _, _ = faker_street_words()
    return regex.compile(
        r"\d{1,6}[ ]{1,2}(?:\p{Ll}[\p{Ll}'\u2019-]{1,30}[ ]{1,2}){1,3}"
        rf"(?i:{_alternation(types)})\.?(?![\w'\u2019-])"
    )


# After an address cue, the rest of the line is an address when it holds a name and a
# number: streets without a type word ("Strojírenská 1006", "Ποσειδώνος 54").
_CUE = regex.compile(
    # "Home address for the letter:": a few words between the word and its colon.
    r"(?i:\baddress\b[^:\n.]{1,30}:|(?:\b|_)address(?:es)?\b|\baddr\b|"
    # "lives on the far side of", "at the corner of": a part of the street, then it.
    r"\blives?\s+(?:at|on)(?:\s+the\s+(?:\w+\s+){0,2}(?:side|end|part)\s+of)?|"
    r"\bcorner\s+of|\bliving\s+at|\blocated\s+at|"
    # The word in other languages, as a form's label: "nueva dirección:", "adres:".
    r"\b(?:direcci[óo]n|adres|adresse|adress|indirizzo|endere[çc]o|anschrift|domicilio|woonadres|"
    r"wohnadresse|adresa)\b|住所|地址|주소|"
    r"\breside[sd]?\s+at|\b(?:is|are|was)\s+(?:located\s+)?on|\bmoved?\s+to|\b(?:send|sent|deliver|mail|post|return)\w*"
    r"(?:\s+\w+){0,2}\s+to|\bmeet(?:\s+\w+)?\s+at|\btaxi\s+to|\bit(?:'s|\s+is)\s+in|"
    r"\bis\s+at|\bdrops?\s+you\s+off\s+at|\bstop\s+at|\bunit\s+at|"
    r"\babito\s+(?:in|a)|\bvivo\s+en|\bwohne\s+in|\bj'habite|\bwoon\s+(?:op|aan))"
    r"[\s\"':=]{1,6}"
)
_CUED_WORD = r"[\p{L}\p{M}'\u2019.-]{0,30}"
_CUED = regex.compile(
    # A name, then the number: "Strojírenská 1006", "Rúa do Freixo, 376" (after a comma,
    # five digits are the postcode of "66 Parc Collet, 31099 Saint-Brieuc", not a number).
    # Either shape may follow a building number ("lives at 4410 18 Kelmscott Row").
    rf"(?:\d{{1,6}}[ ](?=\d))?"
    rf"(?:(?:\d{{1,6}}[A-Za-z]?[ ]{{1,2}}\p{{L}}|\p{{Lu}}){_CUED_WORD}"
    rf"(?:[ ]{{1,2}}\p{{L}}{_CUED_WORD}){{0,3}}(?:[ ]{{1,2}}\d{{1,5}}|,[ ]{{1,2}}\d{{1,4}})"
    rf"[A-Za-z]?(?![\w-])"
    # The number, then a name of two words or more: "66 Parc Collet Des Costils".
    rf"|\d{{1,6}}[A-Za-z]?,?[ ]{{1,2}}\p{{Lu}}{_CUED_WORD}"
    rf"(?:[ ]{{1,2}}(?:{PARTICLES}[ ]{{1,2}}){{0,2}}\p{{Lu}}{_CUED_WORD}){{1,5}}(?![\w'\u2019-]))"
)
# A sentence that ends inside a cued match ("deliver to Antequera. The iPhone 11"): a
# lower-case word and a full stop; an abbreviation ("St. Peters") has one lower-case letter.
_SENTENCE_END = regex.compile(r"\p{Ll}{3}\.[ ]")
# The street line of a structured address, whole, under its key, in JSON (escaped or not),
# YAML, code or a test fixture: "street": "137 Tulane Run", line1="Platz des 18. März
# 706", street: 'Middendreef 160'. The key says what it is; a digit says it is filled in.
_STREET_KEY_VALUE = regex.compile(
    r"(?<=(?<![\w-])(?i:street(?:_?address)?|(?:address_?)?line_?1|addr_?1|address1)\\?[\"']?"
    r"[ \t]{0,3}[:=][ \t]{0,3}\\?[\"'])(?=[^\"'\\\n]{0,120}\d)[^\"'\\\n]{3,120}(?=\\?[\"'])"
)
# Cheap tests that a pattern can match at all, before patterns that look behind at every
# position of the text.
_STREET_KEY_HINT = regex.compile(r"(?i:street|line_?1|addr)")
# "Karlova 31 street", as a street without a type word is written in English prose:
# a name, its number, then the word for a street. Tried only where a number is followed
# by such a word, as the pattern would otherwise start at every capital letter.
_STREET_WORDS = r"(?i:street|road|avenue|lane|square|boulevard)\b"
_NUMBER_THEN_STREET_WORD_HINT = regex.compile(rf"\d[ ]{{1,2}}{_STREET_WORDS}")
_NUMBER_THEN_STREET_WORD = regex.compile(
    rf"(?<![\w.,-])(?:\p{{Lu}}[\p{{L}}\p{{M}}'\u2019.-]{{0,30}}[ ]{{1,2}}){{1,3}}\d{{1,5}}[A-Za-z]?"
    # The street word ends its phrase ("... 31 street in Brno."), unlike "12 road safety".
    rf"(?=[ ]{{1,2}}{_STREET_WORDS}(?:[ ]{{1,2}}(?:in|of|at|on|near)\b|[ ]?[,.;!?)]|$))"
)
# A building or lot number right before a street line, as some countries write it before
# the house number; a time ("10:42 ") or a decimal is no such number.
_BUILDING_NUMBER_BEFORE = regex.compile(r"(?<![\w.,:/-])\d{1,6}(?:[ ]\d{1,6})?[ ]{1,2}$")
_BUILDING_NUMBER_CHARS = 16  # two numbers of six digits and their spaces
_EAST_ASIAN_SHAPES = frozenset(
    {"japanese_block", "japanese_labelled_block", "chinese_number", "korean_road"}
)
_BEFORE_A_UNIT = "number_name_unit"
_UNIT_HINT = regex.compile(UNIT_SHAPE)
_DIGIT = regex.compile(r"\d")
_UNIT = regex.compile(
    r"(?<![\w.-])(?:Apt|Apartment|Suite|Ste|Flat)\.?[ ]?#?\d{1,6}[A-Za-z]?(?![\w-])"
)
_POSTCODE = regex.compile(
    r"(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[A-Z][ ]\d[A-Z]\d)"
    r"(?![\w-])"
)


class StreetAddressRecognizer(CodeRecognizer):
    """Find street addresses and the address block around them."""

    def __init__(self) -> None:
        super().__init__([STREET_ADDRESS])

    def load(self) -> None:
        """Build the patterns once per process (Faker's lists load here)."""
        _patterns()

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find street lines and extend each over its address block."""
        if _DIGIT.search(text) is None:
            return []
        spans: list[tuple[int, int]] = []
        ascii_only = text.isascii()
        units = _UNIT_HINT.search(text) is not None
        for name, pattern in _patterns().items():
            if ascii_only and name in _EAST_ASIAN_SHAPES:
                continue  # their shapes need Han, kana or Hangul
            if name == _BEFORE_A_UNIT and not units:
                continue  # it starts at every number, and holds only before a flat or suite
            # "27 December 2025" has the shape of "637 Strojírenská 1006".
            spans.extend(
                m.span() for m in pattern.finditer(text) if not is_date(m.group().rstrip("."))
            )
        if _STREET_KEY_HINT.search(text):
            spans.extend(m.span() for m in _STREET_KEY_VALUE.finditer(text))
        spans.extend(m.span() for m in _UNIT.finditer(text))
        spans.extend(m.span() for m in _POSTCODE.finditer(text))
        lower_case = _lower_case_street()
        for cue in _CUE.finditer(text):
            match = _CUED.match(text, cue.end()) or lower_case.match(text, cue.end())
            if match and not _SENTENCE_END.search(match.group()):
                spans.append(match.span())
        if _NUMBER_THEN_STREET_WORD_HINT.search(text):
            spans.extend(m.span() for m in _NUMBER_THEN_STREET_WORD.finditer(text))
        blocks = _merge(
            [(_building_number_start(text, start), block_end(text, end)) for start, end in spans]
        )
        return [self.result(STREET_ADDRESS, s, e, score=0.75, why="street") for s, e in blocks]


def _building_number_start(text: str, start: int) -> int:
    """Take in a number written before the street line ("4410 18 Kelmscott Row")."""
    number = _BUILDING_NUMBER_BEFORE.search(text, max(0, start - _BUILDING_NUMBER_CHARS), start)
    return number.start() if number else start


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
