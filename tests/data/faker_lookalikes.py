"""Look-alikes of the Faker set: values an LLM app's traffic is full of and must keep.

Order and invoice numbers, ticket ids, versions, commit hashes, UUIDs, log timestamps,
dates of business (invoices, renewals, deployments: the same formats as dates of birth,
without a birth cue), amounts, quantities, places and products that carry people's names,
model names, ports and HTTP statuses. Drawn with the set's seeded Fakers. A look-alike of
13 to 19 digits is drawn again when it passes the Luhn check: DESIGN.md counts any such
number as a card.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable

from faker_values import UPPER_ALNUM, FakerCase, write_date

_BUSINESS_FROM, _BUSINESS_TO = dt.date(2024, 1, 1), dt.date(2027, 6, 30)


def business_date(c: FakerCase) -> str:
    """Return a date of business (2024 to mid 2027): invoices, renewals, deployments."""
    return write_date(c, c.fk("en_US").date_between_dates(_BUSINESS_FROM, _BUSINESS_TO))


def iso_date(c: FakerCase) -> str:
    """Return a business date in ISO form, as APIs write it."""
    return c.fk("en_US").date_between_dates(_BUSINESS_FROM, _BUSINESS_TO).isoformat()


def _luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def not_card(c: FakerCase, makers: list[Callable[[], str]]) -> str:
    """Draw from a random maker until the value is not a Luhn-valid 13-19 digit number."""
    while True:
        value = c.rng.choice(makers)()
        digits = "".join(ch for ch in value if ch.isdigit())
        if not (13 <= len(digits) <= 19 and _luhn_valid(digits)):
            return value


# fmt: off
PLACES = [
    "Austin", "Georgia", "Florence", "Victoria", "Jordan", "Chelsea", "Lincoln", "Paris", "Sydney",
    "Charlotte", "Madison", "Savannah", "Phoenix", "Dallas", "Orlando", "Denver", "Berlin", "Lyon",
    "Porto", "Kyoto", "Virginia", "Houston", "Hamilton", "Adelaide", "Santiago", "São Paulo",
    "Kraków", "Zürich", "Marseille", "Utrecht",
]
# fmt: on
# fmt: off
PRODUCTS = [
    "Air Jordan 1", "Tesla Model 3", "Ford Mustang Mach-E", "Dell XPS 13", "Ray-Ban Wayfarer",
    "Calvin Klein", "Tommy Hilfiger", "Ben & Jerry's", "Jack Daniel's", "Louis Vuitton",
    "Hilton Garden Inn", "Ralph Lauren", "Dr. Martens", "McDonald's", "Mercedes-Benz",
    "Porsche Taycan", "Dyson V15", "Philips Hue", "Lenovo ThinkPad X1", "Alexa", "Johnnie Walker",
    "Hugo Boss",
]
# fmt: on
# fmt: off
MODELS = [
    "gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "claude-3-5-sonnet",
    "claude-3-5-sonnet-20241022", "claude-3-opus-20240229", "claude-3-haiku",
    "llama-3.1-8b-instruct", "llama-3.3-70b", "mistral-large-2407", "mixtral-8x22b",
    "gemini-1.5-flash", "gemini-2.0-pro", "command-r-plus", "deepseek-r1", "qwen2.5-coder-32b",
    "phi-3-mini-4k", "text-embedding-3-large",
]
# fmt: on
PORTS = ["443", "5432", "6379", "8080", "8443", "9092", "3306", "27017", "11211", "9200"]
HTTP_STATUSES = ["200", "201", "204", "301", "400", "401", "403", "404", "409", "429", "500"]
HTTP_STATUSES += ["502", "503", "504"]


def order_id(c: FakerCase) -> str:
    """Return an order number as shops write them."""
    f = c.fk("en_US")
    return not_card(
        c,
        [
            lambda: f.bothify("ORD-#######"),
            lambda: f.numerify("###-#######-#######"),
            lambda: f"#{f.random_int(1000, 99999)}",
            lambda: f.bothify("SO-######"),
            lambda: f.bothify("W#########"),
        ],
    )


def invoice_no(c: FakerCase) -> str:
    """Return an invoice number."""
    f = c.fk("en_US")
    year = f.random_int(2023, 2026)
    return c.rng.choice(
        [
            f"INV-{year}-{f.numerify('#####')}",
            f"{year}/{f.numerify('####')}",
            f"RE-{year}-{f.numerify('####')}",
            f.bothify("F??-######", letters=string.ascii_uppercase),
        ]
    )


def ticket(c: FakerCase) -> str:
    """Return a support or issue-tracker ticket id."""
    f = c.fk("en_US")
    return c.rng.choice(
        [
            f.bothify("TCK-######"),
            f.bothify("SUP-#####"),
            f.bothify("OPS-####"),
            f.bothify("CS#######"),
        ]
    )


def version(c: FakerCase) -> str:
    """Return a software version: semver, with v, a pre-release, or a four-part build."""
    f = c.fk("en_US")
    major, minor, patch = f.random_int(0, 9), f.random_int(0, 40), f.random_int(0, 30)
    return c.rng.choice(
        [
            f"{major}.{minor}.{patch}",
            f"v{major}.{minor}.{patch}",
            f"{major}.{minor}.{patch}-rc.{f.random_int(1, 5)}",
            f"{f.random_int(100, 140)}.0.{f.random_int(6000, 7000)}.{f.random_int(10, 200)}",
        ]
    )


def git_hash(c: FakerCase) -> str:
    """Return a commit hash, full or short."""
    sha = c.fk("en_US").sha1()
    return c.rng.choice([sha, sha[:7], sha[:12]])


def uuid(c: FakerCase) -> str:
    """Return a UUID."""
    return str(c.fk("en_US").uuid4())


def timestamp(c: FakerCase, style: str | None = None) -> str:
    """Return a log timestamp: ISO with Z, with milliseconds, Python logging's, nginx's."""
    moment = c.fk("en_US").date_time_between_dates(
        dt.datetime(2024, 1, 1), dt.datetime(2026, 12, 31)
    )
    style = style or c.rng.choice(["iso", "iso_ms", "logging"])
    if style == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "iso_ms":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if style == "logging":
        return moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 1000:03d}"
    if style == "nginx":
        return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return moment.strftime("%a %b %d %H:%M:%S %Y +0100")  # git log


def amount(c: FakerCase) -> str:
    """Return a price or amount as shops in several countries write it."""
    f = c.fk(c.rng.choice(["en_US", "en_US", "de_DE", "fr_FR", "en_GB"]))
    if c.rng.random() < 0.25:
        return f"{f.random_int(5, 9999)}.{f.random_int(0, 99):02d} {c.rng.choice(['EUR', 'USD'])}"
    return f.pricetag()


def quantity(c: FakerCase) -> str:
    """Return a quantity with its unit."""
    n = c.fk("en_US").random_int(2, 500)
    unit = c.rng.choice(["units", "seats", "licenses", "GB", "pcs", "boxes", "users"])
    return f"{n} {unit}"


def tracking_no(c: FakerCase) -> str:
    """Return a parcel tracking number (UPS, FedEx or USPS shape)."""
    f = c.fk("en_US")
    return not_card(
        c,
        [
            lambda: "1Z" + f.lexify("??????", letters=UPPER_ALNUM) + f.numerify("#" * 10),
            lambda: f.numerify("#" * 12),
            lambda: "9400 " + " ".join(f.numerify("####") for _ in range(4)) + " 00",
        ],
    )


def booking_ref(c: FakerCase) -> str:
    """Return an airline booking reference (PNR)."""
    return c.fk("en_US").lexify("??????", letters="ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
