"""People talking: e-mails with signatures, forwarded headers, sloppy chat, call transcripts.

Also English as written in the UK, India, Australia and Canada, with their own ids, phone
and address shapes, and product questions that only carry look-alikes. Written from how
such traffic looks, without reading the recognizers or the other sets' templates.
"""

from __future__ import annotations

from blind_case import BlindCase

P = "llm.prompt"
TITLES = [
    "Head of Procurement", "Senior Accountant", "Customer Success Manager", "CTO",
    "Office Manager", "Claims Handler", "Account Executive", "HR Business Partner",
]  # fmt: skip


def email_signature(c: BlindCase) -> None:
    """An e-mail pasted for a reply draft, ending in a full signature block."""
    country = c.rng.choice(["us", "gb", "au", "ca", "in", "de", "nl", "fr"])
    who = c.people.who(country)
    street, city = c.people.address(country)
    company = c.k(P, c.looks.company(), "company")
    inv = c.k(P, c.looks.invoice_no(), "invoice_no")
    due = c.k(P, c.looks.business_date(), "business_date")
    body = c.rng.choice(
        [
            f"Hi team,\n\nInvoice {inv} is still showing as unpaid on our side although it was "
            f"due {due}. "
            "Could you check and confirm?\n",
            f"Hello,\n\nwe would like to extend our contract before {due}. Please send the "
            "revised quote "
            f"referencing {inv}.\n",
        ]
    )
    sig = [c.rng.choice(["Best regards,", "Kind regards", "Cheers,", "Thanks,", "--"])]
    sig.append(c.p(P, who.full, "PERSON"))
    sig.append(f"{c.rng.choice(TITLES)} | {company}")
    if c.rng.random() < 0.7:
        sig.append(f"{c.p(P, street, 'STREET_ADDRESS')}, {city}")
    label = c.rng.choice(["T:", "Tel.", "Phone:", "M:", "Mobile:", "Direct:"])
    sig.append(f"{label} {c.p(P, c.people.phone(country), 'PHONE_NUMBER')}")
    if c.rng.random() < 0.6:
        sig.append(c.p(P, c.people.email(who, work=True), "EMAIL_ADDRESS"))
    email = body + "\n" + "\n".join(sig)
    ask = c.rng.choice(
        [
            "Draft a polite reply to this email:",
            "Summarise this and tell me what they want",
            "reply saying we'll look into it by friday",
        ]
    )
    c.event["service"]["name"] = "mail-triage"
    c.chat(f'{ask}\n\n"""\n{email}\n"""')


def forwarded_headers(c: BlindCase) -> None:
    """A forwarded message with its From/To/Cc headers and a ticket number."""
    country = c.rng.choice(["us", "gb", "de", "es", "it", "in", "au"])
    sender, to = c.people.who(country), c.people.who(country)
    sent = c.looks.moment()
    date_line = c.k(P, sent.strftime("%a, %d %b %Y at %H:%M"), "timestamp")
    ticket = c.k(P, c.looks.ticket_id(), "ticket_id")
    s_mail = c.p(P, c.people.email(sender), "EMAIL_ADDRESS")
    t_mail = c.p(P, c.people.email(to, work=True), "EMAIL_ADDRESS")
    cc = ""
    if c.rng.random() < 0.5:
        other = c.people.who(country)
        other_mail = c.p(P, c.people.email(other), "EMAIL_ADDRESS")
        cc = f"Cc: {c.p(P, other.full, 'PERSON')} <{other_mail}>\n"
    header = (
        "---------- Forwarded message ---------\n"
        f"From: {c.p(P, sender.full, 'PERSON')} <{s_mail}>\n"
        f"Date: {date_line}\n"
        f"Subject: Re: [{ticket}] refund still not received\n"
        f"To: {c.p(P, to.full, 'PERSON')} <{t_mail}>\n{cc}"
    )
    roll = c.rng.random()
    if roll < 0.4:
        phone = c.p(P, c.people.phone(country), "PHONE_NUMBER")
        body = (
            f"\nI have been waiting three weeks. My number is {phone} if someone could call me.\n"
        )
    elif roll < 0.7:
        account = c.p(P, c.docs.iban(), "IBAN_CODE")
        body = f"\nPlease refund to the card I used, or to my IBAN {account}.\n"
    else:
        body = "\nThis is the third time I write. Escalate please.\n"
    ask = c.rng.choice(
        ["fyi - can you classify urgency?", "Classify this ticket.", "who should handle this"]
    )
    c.chat(f"{ask}\n\n{header}{body}")


def sloppy_chat(c: BlindCase) -> None:
    """Lower-case support chat with typos and no punctuation."""
    country = c.rng.choice(["us", "gb", "au", "ca", "in"])
    who = c.people.who(country)
    first, full = who.first.lower(), who.full.lower()
    order = c.looks.order_id()
    roll = c.rng.random()
    if roll < 0.45 or roll >= 0.9:
        c.k(P, order, "order_id")
    if roll < 0.25:
        text = (
            f"hi its {c.p(P, full, 'PERSON')} again my order {order} never came "
            f"can u send to {c.p(P, c.people.address(country)[0].lower(), 'STREET_ADDRESS')} "
            "instead thx"
        )
    elif roll < 0.45:
        text = (
            f"ok so my cc is {c.p(P, c.docs.card(), 'CREDIT_CARD')} "
            f"exp {c.rng.randint(1, 12):02d}/{c.rng.randint(27, 31)} "
            f"pls just charge it for {order} im in a hurry"
        )
    elif roll < 0.6:
        born = c.people.born()
        text = (
            f"u need my dob?? its {c.p(P, c.people.date_text(born, country), 'DATE_OF_BIRTH')} "
            f"and the acct is under {c.p(P, first, 'PERSON')} not my husbands name"
        )
    elif roll < 0.75:
        text = (
            f"call me back on {c.p(P, c.people.phone(country), 'PHONE_NUMBER')} or email "
            f"{c.p(P, c.people.email(who), 'EMAIL_ADDRESS')} idc which lol"
        )
    elif roll < 0.9:
        text = (
            f"this is {c.p(P, first, 'PERSON')} i forgot my password and the reset goes to my old "
            f"email {c.p(P, c.people.email(who), 'EMAIL_ADDRESS')} which i cant access anymore"
        )
    else:
        born = c.people.born(1950, 2000)
        age = str(c.people.age(born))
        text = (
            f"my mum is {c.p(P, age, 'AGE')} and cant use the app can i order {order} for her "
            f"her name is {c.p(P, c.people.who(country).full.lower(), 'PERSON')}"
        )
    c.event["service"]["name"] = "support-bot"
    c.chat(text, c.rng.choice(["Sorry to hear that! Let me check.", "Thanks, I've noted that."]))


def call_transcript(c: BlindCase) -> None:
    """A call-centre transcript from speech-to-text, speaker-tagged, numbers as digits."""
    country = c.rng.choice(["us", "gb", "au", "in", "ca"])
    who = c.people.who(country)
    born = c.people.born()
    street, city = c.people.address(country)
    ref = c.k(P, c.looks.ticket_id(), "ticket_id")
    agent = c.rng.choice(["Agent", "AGENT", "Speaker 1", "Rep"])
    caller = c.rng.choice(["Caller", "CUSTOMER", "Speaker 2", "Cust"])
    turns = [
        f"{agent}: thank you for calling, my name is Sam, can I take your full name please",
        f"{caller}: yeah it's {c.p(P, who.full, 'PERSON')}",
        f"{agent}: and for security your date of birth",
        f"{caller}: {c.p(P, c.people.date_text(born, country), 'DATE_OF_BIRTH')}",
    ]
    if c.rng.random() < 0.6:
        turns += [
            f"{agent}: and the first line of the address",
            f"{caller}: {c.p(P, street, 'STREET_ADDRESS')} um {city}",
        ]
    if c.rng.random() < 0.5:
        turns += [
            f"{agent}: is {c.p(P, c.people.phone(country), 'PHONE_NUMBER')} still the best number",
            f"{caller}: yes that's my mobile",
        ]
    if c.rng.random() < 0.4:
        turns += [
            f"{caller}: can you take the payment now the card is "
            f"{c.p(P, c.docs.card(), 'CREDIT_CARD')}",
            f"{agent}: sorry I'm not allowed to take card details on this line",
        ]
    turns.append(f"{agent}: okay I've logged that under reference {ref}")
    c.event["service"]["name"] = "voice-summarizer"
    c.chat(
        c.rng.choice(["Summarise this call for the CRM:\n", "Extract action items.\n", ""])
        + "\n".join(turns)
    )


def english_variants(c: BlindCase) -> None:
    """Support messages in UK, Indian, Australian and Canadian English with local ids."""
    country = c.rng.choice(["gb", "in", "au", "ca"])
    who = c.people.who(country)
    born = c.people.born()
    id_name, id_value = c.docs.national_id(country, who, born)
    street, city = c.people.address(country)
    name = c.p(P, who.full, "PERSON")
    nid = c.p(P, id_value, "NATIONAL_ID")
    dob = c.p(P, c.people.date_text(born, country), "DATE_OF_BIRTH")
    phone = c.p(P, c.people.phone(country), "PHONE_NUMBER")
    st = c.p(P, street, "STREET_ADDRESS")
    if country == "gb":
        text = (
            f"Hiya, I'm trying to update my payroll details. Name's {name}, NI number {nid}, "
            f"born {dob}. I've moved to {st}, {city} - cheers. Ring me on {phone} if needed."
        )
    elif country == "in":
        text = (
            f"Dear Sir/Madam, kindly update my KYC. Name: {name}, {id_name}: {nid}, DOB {dob}. "
            f"Address: {st}, {city}. Mobile {phone}. Please do the needful."
        )
    elif country == "au":
        text = (
            f"G'day, need to lodge my details for super. {name}, TFN {nid}, DOB {dob}, "
            f"living at {st} {city}. Best contact is {phone}. Ta."
        )
    else:
        text = (
            f"Hello, I need to update my file for the T4 slip, eh. {name}, SIN {nid}, born {dob}. "
            f"New address {st}, {city}, phone {phone}. Thanks!"
        )
    c.chat(text)


def product_question(c: BlindCase) -> None:
    """Product questions with cities, models, prices and dates that belong to nobody."""
    city = c.k(P, c.looks.city(), "place")
    product = c.looks.product()
    price = c.k(P, c.looks.amount(), "amount")
    roll = c.rng.random()
    if roll < 0.8:
        c.k(P, product, "product_name")
    if roll < 0.3:
        text = f"is the {product} in stock at the {city} store? online it says {price}"
    elif roll < 0.55:
        date = c.k(P, c.looks.business_date(), "business_date")
        text = (
            f"Will a {product} ordered today reach {city} before {date}? "
            f"I see {price} with express shipping."
        )
    elif roll < 0.8:
        order = c.k(P, c.looks.order_id(), "order_id")
        qty = c.k(P, c.looks.quantity(), "quantity")
        text = (
            f"I ordered {qty} x {product} ({order}) for our {city} office, total {price}. "
            f"Can I get a VAT invoice?"
        )
    else:
        model = c.k(P, c.looks.llm_model(), "model_name")
        company = c.k(P, c.looks.company(), "company")
        text = (
            f"Compare {model} with what {company} uses for their {city} support desk; "
            f"budget is {price} a month"
        )
    if c.rng.random() < 0.35:
        who = c.people.who()
        text += f" - {c.p(P, c.people.email(who), 'EMAIL_ADDRESS')}"
    c.chat(text)
