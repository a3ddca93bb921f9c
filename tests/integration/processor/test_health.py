"""``audit process`` with a metrics port: /readyz turns 200 once Faust has its assignment.

On the real broker: /healthz answers as soon as the endpoint is up, /readyz answers 503
naming its checks until the group assigned the worker and aiokafka holds a broker
connection, then 200; SIGTERM turns it off and the worker still exits 0.
"""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request

import pytest

from support.pipeline import PipelineUnderTest
from support.processor import free_loopback_port
from support.wait import wait_until

pytestmark = pytest.mark.integration


def _get(port: int, path: str) -> tuple[int, str] | None:
    """Status and body, or None while nothing answers on the port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return None


class TestProcessorHealth:
    @pytest.mark.timeout(300)
    def test_readyz_turns_200_after_the_assignment(self, pipeline: PipelineUnderTest) -> None:
        """Every check is ok once the worker owns its partitions."""
        port = free_loopback_port()
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__METRICS_PORT"] = str(port)
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__METRICS_HOST"] = "127.0.0.1"
        worker = pipeline.start("process")
        answers: list[tuple[int, str]] = []

        def ready() -> bool:
            answer = _get(port, "/readyz")
            if answer is not None:
                answers.append(answer)
            return answer is not None and answer[0] == 200

        wait_until(
            ready, timeout_s=240, interval_s=1, what="/readyz answering 200", describe=pipeline.logs
        )
        assert json.loads(answers[-1][1]) == {
            "ready": True,
            "checks": {"assignment": "ok", "broker": "ok", "event_loop": "ok"},
        }
        assert all(code in (200, 503) for code, _ in answers)
        assert _get(port, "/healthz") == (200, '{"status": "ok"}')

        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(timeout=120) == 0, pipeline.logs()
        pipeline.retire(worker)
