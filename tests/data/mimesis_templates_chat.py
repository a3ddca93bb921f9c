"""Conversational templates of the mimesis set: what users type into LLM apps.

Support chats, HR and recruiting prompts with pasted CVs, clinic intake, e-mail threads
to summarize, casual chats, and RAG queries with retrieved chunks. Written
as traffic looks, without looking at the recognizers: casual typing, names in greetings
and signatures, values where people put them.
"""

from __future__ import annotations

from mimesis_case import MimesisCase

P, R = "llm.prompt", "llm.response"


def support_chat(c: MimesisCase) -> None:
    """A customer writes to a support assistant about an order, a card or an account."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en", "en-gb", "en-ca", "en-au", "de", "fr", "es", "it", "nl", "pl"])
    who = pe.name(loc)
    shape = r.randrange(6)
    if shape == 0:
        order, amount = lk.order_id(), lk.amount()
        prompt = (
            f"hi, my order {c.k(P, order, 'order_id')} still hasnt arrived. paid "
            f"{c.k(P, amount, 'amount')} two weeks ago. can you resend it to "
            f"{c.p(P, pe.street(loc), 'STREET_ADDRESS')}, {pe.city_line(loc)}? "
            f"you can reach me at {c.p(P, pe.phone(loc), 'PHONE_NUMBER')} - "
            f"{c.p(P, who['first'], 'PERSON')}"
        )
        response = (
            f"Sorry for the wait, {c.p(R, who['first'], 'PERSON')}. I've opened a trace on order "
            f"{c.k(R, order, 'order_id')} and will update you within 48 hours."
        )
    elif shape == 1:
        card = pe.card()
        prompt = (
            f"My card {c.p(P, card, 'CREDIT_CARD')} exp {pe.card_expiry()} got charged twice for "
            f"invoice {c.k(P, lk.invoice(), 'invoice_no')} ({c.k(P, lk.amount(), 'amount')}). "
            "Name on card: "
            f"{c.p(P, who['full'].upper() if r.random() < 0.5 else who['full'], 'PERSON')}. "
            "Please refund the duplicate."
        )
        response = (
            "I can see two captures on that invoice. I've asked billing to reverse the second one; "
            "it usually takes 5-7 business days."
        )
    elif shape == 2:
        email = pe.email(who)
        ticket = lk.ticket()
        prompt = (
            f"I can't log in anymore, the reset link goes to {c.p(P, email, 'EMAIL_ADDRESS')} "
            f"but I changed jobs. ticket {c.k(P, ticket, 'record_id')}. my name is "
            f"{c.p(P, who['full'], 'PERSON')}, date of birth "
            f"{c.p(P, pe.birth_text(pe.birth_date(), loc), 'DATE_OF_BIRTH')} if you need to verify"
        )
        response = (
            f"Thanks {c.p(R, who['first'], 'PERSON')}. For security I can't change the e-mail on "
            f"file from chat. I've escalated {c.k(R, ticket, 'record_id')} to the account team."
        )
    elif shape == 3:
        product, city = lk.product(), lk.city(loc)
        prompt = (
            f"do you ship the {c.k(P, product, 'product_name')} to {c.k(P, city, 'place')}? "
            f"and is it in stock, I need {c.k(P, lk.quantity(), 'quantity')} units by "
            f"{c.k(P, lk.business_date(loc), 'business_date')}"
        )
        response = (
            f"Yes, we deliver to {c.k(R, city, 'place')}. The {c.k(R, product, 'product_name')} "
            "is in stock at our regional warehouse."
        )
    elif shape == 4:
        iban = c.docs.iban()
        prompt = (
            f"Hello, please send the refund for {c.k(P, lk.order_id(), 'order_id')} to my account "
            f"{c.p(P, iban, 'IBAN_CODE')} (holder {c.p(P, who['full'], 'PERSON')}). "
            f"Thanks,\n{c.p(P, who['first'], 'PERSON')}"
        )
        response = "Refunds go back to the original payment method, but I've noted the account."
    else:
        email, phone = pe.email(who), pe.phone(loc)
        prompt = (
            f"update my contact details pls: new email {c.p(P, email, 'EMAIL_ADDRESS')}, mobile "
            f"{c.p(P, phone, 'PHONE_NUMBER')}. account holder "
            f"{c.p(P, who['full'].lower() if r.random() < 0.4 else who['full'], 'PERSON')}"
        )
        response = (
            f"Done - your profile now shows {c.p(R, email, 'EMAIL_ADDRESS')}. "
            "You'll get a confirmation text shortly."
        )
    c.chat(
        prompt,
        response,
        prompt_template="support_v4",
        prompt_version=c.k("llm.prompt_version", lk.version(), "version"),
    )


def hr_recruiting(c: MimesisCase) -> None:
    """A recruiter pastes a CV or writes about a candidate or an employee."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(
        ["en", "en-gb", "de", "fr", "es", "it", "nl", "pl", "pt-br", "sv", "tr", "ja", "zh"]
    )
    who = pe.name(loc)
    born = pe.birth_date(1962, 2003)
    shape = r.randrange(4)
    c.event["service"]["name"] = "hr-copilot"
    if shape == 0:
        uni = c.people.pools.person[loc].university()
        lines = [
            "Summarize this CV in 5 bullet points and rate fit for the Senior Data Engineer role:",
            "",
            c.p(P, who["full"], "PERSON"),
            c.p(P, pe.street(loc), "STREET_ADDRESS") + ", " + pe.city_line(loc),
            f"Tel: {c.p(P, pe.phone(loc), 'PHONE_NUMBER')} | "
            f"{c.p(P, pe.email(who), 'EMAIL_ADDRESS')}",
            f"Date of birth: {c.p(P, pe.birth_text(born, loc), 'DATE_OF_BIRTH')}",
            "",
            "EXPERIENCE",
            f"2019-now  Data Engineer, {c.k(P, lk.company(), 'company')}",
            "          Spark, Airflow, dbt; cut nightly batch from 6h to 40min",
            f"2015-2019 BI Developer, {c.k(P, lk.company(), 'company')}",
            "EDUCATION",
            f"MSc Computer Science, {uni}",
        ]
        prompt = "\n".join(lines)
        response = (
            f"- {c.p(R, who['first'], 'PERSON')} has 9+ years in data engineering\n"
            "- Strong on Spark/Airflow\n- Fit: 4/5"
        )
    elif shape == 1:
        age = str(pe.age_on(born))
        prompt = (
            f"write a rejection email to {c.p(P, who['full'], 'PERSON')} "
            f"({c.p(P, pe.email(who), 'EMAIL_ADDRESS')}), {c.p(P, age, 'AGE')} years old, applied "
            f"for req {c.k(P, lk.ticket(), 'record_id')}. keep it warm, mention we keep the CV "
            "for 6 months"
        )
        response = (
            f"Dear {c.p(R, who['full'], 'PERSON')},\n\nThank you for your interest in joining us..."
        )
    elif shape == 2:
        mgr = pe.name(loc)
        salary = lk.amount()
        prompt = (
            f"Draft an offer letter. Candidate: {c.p(P, who['full'], 'PERSON')}, start date "
            f"{c.k(P, lk.business_date(loc), 'business_date')}, base salary "
            f"{c.k(P, salary, 'amount')}/month, reports to {c.p(P, mgr['full'], 'PERSON')}. "
            f"Home address for the letter: {c.p(P, pe.street(loc), 'STREET_ADDRESS')}, "
            f"{pe.city_line(loc)}."
        )
        response = f"Dear {c.p(R, who['first'], 'PERSON')},\n\nWe are delighted to offer you..."
    else:
        nid, name = c.docs.national_id(loc, born)
        entity = "US_SSN" if name == "SSN" else "NATIONAL_ID"
        iban_part = ""
        if r.random() < 0.6:
            iban_part = f", salary account {c.p(P, c.docs.iban(), 'IBAN_CODE')}"
        prompt = (
            f"Onboarding checklist for {c.p(P, who['full'], 'PERSON')}: payroll needs the "
            f"{name} {c.p(P, nid, entity)}, born "
            f"{c.p(P, pe.birth_text(born, loc), 'DATE_OF_BIRTH')}"
            f"{iban_part}. "
            f"Laptop: {c.k(P, lk.product(), 'product_name')}. What else is missing?"
        )
        response = (
            "Missing items: signed contract, bank details, emergency contact, "
            "equipment policy acknowledgement."
        )
    c.chat(prompt, response, prompt_template="hr_assistant")


def medical_intake(c: MimesisCase) -> None:
    """A clinic's intake assistant gets a patient's details and complaint."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en", "en-gb", "de", "fr", "es", "it", "nl", "pt-br", "en-au"])
    who = pe.name(loc)
    born = pe.birth_date(1935, 2010)
    age = str(pe.age_on(born))
    c.event["service"]["name"] = "clinic-intake"
    shape = r.randrange(3)
    if shape == 0:
        prompt = (
            "Create a triage summary.\n"
            f"Patient: {c.p(P, who['full'], 'PERSON')}\n"
            f"DOB: {c.p(P, pe.birth_text(born, loc), 'DATE_OF_BIRTH')}\n"
            f"Phone: {c.p(P, pe.phone(loc), 'PHONE_NUMBER')}\n"
            f"Complaint: chest tightness for 3 days, worse on stairs. BP "
            f"{r.randint(120, 170)}/{r.randint(70, 100)}.\n"
            f"Appointment: {c.k(P, lk.business_date(loc), 'business_date')}"
        )
        response = f"Triage: {c.p(R, who['full'], 'PERSON')}, possible angina; priority 2."
    elif shape == 1:
        gender = r.choice(["female", "male", "F", "M"])
        prompt = (
            f"{c.p(P, age, 'AGE')} y/o {gender}, {c.p(P, who['full'], 'PERSON')}, presents with "
            "persistent cough and low fever since "
            f"{c.k(P, lk.business_date(loc), 'business_date')}. "
            f"Insurance member id {c.k(P, lk.ticket(), 'record_id')}. Suggest differential."
        )
        response = "Differential: viral bronchitis, atypical pneumonia, pertussis. Consider CXR."
    else:
        kin = pe.name(loc)
        born = pe.birth_date(1930, 1962)
        age = str(pe.age_on(born))
        parent, pronoun = ("mum", "she") if who["sex"] == "f" else ("dad", "he")
        prompt = (
            f"hi, i'm booking for my {parent} {c.p(P, who['full'], 'PERSON')}, {pronoun} is "
            f"{c.p(P, age, 'AGE')} and has trouble walking. we live at "
            f"{c.p(P, pe.street(loc), 'STREET_ADDRESS')}. can a doctor come to the house? my "
            "number "
            f"is {c.p(P, pe.phone(loc), 'PHONE_NUMBER')}, {c.p(P, kin['first'], 'PERSON')}"
        )
        response = (
            f"Hi {c.p(R, kin['first'], 'PERSON')}, home visits are available. A nurse will call "
            "you "
            "to arrange a time."
        )
    c.chat(prompt, response, prompt_template="intake_triage")


def email_thread(c: MimesisCase) -> None:
    """A user pastes an e-mail thread with headers and signatures and asks for a summary."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "nl", "es", "en-ca"])
    sender, rcpt = pe.name(loc), pe.name(loc)
    s_mail, r_mail = pe.email(sender, work=True), pe.email(rcpt, work=r.random() < 0.5)
    c.event["service"]["name"] = "mail-summarizer"
    when = lk.timestamp()
    invoice = lk.invoice()
    sig_phone = pe.phone(loc)
    thread = (
        "Summarize this thread and draft a reply:\n\n"
        f"From: {c.p(P, sender['full'], 'PERSON')} <{c.p(P, s_mail, 'EMAIL_ADDRESS')}>\n"
        f"To: {c.p(P, r_mail, 'EMAIL_ADDRESS')}\n"
        f"Date: {c.k(P, when, 'timestamp')}\n"
        f"Subject: Re: overdue invoice {c.k(P, invoice, 'invoice_no')}\n\n"
        f"Hi {c.p(P, rcpt['first'], 'PERSON')},\n\n"
        f"following up on {invoice} for {c.k(P, lk.amount(), 'amount')} - it was due on "
        f"{c.k(P, lk.business_date(loc), 'business_date')}. Could you confirm a payment date?\n\n"
        "Best regards,\n"
        f"{c.p(P, sender['full'], 'PERSON')}\n"
        f"Accounts Receivable | {c.k(P, lk.company(), 'company')}\n"
        f"M: {c.p(P, sig_phone, 'PHONE_NUMBER')}\n"
    )
    if r.random() < 0.5:
        thread += (
            f"\n> On {c.k(P, when, 'timestamp')}, {c.p(P, rcpt['full'], 'PERSON')} wrote:\n"
            "> We will pay after the PO is approved.\n"
        )
    response = (
        f"{c.p(R, sender['first'], 'PERSON')} asks for a payment date for "
        f"{c.k(R, invoice, 'invoice_no')}. Draft: 'Hi {c.p(R, sender['first'], 'PERSON')}, "
        "we expect to pay by...'"
    )
    c.chat(thread, response)


def casual_chat(c: MimesisCase) -> None:
    """Lower-case, hurried typing with names, ages and contacts in passing."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en", "en-gb", "en-au", "en-ca"])
    who, friend = pe.name(r.choice(["en", "en-gb", "es", "it", "pl", "tr", "de"])), pe.name(loc)
    born = pe.birth_date(1950, 2008)
    age = str(pe.age_on(born))
    shape = r.randrange(4)
    first = who["first"].lower()
    if shape == 0:
        prompt = (
            f"write a bday message for {c.p(P, first, 'PERSON')} "
            f"{'shes' if who['sex'] == 'f' else 'hes'} turning "
            f"{c.p(P, age, 'AGE')} on saturday, we met at uni. sign it from "
            f"{c.p(P, friend['first'], 'PERSON')}"
        )
        response = f"Happy birthday, {c.p(R, who['first'], 'PERSON')}! ..."
    elif shape == 1:
        prompt = (
            f"my landlord {c.p(P, who['full'].lower(), 'PERSON')} wont return the deposit. "
            f"{'she' if who['sex'] == 'f' else 'he'} lives at "
            f"{c.p(P, pe.street(loc).lower(), 'STREET_ADDRESS')}. how do i write a letter "
            "before action"
        )
        response = "Here's a template letter before action you can adapt..."
    elif shape == 2:
        prompt = (
            f"text {c.p(P, who['first'], 'PERSON')} at {c.p(P, pe.phone(loc), 'PHONE_NUMBER')} "
            f"that the meeting moved to {c.k(P, lk.business_date(loc), 'business_date')} 3pm, room "
            f"{c.k(P, lk.quantity(), 'quantity')}"
        )
        response = f"Sent to {c.p(R, who['first'], 'PERSON')}: 'Hi! The meeting moved...'"
    else:
        prompt = (
            f"im {c.p(P, age, 'AGE')} and my doctor says my cholesterol is high. what should i "
            "eat? "
            f"(asking for myself, {c.p(P, friend['full'], 'PERSON')})"
        )
        response = "A diet rich in oats, legumes, nuts and fatty fish can help lower LDL..."
    c.chat(prompt, response)


def rag_query(c: MimesisCase) -> None:
    """A RAG query whose retrieved chunks carry personal data into the prompt."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "nl", "pl", "it"])
    c.kind("RAG_QUERY", "rag.retrieve_and_answer")
    c.event["service"]["name"] = "docs-rag"
    people = [pe.name(loc) for _ in range(r.randint(1, 3))]
    chunks = []
    for i, who in enumerate(people):
        shape = r.randrange(3)
        if shape == 0:
            chunks.append(
                f"[doc {i + 1}] Tenant file: {c.p(P, who['full'], 'PERSON')}, lease from "
                f"{c.k(P, lk.business_date(loc), 'business_date')}, unit at "
                f"{c.p(P, pe.street(loc), 'STREET_ADDRESS')}; contact "
                f"{c.p(P, pe.phone(loc), 'PHONE_NUMBER')}"
            )
        elif shape == 1:
            chunks.append(
                f"[doc {i + 1}] Meeting notes ({c.k(P, lk.business_date(loc), 'business_date')}): "
                f"{c.p(P, who['full'], 'PERSON')} "
                f"({c.p(P, pe.email(who, work=True), 'EMAIL_ADDRESS')}) "
                f"owns the migration to {c.k(P, lk.version(), 'version')}."
            )
        else:
            chunks.append(
                f"[doc {i + 1}] Employee record - name: {c.p(P, who['full'], 'PERSON')}; birth "
                "date: "
                f"{c.p(P, pe.birth_text(pe.birth_date(), loc), 'DATE_OF_BIRTH')}; cost center "
                f"{c.k(P, lk.ticket(), 'record_id')}"
            )
    question = r.choice(
        ["who owns the lease renewals?", "Summarize what we know about this person.",
         "what is the contact for the migration?", "list the people mentioned and their roles"]
    )  # fmt: skip
    prompt = (
        "Answer using only the context.\n\nContext:\n"
        + "\n".join(chunks)
        + f"\n\nQuestion: {question}"
    )
    lead = people[0]
    response = f"According to the context, {c.p(R, lead['full'], 'PERSON')} is responsible."
    c.chat(prompt, response, prompt_template="rag_answer_v2")
    for i in range(len(people)):
        doc_id = lk.uuid()
        c.event["rag_documents"].append(
            {"id": c.k(f"rag_documents[{i}].id", doc_id, "uuid"),
             "source": f"s3://kb-prod/{r.choice(['hr', 'leases', 'notes'])}/{doc_id[:8]}.md",
             "score": round(r.uniform(0.55, 0.93), 4)}
        )  # fmt: skip
    if r.random() < 0.4:
        surname = people[0]["last"]
        c.event["rag_documents"][0]["source"] = (
            f"sharepoint://HR/Personnel/{c.p('rag_documents[0].source', surname, 'PERSON')}"
            f"_contract_{r.randint(2019, 2026)}.pdf"
        )
