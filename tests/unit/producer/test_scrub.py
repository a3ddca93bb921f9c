"""The local secret scrub: every kind of secret goes, look-alikes stay, big input finishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditstream.producer import (
    SECRET_PATTERNS,
    AuditClient,
    ClientConfig,
    EventType,
    scrub,
)
from auditstream.schemas import new_event_id
from support.fake_producer import FakeProducer

# Fixtures are assembled from parts so no complete credential sits in the source (and
# secret scanners stay quiet). None of them is a live key.
OPENAI_LEGACY = "sk-" + "a1B2c3D4e5F6g7H8i9J0" * 2 + "k1L2m3N4"
OPENAI_PROJECT = "sk-proj-" + "Ab3_-x9Zq7" * 15
ANTHROPIC = "sk-ant-api03-" + "Zx9-Yw8_Vu7t" * 8 + "AA"
GOOGLE = "AIza" + "Sy" + "A1b2C3d4E5" * 3 + "f6G"
HUGGINGFACE = "hf_" + "aBcDeFgHiJ" * 3 + "kLmN"
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SESSION_KEY_ID = "ASIA" + "Z2X3C4V5B6N7M8Q9"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GITHUB_CLASSIC = "ghp_" + "A1b2C3d4E5f6" * 3
GITHUB_OAUTH = "gho_" + "Z9y8X7w6V5u4" * 3
GITHUB_FINE = "github_pat_" + "11ABCDEFG0" + "_" + "xYz123AbC4" * 6
GITLAB = "glpat-" + "xY1-zW2_vU3tS4rQ5pO6"
SLACK = "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
JWT = (
    "eyJhbGciOiJIUzI1NiJ9"
    + "."
    + "eyJzdWIiOiIxMjM0NTY3ODkwIn0"
    + "."
    + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PEM_BODY = "MIIEowIBAAKCAQEA" + "q7BFUDxJ9m2Hn+/0" * 8 + "\nAbCdEf==\n"
PEM_RSA = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}-----END RSA PRIVATE KEY-----"
PEM_OPENSSH = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}-----END OPENSSH PRIVATE KEY-----"
URL_SECRET = "s3cr3t-P@ss"
BEARER = "abc123DEF456ghi789JKL0"
BASIC = "dXNlcjpwYXNzd29yZA=="

# (kind, text, the secret that must disappear, context that must stay)
SECRETS = [
    ("OPENAI_API_KEY", f"use {OPENAI_LEGACY} here", OPENAI_LEGACY, "use "),
    ("OPENAI_API_KEY", f"OPENAI_API_KEY={OPENAI_PROJECT}", OPENAI_PROJECT, "OPENAI_API_KEY="),
    ("ANTHROPIC_API_KEY", f"key: {ANTHROPIC}.", ANTHROPIC, "key: "),
    ("GOOGLE_API_KEY", f"?key={GOOGLE}&q=1", GOOGLE, "&q=1"),
    ("HUGGINGFACE_TOKEN", f"HF_TOKEN={HUGGINGFACE}", HUGGINGFACE, "HF_TOKEN="),
    ("AWS_ACCESS_KEY_ID", f"id {AWS_KEY_ID} ok", AWS_KEY_ID, " ok"),
    ("AWS_ACCESS_KEY_ID", f"id={AWS_SESSION_KEY_ID}", AWS_SESSION_KEY_ID, "id="),
    ("AWS_SECRET_ACCESS_KEY", f"aws_secret_access_key={AWS_SECRET}", AWS_SECRET, "aws_secret"),
    ("AWS_SECRET_ACCESS_KEY", f"AWS_SECRET_ACCESS_KEY = {AWS_SECRET}\n", AWS_SECRET, "AWS_"),
    ("AWS_SECRET_ACCESS_KEY", f'{{"SecretAccessKey": "{AWS_SECRET}"}}', AWS_SECRET, "Secret"),
    ("GITHUB_TOKEN", f"token {GITHUB_CLASSIC}", GITHUB_CLASSIC, "token "),
    ("GITHUB_TOKEN", f"({GITHUB_OAUTH})", GITHUB_OAUTH, "("),
    ("GITHUB_TOKEN", f"GH={GITHUB_FINE}", GITHUB_FINE, "GH="),
    ("GITLAB_TOKEN", f"PRIVATE-TOKEN: {GITLAB}", GITLAB, "PRIVATE-TOKEN: "),
    ("SLACK_TOKEN", f"slack {SLACK}", SLACK, "slack "),
    ("JWT", f"token={JWT}", JWT, "token="),
    ("PRIVATE_KEY", f"key:\n{PEM_RSA}\nthanks", PEM_BODY.strip(), "thanks"),
    ("PRIVATE_KEY", f"{PEM_OPENSSH}\n", PEM_BODY.strip(), "\n"),
    ("PRIVATE_KEY", f"truncated -----BEGIN PRIVATE KEY-----\n{PEM_BODY}", PEM_BODY.strip(), "trun"),
    ("URL_PASSWORD", f"postgres://app:{URL_SECRET}@db.internal:5432/prod", URL_SECRET, "app:"),
    ("URL_PASSWORD", f"redis://:{URL_SECRET}@cache:6379", URL_SECRET, "@cache:6379"),
    ("BEARER_TOKEN", f"Authorization: Bearer {BEARER}", BEARER, "Authorization: Bearer "),
    ("BASIC_AUTH", f"Authorization: Basic {BASIC}", BASIC, "Authorization: Basic "),
]

LOOK_ALIKES = [
    "123e4567-e89b-12d3-a456-426614174000",
    new_event_id(),
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "released v1.2.3 and 2024.10.1-rc.2",
    "the task-force met at the desk",
    "risk-assessment-framework-2024-q3-final-report",
    "pip install sk-learn-compatible-estimator-wrapper",
    "order ORD-12345 shipped; ORD-2024-000123 pending",
    "https://example.com:8443/path?q=1#frag",
    "mail alice@example.com or https://bob@example.com/",
    "the bearer of bad news; Bearer token required",
    "AKIA123 is too short",
    "hf_model_name and gh_pages and xoxo-gossip",
    "payload eyJmb28iOiJiYXIifQ without dots",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----",
    "2024-01-01T12:00:00Z at 10.0.0.1:8080 and [2001:db8::1]:443",
    "ratio 3:2@home",
]


class TestSecretsAreReplaced:
    @pytest.mark.parametrize(("kind", "text", "secret", "context"), SECRETS)
    def test_secret_is_replaced_by_its_typed_token(
        self, kind: str, text: str, secret: str, context: str
    ) -> None:
        """The secret disappears, its typed token takes its place, the context stays."""
        result = scrub(text)
        assert secret not in result.text
        assert f"<SECRET:{kind}>" in result.text
        assert context in result.text
        assert dict(result.counts) == {kind: 1}
        assert result.total == 1

    def test_every_pattern_of_the_table_has_a_case(self) -> None:
        """Each kind in SECRET_PATTERNS is exercised by the table above."""
        assert {name for name, _ in SECRET_PATTERNS} == {kind for kind, *_ in SECRETS}

    def test_pattern_names_are_unique(self) -> None:
        """No two rows of the table share a name, so counts are unambiguous."""
        names = [name for name, _ in SECRET_PATTERNS]
        assert len(names) == len(set(names))

    def test_several_secrets_in_one_text_are_counted_per_kind(self) -> None:
        """Two OpenAI keys and a JWT count as 2 and 1."""
        text = f"{OPENAI_LEGACY} and {OPENAI_PROJECT} with {JWT}"
        result = scrub(text)
        assert dict(result.counts) == {"OPENAI_API_KEY": 2, "JWT": 1}
        assert result.text == (
            "<SECRET:OPENAI_API_KEY> and <SECRET:OPENAI_API_KEY> with <SECRET:JWT>"
        )

    def test_bearer_jwt_is_named_a_jwt(self) -> None:
        """A JWT after Bearer is reported as a JWT, once, and Bearer stays."""
        result = scrub(f"Authorization: Bearer {JWT}")
        assert result.text == "Authorization: Bearer <SECRET:JWT>"
        assert dict(result.counts) == {"JWT": 1}

    def test_scrubbing_twice_changes_nothing_more(self) -> None:
        """Replacement tokens are not themselves matched by any pattern."""
        once = scrub(" ".join(text for _, text, _, _ in SECRETS))
        twice = scrub(once.text)
        assert twice.text == once.text
        assert twice.total == 0


class TestLookAlikesSurvive:
    @pytest.mark.parametrize("text", LOOK_ALIKES)
    def test_look_alike_is_left_unchanged(self, text: str) -> None:
        """Ids, hashes, versions and ordinary words are not secrets."""
        result = scrub(text)
        assert result.text == text
        assert dict(result.counts) == {}


class TestLargeInput:
    @pytest.mark.parametrize(
        "text",
        [
            "a" * 1_000_000,
            "sk-" * 333_334,
            "eyJ" * 333_334,
            "eyJaaaaaaaaaaaa." * 62_500,
            "-----BEGIN PRIVATE KEY-----" * 37_038,
            "://a:" * 200_000,
            "Bearer " * 142_858,
            "aws_secret_access_key=" * 45_455,
            "x:y@" * 250_000,
            "-" * 1_000_000,
        ],
        ids=[
            "letters",
            "sk-prefixes",
            "jwt-headers",
            "jwt-halves",
            "pem-headers",
            "url-userinfo",
            "bearer-words",
            "aws-names",
            "at-colons",
            "dashes",
        ],
    )
    def test_one_megabyte_adversarial_string_finishes(self, text: str) -> None:
        """A 1 MB string built to provoke backtracking is scrubbed (no timing asserted)."""
        result = scrub(text)
        assert len(text) >= 1_000_000
        assert isinstance(result.text, str)

    def test_secret_at_the_end_of_a_megabyte_is_still_found(self) -> None:
        """Size does not stop the scrub: a key after 1 MB of text is replaced."""
        result = scrub("lorem ipsum " * 90_000 + GITHUB_CLASSIC)
        assert result.text.endswith("<SECRET:GITHUB_TOKEN>")
        assert dict(result.counts) == {"GITHUB_TOKEN": 1}


class TestCleanTextCache:
    def test_a_secret_is_scrubbed_after_clean_texts_were_remembered(self, tmp_path: Path) -> None:
        """Texts the scan cleared are remembered; a text holding a secret never is."""
        producer = FakeProducer()
        config = ClientConfig(service_name="svc", spool_dir=str(tmp_path), prometheus=False)
        with AuditClient(config, producer=producer) as client:
            for _ in range(3):
                client.emit(EventType.OTHER, "x", attributes={"k": "plain value"})
                client.emit(EventType.OTHER, "x", attributes={"k": f"key {GITHUB_CLASSIC}"})
        values = [e["attributes"]["k"] for e in producer.events()]
        assert values[0::2] == ["plain value"] * 3
        assert all(GITHUB_CLASSIC not in v and "<SECRET:GITHUB_TOKEN>" in v for v in values[1::2])
