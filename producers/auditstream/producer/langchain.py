"""LangChain integration: ``AuditCallbackHandler`` turns a run tree into audit events.

Install ``auditstream[langchain]`` (``langchain-core``) and pass the handler in a run's
config::

    handler = AuditCallbackHandler(client, user_id="u-42")
    chain.invoke(question, config={"callbacks": [handler]})

Each LangChain run (chain, LLM or chat model, tool, retriever) becomes one event when it
ends: CHAIN, LLM_REQUEST (provider, model, prompt, response, token usage), TOOL_CALL
(name, input, output) or RAG_QUERY (query, document ids), with the run's latency, its
start as timestamp, and FAILURE plus the error when it raised. All runs under one
top-level run share a trace; each run is a span whose parent is the run that called
it, so ``audit query`` over ``trace.span_id``/``trace.parent_span_id`` rebuilds the tree.
A top-level run joins the current trace (a ``client.span`` block, an adopted
``traceparent`` or the current OpenTelemetry span) when there is one.

Content follows the client's policy (``hash_only`` sends hashes of prompts and
responses only) and the secret scrub. The handler never raises into LangChain: a
callback that cannot record its event logs it and lets the run go on.

This module imports ``langchain_core``; ``import auditstream.producer`` never imports it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

try:
    from langchain_core.callbacks import BaseCallbackHandler
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "auditstream.producer.langchain needs langchain-core: pip install 'auditstream[langchain]'"
    ) from exc

from auditstream.producer import ids
from auditstream.producer.client import AuditClient
from auditstream.producer.tools import audit_tool, render
from auditstream.producer.tracing import current_trace
from auditstream.schemas.model import EventStatus, EventType

__all__ = ["AuditCallbackHandler", "audit_tool"]

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Run:
    kind: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    timestamp_us: int
    started_ns: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def latency_ms(self) -> float:
        return (time.perf_counter_ns() - self.started_ns) / 1e6


class AuditCallbackHandler(BaseCallbackHandler):
    """Emit one audit event per LangChain run, linked into one trace tree per top-level run.

    Args:
        client: The client that records the events.
        tenant_id: Tenant of the events; defaults to the client's.
        user_id: Acting user.
        session_id: User session.
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
    ) -> None:
        super().__init__()
        self._client = client
        self._actor = {"tenant_id": tenant_id, "user_id": user_id, "session_id": session_id}
        self._runs: dict[UUID, _Run] = {}
        self._lock = threading.Lock()

    # -- run bookkeeping ----------------------------------------------------------------

    def _start(self, kind: str, name: str, run_id: UUID, parent_run_id: UUID | None) -> _Run:
        with self._lock:
            parent = self._runs.get(parent_run_id) if parent_run_id is not None else None
        parent_span: str | None
        if parent is not None:
            trace_id, parent_span = parent.trace_id, parent.span_id
        else:
            outer = current_trace()
            trace_id = outer.trace_id if outer else ids.trace_id()
            parent_span = outer.span_id if outer else None
        run = _Run(
            kind,
            name,
            trace_id,
            ids.span_id(),
            parent_span,
            time.time_ns() // 1000,
            time.perf_counter_ns(),
        )
        with self._lock:
            self._runs[run_id] = run
        return run

    def _finish(self, run_id: UUID) -> _Run | None:
        with self._lock:
            return self._runs.pop(run_id, None)

    def _common(self, run: _Run) -> dict[str, Any]:
        return {
            **self._actor,
            "trace_id": run.trace_id,
            "span_id": run.span_id,
            "parent_span_id": run.parent_span_id,
            "timestamp_us": run.timestamp_us,
            "attributes": {"langchain.run_type": run.kind, "langchain.name": run.name},
        }

    def _emit(self, run_id: UUID, error: BaseException | None, **outcome: Any) -> None:
        run = self._finish(run_id)
        if run is None:
            return
        status = EventStatus.FAILURE if error is not None else EventStatus.SUCCESS
        common = {**self._common(run), "latency_ms": run.latency_ms, "status": status}
        try:
            if run.kind == "chain":
                self._client.emit(EventType.CHAIN, "chain.run", error=error, **common)
            elif run.kind == "llm":
                self._client.llm_request(**run.extra, **outcome, error=error, **common)
            elif run.kind == "tool":
                self._client.tool_call(run.name, **run.extra, **outcome, error=error, **common)
            else:
                self._client.rag_query(**run.extra, **outcome, error=error, **common)
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
        """Open a chain run (its event is emitted when it ends)."""
        self._start("chain", _name(serialized, kwargs, "chain"), run_id, parent_run_id)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the chain's CHAIN event."""
        self._emit(run_id, None)

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
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Open an LLM run, noting provider, model and prompt."""
        self._start_llm(
            serialized,
            "\n\n".join(prompts),
            run_id,
            parent_run_id,
            metadata=metadata,
            kwargs=kwargs,
        )

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Open a chat model run, noting provider, model and the messages as the prompt."""
        prompt = "\n".join(
            f"{getattr(m, 'type', 'message')}: {_content(m)}" for batch in messages for m in batch
        )
        self._start_llm(serialized, prompt, run_id, parent_run_id, metadata=metadata, kwargs=kwargs)

    def _start_llm(
        self,
        serialized: dict[str, Any] | None,
        prompt: str,
        run_id: UUID,
        parent_run_id: UUID | None,
        *,
        metadata: dict[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> None:
        meta = metadata or {}
        params = kwargs.get("invocation_params") or {}
        name = _name(serialized, kwargs, "llm")
        run = self._start("llm", name, run_id, parent_run_id)
        run.extra = {
            "provider": _text(meta.get("ls_provider") or params.get("_type")),
            "model": _text(
                meta.get("ls_model_name") or params.get("model") or params.get("model_name")
            )
            or name,
            "prompt": render(prompt),
        }

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the LLM_REQUEST event with the response and token usage."""
        generations = getattr(response, "generations", None) or [[]]
        first = generations[0][0] if generations and generations[0] else None
        tokens_in, tokens_out = _usage(response, first)
        self._emit(
            run_id,
            None,
            response=render(getattr(first, "text", "") or "") if first is not None else None,
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
        **kwargs: Any,
    ) -> None:
        """Open a tool run, noting its name and input."""
        run = self._start("tool", _name(serialized, kwargs, "tool"), run_id, parent_run_id)
        run.extra = {"input": render(input_str)}

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the TOOL_CALL event with the output."""
        self._emit(run_id, None, output=render(_content(output)))

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
        run = self._start("retriever", name, run_id, parent_run_id)
        run.extra = {"query": render(query), "retriever": name}

    def on_retriever_end(self, documents: Sequence[Any], *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the RAG_QUERY event with the documents' ids and sources."""
        self._emit(run_id, None, documents=[_document(i, d) for i, d in enumerate(documents)])

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Emit the RAG_QUERY event with FAILURE and the error."""
        self._emit(run_id, error, documents=[])


def _name(serialized: dict[str, Any] | None, kwargs: dict[str, Any], default: str) -> str:
    if kwargs.get("name"):
        return str(kwargs["name"])
    if serialized:
        if serialized.get("name"):
            return str(serialized["name"])
        ids = serialized.get("id")
        if isinstance(ids, list) and ids:
            return str(ids[-1])
    return default


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _content(value: object) -> object:
    content = getattr(value, "content", value)
    return content if isinstance(content, str) else render(content)


def _usage(response: Any, first: Any) -> tuple[int | None, int | None]:
    usage = (getattr(response, "llm_output", None) or {}).get("token_usage") or {}
    tokens_in, tokens_out = usage.get("prompt_tokens"), usage.get("completion_tokens")
    metadata = getattr(getattr(first, "message", None), "usage_metadata", None) or {}
    tokens_in = tokens_in if tokens_in is not None else metadata.get("input_tokens")
    tokens_out = tokens_out if tokens_out is not None else metadata.get("output_tokens")
    return (
        tokens_in if isinstance(tokens_in, int) else None,
        tokens_out if isinstance(tokens_out, int) else None,
    )


def _document(index: int, document: Any) -> dict[str, Any]:
    metadata = getattr(document, "metadata", None) or {}
    doc_id = getattr(document, "id", None) or metadata.get("id") or f"#{index}"
    source = metadata.get("source")
    score = metadata.get("score")
    return {
        "id": str(doc_id),
        "source": None if source is None else str(source),
        "score": float(score) if isinstance(score, int | float) else None,
    }
