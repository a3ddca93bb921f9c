"""Templates of the Faker set, conversational part: support chats, bookings, RAG, business.

Written from what LLM apps receive, not from what any recognizer looks for: customers
introduce themselves in many ways, paste addresses as letters write them, give dates of
birth to verify themselves beside dates of orders and renewals, and ask about places and
products that carry people's names.
"""

from __future__ import annotations

import faker_lookalikes as la
import faker_values as v
from faker_values import FakerCase

P, R = "llm.prompt", "llm.response"

SUPPORT_SYSTEM = (
    "You are the support assistant of Larkspur Home & Travel. Answer briefly, confirm "
    "identity before changing an account, and never repeat full card numbers."
)
# fmt: off
INTROS = [
    "Hi, my name is {n}.", "Hello, this is {n}.", "I'm {n}", "hey it's {n} again",
    "Good afternoon, {n} here.", "Dear support, I am {n}.", "{n} writing —",
    "Hi! {n} from the Basic plan.",
]
# fmt: on


def _issue(c: FakerCase) -> tuple[str, str]:
    """Return an issue sentence for a customer and a reply line."""
    order = la.order_id(c)
    kind = c.rng.randrange(5)
    if kind == 0:
        text = (
            f"My order {c.k(P, order, 'order_id')} ({c.k(P, la.quantity(c), 'quantity')} of "
            f"{c.k(P, c.rng.choice(la.PRODUCTS), 'product_name')}) was charged "
            f"{c.k(P, la.amount(c), 'amount')} but never arrived in "
            f"{c.k(P, c.rng.choice(la.PLACES), 'place')}."
        )
    elif kind == 1:
        text = (
            f"Invoice {c.k(P, la.invoice_no(c), 'invoice_no')} dated "
            f"{c.k(P, la.business_date(c), 'business_date')} shows "
            f"{c.k(P, la.amount(c), 'amount')}, which is not what we agreed."
        )
    elif kind == 2:
        text = (
            f"The {c.k(P, c.rng.choice(la.PRODUCTS), 'product_name')} gift card I bought on "
            f"{c.k(P, la.business_date(c), 'business_date')} is not accepted; your app says "
            f"version {c.k(P, la.version(c), 'version')}."
        )
    elif kind == 3:
        text = (
            f"We'd like to go to {c.k(P, la.quantity(c), 'quantity')} for the "
            f"{c.k(P, c.rng.choice(la.PLACES), 'place')} office before the renewal on "
            f"{c.k(P, la.business_date(c), 'business_date')}."
        )
    else:
        text = (
            f"Parcel {c.k(P, la.tracking_no(c), 'tracking_no')} for order "
            f"{c.k(P, order, 'order_id')} has been stuck since "
            f"{c.k(P, la.business_date(c), 'business_date')}."
        )
    if kind in (0, 4):
        return text, f"I've opened a case for order {c.k(R, order, 'order_id')}."
    return text, f"I've opened case {c.k(R, la.ticket(c), 'record_id')} for you."


def _extra(c: FakerCase, what: str, who: v.Person) -> tuple[str, str | None]:
    """Return a sentence that gives one more personal detail, and a reply line or None."""
    r = c.rng
    if what == "email":
        x = c.p(P, v.email(c, who.locale), "EMAIL_ADDRESS")
        line = r.choice(["You can reach me at {x}.", "my email is {x}", "Email: {x}"])
        return line.format(x=x), None
    if what == "phone":
        x = c.p(P, v.phone(c), "PHONE_NUMBER")
        line = r.choice(
            ["Call me on {x}.", "my cell is {x}", "Phone: {x}", "or text {x} after 5pm",
             "best number to reach me: {x}"]
        )  # fmt: skip
        if r.random() < 0.3:
            return line.format(x=x), f"We'll call you on {c.p(R, x, 'PHONE_NUMBER')}."
        return line.format(x=x), None
    if what == "address":
        a = v.address(c)
        c.p(P, a.street, "STREET_ADDRESS")
        line = r.choice(
            ["Please ship the replacement to {a} instead.", "I moved to {a} last month.",
             "New billing address: {a}"]
        )  # fmt: skip
        reply = None
        if r.random() < 0.3:
            reply = f"Done, the address is now {c.p(R, a.street, 'STREET_ADDRESS')}."
        return line.format(a=a.one_line), reply
    if what == "address_block":
        a = v.address(c)
        c.p(P, a.street_block, "STREET_ADDRESS")
        return r.choice(["My address is:\n", "Send it here:\n", "Address\n"]) + a.block, None
    if what == "card":
        number, brand = v.card(c)
        x = c.p(P, number, "CREDIT_CARD")
        line = r.choice(
            ["I paid with my {b} {x}.", "card number {x}, it's a {b}", "charged to {b} card {x}"]
        )
        return line.format(x=x, b=brand), None
    if what == "iban":
        x = c.p(P, v.iban(c), "IBAN_CODE")
        return r.choice(["Refund to IBAN {x} please.", "my IBAN is {x}", "Bank: {x}"]).format(
            x=x
        ), None
    if what == "dob":
        d = c.p(P, v.birth_date(c), "DATE_OF_BIRTH")
        cue = r.choice(v.BIRTH_CUES).format(d=d)
        return r.choice(["To verify: {c}.", "For security, {c}.", "({c})"]).format(c=cue), None
    if what == "ssn":
        x = c.p(P, v.ssn(c), "US_SSN")
        return r.choice(["My SSN is {x}.", "SSN {x} for the tax form", "social: {x}"]).format(
            x=x
        ), None
    if what == "passport":
        x = c.p(P, v.passport(c), "PASSPORT")
        return "The booking needs my " + r.choice(v.PASSPORT_CUES).format(x=x) + ".", None
    if what == "license":
        x, state = v.driver_license(c)
        c.p(P, x, "DRIVER_LICENSE")
        cue = r.choice(v.DRIVER_LICENSE_CUES).format(x=x)
        return f"For the rental pickup: {state} {cue}.", None
    if what == "national_id":
        x, name = v.national_id(c)
        c.p(P, x, "NATIONAL_ID")
        return r.choice(["My {n} is {x}.", "{n}: {x}", "({n} {x})"]).format(n=name, x=x), None
    if what == "age":
        a = c.p(P, v.age(c), "AGE")
        return r.choice(
            ["The account is for my father, " + v.age_phrase(c, a) + ".",
             "Just so you know " + v.age_phrase(c, a, first_person=True) + " and not great "
             "with apps."]
        ), None  # fmt: skip
    if what == "password":
        x = c.p(P, v.secret(c, "password"), "SECRET")
        return r.choice(
            ["I can't log in, my password is {x}", "tried the new password {x} twice",
             "pw: {x}"]
        ).format(x=x), None  # fmt: skip
    other = v.person(c)
    x = c.p(P, other.full, "PERSON")
    return r.choice(
        ["My husband {o} will sign for it.", "{o} from your team promised a callback.",
         "Please add {o} as an authorized user.", "cc my assistant {o}"]
    ).format(o=x), None  # fmt: skip


EXTRAS = [  # (detail, weight)
    ("email", 3),
    ("phone", 3),
    ("address", 2),
    ("address_block", 2),
    ("card", 4),
    ("iban", 2),
    ("dob", 2),
    ("ssn", 2),
    ("passport", 2),
    ("license", 3),
    ("national_id", 3),
    ("age", 2),
    ("password", 2),
    ("other", 3),
]


def support_chat(c: FakerCase) -> None:
    """A customer writes to a support assistant and gets an answer."""
    ev, r = c.event, c.rng
    ev["service"]["name"] = "support-assistant"
    ev["llm"]["model"] = r.choice(la.MODELS)
    ev["llm"]["prompt_template"] = SUPPORT_SYSTEM
    who = v.person(c)
    parts = [r.choice(INTROS).format(n=c.p(P, who.full, "PERSON"))]
    issue, reply = _issue(c)
    parts.append(issue)
    replies = []
    extras: list[str] = []
    for _ in range(r.randint(1, 3)):
        what = c.pick([(name, w) for name, w in EXTRAS if name not in extras])
        extras.append(what)
    for what in extras:
        line, answer = _extra(c, what, who)
        parts.append(line)
        if answer:
            replies.append(answer)
    ev["llm"]["prompt"] = r.choice([" ", "\n"]).join(parts)
    name = who.first if who.first == who.full else who.first[:1].upper() + who.first[1:]
    ev["llm"]["response"] = " ".join(
        [f"Thanks, {c.p(R, name, 'PERSON')}!", reply, *replies, "Anything else I can help with?"]
    )


def booking(c: FakerCase) -> None:
    """A traveller asks an assistant to book flights, hotels or a rental car."""
    ev, r = c.event, c.rng
    ev["service"]["name"] = "travel-concierge"
    ev["llm"]["model"] = r.choice(la.MODELS)
    one, two = v.person(c), v.person(c)
    src, dst = r.sample(la.PLACES, 2)
    day = c.k(P, la.business_date(c), "business_date")
    kind = r.choice(["flight", "flight", "car", "hotel"])
    if kind == "flight":
        lines = [
            f"Book 2 seats from {c.k(P, src, 'place')} to {c.k(P, dst, 'place')} on {day}.",
            f"Passenger 1: {c.p(P, one.full, 'PERSON')}, "
            + r.choice(v.PASSPORT_CUES).format(x=c.p(P, v.passport(c), "PASSPORT"))
            + ", "
            + r.choice(v.BIRTH_CUES).format(d=c.p(P, v.birth_date(c), "DATE_OF_BIRTH")),
            f"Passenger 2: {c.p(P, two.full, 'PERSON')}, "
            + r.choice(v.PASSPORT_CUES).format(x=c.p(P, v.passport(c), "PASSPORT"))
            + ", "
            + r.choice(v.BIRTH_CUES).format(d=c.p(P, v.birth_date(c), "DATE_OF_BIRTH")),
        ]
        if r.random() < 0.4:
            lines.append(f"Contact number {c.p(P, v.phone(c), 'PHONE_NUMBER')}.")
        reply = (
            f"Booked: reference {c.k(R, la.booking_ref(c), 'booking_ref')} for "
            f"{c.p(R, one.full, 'PERSON')} and {c.p(R, two.full, 'PERSON')}, "
            f"departing {c.k(R, day, 'business_date')}."
        )
    elif kind == "car":
        x, state = v.driver_license(c)
        lines = [
            f"I need a rental car in {c.k(P, dst, 'place')} from {day} for "
            f"{c.k(P, str(r.randint(2, 14)) + ' days', 'quantity')}.",
            f"Driver: {c.p(P, one.full, 'PERSON')}, {state} "
            + r.choice(v.DRIVER_LICENSE_CUES).format(x=c.p(P, x, "DRIVER_LICENSE"))
            + ", "
            + v.age_phrase(c, c.p(P, v.age(c), "AGE"))
            + ".",
        ]
        reply = (
            f"Reserved a compact car in {c.k(R, dst, 'place')} under "
            f"{c.p(R, one.full, 'PERSON')}, pickup {c.k(R, day, 'business_date')}."
        )
    else:
        number, brand = v.card(c)
        lines = [
            f"Find me a hotel in {c.k(P, dst, 'place')} for {day}, under "
            f"{c.k(P, la.amount(c), 'amount')} a night; I'm there for the "
            f"{c.k(P, r.choice(la.PRODUCTS), 'product_name')} launch.",
            f"Guest: {c.p(P, one.full, 'PERSON')}, "
            f"{c.p(P, v.email(c, one.locale), 'EMAIL_ADDRESS')}. "
            f"Charge my {brand} {c.p(P, number, 'CREDIT_CARD')}.",
        ]
        reply = (
            f"I found 3 hotels in {c.k(R, dst, 'place')} for {c.k(R, day, 'business_date')}; "
            f"the cheapest is {c.k(R, la.amount(c), 'amount')}."
        )
    ev["llm"]["prompt"] = "\n".join(lines)
    ev["llm"]["response"] = reply


def rag(c: FakerCase) -> None:
    """A question answered from retrieved documents: HR, claims, CRM, leases, products."""
    ev, r = c.event, c.rng
    ev["event_type"], ev["action"] = "RAG_QUERY", "rag.answer"
    ev["service"]["name"] = "knowledge-assistant"
    ev["llm"]["model"] = r.choice(la.MODELS)
    ev["rag_documents"] = [
        {"id": f"kb-{r.randint(100, 999)}#chunk-{r.randint(0, 40)}", "source": src, "score": 0.8}
        for src in r.sample(["confluence", "sharepoint", "zendesk", "gdrive", "notion"], 2)
    ]
    who = v.person(c)
    kind = r.randrange(5)
    if kind == 0:
        ev["llm"]["prompt"] = (
            f"I'm {c.p(P, who.full, 'PERSON')}, employee "
            f"{c.k(P, c.fk('en_US').bothify('E-#####'), 'record_id')}. Per the handbook, how many "
            f"vacation days do I get? I started on {c.k(P, la.business_date(c), 'business_date')} "
            f"and " + v.age_phrase(c, c.p(P, v.age(c), "AGE"), first_person=True) + "."
        )
        ev["llm"]["response"] = (
            f"Handbook {c.k(R, la.version(c), 'version')} gives 25 days; the start date "
            "does not change that."
        )
    elif kind == 1:
        a = v.address(c)
        born, years = v.birth(c)
        ev["llm"]["prompt"] = (
            f"Summarise the claim for {c.p(P, who.full, 'PERSON')} ("
            + r.choice(v.BIRTH_CUES).format(d=c.p(P, born, "DATE_OF_BIRTH"))
            + f", policy {c.k(P, c.fk('en_US').bothify('POL-########'), 'record_id')}), "
            + v.age_phrase(c, c.p(P, years, "AGE"))
            + f", living at {c.p(P, a.street, 'STREET_ADDRESS')}. Water damage reported on "
            f"{c.k(P, la.business_date(c), 'business_date')}."
        )
        ev["llm"]["response"] = (
            f"The claim covers water damage of {c.k(R, la.amount(c), 'amount')}; "
            f"the adjuster visit is set for {c.k(R, la.business_date(c), 'business_date')}."
        )
    elif kind == 2:
        callback = c.p(P, v.phone(c), "PHONE_NUMBER")
        ev["llm"]["prompt"] = (
            f"What did {c.p(P, who.full, 'PERSON')} ask about in ticket "
            f"{c.k(P, la.ticket(c), 'record_id')}? They want a callback on {callback} about the "
            f"{c.k(P, r.choice(la.PRODUCTS), 'product_name')} warranty."
        )
        ev["llm"]["response"] = (
            f"{c.p(R, who.first, 'PERSON')} asked whether the warranty covers a battery "
            f"swap; it does until {c.k(R, la.business_date(c), 'business_date')}."
        )
    elif kind == 3:
        x, name = v.national_id(c)
        a = v.address(c)
        c.p(P, a.street_block, "STREET_ADDRESS")
        ev["llm"]["prompt"] = (
            f"Does the lease below allow pets? Renewal is on "
            f"{c.k(P, la.business_date(c), 'business_date')}.\n\nTenant: "
            f"{c.p(P, who.full, 'PERSON')}\n{name}: {c.p(P, x, 'NATIONAL_ID')}\n"
            f"Premises:\n{a.block}"
        )
        ev["llm"]["response"] = (
            f"Clause {c.k(R, str(r.randint(4, 19)) + '.' + str(r.randint(1, 9)), 'version')} "
            "allows one cat or small dog with written consent."
        )
    else:
        ev["llm"]["prompt"] = (
            f"Which plan supports {c.k(P, la.quantity(c), 'quantity')} in our "
            f"{c.k(P, r.choice(la.PLACES), 'place')} office, and does it include "
            f"{c.k(P, r.choice(la.MODELS), 'model_name')}?"
        )
        ev["llm"]["response"] = (
            f"The Team plan ({c.k(R, la.amount(c), 'amount')} per month) includes "
            f"{c.k(R, r.choice(la.MODELS), 'model_name')}; the release notes for "
            f"{c.k(R, la.version(c), 'version')} list it."
        )


# fmt: off
BUSINESS = [
    "Draft a reminder that invoice {inv} dated {d1} for {amt} is due on {d2}.",
    "What's the weather in {pl} next week? We ship {qty} there on {d1}.",
    "Ship {qty} of {prod} to {pl} by {d1}, and quote the freight under {amt}.",
    "Compare {m1} and {m2} for a {pl} travel chatbot; budget {amt} a month.",
    "Write release notes for {ver} (commit {sha}), deployed on {d1}.",
    "Our {prod} contract renews on {d1}; summarise the price change from {amt} to {amt2}.",
    "Translate to German: 'Order {ord} of {qty} leaves the {pl} warehouse on {d1}.'",
    "Is {prod} a good gift for a team offsite in {pl}? About {amt} per person.",
    "Why did the deploy of {ver} on {d1} return {status} on port {port}?",
    "Plan a kickoff in {pl} on {d1} for {qty}; the {prod} demo needs {m1}.",
]
# fmt: on


def business(c: FakerCase) -> None:
    """A business question full of dates, amounts, places, products and no personal data."""
    ev, r = c.event, c.rng
    ev["service"]["name"] = r.choice(["assistant-api", "ops-copilot", "sales-assistant"])
    ev["llm"]["model"] = r.choice(la.MODELS)
    template = r.choice(BUSINESS)
    m1, m2 = r.sample(la.MODELS, 2)
    makers = {  # placeholder: (kind, maker)
        "inv": ("invoice_no", lambda: la.invoice_no(c)),
        "d1": ("business_date", lambda: la.business_date(c)),
        "d2": ("business_date", lambda: la.business_date(c)),
        "amt": ("amount", lambda: la.amount(c)),
        "amt2": ("amount", lambda: la.amount(c)),
        "pl": ("place", lambda: r.choice(la.PLACES)),
        "qty": ("quantity", lambda: la.quantity(c)),
        "prod": ("product_name", lambda: r.choice(la.PRODUCTS)),
        "m1": ("model_name", lambda: m1),
        "m2": ("model_name", lambda: m2),
        "ver": ("version", lambda: la.version(c)),
        "sha": ("git_hash", lambda: la.git_hash(c)),
        "ord": ("order_id", lambda: la.order_id(c)),
        "status": ("http_status", lambda: r.choice(la.HTTP_STATUSES)),
        "port": ("port", lambda: r.choice(la.PORTS)),
    }
    used = [name for name in makers if "{" + name + "}" in template]
    fields = {name: c.k(P, makers[name][1](), makers[name][0]) for name in used}
    ev["llm"]["prompt"] = template.format(**fields)
    echo = r.choice(used)
    ev["llm"]["response"] = (
        f"Here is a draft covering {c.k(R, fields[echo], makers[echo][0])}, "
        f"scheduled after {c.k(R, la.business_date(c), 'business_date')}."
    )
