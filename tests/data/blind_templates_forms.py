# ruff: noqa: RUF001 - Japanese writes full-width colons and parentheses
"""Forms filled through an assistant: ages in care notes, US tax and HR forms, car rentals.

Ages stand next to a cue in eight languages ("aged 83", "45 Jahre alt", "tiene 45 años",
"45歳"); US onboarding and tax prompts carry SSNs, state driver licences and passports;
car rentals carry a licence and a passport next to the booking's dates. Written without
reading the recognizers or the other sets' templates.
"""

from __future__ import annotations

from collections.abc import Callable

from blind_case import BlindCase

P = "llm.prompt"

# Per language: a sentence with a person's name, their age and a business date.
AGE_LINES: list[tuple[str, Callable[[str, str, str], str]]] = [
    ("gb", lambda n, a, d: f"Care plan for {n}, aged {a}, review booked for {d}. Summarise risks."),
    ("us", lambda n, a, d: f"write a discharge note: {n} is a {a}-year-old with follow-up on {d}"),
    (
        "au",
        lambda n, a, d: f"My dad {n} is {a} years old, can he still get the policy renewed by {d}?",
    ),
    ("in", lambda n, a, d: f"Patient name {n}, age {a} yrs, next dialysis slot {d}."),
    ("de", lambda n, a, d: f"Bitte kurz zusammenfassen: {n}, {a} Jahre alt, Termin am {d}."),
    ("fr", lambda n, a, d: f"Rédige un courrier : {n}, âgée de {a} ans, rendez-vous le {d}."),
    (
        "es",
        lambda n, a, d: f"Mi abuela {n} tiene {a} años y la cita es el {d}, ¿qué documentos llevo?",
    ),
    ("it", lambda n, a, d: f"Il signor {n} ha {a} anni; visita di controllo il {d}."),
    ("nl", lambda n, a, d: f"{n} ({a} jaar) heeft een afspraak op {d}, maak een herinnering."),
    ("jp", lambda n, a, d: f"患者：{n}（{a}）、次回受診日：{d}"),
]


def age_mention(c: BlindCase) -> None:
    """A care, insurance or HR note with a person's age next to a cue."""
    country, line = c.rng.choice(AGE_LINES)
    who = c.people.who(country)
    born = c.people.born(1930, 2004)
    age = str(c.people.age(born))
    date = c.k(P, c.looks.business_date(c.rng.choice(["iso", "dmy"])), "business_date")
    c.chat(line(c.p(P, who.full, "PERSON"), c.p(P, age, "AGE"), date))


def us_forms(c: BlindCase) -> None:
    """US tax, payroll and loan prompts with SSNs, state licences and passports."""
    who = c.people.who("us")
    born = c.people.born(1950, 2003)
    name = c.p(P, who.full, "PERSON")
    ssn = c.p(P, c.docs.ssn(), "US_SSN")
    roll = c.rng.random()
    if roll < 0.35:
        year = c.k(P, str(c.rng.choice([2024, 2025])), "business_date")
        amount = c.k(P, c.looks.amount(), "amount")
        text = (
            f"help me fill out my {year} 1040. filer: {name}, SSN {ssn}, "
            f"wages from W-2 {amount}. Is the standard deduction better for me?"
        )
    elif roll < 0.7:
        dl = c.p(P, c.docs.licence("us", who, born), "DRIVER_LICENSE")
        dob = c.p(P, c.people.date_text(born, "us"), "DATE_OF_BIRTH")
        text = (
            f"Complete the I-9 section 2 for our new hire:\nName: {name}\nDOB: {dob}\n"
            f"SSN: {ssn}\nList B document: driver's license #{dl}\nStart date: "
            f"{c.k(P, c.looks.business_date('iso'), 'business_date')}"
        )
    else:
        passport = c.p(P, c.docs.passport("us"), "PASSPORT")
        street, city = c.people.address("us")
        text = (
            f"Mortgage pre-approval application. Borrower {name} (SSN {ssn}), passport "
            f"{passport}, current address {c.p(P, street, 'STREET_ADDRESS')}, {city}. "
            "List what else the lender will ask for."
        )
    c.chat(text)


def car_rental(c: BlindCase) -> None:
    """A car-rental booking assistant: licence and passport beside pick-up dates and places."""
    country = c.rng.choice(["gb", "de", "fr", "es", "it", "nl", "pl", "se", "au", "ca", "in"])
    who = c.people.who(country)
    born = c.people.born(1950, 2004)
    city = c.k(P, c.looks.city(), "place")
    pickup = c.k(P, c.looks.business_date("iso"), "business_date")
    name = c.p(P, who.full, "PERSON")
    dl = c.p(P, c.docs.licence(country, who, born), "DRIVER_LICENSE")
    if c.rng.random() < 0.6:
        passport = c.p(P, c.docs.passport(country), "PASSPORT")
        extra = c.rng.choice(
            [f"passport no. {passport}", f"Passport: {passport}", f"pp {passport}"]
        )
    else:
        extra = f"born {c.p(P, c.people.date_text(born, country), 'DATE_OF_BIRTH')}"
    text = c.rng.choice(
        [
            f"Book a compact car in {city} from {pickup}, driver {name}, licence {dl}, {extra}.",
            f"need a rental at {city} airport on {pickup} - main driver {name} "
            f"(driving licence number {dl}), {extra}",
        ]
    )
    c.chat(text)
