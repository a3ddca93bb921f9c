"""Read the SDK's settings from ``AUDITSTREAM_*`` variables, naming the variable at fault.

Only :meth:`ClientConfig.from_env <auditstream.producer.config.ClientConfig.from_env>`
calls this module, and only then is ``os.environ`` read, never at import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from auditstream.producer.errors import ConfigError
from auditstream.producer.policies import ContentPolicy, member
from auditstream.producer.registry import SchemaRegistryConfig

PRODUCER = "AUDITSTREAM_PRODUCER__"
REGISTRY = "AUDITSTREAM_SCHEMA_REGISTRY__"
_KAFKA = "AUDITSTREAM_KAFKA__"
_REQUIRED_TEXT = frozenset({"service_name", "bootstrap_servers", "topic"})


def _text(variable: str, raw: str) -> str:
    return raw.strip()


def _secret(variable: str, raw: str) -> str:
    return raw


def _upper(variable: str, raw: str) -> str:
    return raw.strip().upper()


def _integer(variable: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(variable, f"must be an integer, found {raw.strip()!r}") from None


def _lower(variable: str, raw: str) -> str:
    return raw.strip().lower()


def _boolean(variable: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(variable, f"must be true or false, found {raw.strip()!r}")


def _number(variable: str, raw: str) -> float:
    try:
        return float(raw.strip())
    except ValueError:
        raise ConfigError(variable, f"must be a number, found {raw.strip()!r}") from None


def _content_policy(variable: str, raw: str) -> ContentPolicy:
    try:
        return member(ContentPolicy, raw.strip().lower(), "content_policy")
    except ConfigError as exc:
        raise ConfigError(variable, f"{exc.reason}, found {raw.strip()!r}") from None


def _json_strings(variable: str, raw: str) -> dict[str, str]:
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(variable, f"must be a JSON object: {exc.msg}") from None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise ConfigError(variable, 'must be a JSON object of strings, e.g. {"acks.x": "1"}')
    return parsed


_ENV_FIELDS: tuple[tuple[str, str, Callable[[str, str], Any]], ...] = (
    ("bootstrap_servers", f"{_KAFKA}BOOTSTRAP_SERVERS", _text),
    ("security_protocol", f"{_KAFKA}SECURITY_PROTOCOL", _upper),
    ("sasl_mechanism", f"{_KAFKA}SASL_MECHANISM", _upper),
    ("sasl_username", f"{_KAFKA}SASL_USERNAME", _text),
    ("sasl_password", f"{_KAFKA}SASL_PASSWORD", _secret),
    ("ssl_cafile", f"{_KAFKA}SSL_CAFILE", _text),
    ("ssl_certfile", f"{_KAFKA}SSL_CERTFILE", _text),
    ("ssl_keyfile", f"{_KAFKA}SSL_KEYFILE", _text),
    ("ssl_key_password", f"{_KAFKA}SSL_KEY_PASSWORD", _secret),
    (
        "sasl_oauthbearer_token_endpoint_url",
        f"{_KAFKA}SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL",
        _text,
    ),
    ("sasl_oauthbearer_client_id", f"{_KAFKA}SASL_OAUTHBEARER_CLIENT_ID", _text),
    ("sasl_oauthbearer_client_secret", f"{_KAFKA}SASL_OAUTHBEARER_CLIENT_SECRET", _secret),
    ("sasl_oauthbearer_scope", f"{_KAFKA}SASL_OAUTHBEARER_SCOPE", _text),
    ("sasl_oauthbearer_token_callback", f"{_KAFKA}SASL_OAUTHBEARER_TOKEN_CALLBACK", _text),
    ("sasl_kerberos_service_name", f"{_KAFKA}SASL_KERBEROS_SERVICE_NAME", _text),
    ("sasl_kerberos_principal", f"{_KAFKA}SASL_KERBEROS_PRINCIPAL", _text),
    ("sasl_kerberos_keytab", f"{_KAFKA}SASL_KERBEROS_KEYTAB", _text),
    ("librdkafka_overrides", f"{_KAFKA}LIBRDKAFKA_OVERRIDES", _json_strings),
    ("topic", "AUDITSTREAM_TOPICS__RAW", _text),
    ("service_name", f"{PRODUCER}SERVICE_NAME", _text),
    ("service_version", f"{PRODUCER}SERVICE_VERSION", _text),
    ("environment", f"{PRODUCER}ENVIRONMENT", _text),
    ("host", f"{PRODUCER}HOST", _text),
    ("tenant_id", f"{PRODUCER}TENANT_ID", _text),
    ("content_policy", f"{PRODUCER}CONTENT_POLICY", _content_policy),
    ("linger_ms", f"{PRODUCER}LINGER_MS", _integer),
    ("spool_enabled", f"{PRODUCER}SPOOL_ENABLED", _boolean),
    ("spool_dir", f"{PRODUCER}SPOOL_DIR", _text),
    ("spool_max_bytes", f"{PRODUCER}SPOOL_MAX_BYTES", _integer),
    ("spool_segment_bytes", f"{PRODUCER}SPOOL_SEGMENT_BYTES", _integer),
    ("spool_fsync", f"{PRODUCER}SPOOL_FSYNC", _lower),
    ("spool_fsync_interval_s", f"{PRODUCER}SPOOL_FSYNC_INTERVAL_S", _number),
    ("shed_policy", f"{PRODUCER}SHED_POLICY", _lower),
    ("shed_log_interval_s", f"{PRODUCER}SHED_LOG_INTERVAL_S", _number),
    ("prometheus", f"{PRODUCER}PROMETHEUS", _boolean),
)

# SchemaRegistryConfig's fields; the section is read only when its URL is set.
_REGISTRY_FIELDS: tuple[tuple[str, str, Callable[[str, str], Any]], ...] = (
    ("url", f"{REGISTRY}URL", _text),
    ("basic_auth_user", f"{REGISTRY}BASIC_AUTH_USER", _text),
    ("basic_auth_password", f"{REGISTRY}BASIC_AUTH_PASSWORD", _secret),
    ("ssl_cafile", f"{REGISTRY}SSL_CAFILE", _text),
)
KNOWN_REGISTRY = tuple(sorted(variable for _, variable, _ in _REGISTRY_FIELDS))

KNOWN_PRODUCER = tuple(
    sorted(
        [v for _, v, _ in _ENV_FIELDS if v.startswith(PRODUCER)]
        + [f"{PRODUCER}HASH_KEY", f"{PRODUCER}HASH_KEY_FILE"]
    )
)


def _read_hash_key(env: Mapping[str, str]) -> tuple[str | None, bytes | None]:
    file_variable, inline_variable = f"{PRODUCER}HASH_KEY_FILE", f"{PRODUCER}HASH_KEY"
    path = (env.get(file_variable) or "").strip()
    inline = env.get(inline_variable) or ""
    if path and inline:
        raise ConfigError(inline_variable, f"set either it or {file_variable}, not both")
    if inline:
        return inline_variable, inline.encode()
    if not path:
        return None, None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            file_variable, f"cannot read the key file {path!r}: {exc.strerror or exc}"
        ) from exc
    return file_variable, data.rstrip(b"\r\n")


def read_environment(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse every known variable present in ``env``.

    Args:
        env: The environment.

    Returns:
        The field values found, and for every field the variable that set it (or would
        have), so a later validation error can name the variable.

    Raises:
        ConfigError: A variable is unknown or cannot be parsed.
    """
    for prefix, known in ((PRODUCER, KNOWN_PRODUCER), (REGISTRY, KNOWN_REGISTRY)):
        unknown = sorted(name for name in env if name.startswith(prefix) and name not in known)
        if unknown:
            raise ConfigError(unknown[0], f"unknown setting; known: {', '.join(known)}")
    values: dict[str, Any] = {}
    # Which variable a field's error is reported under: the one that set it, else
    # the one that would have (so "hash_key is required" names HASH_KEY_FILE).
    source = {name: variable for name, variable, _ in _ENV_FIELDS}
    source["hash_key"] = f"{PRODUCER}HASH_KEY_FILE"
    for name, variable, parse in _ENV_FIELDS:
        raw = env.get(variable)
        if raw is not None and (raw.strip() or name in _REQUIRED_TEXT):
            values[name] = parse(variable, raw)
    key_variable, key = _read_hash_key(env)
    if key_variable is not None:
        values["hash_key"] = key
        source["hash_key"] = key_variable
    registry = _read_registry(env)
    if registry is not None:
        values["schema_registry"] = registry
    return values, source


def _read_registry(env: Mapping[str, str]) -> SchemaRegistryConfig | None:
    """The registry section, or None when its URL is unset or empty (no registry)."""
    values = {}
    for name, variable, parse in _REGISTRY_FIELDS:
        raw = env.get(variable)
        if raw is not None and raw.strip():
            values[name] = parse(variable, raw)
    if "url" not in values:
        others = sorted(f"{REGISTRY}{name.upper()}" for name in values)
        if others:
            raise ConfigError(others[0], f"is set, but {REGISTRY}URL is not")
        return None
    try:
        return SchemaRegistryConfig(**values)
    except ConfigError as exc:
        variable = REGISTRY + exc.variable.removeprefix("schema_registry.").upper()
        raise ConfigError(variable, exc.reason) from exc
