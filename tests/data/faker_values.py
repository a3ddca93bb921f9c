"""Value makers of the Faker set: personal values from Faker's locales.

Personal values come from Faker (pinned in the ``dev`` extra), not from lists we wrote:
names of a dozen Latin-script locales and a few others, street addresses, phone numbers,
card numbers of every type Faker knows, IBANs, SSNs, passport numbers and national ids.
Where Faker has no maker (US driver's licences, API keys) the shapes are the issuers'
published formats, filled with Faker's random characters.

Every Faker instance is seeded from the set's seed and its locale's name, and dates are
drawn between fixed bounds (never relative to today), so the set is the same on every run.
The look-alikes to keep are in ``faker_lookalikes.py``.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import zlib
from dataclasses import dataclass
from typing import Any

from eval_case import Case
from faker import Faker

UPPER_ALNUM = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits


class Fakers:
    """One seeded Faker per locale, made on first use."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._by_locale: dict[str, Faker] = {}

    def __call__(self, locale: str) -> Faker:
        if locale not in self._by_locale:
            faker = Faker(locale)
            faker.seed_instance(self.seed ^ zlib.crc32(locale.encode()))
            self._by_locale[locale] = faker
        return self._by_locale[locale]


class FakerCase(Case):
    """A case of the Faker set: the event, its labels, the rng and the Fakers."""

    def __init__(self, rng: random.Random, fakers: Fakers, category: str, index: int) -> None:
        super().__init__(rng, category, index)
        self.fk = fakers

    def k(self, field: str, value: str, kind: str = "other") -> str:
        """Label a look-alike that must survive in its field, with its kind; return it."""
        self.keep.append({"field": field, "value": value, "kind": kind})
        return value

    def pick(self, weighted: list[tuple[str, int]]) -> str:
        """Choose from ``(value, weight)`` pairs."""
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]


# --- people -------------------------------------------------------------------------------

# en_IE brings O'Farrell and O'Dowd, nl_NL van der Sloot and de Vries, es_ES de Pelayo.
# fmt: off
NAME_LOCALES = [
    ("en_US", 5), ("en_GB", 3), ("en_IE", 2), ("de_DE", 3), ("fr_FR", 3), ("es_ES", 3),
    ("it_IT", 2), ("nl_NL", 3), ("pl_PL", 2), ("pt_BR", 2), ("sv_SE", 2), ("tr_TR", 2),
    ("en_IN", 3), ("ja_JP", 1), ("zh_CN", 1), ("ko_KR", 1), ("ru_RU", 1), ("uk_UA", 1),
    ("el_GR", 1), ("ar_AA", 1), ("hi_IN", 1),
]
# fmt: on
_FAMILY_FIRST = {"ja_JP", "zh_CN", "ko_KR"}
_NO_SPACE = {"zh_CN", "ko_KR"}
LOWER_CASE_RATIO = 0.07  # people type names in lower case now and then


@dataclass(frozen=True)
class Person:
    """A name as written in the text, and its parts."""

    full: str
    first: str  # what a reply would call them by: the given name, or the full name in CJK
    locale: str


def person(c: FakerCase, locale: str | None = None) -> Person:
    """Return a Faker name of a weighted locale, in lower case now and then."""
    locale = locale or c.pick(NAME_LOCALES)
    f = c.fk(locale)
    female = c.rng.random() < 0.5
    first = f.first_name_female() if female else f.first_name_male()
    last = f.last_name_female() if female else f.last_name_male()
    if locale in _FAMILY_FIRST:
        full = f"{last}{'' if locale in _NO_SPACE else ' '}{first}"
        return Person(full, full, locale)
    full = f"{first} {last}"
    if c.rng.random() < LOWER_CASE_RATIO:
        return Person(full.lower(), first.lower(), locale)
    return Person(full, first, locale)


def email(c: FakerCase, locale: str = "en_US") -> str:
    """Return a Faker e-mail address: free mail, company or example domains."""
    f = c.fk(locale if locale in {"en_US", "en_GB", "de_DE", "fr_FR", "es_ES"} else "en_US")
    return c.rng.choice([f.email, f.free_email, f.company_email])()


# --- addresses ----------------------------------------------------------------------------

ADDRESS_LOCALES = ["en_US", "en_GB", "en_CA", "de_DE", "fr_FR", "es_ES", "nl_NL", "it_IT"]
_TAIL_LINES = {"en_GB": 2, "nl_NL": 2}  # city and postcode on lines of their own


@dataclass(frozen=True)
class Address:
    """A Faker postal address: the street part (labelled) and the rest."""

    street_lines: tuple[str, ...]
    tail_lines: tuple[str, ...]

    @property
    def street(self) -> str:
        """The street part on one line."""
        return ", ".join(self.street_lines)

    @property
    def one_line(self) -> str:
        """The whole address on one line."""
        return ", ".join(self.street_lines + self.tail_lines)

    @property
    def street_block(self) -> str:
        """The street part as a letter writes it (may span lines)."""
        return "\n".join(self.street_lines)

    @property
    def block(self) -> str:
        """The whole address as a letter writes it."""
        return "\n".join(self.street_lines + self.tail_lines)


def address(c: FakerCase, locale: str | None = None) -> Address:
    """Return Faker's ``address()`` of a locale, split into street and city lines."""
    locale = locale or c.rng.choice(ADDRESS_LOCALES)
    lines = tuple(line.strip() for line in c.fk(locale).address().splitlines())
    tail = _TAIL_LINES.get(locale, 1)
    return Address(lines[:-tail], lines[-tail:])


def street(c: FakerCase, locale: str | None = None) -> str:
    """Return Faker's ``street_address()`` of a locale, on one line."""
    locale = locale or c.rng.choice(ADDRESS_LOCALES)
    lines = c.fk(locale).street_address().splitlines()
    return ", ".join(line.strip() for line in lines)


# --- dates and ages -----------------------------------------------------------------------

_BIRTH_FROM, _BIRTH_TO = dt.date(1931, 1, 1), dt.date(2006, 12, 31)


def write_date(c: FakerCase, day: dt.date) -> str:
    """Write a date the way people and systems do: ISO, European, US, spelled out."""
    month, short = day.strftime("%B"), day.strftime("%b")
    # fmt: off
    return c.rng.choice([
        day.isoformat(), day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%m/%d/%Y"),
        day.strftime("%d/%m/%Y"), f"{month} {day.day}, {day.year}",
        f"{day.day} {month} {day.year}", f"{day.day} {short} {day.year}", day.strftime("%Y/%m/%d"),
    ])
    # fmt: on


_AGE_ON = dt.date(2025, 6, 30)  # the day the set's ages are counted on


def birth(c: FakerCase) -> tuple[str, str]:
    """Return a date of birth (ages 18 to 94), written in one of many ways, and the age."""
    day = c.fk("en_US").date_between_dates(_BIRTH_FROM, _BIRTH_TO)
    years = _AGE_ON.year - day.year - ((_AGE_ON.month, _AGE_ON.day) < (day.month, day.day))
    return write_date(c, day), str(years)


def birth_date(c: FakerCase) -> str:
    """Return a date of birth, written in one of many ways."""
    return birth(c)[0]


def age(c: FakerCase) -> str:
    """Return an adult's age in years."""
    return str(c.fk("en_US").random_int(19, 97))


# fmt: off
BIRTH_CUES = [
    "born {d}", "born on {d}", "DOB {d}", "DOB: {d}", "D.O.B. {d}", "date of birth {d}",
    "date of birth: {d}", "Date of Birth - {d}", "birthday {d}",
]
# fmt: on
AGE_CUES = ["aged {a}", "a {a}-year-old", "age {a}", "Age: {a}", "{a} years of age", "who is {a}"]
AGE_CUES_FIRST_PERSON = ["I'm {a} years old", "I am {a}", "I'm {a}", "my age is {a}"]


def age_phrase(c: FakerCase, a: str, *, first_person: bool = False) -> str:
    """Put an age next to a cue: "aged 83", "an 81-year-old", "I'm 45 years old"."""
    text = c.rng.choice(AGE_CUES_FIRST_PERSON if first_person else AGE_CUES).format(a=a)
    if a.startswith("8") or a in {"11", "18"}:
        text = text.replace("a " + a, "an " + a)
    return text


# --- numbers and documents ----------------------------------------------------------------

# fmt: off
PHONE_LOCALES = [
    ("en_US", 5), ("en_GB", 3), ("en_CA", 1), ("en_AU", 1), ("en_IN", 2), ("de_DE", 3),
    ("fr_FR", 2), ("es_ES", 2), ("it_IT", 1), ("nl_NL", 2), ("pl_PL", 1), ("pt_BR", 1),
    ("sv_SE", 1), ("ja_JP", 1), ("tr_TR", 1), ("ru_RU", 1),
]
# fmt: on


def phone(c: FakerCase, locale: str | None = None) -> str:
    """Return Faker's ``phone_number()`` of a weighted locale."""
    return c.fk(locale or c.pick(PHONE_LOCALES)).phone_number()


# Faker's maestro numbers are 12 digits: outside DESIGN.md's 13-19, so not drawn here.
# fmt: off
CARD_TYPES = [
    ("visa16", "Visa"), ("visa13", "Visa"), ("visa19", "Visa"), ("mastercard", "Mastercard"),
    ("mastercard2", "Mastercard"), ("amex", "Amex"), ("discover", "Discover"),
    ("diners", "Diners Club"), ("jcb15", "JCB"), ("jcb16", "JCB"),
]
# fmt: on


def card(c: FakerCase) -> tuple[str, str]:
    """Return a Faker card number of any type, as people write it, and the brand's name."""
    kind, brand = c.rng.choice(CARD_TYPES)
    f = c.fk("en_US")
    if kind == "mastercard2":  # the 2221-2720 range
        number = f.credit_card_number("mastercard")
        while not number.startswith("2"):
            number = f.credit_card_number("mastercard")
    else:
        number = f.credit_card_number(kind)
    style = c.rng.choice(["plain", "spaced", "spaced", "dashed"])
    if style == "plain":
        return number, brand
    sep = " " if style == "spaced" else "-"
    if len(number) in (14, 15):  # Amex and Diners print 4-6-5 and 4-6-4
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    return sep.join(groups), brand


# fmt: off
IBAN_LOCALES = [
    "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "de_AT", "de_CH", "nl_BE",
    "en_GB", "en_IE", "fi_FI", "da_DK", "no_NO", "cs_CZ", "ro_RO", "el_GR",
]
# fmt: on


def iban(c: FakerCase) -> str:
    """Return a Faker IBAN of a European locale, compact or in groups of four."""
    value = c.fk(c.rng.choice(IBAN_LOCALES)).iban()
    if c.rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def ssn(c: FakerCase) -> str:
    """Return a Faker US SSN: dashed mostly, sometimes spaced or plain."""
    value = c.fk("en_US").ssn()
    style = c.rng.random()
    if style < 0.12:
        return value.replace("-", "")
    if style < 0.24:
        return value.replace("-", " ")
    return value


def passport(c: FakerCase) -> str:
    """Return a Faker passport number."""
    return c.fk(c.rng.choice(["en_US", "en_GB", "de_DE", "fr_FR", "en_IN"])).passport_number()


# fmt: off
PASSPORT_CUES = [
    "passport {x}", "passport no. {x}", "passport number {x}", "Passport: {x}", "passport #{x}",
]
# fmt: on

# Published US state formats (? letter, # digit), as card issuers print them.
DRIVER_LICENSE_FORMATS = {
    "CA": "?#######",
    "NY": "### ### ###",
    "FL": "?###-###-##-###-#",
    "TX": "########",
    "IL": "?###-####-####",
    "WA": "WDL??????#??",
    "PA": "## ### ###",
    "NJ": "?#### ##### #####",
    "MI": "? ### ### ### ###",
    "OH": "??######",
    "GA": "#########",
    "AZ": "?########",
}


def driver_license(c: FakerCase) -> tuple[str, str]:
    """Return a US driver's licence number in its state's format, and the state."""
    state = c.rng.choice(sorted(DRIVER_LICENSE_FORMATS))
    value = c.fk("en_US").bothify(DRIVER_LICENSE_FORMATS[state], letters=string.ascii_uppercase)
    return value, state


# fmt: off
DRIVER_LICENSE_CUES = [
    "driver's license {x}", "driver's licence number {x}", "DL# {x}", "DL {x}", "license no. {x}",
    "driving licence {x}",
]
# fmt: on

# (locale, Faker method, what people call it): national ids from Faker's own providers.
NATIONAL_IDS = [
    ("fr_FR", "ssn", "numéro de sécurité sociale"),
    ("it_IT", "ssn", "codice fiscale"),
    ("nl_NL", "ssn", "BSN"),
    ("pl_PL", "pesel", "PESEL"),
    ("es_ES", "nie", "NIE"),
    ("es_ES", "nif", "DNI"),
    ("de_DE", "rvnr", "Rentenversicherungsnummer"),
    ("sv_SE", "ssn", "personnummer"),
    ("fi_FI", "ssn", "henkilötunnus"),
    ("no_NO", "ssn", "fødselsnummer"),
    ("pt_BR", "cpf", "CPF"),
    ("en_GB", "ssn", "National Insurance number"),
    ("en_CA", "ssn", "SIN"),
    ("en_IN", "aadhaar_id", "Aadhaar"),
    ("zh_CN", "ssn", "resident ID"),
    ("ko_KR", "ssn", "RRN"),
    ("de_CH", "ssn", "AHV number"),
    ("ro_RO", "ssn", "CNP"),
]


def national_id(c: FakerCase) -> tuple[str, str]:
    """Return a national id from a locale's Faker provider, and its name."""
    locale, method, name = c.rng.choice(NATIONAL_IDS)
    return str(getattr(c.fk(locale), method)()), name


def ip(c: FakerCase, *, v6: bool = False) -> str:
    """Return a public IPv4 address, or an IPv6 address."""
    return c.fk("en_US").ipv6() if v6 else c.fk("en_US").ipv4_public()


# --- secrets ------------------------------------------------------------------------------


def secret(c: FakerCase, kind: str | None = None) -> str:
    """Return a credential shaped like its issuer's, filled with Faker's characters."""
    f = c.fk("en_US")
    kind = kind or c.rng.choice(SECRET_KINDS)

    def chars(n: int, letters: str = ALNUM) -> str:
        return f.lexify("?" * n, letters=letters)

    makers: dict[str, Any] = {
        "password": lambda: f.password(length=c.rng.randint(10, 18)),
        "openai": lambda: "sk-proj-" + chars(c.rng.choice([48, 64]), ALNUM + "-_"),
        "anthropic": lambda: "sk-ant-api03-" + chars(93, ALNUM + "-_") + "AA",
        "aws": lambda: "AKIA" + chars(16, string.ascii_uppercase + "234567"),
        "github": lambda: "ghp_" + chars(36),
        "github_pat": lambda: f"github_pat_{chars(22)}_{chars(59)}",
        "slack": lambda: f"xoxb-{f.numerify('#' * 12)}-{f.numerify('#' * 13)}-{chars(24)}",
        "stripe": lambda: c.rng.choice(["sk_live_", "rk_live_"]) + chars(24),
        "google": lambda: "AIza" + chars(35, ALNUM + "-_"),
        "sendgrid": lambda: f"SG.{chars(22, ALNUM + '-_')}.{chars(43, ALNUM + '-_')}",
        "twilio": lambda: f.hexify("^" * 32),
    }
    return str(makers[kind]())


# fmt: off
SECRET_KINDS = [
    "password", "password", "openai", "anthropic", "aws", "github", "github_pat", "slack",
    "stripe", "google", "sendgrid", "twilio",
]
# fmt: on
