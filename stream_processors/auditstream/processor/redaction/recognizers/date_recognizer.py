"""Dates in free text: every date of birth, and the dates of a person's life.

Two findings:

- ``DATE_OF_BIRTH``: a date of any written shape (``1972-03-09``, ``14.07.1951``,
  ``03/09/1972``, ``March 3, 1961``, ``12 June 1984``) with a birth cue before it: "born",
  "date of birth", "DOB", "birthday", or a JSON or form key such as ``"dob":`` or
  ``birth_date=``. Always replaced, whatever else is around it.
- ``DATE_TIME``: the same shapes, years and weekdays without a cue. In a prompt or a chat
  a date is most often about someone ("she was born on", "we moved here in 1998", "we'll
  meet Wednesday"); an audit archive would rather lose such a date than keep it for years.

Dates that auditors need are kept, because their surroundings say they belong to a thing,
not a person: machine timestamps (ISO 8601 with ``T``, or with a zone), and dates right
after an operational word ("invoice dated", "renewal on", "deployed", "expires",
"created_at": see :data:`_OPERATIONAL_CUE`). A year next to a unit or a currency, or
after ``=``, is a quantity, not a date.
"""

from __future__ import annotations

import datetime

import regex
from presidio_analyzer import RecognizerResult

from auditstream.processor.redaction.recognizers.code_recognizer import CodeRecognizer

DATE_OF_BIRTH = "DATE_OF_BIRTH"
DATE_TIME = "DATE_TIME"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_YEAR_2_OR_4 = rf"(?:{_YEAR}|\d\d)"
_TIME = r"(?:[ T]\d\d:\d\d(?::\d\d(?:[.,]\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)?)?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

# Each alternative is a whole date; the lookarounds keep it out of longer numbers and ids.
_DATE = regex.compile(
    rf"""(?<![\w./-])(?:
        {_YEAR}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01]){_TIME}       # 1972-03-09[ 10:00]
      | {_YEAR}/(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])              # 1972/03/09
      | {_YEAR}年(?:0?[1-9]|1[0-2])月(?:0?[1-9]|[12]\d|3[01])日            # 1987年07月14日
      | {_YEAR}\.[ ]?(?:0?[1-9]|1[0-2])\.[ ]?(?:0?[1-9]|[12]\d|3[01])\.?  # 1996. 02. 08.
      | (?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.{_YEAR}              # 14.07.1951
      | (?:0?[1-9]|[12]\d|3[01])-(?:0?[1-9]|1[0-2])-{_YEAR_2_OR_4}         # 14-07-51
      | (?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/{_YEAR_2_OR_4}         # 3/9/1972
      | (?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2])/{_YEAR_2_OR_4}             # 27/06/1958
      | (?:{_WEEKDAY},?\s{{1,2}})?{_MONTH}\s{{1,2}}{_DAY},?\s{{1,2}}{_YEAR} # March 3, 1961
      | (?:{_WEEKDAY},?\s{{1,2}})?{_DAY}(?:\s{{1,2}}of)?\s{{1,2}}{_MONTH},?\s{{1,2}}{_YEAR}
      | {_MONTH}\s{{1,2}}{_YEAR}                                          # June 1984
      | {_WEEKDAY}
      | {_YEAR}s?
    )(?![\w/-]|\.\d)""",
    regex.IGNORECASE | regex.VERBOSE,
)
# A whole date in the last five years or the next ones is an operation's (an order, a
# renewal, a flight); the dates of a person's life that are not birth dates are older.
RECENT_YEARS = 5
_YEAR_IN_DATE = regex.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)|(?<=[./-])(\d\d)$")
_BARE_YEAR = regex.compile(rf"{_YEAR}s?", regex.IGNORECASE)
_WEEKDAY_ONLY = regex.compile(_WEEKDAY, regex.IGNORECASE)

# Up to 40 characters before the date, within its clause.
_CUE_WINDOW = 40
_BIRTH_CUE = regex.compile(
    r"(?i:\bborn\b|birth|\bd\.?o\.?b\b|\bbday\b|\bb\.\s?$|geboren|geboorte|\bné[e]?\b|"
    r"naissance|nacimiento|nascit|\bnat[oa]\b|\bgeb\.|urodz|doğum|fødsel|födelse|syntym|"
    r"生年月日|出生|誕生|생년월일|생일)[^.!?\n;]{0,30}$"
)
# Words after which a date belongs to an order, an invoice, a release or a log line.
_OPERATIONAL_CUE = regex.compile(
    r"(?i:\b(?:invoice[ds]?|dated|order(?:ed|s)?|ship(?:ped|ping|s)?|deliver(?:ed|y)|"
    r"due|expir\w*|exp|valid|until|renew\w*|billed|billing|paid|payment|charged|refund\w*|"
    r"deploy\w*|releas\w*|launch\w*|publish\w*|created|updated|modified|changed|"
    r"scheduled|effective|starts?|started|ends?|ended|cutoff|deadline|sprint|quarter|"
    r"fy|q[1-4]|version|v\d+|as of|last seen|logged|timestamp|ts|at|"
    r"created_at|updated_at|due_date|invoice_date|order_date|"
    # Keys of a record: "performed_at", "sent_on", "logged_time" are when it happened.
    r"\w+_(?:at|on|time|ts))\b)"
    r"[\s\"':=]{0,4}(?:on|of|at|from|by|in|for)?[\s\"':=]{0,3}$"
)
_TIME_OF_DAY = regex.compile(r"\d:\d\d")
# The start of a line, of a table cell or of a bracket: where a log line ("- - [2026-11-10
# 18:00:40,237]") or a result row puts its time.
_LINE_START = regex.compile(r"(?:^|\n|\||\[)[ \t\[]{0,4}$")
# The "Date:" line of a quoted mail header, under its "From:", "To:", "Cc:" or "Sent:" line:
# when the message was sent, the timestamp of an operation.
_MAIL_HEADER_DATE = regex.compile(
    r"(?i:(?:^|\n)[ \t>]{0,4}(?:from|to|cc|sent)[ \t]{0,2}:[^\n]{0,200}\n"
    r"[ \t>]{0,4}date[ \t]{0,2}:[ \t]{0,3})$"
)
_MAIL_HEADER_WINDOW = 240
_MACHINE_TIMESTAMP = regex.compile(r"\d{4}-\d\d-\d\d(?:T|.*(?:Z|[+-]\d\d:?\d\d)$)")
# A bare year belongs to the organisation, not a person, next to words of its business:
# "the 2022 data-retention policy", "per diem in 2023", "after Q3 2021", "since 2020".
_BUSINESS_BEFORE = regex.compile(
    r"(?i:\b(?:polic(?:y|ies)|per\s+diem|budget|fiscal|fy|q[1-4]|quarter|report|revenue|"
    r"tax|roadmap|contract|audit|compliance|financial|annual|sales|guidelines?|handbook|"
    r"since|copyright|©|\(c\)|season|edition|model\s+year)\b)[^.!?\n]{0,30}$"
)
_BUSINESS_AFTER = regex.compile(
    r"^[^.!?\n]{0,20}(?i:\b(?:polic(?:y|ies)|budget|report|data|results|figures|plan|"
    r"roadmap|guidelines?|handbook|contract|audit|forecast|revenue|sales|release|edition|"
    r"season|model)\b)"
)
# A year followed by a unit or preceded by money or "=" is an amount or a setting.
_QUANTITY_AFTER = regex.compile(
    r"^\s{0,2}(?:%|ms\b|s\b|sec|min|hours?|days?|tokens?|items?|units?|rows?|users?|"
    r"requests?|bytes?|kb|mb|gb|px|x\b|dollars?|euros?|usd|eur|gbp|calls?|errors?|times)",
    regex.IGNORECASE,
)
_QUANTITY_BEFORE = regex.compile(
    r"(?:\d:\d\d\s|[$€£¥=#:]|\b(?:port|line|code|error|status|id|no\.?|number|pid|usd|eur|gbp))\s{0,2}$",
    regex.IGNORECASE,
)


class PersonalDateRecognizer(CodeRecognizer):
    """Find dates of birth, and dates that are not timestamps of an operation."""

    def __init__(self, *, today: datetime.date | None = None) -> None:
        self._recent_from = (
            today or datetime.datetime.now(datetime.UTC).date()
        ).year - RECENT_YEARS
        super().__init__([DATE_OF_BIRTH, DATE_TIME])

    def find(self, text: str, entities: list[str]) -> list[RecognizerResult]:
        """Find dates and classify each by its surroundings."""
        results = []
        for match in _DATE.finditer(text):
            start, end = match.span()
            before = text[max(0, start - _CUE_WINDOW) : start]
            value = match.group()
            if _BIRTH_CUE.search(before):
                entity, score = DATE_OF_BIRTH, 0.9
            elif self._is_operational(value, before, text[end : end + 24]) or (
                _MAIL_HEADER_DATE.search(text, max(0, start - _MAIL_HEADER_WINDOW), start)
            ):
                continue
            else:
                entity, score = DATE_TIME, 0.6
            if entity in entities:
                results.append(self.result(entity, start, end, score=score, why="date shape"))
        return results

    def _is_operational(self, value: str, before: str, after: str) -> bool:
        if _OPERATIONAL_CUE.search(before) or _MACHINE_TIMESTAMP.match(value):
            return True
        if _TIME_OF_DAY.search(value):
            # A date and time in prose or in a form ("Date: 2024-11-02 23:12:33") is when
            # something happened to someone; a log line starts with its timestamp, and a
            # table's time column holds when a row was written.
            return _LINE_START.search(before) is not None
        if not _BARE_YEAR.fullmatch(value) and (year := _year_of(value)) is not None:
            return year >= self._recent_from
        if _BARE_YEAR.fullmatch(value):
            return bool(
                _QUANTITY_AFTER.search(after)
                or _QUANTITY_BEFORE.search(before)
                or _BUSINESS_BEFORE.search(before)
                or _BUSINESS_AFTER.search(after)
            )
        # A lower-case weekday is prose ("every monday"), but the shape alone is weak
        # evidence; only a capitalised weekday stands for a day someone was somewhere.
        return bool(_WEEKDAY_ONLY.fullmatch(value)) and not value[0].isupper()


def _year_of(value: str) -> int | None:
    """The year a whole date names (two digits read as this century), if it names one."""
    match = _YEAR_IN_DATE.search(value)
    if match is None:
        return None
    return int(match.group(1)) if match.group(1) else 2000 + int(match.group(2))


def is_date(value: str) -> bool:
    """Tell whether a whole text is a date of one of the shapes this module knows."""
    return _DATE.fullmatch(value) is not None and not _BARE_YEAR.fullmatch(value)
