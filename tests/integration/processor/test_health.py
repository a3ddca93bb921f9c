"""``audit process`` with a metrics port: /readyz turns 200 once Faust has its assignment.

On the real broker: /healthz answers as soon as the endpoint is up, /readyz answers 503
naming its checks until the group assigned the worker and aiokafka holds a broker
connection, then 200; SIGTERM turns it off and the worker still exits 0. A worker that
owns partitions with events waiting and commits nothing past the stall threshold is not
ready, and /readyz names the partitions.
"""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from support.pipeline import PipelineUnderTest
from support.processor import PROMPTS, free_loopback_port, produce, raw_producer, trace_batch
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
            "checks": {"assignment": "ok", "broker": "ok", "event_loop": "ok", "progress": "ok"},
        }
        assert all(code in (200, 503) for code, _ in answers)
        assert _get(port, "/healthz") == (200, '{"status": "ok"}')

        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(timeout=120) == 0, pipeline.logs()
        pipeline.retire(worker)

    @pytest.mark.timeout(400)
    def test_readyz_names_partitions_that_stop_progressing(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Its analysis child stopped (SIGSTOP) while events wait: 503 with the partitions
        as the reason after the stall threshold, 200 again once the child continues."""
        port = free_loopback_port()
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__METRICS_PORT"] = str(port)
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__METRICS_HOST"] = "127.0.0.1"
        pipeline.extra_env["AUDITSTREAM_PROCESSOR__STALL_THRESHOLD_S"] = "5"
        worker = pipeline.start("process")
        last: list[tuple[int, str] | None] = [None]

        def readyz(code: int, progress: str) -> Callable[[], bool]:
            def check() -> bool:
                last[0] = answer = _get(port, "/readyz")
                return (
                    answer is not None
                    and answer[0] == code
                    and json.loads(answer[1])["checks"]["progress"].startswith(progress)
                )

            return check

        def describe() -> str:
            return f"last answer {last[0]}\n{pipeline.logs()}"

        wait_until(readyz(200, "ok"), timeout_s=240, interval_s=1, what="ready", describe=describe)
        analysis_child = _only_child(_only_child(worker.process.pid))
        os.kill(analysis_child, signal.SIGSTOP)
        try:
            producer = raw_producer(pipeline)
            produce(producer, pipeline.raw, trace_batch(30, 2, prompts=PROMPTS))
            assert producer.flush(30) == 0
            wait_until(
                readyz(503, "stalled: partition "),
                timeout_s=60,
                interval_s=1,
                what="/readyz 503 naming the stalled partitions",
                describe=describe,
            )
            body = json.loads(last[0][1]) if last[0] else {}
            assert body["ready"] is False
            assert body["checks"]["assignment"] == "ok"
            assert "no commit for" in body["checks"]["progress"]
        finally:
            os.kill(analysis_child, signal.SIGCONT)
        wait_until(
            readyz(200, "ok"), timeout_s=120, interval_s=1, what="ready again", describe=describe
        )

        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(timeout=120) == 0, pipeline.logs()
        pipeline.retire(worker)


def _only_child(pid: int) -> int:
    """The one child process of ``pid`` (the supervisor's worker, the worker's analysis)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, f"process {pid} has children {children}"
    return int(children[0])
