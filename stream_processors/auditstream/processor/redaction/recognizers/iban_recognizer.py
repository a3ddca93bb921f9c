"""IBANs written with or without spaces, checked by their mod-97 digits.

Presidio's ``IbanRecognizer`` knows each country's layout and misses some spacings and
newer layouts (``RO04 DTOW 6154 1069 3167 3944``, ``BE09195483358857``). An IBAN's two
check digits make any layout safe to take: a wrong guess passes mod 97 one time in 97.
"""

from __future__ import annotations

from typing import Any

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from auditstream.processor.redaction.recognizers.result import finding

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


class IbanChecksumRecognizer(EntityRecognizer):
    """Find IBANs of any layout that pass their check digits."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[IBAN_CODE], name="IbanChecksumRecognizer", supported_language="en"
        )

    def load(self) -> None:
        """Nothing to load: the pattern compiles at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        """Find IBANs.

        Args:
            text: The text to analyze.
            entities: The entities asked for.
            nlp_artifacts: Unused.

        Returns:
            One result per IBAN.
        """
        if IBAN_CODE not in entities:
            return []
        return [
            finding(self, IBAN_CODE, m.start(), m.end(), score=1.0, why="mod-97 check digits")
            for m in _CANDIDATE.finditer(text)
            if iban_valid(m.group().replace(" ", ""))
        ]
