"""Our recognizers, as tables of texts that must and must not match."""

from __future__ import annotations

import pytest

from auditstream.processor.redaction.recognizers import (
    SecretRecognizer,
    SelfIntroductionRecognizer,
)


def _found(recognizer: object, text: str) -> list[str]:
    results = recognizer.analyze(text, entities=recognizer.supported_entities, nlp_artifacts=None)  # type: ignore[attr-defined]
    return [text[r.start : r.end] for r in results]


SECRETS = [
    "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz",
    "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a1B2" * 9,
    "glpat-abcdefghij0123456789",
    "xoxb-1234567890-abcdefghij",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "AIzaSyA1234567890abcdefghijklmnopqrstuv",
]
NOT_SECRETS = [
    "123e4567-e89b-12d3-a456-426614174000",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "version v1.2.3",
    "the task asks for a risk score",
    "order ORD-12345",
]


class TestSecretRecognizer:
    @pytest.mark.parametrize("secret", SECRETS)
    def test_secret_in_a_sentence_is_found_whole(self, secret: str) -> None:
        """Each kind of credential is found, and the whole credential is the span."""
        assert _found(SecretRecognizer(), f"please use {secret} for the call") == [secret]

    @pytest.mark.parametrize("text", NOT_SECRETS)
    def test_look_alikes_are_not_secrets(self, text: str) -> None:
        """UUIDs, hashes, versions and order ids are left alone."""
        assert _found(SecretRecognizer(), text) == []

    def test_private_key_block_is_found_with_its_armour(self) -> None:
        """A PEM private key is one finding from BEGIN to END."""
        block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAAA\n-----END RSA PRIVATE KEY-----"
        assert _found(SecretRecognizer(), f"key:\n{block}\nthanks") == [block]

    def test_password_in_a_connection_string_is_found_without_the_user(self) -> None:
        """Only the user:password part between :// and @ is taken."""
        found = _found(SecretRecognizer(), "postgres://app:hunter2@db.internal:5432/x")
        assert found == ["app:hunter2"]


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
