"""Kafka security reaches every aiokafka client the processor's Faust app opens.

The clients are built by Faust's own code (``build_app``, then the driver's
``_new_producer`` and ``_create_worker_consumer``), never mocked; the tests read the
settings off the aiokafka clients it constructs. Nothing connects to a broker.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from auditstream.processor.app import build_app
from auditstream.processor.errors import KafkaAuthError
from auditstream.processor.kafka_auth import (
    CallbackTokenProvider,
    OidcTokenProvider,
    broker_credentials,
)
from auditstream.processor.settings import ProcessorSettings
from auditstream.schemas.settings import KafkaSettings
from support.oidc import TokenEndpoint
from support.pki import Pki, make_pki


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


def _scram(pki: Pki) -> dict[str, Any]:
    return {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": "auditstream-processor",
        "sasl_password": "scram-secret",
        "ssl_cafile": str(pki.ca),
    }


def _mtls(pki: Pki) -> dict[str, Any]:
    return {
        "security_protocol": "SSL",
        "ssl_cafile": str(pki.ca),
        "ssl_certfile": str(pki.client_cert),
        "ssl_keyfile": str(pki.client_key),
        "ssl_key_password": pki.client_key_password,
    }


def _worker_clients(kafka: dict[str, Any], datadir: Path) -> list[Any]:
    """Build the app as ``audit process`` does; return the aiokafka clients Faust makes.

    The default producer, a transactional producer (the one a raw partition's outputs
    and changelog records go through under exactly-once) and the worker consumer (which
    also reads the changelog at recovery).
    """
    settings = ProcessorSettings(kafka=kafka, processor={"hmac_key": "k" * 32})

    async def build() -> list[Any]:
        with ThreadPoolExecutor(1) as executor:
            app = build_app(
                settings, MagicMock(), executor=executor, datadir=str(datadir), partitions=1
            )
            app.finalize()
            producer = app.producer
            consumer = app.consumer._thread._create_worker_consumer(app.transport)
            made = [
                producer._new_producer(),
                producer._new_producer(transactional_id=f"{app.conf.id}-0-0"),
                consumer,
            ]
            for client in made:
                await client.stop()
            return made

    return asyncio.run(build())


def _client_of(made: Any) -> Any:
    return made._client if hasattr(made, "_client") else made.client


class TestWorkerClients:
    def test_scram_sha_512_over_sasl_ssl_reaches_the_consumer_and_every_producer(
        self, pki: Pki, tmp_path: Path
    ) -> None:
        """Consumer, producer and transactional producer all speak SASL_SSL with SCRAM."""
        made = _worker_clients(_scram(pki), tmp_path)
        contexts = set()
        for client in map(_client_of, made):
            assert client._security_protocol == "SASL_SSL"
            assert client._sasl_mechanism == "SCRAM-SHA-512"
            assert client._sasl_plain_username == "auditstream-processor"
            assert client._sasl_plain_password == "scram-secret"
            assert isinstance(client._ssl_context, ssl.SSLContext)
            contexts.add(id(client._ssl_context))
        context = _client_of(made[0])._ssl_context
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname is True
        assert [ca["subject"] for ca in context.get_ca_certs()] == [
            ((("commonName", "auditstream-test-ca"),),)
        ]
        assert len(contexts) == 1  # one context, built once

    def test_mtls_reaches_every_client_and_presents_the_client_certificate(
        self, pki: Pki, tmp_path: Path
    ) -> None:
        """SSL with a client certificate: the context Faust hands aiokafka passes a server
        that requires client certificates from our CA."""
        made = _worker_clients(_mtls(pki), tmp_path)
        for client in map(_client_of, made):
            assert client._security_protocol == "SSL"
            assert client._sasl_mechanism in (None, "PLAIN")  # aiokafka's unused default
        context = _client_of(made[2])._ssl_context
        assert _handshake_peer(context, pki) == "processor"

    def test_plaintext_passes_no_credentials(self, tmp_path: Path) -> None:
        """The local stack's default: PLAINTEXT, no TLS context."""
        for client in map(_client_of, _worker_clients({}, tmp_path)):
            assert client._security_protocol == "PLAINTEXT"
            assert client._ssl_context is None

    def test_oauthbearer_gives_every_client_the_oidc_token_provider(
        self, pki: Pki, tmp_path: Path
    ) -> None:
        """OAUTHBEARER over SASL_SSL: one OidcTokenProvider shared by all clients."""
        kafka = {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "OAUTHBEARER",
            "ssl_cafile": str(pki.ca),
            "sasl_oauthbearer_token_endpoint_url": "https://idp.example/token",
            "sasl_oauthbearer_client_id": "auditstream-processor",
            "sasl_oauthbearer_client_secret": "oidc-secret",
        }
        providers = set()
        for client in map(_client_of, _worker_clients(kafka, tmp_path)):
            assert client._security_protocol == "SASL_SSL"
            assert client._sasl_mechanism == "OAUTHBEARER"
            assert isinstance(client._sasl_oauth_token_provider, OidcTokenProvider)
            providers.add(id(client._sasl_oauth_token_provider))
        assert len(providers) == 1


class TestCredentialMapping:
    """broker_credentials through Faust's credentials_to_aiokafka_auth (the driver's map)."""

    def test_gssapi_passes_the_kerberos_service_and_domain(self) -> None:
        """GSSAPI over SASL_PLAINTEXT names the service and host the ticket is for."""
        kafka = KafkaSettings(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="GSSAPI",
            sasl_kerberos_service_name="kafka-prod",
            sasl_kerberos_domain_name="broker.corp.example",
        )
        assert credentials_to_aiokafka_auth(broker_credentials(kafka)) == {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "GSSAPI",
            "sasl_kerberos_service_name": "kafka-prod",
            "sasl_kerberos_domain_name": "broker.corp.example",
            "ssl_context": None,
        }

    def test_sasl_ssl_without_a_ca_file_trusts_the_system_cas(self) -> None:
        """aiokafka refuses SASL_SSL without a context, so one is always built."""
        kafka = KafkaSettings(
            security_protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-256",
            sasl_username="u",
            sasl_password="p",
        )
        auth = credentials_to_aiokafka_auth(broker_credentials(kafka))
        assert auth["security_protocol"] == "SASL_SSL"
        assert auth["sasl_mechanism"] == "SCRAM-SHA-256"
        assert isinstance(auth["ssl_context"], ssl.SSLContext)

    def test_sasl_plaintext_scram_has_no_tls(self) -> None:
        """SCRAM without TLS stays SASL_PLAINTEXT (Faust picks SASL_SSL only with a context)."""
        kafka = KafkaSettings(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="u",
            sasl_password="p",
        )
        auth = credentials_to_aiokafka_auth(broker_credentials(kafka))
        assert auth["security_protocol"] == "SASL_PLAINTEXT"
        assert auth["ssl_context"] is None

    def test_a_wrong_key_password_fails_naming_the_files(self, pki: Pki) -> None:
        """An unreadable client key stops the worker at start, naming the variables."""
        kafka = KafkaSettings(**{**_mtls(pki), "ssl_key_password": "Pa55-not-this"})
        with pytest.raises(KafkaAuthError, match="AUDITSTREAM_KAFKA__SSL_KEYFILE") as info:
            broker_credentials(kafka)
        assert "Pa55-not-this" not in str(info.value)

    def test_a_missing_ca_file_fails_naming_it(self, tmp_path: Path) -> None:
        kafka = KafkaSettings(security_protocol="SSL", ssl_cafile=str(tmp_path / "none.pem"))
        with pytest.raises(KafkaAuthError, match="AUDITSTREAM_KAFKA__SSL_CAFILE"):
            broker_credentials(kafka)


def _handshake_peer(context: ssl.SSLContext, pki: Pki) -> str:
    """Run a TLS server on loopback that requires a client certificate from the test CA;
    connect with ``context``; return the client certificate's common name the server saw."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    server_context.load_cert_chain(str(pki.server_cert), str(pki.server_key))
    server_context.verify_mode = ssl.CERT_REQUIRED
    seen: list[str] = []

    async def run() -> None:
        async def on_client(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            cert = writer.get_extra_info("peercert")
            seen.extend(
                value for rdn in cert["subject"] for key, value in rdn if key == "commonName"
            )
            writer.close()

        server = await asyncio.start_server(on_client, "127.0.0.1", 0, ssl=server_context)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=context, server_hostname="localhost"
            )
            await reader.read()
            writer.close()

    asyncio.run(asyncio.wait_for(run(), 10))
    return seen[0]


# --- the OIDC token provider against a real loopback HTTP server ---------------------------


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    server = TokenEndpoint()
    yield server
    server.close()


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _provider(endpoint: TokenEndpoint, clock: _Clock, scope: str | None = "kafka") -> Any:
    return OidcTokenProvider(
        token_endpoint_url=endpoint.url,
        client_id="auditstream-processor",
        client_secret="oidc-secret",
        scope=scope,
        clock=clock,
    )


class TestOidcTokenProvider:
    def test_posts_the_client_credentials_grant_with_basic_auth(
        self, endpoint: TokenEndpoint
    ) -> None:
        """The grant, the scope and the client's id and secret reach the endpoint."""
        endpoint.answers.append((200, {"access_token": "tok-1", "expires_in": 3600}))
        token = asyncio.run(_provider(endpoint, _Clock()).token())
        assert token == "tok-1"
        assert endpoint.requests == [
            {
                "path": "/realms/audit/token",
                "form": {"grant_type": "client_credentials", "scope": "kafka"},
                "basic": "auditstream-processor:oidc-secret",
            }
        ]

    def test_caches_the_token_until_shortly_before_expiry(self, endpoint: TokenEndpoint) -> None:
        """Concurrent and repeated calls share one token; a new one is fetched when due."""
        endpoint.answers += [
            (200, {"access_token": "tok-1", "expires_in": 600}),
            (200, {"access_token": "tok-2", "expires_in": 600}),
        ]
        clock = _Clock()
        provider = _provider(endpoint, clock)

        async def run() -> list[str]:
            first = await asyncio.gather(*(provider.token() for _ in range(5)))
            clock.now += 500  # inside the lifetime minus the refresh margin
            cached = await provider.token()
            clock.now += 60  # 560 s: within the 60 s margin before expiry
            renewed = await provider.token()
            return [*first, cached, renewed]

        assert asyncio.run(run()) == ["tok-1"] * 6 + ["tok-2"]
        assert len(endpoint.requests) == 2

    def test_without_scope_sends_none(self, endpoint: TokenEndpoint) -> None:
        endpoint.answers.append((200, {"access_token": "tok", "token_type": "Bearer"}))
        asyncio.run(_provider(endpoint, _Clock(), scope=None).token())
        assert endpoint.requests[0]["form"] == {"grant_type": "client_credentials"}

    def test_a_refused_client_raises_naming_endpoint_and_status(
        self, endpoint: TokenEndpoint
    ) -> None:
        """A 401 is a KafkaAuthError with the status, never the secret."""
        endpoint.answers.append((401, {"error": "invalid_client"}))
        with pytest.raises(KafkaAuthError, match="HTTP 401") as info:
            asyncio.run(_provider(endpoint, _Clock()).token())
        assert "oidc-secret" not in str(info.value)

    def test_an_answer_without_a_token_raises(self, endpoint: TokenEndpoint) -> None:
        endpoint.answers.append((200, {"token_type": "Bearer"}))
        with pytest.raises(KafkaAuthError, match="without an access_token"):
            asyncio.run(_provider(endpoint, _Clock()).token())

    def test_an_unreachable_endpoint_raises(self, endpoint: TokenEndpoint) -> None:
        url = endpoint.url
        endpoint.close()
        provider = OidcTokenProvider(token_endpoint_url=url, client_id="c", client_secret="s")
        with pytest.raises(KafkaAuthError, match="failed"):
            asyncio.run(provider.token())

    def test_is_built_from_the_settings(self) -> None:
        kafka = KafkaSettings(
            security_protocol="SASL_SSL",
            sasl_mechanism="OAUTHBEARER",
            sasl_oauthbearer_token_endpoint_url="https://idp.example/token",
            sasl_oauthbearer_client_id="cid",
            sasl_oauthbearer_client_secret="secret",
            sasl_oauthbearer_scope="kafka audit",
        )
        provider = OidcTokenProvider.from_settings(kafka)
        assert provider._scope == "kafka audit"
        assert "secret" not in repr(provider)


class TestCallbackTokenProvider:
    """sasl_oauthbearer_token_callback: the operator's function behind aiokafka's provider."""

    def test_the_setting_gives_every_client_the_callback_provider(self, tmp_path: Path) -> None:
        from support import oidc

        kafka = {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "OAUTHBEARER",
            "sasl_oauthbearer_token_callback": oidc.CALLBACK_PATH,
        }
        for client in map(_client_of, _worker_clients(kafka, tmp_path)):
            assert client._sasl_mechanism == "OAUTHBEARER"
            provider = client._sasl_oauth_token_provider
            assert isinstance(provider, CallbackTokenProvider)
        assert asyncio.run(provider.token()) == oidc.CALLBACK_TOKEN

    def test_caches_until_the_returned_expiry_nears(self) -> None:
        """The expiry is wall-clock epoch seconds; renewal comes a minute before it."""
        clock, wall = _Clock(), 1_700_000_000.0
        answers = iter([("tok-1", wall + 300), ("tok-2", wall + 900)])
        provider = CallbackTokenProvider(
            lambda: next(answers), clock=clock, wall_clock=lambda: wall
        )

        async def run() -> list[str]:
            got = [await provider.token()]
            clock.now += 239  # renewal is due at 300 - 60 s
            got.append(await provider.token())
            clock.now += 1
            got.append(await provider.token())
            return got

        assert asyncio.run(run()) == ["tok-1", "tok-1", "tok-2"]

    def test_a_failing_callback_is_a_kafka_auth_error(self) -> None:
        def broken() -> tuple[str, float]:
            raise RuntimeError("no credentials in the pod")

        with pytest.raises(KafkaAuthError, match="no credentials in the pod"):
            asyncio.run(CallbackTokenProvider(broken).token())
