"""``audit sink --metrics-port``: /readyz turns 200 once the real group assigned the worker.

On the real broker and S3: the worker serves /healthz at once, /readyz answers 503 with
the failing checks until the archive opened, the group assigned its partitions and
librdkafka reported a broker connection up, then 200; SIGTERM still exits 0.
"""

from __future__ import annotations

import json
import signal
import socket
import urllib.error
import urllib.request

import pytest

from support.sink_harness import SinkUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, str] | None:
    """Status and body, or None while nothing answers on the port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return None


class TestSinkHealth:
    def test_readyz_turns_200_after_the_assignment(self, sut: SinkUnderTest) -> None:
        """Every check is ok once the worker owns its partitions; /healthz and /metrics too."""
        port = _free_port()
        worker = sut.start("--metrics-port", str(port), "--metrics-host", "127.0.0.1")
        answers: list[tuple[int, str]] = []

        def ready() -> bool:
            answer = _get(port, "/readyz")
            if answer is not None:
                answers.append(answer)
            return answer is not None and answer[0] == 200

        try:
            wait_until(ready, timeout_s=60, what="/readyz answering 200", describe=sut.logs)
            body = json.loads(answers[-1][1])
            assert body == {
                "ready": True,
                "checks": {"assignment": "ok", "broker": "ok", "bucket": "ok", "progress": "ok"},
            }
            assert all(code in (200, 503) for code, _ in answers)
            assert _get(port, "/healthz") == (200, '{"status": "ok"}')
            metrics = _get(port, "/metrics")
            assert metrics is not None
            assert metrics[0] == 200
            assert "auditstream_sink_" in metrics[1]
            log_text = worker.log_path.read_text()
            assert '"partitions_assigned"' in log_text

            worker.process.send_signal(signal.SIGTERM)
            assert worker.process.wait(timeout=60) == 0, sut.logs()
        finally:
            sut.stop()
