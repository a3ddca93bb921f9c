"""LangChain integration: ``AuditCallbackHandler`` turns a run tree into audit events.

Install ``auditstream[langchain]`` (``langchain-core``) and pass the handler in a run's
config::

    handler = AuditCallbackHandler(client)
    chain.invoke(
        question,
        config={"callbacks": [handler], "metadata": {"user_id": "u-42", "session_id": "s-7"}},
    )

Each LangChain run (chain, LLM or chat model, tool, retriever) becomes one event when it
ends: CHAIN (action: the runnable's name; for the top-level chain, by default, its input
and final output as ``llm.prompt`` and ``llm.response``, see :class:`ChainIO`),
LLM_REQUEST (provider, model, prompt, response with the tool calls the model asked for,
token usage, finish reason, time to first token when streaming),
TOOL_CALL (name, JSON input, output) or RAG_QUERY (query, document ids), with the run's
latency, its start as timestamp, and FAILURE plus the error when it raised. LLM and tool
events also carry OpenTelemetry GenAI attribute names (:mod:`.genai`).

Trace links: all runs under one top-level run share a trace; each run is a span whose
parent is the run that called it. Each run's event id is minted when the run starts, so
a child names its parent's event (``trace.parent_event_id``) although the parent is
emitted after it. A top-level run joins the current trace (a ``client.span`` block, an
adopted ``traceparent`` or the current OpenTelemetry span) when there is one. While a
run executes it is the SDK's current span (a :mod:`contextvars` variable, so threads and
asyncio tasks keep theirs apart): ``client.*`` calls, ``audit_tool`` functions and
``current_traceparent()`` inside a tool or a chain step join the run's trace, as children
of that run. :meth:`AuditCallbackHandler.trace_id` gives a run's trace id.

Actor: tenant, user and session come from the run's ``metadata`` (keys configurable, the
parent run's values inherited), else from the handler's defaults, so one handler serves
every user of a server.

Content follows the client's policy (``hash_only`` sends hashes of prompts, responses and
chain inputs/outputs only) and the secret scrub. The handler never raises into
LangChain: a callback that cannot record its event logs it and lets the run go on. The
callbacks run inline on the run's thread or event loop and only hand the event to
``emit()``, which never waits for the broker.

This module imports ``langchain_core``; ``import auditstream.producer`` never imports it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any
from uuid import UUID

try:
    from langchain_core.callbacks import BaseCallbackHandler
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "auditstream.producer.langchain needs langchain-core: pip install 'auditstream[langchain]'"
    ) from exc

from auditstream.producer import genai
from auditstream.producer import langchain_outputs as lc
from auditstream.producer.client import AuditClient
from auditstream.producer.event import EventFields
from auditstream.producer.langchain_runs import (
    DEFAULT_METADATA_KEYS,
    FINISHED_TRACES_KEPT,
    Run,
    RunTable,
)
from auditstream.producer.tools import audit_tool, render
from auditstream.schemas.model import EventStatus, EventType

__all__ = [
    "DEFAULT_METADATA_KEYS",
    "FINISHED_TRACES_KEPT",
    "AuditCallbackHandler",
    "ChainIO",
    "audit_tool",
]

_log = logging.getLogger(__name__)


class ChainIO(StrEnum):
    """Which chain runs record their input and output (as ``llm.prompt``/``llm.response``).

    A nested chain step's input is the previous step's output, and model prompts and
    responses are recorded by the LLM events already, so recording every step mostly
    repeats text (and costs an encode and a scrub per step). The top-level run's input
    is the request and its output the final answer: what an auditor asks for first.
    """

    NONE = "none"
    TOP_LEVEL = "top_level"
    ALL = "all"


class AuditCallbackHandler(BaseCallbackHandler):
    """Emit one audit event per LangChain run, linked into one trace tree per top-level run.

    Args:
        client: The client that records the events.
        tenant_id: Tenant when the run's metadata names none; defaults to the client's.
        user_id: Acting user when the run's metadata names none.
        session_id: User session when the run's metadata names none.
        metadata_keys: Actor field (``tenant_id``, ``user_id``, ``session_id``) to the
            run-metadata key holding it; fields left out are not read from metadata.
        chain_io: Which chain runs record their input and output (under the content
            policy): the top-level run only (default), every chain run, or none.

    Raises:
        ConfigError: ``metadata_keys`` names a field other than the three actor ids.
    """

    raise_error = False  # a failing callback must never fail the user's run
    run_inline = True  # keep callbacks on the run's thread, in run order

    def __init__(
        self,
        client: AuditClient,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        metadata_keys: Mapping[str, str] = DEFAULT_METADATA_KEYS,
        chain_io: ChainIO = ChainIO.TOP_LEVEL,
    ) -> None:
        super().__init__()
        self._client = client
        defaults = {"tenant_id": tenant_id, "user_id": user_id, "session_id": session_id}
        self._runs = RunTable(defaults, metadata_keys)
        self._chain_io = ChainIO(chain_io)

    def trace_id(self, run_id: UUID) -> str | None:
        """Return the trace id of a run that is running or a top-level run that ended.

        Pass your own ``run_id`` in the run's config (``{"run_id": uuid4()}``) to look
        its trace up after ``invoke`` returns. Inside a run, ``current_trace()`` gives
        the same trace.

        Args:
            run_id: The LangChain run id.

        Returns:
            The W3C trace id, or None for a run this handler has not seen (or forgot:
            it keeps the last :data:`FINISHED_TRACES_KEPT` top-level runs).
        """
        return self._runs.trace_id(run_id)

    # -- events -------------------------------------------------------------------------

    def _emit(self, run_id: UUID, error: BaseException | None, **outcome: Any) -> None:
        run = self._runs.finish(run_id)
        if run is None:
            return
        try:
            # The fields go to the client's _submit as the typed helpers hand theirs:
            # emit()'s keyword parsing and a helper's record building would be done
            # again for every run, and the handler has every field at hand already.
            context, actor, submit = run.context, run.actor, self._client._submit
            fields = EventFields(
                event_id=context.event_id,
                status=EventStatus.FAILURE if error is not None else EventStatus.SUCCESS,
                tenant_id=actor["tenant_id"],
                user_id=actor["user_id"],
                session_id=actor["session_id"],
                trace_id=context.trace_id,
                span_id=context.span_id,
                parent_span_id=run.parent_span_id,
                parent_event_id=run.parent_event_id,
                latency_ms=run.latency_ms,
                error=error,
                attributes=run.attributes,
                timestamp_us=run.timestamp_us,
            )
            kind = run.kind
            if kind == "chain":
                if run.extra or outcome:
                    fields.llm = {"provider": None, "model": None, **run.extra, **outcome}
                submit(EventType.CHAIN, run.name, fields)
            elif kind == "llm":
                fields.llm = {**run.extra, **outcome}
                submit(EventType.LLM_REQUEST, "chat.completion", fields)
            elif kind == "tool":
                fields.tool = {"name": run.name, **run.extra, **outcome}
                submit(EventType.TOOL_CALL, "tool.invoke", fields)
            else:  # a retriever: the query travels as the prompt, as rag_query() sends it
                query = run.extra.get("query")
                if query is not None:
                    fields.llm = {"provider": None, "model": None, "prompt": query}
                fields.rag_documents = outcome.get("documents")
                fields.attributes = {**run.attributes, "rag.retriever": run.extra["retriever"]}
                submit(EventType.RAG_QUERY, "rag.query", fields)
        except Exception:  # noqa: BLE001 - never break the user's run over an audit event
            _log.exception("could not record a LangChain %s run as an audit event", run.kind)

    # -- chains -------------------------------------------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: dict[str, Any] | Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a chain run named after its runnable (its event is emitted when it ends)."""
        run = self._runs.start(
            "chain", _name(serialized, kwargs, "chain"), run_id, parent_run_id, kwargs
        )
        if self._records_io(run):
            run.extra["prompt"] = render(lc.plain(inputs))

    def _records_io(self, run: Run | None) -> bool:
        chain_io = self._chain_io
        return run is not None and (
            chain_io is ChainIO.ALL or (chain_io is ChainIO.TOP_LEVEL and run.top_level)
        )

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the chain's CHAIN event with its output (and input, when streamed)."""
        run = self._runs.get(run_id)
        if not self._records_io(run):
            self._emit(run_id, None)
            return
        outcome = {"response": render(lc.plain(outputs))}
        if kwargs.get("inputs") is not None:  # a streamed chain learns its input at the end
            outcome["prompt"] = render(lc.plain(kwargs["inputs"]))
        self._emit(run_id, None, **outcome)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the chain's CHAIN event with FAILURE and the error."""
        self._emit(run_id, error)

    # -- LLMs and chat models -----------------------------------------------------------

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Open an LLM run, noting provider, model and prompt."""
        run = self._runs.start(
            "llm", _name(serialized, kwargs, "llm"), run_id, parent_run_id, kwargs
        )
        self._llm_request(run, "\n\n".join(prompts), "text_completion", kwargs)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a chat model run, noting provider, model and the messages as the prompt."""
        run = self._runs.start(
            "llm", _name(serialized, kwargs, "llm"), run_id, parent_run_id, kwargs
        )
        self._llm_request(run, lc.prompt_of_messages(messages), "chat", kwargs)

    @staticmethod
    def _llm_request(run: Run, prompt: str, operation: str, kwargs: Mapping[str, Any]) -> None:
        meta = kwargs.get("metadata") or {}
        params = kwargs.get("invocation_params") or {}
        run.extra = {
            "provider": lc.provider(meta, params),
            "model": lc.request_model(meta, params) or run.name,
            "prompt": render(prompt),
        }
        run.attributes[genai.OPERATION_NAME] = operation

    def on_llm_new_token(self, token: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Note when the first streamed token arrived (time to first token)."""
        run = self._runs.get(run_id)
        if run is not None and run.first_token_ns is None:
            run.first_token_ns = time.perf_counter_ns()

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the LLM_REQUEST event: response and tool calls, usage, finish reason."""
        first = lc.first_generation(response)
        tokens_in, tokens_out = lc.usage(response, first)
        run = self._runs.get(run_id)
        if run is not None:
            reported = lc.response_model(response, first)
            if reported and run.extra.get("model") == run.name:  # only the class name known
                run.extra["model"] = reported
            run.attributes.update(
                genai.llm_attributes(
                    operation=run.attributes.get(genai.OPERATION_NAME, "chat"),
                    provider=run.extra.get("provider"),
                    request_model=run.extra.get("model"),
                    response_model=reported,
                    finish_reasons=lc.finish_reasons(response),
                    tokens_input=tokens_in,
                    tokens_output=tokens_out,
                )
            )
            if run.first_token_ns is not None:
                ttft_ms = (run.first_token_ns - run.started_ns) / 1e6
                run.attributes[genai.TIME_TO_FIRST_TOKEN_MS] = f"{ttft_ms:.3f}"
        self._emit(
            run_id,
            None,
            response=lc.response_text(first),
            tokens_input=tokens_in,
            tokens_output=tokens_out,
        )

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the LLM_REQUEST event with FAILURE and the error."""
        self._emit(run_id, error)

    # -- tools --------------------------------------------------------------------------

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a tool run, noting its name and its input as JSON."""
        name = _name(serialized, kwargs, "tool")
        run = self._runs.start("tool", name, run_id, parent_run_id, kwargs)
        run.extra = {"input": render(lc.plain(inputs) if inputs is not None else input_str)}
        call_id = kwargs.get("tool_call_id")
        run.attributes.update(
            genai.tool_attributes(name, None if call_id is None else str(call_id))
        )

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the TOOL_CALL event with the output."""
        self._emit(run_id, None, output=lc.text(output))

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the TOOL_CALL event with FAILURE and the error."""
        self._emit(run_id, error)

    # -- retrievers ---------------------------------------------------------------------

    def on_retriever_start(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a retriever run, noting the query."""
        name = _name(serialized, kwargs, "retriever")
        run = self._runs.start("retriever", name, run_id, parent_run_id, kwargs)
        run.extra = {"query": render(query), "retriever": name}
        run.attributes[genai.DATA_SOURCE_ID] = name

    def on_retriever_end(self, documents: Sequence[Any], *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the RAG_QUERY event with the documents' ids and sources."""
        self._emit(run_id, None, documents=[lc.document(i, d) for i, d in enumerate(documents)])

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the RAG_QUERY event with FAILURE and the error."""
        self._emit(run_id, error, documents=[])


def _name(serialized: dict[str, Any] | None, kwargs: Mapping[str, Any], default: str) -> str:
    if kwargs.get("name"):
        return str(kwargs["name"])
    if serialized:
        if serialized.get("name"):
            return str(serialized["name"])
        found = serialized.get("id")
        if isinstance(found, list) and found:
            return str(found[-1])
    return default
