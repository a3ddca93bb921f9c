"""Agent-shaped templates of the mimesis set: credentials in configs, guardrails, agent steps.

Credentials pasted into prompts, tool configs and request headers; guardrail events that
keep the prompt they fired on; ReAct-style chain steps whose scratchpad carries a tool's
observation. Written as such traffic looks, without looking at the recognizers.
"""

from __future__ import annotations

from urllib.parse import quote

from mimesis_case import MimesisCase, dumps

P, R = "llm.prompt", "llm.response"
TI, TO = "tool.input", "tool.output"


def config_secret(c: MimesisCase) -> None:
    """Credentials pasted into a prompt or a tool config."""
    r, lk = c.rng, c.looks
    secret, kind = c.docs.secret()
    shape = r.randrange(4)
    if shape == 0:
        prompt = (
            "why does this fail with 401?\n\n```python\nclient = OpenAI(\n"
            f'    api_key="{c.p(P, secret, "SECRET")}",\n'
            f'    base_url="https://llm-gw.internal:{c.k(P, lk.port(), "port")}/v1",\n)\n'
            "resp = client.chat.completions.create("
            f'model="{c.k(P, lk.model_name(), "model_name")}", ...)\n```'
        )
        c.chat(prompt, "A 401 means the gateway rejected the key; check it is active...")
    elif shape == 1:
        secret, _ = c.docs.secret(["password", "hex", "urlsafe"])
        args = {
            "name": "warehouse-sync",
            "env": {
                # A password in a URL is percent-encoded, as the driver requires.
                "DATABASE_URL": f"postgresql://svc_sync:{c.p(TI, quote(secret, safe=''), 'SECRET')}"
                "@db-prod-2:"
                f"{c.k(TI, lk.port(), 'port')}/orders",
                "LOG_LEVEL": "info",
            },
            "image_tag": c.k(TI, lk.version(), "version"),
        }
        c.tool("deploy_create_job", args, {"job_id": c.k(TO, lk.uuid(), "uuid"), "state": "queued"})
    elif shape == 2:
        args = {
            "url": "https://hooks.partner.example/v1/events",
            "headers": {"Authorization": f"Bearer {c.p(TI, secret, 'SECRET')}",
                        "X-Request-Id": c.k(TI, lk.uuid(), "uuid")},
            "method": "POST",
        }  # fmt: skip
        c.tool("http_request", args, f"HTTP {c.k(TO, lk.http_status(), 'http_status')}")
    else:
        env = f"{kind.upper()}_TOKEN" if kind != "password" else "SMTP_PASSWORD"
        prompt = (
            f"my .env is below, the worker on {c.k(P, lk.version(), 'version')} crashes at start:\n"
            f"{env}={c.p(P, secret, 'SECRET')}\n"
            f"REDIS_URL=redis://cache:{c.k(P, lk.port(), 'port')}/0\n"
            f"COMMIT={c.k(P, lk.git_hash(), 'git_hash')}"
        )
        c.chat(
            prompt, "The crash is from REDIS_URL, not the token; the worker expects rediss://..."
        )
    if c.event["tool"] is None and r.random() < 0.3:
        c.event["llm"]["model"] = c.k("llm.model", lk.model_name(), "model_name")


def guardrail(c: MimesisCase) -> None:
    """A guardrail fires on a prompt that carries personal data; the event keeps the prompt."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "it", "nl"])
    who = pe.name(loc)
    c.kind("GUARDRAIL", "guardrail.input_check", r.choice(["DENIED", "SUCCESS"]))
    shape = r.randrange(3)
    if shape == 0:
        prompt = (
            f"can you store my card for next time? {c.p(P, pe.card(), 'CREDIT_CARD')} "
            f"exp {pe.card_expiry()} - {c.p(P, who['full'], 'PERSON')}"
        )
        rules = ["pii.payment_card"]
    elif shape == 1:
        secret, _ = c.docs.secret()
        prompt = (
            f"debug this curl: curl -H 'Authorization: Bearer {c.p(P, secret, 'SECRET')}' "
            f"https://api.internal/v2/orders/{c.k(P, lk.order_id().lstrip('#'), 'order_id')}"
        )
        rules = ["secrets.credential"]
    else:
        prompt = (
            f"Find everything public about {c.p(P, who['full'], 'PERSON')}, lives at "
            f"{c.p(P, pe.street(loc), 'STREET_ADDRESS')}, phone "
            f"{c.p(P, pe.phone(loc), 'PHONE_NUMBER')}"
        )
        rules = ["policy.doxxing", "pii.contact"]
    c.chat(prompt, None if c.event["status"] == "DENIED" else "I can't help with that part.")
    c.event["guardrails_triggered"] = rules
    c.event["attributes"] = {
        "guardrail_version": c.k("attributes.guardrail_version", lk.version(), "version"),
        "score": f"{r.uniform(0.6, 0.99):.3f}",
    }


def agent_scratchpad(c: MimesisCase) -> None:
    """A ReAct-style agent's chain step: thoughts, tool calls and observations in one prompt."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "nl", "it", "pl", "pt-br"])
    who = pe.name(loc)
    email, phone = pe.email(who), pe.phone(loc)
    c.kind("CHAIN", "agent.step")
    order = lk.order_id()
    observation = dumps(
        r,
        {
            "customer": {
                "name": c.p(P, who["full"], "PERSON"),
                "email": c.p(P, email, "EMAIL_ADDRESS"),
                "mobile": c.p(P, phone, "PHONE_NUMBER"),
            },
            "orders": [
                {"id": c.k(P, order, "order_id"), "status": "delayed",
                 "eta": c.k(P, lk.business_date(loc), "business_date")}
            ],
        },
    )  # fmt: skip
    prompt = (
        f"Question: where is my order? i'm {c.p(P, who['first'].lower(), 'PERSON')}, "
        f"email {c.p(P, email, 'EMAIL_ADDRESS')}\n"
        "Thought: I should look up the customer by e-mail.\n"
        f'Action: crm_lookup\nAction Input: {{"email": "{c.p(P, email, "EMAIL_ADDRESS")}"}}\n'
        f"Observation: {observation}\n"
        "Thought:"
    )
    response = (
        f" The order {c.k(R, order, 'order_id')} is delayed. Final Answer: Hi "
        f"{c.p(R, who['first'], 'PERSON')}, your order is delayed; we'll text "
        f"{c.p(R, phone, 'PHONE_NUMBER')} "
        "when it ships."
    )
    c.chat(prompt, response, prompt_template="react_agent")
