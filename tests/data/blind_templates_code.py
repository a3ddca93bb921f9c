"""Coding-assistant traffic: pasted config files, fixtures, logs, stack traces, SQL and tables.

Developers paste what is on their screen: an ``.env`` with live keys, a YAML file with an
SMTP password and the on-call's phone, a test fixture copied from production, log lines
with customers' e-mails and IPs, a traceback whose message holds a name and an address,
a psql result or a CSV export. Written from how such prompts look, without reading the
recognizers or the other sets' templates.
"""

from __future__ import annotations

from blind_case import BlindCase

P = "llm.prompt"
ASKS = [
    "why does this not connect?",
    "can you spot what's wrong here",
    "Refactor this please, keep behaviour the same.",
    "getting a 401 with this config, any idea??",
    "Convert this to a docker-compose file.",
    "explain what each of these settings does",
]


def env_file(c: BlindCase) -> None:
    """A pasted ``.env`` with credentials, an admin contact and the database port."""
    who = c.people.who(c.rng.choice(["us", "gb", "de", "in", "au"]))
    port = c.k(P, c.looks.port(), "port")
    version = c.k(P, c.looks.version(), "version")
    lines = [
        "NODE_ENV=production",
        f"APP_VERSION={version}",
        f"DATABASE_URL=postgres://app_rw:{c.p(P, c.docs.password(), 'SECRET')}"
        f"@db.internal:{port}/orders",
    ]
    for _ in range(c.rng.randint(1, 3)):
        kind, value = c.docs.secret(
            c.rng.choice(
                ["openai", "anthropic", "stripe", "aws_key", "sendgrid", "slack", "google"]
            )
        )
        name = {
            "openai": "OPENAI_API_KEY",
            "anthropic": "ANTHROPIC_API_KEY",
            "stripe": "STRIPE_SECRET_KEY",
            "aws_key": "AWS_ACCESS_KEY_ID",
            "sendgrid": "SENDGRID_API_KEY",
            "slack": "SLACK_BOT_TOKEN",
            "google": "GOOGLE_MAPS_KEY",
        }[kind]
        quote = c.rng.choice(["", '"', "'"])
        lines.append(f"{name}={quote}{c.p(P, value, 'SECRET')}{quote}")
    if c.rng.random() < 0.6:
        lines.append(f"ADMIN_EMAIL={c.p(P, c.people.email(who, work=True), 'EMAIL_ADDRESS')}")
    if c.rng.random() < 0.4:
        lines.append(
            f"TWILIO_FROM={c.p(P, c.people.phone(who.country, style='e164'), 'PHONE_NUMBER')}"
        )
    c.rng.shuffle(lines)
    fence = c.rng.choice(["```\n", "```env\n", ""])
    body = "\n".join(lines)
    ask = c.rng.choice(ASKS)
    c.chat(
        c.rng.choice(
            [
                f"{ask}\n\n{fence}{body}\n{'```' if fence else ''}",
                f"{fence}{body}\n{'```' if fence else ''}\n{ask}",
            ]
        ),
        f"The database port {port} looks right; check the password encoding in DATABASE_URL.",
    )
    c.k("llm.response", port, "port")


def yaml_config(c: BlindCase) -> None:
    """A Kubernetes or app YAML with an SMTP password, an on-call contact and allow-listed IPs."""
    who = c.people.who()
    image = c.k(P, c.looks.version().lstrip("v"), "version")
    port = c.k(P, c.looks.port(), "port")
    smtp = c.p(P, c.docs.password(), "SECRET")
    email = c.p(P, c.people.email(who, work=True), "EMAIL_ADDRESS")
    ips = [c.p(P, c.people.ip(), "IP_ADDRESS") for _ in range(c.rng.randint(1, 3))]
    allow = "\n".join(f"      - {ip}/32" for ip in ips)
    oncall = ""
    if c.rng.random() < 0.6:
        oncall = (
            f"  oncall:\n    name: {c.p(P, who.full, 'PERSON')}\n"
            f'    phone: "{c.p(P, c.people.phone(who.country), "PHONE_NUMBER")}"\n'
        )
    yaml = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing-api\nspec:\n"
        f"  template:\n    spec:\n      containers:\n        - name: api\n"
        f"          image: registry.lumenpay.io/billing-api:{image}\n"
        f"          ports:\n            - containerPort: {port}\n"
        "          env:\n            - name: SMTP_USER\n"
        f"              value: {email}\n            - name: SMTP_PASSWORD\n"
        f'              value: "{smtp}"\n'
        f"  ingress:\n    allowlist:\n{allow}\n{oncall}"
    )
    ask = c.rng.choice(
        [
            "the pod crashloops after deploy, here is the manifest",
            "Is it ok to keep secrets like this or should I use a Secret object?",
            "lint this yaml pls",
        ]
    )
    c.chat(f"{ask}\n```yaml\n{yaml}```")


def test_fixture(c: BlindCase) -> None:
    """A unit-test fixture copied from production data, in Python or TypeScript."""
    country = c.rng.choice(["us", "gb", "ca", "au", "de", "fr", "nl"])
    who = c.people.who(country)
    born = c.people.born()
    order = c.k(P, c.looks.order_id().lstrip("#"), "order_id")
    amount = c.k(P, f"{c.rng.randint(5, 900)}.{c.rng.randint(0, 99):02d}", "amount")
    street, city = c.people.address(country)
    name = c.p(P, who.full, "PERSON")
    mail = c.p(P, c.people.email(who), "EMAIL_ADDRESS")
    dob = c.p(P, born.isoformat(), "DATE_OF_BIRTH")
    st = c.p(P, street, "STREET_ADDRESS")
    card = c.p(P, c.docs.card().replace(" ", "").replace("-", ""), "CREDIT_CARD")
    if c.rng.random() < 0.5:
        code = (
            "@pytest.fixture\ndef customer():\n    return Customer(\n"
            f'        name="{name}",\n        email="{mail}",\n'
            f'        dob=date.fromisoformat("{dob}"),\n'
            f'        address=Address(line1="{st}", city_line="{city}"),\n'
            f'        card_number="{card}",\n    )\n\n\ndef test_refund(customer):\n'
            f'    order = make_order("{order}", total=Decimal("{amount}"), customer=customer)\n'
            "    assert refund(order).status == 'ok'\n"
        )
        ask = "this test fails with KeyError: 'currency', what am I missing"
    else:
        code = (
            "const customer: Customer = {\n"
            f"  fullName: '{name}',\n  email: '{mail}',\n  birthDate: '{dob}',\n"
            f"  billing: {{ street: '{st}', cityLine: '{city}' }},\n  pan: '{card}',\n}};\n\n"
            f"it('refunds {order}', async () => {{\n"
            f"  const res = await refund('{order}', {amount}, customer);\n"
            "  expect(res.ok).toBe(true);\n});\n"
        )
        ask = "jest says refund is not a function. what did i do wrong"
    c.chat(f"{ask}\n\n{code}")


def log_paste(c: BlindCase) -> None:
    """Application log lines that carry customers' e-mails, IPs and phone numbers."""
    lines = []
    for _ in range(c.rng.randint(3, 6)):
        ts = c.k(P, c.looks.timestamp(), "timestamp")
        rid = c.k(P, c.looks.uuid(), "uuid")
        roll = c.rng.random()
        who = c.people.who()
        if roll < 0.3:
            lines.append(
                f"{ts} INFO  auth.login request_id={rid} "
                f"user={c.p(P, c.people.email(who), 'EMAIL_ADDRESS')} "
                f"ip={c.p(P, c.people.ip(), 'IP_ADDRESS')} result=ok"
            )
        elif roll < 0.5:
            status = c.k(P, c.looks.http_status(), "http_status")
            lines.append(
                f"{c.p(P, c.people.ip(), 'IP_ADDRESS')} - - [{ts}] "
                f'"POST /api/v2/checkout HTTP/1.1" {status} 512 '
                f'"-" "Mozilla/5.0" rid={rid}'
            )
        elif roll < 0.7:
            lines.append(
                f"{ts} WARN  sms.send request_id={rid} "
                f"to={c.p(P, c.people.phone(who.country, style='e164'), 'PHONE_NUMBER')} "
                f"provider_error={c.k(P, c.looks.error_code(), 'error_code')}"
            )
        elif roll < 0.85:
            lines.append(
                f'{{"ts":"{ts}","level":"error","msg":"payment declined","request_id":"{rid}",'
                f'"customer":"{c.p(P, who.full, "PERSON")}",'
                f'"amount":"{c.k(P, c.looks.amount(), "amount")}"}}'
            )
        else:
            lines.append(
                f"{ts} DEBUG profile.update request_id={rid} changed=phone,address "
                f'new_address="{c.p(P, c.people.address(who.country)[0], "STREET_ADDRESS")}"'
            )
    ask = c.rng.choice(
        [
            "Summarise what went wrong in these logs:",
            "why are so many of these failing? logs below",
            "Write a regex to pull request_id out of lines like these",
            "grep output from prod, can u tell me the pattern",
        ]
    )
    c.chat(f"{ask}\n\n" + "\n".join(lines))


def stack_trace(c: BlindCase) -> None:
    """A traceback whose exception message holds a customer's data; line numbers are kept."""
    country = c.rng.choice(["us", "gb", "de", "fr", "es", "it", "nl", "ca"])
    who = c.people.who(country)
    f = "error.message"
    lines = [c.k(f, c.looks.line_number(), "line_number") for _ in range(3)]
    roll = c.rng.random()
    if roll < 0.35:
        street, city = c.people.address(country)
        msg = (
            f"ValueError: address validation failed for customer {c.p(f, who.full, 'PERSON')}: "
            f"'{c.p(f, street, 'STREET_ADDRESS')}, {city}' has no postcode match"
        )
        etype = "ValueError"
    elif roll < 0.65:
        msg = (
            f'IntegrityError: duplicate key value violates unique constraint "users_email_key"\n'
            f"DETAIL:  Key (email)=({c.p(f, c.people.email(who), 'EMAIL_ADDRESS')}) already exists."
        )
        etype = "IntegrityError"
    else:
        born = c.people.born()
        msg = (
            f"pydantic_core.ValidationError: 1 validation error for Patient\nbirth_date\n"
            f"  Input should be a valid date [type=date_from_datetime_parsing, "
            f"input_value='{c.p(f, c.people.date_text(born, country), 'DATE_OF_BIRTH')}', "
            "input_type=str]"
        )
        etype = "ValidationError"
    trace = (
        "Traceback (most recent call last):\n"
        f'  File "/srv/app/api/handlers.py", line {lines[0]}, in post\n'
        "    result = service.save(payload)\n"
        f'  File "/srv/app/services/customer.py", line {lines[1]}, in save\n'
        "    self.repo.insert(record)\n"
        f'  File "/srv/app/db/repo.py", line {lines[2]}, in insert\n    raise\n{msg}'
    )
    c.kind("ERROR", "api.exception", "FAILURE")
    c.event["llm"] = None
    c.event["error"] = {"type": etype, "message": trace}


def trace_in_prompt(c: BlindCase) -> None:
    """A Java or Node stack trace pasted into a prompt, with the customer's data in its message."""
    who = c.people.who(c.rng.choice(["us", "in", "au", "ca", "gb"]))
    ln = [c.k(P, c.looks.line_number(), "line_number") for _ in range(2)]
    version = c.k(P, c.looks.version().lstrip("v"), "version")
    if c.rng.random() < 0.5:
        body = (
            f"java.lang.IllegalStateException: KYC check failed for {c.p(P, who.full, 'PERSON')} "
            f"(ssn={c.p(P, c.docs.ssn(), 'US_SSN')})\n"
            f"\tat com.lumen.kyc.Verifier.verify(Verifier.java:{ln[0]})\n"
            f"\tat com.lumen.kyc.Pipeline.run(Pipeline.java:{ln[1]})\n"
            f"\tat java.base/java.lang.Thread.run(Thread.java:1583)\n(service kyc-core {version})"
        )
    else:
        body = (
            f"Error: Could not send receipt to {c.p(P, c.people.email(who), 'EMAIL_ADDRESS')}: "
            f"card {c.p(P, c.docs.card(), 'CREDIT_CARD')} was declined\n"
            f"    at sendReceipt (/app/dist/mailer.js:{ln[0]}:17)\n"
            "    at process.processTicksAndRejections "
            f"(node:internal/process/task_queues:{ln[1]}:5)\n"
            f"node {version}"
        )
    c.chat(
        c.rng.choice(["what does this mean\n", "Fix this error:\n", "", "prod is down!!! \n"])
        + body
    )


def sql_result(c: BlindCase) -> None:
    """A psql result of customers pasted with the query; ids, timestamps and amounts are kept."""
    country = c.rng.choice(["us", "gb", "de", "fr", "es", "nl", "pl", "se", "in"])
    rows = []
    for _ in range(c.rng.randint(2, 4)):
        who = c.people.who(country)
        rid = c.k(P, c.looks.record_id(), "record_id")
        created = c.k(P, c.looks.moment().strftime("%Y-%m-%d %H:%M:%S"), "timestamp")
        total = c.k(P, f"{c.rng.randint(10, 9000)}.{c.rng.randint(0, 99):02d}", "amount")
        rows.append(
            f" {rid:>7} | {c.p(P, who.full, 'PERSON'):<22} | "
            f"{c.p(P, c.people.email(who), 'EMAIL_ADDRESS'):<32} | "
            f"{c.p(P, c.people.phone(country), 'PHONE_NUMBER'):<18} | {created} | {total}"
        )
    table = (
        "   id    | full_name              | email                            | phone              "
        "| created_at          | lifetime_value\n"
        "---------+------------------------+----------------------------------+--------------------"
        "+---------------------+---------------\n" + "\n".join(rows) + f"\n({len(rows)} rows)"
    )
    query = (
        "SELECT id, full_name, email, phone, created_at, lifetime_value FROM customers "
        "WHERE churned;"
    )
    ask = c.rng.choice(
        [
            "Why does this query return churned customers with a high lifetime value?",
            "Write me an email campaign for these people",
            "how do i dedupe these by email in postgres",
        ]
    )
    c.chat(f"{ask}\n\n{query}\n\n{table}")


def csv_table(c: BlindCase) -> None:
    """A CSV export or markdown table of people pasted into a prompt."""
    country = c.rng.choice(["us", "gb", "au", "ca", "de", "it", "pt", "br", "jp"])
    people = [c.people.who(country) for _ in range(c.rng.randint(2, 4))]
    md = c.rng.random() < 0.5
    head = ["name", "email", "date_of_birth", "city", "plan", "renewal"]
    out = []
    for who in people:
        born = c.people.born()
        row = [
            c.p(P, who.full, "PERSON"),
            c.p(P, c.people.email(who), "EMAIL_ADDRESS"),
            c.p(P, born.isoformat() if md else c.people.date_text(born, country), "DATE_OF_BIRTH"),
            c.people.address(country)[1],
            c.rng.choice(["Pro", "Team", "Free", "Enterprise"]),
            c.k(P, c.looks.business_date("iso"), "business_date"),
        ]
        out.append(row)
    if md:
        text = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n"
        text += "\n".join("| " + " | ".join(r) + " |" for r in out)
    else:
        text = (
            ",".join(head)
            + "\n"
            + "\n".join(",".join(f'"{x}"' if "," in x else x for x in r) for r in out)
        )
    ask = c.rng.choice(
        [
            "Which of these renew next month? Reply as a list.",
            "clean up this csv, the dates are inconsistent",
            "Turn this into SQL INSERT statements for the subscribers table.",
            "count per plan pls",
        ]
    )
    c.chat(f"{ask}\n\n{text}")
