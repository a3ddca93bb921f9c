"""Recognizers of personal data other than secrets: what each finds, and what it leaves."""

from __future__ import annotations

import datetime

import pytest

from auditstream.processor.redaction.layout import analysis_view
from auditstream.processor.redaction.recognizers import (
    AgeRecognizer,
    CardNumberRecognizer,
    EmailInUrlRecognizer,
    IbanChecksumRecognizer,
    NationalIdRecognizer,
    PersonalDateRecognizer,
    PhoneContextRecognizer,
    StreetAddressRecognizer,
    id_number_recognizers,
)
from auditstream.processor.redaction.recognizers.name_gazetteer_recognizer import (
    NameGazetteerRecognizer,
    build_lexicon,
)


def found(recognizer, text: str) -> list[tuple[str, str]]:
    results = recognizer.analyze(text, recognizer.supported_entities)
    return [(r.entity_type, text[r.start : r.end]) for r in results]


TODAY = datetime.date(2026, 12, 7)


class TestPersonalDateRecognizer:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("I was born on 14.07.1951 in Leeds", [("DATE_OF_BIRTH", "14.07.1951")]),
            ('{"dob": "1972-03-09"}', [("DATE_OF_BIRTH", "1972-03-09")]),
            ('{"dateOfBirth": "27/01/1956"}', [("DATE_OF_BIRTH", "27/01/1956")]),
            ("date of birth: March 3, 1961", [("DATE_OF_BIRTH", "March 3, 1961")]),
            ("my birthday is 12 June 1984", [("DATE_OF_BIRTH", "12 June 1984")]),
            ("We moved here in 1998 with the kids", [("DATE_TIME", "1998")]),
            ("On 2010-12-23 16:47:32, she left", [("DATE_TIME", "2010-12-23 16:47:32")]),
            ("Date: 2024-11-02 23:12:33.095\nName: X", [("DATE_TIME", "2024-11-02 23:12:33.095")]),
            ("We'll meet Wednesday", [("DATE_TIME", "Wednesday")]),
            ("Date of birth: 1987年07月14日", [("DATE_OF_BIRTH", "1987年07月14日")]),
            ("생년월일: 1996. 02. 08., 연락처", [("DATE_OF_BIRTH", "1996. 02. 08.")]),
            ("geboortedatum 03-04-1961", [("DATE_OF_BIRTH", "03-04-1961")]),
        ],
    )
    def test_dates_of_a_life_are_found(self, text, expected) -> None:
        """Birth dates with any cue and any shape; older dates and weekdays in prose."""
        assert found(PersonalDateRecognizer(today=TODAY), text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "invoice dated 2025-03-14 is overdue",
            "the renewal on 12 June 2026 failed",
            "deployed at 2026-11-02T10:00:00Z",
            "2025-02-28 15:40:28,039 ERROR [payments] charge failed",
            "the charge failed at 2025-02-28 15:40:28,039; retry",
            "the parcel is stuck since 05/11/2024",
            "performed_at: 2026-11-29 13:56:11",
            "change my flight to the 2026. 06. 16.. passenger",
            "Summarise the 2022 data-retention policy",
            "MAX_TOKENS=2048",
            "we served 2019 requests",
            "release 1.5.18 is out",
            # A mail header's date, a result table's time column, a log line's bracket.
            "From: A <a@x.org>\nTo: b@y.org\nDate: 2026-12-06 07:57:11\nSubject: Re: invoice",
            "| a@x.org | 01237 209298 | 2026-11-14 02:03:56 | 8048.01",
            '189.14.208.47 - - [2026-11-10 18:00:40,237] "POST /api/v2/checkout"',
        ],
    )
    def test_dates_of_an_operation_are_kept(self, text) -> None:
        """Recent dates, dates after an operational word, years of a policy or a count."""
        assert found(PersonalDateRecognizer(today=TODAY), text) == []


class TestCardNumberRecognizer:
    @pytest.mark.parametrize(
        "number",
        ["2223003122003222", "4102-1630-5607-4330-569", "6200000000000005", "5019 7170 1010 3742"],
    )
    def test_luhn_valid_numbers_of_any_scheme_are_cards(self, number) -> None:
        """Mastercard 2-series, 19 digits, UnionPay, grouped: the Luhn check decides."""
        assert found(CardNumberRecognizer(), f"paid with {number} today") == [
            ("CREDIT_CARD", number)
        ]

    @pytest.mark.parametrize(
        "text", ["ts 1764115200000 ok", "order 4111111111111112", "id 675956263684"]
    )
    def test_epoch_times_bad_checksums_and_short_runs_without_a_cue_are_kept(self, text) -> None:
        """A millisecond timestamp, a failed Luhn check, 12 digits with no card word."""
        assert found(CardNumberRecognizer(), text) == []

    def test_twelve_digits_after_a_card_word_are_a_card(self) -> None:
        """Maestro has 12-digit cards."""
        assert found(CardNumberRecognizer(), "What's your credit card? 675956263684") == [
            ("CREDIT_CARD", "675956263684")
        ]


class TestPhoneContextRecognizer:
    @pytest.mark.parametrize(
        ("text", "number"),
        [
            ("They're not answering at 96 466712", "96 466712"),
            ("Phone:\n439 4166", "439 4166"),
            ("call me on +1 555 013 4477", "+1 555 013 4477"),
            ("723 813 266 office", "723 813 266"),
            ("reach me: (894)134-3524", "(894)134-3524"),
            ("ping 650-752-7354x549", "650-752-7354x549"),
            ('"phone": "702 0 048"', "702 0 048"),
            ("my number is +39 6 40022485, Enrichetta", "+39 6 40022485"),
            ("geb. 10.08.1984, Tel. +43-618-2279102.", "+43-618-2279102"),
            ("电话：+86 778-80846067，地址", "+86 778-80846067"),  # noqa: RUF001 - CJK text is written with full-width punctuation
            ("연락처: +82 39 2497 4731, 이메일", "+82 39 2497 4731"),
            ("Accounts Receivable\nM: 931292916\n", "931292916"),
            ("sms_to: 977300783", "977300783"),
            ("| Genevive Shaw | 0119 681 0628 | 1950-07-11 |", "0119 681 0628"),
            ("Direct: 038226 661\ngrete@x.io", "038226 661"),
            # Alone under its label, as the analysis view shows an escaped break.
            ("Personal Info:\n Phone:\n 439 4166\n \n E-mail:", "439 4166"),
            ('{"type": "mobile",\n        "number": "611 48 05 87"}', "611 48 05 87"),
            # The word after the number, joined by a hyphen.
            ("Reception 0612 448 390-Office", "0612 448 390"),
            ("Contact: 77 418 22 09-Fax", "77 418 22 09"),
        ],
    )
    def test_numbers_a_phone_word_or_shape_vouches_for_are_phones(self, text, number) -> None:
        """Valid or not for phonenumbers, a number with a phone cue is replaced."""
        assert found(PhoneContextRecognizer(), text) == [("PHONE_NUMBER", number)]

    @pytest.mark.parametrize(
        "text",
        [
            "order 1234 5678 shipped",
            "the renewal office on 09.11.2024",
            "total 12 345",
            "a delta of +1234 567",
            "version 1.2.3 shipped",
            # After a phone word, an identifier that goes on after a hyphen.
            "sms request_id=51620098-e17d-4873-b39f-c2face66c683",
            "sms batch 12345678-beef-4873",
        ],
    )
    def test_numbers_without_a_cue_or_dates_are_kept(self, text) -> None:
        """Order numbers, dates and amounts are not phones."""
        assert found(PhoneContextRecognizer(), text) == []


class TestIdNumberRecognizer:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("My driver's license number is yo0047868", ("DRIVER_LICENSE", "yo0047868")),
            ("passport number X12345678 expires", ("PASSPORT", "X12345678")),
            ('"passport_number": "533018245"', ("PASSPORT", "533018245")),
            ("NI number AB 12 34 56 C please", ("NATIONAL_ID", "AB 12 34 56 C")),
            ("ssn: 343209555", ("US_SSN", "343209555")),
            ("(AHV number 756.9523.1784.03)", ("NATIONAL_ID", "756.9523.1784.03")),
            ("My fødselsnummer is 27080552640.", ("NATIONAL_ID", "27080552640")),
            ("PA license no. 87 663 066.", ("DRIVER_LICENSE", "87 663 066")),
            ("driver's license 4NYOPRDQO2B (DE)", ("DRIVER_LICENSE", "4NYOPRDQO2B")),
            ("passport no. CVG5YZXLT (DE)", ("PASSPORT", "CVG5YZXLT")),
            ('{\\"name\\": \\"Tyler\\", \\"passport\\": \\"IG751895\\"}', ("PASSPORT", "IG751895")),
            ("driver Lulu Horowitz, licence L929QPQE969, born", ("DRIVER_LICENSE", "L929QPQE969")),
            (
                "driver M. Narzymska, licence 16252/93/7738, born",
                ("DRIVER_LICENSE", "16252/93/7738"),
            ),
            ("氏名：諸見里、マイナンバー：333134395990、", ("NATIONAL_ID", "333134395990")),  # noqa: RUF001 - CJK text is written with full-width punctuation
            # An issued number's shape: eight capitals and digits or more, one digit will do.
            ("Guest: D. Freud, passport FYGFTJ8TC, nationality DE", ("PASSPORT", "FYGFTJ8TC")),
            (
                '"document": {"type": "passport",\n  "number": "YB3872572"}',
                ("PASSPORT", "YB3872572"),
            ),
            # "pp", as bookings abbreviate a passport, before one run of an issued number.
            ("guest Ana Ruiz, pp 48213907, arriving Monday", ("PASSPORT", "48213907")),
            ("driver T. Okafor, PP K4471920X", ("PASSPORT", "K4471920X")),
        ],
    )
    def test_numbers_named_by_their_id_word_are_found(self, text, expected) -> None:
        """The cue types the finding."""
        results = [f for r in id_number_recognizers() for f in found(r, text)]
        assert results == [expected]

    @pytest.mark.parametrize(
        "text",
        [
            "license MIT 2024",
            "my licence expired",
            "passport office",
            "The passport photo must be 2x2 inches",
            "driver's license class B2 expired",
            "released under the license MIT and the Apache licence 2.0",
            # "pp" is also "pages".
            "see pp. 112-118 of the manual",
            "pp 1234-5678",
        ],
    )
    def test_words_without_a_number_are_not_ids(self, text) -> None:
        """A software licence, or no number at all."""
        assert [f for r in id_number_recognizers() for f in found(r, text)] == []


class TestAgeRecognizer:
    @pytest.mark.parametrize(
        ("text", "age"),
        [
            ("aged 83 from Leeds", "83"),
            ("a 45-year-old man", "45"),
            ("when he was 29.", "29"),
            ("for my father, aged 75.", "75"),
            ("my age is 92 and", "92"),
            ("im 43 and my doctor says", "43"),
            ("my mum is 58 and cant use the app", "58"),
            ("Il signor Bezio ha 55 anni; visita", "55"),
            ("Manuel Abraham, 72 Jahre alt, Termin", "72"),
            ("Larissa Kelder (68 jaar) heeft", "68"),
            ("Sirine Martinet, âgée de 95 ans, rendez-vous", "95"),
            ("Mi abuela tiene 42 años y la cita", "42"),
            ("患者：岡本 竜二（59歳）", "59"),  # noqa: RUF001 - CJK text is written with full-width punctuation
        ],
    )
    def test_ages_with_a_cue_are_found(self, text, age) -> None:
        """The cue makes a number an age."""
        assert found(AgeRecognizer(), text) == [("AGE", age)]

    @pytest.mark.parametrize(
        "text",
        [
            "the total is 42.",
            "I am 5 minutes late",
            "aged 3 days",
            "la garanzia ha 2 anni di copertura",  # years of a warranty, not of someone
        ],
    )
    def test_other_numbers_are_kept(self, text) -> None:
        """Totals and durations are not ages."""
        assert found(AgeRecognizer(), text) == []


class TestIbanChecksumRecognizer:
    def test_ibans_of_any_spacing_that_pass_mod_97_are_found(self) -> None:
        """Compact and grouped layouts."""
        text = "to BE09195483358857 or AT28 5899 7245 9934 9968, not GB00 1234 5678 9012 34"
        assert found(IbanChecksumRecognizer(), text) == [
            ("IBAN_CODE", "BE09195483358857"),
            ("IBAN_CODE", "AT28 5899 7245 9934 9968"),
        ]


class TestNationalIdRecognizer:
    @pytest.mark.parametrize(
        ("text", "number"),
        [
            ("Is this codice fiscale valid? YTTYKW76E02B389Y - it", "YTTYKW76E02B389Y"),
            ("valid? KL 77 86 64 C - it belongs", "KL 77 86 64 C"),
            ("Is this CPF valid? 920.819.206-70 - it", "920.819.206-70"),
            ("Is this DNI valid? 38887577M - it", "38887577M"),
            ("Is this BSN valid? 328164112 - it belongs", "328164112"),
            ("Is this TC Kimlik No valid? 34179200466 - it is", "34179200466"),
        ],
    )
    def test_ids_whose_layout_and_check_hold_are_found(self, text, number) -> None:
        """Distinctive layouts alone; bare digits with a national id word on the line."""
        assert found(NationalIdRecognizer(), text) == [("NATIONAL_ID", number)]

    @pytest.mark.parametrize(
        "text",
        [
            "order 328164112 shipped",  # passes the BSN check, but no id word
            "DNI 38887577A",  # wrong check letter
            "CPF 920.819.206-71",  # wrong check digits
            "BSN\nrow 328164112",  # the word is on another line
        ],
    )
    def test_bare_numbers_and_failed_checks_are_kept(self, text) -> None:
        assert found(NationalIdRecognizer(), text) == []


class TestEmailInUrlRecognizer:
    @pytest.mark.parametrize(
        ("text", "email"),
        [
            ("for url 'https://crm:3306/v2/contacts?email=ana.b@bigpond.com'", "ana.b@bigpond.com"),
            ("GET /users/ana_b93@wp.pl/orders", "ana_b93@wp.pl"),
            ("?q=ana%40example.org&x=1", "ana%40example.org"),
        ],
    )
    def test_addresses_inside_urls_are_found(self, text, email) -> None:
        """Presidio's own recognizer reads these as part of the URL and drops them."""
        assert found(EmailInUrlRecognizer(), text) == [("EMAIL_ADDRESS", email)]

    def test_a_package_or_a_host_is_not_an_address(self) -> None:
        assert found(EmailInUrlRecognizer(), "pip install pkg@1.2 from git@github") == []


@pytest.fixture(scope="module")
def address_recognizer() -> StreetAddressRecognizer:
    recognizer = StreetAddressRecognizer()
    recognizer.load()
    return recognizer


@pytest.fixture(scope="module")
def name_recognizer() -> NameGazetteerRecognizer:
    return NameGazetteerRecognizer(
        build_lexicon(
            ["grant", "rose", "will", "page", "urgent", "broken", "again", "dashboard", "honest"]
        )
    )


class TestStreetAddressRecognizer:
    @pytest.mark.parametrize(
        ("text", "address"),
        [
            ("send it to 12 Albert Street, Leeds LS1 4DL today", "12 Albert Street, Leeds LS1 4DL"),
            ("8 rue Victor Hugo, 31000 Toulouse", "8 rue Victor Hugo, 31000 Toulouse"),
            ("Prinsengracht 51, 1016 GS Amsterdam", "Prinsengracht 51, 1016 GS Amsterdam"),
            ("lives at 02845 Dalbraut 99, Reykjavik", "02845 Dalbraut 99, Reykjavik"),
            ("Meet me at Ποσειδώνος 54", "Ποσειδώνος 54"),
            ("PSC 2322, Box 6025\nAPO AA 88307", "PSC 2322, Box 6025\nAPO AA 88307"),
            ("she lives at 834 henry place. how do i", "834 henry place."),
            ("abito in 573 Via degli Paniasside e segnalo", "573 Via degli Paniasside"),
            ("unit at Reijndersbuurt 295; contact", "Reijndersbuurt 295"),
            ("Home address for the letter: Backvindeln 178, 622 68 Ruda.", "Backvindeln 178"),
            ("住所：吹田市 68-89-84、電話番号", "吹田市 68-89-84"),  # noqa: RUF001 - CJK text is written with full-width punctuation
            ("地址：清河口三条179号，订单号", "清河口三条179号"),  # noqa: RUF001 - CJK text is written with full-width punctuation
            ("주소: 세종대로 110-1, 서울", "세종대로 110-1"),
            # After a cue, a name and a number either way round, in other languages too.
            (
                "nueva dirección: Rúa do Freixo, 376, 50466 Marbella.",
                "Rúa do Freixo, 376, 50466 Marbella.",
            ),
            (
                "Home address for the letter: 66 Parc Collet Des Costils, 31099 Saint-Brieuc",
                "66 Parc Collet Des Costils, 31099 Saint-Brieuc",
            ),
            ('{"shipping_address": "Helios 21"}', "Helios 21"),
            # The street line of a structured address, whole, under its key.
            (
                "billing: { street: 'Middendreef 160', cityLine: '1696 KI Veere' }",
                "Middendreef 160",
            ),
            ('Address(line1="Platz des 18. März 706", city="Gerabronn")', "Platz des 18. März 706"),
            ("お届け先：日比谷4-23-13 までお願いします", "日比谷4-23-13"),  # noqa: RUF001 - CJK text is written with full-width punctuation
            (
                "Rua Arapiraca 1943\n Teixeira de Freitas\n Brazil 35172",
                "Rua Arapiraca 1943\n Teixeira de Freitas\n Brazil 35172",
            ),
            ("The bus station is on Midhraun 10", "Midhraun 10"),
        ],
    )
    def test_address_blocks_of_many_countries_are_found(
        self, address_recognizer, text, address
    ) -> None:
        """The street line, then the unit, town and postcode lines of its block."""
        assert found(address_recognizer, text) == [("STREET_ADDRESS", address)]

    @pytest.mark.parametrize(
        ("text", "addresses"),
        [
            # A name and a number without a street word, when a flat follows on its line.
            ("Mail: 4410 88 Kelmscott\n Apt. 4\n Galway", ["4410 88 Kelmscott\n Apt. 4\n Galway"]),
            ("4410 R Dona Amélia 97\n Suite 12", ["4410 R Dona Amélia 97\n Suite 12"]),
            # After a cue, a building number before the street line's own number.
            ("lives at 4410 18 Kelmscott Row, Leeds", ["4410 18 Kelmscott Row, Leeds"]),
            # A building number before the street line's own number.
            ("Deliver to Apt. 3 7702 Ferreira Lisboa 58", ["Apt. 3 7702 Ferreira Lisboa 58"]),
            # A town with a short lower-case word; a country with its language, a postcode.
            (
                "12 Elm Road\n Stratford upon Avon\n United Kingdom",
                ["12 Elm Road\n Stratford upon Avon\n United Kingdom"],
            ),
            (
                "Odos Ermou 12\n Larnaca\n Cyprus (Turkish) 60210",
                ["Odos Ermou 12\n Larnaca\n Cyprus (Turkish) 60210"],
            ),
            # A part of the street, then the street, after "lives on" or "corner of".
            ("She lives on the north side of Borgo 17.", ["Borgo 17"]),
            ("on the corner of Borgo 17 and Elm Road", ["Borgo 17", "Elm Road"]),
            # A name, its number, then the word "street" in English prose.
            ("The song is about Karlova 31 street in Brno.", ["Karlova 31"]),
            # A USPS suffix that Faker's list leaves out.
            ("7 Willow Annex, Dover, DE 19901", ["7 Willow Annex, Dover, DE 19901"]),
        ],
    )
    def test_street_lines_without_a_street_type_are_found_by_their_block_or_cue(
        self, address_recognizer, text, addresses
    ) -> None:
        """A flat on the next line, a cue, a building number, the word "street" after it."""
        view = analysis_view(text)
        assert found(address_recognizer, view) == [("STREET_ADDRESS", a) for a in addresses]

    @pytest.mark.parametrize(
        "text",
        [
            "See Chapter 12 road safety rules",
            "Route 66 road trip",
            "the Beatles 1967 street party",
            "release 1.2.3 deployed at 10:42 12 servers",
        ],
    )
    def test_numbers_before_a_street_word_in_a_phrase_are_kept(
        self, address_recognizer, text
    ) -> None:
        """A "street" or "road" that goes on into a phrase is no street after a number."""
        assert found(address_recognizer, text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "runs on Ubuntu 22 fine",
            "upgrade to Windows 11 Pro",
            "order 161 GB of storage",
            "We shipped 12 units to 3 stores on 5 main street level",
            # A sentence ends between the cue's town and a product with a number.
            "Yes, we deliver to Antequera. The iPhone 11 Pro Max is in stock",
        ],
    )
    def test_products_and_quantities_are_kept(self, address_recognizer, text) -> None:
        """A product and version, or a quantity, is not an address."""
        assert found(address_recognizer, text) == []


class TestNameGazetteerRecognizer:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("Markus shouted at Leonor", ["Markus", "Leonor"]),
            ("the account of Siobhan O'Brien", ["Siobhan O'Brien"]),
            ("her maiden name is van Gameren", ["van Gameren"]),
            ("said Grant to the team", ["Grant"]),
            ("ticket from rebecca nowak", ["rebecca nowak"]),
            ("Good afternoon, 卢娟 here.", ["卢娟"]),
            ("Dear support, I am 吉田 美加子.", ["吉田 美加子"]),
            ("Hi, my name is 김지은.", ["김지은"]),
            ("where is my order? i'm zelipe, email z@x.org", ["zelipe"]),
            ("my landlord marietta jakimowicz wont return it", ["marietta jakimowicz"]),
            ("this is imran i forgot my password", ["imran"]),
            ("hi its williemae le again my order", ["williemae le"]),
            ("the acct is under maurice not my husbands name", ["maurice"]),
            # Given names that are also cities: among names, or after a strong person cue.
            ("They had 3: Ayfer, Mary and Anthony.", ["Mary", "Anthony"]),
            ("Marcella shouted at Mary: what", ["Marcella", "Mary"]),
            # A known name opening a line, then a comma: spoken to.
            ("Sue, can I please speak to your boss?", ["Sue"]),
        ],
    )
    def test_names_are_found_with_the_evidence_they_need(self, name_recognizer, text, name) -> None:
        """Known names alone; names that are words with a person cue; lower-case pairs."""
        assert [value for _, value in found(name_recognizer, text)] == name

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            # Words in no list, by what surrounds them.
            ("Tavrosz published his first novel at nineteen.", ["Tavrosz"]),
            ("Dravik, could you resend the invoice?", ["Dravik"]),
            ("Here is Quenwyn's address:\\n\\n 4410 18 Kelmscott Drive", ["Quenwyn"]),
            ("Please ask Orsolak's wife, she kept the receipt", ["Orsolak"]),
            ("Zevrin lives at 12 Mill Lane", ["Zevrin"]),
            # Given names that are also places, spoken to, speaking, or referred to as "him".
            ("Please don't go, Florence!", ["Florence"]),
            ('Florence: "Where were you?"', ["Florence"]),
            ("Florence: you owe me a call.", ["Florence"]),
            ("Florence is late again; tell him to hurry.", ["Florence"]),
            # A name that is also a word, after "named" and the person named.
            ("They named him Will", ["Will"]),
            # A given name vouches for a family name that is a place.
            ("Lisette Palermo joined the call", ["Lisette Palermo"]),
            # A middle initial vouches for a known family name after a word.
            ("ask Honest J Nowak about it", ["Honest J Nowak"]),
        ],
    )
    def test_words_in_no_list_and_places_are_names_in_a_person_s_context(
        self, name_recognizer, text, name
    ) -> None:
        """Spoken to, speaking, owning a home or family, or the subject of "his"/"her"."""
        assert [value for _, value in found(name_recognizer, analysis_view(text))] == name

    @pytest.mark.parametrize(
        "text",
        [
            # "he" and "she" open clauses of their own; plurals of words are no names.
            "Kubectl began timing out after he upgraded.",
            "Dashboards began failing after she rotated the key.",
            "They began writing tests; her team merged them.",
            # Interjections and places before a comma or a colon.
            "Hmm, can you check the logs?",
            "Florence: 3 offices, 200 staff",
            # A city is "she" in English.
            "Florence is lovely in May, her museums especially.",
            # A service has an address too, without a house number.
            "Zorblax's address: 10.0.0.5",
            "Zorblax's address is 10.0.0.5",
        ],
    )
    def test_products_pronouns_and_places_stay_in_those_contexts(
        self, name_recognizer, text
    ) -> None:
        """The weaker contexts ask for a word that is not an English word or its plural."""
        assert found(name_recognizer, analysis_view(text)) == []

    @pytest.mark.parametrize(
        "text",
        [
            "Ship it to Austin by Friday",
            "offices in Austin, Dallas and Houston",
            "Paris, London and Berlin are on the list.",
            "Grant access to the bucket",
            "The Hugo Boss gift card",
            "Meet me on Grant Street",
            "flights to San Francisco",
            "我想买一个新的手机",
            "i'm page, can you help?",  # an English word after "i'm"
            "i'm looking for a refund.",
            "this is urgent i need help. its broken again.",
            "vehicle Chevrolet Lacetti pickup",
        ],
    )
    def test_places_words_streets_and_brands_are_kept(self, name_recognizer, text) -> None:
        """Names that are places, words without a cue, street and brand names are kept."""
        assert found(name_recognizer, text) == []


@pytest.mark.parametrize(
    "text",
    ["Ab " * 300_000, "1 Ab 2 " * 150_000, "12 Main Street, " * 60_000, "卢娟 " * 300_000],
    ids=["capitalised-words", "number-word-number", "addresses", "uncased-names"],
)
def test_a_megabyte_of_name_and_address_shapes_is_scanned_in_bounded_time(
    address_recognizer, name_recognizer, text
) -> None:
    """The gazetteer and the address patterns stay linear on adversarial input."""
    import time

    started = time.monotonic()
    found(address_recognizer, text)
    found(name_recognizer, text)
    assert time.monotonic() - started < 60
