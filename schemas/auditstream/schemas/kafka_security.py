"""The vocabulary of Kafka security that the SDK and the workers' settings share.

Plain data, no pydantic: the SDK validates by hand and must stay light to import, the
workers validate with pydantic-settings, and both must accept the same values and ask
for the same fields.
"""

from __future__ import annotations

from typing import Literal

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
"""How a client talks to the brokers: plain or TLS, with or without SASL."""

SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "GSSAPI"]
"""The SASL mechanism, when the security protocol uses SASL."""

SASL_REQUIRED: dict[str, tuple[str, ...]] = {
    "PLAIN": ("sasl_username", "sasl_password"),
    "SCRAM-SHA-256": ("sasl_username", "sasl_password"),
    "SCRAM-SHA-512": ("sasl_username", "sasl_password"),
    "OAUTHBEARER": (
        "sasl_oauthbearer_token_endpoint_url",
        "sasl_oauthbearer_client_id",
        "sasl_oauthbearer_client_secret",
    ),
    "GSSAPI": (),
}
"""The settings each SASL mechanism needs besides itself, so an error names every one."""

SECURITY_LIBRDKAFKA_KEYS = frozenset(
    {
        "security.protocol",
        "sasl.mechanism",
        "sasl.mechanisms",
        "sasl.username",
        "sasl.password",
        "ssl.ca.location",
        "ssl.certificate.location",
        "ssl.key.location",
        "ssl.key.password",
        "sasl.oauthbearer.method",
        "sasl.oauthbearer.token.endpoint.url",
        "sasl.oauthbearer.client.id",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.scope",
        "sasl.kerberos.service.name",
        "sasl.kerberos.principal",
        "sasl.kerberos.keytab",
    }
)
"""The librdkafka keys the typed security fields set: an override may not set them again."""
