"""The shared Kafka security settings as Faust's ``broker_credentials``.

What faust-streaming 0.15.3 does with them (read from its source): ``App(...,
broker_credentials=...)`` is read by ``faust.transport.drivers.aiokafka`` through one
function, ``credentials_to_aiokafka_auth``, whose result is spread into the worker
consumer (which also reads the changelogs at recovery), the client-only consumer, the
default producer and every transactional producer (``Producer._new_producer`` adds
``_settings_auth()``), and the threaded producer (it borrows the default producer's
``_settings_auth()``). Passing the credentials to the app therefore secures every Kafka
client the worker opens. Faust's own ``ssl_context`` setting is only used when no
credentials are given, so the context travels inside the credentials.

aiokafka refuses ``SSL``/``SASL_SSL`` without an ``ssl.SSLContext``; we always build one
for those protocols (the system CAs when ``ssl_cafile`` is unset).

OAUTHBEARER: librdkafka fetches OIDC tokens itself (``sasl.oauthbearer.method=oidc``);
aiokafka needs a token provider, :class:`OidcTokenProvider`, which posts the
client-credentials grant to the token endpoint and caches the token until shortly
before it expires. With ``sasl_oauthbearer_token_callback`` set instead,
:class:`CallbackTokenProvider` calls the operator's function, with the same caching.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import faust
from aiokafka.abc import AbstractTokenProvider  # type: ignore[import-untyped]

from auditstream.processor.errors import KafkaAuthError
from auditstream.schemas.settings import KafkaSettings
from auditstream.schemas.token_callback import TokenCallback, load_token_callback

__all__ = ["CallbackTokenProvider", "OidcTokenProvider", "broker_credentials", "ssl_context"]

# A token is renewed this long before its expiry, so a connection opened just before the
# deadline does not present a token the broker rejects on arrival; also the floor below
# which an endpoint's ``expires_in`` is not trusted to be cached at all.
TOKEN_REFRESH_MARGIN_S = 60.0
# Used when the endpoint leaves out ``expires_in`` (RFC 6749 makes it optional).
DEFAULT_TOKEN_LIFETIME_S = 300.0
TOKEN_REQUEST_TIMEOUT_S = 10.0


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext | None:
    """Build the TLS context of ``SSL``/``SASL_SSL``: CA bundle and, for mTLS, client cert.

    Args:
        kafka: The shared Kafka settings.

    Returns:
        A client context verifying the brokers' certificates and host names, or None when
        the protocol does not use TLS.

    Raises:
        KafkaAuthError: A configured file cannot be read or does not hold what it should.
    """
    if not kafka.uses_tls:
        return None
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=kafka.ssl_cafile)
    except (OSError, ssl.SSLError) as exc:
        msg = f"AUDITSTREAM_KAFKA__SSL_CAFILE={kafka.ssl_cafile!r} cannot be loaded: {exc}"
        raise KafkaAuthError(msg) from exc
    if kafka.ssl_certfile and kafka.ssl_keyfile:
        password = kafka.ssl_key_password.get_secret_value() if kafka.ssl_key_password else None
        try:
            context.load_cert_chain(kafka.ssl_certfile, kafka.ssl_keyfile, password)
        except (OSError, ssl.SSLError) as exc:
            msg = (
                f"AUDITSTREAM_KAFKA__SSL_CERTFILE={kafka.ssl_certfile!r} with "
                f"AUDITSTREAM_KAFKA__SSL_KEYFILE={kafka.ssl_keyfile!r} cannot be loaded "
                f"(wrong file, key not matching, or wrong SSL_KEY_PASSWORD): {exc}"
            )
            raise KafkaAuthError(msg) from exc
    return context


def broker_credentials(kafka: KafkaSettings) -> Any:
    """Return the Faust credentials for ``faust.App(broker_credentials=...)``.

    Args:
        kafka: The shared Kafka settings (already validated: every field a mechanism
            needs is set).

    Returns:
        ``None`` for PLAINTEXT, else a ``faust.SSLCredentials``, ``SASLCredentials``,
        ``OAuthCredentials`` or ``GSSAPICredentials`` carrying the TLS context.

    Raises:
        KafkaAuthError: A TLS file cannot be loaded.
    """
    context = ssl_context(kafka)
    mechanism = kafka.sasl_mechanism
    if not kafka.security_protocol.startswith("SASL"):
        return None if context is None else faust.SSLCredentials(context)
    if mechanism == "OAUTHBEARER":
        provider: _CachedTokenProvider
        if kafka.sasl_oauthbearer_token_callback:
            callback = load_token_callback(kafka.sasl_oauthbearer_token_callback)
            provider = CallbackTokenProvider(callback)
        else:
            provider = OidcTokenProvider.from_settings(kafka)
        return faust.OAuthCredentials(oauth_cb=provider, ssl_context=context)
    if mechanism == "GSSAPI":
        return faust.GSSAPICredentials(
            kerberos_service_name=kafka.sasl_kerberos_service_name,
            kerberos_domain_name=kafka.sasl_kerberos_domain_name,
            ssl_context=context,
        )
    password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
    return faust.SASLCredentials(
        username=kafka.sasl_username,
        password=password,
        ssl_context=context,
        mechanism=mechanism,
    )


class _CachedTokenProvider(AbstractTokenProvider):  # type: ignore[misc]  # aiokafka is untyped
    """One token shared by every client of the worker, renewed when it is due.

    A token is reused until ``TOKEN_REFRESH_MARGIN_S`` before it expires; concurrent
    connects wait for one fetch instead of each starting their own. The fetch (blocking)
    runs in a thread, so the event loop keeps heartbeating.
    """

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock: asyncio.Lock | None = None

    async def token(self) -> str:
        """Return a valid access token, fetching a new one when the cached one is due.

        Raises:
            KafkaAuthError: The token could not be had.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                loop = asyncio.get_running_loop()
                token, lifetime = await loop.run_in_executor(None, self._fetch)
                self._token = token
                self._renew_at = self._clock() + max(lifetime - TOKEN_REFRESH_MARGIN_S, 0.0)
            return self._token

    def _fetch(self) -> tuple[str, float]:
        """Return a new token and its lifetime in seconds."""
        raise NotImplementedError


class CallbackTokenProvider(_CachedTokenProvider):
    """OAUTHBEARER tokens from the operator's ``sasl_oauthbearer_token_callback``.

    Args:
        callback: Returns ``(token, expires_at)``, seconds since the Unix epoch.
        clock: Seconds, monotonic; tests pass their own.
        wall_clock: Seconds since the epoch; tests pass their own.
    """

    def __init__(
        self, callback: TokenCallback, *, clock: Any = time.monotonic, wall_clock: Any = time.time
    ) -> None:
        super().__init__(clock)
        self._callback = callback
        self._wall_clock = wall_clock

    def _fetch(self) -> tuple[str, float]:
        try:
            token, expires_at = self._callback()
        except Exception as exc:
            msg = f"sasl_oauthbearer_token_callback raised {type(exc).__name__}: {exc}"
            raise KafkaAuthError(msg) from exc
        if not isinstance(token, str) or not token:
            msg = "sasl_oauthbearer_token_callback returned no token"
            raise KafkaAuthError(msg)
        return token, float(expires_at) - float(self._wall_clock())


class OidcTokenProvider(_CachedTokenProvider):
    """OAUTHBEARER tokens from an OIDC token endpoint (client-credentials grant).

    Args:
        token_endpoint_url: The endpoint the grant is posted to.
        client_id: The OIDC client id (sent with the secret as HTTP Basic auth).
        client_secret: The OIDC client secret.
        scope: Space-separated scopes, or None.
        clock: Seconds, monotonic; tests pass their own.
    """

    def __init__(
        self,
        *,
        token_endpoint_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None = None,
        clock: Any = time.monotonic,
    ) -> None:
        super().__init__(clock)
        self._url = token_endpoint_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope

    @classmethod
    def from_settings(cls, kafka: KafkaSettings) -> OidcTokenProvider:
        """Build the provider from the ``sasl_oauthbearer_*`` settings."""
        secret = kafka.sasl_oauthbearer_client_secret
        if not (kafka.sasl_oauthbearer_token_endpoint_url and kafka.sasl_oauthbearer_client_id):
            msg = (
                "OAUTHBEARER needs AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL "
                "and AUDITSTREAM_KAFKA__SASL_OAUTHBEARER_CLIENT_ID"
            )
            raise KafkaAuthError(msg)
        return cls(
            token_endpoint_url=kafka.sasl_oauthbearer_token_endpoint_url,
            client_id=kafka.sasl_oauthbearer_client_id,
            client_secret=secret.get_secret_value() if secret else "",
            scope=kafka.sasl_oauthbearer_scope,
        )

    def __repr__(self) -> str:
        return f"<OidcTokenProvider url={self._url!r} client_id={self._client_id!r}>"

    def _fetch(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        # Unencoded, as librdkafka sends it, so one client id and secret work for both.
        basic = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the operator's configured endpoint
            self._url,
            data=urllib.parse.urlencode(form).encode("ascii"),
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TOKEN_REQUEST_TIMEOUT_S) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            msg = (
                f"OIDC token endpoint {self._url} answered HTTP {exc.code} "
                f"for client {self._client_id!r}"
            )
            raise KafkaAuthError(msg) from exc
        except (OSError, ValueError) as exc:
            msg = f"OIDC token endpoint {self._url} failed: {type(exc).__name__}: {exc}"
            raise KafkaAuthError(msg) from exc
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            msg = f"OIDC token endpoint {self._url} answered without an access_token"
            raise KafkaAuthError(msg)
        expires_in = body.get("expires_in", DEFAULT_TOKEN_LIFETIME_S)
        lifetime = (
            float(expires_in) if isinstance(expires_in, int | float) else DEFAULT_TOKEN_LIFETIME_S
        )
        return token, lifetime
