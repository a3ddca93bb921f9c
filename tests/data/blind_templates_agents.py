"""Agents and tools: nested JSON tool calls and results, scratchpads, admin ``attributes`` maps.

Tool arguments and outputs nest people in objects and arrays (``customer.contact.phone``,
``results[2].dob``), identity checks carry passports, licences and national ids, payment
tools carry cards and IBANs, scratchpads quote what tools returned, and admin actions put
personal data in ``attributes`` values. Written without reading the recognizers or the
other sets' templates.
"""

from __future__ import annotations

from typing import Any

from blind_case import BlindCase

IN, OUT = "tool.input", "tool.output"
COUNTRIES = [
    "us",
    "gb",
    "au",
    "ca",
    "in",
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "pt",
    "br",
    "pl",
    "se",
    "jp",
]


def crm_tool_call(c: BlindCase) -> None:
    """A CRM upsert whose arguments nest a contact with phones, addresses and tags."""
    country = c.rng.choice(COUNTRIES)
    who = c.people.who(country)
    street, city = c.people.address(country)
    code = c.k(IN, country.upper(), "country_code")
    args: dict[str, Any] = {
        "action": "upsert_contact",
        "contact": {
            "name": {"given": c.p(IN, who.first, "PERSON"), "family": c.p(IN, who.last, "PERSON")},
            "emails": [{"type": "home", "value": c.p(IN, c.people.email(who), "EMAIL_ADDRESS")}],
            "phones": [
                {"type": "mobile", "number": c.p(IN, c.people.phone(country), "PHONE_NUMBER")}
            ],
            "address": {
                "line1": c.p(IN, street, "STREET_ADDRESS"),
                "locality": city,
                "country": code,
            },
        },
        "source": c.rng.choice(["chat", "webform", "import"]),
        "external_id": c.k(IN, c.looks.uuid(), "uuid"),
    }
    if c.rng.random() < 0.5:
        born = c.people.born()
        key = c.rng.choice(["birthDate", "dob", "date_of_birth", "birthday"])
        args["contact"][key] = c.p(IN, born.isoformat(), "DATE_OF_BIRTH")
    rid = c.k(OUT, c.looks.record_id(), "record_id")
    ts = c.k(OUT, c.looks.timestamp(), "timestamp")
    c.tool(
        c.rng.choice(["hubspot_upsert", "salesforce.contacts.upsert", "crm_write"]),
        args,
        {"ok": True, "id": rid, "updated_at": ts},
    )


def search_results(c: BlindCase) -> None:
    """A lookup tool whose result is an array of matching customers."""
    country = c.rng.choice(COUNTRIES)
    query = c.people.who(country)
    args = {"query": c.p(IN, query.last, "PERSON"), "limit": 5, "fields": ["name", "email", "dob"]}
    results = []
    for i in range(c.rng.randint(2, 4)):
        who = query if i == 0 else c.people.who(country)
        born = c.people.born()
        entry: dict[str, Any] = {
            "customer_id": c.k(OUT, c.looks.record_id(), "record_id"),
            "name": c.p(OUT, who.full, "PERSON"),
            "email": c.p(OUT, c.people.email(who), "EMAIL_ADDRESS"),
            "dob": c.p(OUT, c.people.date_text(born, country), "DATE_OF_BIRTH"),
            "last_order": {
                "id": c.k(OUT, c.looks.order_id(), "order_id"),
                "total": c.k(OUT, c.looks.amount(), "amount"),
            },
        }
        if c.rng.random() < 0.4:
            entry["phone"] = c.p(OUT, c.people.phone(country), "PHONE_NUMBER")
        results.append(entry)
    c.tool("customer_search", args, {"total": len(results), "results": results})


def kyc_check(c: BlindCase) -> None:
    """An identity verification tool: passport, licence or national id, with birth date."""
    country = c.rng.choice(COUNTRIES)
    who = c.people.who(country)
    born = c.people.born(1945, 2006)
    doc = c.rng.choice(["passport", "driving_licence", "national_id"])
    if doc == "passport":
        number, entity_type = c.docs.passport(country), "PASSPORT"
    elif doc == "driving_licence":
        number, entity_type = c.docs.licence(country, who, born), "DRIVER_LICENSE"
    else:
        number, entity_type = c.docs.national_id(country, who, born)[1], "NATIONAL_ID"
    key = c.rng.choice(
        {
            "passport": ["passport_number", "passportNo", "document_number"],
            "driving_licence": ["licence_number", "dl_number", "driverLicense", "document_number"],
            "national_id": ["national_id", "id_number", "tax_id", "document_number"],
        }[doc]
    )
    expiry = c.k(IN, c.looks.business_date("iso"), "business_date")
    code = c.k(IN, country.upper(), "country_code")
    args = {
        "applicant": {
            "full_name": c.p(IN, who.full, "PERSON"),
            "date_of_birth": c.p(IN, born.isoformat(), "DATE_OF_BIRTH"),
        },
        "document": {
            "type": doc,
            key: c.p(IN, number, entity_type),
            "issuing_country": code,
            "expiry": expiry,
        },
        "checks": ["document", "watchlist"],
    }
    out = {
        "status": c.rng.choice(["clear", "consider", "clear"]),
        "check_id": c.k(OUT, c.looks.uuid(), "uuid"),
        "created_at": c.k(OUT, c.looks.timestamp(), "timestamp"),
    }
    c.event["service"]["name"] = "kyc-agent"
    c.tool(c.rng.choice(["onfido_check", "verify_identity", "kyc.submit"]), args, out)


def payment_call(c: BlindCase) -> None:
    """A payment tool: card or SEPA mandate, amount and invoice kept."""
    country = c.rng.choice(["us", "gb", "de", "fr", "es", "it", "nl", "pt", "pl", "se"])
    who = c.people.who(country)
    amount = c.k(IN, f"{c.rng.randint(1, 4000)}.{c.rng.randint(0, 99):02d}", "amount")
    invoice = c.k(IN, c.looks.invoice_no(), "invoice_no")
    if c.rng.random() < 0.5:
        method: dict[str, Any] = {
            "type": "card",
            "card": {
                "number": c.p(IN, c.docs.card(), "CREDIT_CARD"),
                "exp": f"{c.rng.randint(1, 12):02d}/{c.rng.randint(27, 31)}",
                "holder": c.p(IN, who.full, "PERSON"),
            },
        }
    else:
        method = {
            "type": "sepa_debit",
            "sepa": {
                "iban": c.p(IN, c.docs.iban(), "IBAN_CODE"),
                "account_holder": c.p(IN, who.full, "PERSON"),
            },
        }
    args = {
        "amount": amount,
        "currency": c.rng.choice(["EUR", "USD", "GBP", "SEK", "PLN"]),
        "invoice": invoice,
        "payment_method": method,
        "billing_email": c.p(IN, c.people.email(who), "EMAIL_ADDRESS"),
    }
    status = c.k(OUT, c.looks.http_status(), "http_status") if c.rng.random() < 0.3 else None
    out: dict[str, Any] = {"id": f"pi_{c.rng.getrandbits(64):016x}", "status": "succeeded"}
    if status:
        out = {"error": {"http_status": status, "code": "card_declined"}}
    c.tool(c.rng.choice(["stripe.create_payment", "charge_customer", "adyen_payments"]), args, out)


def agent_scratchpad(c: BlindCase) -> None:
    """A ReAct-style step: thought, action with JSON input, observation quoting a tool."""
    country = c.rng.choice(COUNTRIES)
    who = c.people.who(country)
    f = "llm.response"
    ticket = c.k(f, c.looks.ticket_id(), "ticket_id")
    email = c.people.email(who)
    phone = c.people.phone(country)
    obs_name = c.p(f, who.full, "PERSON")
    thought = c.rng.choice(
        [
            f"Thought: the user wants the status of {ticket}. I should look up the requester.",
            f"Thought: {ticket} mentions a refund; I need the customer's contact details.",
        ]
    )
    action = (
        f'Action: lookup_customer\nAction Input: {{"email": "{c.p(f, email, "EMAIL_ADDRESS")}"}}'
    )
    obs = (
        f'Observation: {{"name": "{obs_name}", "phone": "{c.p(f, phone, "PHONE_NUMBER")}", '
        f'"tier": "gold", "since": "{c.k(f, c.looks.business_date("iso"), "business_date")}"}}'
    )
    roll = c.rng.random()
    if roll < 0.4:
        nxt = f"Thought: I'll call {c.p(f, who.first, 'PERSON')} back to confirm."
    elif roll < 0.7:
        nxt = f"Thought: send the summary to {c.p(f, email, 'EMAIL_ADDRESS')}."
    else:
        nxt = "Thought: I have enough to answer."
    c.event["event_type"] = "CHAIN"
    c.event["action"] = "agent.step"
    c.chat(f"Ticket {ticket}: where is my refund?", "\n".join([thought, action, obs, nxt]))
    c.k("llm.prompt", ticket, "ticket_id")


def admin_attributes(c: BlindCase) -> None:
    """An admin action whose ``attributes`` carry the affected person's data."""
    country = c.rng.choice(COUNTRIES)
    who = c.people.who(country)
    a: dict[str, str] = {}

    def put(key: str, value: str, entity_type: str) -> None:
        a[key] = c.p(f"attributes.{key}", value, entity_type)

    def keep(key: str, value: str, kind: str) -> None:
        a[key] = c.k(f"attributes.{key}", value, kind)

    action = c.rng.choice(
        ["user.update", "user.merge", "user.export", "account.unlock", "user.delete"]
    )
    put(c.rng.choice(["target_user", "customer_name", "subject_name"]), who.full, "PERSON")
    if c.rng.random() < 0.7:
        put(
            c.rng.choice(["target_email", "email", "new_email"]),
            c.people.email(who),
            "EMAIL_ADDRESS",
        )
    if c.rng.random() < 0.5:
        put(c.rng.choice(["phone", "new_phone", "mobile"]), c.people.phone(country), "PHONE_NUMBER")
    if c.rng.random() < 0.4:
        put(
            c.rng.choice(["address", "new_address", "street"]),
            c.people.address(country)[0],
            "STREET_ADDRESS",
        )
    if c.rng.random() < 0.4:
        born = c.people.born()
        put(c.rng.choice(["dob", "birth_date"]), c.people.date_text(born, country), "DATE_OF_BIRTH")
    if c.rng.random() < 0.5:
        put(c.rng.choice(["client_ip", "source_ip"]), c.people.ip(), "IP_ADDRESS")
    if c.rng.random() < 0.25:
        born = c.people.born()
        put("national_id", c.docs.national_id(country, who, born)[1], "NATIONAL_ID")
    keep("ticket", c.looks.ticket_id(), "ticket_id")
    keep("requested_at", c.looks.timestamp(), "timestamp")
    if c.rng.random() < 0.5:
        keep("country", c.looks.country_code(), "country_code")
    a["role"] = c.rng.choice(["support_l2", "admin", "dpo"])
    c.kind("ADMIN_ACTION", action)
    c.event["llm"] = None
    c.event["service"]["name"] = "backoffice-admin"
    c.event["attributes"] = a


def llm_tool_json(c: BlindCase) -> None:
    """An LLM response that is a function call with JSON arguments (booking, shipping)."""
    country = c.rng.choice(COUNTRIES)
    who = c.people.who(country)
    f = "llm.response"
    street, city = c.people.address(country)
    date = c.k(f, c.looks.business_date("iso"), "business_date")
    guests = []
    for i in range(c.rng.randint(1, 3)):
        g = who if i == 0 else c.people.who(country)
        guest: dict[str, Any] = {"name": c.p(f, g.full, "PERSON")}
        if c.rng.random() < 0.5:
            guest["passport"] = c.p(f, c.docs.passport(country), "PASSPORT")
        guests.append(guest)
    args = {
        "check_in": date,
        "nights": int(c.k(f, c.looks.quantity(), "quantity")),
        "guests": guests,
        "contact": {
            "phone": c.p(f, c.people.phone(country), "PHONE_NUMBER"),
            "email": c.p(f, c.people.email(who), "EMAIL_ADDRESS"),
        },
        "billing_address": {"street": c.p(f, street, "STREET_ADDRESS"), "city": city},
    }
    call = {
        "tool_calls": [
            {"type": "function", "function": {"name": "book_hotel", "arguments": c.dumps(args)}}
        ]
    }
    c.chat(
        c.rng.choice(["Book the hotel for us like last time", "same booking as before pls"]),
        c.dumps(call),
    )
