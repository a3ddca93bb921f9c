"""A private Kafka broker with only a SASL_SSL listener (SCRAM-SHA-512) and ACLs enforced.

Runs the jars ``deploy/local/stack.sh install`` cached (never the shared stack), on its
own ports and state directory, with certificates from :mod:`support.pki`. The users are
created at format time (KRaft ``--add-scram``); ``admin`` is the only super user on the
client listener. A second client listener (``MTLS``) takes TLS with a client
certificate only, its CN being the principal. The controller listener is PLAINTEXT on
loopback, as a combined KRaft node needs (its principal, ANONYMOUS, is a super user
there only for controller RPCs).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from support.pki import Pki, make_pki

KAFKA_PORT = 23092
CONTROLLER_PORT = 23093
MTLS_PORT = 23094
START_TIMEOUT_S = 120
USERS = {
    "admin": "admin-secret",
    "sdk": "sdk-secret",
    "processor": "processor-secret",
    "sink": "sink-secret",
}


def kafka_lib() -> Path:
    cache = Path(os.environ.get("AUDITSTREAM_CACHE_DIR", Path.home() / ".cache/auditstream"))
    return cache / "kafka-3.9.1" / "lib"


@dataclass
class SecuredKafka:
    """A running SASL_SSL broker; ``kafka(user)`` gives a user's settings section."""

    directory: Path
    pki: Pki
    process: subprocess.Popen[bytes]

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{KAFKA_PORT}"

    def kafka(self, user: str, password: str | None = None) -> dict[str, Any]:
        """The ``kafka`` settings section of ``user`` (SCRAM-SHA-512 over TLS, our CA)."""
        return {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": user,
            "sasl_password": USERS[user] if password is None else password,
            "ssl_cafile": str(self.pki.ca),
        }

    def mtls(self) -> dict[str, Any]:
        """The ``kafka`` section of the client certificate's principal (``processor``)."""
        return {
            "bootstrap_servers": f"127.0.0.1:{MTLS_PORT}",
            "security_protocol": "SSL",
            "ssl_cafile": str(self.pki.ca),
            "ssl_certfile": str(self.pki.client_cert),
            "ssl_keyfile": str(self.pki.client_key),
            "ssl_key_password": self.pki.client_key_password,
        }

    def admin(self) -> AdminClient:
        from auditstream.schemas.settings import KafkaSettings

        return AdminClient(KafkaSettings(**self.kafka("admin")).to_librdkafka())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _properties(directory: Path) -> str:
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="admin" password="{USERS["admin"]}";'
    )
    return f"""process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{CONTROLLER_PORT}
listeners=SASL_SSL://127.0.0.1:{KAFKA_PORT},CONTROLLER://127.0.0.1:{CONTROLLER_PORT},MTLS://127.0.0.1:{MTLS_PORT}
advertised.listeners=SASL_SSL://127.0.0.1:{KAFKA_PORT},MTLS://127.0.0.1:{MTLS_PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL
listener.name.mtls.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=(.*?)$/$1/,DEFAULT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={jaas}
ssl.keystore.type=PEM
ssl.keystore.location={directory / "server-keystore.pem"}
ssl.truststore.type=PEM
ssl.truststore.location={directory / "ca.pem"}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
log.dirs={directory / "data"}
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
"""


def start_secured_kafka(directory: Path) -> SecuredKafka:
    """Make certificates and users, format the storage, start the broker, wait for it."""
    lib = kafka_lib()
    if not lib.is_dir():
        msg = f"Kafka jars not installed at {lib}: run deploy/local/stack.sh install"
        raise RuntimeError(msg)
    directory.mkdir(parents=True, exist_ok=True)
    pki = make_pki(directory)
    (directory / "server-keystore.pem").write_bytes(
        pki.server_key.read_bytes() + pki.server_cert.read_bytes()
    )
    config = directory / "server.properties"
    config.write_text(_properties(directory))
    java = ["java", "-Xmx384m", "-cp", f"{lib}/*"]
    cluster_id = subprocess.run(
        [*java, "kafka.tools.StorageTool", "random-uuid"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    scram = [
        arg
        for user, password in USERS.items()
        for arg in ("--add-scram", f"SCRAM-SHA-512=[name={user},password={password}]")
    ]
    subprocess.run(
        [*java, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config), *scram],
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
    broker = SecuredKafka(directory, pki, process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            broker.admin().list_topics(timeout=5)
            _wait_group_coordinator(broker, deadline)
            return broker
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                broker.stop()
                raise
            time.sleep(1)


def _wait_group_coordinator(broker: SecuredKafka, deadline: float) -> None:
    """Have the broker create ``__consumer_offsets`` and wait until a group coordinator
    answers: a fresh node takes a while, and clients asking before then can stall."""
    from auditstream.schemas.settings import KafkaSettings

    consumer = Consumer(
        {**KafkaSettings(**broker.kafka("admin")).to_librdkafka(), "group.id": "warm-up"}
    )
    try:
        while True:
            try:
                consumer.committed([TopicPartition("warm-up", 0)], timeout=5)
                return
            except KafkaException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
    finally:
        consumer.close()
