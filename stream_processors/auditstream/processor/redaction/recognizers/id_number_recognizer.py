"""Passport, driver's licence and national id numbers next to the word that names them.

An id number has no shape of its own that tells it from an order number: a US licence is
``yo0047868`` or ``217223320``, a passport ``X12345678``. What tells them apart is the word
in front, in prose ("my passport number is ...", "licence no. ...") or as a key
(``"passport_number": "..."``, ``dl_no=...``). Presidio's US passport and licence
recognizers score a bare number 0.05-0.3 and need that word to reach a useful score; here
the word is required and the finding is typed by it.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer

PASSPORT = "PASSPORT"
DRIVER_LICENSE = "DRIVER_LICENSE"
NATIONAL_ID = "NATIONAL_ID"
US_SSN = "US_SSN"

# Between the word and the number: white space, punctuation, quotes, "number", "no.",
# "is", "#"; also the sibling key of a JSON document ("type": "passport", "number": "...").
_GAP = (
    r"(?:\s+|[\"'#:=()\-.,\\\uff1a]"
    r"|(?i:number|numbers|num|nr|no|is|was|of|my|the|id|es|est|ist|ending\s+in)\b\.?){1,10}"
)
# The number: an optional short capital prefix ("DL-", "AB "), a group with a digit, then
# up to four more groups of digits, one or two capitals, or letters and digits.
_GROUP = r"[A-Za-z0-9]{0,12}\d[A-Za-z0-9]{0,12}"
_VALUE = (
    rf"(?:[A-Z]{{1,3}}[ -]?)?{_GROUP}(?:[ ./-](?:{_GROUP}|[A-Z]{{1,2}}\b)){{0,4}}"
    r"(?![\w-]|\.\w)"
)
_VALUE_PATTERN = regex.compile(_VALUE)
# Passport and licence numbers are often mostly letters ("CJ1ZJGJF3", "4NYOPRDQO2B"): after
# the word that names them, two digits in six characters or more make one; a shorter
# value or a single digit is a class ("B2") or a count ("2 photos").
_MIN_DIGITS = 2
_MIN_LENGTH = 6
_ISSUED_SHAPE = regex.compile(r"[A-Z0-9]{8,12}")
_NUMBER_WORD = regex.compile(r"(?i:\b(?:number|num|nr|no)\b|#)")
_CUES = {
    # Presidio's SSN recognizer scores a bare nine-digit run 0.05: "ssn": "343209555".
    US_SSN: r"\bssn\b|social[\s_-]?security(?:[\s_-]?(?:number|no))?|\bsocial\b",
    PASSPORT: (
        r"passport|passport_?(?:number|no|num|id)|reisepass|passeport|pasaporte|passaporto|"
        r"paspoort"
    ),
    DRIVER_LICENSE: (
        r"driver'?s?[\s_-]?licen[cs]e|driving[\s_-]licen[cs]e|"
        r"licen[cs]e[\s_-]?(?:no|nr|number|num|#)|\bdl\b|dl_?(?:number|no|num)|"
        r"führerschein|permis\s+de\s+conduire|carnet\s+de\s+conducir|rijbewijs|patente"
    ),
    NATIONAL_ID: (
        r"national[\s_-]?id|national[\s_-]insurance|\bnino\b|\bni\b\s+number|id[\s_-]?card|"
        r"identity[\s_-]?(?:card|number|document)|id[\s_-]number|national_?id|"
        r"personalausweis|ausweis|\bdni\b|\bnie\b|\bnif\b|\bbsn\b|burgerservicenummer|"
        r"codice\s+fiscale|\bpesel\b|\bsin\b|\btfn\b|aadhaa?r|\bpan\b\s+(?:card|number)|"
        r"\bcpf\b|\bcurp\b|\brut\b|tax[\s_-]?id|\btin\b|social\s+insurance|personnummer|"
        r"henkilötunnus|\bhetu\b|insee|numéro\s+de\s+sécurité\s+sociale|steuer-?id|"
        r"fødselsnummer|födelsenummer|\bcpr\b|\bahv\b|\bavs\b|rentenversicherungsnummer|"
        r"sozialversicherungsnummer|\bcnp\b|\bnir\b|\brfc\b|medicare|\bnric\b|\bhkid\b|"
        r"my\s?number|\bjmbg\b|\begn\b|\boib\b|\bemšo\b|\bamka\b|\bpps\b|"
        r"\bpersonal[\s_-]?(?:id|code|number)|document[\s_-]?number|kimlik|\btckn\b|"
        r"c[ée]dula|documento\s+(?:nacional\s+)?de\s+identidad|"
        r"carte\s+(?:nationale\s+)?d['\u2019]identit[ée]|carta\s+d['\u2019]identit[àa]|"
        r"dow[óo]d\s+osobisty|identiteitskaart|\bnik\b|\bktp\b|\bsnils\b|マイナンバー|個人番号|"
        r"身份证|주민등록번호"
    ),
}


# Words that also name other things ("license MIT 2024", "Apache licence 2.0"): after them
# only an issued number's shape counts, one run of eight to twelve capitals and digits
# with a digit, or digit groups ("L929QPQE969", "0043716759", "16252/93/7738").
# "pp", a passport's abbreviation in forms and bookings, is also "pages" ("pp. 12-15"):
# after it only the single run counts.
_ISSUED_RUN = r"(?=[A-Z]{0,11}\d)[A-Z0-9]{8,12}"
_ISSUED_NUMBER = regex.compile(rf"{_ISSUED_RUN}|\d{{3,8}}(?:[ /-]\d{{2,8}}){{0,3}}")
_BARE_CUES = {
    DRIVER_LICENSE: (r"\blicen[cs]e\b", _ISSUED_NUMBER),
    PASSPORT: (r"\bpp\b\.?", regex.compile(_ISSUED_RUN)),
}


class IdNumberRecognizer(CodeRecognizer):
    """Find numbers that a passport, licence or national id word names.

    The cue is searched forward and the number matched right after it: a lookbehind over
    the cue alternation at every position of the text would cost seconds per megabyte.

    Args:
        entity: The id kind, one of the keys of the cue table.
    """

    def __init__(self, entity: str) -> None:
        self._entity = entity
        self._cue = regex.compile(rf"(?i:{_CUES[entity]})(?:\"|')?{_GAP}", regex.MULTILINE)
        bare, self._bare_shape = _BARE_CUES.get(entity, (None, _ISSUED_NUMBER))
        self._bare_cue = regex.compile(rf"(?i:{bare})[ \t]{{1,3}}") if bare else None
        super().__init__([entity], name=f"IdNumberRecognizer_{entity}")

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find id numbers after their cue (two digits and six characters at least)."""
        results = []
        for cue in self._cue.finditer(text):
            value = _VALUE_PATTERN.match(text, cue.end())
            if value and _looks_like_an_id(value.group(), named=_NUMBER_WORD.search(cue.group())):
                results.append(
                    self.result(self._entity, value.start(), value.end(), score=0.85, why="id cue")
                )
        found = {result.start for result in results}
        for cue in self._bare_cue.finditer(text) if self._bare_cue else ():
            value = _VALUE_PATTERN.match(text, cue.end())
            if value and value.start() not in found and self._bare_shape.fullmatch(value.group()):
                results.append(
                    self.result(self._entity, value.start(), value.end(), score=0.8, why="id word")
                )
        return results


def _looks_like_an_id(value: str, *, named: object) -> bool:
    # "passport no. CVG5YZXLT": after the word and "no." or "number", one digit will do; so
    # it does in one run of eight or more capitals and digits ("passport FYGFTJ8TC"), the
    # shape of an issued number, which words and classes ("B2", "Class C1") do not have.
    digits = sum(c.isdigit() for c in value)
    enough = 1 if named or _ISSUED_SHAPE.fullmatch(value) else _MIN_DIGITS
    return digits >= enough and sum(c.isalnum() for c in value) >= _MIN_LENGTH


def national_id_cue() -> regex.Pattern[str]:
    """Return the pattern of the words that name a national id number."""
    return regex.compile(rf"(?i:{_CUES[NATIONAL_ID]})")


def id_number_recognizers() -> list[IdNumberRecognizer]:
    """Return one recognizer per id kind."""
    return [IdNumberRecognizer(entity) for entity in _CUES]
