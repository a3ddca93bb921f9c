"""AuditCallbackHandler on real langchain-core runs: links, trace joining, actor, content.

Fake models from langchain-core stand in for providers; a fake producer collects the
events in emission order (children first, as the handler emits a run when it ends).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool

from auditstream.producer import (
    AuditClient,
    ClientConfig,
    ConfigError,
    ContentPolicy,
    EventType,
    current_trace,
    current_traceparent,
)
from auditstream.producer.langchain import AuditCallbackHandler, ChainIO, audit_tool
from support.fake_producer import FakeProducer

HASH_KEY = b"k" * 32


class _ProviderModel(GenericFakeChatModel):
    """A fake model that names its provider and model as real integrations do."""

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        return {
            **super()._get_ls_params(stop=stop, **kwargs),
            "ls_provider": "openai",
            "ls_model_name": "gpt-x",
        }


def _by_id(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["event_id"]: e for e in events}


def _agent(client: AuditClient, seen: dict[str, Any]) -> Any:
    """A two-turn tool-calling loop: the model asks for a tool, then answers."""
    model = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage(
                    content="",
                    tool_calls=[{"name": "lookup", "args": {"order_id": "7"}, "id": "call-1"}],
                ),
                AIMessage(content="Order 7 has shipped."),
            ]
        )
    )

    @audit_tool(client, name="crm.fetch")
    def fetch(order_id: str) -> str:
        return "shipped"

    @tool
    def lookup(order_id: str) -> str:
        """Look an order up."""
        seen["context"] = current_trace()
        seen["traceparent"] = current_traceparent()
        seen["nested"] = client.emit(EventType.OTHER, "inner.step")
        return fetch(order_id)

    def loop(question: str) -> str:
        history: list[Any] = [HumanMessage(question)]
        reply = model.invoke(history)
        history.append(reply)
        for call in reply.tool_calls:
            result = lookup.invoke(call)
            history.append(result)
        return str(model.invoke(history).content)

    return RunnableLambda(loop, name="support_agent")


class TestParentLinks:
    def test_every_child_names_its_parents_event_id_although_it_is_emitted_first(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Each non-root event's parent_event_id is the id of the event of its parent span."""
        handler = AuditCallbackHandler(client)
        seen: dict[str, Any] = {}
        _agent(client, seen).invoke("where is 7?", config={"callbacks": [handler]})
        events = producer.events()
        by_span = {e["trace"]["span_id"]: e for e in events}
        order = [e["event_id"] for e in events]
        [root] = [e for e in events if e["trace"]["parent_span_id"] is None]
        assert root["action"] == "support_agent"
        assert root is events[-1]  # emitted last: it ends last
        for event in events:
            if event is root:
                continue
            parent = by_span[event["trace"]["parent_span_id"]]
            assert event["trace"]["parent_event_id"] == parent["event_id"]
            assert order.index(event["event_id"]) < order.index(parent["event_id"])
        assert root["trace"]["parent_event_id"] is None


class TestJoiningTheRunsTrace:
    def test_sdk_calls_inside_a_tool_join_the_tool_runs_span(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """client.emit, audit_tool and current_traceparent inside a tool see the tool run."""
        handler = AuditCallbackHandler(client, tenant_id="acme")
        seen: dict[str, Any] = {}
        run_id = uuid4()
        _agent(client, seen).invoke(
            "where is 7?", config={"callbacks": [handler], "run_id": run_id}
        )
        events = _by_id(producer.events())
        nested = events[seen["nested"]]
        [tool_run] = [
            e for e in events.values() if e["attributes"].get("langchain.name") == "lookup"
        ]
        [fetch] = [e for e in events.values() if e["tool"] and e["tool"]["name"] == "crm.fetch"]
        trace_id = tool_run["trace"]["trace_id"]
        assert handler.trace_id(run_id) == trace_id
        assert {e["trace"]["trace_id"] for e in events.values()} == {trace_id}
        for child in (nested, fetch):
            assert child["trace"]["parent_span_id"] == tool_run["trace"]["span_id"]
            assert child["trace"]["parent_event_id"] == tool_run["event_id"]
        assert nested["actor"]["tenant_id"] == "acme"  # the client's default tenant is None
        assert seen["context"].event_id == tool_run["event_id"]
        assert seen["traceparent"] == f"00-{trace_id}-{tool_run['trace']['span_id']}-01"
        assert current_trace() is None  # nothing leaks past the run

    def test_concurrent_async_runs_each_keep_their_own_trace(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Three ainvoke calls under gather: every nested SDK call joins its own run."""
        handler = AuditCallbackHandler(client)

        async def step(x: str) -> str:
            await asyncio.sleep(0)  # interleave the runs
            client.emit(EventType.OTHER, f"inside.{x}")
            await asyncio.sleep(0)
            return x

        chain = RunnableLambda(step, name="step")

        async def main() -> None:
            await asyncio.gather(
                *(chain.ainvoke(x, config={"callbacks": [handler]}) for x in "abc")
            )

        asyncio.run(main())
        events = producer.events()
        assert len({e["trace"]["trace_id"] for e in events}) == 3
        chains = {e["trace"]["trace_id"]: e for e in events if e["event_type"] == "CHAIN"}
        for inner in (e for e in events if e["action"].startswith("inside.")):
            run = chains[inner["trace"]["trace_id"]]
            assert inner["trace"]["parent_event_id"] == run["event_id"]
            assert run["llm"]["prompt"] == inner["action"].removeprefix("inside.")

    def test_batch_on_threads_keeps_each_runs_nested_calls_in_its_own_trace(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """batch(max_concurrency=3) runs on a thread pool; no run sees another's span."""
        handler = AuditCallbackHandler(client)

        def step(x: str) -> str:
            client.emit(EventType.OTHER, f"inside.{x}")
            return x

        chain = RunnableLambda(step, name="step")
        chain.batch(list("abcdef"), config={"callbacks": [handler], "max_concurrency": 3})
        events = producer.events()
        runs = {e["trace"]["trace_id"]: e for e in events if e["action"] == "step"}
        assert len(runs) == 6
        for inner in (e for e in events if e["action"].startswith("inside.")):
            run = runs[inner["trace"]["trace_id"]]
            assert inner["trace"]["parent_event_id"] == run["event_id"]
            assert run["llm"]["prompt"] == inner["action"].removeprefix("inside.")
        assert current_trace() is None

    def test_a_stream_sets_the_runs_span_only_while_it_runs(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Consumed fully or left early, a streamed run leaves no current span behind."""
        handler = AuditCallbackHandler(client)
        model = GenericFakeChatModel(messages=iter([AIMessage(content="a b c d")] * 2))
        chain = model | StrOutputParser()
        assert len(list(chain.stream("hi", config={"callbacks": [handler]}))) > 1
        assert current_trace() is None
        for _ in chain.stream("hi", config={"callbacks": [handler]}):
            break
        assert current_trace() is None
        roots = [e for e in producer.events() if e["trace"]["parent_span_id"] is None]
        assert len(roots) == 2

    def test_a_run_inside_a_span_keeps_the_callers_sampled_flag(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """Under an adopted traceparent flagged 00, code in the run hands on 00."""
        handler = AuditCallbackHandler(client)
        seen: list[str | None] = []
        chain = RunnableLambda(lambda x: seen.append(current_traceparent()) or x, name="step")
        trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        with client.continue_trace(f"00-{trace}-00f067aa0ba902b7-00"):
            chain.invoke("x", config={"callbacks": [handler]})
        [event] = producer.events()
        assert seen == [f"00-{trace}-{event['trace']['span_id']}-00"]


class TestActorFromMetadata:
    def test_tenant_user_and_session_come_from_the_runs_metadata(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """One handler, two users: each run's events carry the metadata's actor."""
        handler = AuditCallbackHandler(client, tenant_id="default-tenant")
        chain = RunnableLambda(lambda x: x, name="echo")
        for user in ("u-1", "u-2"):
            chain.invoke(
                "x",
                config={
                    "callbacks": [handler],
                    "metadata": {"user_id": user, "session_id": f"s-{user}"},
                },
            )
        actors = [
            (e["actor"]["tenant_id"], e["actor"]["user_id"], e["actor"]["session_id"])
            for e in producer.events()
        ]
        assert actors == [("default-tenant", "u-1", "s-u-1"), ("default-tenant", "u-2", "s-u-2")]

    def test_metadata_keys_are_configurable(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """metadata_keys maps actor fields to the application's own metadata names."""
        handler = AuditCallbackHandler(
            client, metadata_keys={"user_id": "end_user", "tenant_id": "org"}
        )
        RunnableLambda(lambda x: x, name="echo").invoke(
            "x", config={"callbacks": [handler], "metadata": {"end_user": "u-9", "org": "acme"}}
        )
        [event] = producer.events()
        assert (event["actor"]["tenant_id"], event["actor"]["user_id"]) == ("acme", "u-9")

    def test_an_unknown_actor_field_in_metadata_keys_is_a_config_error(
        self, client: AuditClient
    ) -> None:
        """Only tenant_id, user_id and session_id can be mapped."""
        with pytest.raises(ConfigError) as caught:
            AuditCallbackHandler(client, metadata_keys={"email": "email"})
        assert caught.value.variable == "metadata_keys"


class TestContent:
    def test_the_models_tool_calls_are_recorded_and_kept_in_the_next_prompt(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """The tool-calling turn's response lists name, JSON arguments and call id."""
        handler = AuditCallbackHandler(client)
        _agent(client, {}).invoke("where is 7?", config={"callbacks": [handler]})
        first, second = (e for e in producer.events() if e["event_type"] == "LLM_REQUEST")
        response = json.loads(first["llm"]["response"])
        assert response["tool_calls"] == [
            {"id": "call-1", "name": "lookup", "arguments": '{"order_id": "7"}'}
        ]
        assert 'tool_calls=[{"arguments": "{\\"order_id\\": \\"7\\"}"' in second["llm"]["prompt"]
        assert "tool[call-1]: shipped" in second["llm"]["prompt"]
        assert second["llm"]["response"] == "Order 7 has shipped."

    def test_tool_input_is_json_and_the_call_id_is_an_attribute(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A tool run records its input as JSON, with gen_ai.tool.* attributes."""
        handler = AuditCallbackHandler(client)
        _agent(client, {}).invoke("where is 7?", config={"callbacks": [handler]})
        [run] = [e for e in producer.events() if e["tool"] and e["tool"]["name"] == "lookup"]
        assert json.loads(run["tool"]["input"]) == {"order_id": "7"}
        assert run["tool"]["output"] == "shipped"
        assert run["attributes"]["gen_ai.tool.name"] == "lookup"
        assert run["attributes"]["gen_ai.tool.call.id"] == "call-1"

    def test_chain_events_are_named_after_the_runnable_with_input_and_output(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """action is the runnable's name; llm.prompt/response hold the chain's input/output."""
        handler = AuditCallbackHandler(client)
        chain = RunnableLambda(lambda d: {"answer": d["q"].upper()}, name="shout")
        chain.invoke({"q": "hi"}, config={"callbacks": [handler]})
        [event] = producer.events()
        assert (event["event_type"], event["action"]) == ("CHAIN", "shout")
        assert json.loads(event["llm"]["prompt"]) == {"q": "hi"}
        assert json.loads(event["llm"]["response"]) == {"answer": "HI"}

    @pytest.mark.parametrize(
        ("chain_io", "recorded"),
        [
            (ChainIO.TOP_LEVEL, {"outer"}),
            (ChainIO.ALL, {"outer", "inner"}),
            (ChainIO.NONE, set()),
        ],
    )
    def test_chain_io_decides_which_chain_runs_record_their_input_and_output(
        self, client: AuditClient, producer: FakeProducer, chain_io: ChainIO, recorded: set[str]
    ) -> None:
        """By default only the top-level chain carries input and final answer."""
        handler = AuditCallbackHandler(client, chain_io=chain_io)
        inner = RunnableLambda(lambda x: x + "!", name="inner")
        outer = RunnableLambda(inner.invoke, name="outer")
        outer.invoke("hi", config={"callbacks": [handler]})
        with_io = {e["action"]: e["llm"] for e in producer.events() if e["llm"] is not None}
        assert set(with_io) == recorded
        if "outer" in recorded:
            assert (with_io["outer"]["prompt"], with_io["outer"]["response"]) == ("hi", "hi!")

    def test_hash_only_sends_hashes_of_chain_input_and_output(
        self, producer: FakeProducer, tmp_path: Path
    ) -> None:
        """Under hash_only the chain's text never leaves the service, only keyed hashes."""
        config = ClientConfig(
            service_name="lc",
            spool_dir=str(tmp_path),
            prometheus=False,
            content_policy=ContentPolicy.HASH_ONLY,
            hash_key=HASH_KEY,
        )
        with AuditClient(config, producer=producer) as client:
            handler = AuditCallbackHandler(client)
            RunnableLambda(lambda x: x, name="echo").invoke(
                "secret plan", config={"callbacks": [handler]}
            )
        [event] = producer.events()
        assert (event["llm"]["prompt"], event["llm"]["response"]) == (None, None)
        assert len(event["llm"]["prompt_hash"]) == len(event["llm"]["response_hash"]) == 64

    def test_model_provider_finish_reason_and_time_to_first_token(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """ls_* params name model and provider; response metadata the finish reason."""
        handler = AuditCallbackHandler(client)
        model = _ProviderModel(
            messages=iter(
                [
                    AIMessage(
                        content="hello there",
                        response_metadata={"finish_reason": "stop", "model_name": "gpt-x-0613"},
                    )
                ]
            )
        )
        model.invoke("hi", config={"callbacks": [handler]})
        [event] = producer.events()
        attributes = event["attributes"]
        assert (event["llm"]["provider"], event["llm"]["model"]) == ("openai", "gpt-x")
        assert attributes["gen_ai.request.model"] == "gpt-x"
        assert attributes["gen_ai.response.model"] == "gpt-x-0613"
        assert attributes["gen_ai.provider.name"] == "openai"
        assert json.loads(attributes["gen_ai.response.finish_reasons"]) == ["stop"]
        assert "gen_ai.response.time_to_first_token_ms" not in attributes  # not streamed

    def test_a_streamed_call_records_the_time_to_first_token(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """on_llm_new_token marks the first token; the event carries the delay in ms."""
        handler = AuditCallbackHandler(client)
        model = GenericFakeChatModel(messages=iter([AIMessage(content="hello there")]))
        chunks = list(model.stream("hi", config={"callbacks": [handler]}))
        assert len(chunks) > 1
        [event] = producer.events()
        assert float(event["attributes"]["gen_ai.response.time_to_first_token_ms"]) >= 0
        assert event["llm"]["response"] == "hello there"

    def test_without_metadata_the_response_names_the_model(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """When only the class name is known, the response's model_name replaces it."""
        handler = AuditCallbackHandler(client)
        model = GenericFakeChatModel(
            messages=iter([AIMessage(content="ok", response_metadata={"model_name": "m-1"})])
        )
        model.invoke("hi", config={"callbacks": [handler]})
        [event] = producer.events()
        assert event["llm"]["model"] == "m-1"
        assert event["attributes"]["gen_ai.response.model"] == "m-1"

    def test_a_tool_message_in_the_history_shows_which_call_it_answers(self) -> None:
        """prompt_of_messages renders a ToolMessage with its tool_call_id."""
        from auditstream.producer.langchain_outputs import prompt_of_messages

        text = prompt_of_messages([[ToolMessage("42", tool_call_id="c-9")]])
        assert text == "tool[c-9]: 42"


class TestPromptTemplates:
    def test_a_prompt_value_input_is_recorded_as_its_messages(
        self, client: AuditClient, producer: FakeProducer
    ) -> None:
        """A chain step fed a ChatPromptValue records the messages, not a repr."""
        handler = AuditCallbackHandler(client, chain_io=ChainIO.ALL)
        prompt = ChatPromptTemplate.from_messages([("human", "{q}")])
        chain = prompt | RunnableLambda(lambda v: "ok", name="consume")
        chain.invoke({"q": "hello"}, config={"callbacks": [handler]})
        [consume] = [e for e in producer.events() if e["action"] == "consume"]
        assert json.loads(consume["llm"]["prompt"]) == [{"type": "human", "content": "hello"}]
