"""A tool-calling LangChain agent through the real pipeline: what an auditor reads back.

A hand-written agent loop (fake chat model from langchain-core that asks for a tool,
then answers), a retriever, a tool that fails, and SDK calls nested inside a tool run
under ``AuditCallbackHandler``, with the user and session in the run's metadata. The
processor and the sink archive the events; the test reads the archive and checks every
parent link, the order by event time, the shared trace, the actor, the recorded tool
calls and the chain names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool

from auditstream.auditor.settings import AuditorSettings
from auditstream.auditor.timeline import Step, load_trace
from auditstream.producer import AuditClient, ClientConfig, EventType, current_traceparent
from auditstream.producer.langchain import AuditCallbackHandler, audit_tool
from auditstream.schemas import new_span_id, new_trace_id
from support.pipeline import PipelineUnderTest
from support.wait import wait_until

pytestmark = pytest.mark.integration

# root chain, 2 LLM turns, retriever, lookup tool, nested emit, audit_tool, failing tool
EXPECTED_EVENTS = 8


class PolicyRetriever(BaseRetriever):
    """Returns the shipping policy whatever the query."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [Document(id="kb-shipping-7", page_content="Orders ship within 2 days.")]


def _run_agent(client: AuditClient, run_id: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    model = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage(
                    content="",
                    tool_calls=[
                        {"name": "lookup_order", "args": {"order_id": "ORD-1"}, "id": "call-1"}
                    ],
                ),
                AIMessage(
                    content="ORD-1 has shipped.", response_metadata={"finish_reason": "stop"}
                ),
            ]
        )
    )

    @audit_tool(client, name="crm.fetch")
    def crm_fetch(order_id: str) -> dict[str, str]:
        return {"order_id": order_id, "status": "shipped"}

    @tool
    def lookup_order(order_id: str) -> str:
        """Look an order up."""
        seen["traceparent"] = current_traceparent()
        seen["nested"] = client.emit(EventType.OTHER, "order.lookup.checked")
        return json.dumps(crm_fetch(order_id))

    @tool
    def refund(order_id: str) -> str:
        """Always fails."""
        raise RuntimeError("refund backend down")

    def agent(question: str) -> str:
        policy = PolicyRetriever().invoke(question)
        history: list[Any] = [HumanMessage(f"{question}\n{policy[0].page_content}")]
        reply = model.invoke(history)
        history.append(reply)
        for call in reply.tool_calls:
            history.append(lookup_order.invoke(call))
        with contextlib.suppress(RuntimeError):
            refund.invoke({"order_id": "ORD-1"})
        return str(model.invoke(history).content)

    handler = AuditCallbackHandler(client)
    seen["answer"] = RunnableLambda(agent, name="support_agent").invoke(
        "Where is ORD-1?",
        config={
            "callbacks": [handler],
            "run_id": run_id,
            "metadata": {"tenant_id": "acme", "user_id": "u-42", "session_id": "sess-9"},
        },
    )
    seen["trace_id"] = handler.trace_id(run_id)
    return seen


def _steps(steps: list[Step]) -> list[Step]:
    out = []
    for step in steps:
        out.append(step)
        out.extend(_steps(step.children))
    return out


class TestLangChainAudit:
    def test_an_agent_run_reads_back_as_one_linked_time_ordered_trace(
        self, pipeline: PipelineUnderTest, tmp_path: Path
    ) -> None:
        """Parents, order, trace, actor, tool calls and names all survive to the archive."""
        pipeline.start("process")
        pipeline.start("sink")
        config = ClientConfig(
            bootstrap_servers=pipeline.stack.bootstrap_servers,
            topic=pipeline.raw,
            service_name="support-agent",
            spool_dir=str(tmp_path / "spool"),
            prometheus=False,
        )
        with AuditClient(config) as client:
            seen = _run_agent(client, uuid4())
            assert client.flush(30) == 0
        trace_id = seen["trace_id"]
        assert seen["answer"] == "ORD-1 has shipped."

        def archived() -> list[dict[str, Any]]:
            rows = [r for r in pipeline.archived_rows() if r["trace"]["trace_id"] == trace_id]
            return rows if len(rows) >= EXPECTED_EVENTS else []

        rows = wait_until(
            archived,
            timeout_s=240,
            interval_s=2.0,
            what="the agent's events in the archive",
            describe=pipeline.logs,
        )
        assert len(rows) == EXPECTED_EVENTS
        by_id = {r["event_id"]: r for r in rows}
        by_span = {r["trace"]["span_id"]: r for r in rows}

        # 1. every non-root event names its parent, and the processor linked it
        [root] = [r for r in rows if r["trace"]["parent_span_id"] is None]
        assert (root["event_type"], root["action"]) == ("CHAIN", "support_agent")
        for row in rows:
            if row is root:
                assert row["processing"]["parent_event_id"] is None
                continue
            parent = by_span[row["trace"]["parent_span_id"]]
            assert row["trace"]["parent_event_id"] == parent["event_id"]
            assert row["processing"]["parent_event_id"] == parent["event_id"]

        # 2. nested SDK calls joined the tool run's span, tenant included
        nested = by_id[seen["nested"]]
        [lookup] = [r for r in rows if r["tool"] and r["tool"]["name"] == "lookup_order"]
        [fetch] = [r for r in rows if r["tool"] and r["tool"]["name"] == "crm.fetch"]
        for child in (nested, fetch):
            assert child["trace"]["parent_event_id"] == lookup["event_id"]
        assert seen["traceparent"] == f"00-{trace_id}-{lookup['trace']['span_id']}-01"
        assert json.loads(lookup["tool"]["input"]) == {"order_id": "ORD-1"}
        assert dict(lookup["attributes"])["gen_ai.tool.name"] == "lookup_order"
        assert dict(lookup["attributes"])["gen_ai.tool.call.id"] == "call-1"

        # 3. the actor came from the run's metadata, on every event
        assert {r["actor"]["tenant_id"] for r in rows} == {"acme"}
        assert {r["actor"]["session_id"] for r in rows} == {"sess-9"}
        [user] = {r["actor"]["user_id"] for r in rows}
        assert user  # pseudonymized by the processor, the same token on every event
        assert "u-42" not in user

        # 4. the model's tool call is recorded with its arguments and id
        first, second = sorted(
            (r for r in rows if r["event_type"] == "LLM_REQUEST"), key=lambda r: r["timestamp"]
        )
        [call] = json.loads(first["llm"]["response"])["tool_calls"]
        assert (call["name"], call["id"], json.loads(call["arguments"])) == (
            "lookup_order",
            "call-1",
            {"order_id": "ORD-1"},
        )
        assert "call-1" in second["llm"]["prompt"]
        attributes = dict(second["attributes"])  # a Parquet map reads as (key, value) pairs
        assert json.loads(attributes["gen_ai.response.finish_reasons"]) == ["stop"]
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.request.model"] == second["llm"]["model"]

        # 5. the failing tool and the retrieval are there, named
        [refund] = [r for r in rows if r["tool"] and r["tool"]["name"] == "refund"]
        assert (refund["status"], refund["error"]["type"]) == ("FAILURE", "RuntimeError")
        [retrieval] = [r for r in rows if r["event_type"] == "RAG_QUERY"]
        assert [d["id"] for d in retrieval["rag_documents"]] == ["kb-shipping-7"]

        # 6. audit trace: numbered by event time, the root first and ending last
        os.environ.update(pipeline.env)
        timeline = load_trace(trace_id, settings=AuditorSettings())
        assert timeline is not None
        [root_step] = timeline.roots
        steps = _steps(timeline.roots)
        assert sorted(s.event["seq"] for s in steps) == list(range(1, EXPECTED_EVENTS + 1))
        by_seq = sorted(steps, key=lambda s: s.event["seq"])
        stamps = [s.event["timestamp"] for s in by_seq]
        assert stamps == sorted(stamps)
        assert root_step.event["seq"] == 1
        for step in steps:
            assert all(c.event["seq"] > step.event["seq"] for c in step.children)
        # ... with the processor's arrival numbers (archived, never renumbered) beside:
        # each event numbered once, the root last, as it is emitted when it ends
        arrivals = sorted(s.event["trace_sequence"] for s in steps)
        assert arrivals == list(range(1, EXPECTED_EVENTS + 1))
        assert root_step.event["trace_sequence"] == EXPECTED_EVENTS
        # The root runs longest; ends are whole microseconds, so allow one of rounding.
        assert timeline.totals.duration_ms >= root_step.event["latency_ms"] - 0.001

    def test_concurrent_async_runs_under_an_unsampled_caller_keep_their_own_children(
        self, pipeline: PipelineUnderTest, tmp_path: Path
    ) -> None:
        """Three ainvoke runs under gather join the caller's trace, each with its children."""
        pipeline.start("process")
        pipeline.start("sink")
        config = ClientConfig(
            bootstrap_servers=pipeline.stack.bootstrap_servers,
            topic=pipeline.raw,
            service_name="support-agent",
            spool_dir=str(tmp_path / "spool"),
            prometheus=False,
        )
        trace_id, caller_span = new_trace_id(), new_span_id()
        traceparents: list[str | None] = []
        with AuditClient(config) as client:
            handler = AuditCallbackHandler(client, tenant_id="acme")
            model = GenericFakeChatModel(messages=iter([AIMessage(content="ok")] * 3))

            async def step(question: str) -> str:
                await asyncio.sleep(0)  # interleave the runs
                traceparents.append(current_traceparent())
                client.emit(EventType.OTHER, "step.checked")
                return str((await model.ainvoke(question)).content)

            chain = RunnableLambda(step, name="async_turn")

            async def main() -> list[str]:
                return await asyncio.gather(
                    *(
                        chain.ainvoke(
                            q, config={"callbacks": [handler], "metadata": {"session_id": q}}
                        )
                        for q in ("s-1", "s-2", "s-3")
                    )
                )

            with client.continue_trace(f"00-{trace_id}-{caller_span}-00", "vendor=abc"):
                assert asyncio.run(main()) == ["ok"] * 3
            assert client.flush(30) == 0

        def archived() -> list[dict[str, Any]]:
            rows = [r for r in pipeline.archived_rows() if r["trace"]["trace_id"] == trace_id]
            return rows if len(rows) >= 9 else []

        rows = wait_until(
            archived,
            timeout_s=240,
            interval_s=2.0,
            what="the three runs' events in the archive",
            describe=pipeline.logs,
        )
        assert len(rows) == 9
        assert all(tp is not None and tp.endswith("-00") for tp in traceparents)
        runs = [r for r in rows if r["action"] == "async_turn"]
        assert sorted(r["actor"]["session_id"] for r in runs) == ["s-1", "s-2", "s-3"]
        for run in runs:
            assert run["trace"]["parent_span_id"] == caller_span
            children = [r for r in rows if r["trace"]["parent_event_id"] == run["event_id"]]
            assert sorted(c["event_type"] for c in children) == ["LLM_REQUEST", "OTHER"]
            assert {c["actor"]["session_id"] for c in children} == {run["actor"]["session_id"]}
            assert {c["processing"]["parent_event_id"] for c in children} == {run["event_id"]}
