"""Pseudonym tokens and IP masks."""

from __future__ import annotations

import pytest

from auditstream.processor.redaction.tokens import Pseudonymizer, mask_ip


class TestPseudonymizer:
    def test_equal_values_give_equal_tokens_within_a_tenant(self) -> None:
        """Auditors can follow one value across events of a tenant."""
        p = Pseudonymizer(b"k" * 32)
        assert p.token("EMAIL_ADDRESS", "a@b.io", tenant_id="t1") == p.token(
            "EMAIL_ADDRESS", "a@b.io", tenant_id="t1"
        )

    def test_tenants_get_different_tokens_for_the_same_value(self) -> None:
        """Tokens cannot be joined across tenants."""
        p = Pseudonymizer(b"k" * 32)
        assert p.token("USER_ID", "u1", tenant_id="t1") != p.token("USER_ID", "u1", tenant_id="t2")

    def test_token_is_typed_and_hides_the_value(self) -> None:
        """A token names the entity type and does not contain the value."""
        token = Pseudonymizer(b"k" * 32).token("EMAIL_ADDRESS", "a@b.io", tenant_id=None)
        assert token.startswith("<EMAIL_ADDRESS:")
        assert token.endswith(">")
        assert "a@b.io" not in token

    def test_other_key_gives_other_tokens(self) -> None:
        """Without the key nobody can recompute a token."""
        assert Pseudonymizer(b"a" * 32).token("X", "v", tenant_id=None) != Pseudonymizer(
            b"b" * 32
        ).token("X", "v", tenant_id=None)


class TestMaskIp:
    @pytest.mark.parametrize(
        ("value", "masked"),
        [
            ("203.0.113.77", "203.0.113.0/24"),
            ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
            (" 10.0.0.1 ", "10.0.0.0/24"),
            ("not an ip", None),
            ("", None),
        ],
    )
    def test_mask(self, value: str, masked: str | None) -> None:
        """IPv4 becomes its /24, IPv6 its /48, anything else None."""
        assert mask_ip(value) == masked
