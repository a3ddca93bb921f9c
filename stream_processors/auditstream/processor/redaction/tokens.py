"""Replacement values: keyed pseudonym tokens and network masks.

Tokens look like ``<EMAIL_ADDRESS:9f2c1a4b7d3e>``: the entity type, then the first 12 hex
digits of HMAC-SHA256(key, tenant, entity type, value). Equal values give equal tokens
within a tenant, so auditors can follow one user or one address without seeing it, and
tokens of different tenants cannot be joined. 48 bits keep collisions unlikely well past
a million distinct values per tenant and type.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

TOKEN_HEX_DIGITS = 12


class Pseudonymizer:
    """Make keyed tokens for one key.

    Args:
        key: The HMAC key (at least 32 bytes; see ``ProcessorSection.hmac_key_bytes``).
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def token(self, entity_type: str, value: str, *, tenant_id: str | None) -> str:
        """Return the token for a value of an entity type within a tenant.

        Args:
            entity_type: E.g. ``EMAIL_ADDRESS``, ``USER_ID``.
            value: The text being replaced.
            tenant_id: The event's tenant (None is its own namespace).

        Returns:
            ``<ENTITY_TYPE:hex>``.
        """
        message = "\x1f".join((tenant_id or "", entity_type, value)).encode()
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()
        return f"<{entity_type}:{digest[:TOKEN_HEX_DIGITS]}>"


IPV4_MASK_BITS = 24
IPV6_MASK_BITS = 48


def mask_ip(value: str) -> str | None:
    """Mask an IP address to its network: IPv4 to /24, IPv6 to /48.

    Args:
        value: An address as text.

    Returns:
        The network in CIDR form, or None when the text is not an IP address (the caller
        then drops the field rather than keep text it cannot vouch for).
    """
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    bits = IPV4_MASK_BITS if address.version == 4 else IPV6_MASK_BITS
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))
