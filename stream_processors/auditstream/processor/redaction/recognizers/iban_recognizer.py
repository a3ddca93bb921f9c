"""IBANs written with or without spaces, checked by their mod-97 digits.

Presidio's ``IbanRecognizer`` knows each country's layout and misses some spacings and
newer layouts (``RO04 DTOW 6154 1069 3167 3944``, ``BE09195483358857``). An IBAN's two
check digits make any layout safe to take: a wrong guess passes mod 97 one time in 97.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer

IBAN_CODE = "IBAN_CODE"

_CANDIDATE = regex.compile(
    r"(?<![\w-])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![\w-])"
)
_MIN_LENGTH, _MAX_LENGTH = 15, 34


def iban_valid(iban: str) -> bool:
    """Tell whether a compact IBAN passes the ISO 7064 mod-97 check."""
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return _MIN_LENGTH <= len(iban) <= _MAX_LENGTH and int(digits) % 97 == 1


class IbanChecksumRecognizer(CodeRecognizer):
    """Find IBANs of any layout that pass their check digits."""

    def __init__(self) -> None:
        super().__init__([IBAN_CODE])

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find IBANs whose check digits hold."""
        return [
            self.result(IBAN_CODE, m.start(), m.end(), score=1.0, why="mod-97 check digits")
            for m in _CANDIDATE.finditer(text)
            if iban_valid(m.group().replace(" ", ""))
        ]
