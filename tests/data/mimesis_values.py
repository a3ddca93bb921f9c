"""People of the mimesis evaluation set: names, contacts, birth dates, cards and IPs.

Values come from mimesis's locale data (mimesis pinned in the ``dev`` extra): names of 29
locales written as each locale writes them, street lines, phones, e-mail domains, card
numbers, IPs, month names; ``Pools`` holds the seeded providers every module draws from.
Identity documents and credentials are in ``mimesis_documents.py``, look-alikes in
``mimesis_lookalikes.py``. Nothing here comes from Faker, WordNet or GeoNames, which the
recognizers use.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from mimesis import (
    Address,
    Cryptographic,
    Datetime,
    Development,
    Finance,
    Hardware,
    Internet,
    Locale,
    Payment,
    Person,
    Transport,
)
from mimesis.enums import CardType, Gender

LOCALES = [
    "en", "en-gb", "en-ca", "en-au", "de", "de-at", "de-ch", "fr", "es", "es-mx", "it",
    "nl", "nl-be", "pl", "pt", "pt-br", "sv", "da", "no", "fi", "cs", "hu", "tr", "ru",
    "uk", "el", "ja", "zh", "ko",
]  # fmt: skip
# Locales whose names are written surname first, without a space.
_FAMILY_FIRST = {"ja", "zh", "ko"}
_WORDED_MONTHS = {"en", "de", "fr", "es", "it", "nl", "pt"}
_LATIN = set(LOCALES) - {"ru", "uk", "el", "ja", "zh", "ko"}

MAIL_DOMAINS = [
    "gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me",
    "gmx.de", "web.de", "orange.fr", "free.fr", "libero.it", "wp.pl", "onet.pl", "uol.com.br",
    "yandex.ru", "mail.ru", "naver.com", "qq.com", "163.com", "yahoo.co.jp", "seznam.cz",
    "ziggo.nl", "telenet.be", "btinternet.com", "shaw.ca", "bigpond.com",
]  # fmt: skip
WORK_DOMAINS = ["northwind.io", "kestrel-logistics.com", "helio.health", "brightpath.co"]

BIRTH_FORMATS = {
    "en": "%m/%d/%Y",
    "en-gb": "%d/%m/%Y",
    "en-au": "%d/%m/%Y",
    "en-ca": "%Y-%m-%d",
    "de": "%d.%m.%Y",
    "de-at": "%d.%m.%Y",
    "de-ch": "%d.%m.%Y",
    "fr": "%d/%m/%Y",
    "es": "%d/%m/%Y",
    "es-mx": "%d/%m/%Y",
    "it": "%d/%m/%Y",
    "nl": "%d-%m-%Y",
    "nl-be": "%d/%m/%Y",
    "pl": "%d.%m.%Y",
    "pt": "%d/%m/%Y",
    "pt-br": "%d/%m/%Y",
    "ru": "%d.%m.%Y",
    "uk": "%d.%m.%Y",
    "tr": "%d.%m.%Y",
    "cs": "%d. %m. %Y",
    "hu": "%Y. %m. %d.",
    "sv": "%Y-%m-%d",
    "ja": "%Y年%m月%d日",
    "zh": "%Y年%m月%d日",
    "ko": "%Y. %m. %d.",
}


def ascii_fold(text: str) -> str:
    """Strip accents and anything not ASCII, as people write names into e-mail addresses."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in " -'")).strip()


class Pools:
    """mimesis providers per locale, each seeded from the split's seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7 + 1)
        self.person: dict[str, Person] = {}
        self.address: dict[str, Address] = {}
        self.dates: dict[str, Datetime] = {}
        for i, name in enumerate(LOCALES):
            loc = Locale(name)
            self.person[name] = Person(loc, seed=seed * 100 + i)
            self.address[name] = Address(loc, seed=seed * 100 + i)
            self.dates[name] = Datetime(loc, seed=seed * 100 + i)
        self.payment = Payment(seed=seed + 11)
        self.internet = Internet(seed=seed + 12)
        self.crypto = Cryptographic(seed=seed + 13)
        self.dev = Development(seed=seed + 14)
        self.hardware = Hardware(seed=seed + 15)
        self.transport = Transport(seed=seed + 17)
        self.finance = {n: Finance(Locale(n), seed=seed + 16) for n in ("en", "de", "fr", "es")}


class People:
    """Draws people and their personal values from the pools."""

    def __init__(self, pools: Pools, rng: random.Random) -> None:
        self.pools, self.rng = pools, rng

    # -- names -------------------------------------------------------------------------
    def name(self, locale: str | None = None) -> dict[str, str]:
        """A person: first, last, full name (as the locale writes it) and locale."""
        loc = locale or self.rng.choice(LOCALES)
        person = self.pools.person[loc]
        gender = self.rng.choice([Gender.FEMALE, Gender.MALE])
        first, last = person.first_name(gender), person.last_name(gender)
        if loc in _FAMILY_FIRST:
            full = f"{last}{first}" if loc != "ko" or self.rng.random() < 0.7 else f"{last} {first}"
            if loc == "ja" and self.rng.random() < 0.4:
                full = f"{last} {first}"
        else:
            full = f"{first} {last}"
        sex = "f" if gender == Gender.FEMALE else "m"
        return {"first": first, "last": last, "full": full, "locale": loc, "sex": sex}

    def latin_name(self) -> dict[str, str]:
        """A person from a locale written in Latin script."""
        return self.name(self.rng.choice(sorted(_LATIN)))

    # -- contacts ----------------------------------------------------------------------
    def email(self, who: dict[str, str] | None = None, *, work: bool = False) -> str:
        """An e-mail address, from the person's name when it folds to ASCII."""
        domain = self.rng.choice(WORK_DOMAINS if work else MAIL_DOMAINS)
        first = ascii_fold(who["first"]).lower().replace(" ", "") if who else ""
        last = ascii_fold(who["last"]).lower().replace(" ", "").replace("'", "") if who else ""
        if not first or not last or self.rng.random() < 0.2:
            return self.pools.person["en"].email(domains=[domain])
        shape = self.rng.choice(
            ["{f}.{l}", "{f}{l}", "{f0}{l}", "{l}.{f}", "{f}_{l}{n}", "{f}{n}", "{f0}.{l}"]
        )
        local = shape.format(f=first, l=last, f0=first[0], n=self.rng.randint(1, 99))
        return f"{local}@{domain}"

    def phone(self, locale: str) -> str:
        """A phone number as the locale's data writes it."""
        return self.pools.person[locale].phone_number()

    def street(self, locale: str) -> str:
        """A street line (street and number) of the locale."""
        return self.pools.address[locale].address()

    def city_line(self, locale: str) -> str:
        """Postal code and city, in the locale's order."""
        addr = self.pools.address[locale]
        code, city = addr.postal_code(), addr.city()
        if locale in {"en", "en-ca", "en-au"}:
            return f"{city}, {addr.state(abbr=True)} {code}"
        if locale in {"en-gb"}:
            return f"{city} {code}"
        return f"{code} {city}"

    def birth_date(self, lo: int = 1946, hi: int = 2004) -> dt.date:
        """A date of birth between two years."""
        start = dt.date(lo, 1, 1).toordinal()
        end = dt.date(hi, 12, 31).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, end))

    def birth_text(self, born: dt.date, locale: str) -> str:
        """A birth date as the locale writes it (sometimes ISO, sometimes in words)."""
        roll = self.rng.random()
        if roll < 0.15:
            return born.isoformat()
        # Month names in words only where mimesis's (nominative) names read right in a date.
        if roll < 0.3 and locale.partition("-")[0] in _WORDED_MONTHS:
            months = self.pools.dates[locale]._dataset["month"]["name"]
            month = months[born.month - 1]
            if locale.startswith("en"):
                return f"{month} {born.day}, {born.year}"
            if locale.startswith("de"):
                return f"{born.day}. {month} {born.year}"
            return f"{born.day} {month.lower()} {born.year}"
        return born.strftime(BIRTH_FORMATS.get(locale, "%d/%m/%Y"))

    @staticmethod
    def age_on(born: dt.date, today: dt.date = dt.date(2026, 11, 20)) -> int:
        """Age in years on the day the set's events happen."""
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    # -- payment and bank ----------------------------------------------------------------
    def card(self) -> str:
        """A Luhn-valid card number, written with spaces, dashes or none."""
        kind = self.rng.choice(
            [CardType.VISA, CardType.VISA, CardType.MASTER_CARD, CardType.AMERICAN_EXPRESS]
        )
        number = self.pools.payment.credit_card_number(kind)
        roll = self.rng.random()
        if roll < 0.3:
            return number.replace(" ", "")
        if roll < 0.45:
            return number.replace(" ", "-")
        return number

    def card_expiry(self) -> str:
        """A card expiry date (MM/YY)."""
        return self.pools.payment.credit_card_expiration_date(minimum=26, maximum=31)

    def ipv4(self) -> str:
        """A public-looking IPv4 address."""
        while True:
            ip = self.pools.internet.ip_v4()
            first = int(ip.split(".")[0])
            if first not in {0, 10, 100, 127, 169, 172, 192} and first < 224:
                return ip

    def ip(self) -> str:
        """An IPv4 address, or now and then an IPv6 address."""
        return self.pools.internet.ip_v6() if self.rng.random() < 0.15 else self.ipv4()
