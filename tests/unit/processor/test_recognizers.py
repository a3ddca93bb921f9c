"""Our recognizers, as tables of texts that must and must not match."""

from __future__ import annotations

import time

import pytest

from auditstream.processor.redaction.recognizers import (
    BearerTokenRecognizer,
    CloudKeyRecognizer,
    ContactNameRecognizer,
    CuedNameRecognizer,
    JwtRecognizer,
    LabelledNameRecognizer,
    LlmApiKeyRecognizer,
    PasswordRecognizer,
    PlatformTokenRecognizer,
    PrivateKeyRecognizer,
    SalutationRecognizer,
    SelfIntroductionRecognizer,
    custom_recognizers,
    secret_recognizers,
)


def _found(recognizer: object, text: str) -> list[str]:
    results = recognizer.analyze(text, entities=recognizer.supported_entities, nlp_artifacts=None)  # type: ignore[attr-defined]
    return sorted(text[r.start : r.end] for r in results)


def _found_by_any_secret_recognizer(text: str) -> list[str]:
    return sorted(found for r in secret_recognizers() for found in _found(r, text))


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0\n-----END RSA PRIVATE KEY-----"
)

# (recognizer class, text, the span that must be found)
FOUND = [
    (
        LlmApiKeyRecognizer,
        "key sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz ok",
        "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz",
    ),
    (
        LlmApiKeyRecognizer,
        "ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345",
    ),
    (
        LlmApiKeyRecognizer,
        "use AIzaSyA1234567890abcdefghijklmnopqrstuv now",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    ),
    (
        LlmApiKeyRecognizer,
        "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
    ),
    (LlmApiKeyRecognizer, "groq gsk_" + "aB3d" * 13, "gsk_" + "aB3d" * 13),
    (LlmApiKeyRecognizer, "REPLICATE r8_" + "Zq7" * 12, "r8_" + "Zq7" * 12),
    (CloudKeyRecognizer, "id AKIAIOSFODNN7EXAMPLE,", "AKIAIOSFODNN7EXAMPLE"),
    (
        CloudKeyRecognizer,
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        CloudKeyRecognizer,
        '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        CloudKeyRecognizer,
        "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    (PlatformTokenRecognizer, "token ghp_" + "a1B2" * 9 + ".", "ghp_" + "a1B2" * 9),
    (
        PlatformTokenRecognizer,
        "github_pat_11ABCDEFG0" + "x" * 72,
        "github_pat_11ABCDEFG0" + "x" * 72,
    ),
    (PlatformTokenRecognizer, "glpat-abcdefghij0123456789 is mine", "glpat-abcdefghij0123456789"),
    (
        PlatformTokenRecognizer,
        "SLACK_BOT_TOKEN=xoxb-1234567890-abcdefghij",
        "xoxb-1234567890-abcdefghij",
    ),
    (
        PlatformTokenRecognizer,
        "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx",
        "T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx",
    ),
    (JwtRecognizer, f"Authorization {JWT}", JWT),
    (PrivateKeyRecognizer, f"key:\n{PEM}\nthanks", PEM),
    (PasswordRecognizer, "password: hunter2!x", "hunter2!x"),
    (PasswordRecognizer, "DB_PASSWORD=S3cr3t-Pa55 ./run.sh", "S3cr3t-Pa55"),
    (PasswordRecognizer, '{"user": "ops", "password": "Tr0ub4dor&3"}', "Tr0ub4dor&3"),
    (PasswordRecognizer, "Server=db1;Database=x;User Id=sa;Password=Winter2024x;", "Winter2024x"),
    (PasswordRecognizer, "jdbc:mysql://db/app?user=app&password=qwerty99", "qwerty99"),
    (PasswordRecognizer, "my password is Blue-Horse-42. please reset", "Blue-Horse-42"),
    (PasswordRecognizer, "mysql --password=letmein42 -h db", "letmein42"),
    (PasswordRecognizer, "postgres://app:hunter2@db.internal:5432/x", "app:hunter2"),
    (
        PasswordRecognizer,
        "x-api-key: 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
        "3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
    ),
    (
        BearerTokenRecognizer,
        "Authorization: Bearer ya29.a0AfH6SMBx3kLmN0pQrStUv",
        "ya29.a0AfH6SMBx3kLmN0pQrStUv",
    ),
    (PasswordRecognizer, '{"token": "f3a9c2e1b7d64a5e9c0b"}', "f3a9c2e1b7d64a5e9c0b"),
    (PasswordRecognizer, "pw: Hunter2024", "Hunter2024"),
    # An environment as Kubernetes and ECS write it: the name and the value as siblings.
    (PasswordRecognizer, '- name: SMTP_PASSWORD\n  value: "Bluebird1746*"', "Bluebird1746*"),
    (PasswordRecognizer, '[{"name": "DB_PASSWORD", "value": "Zeppelin976!"}]', "Zeppelin976!"),
    (BearerTokenRecognizer, "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    # A password used as a token runs to the closing quote of its header, whatever it holds.
    (
        BearerTokenRecognizer,
        "curl -H 'Authorization: Bearer CS0US\"Qx@j82;2' https://x",
        'CS0US"Qx@j82;2',
    ),
    (BearerTokenRecognizer, '{"headers":{"Authorization":"Bearer d^kOW.3fxUH"}}', "d^kOW.3fxUH"),
]

NOT_SECRETS = [
    "123e4567-e89b-12d3-a456-426614174000",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "version v1.2.3",
    "the task asks for a risk score",
    "order ORD-12345",
    "the password is incorrect, please reset it",
    "password: ${DB_PASSWORD}",
    "password = os.environ['DB_PASSWORD']",
    "set the password to <your password>",
    "a basic understanding of bearer tokens",
    "send it as 'Authorization: Bearer <token>'",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ask-the-team-about-this-slug-please",
    "/usr/local/lib/python3.11/site-packages/x.py",
    "max token: 4096, tokens=128000",
    '{"token": "not-a-generated-value"}',
]


class TestSecretRecognizers:
    @pytest.mark.parametrize(("recognizer", "text", "secret"), FOUND)
    def test_credential_is_found_whole_by_its_recognizer(
        self, recognizer: type, text: str, secret: str
    ) -> None:
        """Each kind of credential is found by its recognizer, and the span is the credential."""
        assert secret in _found(recognizer(), text)

    @pytest.mark.parametrize("text", NOT_SECRETS)
    def test_look_alikes_are_not_secrets(self, text: str) -> None:
        """UUIDs, hashes, versions, ids, placeholders and sentences are left alone."""
        assert _found_by_any_secret_recognizer(text) == []

    def test_private_key_without_end_line_is_still_found(self) -> None:
        """A truncated PEM block is found from its BEGIN line through its body."""
        text = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
        assert _found(PrivateKeyRecognizer(), text) == [text]

    @pytest.mark.parametrize(
        "text",
        [
            "a" * 1_000_000,
            "password=" * 100_000,
            "-----BEGIN PRIVATE KEY-----" + "A" * 1_000_000,
            "eyJ" + "a" * 500_000 + "." * 10,
            "sk-" + "-" * 1_000_000,
            "://" + "a:" * 500_000,
            "Bearer " + "1" * 1_000_000,
            "Hi Ab " * 170_000,
            "Ab Cd Ef (x@" * 90_000,
            "password is " * 90_000,
        ],
        ids=[
            "letters",
            "password-keys",
            "pem-without-end",
            "jwt-without-parts",
            "sk-dashes",
            "url-colons",
            "bearer-digits",
            "greetings",
            "names-before-at",
            "password-sentences",
        ],
    )
    def test_a_megabyte_of_adversarial_text_is_scanned_in_bounded_time(self, text: str) -> None:
        """No pattern backtracks catastrophically: a 1 MB input takes seconds at most."""
        started = time.monotonic()
        for recognizer in custom_recognizers():
            _found(recognizer, text)
        assert time.monotonic() - started < 60


class TestSelfIntroductionRecognizer:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("Hello, my name is Olusegun Raman and I need help", "Olusegun Raman"),
            ("I'm Chloe Adeyemi, customer since 2019", "Chloe Adeyemi"),
            ("I am James O'Connor.", "James O'Connor"),
            ("this is Priya from accounting", "Priya"),
        ],
    )
    def test_name_after_an_introduction_is_found_without_the_phrase(
        self, text: str, name: str
    ) -> None:
        """The name is the span; the introduction phrase is not replaced."""
        assert _found(SelfIntroductionRecognizer(), text) == [name]

    @pytest.mark.parametrize("text", ["I am not sure about this", "this is fine", "my name is"])
    def test_lowercase_words_after_the_phrase_are_not_names(self, text: str) -> None:
        """Ordinary sentences that share the phrase find nothing."""
        assert _found(SelfIntroductionRecognizer(), text) == []


# (recognizer class, text, the name that must be found)
NAMES_FOUND = [
    (SelfIntroductionRecognizer, "Hey there, Maria Gonzalez here.", "Maria Gonzalez"),
    (SelfIntroductionRecognizer, "Mein Name ist Jürgen Weber, Telefon 030", "Jürgen Weber"),
    (SelfIntroductionRecognizer, "Je m'appelle Émilie Dubois.", "Émilie Dubois"),
    (SalutationRecognizer, "Thanks Henrik! I found order ORD-1.", "Henrik"),
    (SalutationRecognizer, "Dear Dr. Okafor, your results", "Okafor"),
    (SalutationRecognizer, "Hi Mei Chen,", "Mei Chen"),
    (ContactNameRecognizer, "From: Maria Gonzalez <maria@example.org>", "Maria Gonzalez"),
    (ContactNameRecognizer, "my manager Sven Haddad (sven@acme-corp.io) asked", "Sven Haddad"),
    (ContactNameRecognizer, "send it to Aiko Khan at aiko.khan@proton.me", "Aiko Khan"),
    (LabelledNameRecognizer, '{"customer_name": "Aiko Khan", "order_id": "ORD-1"}', "Aiko Khan"),
    (LabelledNameRecognizer, "cardholder: Sven Moreau\namount: 12.00", "Sven Moreau"),
    (LabelledNameRecognizer, '{"first_name": "Noor"}', "Noor"),
    (
        LabelledNameRecognizer,
        '[{"name":"Fee an de Beke","phone":"+31 33 238 1964"}]',
        "Fee an de Beke",
    ),
    (LabelledNameRecognizer, '{"name": "ana souza",\n  "email": "a@b.org"}', "ana souza"),
    (CuedNameRecognizer, "Name on card: JAMAL CARRILLO. Refund it", "JAMAL CARRILLO"),
    (CuedNameRecognizer, "ticket updated, assigned to Thorello Faro", "Thorello Faro"),
    (CuedNameRecognizer, "a nombre de Bronco Navarro, tel 949", "Bronco Navarro"),
    (CuedNameRecognizer, "passenger Leyna Pasquier, passport", "Leyna Pasquier"),
    (CuedNameRecognizer, "姓名：宦佻芝，电话：+86 778-80846067", "宦佻芝"),  # noqa: RUF001 - CJK text is written with full-width punctuation
    (CuedNameRecognizer, "氏名：高見沢 信夫、住所：吹田市", "高見沢 信夫"),  # noqa: RUF001 - CJK text is written with full-width punctuation
    (CuedNameRecognizer, "이름: 앵혜윤, 생년월일: 1996. 02. 08.", "앵혜윤"),
    (CuedNameRecognizer, "Reserve a car at the airport for 산대호. Licence", "산대호"),
    (CuedNameRecognizer, "text marco at +19088625360 that the meeting moved", "marco"),
    (CuedNameRecognizer, "email Ana Lima at ana@lima.example about it", "Ana Lima"),
    (CuedNameRecognizer, "write a bday message for yesenia shes turning 59", "yesenia"),
    (CuedNameRecognizer, "a birthday card for my sister Nerea, please", "Nerea"),
    (
        LabelledNameRecognizer,
        '{"card":{"exp":"01/26","holder":"NATHAN FITZGERALD"}}',
        "NATHAN FITZGERALD",
    ),
    (LabelledNameRecognizer, '{"name": {"given": "Klothilda"}, "emails": []}', "Klothilda"),
    (SalutationRecognizer, "Sorry for the wait, Marelda. I've opened a trace", "Marelda"),
    (SalutationRecognizer, "Happy birthday, Doruk! Many more", "Doruk"),
    (SalutationRecognizer, "reach me at (00742) 6522786 - Marelda", "Marelda"),
    (
        SelfIntroductionRecognizer,
        "Best regards,\nSophie Hurst\nOffice Manager | Atlassian",
        "Sophie Hurst",
    ),
    (
        CuedNameRecognizer,
        "Mortgage application. Borrower Kam Rhodes (SSN 425-22-2199)",
        "Kam Rhodes",
    ),
    (CuedNameRecognizer, "松永 ヒデ 様、ご連絡いたしました", "松永 ヒデ"),
]
NAMES_NOT_FOUND = [
    (SalutationRecognizer, "hi there, how do I reset my key?"),
    (ContactNameRecognizer, "write to support@example.org"),
    (LabelledNameRecognizer, '{"model_name": "Llama Guard", "file_name": "Report Final"}'),
    (LabelledNameRecognizer, '{"name": "lowercase value"}'),
    (LabelledNameRecognizer, '{"name": "orders", "rows": 12}'),
    (LabelledNameRecognizer, '{"font": {"family": "Inter", "size": 12}}'),
    (SelfIntroductionRecognizer, "- name: SMTP_PASSWORD"),
    (SelfIntroductionRecognizer, "Thanks,\nthe platform team"),
    (CuedNameRecognizer, "I'm Chanakya Sachar, employee E-40202. Per the handbook"),
    (CuedNameRecognizer, "search for the nearest store with 4 GB"),
    (CuedNameRecognizer, "call support at +1 800 555 0100 or email us at help@example.com"),
    (SalutationRecognizer, "The build failed - see the log above"),
]


class TestNameRecognizers:
    @pytest.mark.parametrize(("recognizer", "text", "name"), NAMES_FOUND)
    def test_name_after_its_cue_is_found_without_the_cue(
        self, recognizer: type, text: str, name: str
    ) -> None:
        """Greetings, mail headers, JSON keys and introductions mark the name that follows."""
        assert _found(recognizer(), text) == [name]

    @pytest.mark.parametrize(("recognizer", "text"), NAMES_NOT_FOUND)
    def test_no_capitalised_name_after_the_cue_finds_nothing(
        self, recognizer: type, text: str
    ) -> None:
        """Lower-case words and keys that name things other than people find nothing."""
        assert _found(recognizer(), text) == []


PHONE_TEXTS = [
    "call me on (415) 872-3391 or +44 20 7946 0958 tomorrow",
    "Telefon 030 12345678, mobil +49 151 23456789.",
    "what is 1234 * 5678? and 2024?",
    "order 9fceb02d0ae598e95dc970b74767f19372d61af8 at 10:30, +33 6 12 34 56 78",
    "",
]


class TestWindowedPhoneRecognizer:
    @pytest.mark.parametrize("text", PHONE_TEXTS)
    def test_finds_what_presidio_finds_on_the_whole_text(self, text: str) -> None:
        """Windowing changes the cost, not the numbers found or their offsets."""
        from presidio_analyzer.predefined_recognizers import PhoneRecognizer

        from auditstream.processor.redaction.recognizers.phone_recognizer import (
            WindowedPhoneRecognizer,
        )

        assert _found(WindowedPhoneRecognizer(), text) == _found(PhoneRecognizer(), text)


class TestPasswordAfterTheWord:
    @pytest.mark.parametrize(
        ("text", "secret"),
        [
            ("tried the new password uiL)125gQ*!8HP twice", "uiL)125gQ*!8HP"),
            ("password JQ3SWt#Ij%MRg6", "JQ3SWt#Ij%MRg6"),
        ],
    )
    def test_a_password_shaped_word_after_the_word_is_a_secret(self, text, secret) -> None:
        """Letters with digits or symbols, eight or more, right after "password"."""
        from auditstream.processor.redaction.recognizers import PasswordRecognizer

        results = PasswordRecognizer().analyze(text, ["SECRET"])
        assert [text[r.start : r.end] for r in results] == [secret]

    @pytest.mark.parametrize("text", ["reset your password tomorrow", "the password policy"])
    def test_plain_words_after_the_word_are_kept(self, text) -> None:
        """A word without digits or symbols is prose."""
        from auditstream.processor.redaction.recognizers import PasswordRecognizer

        assert PasswordRecognizer().analyze(text, ["SECRET"]) == []


class TestPasswordShapesOfTheFakerSet:
    @pytest.mark.parametrize(
        ("text", "secret"),
        [
            ("postgres://app:@gUkAWg(Sczb2L@w@db.internal:6379/shop", "app:@gUkAWg(Sczb2L@w"),
            ('"old_key": "a403558322863bc2d5b21d1d55f4c359"', "a403558322863bc2d5b21d1d55f4c359"),
            ("signing_secret=" + "Zm9vYmFy" * 5, "Zm9vYmFy" * 5),
        ],
    )
    def test_a_password_with_an_at_sign_and_a_token_under_a_key_name_are_secrets(
        self, text, secret
    ) -> None:
        """The password runs to the last "@" before the host; a long token under *_key."""
        from auditstream.processor.redaction.recognizers import PasswordRecognizer

        results = PasswordRecognizer().analyze(text, ["SECRET"])
        assert secret in [text[r.start : r.end] for r in results]

    def test_a_uuid_under_a_key_name_is_kept(self) -> None:
        """An idempotency key is an id, not a credential."""
        from auditstream.processor.redaction.recognizers import PasswordRecognizer

        text = '"idempotency_key": "0f8fad5b-d9cb-469f-a165-70867728950e"'
        assert PasswordRecognizer().analyze(text, ["SECRET"]) == []
