# ruff: noqa: RUF001, RUF003 - Japanese forms write the full-width colon
"""Prompts in German, French, Spanish, Italian, Dutch, Portuguese, Polish, Swedish and Japanese.

Each with its country's phone, address, id and date conventions: a Steuer-ID and a
``Straße 12, 10115 Berlin`` line, a NIR, a DNI, a codice fiscale, a BSN, a CPF, a PESEL,
a personnummer, a マイナンバー. Written from how such messages look, without reading the
recognizers or the other sets' templates.
"""

from __future__ import annotations

from collections.abc import Callable

from blind_case import BlindCase

P = "llm.prompt"
Texts = dict[str, str]

# Per language: phrasings of one support message, filled with the same labelled values.
PHRASES: dict[str, list[Callable[[Texts], str]]] = {
    "de": [
        lambda t: (
            f"Hallo, ich bin {t['name']}, geboren am {t['dob']}. Bitte ändern Sie meine "
            f"Adresse auf {t['street']}, {t['city']}. Telefon: {t['phone']}."
        ),
        lambda t: (
            f"Guten Tag, für die Lohnabrechnung: {t['name']}, {t['id_name']} {t['id']}, "
            f"Geb.-Datum {t['dob']}, wohnhaft {t['street']}, {t['city']}."
        ),
        lambda t: (
            f"kannst du diese mail kürzen? Sehr geehrte Frau Weber, mein Name ist {t['name']}, "
            f"erreichbar unter {t['phone']} oder {t['email']}. Mit freundlichen Grüßen"
        ),
        lambda t: (
            f"Bitte den Vertrag auf {t['name']} umschreiben. IBAN: {t['iban']}, "
            f"Anschrift {t['street']}, {t['city']}."
        ),
    ],
    "fr": [
        lambda t: (
            f"Bonjour, je m'appelle {t['name']}, née le {t['dob']}. Mon adresse : "
            f"{t['street']}, {t['city']}. Tél : {t['phone']}."
        ),
        lambda t: (
            f"Pouvez-vous mettre à jour mon dossier ? {t['name']}, {t['id_name']} {t['id']}, "
            f"date de naissance {t['dob']}."
        ),
        lambda t: (
            f"résume ce message stp : Madame, Monsieur, je soussigné {t['name']}, demeurant "
            f"{t['street']}, {t['city']}, joignable au {t['phone']} ou par mail {t['email']}..."
        ),
        lambda t: f"Merci de rembourser sur mon compte {t['iban']} au nom de {t['name']}.",
    ],
    "es": [
        lambda t: (
            f"Hola, soy {t['name']}, nací el {t['dob']}. Vivo en {t['street']}, {t['city']} "
            f"y mi móvil es {t['phone']}."
        ),
        lambda t: (
            f"Necesito actualizar mis datos: {t['name']}, {t['id_name']} {t['id']}, fecha de "
            f"nacimiento {t['dob']}."
        ),
        lambda t: (
            f"traduce al inglés: Estimado cliente {t['name']}, le escribimos a {t['email']} "
            f"para confirmar su domicilio en {t['street']}, {t['city']}."
        ),
        lambda t: (
            f"Por favor, domicilien los recibos en mi cuenta {t['iban']}. Titular: {t['name']}."
        ),
    ],
    "it": [
        lambda t: (
            f"Buongiorno, sono {t['name']}, nato il {t['dob']}, residente in {t['street']}, "
            f"{t['city']}. Cell. {t['phone']}."
        ),
        lambda t: (
            f"Mi serve aggiornare l'anagrafica: {t['name']}, {t['id_name']} {t['id']}, "
            f"data di nascita {t['dob']}."
        ),
        lambda t: (
            f"riassumi: Gentile {t['name']}, la contatteremo al {t['phone']} o via "
            f"{t['email']} per la consegna in {t['street']}."
        ),
        lambda t: f"Accredito su IBAN {t['iban']} intestato a {t['name']}, grazie.",
    ],
    "nl": [
        lambda t: (
            f"Hoi, ik ben {t['name']}, geboren op {t['dob']}. Mijn nieuwe adres is "
            f"{t['street']}, {t['city']}. Bel me op {t['phone']}."
        ),
        lambda t: (
            f"Graag mijn gegevens aanpassen: {t['name']}, {t['id_name']} {t['id']}, "
            f"geboortedatum {t['dob']}."
        ),
        lambda t: (
            f"kun je dit vertalen? Beste {t['name']}, we hebben uw mail ({t['email']}) "
            f"ontvangen en sturen het pakket naar {t['street']}."
        ),
        lambda t: f"Het bedrag mag naar {t['iban']} t.n.v. {t['name']}.",
    ],
    "pt": [
        lambda t: (
            f"Olá, sou {t['name']}, nascida em {t['dob']}. Moro na {t['street']}, "
            f"{t['city']}. Telemóvel {t['phone']}."
        ),
        lambda t: (
            f"Preciso atualizar o cadastro: {t['name']}, {t['id_name']} {t['id']}, data de "
            f"nascimento {t['dob']}."
        ),
        lambda t: (
            f"resume isto: Prezado(a) {t['name']}, enviámos a fatura para {t['email']}; "
            f"morada {t['street']}, {t['city']}."
        ),
        lambda t: f"Podem devolver o valor para o IBAN {t['iban']}? Titular {t['name']}.",
    ],
    "pl": [
        lambda t: (
            f"Dzień dobry, nazywam się {t['name']}, urodzony {t['dob']}. Adres: "
            f"{t['street']}, {t['city']}. Tel. {t['phone']}."
        ),
        lambda t: (
            f"Proszę o aktualizację danych: {t['name']}, {t['id_name']} {t['id']}, data "
            f"urodzenia {t['dob']}."
        ),
        lambda t: (
            f"przetłumacz: Szanowny Panie {t['name']}, odpowiadamy na maila z {t['email']} "
            f"w sprawie dostawy na {t['street']}."
        ),
        lambda t: f"Zwrot proszę przelać na konto {t['iban']}, odbiorca {t['name']}.",
    ],
    "se": [
        lambda t: (
            f"Hej, jag heter {t['name']} och är född {t['dob']}. Ny adress: {t['street']}, "
            f"{t['city']}. Ring {t['phone']}."
        ),
        lambda t: f"Uppdatera mina uppgifter: {t['name']}, {t['id_name']} {t['id']}.",
        lambda t: (
            f"översätt: Hej {t['name']}, vi har fått ditt mejl från {t['email']} och "
            f"skickar kortet till {t['street']}, {t['city']}."
        ),
        lambda t: f"Återbetalningen kan gå till {t['iban']}, kontoinnehavare {t['name']}.",
    ],
    # Japanese runs words together; each value stands between punctuation or spaces, as
    # forms and business mail write them (氏名：…、 and a space before 様).
    "jp": [
        lambda t: (
            f"お世話になっております。氏名：{t['name']}、生年月日：{t['dob']}。"
            f"住所を「{t['city']} {t['street']}」に変更してください。電話番号：{t['phone']}"
        ),
        lambda t: (
            f"登録情報の更新をお願いします。氏名：{t['name']}、{t['id_name']}：{t['id']}、"
            f"生年月日：{t['dob']}"
        ),
        lambda t: (
            f"次のメールを英訳して：{t['name']} 様、{t['email']} 宛にご連絡いたしました。"
            f"お届け先：{t['street']}"
        ),
        lambda t: f"返金は「{t['name']}」名義の口座へお願いします。連絡先 {t['phone']}",
    ],
}
IBAN_COUNTRY = {"de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pt": "PT",
                "pl": "PL", "se": "SE", "jp": "DE"}  # fmt: skip


def multilingual(c: BlindCase) -> None:
    """A support message in one of nine languages with that country's conventions."""
    country = c.rng.choice(sorted(PHRASES))
    # Portuguese is also written with Brazil's conventions.
    country_values = "br" if country == "pt" and c.rng.random() < 0.4 else country
    who = c.people.who(country_values)
    born = c.people.born()
    id_name, id_value = c.docs.national_id(country_values, who, born)
    street, city = c.people.address(country_values)
    phrase = c.rng.choice(PHRASES[country])
    values = {
        "name": (who.full, "PERSON"),
        "dob": (c.people.date_text(born, country_values), "DATE_OF_BIRTH"),
        "street": (street, "STREET_ADDRESS"),
        "phone": (c.people.phone(country_values), "PHONE_NUMBER"),
        "id": (id_value, "NATIONAL_ID"),
        "email": (c.people.email(who), "EMAIL_ADDRESS"),
        "iban": (c.docs.iban(IBAN_COUNTRY[country]), "IBAN_CODE"),
    }
    probe = phrase({k: f"\x01{k}\x01" for k in (*values, "city", "id_name")})
    texts: Texts = {"city": city, "id_name": id_name}
    for key, (value, entity_type) in values.items():
        used = probe.count(f"\x01{key}\x01")
        for _ in range(used):
            c.p(P, value, entity_type)
        texts[key] = value
    order = c.looks.order_id()
    text = phrase(texts)
    if c.rng.random() < 0.4:
        text += f" (Ref. {c.k(P, order, 'order_id')})"
    c.chat(text)
