"""Value makers for the redaction evaluation set: realistic, valid, deterministic.

Every maker takes the generator's ``random.Random`` so the set is reproducible. Values
are valid where validity is checkable: cards pass Luhn, IBANs their mod-97 check, SSNs
avoid the 000/666/9xx areas, phone numbers are valid for their region (``phonenumbers``).
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid

import phonenumbers

FIRST = [
    "Maria",
    "José",
    "Olusegun",
    "Chloe",
    "Priya",
    "Wei",
    "Ahmed",
    "Fatima",
    "Sven",
    "Ingrid",
    "Hiroshi",
    "Aiko",
    "Dmitri",
    "Anastasia",
    "Kwame",
    "Amara",
    "Liam",
    "Siobhan",
    "Mateo",
    "Lucía",
    "Thandiwe",
    "Rahul",
    "Mei",
    "Björn",
    "Zofia",
    "François",
    "Émilie",
    "Jürgen",
    "Noor",
    "Tomasz",
    "Elena",
    "Daniel",
    "Sarah",
    "Michael",
    "Aisha",
    "Carlos",
    "Yuki",
    "Oksana",
    "Henrik",
    "Leila",
]
LAST = [
    "González",
    "Raman",
    "Adeyemi",
    "O'Connor",
    "Müller",
    "Nakamura",
    "Petrov",
    "Okafor",
    "Kowalski",
    "Dubois",
    "Schmidt",
    "Chen",
    "Patel",
    "Haddad",
    "Lindqvist",
    "Silva",
    "Novak",
    "Rossi",
    "Fernández",
    "Kim",
    "Nguyen",
    "Johansson",
    "Mbeki",
    "Khan",
    "Brennan",
    "Weber",
    "Tanaka",
    "Ivanova",
    "Mensah",
    "Costa",
    "Andersson",
    "Moreau",
    "Hoffmann",
]
DOMAINS = [
    "example.com",
    "gmail.com",
    "outlook.de",
    "acme-corp.io",
    "mail.co.uk",
    "northwind.org",
    "proton.me",
    "yahoo.fr",
    "fastmail.fm",
    "contoso.com",
]
CITIES = [
    "Lisbon",
    "Berlin",
    "Munich",
    "Chicago",
    "Denver",
    "Osaka",
    "Toronto",
    "Nairobi",
    "Madrid",
    "Singapore",
    "Austin",
    "Dublin",
    "Krakow",
    "Seattle",
    "Melbourne",
    "Lyon",
]
MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "claude-3-5-sonnet-20241022",
    "llama-3.1-70b-instruct",
    "mistral-large-latest",
    "gemini-1.5-pro",
    "text-embedding-3-small",
    "o1-preview",
    "qwen2.5-72b-instruct",
    "claude-3-haiku-20240307",
    "gpt-4.1",
    "mixtral-8x7b",
]
_ALNUM = string.ascii_letters + string.digits
_B64 = _ALNUM + "+/"


def chars(rng: random.Random, alphabet: str, n: int) -> str:
    """Return n characters drawn from an alphabet."""
    return "".join(rng.choice(alphabet) for _ in range(n))


def person(rng: random.Random) -> tuple[str, str]:
    """Return a first and a last name."""
    return rng.choice(FIRST), rng.choice(LAST)


def email(rng: random.Random, first: str, last: str) -> str:
    """Return an e-mail address made from a name (ASCII local part)."""
    plain = {"é": "e", "É": "e", "ü": "u", "ö": "o", "í": "i", "ç": "c", "á": "a", "'": ""}
    f, ln = ("".join(plain.get(c, c) for c in s).lower() for s in (first, last))
    local = rng.choice([f"{f}.{ln}", f"{f[0]}{ln}", f"{f}{rng.randint(1, 99)}", f"{f}_{ln}"])
    return f"{local}@{rng.choice(DOMAINS)}"


_PHONE_SHAPES = {
    "US": ["({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "{a}.{b}.{c}"],
    "GB": ["+44 20 {g1} {g2}", "020 {g1} {g2}", "07{m1} {m2}", "+44 7{m1} {m2}"],
    "DE": ["+49 30 {d1}", "030 {d1}", "+49 151 {d1}", "0151 {d1}"],
    "FR": ["+33 6 {f1} {f2} {f3} {f4}"],
    "IN": ["+91 9{i1} {i2}"],
    "BR": ["+55 11 9{b1}-{b2}"],
}


def phone(rng: random.Random) -> str:
    """Return a phone number valid for its region, in a common written format."""
    region = rng.choice(["US", "US", "GB", "DE", "FR", "IN", "BR"])
    while True:
        d = lambda n: chars(rng, string.digits, n)  # noqa: E731
        text = rng.choice(_PHONE_SHAPES[region]).format(
            a=f"{rng.choice('23456789')}{d(2)}",
            b=f"{rng.choice('23456789')}{d(2)}",
            c=d(4),
            g1=f"7{d(3)}",
            g2=d(4),
            m1=f"{rng.choice('45789')}{d(2)}",
            m2=d(6),
            d1=d(8),
            f1=d(2),
            f2=d(2),
            f3=d(2),
            f4=d(2),
            i1=d(4),
            i2=d(5),
            b1=d(4),
            b2=d(4),
        )
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(text, region)):
                return text
        except phonenumbers.NumberParseException:
            continue


def card(rng: random.Random) -> str:
    """Return a Luhn-valid Visa, Mastercard or Amex number, spaced, dashed or plain."""
    prefix, length = rng.choice(
        [("4", 16), ("5" + rng.choice("12345"), 16), ("3" + rng.choice("47"), 15)]
    )
    body = prefix + chars(rng, string.digits, length - len(prefix) - 1)
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    number = body + str((10 - total % 10) % 10)
    sep = rng.choice([" ", "-", ""])
    if length == 15:
        return sep.join((number[:4], number[4:10], number[10:]))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def ssn(rng: random.Random) -> str:
    """Return a well-formed SSN (area not 000, 666 or 9xx), mostly dashed."""
    area = rng.choice([n for n in range(1, 900) if n != 666])
    number = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return number if rng.random() < 0.85 else number.replace("-", " ")


_IBAN_BBAN = {
    "DE": lambda r: chars(r, string.digits, 18),
    "GB": lambda r: chars(r, string.ascii_uppercase, 4) + chars(r, string.digits, 14),
    "FR": lambda r: (
        chars(r, string.digits, 10)
        + chars(r, string.ascii_uppercase + string.digits, 11)
        + chars(r, string.digits, 2)
    ),
    "NL": lambda r: chars(r, string.ascii_uppercase, 4) + chars(r, string.digits, 10),
    "ES": lambda r: chars(r, string.digits, 20),
    "IT": lambda r: "X" + chars(r, string.digits, 10) + chars(r, string.digits, 12),
}


def iban(rng: random.Random) -> str:
    """Return an IBAN with valid check digits, compact or in groups of four."""
    country = rng.choice(list(_IBAN_BBAN))
    bban = _IBAN_BBAN[country](rng)
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    value = f"{country}{98 - int(digits) % 97:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def ipv4(rng: random.Random) -> str:
    """Return a public-looking IPv4 address."""
    return ".".join(
        str(n)
        for n in (
            rng.choice([23, 34, 52, 81, 91, 145, 185, 203]),
            rng.randint(0, 255),
            rng.randint(0, 255),
            rng.randint(2, 254),
        )
    )


def ipv6(rng: random.Random) -> str:
    """Return a global IPv6 address."""
    return "2001:db8:" + ":".join(f"{rng.getrandbits(16):x}" for _ in range(6))


def secret(rng: random.Random, kind: str) -> str:
    """Return a credential of a kind, shaped like the real thing."""
    if kind == "openai":
        return "sk-proj-" + chars(rng, _ALNUM + "_-", rng.choice([48, 64, 120]))
    if kind == "anthropic":
        return "sk-ant-api03-" + chars(rng, _ALNUM + "_-", 93) + "AA"
    if kind == "google":
        return "AIza" + chars(rng, _ALNUM + "_-", 35)
    if kind == "huggingface":
        return "hf_" + chars(rng, _ALNUM, 34)
    if kind == "aws_id":
        return rng.choice(["AKIA", "ASIA"]) + chars(rng, string.ascii_uppercase + "234567", 16)
    if kind == "aws_secret":
        while True:
            value = chars(rng, _B64, 40)
            if (
                any(c.isupper() for c in value)
                and any(c.islower() for c in value)
                and any(c.isdigit() for c in value)
            ):
                return value
    if kind == "github":
        return rng.choice(["ghp_", "gho_", "ghs_"]) + chars(rng, _ALNUM, 36)
    if kind == "gitlab":
        return "glpat-" + chars(rng, _ALNUM + "_-", 20)
    if kind == "slack":
        return f"xoxb-{chars(rng, string.digits, 12)}-{chars(rng, string.digits, 13)}-" + chars(
            rng, _ALNUM, 24
        )
    if kind == "stripe":
        return "sk_live_" + chars(rng, _ALNUM, 24)
    if kind == "jwt":
        return jwt(rng)
    raise ValueError(kind)


def jwt(rng: random.Random) -> str:
    """Return a signed-looking JWT with a realistic header and claims."""

    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    claims = {
        "sub": str(rng.randint(10**6, 10**7)),
        "iat": 1732600000 + rng.randint(0, 10**6),
        "scope": rng.choice(["read", "read write", "admin"]),
    }
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{chars(rng, _ALNUM + '_-', 43)}"


def pem(rng: random.Random) -> str:
    """Return a private key block with a random base64 body."""
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
    body = "\n".join(chars(rng, _B64, 64) for _ in range(rng.randint(4, 10)))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


def password(rng: random.Random) -> str:
    """Return a password as people make them (word, digits, a symbol)."""
    word = rng.choice(
        [
            "Summer",
            "hunter",
            "Winter",
            "dragon",
            "Blue-Horse",
            "Tr0ub4dor",
            "letmein",
            "Passw0rd",
            "monkey",
            "Kafka",
            "sunshine",
            "Falcon",
        ]
    )
    return f"{word}{rng.randint(1, 9999)}{rng.choice(['!', '#', '', '$', '_x', '?'])}"


def uid(rng: random.Random) -> str:
    """Return a random UUID (version 4)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def commit(rng: random.Random, short: bool = False) -> str:
    """Return a git commit hash, full or short."""
    return chars(rng, "0123456789abcdef", 7 if short else 40)


def version(rng: random.Random) -> str:
    """Return a version string."""
    major, minor, patch = rng.randint(0, 5), rng.randint(0, 30), rng.randint(0, 20)
    return rng.choice(
        [
            f"{major}.{minor}.{patch}",
            f"v{major}.{minor}.{patch}",
            f"{major}.{minor}.{patch}-rc.{rng.randint(1, 4)}",
            f"{major}.{minor}",
        ]
    )


def order_id(rng: random.Random) -> str:
    """Return an order, invoice, ticket or case id."""
    n = rng.randint(10000, 99999)
    return rng.choice(
        [
            f"ORD-{n}",
            f"INV-2024-{n}",
            f"PO-{n}",
            f"TCK-{n}",
            f"#A{n}",
            f"SO{rng.randint(10**6, 10**7)}",
            f"RMA-{n}-B",
        ]
    )
