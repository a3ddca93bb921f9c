"""A request spread over three services comes back from the archive as one tree."""

from __future__ import annotations

import os

import pytest

from auditstream.auditor.settings import AuditorSettings
from auditstream.auditor.timeline import load_trace
from auditstream.producer import AuditClient, ClientConfig
from auditstream.schemas import EventType
from support.pipeline import PipelineUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration


def _client(pipeline: PipelineUnderTest, service: str) -> AuditClient:
    return AuditClient(
        ClientConfig(
            bootstrap_servers=pipeline.stack.bootstrap_servers,
            topic=pipeline.raw,
            service_name=service,
        )
    )


class TestTraceTimeline:
    def test_agent_run_over_three_services_rebuilds_as_one_ordered_tree(
        self, pipeline: PipelineUnderTest
    ) -> None:
        """Agent span > (LLM call, tool span > tool call), across gateway, agent and tools."""
        pipeline.start("process")
        pipeline.start("sink")
        gateway, agent, tools = (_client(pipeline, s) for s in ("gateway", "agent", "tools"))
        with (
            gateway.span("http.request", tenant_id="acme", user_id="u1", session_id="s1") as req,
            agent.span("agent.run", tenant_id="acme"),
        ):
            agent.llm_request(
                provider="openai",
                model="gpt-4o",
                prompt="plan",
                response="ok",
                tokens_input=10,
                tokens_output=5,
                tenant_id="acme",
            )
            with tools.span("tool.search", event_type=EventType.TOOL_CALL, tenant_id="acme"):
                tools.tool_call("search", input="q", output="r", tenant_id="acme")
        for client in (gateway, agent, tools):
            assert client.flush(30) == 0
            client.close()

        os.environ.update(pipeline.env)
        settings = AuditorSettings()
        timeline = wait_until(
            lambda: (
                (t := load_trace(req.trace_id, settings=settings)) and t.totals.events == 5 and t
            ),
            timeout_s=180,
            interval_s=2,
            what="the 5 events of the trace in the archive",
            describe=pipeline.logs,
        )

        def shape(steps: list) -> list:  # type: ignore[type-arg]
            return [(s.event["service"], s.event["action"], shape(s.children)) for s in steps]

        assert shape(timeline.roots) == [
            (
                "gateway",
                "http.request",
                [
                    (
                        "agent",
                        "agent.run",
                        [
                            ("agent", "chat.completion", []),
                            ("tools", "tool.search", [("tools", "tool.invoke", [])]),
                        ],
                    ),
                ],
            ),
        ]
        assert timeline.totals.tokens == 15
        assert timeline.totals.services == ["agent", "gateway", "tools"]
