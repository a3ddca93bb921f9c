"""Templates of the evaluation set, conversational part: support chats, coding, RAG."""

from __future__ import annotations

import eval_values as v
from eval_case import SECRET_KINDS, Case

SUPPORT_SYSTEM = (
    "You are Nimbus, the support assistant of Northwind Outfitters. Be concise, "
    "never ask for full card numbers, and escalate refunds above $500."
)


def support_chat(c: Case) -> None:
    """A customer writes to a support assistant."""
    r, ev = c.rng, c.event
    first, last = v.person(r)
    order, city = v.order_id(r), r.choice(v.CITIES)
    price = f"${r.randint(12, 480)}.{r.choice(['00', '99', '50'])}"
    ev["llm"]["prompt_template"] = SUPPORT_SYSTEM
    ev["llm"]["model"] = c.k("llm.model", r.choice(v.MODELS))
    intro = r.choice(
        [
            "Hi, my name is {n}.",
            "Hello, this is {n}.",
            "I'm {n}",
            "Hey there, {n} here.",
            "Good morning. {n} speaking.",
            "Hi! I am {n},",
        ]
    )
    name = c.p("llm.prompt", f"{first} {last}", "PERSON")
    parts = [
        intro.format(n=name),
        f"My order {c.k('llm.prompt', order)} for {c.k('llm.prompt', price)} "
        f"still hasn't shipped to our {c.k('llm.prompt', city)} office.",
    ]
    extras = r.sample(
        ["email", "phone", "card", "ssn", "iban", "address", "mention", "foreign", "password"],
        k=r.randint(1, 3),
    )
    if "password" in extras:  # users paste passwords into support chats
        pw = c.p("llm.prompt", v.password(r), "SECRET")
        line = r.choice(
            [
                "I can't log in, my password is {p} and it says invalid.",
                "Tried resetting twice; the new password: {p}",
                "Login: {e} / pwd={p}",
            ]
        )
        if "{e}" in line:
            line = line.replace("{e}", c.p("llm.prompt", v.email(r, first, last), "EMAIL_ADDRESS"))
        parts.append(line.format(p=pw))
    if "mention" in extras:  # a name with no cue but the sentence: NER's job alone
        other = c.p("llm.prompt", " ".join(v.person(r)), "PERSON")
        parts.append(
            r.choice(
                [
                    "{o} from your team promised a callback on Tuesday.",
                    "Last week I spoke to {o} about this and nothing happened.",
                    "The parcel was signed for by {o}, who does not work here.",
                ]
            ).format(o=other)
        )
    if "foreign" in extras:  # the customer switches language for a line
        f2, l2 = v.person(r)
        parts.append(
            r.choice(
                [
                    "Mein Name ist {n}, Telefon {t}.",
                    "Je m'appelle {n}, mon numéro est {t}.",
                    "Me llamo {n} y mi teléfono es {t}.",
                ]
            ).format(
                n=c.p("llm.prompt", f"{f2} {l2}", "PERSON"),
                t=c.p("llm.prompt", v.phone(r), "PHONE_NUMBER"),
            )
        )
    if "email" in extras:
        parts.append(
            f"You can reach me at {c.p('llm.prompt', v.email(r, first, last), 'EMAIL_ADDRESS')}."
        )
    if "phone" in extras:
        parts.append(
            r.choice(
                ["Call me on {x}.", "my cell is {x}", "Phone: {x}", "or text {x} after 5pm"]
            ).format(x=c.p("llm.prompt", v.phone(r), "PHONE_NUMBER"))
        )
    if "card" in extras:
        parts.append(f"I paid with card {c.p('llm.prompt', v.card(r), 'CREDIT_CARD')} exp 08/27.")
    if "ssn" in extras:
        parts.append(f"For the tax form my SSN is {c.p('llm.prompt', v.ssn(r), 'US_SSN')}.")
    if "iban" in extras:
        parts.append(f"Please refund to IBAN {c.p('llm.prompt', v.iban(r), 'IBAN_CODE')}.")
    if "address" in extras:
        colleague = c.p("llm.prompt", " ".join(v.person(r)), "PERSON")
        parts.append(f"If I'm out, my colleague {colleague} can sign for it.")
    ev["llm"]["prompt"] = " ".join(parts)
    ev["llm"]["response"] = (
        f"Thanks {c.p('llm.response', first, 'PERSON')}! I found order "
        f"{c.k('llm.response', order)}. It left our warehouse yesterday and "
        f"should reach {c.k('llm.response', city)} within 2 business days."
    )


def coding(c: Case) -> None:
    """A developer pastes code, config or a stack trace into a coding assistant."""
    r, ev = c.rng, c.event
    ev["service"]["name"] = "code-assist"
    ev["llm"]["model"] = c.k("llm.model", r.choice(v.MODELS))
    ver, sha, rid = v.version(r), v.commit(r), v.uid(r)
    kind = r.choice(["env", "settings", "dsn", "trace", "aws", "curl", "pem", "clean", "clean"])
    head = f"We're on release {ver} (commit {sha})."
    if kind != "clean":
        c.k("llm.prompt", ver), c.k("llm.prompt", sha)
    if kind == "env":
        sk = r.choice(SECRET_KINDS[:6])
        key = c.p("llm.prompt", v.secret(r, sk), "SECRET")
        body = (
            f"{head} Why does this .env not load?\n\n"
            f"MODEL={c.k('llm.prompt', r.choice(v.MODELS))}\n"
            f"API_KEY={key}\nMAX_TOKENS={c.k('llm.prompt', str(r.choice([512, 1024, 4096])))}\n"
        )
    elif kind == "settings":
        pw = c.p("llm.prompt", v.password(r), "SECRET")
        body = (
            f"{head} Django keeps failing:\n```python\nDATABASES = {{'default': {{'ENGINE': "
            f"'django.db.backends.postgresql', 'NAME': 'shop', 'USER': 'shop', 'PASSWORD': '{pw}', "
            f"'PORT': {c.k('llm.prompt', '5432')}}}}}\n```"
        )
    elif kind == "dsn":
        pw = v.password(r)
        user = r.choice(["app", "admin", "svc_orders", "root"])
        cred = c.p("llm.prompt", f"{user}:{pw}", "SECRET")
        c.p("llm.prompt", pw, "SECRET")
        scheme = r.choice(["postgresql", "mysql", "mongodb+srv", "redis", "amqp"])
        body = (
            f"{head} Connection refused with {scheme}://{cred}@db-{r.randint(1, 9)}"
            ".internal:6543/orders — why?"
        )
    elif kind == "trace":
        uid = c.k("llm.prompt", rid)
        body = (
            f'{head} Traceback (most recent call last):\n  File "/srv/app/jobs/run.py", line '
            f'{c.k("llm.prompt", str(r.randint(20, 400)))}, in main\n    job = Job.get("{uid}")\n'
            '  File "/srv/app/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py",'
            " line 1823\n"
            f"KeyError: 'tenant_id'\nWhat is wrong?"
        )
    elif kind == "aws":
        akid, sec = c.p("llm.prompt", v.secret(r, "aws_id"), "SECRET"), v.secret(r, "aws_secret")
        fmt = r.choice(
            [
                "[default]\naws_access_key_id = {a}\naws_secret_access_key = {s}\n",
                "export AWS_ACCESS_KEY_ID={a}\nexport AWS_SECRET_ACCESS_KEY={s}\n",
                '{{"AccessKeyId": "{a}", "SecretAccessKey": "{s}"}}',
                "my access key is {a} and the secret is {s}, boto3 says InvalidClientTokenId",
            ]
        )
        body = f"{head} boto3 cannot find credentials.\n" + fmt.format(
            a=akid, s=c.p("llm.prompt", sec, "SECRET")
        )
    elif kind == "curl":
        tok = c.p("llm.prompt", v.secret(r, r.choice(["jwt", "github", "slack"])), "SECRET")
        body = (
            f"{head} This returns 401:\ncurl -H 'Authorization: Bearer {tok}' "
            f"https://api.internal/v2/orders/{c.k('llm.prompt', v.order_id(r))}"
        )
    elif kind == "pem":
        block = c.p("llm.prompt", v.pem(r), "SECRET")
        body = f"{head} paramiko rejects this key, is the format wrong?\n{block}\n"
    else:
        n = c.k("llm.prompt", str(r.randint(2, 64)))
        body = (
            f"Refactor this to use asyncio.gather with at most {n} tasks; we pin "
            f"httpx=={c.k('llm.prompt', v.version(r).lstrip('v'))} and run on "
            f"{c.k('llm.prompt', r.choice(v.MODELS))}. Request id {c.k('llm.prompt', rid)}."
        )
    ev["llm"]["prompt"] = body
    ev["llm"]["response"] = (
        f"The failure comes from the configuration, not from {c.k('llm.response', ver)}. "
        f"Never paste credentials into prompts; rotate them and load them from a secret store."
    )


RAG_Q = [
    "What is our travel per diem for {city} in {year}?",
    "Summarise the {year} data-retention policy for the {city} office.",
    "Which vendors were approved for the {city} warehouse after Q{q} {year}?",
    "How many parental-leave weeks do employees in {city} get since {year}?",
]


def rag(c: Case) -> None:
    """An employee asks the knowledge base a question; documents are cited."""
    r, ev = c.rng, c.event
    ev["event_type"], ev["action"], ev["service"]["name"] = "RAG_QUERY", "kb.answer", "kb-search"
    city, year = r.choice(v.CITIES), str(r.randint(2019, 2025))
    q = r.choice(RAG_Q).format(
        city=c.k("llm.prompt", city), year=c.k("llm.prompt", year), q=r.randint(1, 4)
    )
    if r.random() < 0.5:
        first, last = v.person(r)
        q += r.choice(
            [
                " I'm asking for {n} ({e}), who starts Monday.",
                " Context: my manager {n} ({e}) wants this by Friday.",
                " Please send the answer to {n} at {e}.",
                " Did {n} already approve this? Cc {e}.",
            ]
        ).format(
            n=c.p("llm.prompt", f"{first} {last}", "PERSON"),
            e=c.p("llm.prompt", v.email(r, first, last), "EMAIL_ADDRESS"),
        )
    ev["llm"]["prompt"] = q
    docs = []
    for _ in range(r.randint(1, 3)):
        doc_id = f"kb-{r.randint(1000, 9999)}"
        docs.append(
            {
                "id": doc_id,
                "source": f"s3://kb-prod/policies/{year}/{doc_id}.pdf",
                "score": round(r.uniform(0.5, 0.95), 3),
            }
        )
    ev["rag_documents"] = docs
    c.k("rag_documents[0].source", docs[0]["source"])
    ev["llm"]["response"] = (
        f"According to {c.k('llm.response', docs[0]['id'])}, the {year} policy for "
        f"{c.k('llm.response', city)} allows {c.k('llm.response', str(r.randint(2, 40)))} "
        f"days; see section {r.randint(1, 9)}.{r.randint(1, 9)}."
    )
