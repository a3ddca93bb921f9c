"""Templates of the mimesis set in other languages and for travel: local formats of each country.

Prompts in German, French, Spanish, Italian, Dutch, Polish, Portuguese, Turkish, Russian,
Japanese, Chinese and Korean with the country's address, phone and date shapes, and travel
bookings with passports, licences and cards. Written as traffic looks, without looking at
the recognizers.
"""

# Prompts in other scripts are written with their own letters and punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

from mimesis_case import MimesisCase

P, R = "llm.prompt", "llm.response"


def multilingual(c: MimesisCase) -> None:
    """A prompt in German, French, Spanish, Italian, Dutch, Polish or Portuguese."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(
        ["de", "de-at", "de-ch", "fr", "es", "es-mx", "it", "nl", "pl", "pt-br", "tr",
         "ru", "ja", "zh", "ko"]
    )  # fmt: skip
    who = pe.name(loc)
    born = pe.birth_date()
    street, phone, email = pe.street(loc), pe.phone(loc), pe.email(who)
    dob = pe.birth_text(born, loc)
    city_line = pe.city_line(loc)
    order = lk.order_id()
    lang = loc.split("-")[0]
    if lang == "de":
        prompt = (
            f"Bitte formuliere eine Kündigung für meinen Handyvertrag (Kundennummer "
            f"{c.k(P, lk.ticket(), 'record_id')}). Absender: {c.p(P, who['full'], 'PERSON')}, "
            f"{c.p(P, street, 'STREET_ADDRESS')}, {city_line}, geb. "
            f"{c.p(P, dob, 'DATE_OF_BIRTH')}, "
            f"Tel. {c.p(P, phone, 'PHONE_NUMBER')}. Kündigung zum "
            f"{c.k(P, lk.business_date(loc), 'business_date')}."
        )
        response = (
            "Sehr geehrte Damen und Herren,\n\nhiermit kündige ich, "
            f"{c.p(R, who['full'], 'PERSON')}, ..."
        )
    elif lang == "fr":
        prompt = (
            f"Bonjour, je m'appelle {c.p(P, who['full'], 'PERSON')}, né le "
            f"{c.p(P, dob, 'DATE_OF_BIRTH')}. Ma commande {c.k(P, order, 'order_id')} n'est jamais "
            f"arrivée au {c.p(P, street, 'STREET_ADDRESS')}, {city_line}. Vous pouvez me "
            "joindre au "
            f"{c.p(P, phone, 'PHONE_NUMBER')} ou {c.p(P, email, 'EMAIL_ADDRESS')}. Merci de "
            "m'aider "
            "à écrire une réclamation."
        )
        response = "Madame, Monsieur,\n\nJe vous écris au sujet de la commande " + c.k(
            R, order, "order_id"
        )
    elif lang == "es":
        prompt = (
            f"hola! necesito cambiar la dirección de envío del pedido {c.k(P, order, 'order_id')}. "
            f"nueva dirección: {c.p(P, street, 'STREET_ADDRESS')}, {city_line}. a nombre de "
            f"{c.p(P, who['full'], 'PERSON')}, tel {c.p(P, phone, 'PHONE_NUMBER')}. fecha de "
            f"nacimiento {c.p(P, dob, 'DATE_OF_BIRTH')} por si la piden"
        )
        response = (
            f"¡Hola {c.p(R, who['first'], 'PERSON')}! He actualizado la dirección del pedido."
        )
    elif lang == "it":
        prompt = (
            f"Scrivi una email al condominio: sono {c.p(P, who['full'], 'PERSON')}, abito in "
            f"{c.p(P, street, 'STREET_ADDRESS')} e segnalo una perdita d'acqua dal "
            f"{c.k(P, lk.business_date(loc), 'business_date')}. Cellulare "
            f"{c.p(P, phone, 'PHONE_NUMBER')}."
        )
        response = "Gentile amministratore,\n\ncon la presente segnalo una perdita d'acqua..."
    elif lang == "nl":
        prompt = (
            f"Kun je deze gegevens in een formulier zetten? Naam: {c.p(P, who['full'], 'PERSON')}; "
            f"adres: {c.p(P, street, 'STREET_ADDRESS')}, {city_line}; geboortedatum: "
            f"{c.p(P, dob, 'DATE_OF_BIRTH')}; e-mail: {c.p(P, email, 'EMAIL_ADDRESS')}"
        )
        response = "Naam: [ingevuld]\nAdres: [ingevuld]\nGeboortedatum: [ingevuld]"
    elif lang == "pl":
        prompt = (
            f"Napisz reklamację do sklepu. Zamówienie {c.k(P, order, 'order_id')}, kwota "
            f"{c.k(P, lk.amount(), 'amount')}. Dane: {c.p(P, who['full'], 'PERSON')}, "
            f"{c.p(P, street, 'STREET_ADDRESS')}, {city_line}, tel. {c.p(P, phone, 'PHONE_NUMBER')}"
        )
        response = "Szanowni Państwo,\n\nniniejszym składam reklamację zamówienia " + c.k(
            R, order, "order_id"
        )
    elif lang == "pt":
        nid, _ = c.docs.national_id("pt-br", born)
        prompt = (
            "oi, quero emitir a segunda via do boleto. meu nome é "
            f"{c.p(P, who['full'], 'PERSON')}, "
            f"CPF {c.p(P, nid, 'NATIONAL_ID')}, celular {c.p(P, phone, 'PHONE_NUMBER')}"
        )
        response = f"Olá, {c.p(R, who['first'], 'PERSON')}! A segunda via foi enviada por e-mail."
    elif lang == "ru":
        prompt = (
            f"Составь заявление на отпуск. Сотрудник: {c.p(P, who['full'], 'PERSON')}, "
            f"дата рождения {c.p(P, dob, 'DATE_OF_BIRTH')}, телефон "
            f"{c.p(P, phone, 'PHONE_NUMBER')}, "
            f"отпуск с {c.k(P, lk.business_date(loc), 'business_date')} на 14 дней."
        )
        response = "Генеральному директору\nЗаявление\nПрошу предоставить мне ежегодный отпуск..."
    elif lang == "ja":
        prompt = (
            "以下の内容で配送先変更のメールを作成してください。"
            f"氏名：{c.p(P, who['full'], 'PERSON')}、"
            f"住所：{c.p(P, street, 'STREET_ADDRESS')}、電話番号：{c.p(P, phone, 'PHONE_NUMBER')}、"
            f"注文番号：{c.k(P, order, 'order_id')}"
        )
        response = (
            f"件名：配送先変更のお願い（注文番号 {c.k(R, order, 'order_id')}）\n\n"
            "お世話になっております。"
        )
    elif lang == "zh":
        prompt = (
            "帮我写一封投诉信，商品一直没有送到。"
            f"姓名：{c.p(P, who['full'], 'PERSON')}，电话：{c.p(P, phone, 'PHONE_NUMBER')}，"
            f"地址：{c.p(P, street, 'STREET_ADDRESS')}，订单号：{c.k(P, order, 'order_id')}。"
        )
        response = "尊敬的客服：\n\n您好！我于上月下单的商品至今未收到……"
    elif lang == "ko":
        prompt = (
            f"이력서 요약 부탁해요. 이름: {c.p(P, who['full'], 'PERSON')}, 생년월일: "
            f"{c.p(P, dob, 'DATE_OF_BIRTH')}, 연락처: {c.p(P, phone, 'PHONE_NUMBER')}, 이메일: "
            f"{c.p(P, email, 'EMAIL_ADDRESS')}. 경력 7년 백엔드 개발자."
        )
        response = "요약: 7년 경력의 백엔드 개발자로, 대규모 트래픽 서비스 경험이 있습니다."
    else:
        nid, _ = c.docs.national_id("tr", born)
        prompt = (
            f"Merhaba, {c.p(P, who['full'], 'PERSON')} adına fatura itirazı yazar mısın? "
            f"TC kimlik no {c.p(P, nid, 'NATIONAL_ID')}, adres {c.p(P, street, 'STREET_ADDRESS')}, "
            f"telefon {c.p(P, phone, 'PHONE_NUMBER')}."
        )
        response = "Sayın Yetkili,\n\nAşağıda bilgileri bulunan faturaya itiraz ediyorum..."
    c.chat(prompt, response, prompt_template=f"assistant_{lang}")


def travel_booking(c: MimesisCase) -> None:
    """A travel assistant books or changes a trip with passenger documents."""
    r, pe, lk = c.rng, c.people, c.looks
    loc = r.choice(["en", "en-gb", "de", "fr", "es", "it", "nl", "pl", "ja", "ko", "zh", "pt-br"])
    who = pe.name(loc)
    born = pe.birth_date(1945, 2008)
    passport, country = c.docs.passport(loc)
    city = lk.city(r.choice(["en", "en-gb", "de", "fr", "es", "it"]))
    booking = f"{r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{r.randint(10000, 99999)}{r.choice('XYZQ')}"
    shape = r.randrange(3)
    if shape == 0:
        prompt = (
            f"Book 2 nights in {c.k(P, city, 'place')} from "
            f"{c.k(P, lk.business_date(loc), 'business_date')}. Guest: "
            f"{c.p(P, who['full'], 'PERSON')}, "
            f"passport {c.p(P, passport, 'PASSPORT')}, nationality {country}, date of birth "
            f"{c.p(P, pe.birth_text(born, loc), 'DATE_OF_BIRTH')}. Budget "
            f"{c.k(P, lk.amount(), 'amount')}"
            " per night."
        )
        response = (
            f"I found three hotels in {c.k(R, city, 'place')} within budget. Shall I reserve "
            "the first one?"
        )
    elif shape == 1:
        prompt = (
            f"change my flight, booking ref {c.k(P, booking, 'booking_ref')}, to the "
            f"{c.k(P, lk.business_date(loc), 'business_date')}. passenger "
            f"{c.p(P, who['full'], 'PERSON')}, mobile {c.p(P, pe.phone(loc), 'PHONE_NUMBER')}, "
            f"email {c.p(P, pe.email(who), 'EMAIL_ADDRESS')}"
        )
        response = f"Booking {c.k(R, booking, 'booking_ref')} can be moved for a fare difference."
    else:
        card = pe.card()
        dl, issuer = c.docs.driver_license(who, born)
        prompt = (
            f"Reserve a car at {c.k(P, city, 'place')} airport for "
            f"{c.p(P, who['full'], 'PERSON')}. "
            f"Driving licence {c.p(P, dl, 'DRIVER_LICENSE')} issued in {issuer}. Pay with "
            f"{c.p(P, card, 'CREDIT_CARD')}, exp {pe.card_expiry()}."
        )
        response = f"Reserved a compact car at {city} airport; confirmation {lk.order_id()}."
    c.chat(prompt, response, prompt_template="travel_agent_v1")
