"""Cells of a pasted table under a column whose header names personal data.

CSV exports, SQL results and markdown tables reach prompts and tool outputs whole
(``name,email,phone,dob``). There a cell has no sentence around it: NER sees "Iker
Velasco" alone, and "926 359 123" under "phone" is a phone number in a national format
that no parser accepts without its country. The header is the evidence. Each cell must
still look like its column's type (a phone cell has six digits and only dialling
characters, an e-mail cell an ``@``): an unquoted comma in a free-text or amount column
("£1,640.76") shifts the cells after it, and a shifted amount must not be taken for a date.

A column headed only "name" also names products and buckets; it counts as a person's
when another column of the same header is personal (an e-mail, a phone, a birth date...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer
from auditstream.processor.redaction.recognizers.date_recognizer import DATE_OF_BIRTH
from auditstream.processor.redaction.recognizers.id_number_recognizer import (
    DRIVER_LICENSE,
    NATIONAL_ID,
    PASSPORT,
    US_SSN,
)
from auditstream.processor.redaction.recognizers.street_address_recognizer import (
    STREET_ADDRESS,
)

PERSON = "PERSON"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
IBAN_CODE = "IBAN_CODE"
SCORE = 0.85

# Most specific delimiter first: a markdown row also holds commas in its cells.
_DELIMITERS = ("|", "\t", ";", ",")
# A rule line of a markdown or SQL-client table: "|---|:--:|", "-----+------", "+----+".
_RULE_LINE = regex.compile(r"[ \t]*[|+]?[ \t]*:?-{3,}[-:|+ \t]*")
_LINE = regex.compile(r"[^\n]+")

_NAME_HEADER = regex.compile(r"name|naam|nom|nombre|nome|imie|imię|名前|이름")
_PERSON_HEADER = regex.compile(
    r"(?:customer|client|contact|employee|patient|guest|passenger|tenant|member|user|"
    r"account_?holder|card_?holder|holder|full|first|last|given|family|legal|display|sender|"
    r"recipient|person|student|owner)_?name|surname|cardholder|customer|client|patient|"
    r"employee|contact|vorname|nachname|nazwisko|apellidos?|cognome|prénom|prenom|"
    r"氏名|姓名|성명"
)
_COLUMNS: tuple[tuple[regex.Pattern[str], str], ...] = tuple(
    (regex.compile(pattern), entity)
    for pattern, entity in (
        (
            r"e_?mail(?:_?address)?|mail|correo|courriel|メール|邮箱|이메일",
            EMAIL_ADDRESS,
        ),
        (
            r"(?:home_|work_|mobile_|cell_|contact_)?(?:phone|telephone|tel|mobile|cell|"
            r"telefon|telefone|telefono|teléfono|téléphone|msisdn|whatsapp)"
            r"(?:_?(?:number|no|nr|num))?|電話番号|电话|전화번호",
            PHONE_NUMBER,
        ),
        (
            r"dob|d_o_b|date_?of_?birth|birth_?date|birthdate|birthday|born|geburtsdatum|"
            r"geboortedatum|fecha_?de_?nacimiento|date_?de_?naissance|data_?di_?nascita|"
            r"生年月日|出生日期|생년월일",
            DATE_OF_BIRTH,
        ),
        (
            r"(?:home_|street_|postal_|mailing_|billing_|shipping_|delivery_)?address(?:_?line_?\d)?|"
            r"street|addr|adresse|adres|dirección|direccion|indirizzo|endereço|anschrift|"
            r"住所|地址|주소",
            STREET_ADDRESS,
        ),
        (r"ssn|social_?security(?:_?(?:number|no))?", US_SSN),
        (r"iban", IBAN_CODE),
        (r"passport(?:_?(?:no|number|num|id))?", PASSPORT),
        (
            r"(?:driver'?s?_?|driving_?)licen[cs]e(?:_?(?:no|number))?|dl_?(?:no|number)",
            DRIVER_LICENSE,
        ),
        (
            r"national_?id(?:_?(?:no|number))?|id_?number|tax_?id|nin|bsn|dni|nif|pesel|cpf|"
            r"codice_?fiscale|personnummer|tc_?kimlik(?:_?no)?",
            NATIONAL_ID,
        ),
    )
)

_PHONE_CELL = regex.compile(r"\+?[\d ()./-]{6,24}(?:[ ]?(?:x|ext\.?)[ ]?\d{1,6})?")
_DIGITS = regex.compile(r"\d")
# "Jane Doe", or "Doe, Jane" in a quoted cell.
_NAME_CELL = regex.compile(r"[\p{L}\p{M}'\u2019.-]{2,40},?(?:[ ][\p{L}\p{M}'\u2019.-]{1,40}){0,4}")
_DATE_CELL = regex.compile(r"[\p{L}\d ./,\-年月日]{6,30}")
_ID_CELL = regex.compile(r"[A-Za-z0-9 .-]{4,40}")


def _is_phone(cell: str) -> bool:
    return _PHONE_CELL.fullmatch(cell) is not None and len(_DIGITS.findall(cell)) >= 6


def _is_date(cell: str) -> bool:
    return _DATE_CELL.fullmatch(cell) is not None and len(_DIGITS.findall(cell)) >= 4


def _is_id(cell: str) -> bool:
    return _ID_CELL.fullmatch(cell) is not None and _DIGITS.search(cell) is not None


_LOOKS_LIKE: dict[str, Callable[[str], bool]] = {
    PERSON: lambda cell: _NAME_CELL.fullmatch(cell) is not None,
    EMAIL_ADDRESS: lambda cell: "@" in cell and " " not in cell,
    PHONE_NUMBER: _is_phone,
    DATE_OF_BIRTH: _is_date,
    STREET_ADDRESS: lambda cell: 5 <= len(cell) <= 160 and cell[0] not in "$€£¥",
    US_SSN: _is_id,
    IBAN_CODE: _is_id,
    PASSPORT: _is_id,
    DRIVER_LICENSE: _is_id,
    NATIONAL_ID: _is_id,
}


@dataclass(frozen=True, slots=True)
class _Header:
    """The personal columns of a table: column index to entity type."""

    delimiter: str
    columns: dict[int, str]


class TableColumnRecognizer(CodeRecognizer):
    """Find the cells of pasted tables under columns that hold personal data."""

    def __init__(self) -> None:
        super().__init__(sorted(set(_LOOKS_LIKE)))

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find personal cells of every table whose header names their columns."""
        if "\n" not in text:
            return []  # a table has a header line and a row: most fields are one line
        wanted = set(entities)
        results: list[RecognizerResult] = []
        header: _Header | None = None
        for line in _LINE.finditer(text):
            if header is not None:
                if _RULE_LINE.fullmatch(line.group()):
                    continue
                if header.delimiter in line.group():
                    results.extend(self._row(line, header, wanted))
                    continue
            header = _header(line.group())
        return results

    def _row(
        self, line: regex.Match[str], header: _Header, wanted: set[str]
    ) -> Iterator[RecognizerResult]:
        for index, (start, end) in enumerate(_cells(line.group(), header.delimiter)):
            entity = header.columns.get(index)
            cell = line.group()[start:end]
            if entity in wanted and cell and _LOOKS_LIKE[entity](cell):
                offset = line.start()
                yield self.result(
                    entity, offset + start, offset + end, score=SCORE, why="table column"
                )


def _header(line: str) -> _Header | None:
    """Read a line as a table header; None when it names no personal column."""
    for delimiter in _DELIMITERS:
        if delimiter not in line:
            continue
        names = [_normalized(line[start:end]) for start, end in _cells(line, delimiter)]
        columns = {
            index: entity
            for index, name in enumerate(names)
            if (entity := _column_entity(name)) is not None
        }
        loose_names = [i for i, name in enumerate(names) if _NAME_HEADER.fullmatch(name)]
        if columns and loose_names:
            # "name" beside a personal column is the person's name, not a product's.
            columns.update(dict.fromkeys(loose_names, PERSON))
        if len(names) >= 2 and columns and not (set(columns.values()) <= {STREET_ADDRESS}):
            return _Header(delimiter, columns)
        return None
    return None


def _column_entity(name: str) -> str | None:
    if _PERSON_HEADER.fullmatch(name):
        return PERSON
    return next((entity for pattern, entity in _COLUMNS if pattern.fullmatch(name)), None)


def _normalized(cell: str) -> str:
    return regex.sub(r"[\s.\-/]+", "_", cell.strip("*`'\" ").casefold()).strip("_")


def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
    """Return the spans of a line's cells, trimmed of blanks and quotes.

    Double quotes protect delimiters inside a CSV cell (``"Doe, Jane"``). A markdown row's
    outer pipes make no cells.
    """
    spans = []
    start, quoted = 0, False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            spans.append((start, index))
            start = index + 1
    spans.append((start, len(line)))
    trimmed = [_trim(line, start, end) for start, end in spans]
    if delimiter == "|":
        if trimmed and trimmed[0][0] == trimmed[0][1]:
            trimmed = trimmed[1:]
        if trimmed and trimmed[-1][0] == trimmed[-1][1]:
            trimmed = trimmed[:-1]
    return trimmed


def _trim(line: str, start: int, end: int) -> tuple[int, int]:
    while start < end and line[start] in " \t\r\"'`":
        start += 1
    while end > start and line[end - 1] in " \t\r\"'`":
        end -= 1
    return start, end
