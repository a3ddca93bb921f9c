"""Machine-shaped templates of the mimesis set: tool calls, pasted tables, errors, admin.

CRM and payment tool calls with JSON arguments and outputs, lists of people, markdown
tables and CSV pasted into prompts, stack traces that carry user data, admin and login
events with attributes, and identity documents typed into prompts. Written as such
traffic looks, without looking at the recognizers.
"""

from __future__ import annotations

from typing import Any

from mimesis_case import MimesisCase, dumps

P, R = "llm.prompt", "llm.response"
TI, TO = "tool.input", "tool.output"


def crm_tool(c: MimesisCase) -> None:
    """An agent calls a CRM tool with a contact as JSON; the tool answers with the record."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "nl", "it", "pl", "pt-br", "ja", "ko", "sv"])
    who = pe.name(loc)
    email, phone, street = pe.email(who), pe.phone(loc), pe.street(loc)
    record_id = lk.uuid()
    shape = r.randrange(4)
    out: Any
    if shape == 0:
        args: dict[str, Any] = {
            "fullName": c.p(TI, who["full"], "PERSON"),
            "contact": {
                "email": c.p(TI, email, "EMAIL_ADDRESS"),
                "mobile": c.p(TI, phone, "PHONE_NUMBER"),
            },
            "billing_address": {
                "line1": c.p(TI, street, "STREET_ADDRESS"),
                "city": pe.pools.address[loc].city(),
                "postcode": pe.pools.address[loc].postal_code(),
            },
            "source": "chat",
        }
        out = {"id": c.k(TO, record_id, "uuid"), "status": "created",
               "owner": c.p(TO, pe.name(loc)["full"], "PERSON")}  # fmt: skip
        c.tool("crm_create_contact", args, out)
    elif shape == 1:
        query: dict[str, Any] = {"query": c.p(TI, who["last"], "PERSON"), "limit": 5}
        out = {
            "results": [
                {
                    "id": c.k(TO, record_id, "uuid"),
                    "name": c.p(TO, who["full"], "PERSON"),
                    "dob": c.p(TO, pe.birth_date().isoformat(), "DATE_OF_BIRTH"),
                    "email": c.p(TO, email, "EMAIL_ADDRESS"),
                    "lifetime_value": c.k(TO, lk.amount(), "amount"),
                    "last_order": c.k(TO, lk.order_id(), "order_id"),
                }
            ],
            "took_ms": r.randint(3, 90),
        }
        c.tool("crm_search", query, out)
    elif shape == 2:
        assignee = pe.name(loc)
        args = {
            "ticket": c.k(TI, lk.ticket(), "record_id"),
            "customer": {
                "name": c.p(TI, who["full"], "PERSON"),
                "phone": c.p(TI, phone, "PHONE_NUMBER"),
            },
            "assignee": c.p(TI, pe.email(assignee, work=True), "EMAIL_ADDRESS"),
            "priority": r.choice(["P1", "P2", "P3"]),
            "due": c.k(TI, lk.business_date(), "business_date"),
        }
        out = f"ticket updated, assigned to {c.p(TO, assignee['full'], 'PERSON')}"
        c.tool("helpdesk_update_ticket", args, out)
    else:
        born = pe.birth_date()
        args = {
            "customer_id": c.k(TI, f"cus_{r.getrandbits(56):014x}", "record_id"),
            "patch": {
                "firstName": c.p(TI, who["first"], "PERSON"),
                "lastName": c.p(TI, who["last"], "PERSON"),
                "dateOfBirth": c.p(
                    TI, born.strftime(r.choice(["%Y-%m-%d", "%d/%m/%Y"])), "DATE_OF_BIRTH"
                ),
                "shipping_address": c.p(TI, street, "STREET_ADDRESS"),
            },
        }
        c.tool("crm_patch_customer", args, {"ok": True, "version": r.randint(2, 40)})


def payment_tool(c: MimesisCase) -> None:
    """A payment or payout tool called with card, IBAN or identity data."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "it", "nl", "pl", "pt-br"])
    who = pe.name(loc)
    shape = r.randrange(3)
    if shape == 0:
        args = {
            "amount": c.k(TI, lk.amount(), "amount"),
            "card": {"number": c.p(TI, pe.card(), "CREDIT_CARD"), "exp": pe.card_expiry(),
                     "holder": c.p(TI, who["full"].upper(), "PERSON")},
            "order_ref": c.k(TI, lk.order_id(), "order_id"),
        }  # fmt: skip
        out = {"charge_id": f"ch_{r.getrandbits(80):020x}", "status": "succeeded"}
        c.tool("payments_charge", args, out)
    elif shape == 1:
        cc = {"de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pl": "PL", "en-gb": "GB"}
        args = {
            "beneficiary": c.p(TI, who["full"], "PERSON"),
            "iban": c.p(TI, c.docs.iban(cc.get(loc)), "IBAN_CODE"),
            "reference": c.k(TI, lk.invoice(), "invoice_no"),
            "amount": c.k(TI, lk.amount(), "amount"),
            "execute_on": c.k(TI, lk.business_date(), "business_date"),
        }
        c.tool("treasury_create_payout", args, {"payout_id": c.k(TO, lk.uuid(), "uuid")})
    else:
        born = pe.birth_date(1950, 2004)
        passport, country = c.docs.passport(loc)
        args = {
            "applicant": {
                "name": c.p(TI, who["full"], "PERSON"),
                "dob": c.p(TI, born.isoformat(), "DATE_OF_BIRTH"),
                "document": {"type": "passport", "number": c.p(TI, passport, "PASSPORT"),
                             "country": country},
            },
            "check": "kyc_basic",
        }  # fmt: skip
        c.tool("kyc_verify_identity", args, {"result": "clear", "score": round(r.random(), 3)})


def people_list(c: MimesisCase) -> None:
    """A tool returns a list of people; the model is asked to work with it."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(
        ["en", "en-gb", "de", "fr", "es", "it", "nl", "pl", "ja", "zh", "ko", "ru", "pt-br"]
    )
    team = [pe.name(loc) for _ in range(r.randint(2, 4))]
    members = []
    for who in team:
        member: dict[str, Any] = {"name": c.p(TO, who["full"], "PERSON")}
        if r.random() < 0.6:
            member["email"] = c.p(TO, pe.email(who, work=True), "EMAIL_ADDRESS")
        if r.random() < 0.5:
            member["phone"] = c.p(TO, pe.phone(loc), "PHONE_NUMBER")
        member["role"] = pe.pools.person[loc].occupation()
        members.append(member)
    out = {"project": c.k(TO, lk.ticket(), "record_id"), "members": members,
           "updated": c.k(TO, lk.timestamp(), "timestamp")}  # fmt: skip
    c.tool(
        "directory_list_team", {"team_id": r.randint(100, 999), "include": ["email", "phone"]}, out
    )


def table_paste(c: MimesisCase) -> None:
    """A user pastes a markdown table or CSV export and asks the model to work on it."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "nl", "it", "pl", "pt-br", "sv"])
    rows = []
    for _ in range(r.randint(2, 4)):
        who = pe.name(loc)
        rows.append(
            [c.p(P, who["full"], "PERSON"),
             c.p(P, pe.email(who), "EMAIL_ADDRESS"),
             c.p(P, pe.phone(loc), "PHONE_NUMBER"),
             c.p(P, pe.birth_date().strftime("%Y-%m-%d"), "DATE_OF_BIRTH"),
             c.k(P, lk.amount(), "amount")]
        )  # fmt: skip
    head = ["name", "email", "phone", "dob", "balance"]
    if r.random() < 0.5:
        body = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n"
        body += "".join("| " + " | ".join(row) + " |\n" for row in rows)
        ask = "Sort this table by balance and flag anyone under 25:"
    else:
        sep = r.choice([",", ";"])
        body = sep.join(head) + "\n" + "".join(sep.join(row) + "\n" for row in rows)
        ask = r.choice(["dedupe this csv and fix the phone formats", "Convert this CSV to JSON."])
    prompt = f"{ask}\n\n{body}"
    c.chat(prompt, "Here is the cleaned data:\n...", prompt_template=None)


def error_trace(c: MimesisCase) -> None:
    """A failed call whose error message and stack trace carry user data."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "it", "nl", "pl"])
    who = pe.name(loc)
    c.kind("ERROR", r.choice(["tool.crm_sync", "llm.completion", "webhook.deliver"]), "FAILURE")
    status, port = lk.http_status(), lk.port()
    shape = r.randrange(4)
    if shape == 0:
        email = pe.email(who)
        message = (
            f"Traceback (most recent call last):\n"
            f'  File "/app/crm/sync.py", line {r.randint(40, 400)}, in push_contact\n'
            f"    resp.raise_for_status()\n"
            "httpx.HTTPStatusError: Client error "
            f"'{c.k('error.message', status, 'http_status')}' for url "
            f"'https://api.crm.internal:{c.k('error.message', port, 'port')}/v2/contacts?email="
            f"{c.p('error.message', email, 'EMAIL_ADDRESS')}'"
        )
        c.event["error"] = {"type": "httpx.HTTPStatusError", "message": message}
    elif shape == 1:
        phone = pe.phone(loc)
        message = (
            "ValueError: could not normalize phone "
            f"{c.p('error.message', phone, 'PHONE_NUMBER')!r} "
            f"for customer {c.p('error.message', who['full'], 'PERSON')!r} (record "
            f"{c.k('error.message', lk.uuid(), 'uuid')})"
        )
        c.event["error"] = {"type": "ValueError", "message": message}
    elif shape == 2:
        payload = {"customer": who["full"], "address": pe.street(loc), "ts": lk.timestamp()}
        c.p("error.message", payload["customer"], "PERSON")
        c.p("error.message", payload["address"], "STREET_ADDRESS")
        c.k("error.message", payload["ts"], "timestamp")
        message = (
            "pydantic_core._pydantic_core.ValidationError: 1 validation error for ShipmentIn\n"
            "postcode\n  Field required [type=missing, input_value="
            f"{dumps(r, payload)}, input_type=dict]"
        )
        c.event["error"] = {"type": "ValidationError", "message": message}
    else:
        ip = pe.ipv4()
        message = (
            f"psycopg.errors.UniqueViolation: duplicate key value violates unique constraint "
            '"users_email_key"\nDETAIL:  Key '
            f"(email)=({c.p('error.message', pe.email(who), 'EMAIL_ADDRESS')}) "
            f"already exists.\nclient={c.p('error.message', ip, 'IP_ADDRESS')} db=prod-users "
            f"port={c.k('error.message', port, 'port')}"
        )
        c.event["error"] = {"type": "UniqueViolation", "message": message}
    c.event["llm"] = None
    c.event["attributes"] = {
        "release": c.k("attributes.release", lk.git_hash(), "git_hash"),
        "retry": str(r.randint(0, 3)),
    }


def admin_action(c: MimesisCase) -> None:
    """An admin changes a user; the attributes name the target user."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "nl", "pl", "it", "ja", "sv"])
    target = pe.name(loc)
    action = r.choice(["user.role.grant", "user.disable", "user.email.change", "user.export"])
    c.kind("ADMIN_ACTION", action)
    c.event["llm"] = None
    ip = pe.ip()
    c.event["actor"]["ip_address"] = c.p("actor.ip_address", ip, "IP_ADDRESS")
    attrs = {
        "target_user": c.p("attributes.target_user", pe.email(target, work=True), "EMAIL_ADDRESS"),
        "target_name": c.p("attributes.target_name", target["full"], "PERSON"),
        "change_ticket": c.k("attributes.change_ticket", lk.ticket(), "record_id"),
        "performed_at": c.k("attributes.performed_at", lk.timestamp(), "timestamp"),
    }
    if action == "user.role.grant":
        attrs["role"] = r.choice(["billing_admin", "support_lead", "auditor"])
    elif action == "user.email.change":
        attrs["new_email"] = c.p("attributes.new_email", pe.email(target), "EMAIL_ADDRESS")
    elif action == "user.export":
        attrs["reason"] = (
            f"GDPR access request from {c.p('attributes.reason', target['full'], 'PERSON')}, "
            f"case {c.k('attributes.reason', lk.ticket(), 'record_id')}"
        )
    else:
        attrs["note"] = (
            f"left company on {c.k('attributes.note', lk.business_date(), 'business_date')}; "
            f"manager {c.p('attributes.note', pe.name(loc)['full'], 'PERSON')} approved"
        )
    c.event["attributes"] = attrs


def auth_event(c: MimesisCase) -> None:
    """A login or MFA event with the user's address, IP and sometimes a phone."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "nl", "pl", "it", "pt-br"])
    who = pe.name(loc)
    ok = r.random() < 0.6
    c.kind("AUTH", r.choice(["auth.login", "auth.mfa.challenge"]), "SUCCESS" if ok else "FAILURE")
    c.event["llm"] = None
    ip = pe.ip()
    c.event["actor"]["ip_address"] = c.p("actor.ip_address", ip, "IP_ADDRESS")
    attrs = {
        "login": c.p("attributes.login", pe.email(who), "EMAIL_ADDRESS"),
        "method": r.choice(["password", "sso", "passkey"]),
        "client_version": c.k("attributes.client_version", lk.version(), "version"),
    }
    if c.event["action"] == "auth.mfa.challenge":
        attrs["sms_to"] = c.p("attributes.sms_to", pe.phone(loc), "PHONE_NUMBER")
    if not ok:
        attrs["reason"] = (
            f"invalid credentials for {c.p('attributes.reason', who['full'], 'PERSON')} from "
            f"{c.p('attributes.reason', ip, 'IP_ADDRESS')}"
        )
    c.event["attributes"] = attrs


def ids_in_text(c: MimesisCase) -> None:
    """Identity documents typed into a prompt: SSN, passport, licence, national ids."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en", "en-gb", "fr", "es", "it", "nl", "pl", "pt-br", "tr", "sv"])
    who = pe.name(loc)
    born = pe.birth_date(1950, 2005)
    shape = r.randrange(4)
    if shape == 0:
        ssn = c.docs.ssn()
        prompt = (
            f"fill the W-4 for {c.p(P, who['full'], 'PERSON')}, ssn {c.p(P, ssn, 'US_SSN')}, "
            f"filing single, start {c.k(P, lk.business_date('en'), 'business_date')}"
        )
    elif shape == 1:
        passport, country = c.docs.passport(loc)
        prompt = (
            f"Check-in for booking {c.k(P, lk.order_id(), 'booking_ref')}: passenger "
            f"{c.p(P, who['full'], 'PERSON')}, passport no. {c.p(P, passport, 'PASSPORT')} "
            f"({country}), "
            f"born {c.p(P, pe.birth_text(born, loc), 'DATE_OF_BIRTH')}. Flight on "
            f"{c.k(P, lk.business_date(loc), 'business_date')}."
        )
    elif shape == 2:
        dl, issuer = c.docs.driver_license(who, born)
        prompt = (
            f"rental agreement: driver {c.p(P, who['full'], 'PERSON')}, driver's license "
            f"{c.p(P, dl, 'DRIVER_LICENSE')} ({issuer}), vehicle "
            f"{c.k(P, lk.vehicle(), 'product_name')}"
            f" pickup {c.k(P, lk.business_date(loc), 'business_date')}"
        )
    else:
        nid, name = c.docs.national_id(loc, born)
        entity = "US_SSN" if name == "SSN" else "NATIONAL_ID"
        prompt = (
            f"Is this {name} valid? {c.p(P, nid, entity)} - it belongs to "
            f"{c.p(P, who['full'], 'PERSON')}, for the tax form."
        )
    c.chat(prompt, "I can't verify identity numbers, but the format looks complete.")
