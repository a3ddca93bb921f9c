"""Templates of the evaluation set, machine part: tool calls, errors, maths, sign-ins."""

from __future__ import annotations

import json
from typing import Any

import eval_values as v
from eval_case import SECRET_KINDS, Case


def tool_call(c: Case) -> None:
    """An agent calls a tool with JSON arguments and gets JSON back."""
    r, ev = c.rng, c.event
    ev["event_type"], ev["action"], ev["service"]["name"] = (
        "TOOL_CALL",
        "tool.invoke",
        "agent-runtime",
    )
    first, last = v.person(r)
    order = v.order_id(r)
    name = r.choice(
        ["crm.lookup_customer", "billing.refund", "shipping.update_address", "kyc.verify"]
    )
    args: dict[str, Any] = {
        "order_id": c.k("tool.input", order),
        "customer_name": c.p("tool.input", f"{first} {last}", "PERSON"),
    }
    for extra in r.sample(["email", "phone", "iban", "card", "ssn", "ip"], k=r.randint(1, 3)):
        args[extra] = {
            "email": lambda: c.p("tool.input", v.email(r, first, last), "EMAIL_ADDRESS"),
            "phone": lambda: c.p("tool.input", v.phone(r), "PHONE_NUMBER"),
            "iban": lambda: c.p("tool.input", v.iban(r), "IBAN_CODE"),
            "card": lambda: c.p("tool.input", v.card(r), "CREDIT_CARD"),
            "ssn": lambda: c.p("tool.input", v.ssn(r), "US_SSN"),
            "ip": lambda: c.p("tool.input", v.ipv4(r), "IP_ADDRESS"),
        }[extra]()
    amount = f"{r.randint(5, 900)}.{r.randint(0, 99):02d}"
    args["amount"] = c.k("tool.input", amount)
    ev["tool"] = {
        "name": name,
        "input": json.dumps(args, ensure_ascii=False),
        "output": json.dumps(
            {
                "status": "ok",
                "ticket": c.k("tool.output", f"TCK-{r.randint(10000, 99999)}"),
                "request_id": c.k("tool.output", v.uid(r)),
                "amount": amount,
            }
        ),
    }
    ev["llm"] = None


def error(c: Case) -> None:
    """A service reports an error whose message carries what it was handling."""
    r, ev = c.rng, c.event
    ev["event_type"], ev["status"], ev["llm"] = "ERROR", "FAILURE", None
    rid = v.uid(r)
    kind = r.choice(["auth", "db", "http", "smtp", "webhook"])
    if kind == "auth":
        key = c.p(
            "error.message", v.secret(r, r.choice(["openai", "anthropic", "google"])), "SECRET"
        )
        ev["error"] = {
            "type": "openai.AuthenticationError",
            "message": f"Error code: 401 - Incorrect API key provided: {key}. "
            f"Request id {c.k('error.message', rid)}.",
        }
    elif kind == "db":
        pw, host = v.password(r), v.ipv4(r)
        cred = c.p("error.message", f"app:{pw}", "SECRET")
        c.p("error.message", pw, "SECRET")
        ev["error"] = {
            "type": "psycopg.OperationalError",
            "message": f"connection to postgresql://{cred}@"
            f"{c.p('error.message', host, 'IP_ADDRESS')}:"
            f"{c.k('error.message', '5432')}/orders failed: timeout after 30s",
        }
    elif kind == "http":
        tok = c.p("error.message", v.secret(r, "jwt"), "SECRET")
        ev["error"] = {
            "type": "httpx.HTTPStatusError",
            "message": f"Client error '403 Forbidden' for url 'https://api.partner.io/v1/orders/"
            f"{c.k('error.message', v.order_id(r))}' (headers: Authorization=Bearer {tok})",
        }
    elif kind == "smtp":
        first, last = v.person(r)
        addr = c.p("error.message", v.email(r, first, last), "EMAIL_ADDRESS")
        ev["error"] = {
            "type": "smtplib.SMTPRecipientsRefused",
            "message": f"550 5.1.1 <{addr}>: mailbox unavailable "
            f"(attempt {c.k('error.message', str(r.randint(2, 5)))}"
            f" of 5, job {c.k('error.message', rid)})",
        }
    else:
        tok = c.p(
            "error.message",
            v.secret(r, r.choice(["slack", "github", "gitlab", "stripe"])),
            "SECRET",
        )
        ev["error"] = {
            "type": "WebhookDeliveryError",
            "message": f"delivery {c.k('error.message', rid)} failed; token {tok} was revoked at "
            f"{c.k('error.message', '2025-11-03T14:22:09Z')}",
        }


MATHS = [
    ("What is {a} * {b}?", "{a} * {b} = {ab}."),
    (
        "If a train leaves at 14:05 and travels {a} km at {b} km/h, when does it arrive?",
        "It travels {a} km in {ab} minutes.",
    ),
    ("Compute {a} + {b} and explain carrying.", "{a} + {b} = {ab}."),
    ("Is {a} prime? Also factor {b}.", "{a} is odd; {b} has small factors."),
    ("Convert {a} seconds to hours, and {b} bytes to MB.", "{a} s is about {ab} minutes."),
]


def maths(c: Case) -> None:
    """General questions full of numbers, models, versions and places, and no PII."""
    r, ev = c.rng, c.event
    ev["llm"]["model"] = c.k("llm.model", r.choice(v.MODELS))
    if r.random() < 0.6:
        a, b = r.randint(100, 99_999_999), r.randint(100, 99_999)
        q, ans = r.choice(MATHS)
        ab = a * b if "*" in q else a + b
        ev["llm"]["prompt"] = q.format(a=c.k("llm.prompt", str(a)), b=c.k("llm.prompt", str(b)))
        ev["llm"]["response"] = ans.format(a=a, b=b, ab=ab)
        if "{ab}" in ans:
            c.k("llm.response", str(ab))
    else:
        m1, m2 = r.sample(v.MODELS, 2)
        year, city = str(r.randint(2015, 2025)), r.choice(v.CITIES)
        ev["llm"]["prompt"] = (
            f"Compare {c.k('llm.prompt', m1)} and {c.k('llm.prompt', m2)} for a "
            f"{c.k('llm.prompt', city)} travel chatbot launched in {c.k('llm.prompt', year)}; "
            f"budget {c.k('llm.prompt', '$' + format(r.randint(1000, 90000), ','))} per month, "
            f"{c.k('llm.prompt', str(r.randint(2, 50)) + 'k')} chats."
        )
        ev["llm"]["response"] = (
            f"{c.k('llm.response', m1)} is cheaper per token; the mod "
            f"{c.k('llm.response', '1000000007')} trick does not apply here."
        )


def auth(c: Case) -> None:
    """A sign-in or admin action with an address, a browser and attributes."""
    r, ev = c.rng, c.event
    ev["llm"] = None
    first, last = v.person(r)
    addr = v.email(r, first, last)
    ip = v.ipv4(r) if r.random() < 0.7 else v.ipv6(r)
    ev["actor"]["ip_address"] = c.p("actor.ip_address", ip, "IP_ADDRESS")
    ev["actor"]["user_id"] = c.p("actor.user_id", addr, "EMAIL_ADDRESS")
    ev["actor"]["user_agent"] = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 "
        "Version/17.6 Safari/605.1.15"
    )
    if r.random() < 0.5:
        ev["event_type"], ev["action"] = "AUTH", "login.password"
        ev["attributes"] = {
            "method": "password",
            "mfa": "totp",
            "country": c.k("attributes.country", r.choice(["DE", "US", "GB"])),
        }
    else:
        ev["event_type"], ev["action"] = "ADMIN_ACTION", "api_key.rotate"
        ev["attributes"] = {
            "key_id": c.k("attributes.key_id", f"key_{v.commit(r, short=True)}"),
            "old_key": c.p("attributes.old_key", v.secret(r, r.choice(SECRET_KINDS[:4])), "SECRET"),
            "notify": c.p("attributes.notify", v.email(r, *v.person(r)), "EMAIL_ADDRESS"),
        }
