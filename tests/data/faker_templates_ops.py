"""Templates of the Faker set, machine part: tool calls, errors, admin actions, pasted logs.

Tool payloads are JSON with the key names real services use (``customer_name``, ``dob``,
``birth_date``, ``passport_number``); error messages echo what the code was handling;
admin actions carry people in their ``attributes`` map; developers paste access logs,
application logs, ``.env`` files and ``git log`` into coding assistants.
"""

from __future__ import annotations

import json
from typing import Any

import faker_lookalikes as la
import faker_values as v
from faker_values import FakerCase

TI, TO, EM = "tool.input", "tool.output", "error.message"
P, R = "llm.prompt", "llm.response"


def _dump(payload: dict[str, Any], c: FakerCase) -> str:
    """Serialise a payload as services do: compact or indented, non-ASCII kept."""
    if c.rng.random() < 0.3:
        return json.dumps(payload, ensure_ascii=False, indent=2)
    return json.dumps(payload, ensure_ascii=False)


def tool_call(c: FakerCase) -> None:
    """An agent calls a tool with JSON arguments and gets JSON back."""
    ev, r = c.event, c.rng
    ev["event_type"], ev["action"], ev["llm"] = "TOOL_CALL", "tool.invoke", None
    ev["service"]["name"] = "agent-runtime"
    who = v.person(c)
    name_key = r.choice(["customer_name", "full_name", "name", "holder_name"])
    args: dict[str, Any] = {name_key: c.p(TI, who.full, "PERSON")}
    out: dict[str, Any] = {"status": "ok"}
    kind = r.choice(["crm", "kyc", "billing", "billing", "payout", "shipping", "hr", "travel"])
    if kind == "crm":
        tool = "crm.lookup_customer"
        args["email"] = c.p(TI, v.email(c, who.locale), "EMAIL_ADDRESS")
        out["customer_id"] = c.k(TO, la.uuid(c), "uuid")
        out["phone"] = c.p(TO, v.phone(c), "PHONE_NUMBER")
        out["address"] = c.p(TO, v.street(c), "STREET_ADDRESS")
        out["customer_since"] = c.k(TO, la.iso_date(c), "business_date")
    elif kind == "kyc":
        tool = "kyc.verify_identity"
        dob_key = r.choice(["dob", "birth_date", "date_of_birth", "dateOfBirth"])
        args[dob_key] = c.p(TI, v.birth_date(c), "DATE_OF_BIRTH")
        doc = r.choice(["passport", "driver_license", "national_id"])
        if doc == "passport":
            key = r.choice(["passport_number", "passport_no", "document_number"])
            args[key] = c.p(TI, v.passport(c), "PASSPORT")
        elif doc == "driver_license":
            number, state = v.driver_license(c)
            args["driver_license"] = c.p(TI, number, "DRIVER_LICENSE")
            args["issuing_state"] = state
        else:
            number, label = v.national_id(c)
            args["national_id"] = c.p(TI, number, "NATIONAL_ID")
            args["id_type"] = label
        args["address"] = c.p(TI, v.street(c), "STREET_ADDRESS")
        out["check_id"] = c.k(TO, la.uuid(c), "uuid")
        out["checked_at"] = c.k(TO, la.timestamp(c, "iso"), "timestamp")
        out["match"] = r.choice(["full", "partial"])
    elif kind == "billing":
        tool = "billing.charge_card"
        number, _ = v.card(c)
        args["card_number"] = c.p(TI, number, "CREDIT_CARD")
        args["amount"] = c.k(TI, la.amount(c), "amount")
        args["invoice"] = c.k(TI, la.invoice_no(c), "invoice_no")
        out["charge_id"] = c.k(TO, "ch_" + la.git_hash(c)[:7], "order_id")
        out["receipt_email"] = c.p(TO, v.email(c, who.locale), "EMAIL_ADDRESS")
    elif kind == "payout":
        tool = "payments.sepa_payout"
        args["iban"] = c.p(TI, v.iban(c), "IBAN_CODE")
        args["amount"] = c.k(TI, la.amount(c), "amount")
        args["execution_date"] = c.k(TI, la.iso_date(c), "business_date")
        out["payout_id"] = c.k(TO, la.uuid(c), "uuid")
    elif kind == "shipping":
        tool = "shipping.create_label"
        a = v.address(c)
        args["address"] = c.p(TI, a.street, "STREET_ADDRESS")
        args["city"] = a.tail_lines[-1]
        args["phone"] = c.p(TI, v.phone(c), "PHONE_NUMBER")
        args["order_id"] = c.k(TI, la.order_id(c), "order_id")
        args["weight_kg"] = round(r.uniform(0.2, 30), 1)
        out["tracking_number"] = c.k(TO, la.tracking_no(c), "tracking_no")
        out["label_url"] = f"https://labels.example.com/{c.k(TO, la.uuid(c), 'uuid')}.pdf"
    elif kind == "hr":
        tool = "hr.update_employee"
        args["ssn"] = c.p(TI, v.ssn(c), "US_SSN")
        args[r.choice(["dob", "birth_date"])] = c.p(TI, v.birth_date(c), "DATE_OF_BIRTH")
        args["home_address"] = c.p(TI, v.street(c, "en_US"), "STREET_ADDRESS")
        args["start_date"] = c.k(TI, la.iso_date(c), "business_date")
        out["employee_id"] = c.k(TO, c.fk("en_US").bothify("E-#####"), "record_id")
        out["updated_at"] = c.k(TO, la.timestamp(c, "iso_ms"), "timestamp")
    else:
        tool = "travel.add_traveller"
        args["passport_number"] = c.p(TI, v.passport(c), "PASSPORT")
        args["birth_date"] = c.p(TI, v.birth_date(c), "DATE_OF_BIRTH")
        args["mobile"] = c.p(TI, v.phone(c), "PHONE_NUMBER")
        out["booking_ref"] = c.k(TO, la.booking_ref(c), "booking_ref")
        out["traveller"] = c.p(TO, who.full, "PERSON")
    ev["tool"] = {"name": tool, "input": _dump(args, c), "output": _dump(out, c)}


def error(c: FakerCase) -> None:
    """A service reports an error whose message carries what it was handling."""
    ev, r = c.event, c.rng
    ev["event_type"], ev["status"], ev["llm"] = "ERROR", "FAILURE", None
    ev["service"]["name"] = r.choice(["billing-worker", "crm-sync", "agent-runtime", "kyc-api"])
    rid = c.k(EM, la.uuid(c), "uuid")
    kind = r.randrange(11)
    if kind == 10:
        number, label = v.national_id(c)
        err = (
            "IdentityCheckError",
            f"{label} {c.p(EM, number, 'NATIONAL_ID')} failed the registry check "
            f"(applicant {rid}, HTTP {c.k(EM, r.choice(['409', '422']), 'http_status')})",
        )
    elif kind == 0:
        d = c.p(EM, v.birth_date(c), "DATE_OF_BIRTH")
        err = (
            "pydantic_core.ValidationError",
            f"1 validation error for Customer\ndate_of_birth\n  Input should be a valid date "
            f"in the past [type=date_past, input_value='{d}', input_type=str] (request {rid})",
        )
    elif kind == 1:
        x = c.p(EM, v.email(c), "EMAIL_ADDRESS")
        err = (
            "psycopg.errors.UniqueViolation",
            f'duplicate key value violates unique constraint "customers_email_key"\nDETAIL:  '
            f"Key (email)=({x}) already exists. request_id={rid}",
        )
    elif kind == 2:
        x = c.p(EM, v.phone(c), "PHONE_NUMBER")
        err = (
            "phonenumbers.NumberParseException",
            f"(1) Missing or invalid default region. phone={x!r} job={rid}",
        )
    elif kind == 3:
        who, a = v.person(c), v.address(c)
        err = (
            "GeocodingError",
            f"no match for {{'name': '{c.p(EM, who.full, 'PERSON')}', 'street': "
            f"'{c.p(EM, a.street, 'STREET_ADDRESS')}'}} after "
            f"{c.k(EM, str(r.randint(2, 5)), 'quantity')} attempts (trace {rid})",
        )
    elif kind == 4:
        number, _ = v.card(c)
        err = (
            "CardDeclinedError",
            f"issuer declined card_number={c.p(EM, number, 'CREDIT_CARD')} (do_not_honor), "
            f"batch {rid}",
        )
    elif kind == 5:
        err = (
            "SepaPayoutRejected",
            f"payout {rid} rejected: IBAN {c.p(EM, v.iban(c), 'IBAN_CODE')} account closed "
            f"(AC04) at {c.k(EM, la.timestamp(c), 'timestamp')}",
        )
    elif kind == 6:
        status = c.k(EM, r.choice(["500", "502", "503", "504"]), "http_status")
        err = (
            "httpx.HTTPStatusError",
            f"Server error '{status} Service Unavailable' for url "
            f"'https://api.partner.io/v2/customers?email={c.p(EM, v.email(c), 'EMAIL_ADDRESS')}'"
            f" (request {rid})",
        )
    elif kind == 7:
        key = c.p(
            EM, v.secret(c, r.choice(["openai", "anthropic", "stripe", "sendgrid"])), "SECRET"
        )
        err = (
            "AuthenticationError",
            f"Error code: {c.k(EM, '401', 'http_status')} - Incorrect API key provided: {key}. "
            f"Request id {rid}.",
        )
    elif kind == 8:
        port = c.k(EM, r.choice(la.PORTS), "port")
        err = (
            "httpcore.ConnectTimeout",
            f"connection to {c.p(EM, v.ip(c), 'IP_ADDRESS')}:{port} timed out after 30s "
            f"(attempt {c.k(EM, str(r.randint(2, 5)), 'quantity')}/5, trace {rid})",
        )
    else:
        who = v.person(c)
        err = (
            "PassportMrzMismatch",
            f"passport {c.p(EM, v.passport(c), 'PASSPORT')} does not match holder "
            f"{c.p(EM, who.full, 'PERSON')} ("
            + r.choice(v.BIRTH_CUES).format(d=c.p(EM, v.birth_date(c), "DATE_OF_BIRTH"))
            + f"); check {rid}",
        )
    ev["error"] = {"type": err[0], "message": err[1]}


def admin(c: FakerCase) -> None:
    """An operator changes someone's account; the attributes name the person."""
    ev, r = c.event, c.rng
    ev["event_type"], ev["llm"] = "ADMIN_ACTION", None
    ev["service"]["name"] = "admin-console"
    if r.random() < 0.6:
        ip = v.ip(c, v6=r.random() >= 0.8)
        ev["actor"]["ip_address"] = c.p("actor.ip_address", ip, "IP_ADDRESS")
    who = v.person(c)
    attrs: dict[str, str] = {"target_user": who.full}
    kind = r.randrange(6)
    if kind == 0:
        ev["action"] = "user.update_profile"
        attrs["field"] = r.choice(["address", "phone"])
        if attrs["field"] == "address":
            attrs["new_value"] = v.street(c)
            c.p("attributes.new_value", attrs["new_value"], "STREET_ADDRESS")
        else:
            attrs["new_value"] = v.phone(c)
            c.p("attributes.new_value", attrs["new_value"], "PHONE_NUMBER")
        attrs["ticket"] = c.k("attributes.ticket", la.ticket(c), "record_id")
    elif kind == 1:
        ev["action"] = "user.delete"
        attrs["target_email"] = c.p("attributes.target_email", v.email(c), "EMAIL_ADDRESS")
        attrs["requested_at"] = c.k("attributes.requested_at", la.timestamp(c, "iso"), "timestamp")
        attrs["request_id"] = c.k("attributes.request_id", la.uuid(c), "uuid")
    elif kind == 2:
        ev["action"] = "role.grant"
        attrs["role"] = r.choice(["billing_admin", "support_lead", "auditor"])
        attrs["granted_until"] = c.k("attributes.granted_until", la.iso_date(c), "business_date")
        attrs["phone"] = c.p("attributes.phone", v.phone(c), "PHONE_NUMBER")
    elif kind == 3:
        ev["action"] = "account.verify_identity"
        if r.random() < 0.5:
            attrs["document"] = "passport"
            number = c.p("attributes.document_number", v.passport(c), "PASSPORT")
        else:
            number, attrs["document"] = v.national_id(c)
            c.p("attributes.document_number", number, "NATIONAL_ID")
        attrs["document_number"] = number
        attrs["dob"] = c.p("attributes.dob", v.birth_date(c), "DATE_OF_BIRTH")
        attrs["address"] = c.p("attributes.address", v.street(c), "STREET_ADDRESS")
    elif kind == 4:
        ev["action"] = "api_key.rotate"
        attrs["key_id"] = c.k("attributes.key_id", "key_" + la.git_hash(c)[:7], "git_hash")
        attrs["old_key"] = c.p("attributes.old_key", v.secret(c), "SECRET")
        attrs["rotated_at"] = c.k("attributes.rotated_at", la.timestamp(c, "iso"), "timestamp")
    else:
        ev["action"] = "billing.update_payout"
        if r.random() < 0.5:
            attrs["iban"] = c.p("attributes.iban", v.iban(c), "IBAN_CODE")
        else:
            attrs["card"] = c.p("attributes.card", v.card(c)[0], "CREDIT_CARD")
        attrs["effective"] = c.k("attributes.effective", la.iso_date(c), "business_date")
        attrs["ssn"] = c.p("attributes.ssn", v.ssn(c), "US_SSN")
    c.p("attributes.target_user", who.full, "PERSON")
    ev["attributes"] = attrs


def ops_log(c: FakerCase) -> None:
    """A developer pastes logs, a .env file or git history into a coding assistant."""
    ev, r = c.event, c.rng
    ev["service"]["name"] = "code-assist"
    ev["llm"]["model"] = r.choice(la.MODELS)
    kind = r.randrange(4)
    if kind == 0:
        lines = []
        for _ in range(r.randint(2, 4)):
            ip = c.p(P, v.ip(c, v6=r.random() >= 0.85), "IP_ADDRESS")
            ts = c.k(P, la.timestamp(c, "nginx"), "timestamp")
            status = c.k(P, r.choice(la.HTTP_STATUSES), "http_status")
            uid = c.k(P, la.uuid(c), "uuid")
            lines.append(
                f'{ip} - - [{ts}] "GET /api/v1/orders/{uid} HTTP/1.1" {status} '
                f'{r.randint(200, 90000)} "-" "Mozilla/5.0"'
            )
        ev["llm"]["prompt"] = "Why do these requests fail?\n\n" + "\n".join(lines)
        ev["llm"]["response"] = (
            f"The {c.k(R, status, 'http_status')} responses come from the upstream on port "
            f"{c.k(R, r.choice(la.PORTS), 'port')}; check its health."
        )
    elif kind == 1:
        who = v.person(c)
        ts = c.k(P, la.timestamp(c, "logging"), "timestamp")
        mail = c.p(P, v.email(c, who.locale), "EMAIL_ADDRESS")
        ev["llm"]["prompt"] = (
            f"{ts} ERROR [payments] charge failed for customer={c.p(P, who.full, 'PERSON')} "
            f"email={mail} order={c.k(P, la.order_id(c), 'order_id')} "
            f"amount={c.k(P, la.amount(c), 'amount')} version={c.k(P, la.version(c), 'version')}\n"
            "What does this mean?"
        )
        ev["llm"]["response"] = (
            f"The charge failed at {c.k(R, ts, 'timestamp')}; retry with idempotency key "
            f"{c.k(R, la.uuid(c), 'uuid')}."
        )
    elif kind == 2:
        pw = c.p(P, v.secret(c, "password"), "SECRET")
        key = c.p(
            P, v.secret(c, r.choice(["stripe", "openai", "aws", "github", "slack"])), "SECRET"
        )
        port = c.k(P, r.choice(la.PORTS), "port")
        ev["llm"]["prompt"] = (
            "Why does this .env not load in prod?\n\n"
            f"DATABASE_URL=postgres://app:{pw}@db.internal:{port}/shop\n"
            f"API_KEY={key}\nAPP_VERSION={c.k(P, la.version(c), 'version')}\n"
            f"MODEL={c.k(P, r.choice(la.MODELS), 'model_name')}\n"
        )
        ev["llm"]["response"] = (
            f"Quote the password; also pin APP_VERSION and keep the port {c.k(R, port, 'port')}."
        )
    else:
        who = v.person(c)
        sha = c.k(P, la.git_hash(c), "git_hash")
        ev["llm"]["prompt"] = (
            f"Explain this commit:\n\ncommit {sha}\n"
            f"Author: {c.p(P, who.full, 'PERSON')} <{c.p(P, v.email(c), 'EMAIL_ADDRESS')}>\n"
            f"Date:   {c.k(P, la.timestamp(c, 'git'), 'timestamp')}\n\n"
            f"    fix: retry on {c.k(P, r.choice(['429', '502', '503', '504']), 'http_status')} "
            f"(bump to {c.k(P, la.version(c), 'version')})"
        )
        ev["llm"]["response"] = (
            f"Commit {c.k(R, sha[:7], 'git_hash')} adds a retry and bumps the version."
        )
