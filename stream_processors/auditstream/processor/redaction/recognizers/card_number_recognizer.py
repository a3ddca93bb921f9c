"""Card numbers of any scheme: every Luhn-valid run of 13 to 19 digits, 12 with a cue.

Presidio's ``CreditCardRecognizer`` knows the prefixes of Visa, Mastercard's 51-55 range,
Amex, Discover, Diners and JCB 35. It misses Mastercard's 2221-2720 range, 19-digit
cards, 15-digit JCB (1800, 2131), UnionPay (62) and 12-digit Maestro. An issuer's prefix
list changes; the Luhn check does not. So this recognizer takes every 13-19 digit number
(contiguous, or in groups split by single spaces or hyphens) that passes Luhn, and a
12-digit one when a card word stands before it.

What else passes Luhn by chance (one number in ten) is kept when its shape says so: epoch
timestamps in milliseconds or microseconds (13 or 16 digits starting 15-19, the years
2017-2033) unless a card word stands before them.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer

CREDIT_CARD = "CREDIT_CARD"

_CANDIDATE = regex.compile(
    r"(?<![\w.-])(?:\d{12,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?|\d{4}[ -]\d{6}[ -]\d{4,5})"
    r"(?![\w-]|\.\d)"
)
_CARD_CUE = regex.compile(
    r"(?i:card|\bcc\b|visa|master\s?card|amex|maestro|discover|diners|jcb|unionpay|\bpan\b|"
    r"karte|carte|tarjeta|cartão|carta)[^.!\n]{0,30}$"
)
_EPOCH = regex.compile(r"1[5-9]\d{11}|1[5-9]\d{14}")
_CUE_WINDOW = 40
_MIN_WITHOUT_CUE = 13


def luhn_valid(digits: str) -> bool:
    """Tell whether a digit string passes the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


class CardNumberRecognizer(CodeRecognizer):
    """Find Luhn-valid card numbers whatever their issuer."""

    def __init__(self) -> None:
        super().__init__([CREDIT_CARD])

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find Luhn-valid card numbers."""
        results = []
        for match in _CANDIDATE.finditer(text):
            digits = regex.sub(r"[ -]", "", match.group())
            if not 12 <= len(digits) <= 19 or not luhn_valid(digits):
                continue
            cue = _CARD_CUE.search(text[max(0, match.start() - _CUE_WINDOW) : match.start()])
            if not cue and (len(digits) < _MIN_WITHOUT_CUE or _EPOCH.fullmatch(digits)):
                continue
            results.append(
                self.result(
                    CREDIT_CARD,
                    match.start(),
                    match.end(),
                    score=1.0,
                    why="Luhn-valid digits",
                )
            )
        return results
