"""Passport, driver's licence and national id numbers next to the word that names them.

An id number has no shape of its own that tells it from an order number: a US licence is
``yo0047868`` or ``217223320``, a passport ``X12345678``. What tells them apart is the word
in front, in prose ("my passport number is ...", "licence no. ...") or as a key
(``"passport_number": "..."``, ``dl_no=...``). Presidio's US passport and licence
recognizers score a bare number 0.05-0.3 and need that word to reach a useful score; here
the word is required and the finding is typed by it.
"""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern, PatternRecognizer

PASSPORT = "PASSPORT"
DRIVER_LICENSE = "DRIVER_LICENSE"
NATIONAL_ID = "NATIONAL_ID"
US_SSN = "US_SSN"

# Between the word and the number: punctuation, quotes, "number", "no.", "is", "#".
_GAP = (
    r"(?:[\s\"'#:=()\-.]"
    r"|(?i:number|numbers|num|nr|no|is|was|of|my|the|id|es|est|ist|ending\s+in)\b\.?){1,8}"
)
# The number: an optional short capital prefix ("DL-", "AB "), a group with a digit, then
# up to four more groups of digits, one or two capitals, or letters and digits.
_GROUP = r"[A-Za-z0-9]{0,12}\d[A-Za-z0-9]{0,12}"
_VALUE = (
    rf"(?:[A-Z]{{1,3}}[ -]?)?{_GROUP}(?:[ .-](?:{_GROUP}|[A-Z]{{1,2}}\b)){{0,4}}"
    r"(?![\w-]|\.\w)"
)
_MIN_DIGITS = 4
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
        r"\bpersonal[\s_-]?(?:id|code|number)|document[\s_-]?number"
    ),
}


class IdNumberRecognizer(PatternRecognizer):
    """Find numbers that a passport, licence or national id word names."""

    ENTITY: ClassVar[str] = PASSPORT

    def __init__(self, entity: str) -> None:
        super().__init__(
            supported_entity=entity,
            name=f"IdNumberRecognizer_{entity}",
            patterns=[
                Pattern(
                    f"{entity.lower()}_after_cue",
                    rf"(?<=(?i:{_CUES[entity]})(?:\"|')?{_GAP}){_VALUE}",
                    0.85,
                )
            ],
            supported_language="en",
            global_regex_flags=regex.MULTILINE,
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Keep numbers with at least four digits; fewer is a house number or a count.

        Args:
            pattern_text: The matched text.

        Returns:
            Whether the match is an id number.
        """
        return sum(c.isdigit() for c in pattern_text) >= _MIN_DIGITS


def id_number_recognizers() -> list[IdNumberRecognizer]:
    """Return one recognizer per id kind."""
    return [IdNumberRecognizer(entity) for entity in _CUES]
