"""OAUTHBEARER end to end: a real broker validating RS256 tokens from a loopback OIDC server.

The broker (the cached Kafka jars, a private node on ports 23192-23194) checks each
token's signature against the JWKS the test serves; the processor's Faust clients get
their tokens through :class:`OidcTokenProvider`, the SDK's librdkafka through its own
OIDC client, both from the same client-credentials endpoint.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from aiokafka import TopicPartition as AioTopicPartition
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from auditstream.processor.app import build_app
from auditstream.processor.settings import ProcessorSettings
from auditstream.producer import ClientConfig
from support.secured_kafka import kafka_lib

pytestmark = pytest.mark.integration

OAUTH_PORT, CONTROLLER_PORT, INTERNAL_PORT = 23192, 23193, 23194


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Issuer:
    """Token endpoint (client credentials) and JWKS on loopback, RS256-signed tokens."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issued: list[str] = []
        numbers = self.key.public_key().public_numbers()
        jwks = {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": "test-key",
                    "alg": "RS256",
                    "use": "sig",
                    "n": _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                    "e": _b64(numbers.e.to_bytes(3, "big")),
                }
            ]
        }
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._send(jwks)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                client = base64.b64decode(self.headers["Authorization"][6:]).decode()
                token = issuer.token(client.partition(":")[0])
                self._send({"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.jwks_url, self.token_url = f"{base}/jwks", f"{base}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, subject: str) -> str:
        now = int(time.time())
        header = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "test-key"}).encode())
        claims = _b64(json.dumps({"sub": subject, "iat": now, "exp": now + 3600}).encode())
        signing_input = f"{header}.{claims}".encode()
        signature = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        self.issued.append(subject)
        return f"{header}.{claims}.{_b64(signature)}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def issuer() -> Iterator[_Issuer]:
    running = _Issuer()
    yield running
    running.close()


@pytest.fixture(scope="module")
def broker(issuer: _Issuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("oauth-kafka")
    config = directory / "server.properties"
    handler = "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler"
    login = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;"
    config.write_text(
        f"""process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{CONTROLLER_PORT}
listeners=OAUTH://127.0.0.1:{OAUTH_PORT},INTERNAL://127.0.0.1:{INTERNAL_PORT},CONTROLLER://127.0.0.1:{CONTROLLER_PORT}
advertised.listeners=OAUTH://127.0.0.1:{OAUTH_PORT},INTERNAL://127.0.0.1:{INTERNAL_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
listener.security.protocol.map=OAUTH:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauth.oauthbearer.sasl.jaas.config={login}
listener.name.oauth.oauthbearer.sasl.server.callback.handler.class={handler}
sasl.oauthbearer.jwks.endpoint.url={issuer.jwks_url}
log.dirs={directory / "data"}
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
"""
    )
    java = [
        "java",
        "-Xmx384m",
        f"-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls={issuer.jwks_url}",
        "-cp",
        f"{kafka_lib()}/*",
    ]
    subprocess.run(
        [*java, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config)],
        check=True,
        capture_output=True,
    )
    with (directory / "broker.log").open("ab") as log:
        process = subprocess.Popen(
            [*java, "kafka.Kafka", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        internal = AdminClient({"bootstrap.servers": f"127.0.0.1:{INTERNAL_PORT}"})
        deadline = time.monotonic() + 120
        while True:
            try:
                internal.list_topics(timeout=5)
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield f"127.0.0.1:{OAUTH_PORT}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _cluster_id() -> str:
    return _b64(uuid.uuid4().bytes)


def _oauth(bootstrap: str, issuer: _Issuer, client_id: str) -> dict[str, Any]:
    return {
        "bootstrap_servers": bootstrap,
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "OAUTHBEARER",
        "sasl_oauthbearer_token_endpoint_url": issuer.token_url,
        "sasl_oauthbearer_client_id": client_id,
        "sasl_oauthbearer_client_secret": f"{client_id}-secret",
    }


def test_sdk_and_processor_authenticate_with_oidc_tokens(
    broker: str, issuer: _Issuer, tmp_path: Path
) -> None:
    """The SDK (librdkafka's OIDC) writes, the processor's Faust consumer (our token
    provider) reads it back and its transactional producer commits, all on OAUTHBEARER."""
    topic = f"oauth.{uuid.uuid4().hex[:8]}.raw"
    internal = AdminClient({"bootstrap.servers": f"127.0.0.1:{INTERNAL_PORT}"})
    internal.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=60)

    sdk = ClientConfig(service_name="oauth-test", topic=topic, **_oauth(broker, issuer, "sdk"))
    producer = Producer(sdk.to_librdkafka())
    producer.produce(topic, b"raw-event", key=b"k")
    assert producer.flush(60) == 0

    settings = ProcessorSettings(
        kafka=_oauth(broker, issuer, "processor"),
        topics={"raw": topic},
        processor={"hmac_key": "k" * 32, "app_id": f"app-{uuid.uuid4().hex[:8]}"},
    )

    async def run() -> list[bytes]:
        with ThreadPoolExecutor(1) as executor:
            app = build_app(
                settings, MagicMock(), executor=executor, datadir=str(tmp_path), partitions=1
            )
            app.finalize()
            consumer = app.consumer._thread._create_worker_consumer(app.transport)
            await consumer.start()
            records: list[bytes] = []
            try:
                consumer.assign([AioTopicPartition(topic, 0)])
                await consumer.seek_to_beginning()
                deadline = time.monotonic() + 60
                while not records and time.monotonic() < deadline:
                    batches = await consumer.getmany(timeout_ms=2_000)
                    records += [r.value for batch in batches.values() for r in batch]
            finally:
                await consumer.stop()
            transactional = app.producer._new_producer(transactional_id=f"{app.conf.id}-0-0")
            await transactional.start()
            try:
                await transactional.begin_transaction()
                await transactional.send_and_wait(topic, b"from-processor", key=b"k")
                await transactional.commit_transaction()
            finally:
                await transactional.stop()
            return records

    assert asyncio.run(asyncio.wait_for(run(), 150)) == [b"raw-event"]
    assert "sdk" in issuer.issued
    assert "processor" in issuer.issued
