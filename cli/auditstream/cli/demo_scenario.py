"""What ``audit demo`` emits: a few simulated services handling realistic requests.

Every request is one trace: a login, a RAG lookup, an LLM call whose prompt carries
personal data (names, e-mails, phone numbers, now and then a pasted API key), a tool call,
sometimes a guardrail hit or an error. The values are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from auditstream.producer import AuditClient, CommonFields
from auditstream.schemas import EventType

PEOPLE = [
    ("Maria Gonzalez", "maria.gonzalez@example.org", "+1 212 736 5000"),
    ("James O'Connor", "j.oconnor@example.com", "+44 20 7946 0958"),
    ("Aiko Tanaka", "aiko.tanaka@example.net", "+1 415 867 5309"),
    ("Lukas Schmidt", "lukas.schmidt@example.de", "+49 30 901820"),
    ("Priya Raman", "priya.raman@example.in", "+1 646 555 0199"),
]
TENANTS = ["acme", "globex", "initech"]
LEAKED_KEY = "sk-proj-Q3v8XkP2mN7rT5yW1zA4bC6dE9fG0hJ2"
QUESTIONS = [
    "Hi, I'm {name}. Can you change the e-mail on my account to {email}?",
    "My name is {name} and my phone number is {phone}; please call me about order ORD-{order}.",
    "Summarise the refund policy for order ORD-{order} and send it to {email}.",
    "I'm {name}. The deploy fails with this config: OPENAI_API_KEY={key} - what is wrong?",
    "What is the difference between plan Pro and plan Team for 25 seats?",
]


@dataclass(frozen=True)
class Emitted:
    """What the scenario sent, for the demo's summary."""

    events: int
    trace_ids: list[str]


def run_scenario(clients: dict[str, AuditClient], *, requests: int, seed: int = 7) -> Emitted:
    """Emit ``requests`` request traces across the simulated services.

    Args:
        clients: One client per service: ``gateway``, ``chat-api``, ``retrieval``, ``tools``.
        requests: Number of user requests (traces) to simulate.
        seed: Random seed, so every demo tells the same story.

    Returns:
        How many events went out, and the trace ids.
    """
    rng = random.Random(seed)  # noqa: S311 - a story, not security
    count = 0
    traces = []
    for _ in range(requests):
        name, email, phone = rng.choice(PEOPLE)
        tenant = rng.choice(TENANTS)
        user = f"user-{rng.randint(1, 40):03d}"
        session = f"sess-{rng.randint(1000, 9999)}"
        gateway, chat, retrieval, tools = (
            clients["gateway"],
            clients["chat-api"],
            clients["retrieval"],
            clients["tools"],
        )
        actor: CommonFields = {"tenant_id": tenant, "user_id": user, "session_id": session}
        question = rng.choice(QUESTIONS).format(
            name=name, email=email, phone=phone, order=rng.randint(10000, 99999), key=LEAKED_KEY
        )
        # The gateway's span is the request; the chat service's span nests inside it, and
        # the events of retrieval, the LLM call and the CRM tool nest inside that. In a
        # real deployment the services pass the W3C traceparent header to each other.
        with gateway.span(
            "http.request",
            event_type=EventType.OTHER,
            tenant_id=tenant,
            user_id=user,
            session_id=session,
        ) as request:
            traces.append(request.trace_id)
            login: CommonFields = {
                **actor,
                "ip_address": f"198.51.100.{rng.randint(1, 254)}",
                "user_agent": "Mozilla/5.0 (demo)",
            }
            gateway.auth("login", **login)
            with chat.span("chat.answer", tenant_id=tenant, user_id=user, session_id=session):
                retrieval.rag_query(
                    query=question,
                    documents=[
                        {"id": f"kb-{rng.randint(1, 300)}", "source": "kb://policies", "score": 0.8}
                    ],
                    latency_ms=rng.uniform(5, 60),
                    **actor,
                )
                chat.llm_request(
                    provider="openai",
                    model="gpt-4o-mini",
                    prompt=question,
                    response=f"Thanks {name.split()[0]}, I have updated your request.",
                    tokens_input=rng.randint(200, 900),
                    tokens_output=rng.randint(20, 200),
                    latency_ms=rng.uniform(300, 2500),
                    **actor,
                )
                # The tool service knows only the trace (and the tenant), not the user.
                tools.tool_call(
                    "crm.update_contact",
                    input=f'{{"email": "{email}", "phone": "{phone}"}}',
                    output='{"ok": true}',
                    latency_ms=rng.uniform(20, 200),
                    tenant_id=tenant,
                )
                count += 6  # two spans, login, RAG query, LLM call, tool call
                roll = rng.random()
                if roll < 0.15:
                    chat.guardrail(["prompt_injection"], **actor)
                    count += 1
                elif roll < 0.25:
                    tools.error(
                        error_type="TimeoutError",
                        message=f"CRM did not answer for contact {email} within 5s",
                        action="crm.timeout",
                        tenant_id=tenant,
                    )
                    count += 1
    return Emitted(events=count, trace_ids=traces)


def malformed_messages() -> list[bytes]:
    """Return messages no producer should send: the processor must dead-letter each."""
    return [
        b"",
        b"this is not avro",
        b"\xc3\x01\xde\xad\xbe\xef\xde\xad\xbe\xef\x02\x04",  # unknown schema fingerprint
        b"\xc3\x01",  # truncated header
    ]
