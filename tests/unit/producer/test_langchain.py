"""AuditCallbackHandler and audit_tool against a fake producer: events, links, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.language_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool

from auditstream.producer import AuditClient, EventStatus
from auditstream.producer.langchain import AuditCallbackHandler, audit_tool
from support.fake_producer import FakeProducer


@tool
def lookup(order_id: str) -> str:
    """Look an order up."""
    return f"order {order_id}: shipped"


@tool
def broken(order_id: str) -> str:
    """Always fails."""
    raise RuntimeError("backend down")


def _chain(responses: list[str]) -> Any:
    model = FakeListChatModel(responses=responses)
    ask = ChatPromptTemplate.from_messages([("human", "{q}")]) | model | StrOutputParser()
    return ask | RunnableLambda(lambda order_id: lookup.invoke({"order_id": order_id}))


class TestAuditCallbackHandler:
    def test_a_chain_run_becomes_one_linked_trace(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Every run is an event of one trace; the tool and the LLM hang under chains."""
        handler = AuditCallbackHandler(client, user_id="u-1")
        _chain(["7"]).invoke({"q": "where is order 7?"}, config={"callbacks": [handler]})
        events = producer.events()
        assert len({e["trace"]["trace_id"] for e in events}) == 1
        by_span = {e["trace"]["span_id"]: e for e in events}
        roots = [e for e in events if e["trace"]["parent_span_id"] is None]
        assert len(roots) == 1
        assert roots[0]["event_type"] == "CHAIN"
        assert all(e["trace"]["parent_span_id"] in by_span for e in events if e is not roots[0])
        [llm] = [e for e in events if e["event_type"] == "LLM_REQUEST"]
        [tool_event] = [e for e in events if e["event_type"] == "TOOL_CALL"]
        assert llm["llm"]["response"] == "7"
        assert "where is order 7?" in llm["llm"]["prompt"]
        assert llm["llm"]["model"] == "FakeListChatModel"
        assert (tool_event["tool"]["name"], tool_event["tool"]["output"]) == (
            "lookup",
            "order 7: shipped",
        )
        assert by_span[llm["trace"]["parent_span_id"]]["event_type"] == "CHAIN"
        assert by_span[tool_event["trace"]["parent_span_id"]]["event_type"] == "CHAIN"
        assert {e["actor"]["user_id"] for e in events} == {"u-1"}

    def test_a_top_level_run_joins_the_current_span(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Inside client.span, the run's root event is a child of the span."""
        handler = AuditCallbackHandler(client)
        with client.span("request") as span:
            _chain(["7"]).invoke({"q": "x"}, config={"callbacks": [handler]})
        events = producer.events()
        assert {e["trace"]["trace_id"] for e in events} == {span.trace_id}
        children = [e for e in events if e["trace"]["parent_span_id"] == span.span_id]
        assert len(children) == 1

    def test_a_failing_tool_records_failure_and_the_error(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A tool that raises emits TOOL_CALL FAILURE with the error; the run still raises."""
        handler = AuditCallbackHandler(client)
        with pytest.raises(RuntimeError):
            broken.invoke({"order_id": "7"}, config={"callbacks": [handler]})
        [event] = producer.events()
        assert (event["event_type"], event["status"]) == ("TOOL_CALL", "FAILURE")
        assert event["error"]["type"] == "RuntimeError"

    def test_token_usage_is_taken_from_the_llm_output(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """on_llm_end reads prompt and completion tokens from llm_output.token_usage."""
        from uuid import uuid4

        from langchain_core.outputs import Generation, LLMResult

        handler = AuditCallbackHandler(client)
        run_id = uuid4()
        handler.on_llm_start(
            {"name": "OpenAI"},
            ["hello"],
            run_id=run_id,
            metadata={"ls_provider": "openai", "ls_model_name": "gpt-4o-mini"},
        )
        result = LLMResult(
            generations=[[Generation(text="hi")]],
            llm_output={"token_usage": {"prompt_tokens": 5, "completion_tokens": 1}},
        )
        handler.on_llm_end(result, run_id=run_id)
        [event] = producer.events()
        llm = event["llm"]
        assert (llm["provider"], llm["model"], llm["tokens_input"], llm["tokens_output"]) == (
            "openai",
            "gpt-4o-mini",
            5,
            1,
        )
        assert event["latency_ms"] is not None

    def test_a_retriever_run_records_its_query_documents_and_name(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A retrieval is RAG_QUERY: the query as prompt, document ids, the retriever named."""
        from uuid import uuid4

        from langchain_core.documents import Document

        handler = AuditCallbackHandler(client)
        ok, failed = uuid4(), uuid4()
        handler.on_retriever_start({"name": "kb"}, "shipping policy", run_id=ok)
        handler.on_retriever_end(
            [Document(id="kb-7", page_content="x", metadata={"source": "s3://kb/7"})], run_id=ok
        )
        handler.on_retriever_start({"name": "kb"}, "returns", run_id=failed)
        handler.on_retriever_error(RuntimeError("index down"), run_id=failed)
        first, second = producer.events()
        assert (first["event_type"], first["action"], first["status"]) == (
            "RAG_QUERY",
            "rag.query",
            "SUCCESS",
        )
        assert first["llm"]["prompt"] == "shipping policy"
        assert [(d["id"], d["source"]) for d in first["rag_documents"]] == [("kb-7", "s3://kb/7")]
        assert first["attributes"]["rag.retriever"] == "kb"
        assert first["attributes"]["gen_ai.data_source.id"] == "kb"
        assert (second["status"], second["error"]["type"], second["rag_documents"]) == (
            "FAILURE",
            "RuntimeError",
            [],
        )


class TestAuditTool:
    def test_a_decorated_function_emits_a_tool_call(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Each call emits TOOL_CALL with the arguments and result as JSON."""

        @audit_tool(client)
        def add(a: int, b: int) -> int:
            return a + b

        assert add(2, b=3) == 5
        [event] = producer.events()
        assert event["tool"] == {"name": "add", "input": '{"a": 2, "b": 3}', "output": "5"}
        assert event["attributes"] == {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "add",
        }

    def test_an_exception_is_recorded_and_reraised(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A raising tool emits FAILURE with the error type, then raises unchanged."""

        @audit_tool(client, name="crm.lookup")
        def lookup_customer(customer_id: str) -> str:
            raise KeyError(customer_id)

        with pytest.raises(KeyError):
            lookup_customer("c-1")
        [event] = producer.events()
        assert (event["tool"]["name"], event["status"]) == ("crm.lookup", EventStatus.FAILURE)
        assert event["error"]["type"] == "KeyError"

    def test_async_functions_are_supported(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """An async tool is awaited and recorded like a sync one."""

        @audit_tool(client)
        async def fetch(url: str) -> dict[str, int]:
            return {"status": 200}

        assert asyncio.run(fetch("https://example.org")) == {"status": 200}
        [event] = producer.events()
        assert event["tool"]["output"] == '{"status": 200}'
