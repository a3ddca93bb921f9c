"""Identity documents, payment numbers and credentials of the blind evaluation set.

Each number follows its issuer's layout; where the issuer defines a check digit, the
number is drawn until ``python-stdnum`` validates it (tax ids, national registers, IBANs,
SSNs, card Luhn digits). Passport and licence layouts without a public check digit are
written from the issuers' published formats. Secrets follow the vendors' documented key
prefixes and lengths. Random characters come from the split's random source.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import string
from collections.abc import Callable

from blind_values import Who, fold
from stdnum import iban, luhn, verhoeff
from stdnum.au import tfn
from stdnum.br import cpf
from stdnum.ca import sin
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.in_ import aadhaar, pan
from stdnum.it import codicefiscale
from stdnum.jp import in_ as my_number
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.pt import nif
from stdnum.us import ssn

UPPER, DIGITS = string.ascii_uppercase, string.digits
ALNUM = string.ascii_letters + string.digits
# Card brands: (prefixes, length).
CARDS = [
    (["4"], 16),
    (["4"], 16),
    ([str(p) for p in range(51, 56)], 16),
    ([str(p) for p in range(2221, 2721)], 16),
    (["34", "37"], 15),
    (["6011", "65"], 16),
    ([str(p) for p in range(3528, 3590)], 16),
    (["4"], 19),
]
# IBAN countries: basic bank account number layout, a = letter, n = digit.
BBAN = {
    "DE": "n" * 18, "FR": "n" * 23, "ES": "n" * 20, "IT": "a" + "n" * 22, "NL": "aaaa" + "n" * 10,
    "PT": "n" * 21, "PL": "n" * 24, "SE": "n" * 20, "GB": "aaaa" + "n" * 14, "BE": "n" * 12,
    "AT": "n" * 16, "IE": "aaaa" + "n" * 14, "CH": "n" * 17,
}  # fmt: skip


class Documents:
    """Draws document numbers, payment numbers and secrets."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def _until(self, make: Callable[[], str], valid: Callable[[str], bool]) -> str:
        while True:
            candidate = make()
            if valid(candidate):
                return candidate

    # -- payment -------------------------------------------------------------------------
    def card(self) -> str:
        """A Luhn-valid card number of a real brand range, grouped as people type it."""
        prefixes, length = self.rng.choice(CARDS)
        body = self.rng.choice(prefixes)
        body += self._chars(DIGITS, length - len(body) - 1)
        number = body + luhn.calc_check_digit(body)
        sep = self.rng.choice(["", " ", " ", "-"])
        if length == 15:
            return sep.join([number[:4], number[4:10], number[10:]])
        groups = [number[i : i + 4] for i in range(0, length, 4)]
        return sep.join(groups)

    def iban(self, country: str | None = None) -> str:
        """A valid IBAN of a country, compact or in groups of four."""
        country = country or self.rng.choice(sorted(BBAN))
        layout = BBAN[country]

        def make() -> str:
            bban = "".join(self.rng.choice(UPPER if c == "a" else DIGITS) for c in layout)
            return country + iban.calc_check_digits(country + "00" + bban) + bban

        number = self._until(make, iban.is_valid)
        return iban.format(number) if self.rng.random() < 0.6 else number

    def ssn(self) -> str:
        """A US social security number of an issuable area, group and serial."""
        number = self._until(lambda: self._chars(DIGITS, 9), ssn.is_valid)
        sep = self.rng.choice(["-", "-", "-", " ", ""])
        return sep.join([number[:3], number[3:5], number[5:]])

    # -- national ids ----------------------------------------------------------------------
    def national_id(self, country: str, who: Who, born: dt.date) -> tuple[str, str]:
        """The country's personal id number: (what people call it, the number)."""
        r, c = self.rng, self._chars
        if country == "de":
            return "Steuer-ID", self._until(lambda: self._chars(DIGITS, 11), idnr.is_valid)
        if country == "fr":
            body = (
                f"{2 if who.female else 1}{born:%y%m}{r.randint(1, 95):02d}"
                f"{r.randint(1, 999):03d}{r.randint(1, 999):03d}"
            )
            number = body + nir.calc_check_digits(body)
            return "numéro de sécurité sociale", nir.format(number) if r.random() < 0.5 else number
        if country == "es":
            if r.random() < 0.7:
                body = self._chars(DIGITS, 8)
                return "DNI", body + dni.calc_check_digit(body)
            body = r.choice("XYZ") + self._chars(DIGITS, 7)
            return "NIE", body + nie.calc_check_digit(body)
        if country == "it":
            return "codice fiscale", self._codice_fiscale(who, born)
        if country == "nl":
            return "BSN", self._until(
                lambda: r.choice("12345678") + self._chars(DIGITS, 8), bsn.is_valid
            )
        if country in {"pt"}:
            body = r.choice("123") + self._chars(DIGITS, 7)
            return "NIF", body + nif.calc_check_digit(body)
        if country == "pl":
            month = born.month + (20 if born.year >= 2000 else 0)
            body = f"{born:%y}{month:02d}{born:%d}{r.randint(0, 999):03d}"
            body += str(r.choice([0, 2, 4, 6, 8] if who.female else [1, 3, 5, 7, 9]))
            return "PESEL", body + pesel.calc_check_digit(body)
        if country == "se":
            body = f"{born:%y%m%d}{r.randint(0, 999):03d}"
            number = body + luhn.calc_check_digit(body)
            sep = "+" if TODAY_YEAR - born.year >= 100 else "-"
            return "personnummer", f"{number[:6]}{sep}{number[6:]}"
        if country == "br":
            number = self._until(lambda: self._chars(DIGITS, 11), cpf.is_valid)
            return "CPF", cpf.format(number) if r.random() < 0.7 else number
        if country == "in":
            if r.random() < 0.6:

                def make() -> str:
                    body = r.choice("23456789") + self._chars(DIGITS, 10)
                    return body + verhoeff.calc_check_digit(body)

                number = self._until(make, aadhaar.is_valid)
                return "Aadhaar", aadhaar.format(number) if r.random() < 0.7 else number
            initial = fold(who.last)[:1].upper() or "K"
            return "PAN", self._until(
                lambda: c(UPPER, 3) + "P" + initial + c(DIGITS, 4) + r.choice(UPPER), pan.is_valid
            )
        if country == "gb":
            first = r.choice("ABCEGHJKLMNPRSTWXYZ")
            second = r.choice("ABCEGHJKLMNPRSTWXYZ".replace("O", ""))
            while first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
                second = r.choice("ABCEHJKLMPRSTWXYZ")
            digits = self._chars(DIGITS, 6)
            suffix = r.choice("ABCD")
            spaced = f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
            return "National Insurance number", spaced if r.random() < 0.5 else spaced.replace(
                " ", ""
            )
        if country == "ca":

            def make_sin() -> str:
                body = r.choice("1234567") + self._chars(DIGITS, 7)
                return body + luhn.calc_check_digit(body)

            number = self._until(make_sin, sin.is_valid)
            return "SIN", sin.format(number) if r.random() < 0.6 else number
        if country == "au":
            number = self._until(lambda: self._chars(DIGITS, 9), tfn.is_valid)
            return "TFN", tfn.format(number) if r.random() < 0.6 else number
        if country == "jp":
            body = self._chars(DIGITS, 11)
            number = body + my_number.calc_check_digit(body)
            return "マイナンバー", my_number.format(number) if r.random() < 0.5 else number
        return "SSN", self.ssn()

    def _codice_fiscale(self, who: Who, born: dt.date) -> str:
        def consonants(name: str) -> str:
            up = fold(name).upper()
            cons = [c for c in up if c not in "AEIOU"]
            vows = [c for c in up if c in "AEIOU"]
            return "".join(cons + vows + ["X", "X", "X"])[:3]

        day = born.day + (40 if who.female else 0)
        body = (
            consonants(who.last)
            + consonants(who.first)
            + f"{born:%y}"
            + "ABCDEHLMPRST"[born.month - 1]
            + f"{day:02d}"
            + self.rng.choice("ABCDEFGHILM")
            + self._chars(DIGITS, 3)
        )
        return body + codicefiscale.calc_check_digit(body)

    # -- passports and licences -----------------------------------------------------------
    def passport(self, country: str) -> str:
        """A passport number in the issuing country's layout."""
        r, c = self.rng, self._chars
        layouts: dict[str, Callable[[], str]] = {
            "us": lambda: c(DIGITS, 9) if r.random() < 0.5 else r.choice(UPPER) + c(DIGITS, 8),
            "gb": lambda: r.choice("12345") + c(DIGITS, 8),
            "de": lambda: r.choice("CFGHJK") + c("CFGHJKLMNPRTVWXYZ0123456789", 8),
            "fr": lambda: c(DIGITS, 2) + c(UPPER, 2) + c(DIGITS, 5),
            "es": lambda: c(UPPER, 3) + c(DIGITS, 6),
            "it": lambda: c(UPPER, 2) + c(DIGITS, 7),
            "nl": lambda: (
                c("ABCDEFGHIJKLMNPRSTUVWXYZ", 2)
                + c("ABCDEFGHIJKLMNPRSTUVWXYZ0123456789", 6)
                + c(DIGITS, 1)
            ),
            "pt": lambda: r.choice("CDEFGHJKLMNP") + r.choice(UPPER) + c(DIGITS, 6),
            "pl": lambda: c(UPPER, 2) + c(DIGITS, 7),
            "se": lambda: c(DIGITS, 8),
            "jp": lambda: r.choice(["TK", "TR", "TZ", "MU", "MZ"]) + c(DIGITS, 7),
            "in": lambda: r.choice("JKLMNPRSTUVWZ") + c(DIGITS, 7),
            "au": lambda: r.choice(["PA", "PB", "PE", "N", "E"]) + c(DIGITS, 7),
            "ca": lambda: c(UPPER, 2) + c(DIGITS, 6),
            "br": lambda: c(UPPER, 2) + c(DIGITS, 6),
        }
        return layouts[country]()

    def licence(self, country: str, who: Who, born: dt.date) -> str:
        """A driving licence number in the issuer's layout (a US state's for the US)."""
        r, c = self.rng, self._chars
        if country == "us":
            return r.choice(
                [
                    lambda: r.choice(UPPER) + c(DIGITS, 7),  # California
                    lambda: f"{c(DIGITS, 3)} {c(DIGITS, 3)} {c(DIGITS, 3)}",  # New York
                    lambda: c(DIGITS, 8),  # Texas
                    lambda: (
                        f"{r.choice(UPPER)}{c(DIGITS, 3)}-{c(DIGITS, 3)}-"
                        f"{c(DIGITS, 2)}-{c(DIGITS, 3)}-{c(DIGITS, 1)}"
                    ),  # Florida
                    lambda: (
                        f"{r.choice(UPPER)}{c(DIGITS, 3)}-{c(DIGITS, 4)}-{c(DIGITS, 4)}"
                    ),  # Illinois
                    lambda: "WDL" + c(UPPER + DIGITS, 9),  # Washington
                ]
            )()
        if country == "gb":
            surname = (fold(who.last).upper() + "99999")[:5]
            month = born.month + (50 if who.female else 0)
            initials = (fold(who.first)[:1].upper() + "9")[:2]
            return (
                f"{surname}{born.year % 100 // 10}{month:02d}{born.day:02d}{born.year % 10}"
                f"{initials}9{c(UPPER, 2)}"
            )
        layouts: dict[str, Callable[[], str]] = {
            "de": lambda: r.choice(UPPER) + c(DIGITS, 3) + c(UPPER + DIGITS, 6) + c(DIGITS, 1),
            "fr": lambda: c(DIGITS, 2) + c(UPPER, 2) + c(DIGITS, 5),
            "it": lambda: (
                r.choice(["U1", "MI", "RM", "TO"]) + c(UPPER + DIGITS, 7) + r.choice(UPPER)
            ),
            "nl": lambda: c(DIGITS, 10),
            "pt": lambda: f"{r.choice(['L', 'P', 'C', 'A'])}-{c(DIGITS, 7)} {c(DIGITS, 1)}",
            "pl": lambda: f"{c(DIGITS, 5)}/{c(DIGITS, 2)}/{c(DIGITS, 4)}",
            "es": lambda: (b := c(DIGITS, 8)) + dni.calc_check_digit(b),
            "se": lambda: c(DIGITS, 8),
            "jp": lambda: c(DIGITS, 12),
            "in": lambda: (
                f"{r.choice(['MH', 'KA', 'DL', 'TN', 'UP'])}{c(DIGITS, 2)} "
                f"{r.randint(1995, 2023)}{c(DIGITS, 7)}"
            ),
            "au": lambda: c(DIGITS, r.choice([8, 9])),
            "ca": lambda: (
                f"{fold(who.last)[:1].upper() or 'M'}{c(DIGITS, 4)}-{c(DIGITS, 5)}-"
                f"{born:%y}{born.month + (50 if who.female else 0):02d}{born.day:02d}"[:17]
            ),
            "br": lambda: c(DIGITS, 11),
        }
        return layouts[country]()

    # -- credentials -----------------------------------------------------------------------
    def secret(self, kind: str | None = None) -> tuple[str, str]:
        """A credential: (what it is, the value), in the vendor's documented shape."""
        c = self._chars
        urlsafe = ALNUM + "-_"
        kinds: dict[str, Callable[[], str]] = {
            "openai": lambda: "sk-proj-" + c(urlsafe, 74) + "T3BlbkFJ" + c(urlsafe, 74),
            "anthropic": lambda: "sk-ant-api03-" + c(urlsafe, 93) + "AA",
            "aws_key": lambda: "AKIA" + c(UPPER + "234567", 16),
            "aws_secret": lambda: c(ALNUM + "/+", 40),
            "github": lambda: "ghp_" + c(ALNUM, 36),
            "github_pat": lambda: "github_pat_" + c(ALNUM, 22) + "_" + c(ALNUM, 59),
            "gitlab": lambda: "glpat-" + c(urlsafe, 20),
            "slack": lambda: f"xoxb-{c(DIGITS, 12)}-{c(DIGITS, 13)}-{c(ALNUM, 24)}",
            "stripe": lambda: "sk_live_" + c(ALNUM, 99),
            "google": lambda: "AIza" + c(urlsafe, 35),
            "huggingface": lambda: "hf_" + c(string.ascii_letters, 34),
            "sendgrid": lambda: "SG." + c(urlsafe, 22) + "." + c(urlsafe, 43),
            "twilio": lambda: c("0123456789abcdef", 32),
            "jwt": self._jwt,
            "password": self.password,
        }
        kind = kind or self.rng.choice(sorted(kinds))
        return kind, kinds[kind]()

    def password(self) -> str:
        """A password as people choose them, or as a generator makes them."""
        r = self.rng
        words = "Sunflower Bluebird Kangaroo Marmalade Tiramisu Lighthouse Dragonfly Pinecone"
        words += " Sommerfest Primavera Zeppelin Koala"
        if r.random() < 0.5:
            return f"{r.choice(words.split())}{r.randint(10, 2026)}{r.choice('!#$%&*?@')}"
        return self._chars(ALNUM + "!#%*+-=?@^_", r.randint(14, 24))

    def _jwt(self) -> str:
        def b64(data: dict[str, object]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        header = {"alg": self.rng.choice(["HS256", "RS256"]), "typ": "JWT"}
        payload = {
            "sub": f"usr_{self.rng.getrandbits(40):010x}",
            "iat": 1_764_500_000 + self.rng.randint(0, 900_000),
            "scope": self.rng.choice(["read write", "admin", "billing:read"]),
        }
        return f"{b64(header)}.{b64(payload)}.{self._chars(ALNUM + '-_', 43)}"


TODAY_YEAR = 2026
