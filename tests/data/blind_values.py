"""People of the blind evaluation set: names, e-mails, phones, addresses, birth dates, ages, IPs.

Written without reading the recognizers or the other sets' templates. Names, streets,
postcodes and cities come from mimesis's locale data (pinned in the ``dev`` extra), phone
numbers from libphonenumber's numbering plans (``phonenumbers``: each region's example
number with its subscriber digits redrawn until the plan accepts it), month names and
date conventions are written here per language. Indian names and localities, which
mimesis has no locale for, are a short list written here. Nothing comes from Faker.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

import phonenumbers
from mimesis import Address, Internet, Locale, Person
from mimesis.enums import Gender
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Country of the traffic -> (mimesis locale, phone region).
COUNTRIES = {
    "us": ("en", "US"),
    "gb": ("en-gb", "GB"),
    "au": ("en-au", "AU"),
    "ca": ("en-ca", "CA"),
    "in": ("en", "IN"),
    "de": ("de", "DE"),
    "fr": ("fr", "FR"),
    "es": ("es", "ES"),
    "it": ("it", "IT"),
    "nl": ("nl", "NL"),
    "pt": ("pt", "PT"),
    "br": ("pt-br", "BR"),
    "pl": ("pl", "PL"),
    "se": ("sv", "SE"),
    "jp": ("ja", "JP"),
}
ENGLISH = ("us", "gb", "au", "ca", "in")

IN_GIVEN = [
    "Aarav", "Vivaan", "Aditya", "Arjun", "Sai", "Rohan", "Karthik", "Rahul", "Vikram",
    "Ananya", "Diya", "Priya", "Kavya", "Meera", "Sneha", "Lakshmi", "Pooja", "Nandini",
    "Harpreet", "Gurpreet", "Imran", "Farhan", "Ayesha", "Deepika", "Suresh", "Venkatesh",
]  # fmt: skip
IN_FAMILY = [
    "Sharma", "Iyer", "Reddy", "Nair", "Patel", "Gupta", "Mukherjee", "Banerjee", "Chatterjee",
    "Kulkarni", "Deshpande", "Menon", "Pillai", "Rao", "Singh", "Gill", "Khan", "Qureshi",
    "Joshi", "Bhat", "Agarwal", "Chowdhury", "Naidu", "Krishnan", "Subramanian", "Desai",
]  # fmt: skip
IN_PLACES = [
    ("Indiranagar", "Bengaluru", "560038"), ("Koramangala", "Bengaluru", "560034"),
    ("Andheri West", "Mumbai", "400053"), ("Powai", "Mumbai", "400076"),
    ("Salt Lake", "Kolkata", "700091"), ("Banjara Hills", "Hyderabad", "500034"),
    ("Kothrud", "Pune", "411038"), ("Adyar", "Chennai", "600020"),
    ("Vasant Kunj", "New Delhi", "110070"), ("Sector 62", "Noida", "201309"),
]  # fmt: skip
IN_BUILDINGS = ["Shanti Apartments", "Prestige Lakeside", "Sai Krupa Residency", "Green Glen"]

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    # Polish dates take the genitive.
    "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października "
    "listopada grudnia",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
}
MAIL_DOMAINS = {
    "us": ["gmail.com", "yahoo.com", "outlook.com", "comcast.net"],
    "gb": ["btinternet.com", "gmail.com", "sky.com", "hotmail.co.uk"],
    "au": ["bigpond.com", "gmail.com", "optusnet.com.au"],
    "ca": ["shaw.ca", "rogers.com", "gmail.com"],
    "in": ["gmail.com", "rediffmail.com", "yahoo.co.in"],
    "de": ["gmx.de", "web.de", "t-online.de"],
    "fr": ["orange.fr", "free.fr", "laposte.net"],
    "es": ["telefonica.net", "gmail.com", "hotmail.es"],
    "it": ["libero.it", "virgilio.it", "tiscali.it"],
    "nl": ["ziggo.nl", "kpnmail.nl", "xs4all.nl"],
    "pt": ["sapo.pt", "gmail.com"],
    "br": ["uol.com.br", "bol.com.br", "gmail.com"],
    "pl": ["wp.pl", "onet.pl", "o2.pl"],
    "se": ["telia.com", "bredband.net", "gmail.com"],
    "jp": ["docomo.ne.jp", "yahoo.co.jp", "gmail.com"],
}
WORK_DOMAINS = ["lumenpay.io", "orbitalfreight.com", "quillhealth.co", "tessera-hr.eu"]
TODAY = dt.date(2026, 12, 1)  # the day the set's events happen


def fold(text: str) -> str:
    """Strip accents and punctuation, as people write names into e-mail addresses."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss")
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


@dataclass(frozen=True, slots=True)
class Who:
    """A person: given and family name, the full name as their country writes it."""

    first: str
    last: str
    full: str
    country: str
    female: bool


class Pools:
    """mimesis providers per country, each seeded from the split's seed."""

    def __init__(self, seed: int) -> None:
        self.person: dict[str, Person] = {}
        self.address: dict[str, Address] = {}
        for i, (country, (loc, _)) in enumerate(sorted(COUNTRIES.items())):
            self.person[country] = Person(Locale(loc), seed=seed * 31 + i)
            self.address[country] = Address(Locale(loc), seed=seed * 37 + i)
        self.internet = Internet(seed=seed + 3)


class People:
    """Draws people and their personal values."""

    def __init__(self, pools: Pools, rng: random.Random) -> None:
        self.pools, self.rng = pools, rng

    # -- names -------------------------------------------------------------------------
    def who(self, country: str | None = None) -> Who:
        """A person of a country (any when None)."""
        country = country or self.rng.choice(sorted(COUNTRIES))
        female = self.rng.random() < 0.5
        if country == "in":
            first, last = self.rng.choice(IN_GIVEN), self.rng.choice(IN_FAMILY)
        else:
            person = self.pools.person[country]
            gender = Gender.FEMALE if female else Gender.MALE
            first, last = person.first_name(gender), person.last_name(gender)
        if country == "jp":
            full = f"{last}{first}" if self.rng.random() < 0.6 else f"{last} {first}"
        else:
            full = f"{first} {last}"
        return Who(first, last, full, country, female)

    # -- contacts ----------------------------------------------------------------------
    def email(self, who: Who, *, work: bool = False) -> str:
        """An e-mail address built from the person's name where it folds to ASCII."""
        domains = WORK_DOMAINS if work else MAIL_DOMAINS[who.country]
        domain = self.rng.choice(domains)
        first, last = fold(who.first), fold(who.last)
        if not first or not last:
            return f"user{self.rng.randint(1000, 99999)}@{domain}"
        shape = self.rng.choice(
            ["{f}.{l}", "{f}{l}", "{i}{l}", "{l}.{f}", "{f}_{l}{n}", "{f}{n}", "{i}.{l}{n}"]
        )
        return shape.format(f=first, l=last, i=first[0], n=self.rng.randint(1, 99)) + f"@{domain}"

    def phone(self, country: str, *, style: str | None = None) -> str:
        """A number the region's plan accepts, written nationally, internationally or E.164."""
        _, region = COUNTRIES[country]
        kind = self.rng.choice([PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE])
        example = phonenumbers.example_number_for_type(region, kind)
        nsn = str(example.national_number)
        # Keep the example's leading digit or two (mobile or geographic prefix), redraw the rest.
        keep = self.rng.choice([1, 2]) if country not in {"us", "ca"} else 0
        for _ in range(500):
            digits = nsn[:keep] + "".join(
                str(self.rng.randint(0, 9)) for _ in range(len(nsn) - keep)
            )
            number = phonenumbers.parse(f"+{example.country_code}{digits}")
            if phonenumbers.is_valid_number(number) and "555" not in digits[3:6]:
                break
        else:
            number = example
        style = style or self.rng.choice(["national", "national", "international", "e164"])
        fmt = {
            "national": PhoneNumberFormat.NATIONAL,
            "international": PhoneNumberFormat.INTERNATIONAL,
            "e164": PhoneNumberFormat.E164,
        }[style]
        return phonenumbers.format_number(number, fmt)

    # -- addresses -----------------------------------------------------------------------
    def address(self, country: str) -> tuple[str, str]:
        """A street line and the postcode-and-city line, as the country writes them."""
        if country == "in":
            area, city, pin = self.rng.choice(IN_PLACES)
            flat = f"{self.rng.randint(1, 40)}{self.rng.choice('ABCD')}"
            road = f"{self.rng.randint(1, 18)}th Cross Road"
            street = f"Flat {flat}, {self.rng.choice(IN_BUILDINGS)}, {road}, {area}"
            return street, f"{city} {pin}"
        addr = self.pools.address[country]
        number = self.rng.randint(1, 240)
        name = addr.street_name()
        if country in {"us", "ca", "au", "gb"}:
            street = f"{number} {name} {addr.street_suffix()}"
        elif country in {"fr"}:
            street = f"{number} {self.rng.choice(['rue', 'avenue', 'boulevard'])} {name}"
        elif country in {"es"}:
            street = f"{self.rng.choice(['Calle', 'Avenida', 'C/'])} {name}, {number}"
        elif country in {"it"}:
            street = f"{self.rng.choice(['Via', 'Viale', 'Corso'])} {name}, {number}"
        elif country in {"br", "pt"}:
            street = f"{self.rng.choice(['Rua', 'Avenida'])} {name}, {number}"
        elif country == "jp":
            street = f"{name}{self.rng.randint(1, 9)}-{self.rng.randint(1, 30)}-{number % 20 + 1}"
        else:
            street = addr.address()
        code, city = addr.postal_code(), addr.city()
        if country == "us":
            return street, f"{city}, {addr.state(abbr=True)} {code}"
        if country in {"ca", "au"}:
            return street, f"{city} {addr.state(abbr=True)} {code}"
        if country == "gb":
            return street, f"{city} {code}"
        if country == "jp":
            return street, f"〒{code} {city}"
        return street, f"{code} {city}"

    # -- birth dates and ages ------------------------------------------------------------
    def born(self, lo: int = 1940, hi: int = 2006) -> dt.date:
        """A date of birth between two years."""
        start, end = dt.date(lo, 1, 1).toordinal(), dt.date(hi, 12, 31).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, end))

    def date_text(self, day: dt.date, country: str) -> str:
        """A date as people of the country write it: numeric or with the month in words."""
        lang = {"de": "de", "fr": "fr", "es": "es", "it": "it", "nl": "nl", "pt": "pt"}.get(
            country, {"br": "pt", "pl": "pl", "se": "sv"}.get(country, "en")
        )
        month = MONTHS[lang].split()[day.month - 1]
        d, m, y = day.day, day.month, day.year
        numeric = {
            "us": [f"{m:02d}/{d:02d}/{y}", f"{m}/{d}/{y}"],
            "gb": [f"{d:02d}/{m:02d}/{y}"],
            "au": [f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}"],
            "ca": [f"{y}-{m:02d}-{d:02d}"],
            "in": [f"{d:02d}-{m:02d}-{y}", f"{d:02d}/{m:02d}/{y}"],
            "de": [f"{d:02d}.{m:02d}.{y}", f"{d}.{m}.{y}"],
            "fr": [f"{d:02d}/{m:02d}/{y}"],
            "es": [f"{d:02d}/{m:02d}/{y}", f"{d}-{m}-{y}"],
            "it": [f"{d:02d}/{m:02d}/{y}"],
            "nl": [f"{d:02d}-{m:02d}-{y}"],
            "pt": [f"{d:02d}/{m:02d}/{y}"],
            "br": [f"{d:02d}/{m:02d}/{y}"],
            "pl": [f"{d:02d}.{m:02d}.{y}"],
            "se": [f"{y}-{m:02d}-{d:02d}"],
            "jp": [f"{y}年{m}月{d}日", f"{y}/{m:02d}/{d:02d}"],
        }[country]
        worded = {
            "en": [f"{month} {d}, {y}", f"{d} {month} {y}", f"{d} {month[:3]} {y}"],
            "de": [f"{d}. {month} {y}"],
            "fr": [f"{d} {month} {y}"],
            "es": [f"{d} de {month} de {y}"],
            "it": [f"{d} {month} {y}"],
            "nl": [f"{d} {month} {y}"],
            "pt": [f"{d} de {month} de {y}"],
            "pl": [f"{d} {month} {y}"],
            "sv": [f"{d} {month} {y}"],
        }.get(lang, [])
        if country == "jp":
            worded = [f"{y}年{m:02d}月{d:02d}日"]
        roll = self.rng.random()
        if roll < 0.1:
            return day.isoformat()
        if roll < 0.45 and worded:
            return self.rng.choice(worded)
        return self.rng.choice(numeric)

    @staticmethod
    def age(born: dt.date) -> int:
        """Age in years on the day the set's events happen."""
        return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))

    # -- network -------------------------------------------------------------------------
    def ip(self) -> str:
        """A public IPv4 address, now and then an IPv6 one."""
        if self.rng.random() < 0.15:
            return self.pools.internet.ip_v6()
        while True:
            ip = self.pools.internet.ip_v4()
            first = int(ip.split(".")[0])
            if first not in {0, 10, 100, 127, 169, 172, 192, 198, 203} and first < 224:
                return ip
