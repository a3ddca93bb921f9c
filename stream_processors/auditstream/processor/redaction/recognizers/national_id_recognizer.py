"""National id numbers by their issuer's layout and check digits (``python-stdnum``).

A codice fiscale, a Spanish DNI or a Brazilian CPF is recognisable without any word in
front: its layout is distinctive and its check character holds. Ids that are only digits
(a Dutch BSN, a Polish PESEL, a Turkish TC Kimlik number) look like any other number, and
one random number in ten or so passes their checks, so they count only with a word naming
a national id earlier on the same line ("Is this BSN valid? 328164112").

The layouts and checks are ``python-stdnum``'s, a maintained library of them; this module
only says where to look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex
from presidio_analyzer import RecognizerResult
from stdnum.br import cpf
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.se import personnummer
from stdnum.tr import tckimlik

from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer
from auditstream.processor.redaction.recognizers.id_number_recognizer import (
    NATIONAL_ID,
    national_id_cue,
)


@dataclass(frozen=True, slots=True)
class _Layout:
    """One issuer's id: where it can start and end, and what must hold."""

    pattern: regex.Pattern[str]
    valid: Callable[[str], bool] | None  # None: the layout alone is evidence enough
    needs_cue: bool


def _bounded(body: str) -> regex.Pattern[str]:
    return regex.compile(rf"(?<![\w.-]){body}(?![\w]|[.-]\w)")


_LAYOUTS = (
    # Italy: codice fiscale, 16 characters in a fixed letter/digit layout.
    _Layout(_bounded(r"[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]"), None, needs_cue=False),
    # United Kingdom: National Insurance number, "KL 77 86 64 C".
    _Layout(
        _bounded(r"[A-CEGHJ-PR-TW-Z]{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D]"),
        None,
        needs_cue=False,
    ),
    # Brazil: CPF as written, "920.819.206-70"; bare eleven digits need a cue (below).
    _Layout(_bounded(r"\d{3}\.\d{3}\.\d{3}-\d{2}"), cpf.is_valid, needs_cue=False),
    # Spain: DNI "38887577M" and NIE "X1234567L", with their check letter.
    _Layout(_bounded(r"\d{8}-?[A-Z]"), dni.is_valid, needs_cue=False),
    _Layout(_bounded(r"[XYZ]-?\d{7}-?[A-Z]"), nie.is_valid, needs_cue=False),
    # Sweden: personnummer "811228-9874" or "19811228-9874".
    _Layout(_bounded(r"(?:\d{2})?\d{6}[-+]\d{4}"), personnummer.is_valid, needs_cue=False),
    # France: NIR (social security number), 15 digits, often grouped.
    _Layout(
        _bounded(r"[12][ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{2}"),
        nir.is_valid,
        needs_cue=False,
    ),
    # Digits only: the check alone is weak evidence.
    _Layout(_bounded(r"\d{4}\.?\d{2}\.?\d{3}|\d{9}"), bsn.is_valid, needs_cue=True),
    _Layout(_bounded(r"\d{11}"), pesel.is_valid, needs_cue=True),
    _Layout(_bounded(r"\d{11}"), tckimlik.is_valid, needs_cue=True),
    _Layout(_bounded(r"\d{11}"), cpf.is_valid, needs_cue=True),
)
_CUE = national_id_cue()
_CUE_WINDOW = 60
_LINE_BREAK = regex.compile(r"\n|\\n")


class NationalIdRecognizer(CodeRecognizer):
    """Find national id numbers by layout and check digits."""

    def __init__(self) -> None:
        super().__init__([NATIONAL_ID])

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find ids whose layout and check hold (and, for bare digits, with a cue)."""
        results = []
        for layout in _LAYOUTS:
            for match in layout.pattern.finditer(text):
                if layout.valid is not None and not layout.valid(match.group()):
                    continue
                if layout.needs_cue and not self._cued(text, match.start()):
                    continue
                results.append(self.result(NATIONAL_ID, *match.span(), score=0.85, why="id layout"))
        return results

    @staticmethod
    def _cued(text: str, start: int) -> bool:
        before = text[max(0, start - _CUE_WINDOW) : start]
        line = _LINE_BREAK.split(before)[-1]
        return _CUE.search(line) is not None
