"""Phone numbers by shape and context, valid or not.

Presidio's ``PhoneRecognizer`` asks ``phonenumbers`` whether a number is *valid* for a
region. A person reading ``+1 555 013 4477`` or ``96 466712`` sees a phone number whether
or not the area code is assigned, and so does anyone reading the archive. This recognizer
takes a run of digit groups as a phone number when

- a phone word stands before it ("call me on", "Phone:", "mobile", "fax", "text",
  "reach me at", ``"phone":``) or after it ("... office", "...-Fax"), and it has 6 to 15
  digits; or
- its shape is a phone number's on its own: an international ``+CC`` prefix with 8 to 15
  digits (``+39 6 40022485``, ``+86 778-80846067``), a national number with a trunk ``0``
  in three groups (``0119 681 0628``), a North American 3-3-4 with separators, an area
  code in parentheses, or an extension (``x549``, ``ext. 12``).

Digit runs that are dates, amounts or arithmetic do not have those shapes or cues.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer
from auditstream.processor.redaction.recognizers.date_recognizer import is_date

PHONE_NUMBER = "PHONE_NUMBER"

# Optional "+CC" or "00CC", an optional "(area)" group, then 1-6 groups of 2-5 digits split
# by one separator each; an optional extension. Every repeat is bounded. A hyphen may end
# the number before a word ("0612 448 390-Office"), not before more of an identifier
# ("74350472-e17d-...", "12345678-beef-...").
_CANDIDATE = regex.compile(
    r"(?<![\w+.,/-])(?:(?:\+|00)\d{1,3}[ .-]?)?(?:\(0?\d{1,5}\)[ .-]?)?"
    r"\d{1,12}(?:[ .-]\d{1,8}){0,5}(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?"
    r"(?!\w|-(?![A-Za-z]{2,}(?![\w-]))|[.,]\d)",
    regex.IGNORECASE,
)
_CUE_BEFORE = regex.compile(
    r"(?i:\b(?:phone|callback|call\s+back|tel|telephone|mobile|mob|cell|cellphone|fax|desk|office|landline|"
    r"hotline|call|ring|text|sms|whats\s?app|signal|reach|contact|answering|messages|direct|"
    r"registered|dial|phone_?number|mobile_?number|tel_?no|handy|telefon|téléphone|"
    r"portable|teléfono|móvil|telefone|celular|cellulare|telefono|numero|"
    r"(?:my|your|his|her|their|our)\s+number|"
    # Keys of an attribute map or a form: "sms_to", "msisdn", "notify_phone".
    r"\w*_(?:phone|mobile|sms|tel)\w*|(?:sms|phone|mobile|tel)_\w+|msisdn)\b"
    # "Tel.", "Mob.": an abbreviation's full stop does not end the clause.
    r"\.?"
    # Scripts without word breaks: 電話 / 电话 / 手机 / 携帯 / 연락처 / 전화 / 휴대폰.
    r"|電話|电话|手机|手機|携帯|연락처|전화|휴대폰|핸드폰"
    # A signature's one-letter labels at the start of a line: "M: ...", "T: ...".
    r"|(?:^|\n)[ \t]*[MTPF][ \t]*:"
    # The number on the same line, or alone on the next one under its label ("Phone:\n439
    # 4166"; in the analysis view an escaped line break reads as a break and a space).
    r")[^.!?\n]{0,25}(?:\n[ \t]{0,4})?$"
)
# A phone object's sibling key: {"type": "mobile", "number": "611 48 05 87"}.
_JSON_SIBLING_CUE = regex.compile(
    r"\"(?i:type|kind|label)\"[ \t]{0,3}:[ \t]{0,3}\"(?i:mobile|home|work|cell|phone|"
    r"landline|fax|office|main|private)\"[ \t]{0,3},\s{0,40}\"(?i:number|value|phone)\""
    r"[ \t]{0,3}:[ \t]{0,3}\"$"
)
_JSON_SIBLING_WINDOW = 120
_CUE_AFTER = regex.compile(r"^[\s-]{0,2}(?i:office|fax|mobile|cell|home|work|direct)\b")
_SHAPE = regex.compile(
    r"(?:\+|00)?1?[ .-]?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}|.*\(\d{1,5}\).*"
    r"|.*\d[ ]?(?:x|ext\.?)[ ]?\d{1,5}"
    # A country code: nothing else is written "+39 ..." (8 or more digits, checked below).
    r"|\+[1-9][\d .-]{7,}"
    # A trunk prefix and three groups, as national numbers are written in Europe.
    r"|0\d{1,4}[ -]\d{2,4}[ -]\d{3,4}",
    regex.IGNORECASE,
)
_MIN_INTERNATIONAL_DIGITS = 8
_EXTENSION = regex.compile(r"[ ]?(?:x|ext\.?)[ ]?\d{1,5}$", regex.IGNORECASE)
_CUE_WINDOW = 32
_MIN_DIGITS, _MAX_DIGITS = 6, 15


class PhoneContextRecognizer(CodeRecognizer):
    """Find phone numbers that a phone word or a phone shape vouches for."""

    def __init__(self) -> None:
        super().__init__([PHONE_NUMBER])

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find phone numbers with a phone word or shape."""
        results = []
        for match in _CANDIDATE.finditer(text):
            value = match.group()
            digits = sum(c.isdigit() for c in _EXTENSION.sub("", value))
            if not _MIN_DIGITS <= digits <= _MAX_DIGITS or is_date(value):
                continue  # a date is the date recognizer's to judge
            before = text[max(0, match.start() - _CUE_WINDOW) : match.start()]
            cued = (
                _CUE_BEFORE.search(before)
                or _CUE_AFTER.search(text[match.end() : match.end() + 12])
                or _JSON_SIBLING_CUE.search(
                    text, max(0, match.start() - _JSON_SIBLING_WINDOW), match.start()
                )
            )
            international = value.startswith("+") and not cued
            if international and digits < _MIN_INTERNATIONAL_DIGITS:
                continue
            if cued or _SHAPE.fullmatch(value):
                results.append(
                    self.result(
                        PHONE_NUMBER, match.start(), match.end(), score=0.7, why="phone shape"
                    )
                )
        return results
