"""Look-alikes of the mimesis set: ids, versions, dates, amounts and places that must survive."""

from __future__ import annotations

import datetime as dt
import random
import string

from mimesis_values import BIRTH_FORMATS, Pools


class LookAlikes:
    """Values that look personal or secret but must survive: ids, versions, dates, places."""

    def __init__(self, pools: Pools, rng: random.Random) -> None:
        self.pools, self.rng = pools, rng

    def order_id(self) -> str:
        """An order number."""
        r = self.rng
        return r.choice(
            [
                f"ORD-{r.randint(2024, 2026)}-{r.randint(1, 999_999):06d}",
                f"#{r.randint(100_000, 9_999_999)}",
                f"SO{r.randint(10_000_000, 99_999_999)}",
                "-".join(str(r.randint(lo, 10 * lo - 1)) for lo in (100, 10**6, 10**6)),
            ]
        )

    def ticket(self) -> str:
        """A support or issue ticket key."""
        r = self.rng
        return r.choice(
            [
                f"{r.choice(['SUP', 'OPS', 'HR', 'CS', 'INC', 'PLAT'])}-{r.randint(10, 99999)}",
                f"INC{r.randint(1_000_000, 9_999_999):07d}",
                f"CASE-{r.randint(10**7, 10**8 - 1)}",
            ]
        )

    def invoice(self) -> str:
        """An invoice number."""
        r = self.rng
        return r.choice(
            [
                f"INV-{r.randint(2025, 2026)}-{r.randint(1, 99999):05d}",
                f"RE-{r.randint(100000, 999999)}",
                f"F{r.randint(2025, 2026)}/{r.randint(1, 9999):04d}",
            ]
        )

    def tracking(self) -> str:
        """A parcel tracking number."""
        r = self.rng
        alnum = string.ascii_uppercase + string.digits
        return r.choice(
            [
                "1Z" + "".join(r.choice(alnum) for _ in range(16)),
                f"{r.randint(10**11, 10**12 - 1)}",
                f"JD{r.randint(10**15, 10**16 - 1)}",
                f"RR{r.randint(10**8, 10**9 - 1)}DE",
            ]
        )

    def version(self) -> str:
        """A software version."""
        v = self.pools.dev.version()
        return v if self.rng.random() < 0.6 else "v" + v

    def git_hash(self) -> str:
        """A commit hash, short or full."""
        full = self.pools.crypto.token_hex(20)
        return full if self.rng.random() < 0.3 else full[:7]

    def uuid(self) -> str:
        """A UUID."""
        return self.pools.crypto.uuid()

    def timestamp(self) -> str:
        """When an operation ran, ISO 8601 with a zone, or a log-style stamp."""
        r = self.rng
        moment = dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(
            seconds=r.randint(0, 40 * 86400)
        )
        return r.choice(
            [
                moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                moment.strftime("%Y-%m-%d %H:%M:%S"),
                moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{r.randint(0, 999):03d}+00:00",
            ]
        )

    def business_date(self, locale: str = "en") -> str:
        """A date that is not a birth date (delivery, due date, meeting), locale-formatted."""
        day = dt.date(2026, 1, 1) + dt.timedelta(days=self.rng.randint(0, 500))
        if self.rng.random() < 0.3:
            return day.isoformat()
        return day.strftime(BIRTH_FORMATS.get(locale, "%d/%m/%Y"))

    def amount(self) -> str:
        """A price or total with its currency."""
        r = self.rng
        value = r.choice([r.randint(3, 99) + 0.99, r.randint(100, 9999) + r.randint(0, 99) / 100])
        return r.choice(
            [f"${value:,.2f}", f"€{value:.2f}", f"{value:.2f} EUR", f"£{value:,.2f}",
             f"{value:,.2f} USD", f"{str(value).replace('.', ',')} €"]
        )  # fmt: skip

    def product(self) -> str:
        """A product or hardware model name."""
        h = self.pools.hardware
        return self.rng.choice([h.phone_model, h.graphics, h.cpu, h.phone_model])()

    def vehicle(self) -> str:
        """A car model."""
        return self.pools.transport.car()

    def company(self, locale: str = "en") -> str:
        """A company name."""
        return self.pools.finance.get(locale, self.pools.finance["en"]).company()

    def city(self, locale: str) -> str:
        """A city name of the locale (a place asked about, not where someone lives)."""
        return self.pools.address[locale].city()

    def http_status(self) -> str:
        """An HTTP status code of an error."""
        return str(self.rng.choice([400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]))

    def port(self) -> str:
        """A service port."""
        return str(self.rng.choice([5432, 6379, 8080, 8443, 9092, 27017, 3306, 9200, 11211, 5672]))

    def model_name(self) -> str:
        """An LLM's model id."""
        return self.rng.choice(
            ["gpt-4o-2024-08-06", "gpt-4.1-mini", "claude-3-5-sonnet-20241022", "claude-sonnet-4-5",
             "gemini-1.5-pro-002", "llama-3.1-70b-instruct", "mistral-large-2411", "o3-mini"]
        )  # fmt: skip

    def quantity(self) -> str:
        """A count of items."""
        return str(self.rng.randint(2, 480))
