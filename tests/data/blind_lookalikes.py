"""Look-alikes of the blind evaluation set: values shaped like personal data that are not.

Order and ticket ids, versions, hashes, UUIDs, operation timestamps, business dates,
amounts, products, LLM model names, cities in product questions, error codes, HTTP
statuses, ports, line numbers, ISO country codes and public companies. Kind names follow
the other sets where they share one (``order_id``, ``business_date``, ``place`` ...).
"""

from __future__ import annotations

import datetime as dt
import random

PRODUCTS = [
    "iPhone 15 Pro", "Galaxy S24 Ultra", "Pixel 8a", "ThinkPad X1 Carbon Gen 11", "XPS 13 9340",
    "MacBook Air M3", "Surface Laptop 6", "Kindle Paperwhite", "Sonos Era 100", "Dyson V15",
    "PlayStation 5 Slim", "Nintendo Switch OLED", "AirPods Pro 2", "Fairphone 5", "GoPro HERO12",
    "Roborock S8", "Garmin Forerunner 265", "Bose QC Ultra", "Steam Deck OLED", "RTX 4070 Super",
]  # fmt: skip
LLM_MODELS = [
    "gpt-4o-mini", "gpt-4.1", "o3-mini", "claude-3-5-sonnet-20241022", "claude-3-5-haiku",
    "gemini-1.5-pro", "llama-3.1-8b-instruct", "mistral-large-2411", "qwen2.5-coder-32b",
    "text-embedding-3-small",
]  # fmt: skip
# Cities that are also given names, surnames or states: a redactor must not take them for people.
CITIES = [
    "Austin", "Florence", "Sydney", "Victoria", "Madison", "Charlotte", "Jackson", "Lincoln",
    "Chelsea", "Adelaide", "Regina", "Santiago", "Valencia", "Lourdes", "Orlando", "Eugene",
    "Marion", "Paris", "Berlin", "Lyon", "Porto", "Kraków", "Göteborg", "Osaka", "Pune",
    "Milton Keynes", "Hamilton", "Wellington", "Nancy", "Salem",
]  # fmt: skip
COMPANIES = [
    "Siemens", "Deutsche Telekom", "Accenture", "Infosys", "Shopify", "Atlassian", "Unilever",
    "Toyota", "Banco Santander", "Philips", "Ericsson", "Vodafone", "SAP", "Allianz", "Nestlé",
    "Tata Consultancy Services", "Rakuten", "Telstra", "Zalando", "Adyen",
]  # fmt: skip
ERROR_CODES = [
    "ERR_CONNECTION_RESET", "ECONNREFUSED", "ORA-00942", "SQLSTATE 23505", "0x80070005",
    "E11000", "PGRST116", "ETIMEDOUT", "AADSTS50076", "NXDOMAIN", "ERR_TLS_CERT_ALTNAME_INVALID",
]  # fmt: skip
COUNTRY_CODES = ["DE", "FR", "ES", "IT", "NL", "PT", "PL", "SE", "JP", "GB", "IE", "AU", "CA", "IN"]
PORTS = ["5432", "6379", "8080", "9092", "27017", "3306", "8443", "5672", "9200", "11211"]
HTTP = ["400", "401", "403", "404", "409", "422", "429", "500", "502", "503", "504"]
CURRENCY = [
    ("€", "{:,.2f}"),
    ("$", "{:,.2f}"),
    ("£", "{:,.2f}"),
    ("¥", "{:,.0f}"),
    ("₹", "{:,.0f}"),
]


class LookAlikes:
    """Draws look-alike values from the split's random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def order_id(self) -> str:
        r = self.rng
        return r.choice(
            [
                lambda: f"ORD-{r.randint(2024, 2026)}-{r.randint(100000, 999999)}",
                lambda: f"#{r.randint(1000, 99999)}",
                lambda: "-".join(
                    [
                        str(r.randint(100, 999)),
                        str(r.randint(10**6, 10**7 - 1)),
                        str(r.randint(10**6, 10**7 - 1)),
                    ]
                ),
                lambda: f"SO{r.randint(10000000, 99999999)}",
            ]
        )()

    def ticket_id(self) -> str:
        r = self.rng
        return r.choice(
            [
                lambda: f"{r.choice(['PAY', 'OPS', 'SUP', 'PLAT', 'CX'])}-{r.randint(100, 9999)}",
                lambda: f"INC{r.randint(1000000, 9999999):07d}",
                lambda: f"CS{r.randint(100000, 999999)}",
            ]
        )()

    def invoice_no(self) -> str:
        return f"INV-{self.rng.randint(2025, 2026)}-{self.rng.randint(1, 99999):05d}"

    def tracking_no(self) -> str:
        r = self.rng
        return r.choice(
            [
                lambda: f"1Z{r.getrandbits(40):010X}{r.randint(10, 99)}"[:18],
                lambda: f"JD{r.randint(10**15, 10**16 - 1)}",
                lambda: f"{r.choice(['LX', 'RR', 'CP'])}{r.randint(10**8, 10**9 - 1)}DE",
            ]
        )()

    def version(self) -> str:
        r = self.rng
        v = f"{r.randint(0, 24)}.{r.randint(0, 40)}.{r.randint(0, 30)}"
        return v if r.random() < 0.6 else f"v{v}"

    def git_hash(self) -> str:
        bits = f"{self.rng.getrandbits(160):040x}"
        return bits if self.rng.random() < 0.3 else bits[:7]

    def digest(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"

    def moment(self) -> dt.datetime:
        start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        return start + dt.timedelta(seconds=self.rng.randint(0, 30 * 86400))

    def timestamp(self) -> str:
        """An operation's timestamp, in the shapes logs and APIs write."""
        t = self.moment()
        ms = self.rng.randint(0, 999)
        return self.rng.choice(
            [
                t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z",
                t.strftime("%Y-%m-%d %H:%M:%S") + f",{ms:03d}",
                t.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                str(int(t.timestamp())),
            ]
        )

    def business_date(self, style: str | None = None) -> str:
        """A date that is not anyone's birthday: due dates, deliveries, renewals."""
        day = dt.date(2026, 1, 1) + dt.timedelta(days=self.rng.randint(0, 500))
        style = style or self.rng.choice(["iso", "dmy", "words"])
        if style == "iso":
            return day.isoformat()
        if style == "dmy":
            return day.strftime("%d/%m/%Y")
        if style == "dot":
            return day.strftime("%d.%m.%Y")
        return day.strftime("%d %B %Y").lstrip("0")

    def amount(self) -> str:
        symbol, fmt = self.rng.choice(CURRENCY)
        value = self.rng.choice(
            [self.rng.randint(5, 99) + 0.99, self.rng.randint(100, 25000) * 1.0]
        )
        return symbol + fmt.format(value)

    def product(self) -> str:
        return self.rng.choice(PRODUCTS)

    def llm_model(self) -> str:
        return self.rng.choice(LLM_MODELS)

    def city(self) -> str:
        return self.rng.choice(CITIES)

    def company(self) -> str:
        return self.rng.choice(COMPANIES)

    def error_code(self) -> str:
        return self.rng.choice(ERROR_CODES)

    def http_status(self) -> str:
        return self.rng.choice(HTTP)

    def port(self) -> str:
        return self.rng.choice(PORTS)

    def line_number(self) -> str:
        return str(self.rng.randint(12, 1480))

    def country_code(self) -> str:
        return self.rng.choice(COUNTRY_CODES)

    def record_id(self) -> str:
        return str(self.rng.randint(10000, 9999999))

    def quantity(self) -> str:
        return str(self.rng.randint(2, 48))
