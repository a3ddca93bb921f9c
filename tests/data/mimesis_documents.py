"""Identity documents, bank accounts and credentials of the mimesis set.

mimesis 22 ships no national-id providers, so these identifiers (SSN, CPF, BSN, PESEL, DNI,
NIR, NINO, TCKN, personnummer, codice fiscale, IBAN, passport and licence numbers) are
built here from the split's random source by each issuer's published layout and check
digits; credentials take mimesis's cryptographic provider for their random parts and the
issuing services' prefixes. Nothing here comes from Faker, WordNet or GeoNames.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import string

from mimesis_values import Pools, ascii_fold


class Documents:
    """Draws identifiers and credentials from the pools and the split's random source."""

    def __init__(self, pools: Pools, rng: random.Random) -> None:
        self.pools, self.rng = pools, rng

    def iban(self, country: str | None = None) -> str:
        """An IBAN with a valid check, compact or in groups of four."""
        layouts = {
            "DE": "8n10n",
            "FR": "5n5n11c2n",
            "ES": "4n4n2n10n",
            "IT": "1a5n5n12c",
            "NL": "4a10n",
            "GB": "4a6n8n",
            "PL": "8n16n",
            "BE": "3n7n2n",
            "AT": "5n11n",
            "CH": "5n12c",
            "PT": "4n4n11n2n",
        }
        cc = country or self.rng.choice(sorted(layouts))
        bban = ""
        for count, kind in _layout(layouts[cc]):
            alphabet = {
                "n": string.digits,
                "a": string.ascii_uppercase,
                "c": string.digits + string.ascii_uppercase,
            }[kind]
            if cc == "NL" and kind == "a":
                bban += self.rng.choice(["ABNA", "INGB", "RABO", "TRIO", "SNSB"])
                continue
            if cc == "GB" and kind == "a":
                bban += self.rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"])
                continue
            bban += "".join(self.rng.choice(alphabet) for _ in range(count))
        check = 98 - int(_iban_digits(bban + cc + "00")) % 97
        compact = f"{cc}{check:02d}{bban}"
        if self.rng.random() < 0.55:
            return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
        return compact

    # -- national ids --------------------------------------------------------------------
    def ssn(self) -> str:
        """A US SSN of a valid shape (area not 000, 666 or 9xx)."""
        area = self.rng.choice([a for a in range(1, 900) if a != 666])
        group, serial = self.rng.randint(1, 99), self.rng.randint(1, 9999)
        sep = "-" if self.rng.random() < 0.85 else " "
        return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"

    def national_id(self, locale: str, born: dt.date) -> tuple[str, str]:
        """A national id of the locale's country and the name people call it by."""
        r = self.rng
        if locale == "pt-br":
            base = [r.randint(0, 9) for _ in range(9)]
            for n in (10, 11):
                s = sum(d * w for d, w in zip(base, range(n, 1, -1), strict=False))
                base.append((s * 10 % 11) % 10)
            d = "".join(map(str, base))
            return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}", "CPF"
        if locale == "nl":
            while True:
                digits = [r.randint(0, 9) for _ in range(8)]
                s = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
                if s % 11 < 10 and digits[0] != 0:
                    return "".join(map(str, digits)) + str(s % 11), "BSN"
        if locale == "pl":
            month = born.month + (20 if born.year >= 2000 else 0)
            head = f"{born.year % 100:02d}{month:02d}{born.day:02d}{r.randint(0, 9999):04d}"
            weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
            s = sum(int(c) * w for c, w in zip(head, weights, strict=True))
            return head + str((10 - s % 10) % 10), "PESEL"
        if locale == "es":
            number = r.randint(10_000_000, 99_999_999)
            return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}", "DNI"
        if locale == "fr":
            sex = r.choice("12")
            dept = f"{r.randint(1, 95):02d}"
            commune, order = r.randint(1, 999), r.randint(1, 999)
            body = f"{sex}{born.year % 100:02d}{born.month:02d}{dept}{commune:03d}{order:03d}"
            key = 97 - int(body) % 97
            return (
                f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:]} {key:02d}",
                "NIR",
            )
        if locale == "en-gb":
            prefix = r.choice(["AB", "CE", "JH", "KL", "NP", "PR", "SW", "TZ", "WL", "YK"])
            nums = f"{r.randint(0, 999999):06d}"
            return (
                f"{prefix} {nums[:2]} {nums[2:4]} {nums[4:]} {r.choice('ABCD')}",
                "National Insurance number",
            )
        if locale == "tr":
            t = [r.randint(1, 9)] + [r.randint(0, 9) for _ in range(8)]
            d10 = ((t[0] + t[2] + t[4] + t[6] + t[8]) * 7 - (t[1] + t[3] + t[5] + t[7])) % 10
            d11 = (sum(t) + d10) % 10
            return "".join(map(str, [*t, d10, d11])), "TC Kimlik No"
        if locale == "sv":
            body = f"{born.year % 100:02d}{born.month:02d}{born.day:02d}{r.randint(0, 999):03d}"
            return f"{body[:6]}-{body[6:]}{luhn_digit(body)}", "personnummer"
        if locale == "it":
            return self._codice_fiscale(born), "codice fiscale"
        return self.ssn(), "SSN"

    def _jwt(self) -> str:
        """A signed JWT as an identity provider issues it (fixed issue time, no clock)."""
        r, c = self.rng, self.pools.crypto
        issued = 1_795_000_000 + r.randint(0, 3_000_000)
        claims = {"sub": c.uuid(), "iat": issued, "exp": issued + r.choice([900, 3600, 86400]),
                  "scope": r.choice(["read:orders", "admin", "openid profile email"])}  # fmt: skip
        header = {"alg": r.choice(["HS256", "RS256"]), "typ": "JWT"}
        return ".".join(
            [_b64(json.dumps(header, separators=(",", ":"))),
             _b64(json.dumps(claims, separators=(",", ":"))),
             c.token_urlsafe(32).rstrip("=")]
        )  # fmt: skip

    def _codice_fiscale(self, born: dt.date) -> str:
        """An Italian codice fiscale shape (letters, birth date, place code, check letter)."""
        r = self.rng
        consonants = "BCDFGHJKLMNPQRSTVWXYZ"
        head = "".join(r.choice(consonants) for _ in range(6))
        month = "ABCDEHLMPRST"[born.month - 1]
        day = born.day + (40 if r.random() < 0.5 else 0)
        place = f"{r.choice('ABCDEFGHLMZ')}{r.randint(1, 999):03d}"
        return (
            f"{head}{born.year % 100:02d}{month}{day:02d}{place}{r.choice(string.ascii_uppercase)}"
        )

    def passport(self, locale: str | None = None) -> tuple[str, str]:
        """A passport number in the issuing country's layout, and the country.

        Mostly the country of the holder's locale; some people hold another passport.
        """
        r = self.rng
        by_locale = {"en": "US", "en-gb": "GB", "de": "DE", "fr": "FR", "es": "ES", "ja": "JP",
                     "zh": "CN", "it": "IT", "pl": "PL", "pt-br": "BR"}  # fmt: skip
        country = by_locale.get(locale or "") if r.random() < 0.8 else None
        cc = country or r.choice(["US", "DE", "FR", "GB", "ES", "JP", "CN", "IT", "PL", "BR"])
        alnum = "CFGHJKLMNPRTVWXYZ0123456789"
        shapes = {
            "US": lambda: r.choice(["", "A", "B"]) + f"{r.randint(10_000_000, 99_999_999)}",
            "DE": lambda: r.choice("CFGHJK") + "".join(r.choice(alnum) for _ in range(8)),
            "FR": lambda: (
                f"{r.randint(10, 99)}{r.choice(string.ascii_uppercase)}"
                f"{r.choice(string.ascii_uppercase)}{r.randint(10000, 99999)}"
            ),
            "GB": lambda: f"{r.randint(100_000_000, 999_999_999)}",
            "ES": lambda: (
                "".join(r.choice(string.ascii_uppercase) for _ in range(3))
                + f"{r.randint(100000, 999999)}"
            ),
            "JP": lambda: r.choice(["TK", "TR", "MZ", "TH"]) + f"{r.randint(1_000_000, 9_999_999)}",
            "CN": lambda: r.choice("EG") + f"{r.randint(10_000_000, 99_999_999)}",
            "IT": lambda: r.choice(["YA", "YB", "AA"]) + f"{r.randint(1_000_000, 9_999_999)}",
            "PL": lambda: (
                "".join(r.choice(string.ascii_uppercase) for _ in range(2))
                + f"{r.randint(1_000_000, 9_999_999)}"
            ),
            "BR": lambda: (
                "".join(r.choice(string.ascii_uppercase) for _ in range(2))
                + f"{r.randint(100000, 999999)}"
            ),
        }
        return shapes[cc](), cc

    def driver_license(self, who: dict[str, str], born: dt.date) -> tuple[str, str]:
        """A driving licence number and its issuer (a US state, the DVLA or Germany)."""
        r = self.rng
        issuer = r.choice(["CA", "NY", "FL", "TX", "IL", "GB", "DE"])
        initial = ascii_fold(who["last"])[:1].upper() or "X"
        if issuer == "CA":
            return f"{r.choice(string.ascii_uppercase)}{r.randint(1_000_000, 9_999_999)}", issuer
        if issuer == "NY":
            n = f"{r.randint(100_000_000, 999_999_999)}"
            return (f"{n[:3]} {n[3:6]} {n[6:]}" if r.random() < 0.5 else n), issuer
        if issuer == "FL":
            n = f"{r.randint(10**11, 10**12 - 1)}"
            return (
                f"{initial}{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:11]}-{n[11]}",
                issuer,
            )
        if issuer == "TX":
            return f"{r.randint(10_000_000, 49_999_999)}", issuer
        if issuer == "IL":
            n = f"{r.randint(10**11, 10**12 - 1)}"
            return f"{initial}{n[:3]}-{n[3:7]}-{n[7:]}", issuer
        if issuer == "GB":
            surname = (ascii_fold(who["last"]).upper().replace(" ", "") + "99999")[:5]
            month = born.month + (50 if r.random() < 0.5 else 0)
            initials = (ascii_fold(who["first"])[:1].upper() or "X") + "9"
            letters = string.ascii_uppercase
            tail = f"{r.randint(0, 9)}{r.choice(letters)}{r.choice(letters)}"
            return (
                f"{surname}{str(born.year)[2]}{month:02d}{born.day:02d}"
                f"{born.year % 10}{initials}{tail}",
                issuer,
            )
        alnum = string.ascii_uppercase + string.digits
        return "".join(r.choice(alnum) for _ in range(11)), issuer

    # -- network and secrets -----------------------------------------------------------------

    def secret(self, kinds: list[str] | None = None) -> tuple[str, str]:
        """A credential as services issue them, and what it is.

        Args:
            kinds: The kinds to choose from (all when None).
        """
        r, c = self.rng, self.pools.crypto
        alnum = string.ascii_letters + string.digits
        kind = r.choice(kinds) if kinds else r.choice(
            ["openai", "anthropic", "github", "aws", "slack", "stripe", "jwt", "hex", "password",
             "sendgrid", "gitlab", "urlsafe"]
        )  # fmt: skip
        if kind == "openai":
            return "sk-proj-" + c.token_urlsafe(48).replace("-", "")[:56], kind
        if kind == "anthropic":
            return "sk-ant-api03-" + c.token_urlsafe(70)[:93] + "AA", kind
        if kind == "github":
            return "ghp_" + "".join(r.choice(alnum) for _ in range(36)), kind
        if kind == "aws":
            return "".join(r.choice(alnum + "/+") for _ in range(40)), kind
        if kind == "slack":
            return f"xoxb-{r.randint(10**11, 10**12)}-{r.randint(10**12, 10**13)}-" + "".join(
                r.choice(alnum) for _ in range(24)
            ), kind
        if kind == "stripe":
            return "sk_live_" + "".join(r.choice(alnum) for _ in range(24)), kind
        if kind == "jwt":
            return self._jwt(), kind
        if kind == "hex":
            return c.api_key() if hasattr(c, "api_key") else c.token_hex(16), kind
        if kind == "sendgrid":
            return "SG." + c.token_urlsafe(16)[:22] + "." + c.token_urlsafe(32)[:43], kind
        if kind == "gitlab":
            return "glpat-" + "".join(r.choice(alnum + "-_") for _ in range(20)), kind
        if kind == "urlsafe":
            return c.token_urlsafe(32), kind
        while True:
            pw = self.pools.person["en"].password(length=r.randint(10, 16))
            if any(ch.isdigit() for ch in pw) and pw[0].isalnum() and pw[-1].isalnum():
                return pw, kind


def luhn_digit(digits: str) -> str:
    """Return the Luhn check digit for a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def _b64(text: str) -> str:
    """Base64url without padding, as JWTs encode their parts."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _layout(spec: str) -> list[tuple[int, str]]:
    """Parse an IBAN layout such as ``8n10n`` into (count, kind) pairs."""
    out, num = [], ""
    for ch in spec:
        if ch.isdigit():
            num += ch
        else:
            out.append((int(num), ch))
            num = ""
    return out


def _iban_digits(text: str) -> str:
    """Letters as numbers (A=10 ... Z=35), for the mod-97 check."""
    return "".join(str(int(ch, 36)) for ch in text)
