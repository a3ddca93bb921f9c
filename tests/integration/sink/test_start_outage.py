"""A sink started while S3 does not answer waits and starts by itself; misconfiguration exits 2.

The store is "away" by pointing the sink at a loopback port where nothing listens. It
comes back when the test opens that port as a plain TCP relay to the shared stack's real
S3 server, so the sink then talks to versitygw itself. The shared stack is never stopped.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

import pytest

from support.pipeline import Worker
from support.processor import free_loopback_port
from support.sink_harness import SinkUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration


def _start(sut: SinkUnderTest, **s3: str) -> Worker:
    """Start ``audit sink`` with this test's environment and these S3 settings."""
    log_path = sut.log_dir / f"sink-{len(sut.workers)}.log"
    env = sut.env() | {f"AUDITSTREAM_S3__{name.upper()}": value for name, value in s3.items()}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "auditstream.cli.main", "sink"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = Worker("sink", process, log_path)
    sut.workers.append(worker)
    return worker


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@contextmanager
def _relay(port: int, endpoint: str) -> Iterator[None]:
    """Listen on ``port`` and pass every connection through to ``endpoint``, byte for byte."""
    target = urlsplit(endpoint)
    server = socket.create_server(("127.0.0.1", port))
    server.settimeout(0.2)
    stopped = threading.Event()

    def accept() -> None:
        while not stopped.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection((target.hostname, target.port), timeout=30)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join(timeout=5)
        server.close()


def _exit_code(worker: Worker) -> int:
    code = wait_until(
        lambda: worker.process.poll() is not None and (worker.process.returncode,),
        timeout_s=60,
        what="the sink to exit",
        describe=worker.log_tail,
    )
    return code[0]


class TestSinkStartDuringOutage:
    def test_a_sink_started_while_s3_is_away_waits_then_archives(self, sut: SinkUnderTest) -> None:
        """It stays up, logs that it waits, and archives once the endpoint answers."""
        ids = sut.produce(30)
        port = free_loopback_port()
        worker = _start(sut, endpoint_url=f"http://127.0.0.1:{port}")
        wait_until(
            lambda: worker.log_path.read_text().count('"archive_unavailable_at_start"') >= 2,
            timeout_s=90,
            what="two logged waits for the archive",
            describe=worker.log_tail,
        )
        assert worker.process.poll() is None, worker.log_tail()
        log = worker.log_path.read_text()
        assert '"sink_started"' not in log
        assert '"level": "warning"' in log
        with _relay(port, sut.stack.s3_endpoint):
            wait_until(
                lambda: sut.chained_records() >= len(ids),
                timeout_s=180,
                what="the events archived after the store came back",
                describe=worker.log_tail,
            )
            assert worker.process.poll() is None
            sut.stop()
        assert worker.process.returncode == 0, worker.log_tail()
        assert sut.verify().ok

    def test_a_missing_bucket_still_exits_2_at_once(self, sut: SinkUnderTest) -> None:
        """No bucket is misconfiguration: exit 2, naming the bucket, without waiting."""
        worker = _start(sut, bucket=f"no-such-bucket-{sut.run_id}")
        assert _exit_code(worker) == 2
        log = worker.log_path.read_text()
        assert "the bucket does not exist" in log
        assert '"archive_unavailable_at_start"' not in log

    def test_refused_credentials_still_exit_2_at_once(self, sut: SinkUnderTest) -> None:
        """A wrong secret is misconfiguration: exit 2, access denied, without waiting."""
        worker = _start(sut, secret_access_key="not-the-secret")
        assert _exit_code(worker) == 2
        log = worker.log_path.read_text()
        assert "access denied" in log
        assert "AUDITSTREAM_S3__ENDPOINT_URL" in log
        assert '"archive_unavailable_at_start"' not in log
