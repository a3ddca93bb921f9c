"""Read what the LangChain callbacks hand over: messages, generations, documents.

:mod:`auditstream.producer.langchain` calls these to turn LangChain objects into the
text and numbers an audit event holds. They read the objects by attribute (duck typing,
as langchain-core 0.3 to 1.x shape them) and never import ``langchain_core``, so they
are cheap to test and the SDK's import stays light. Nothing here raises for an object of
an unexpected shape: a missing attribute reads as absent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from auditstream.producer.tools import render

# Chain inputs nest (a dict of messages of content blocks); past this depth the rest is
# rendered with str(), which is bounded by render()'s cut anyway.
MAX_DEPTH = 6


def plain(value: Any, depth: int = 0) -> Any:
    """Return ``value`` as JSON-ready data: messages and documents as small dicts.

    Args:
        value: A chain input or output: dicts, lists, messages, prompt values, documents.
        depth: Nesting level (callers leave it at 0).

    Returns:
        Dicts, lists, strings, numbers, booleans or None.
    """
    if value is None or isinstance(value, str | int | float | bool):
        out: Any = value
    elif depth >= MAX_DEPTH:
        out = str(value)
    elif isinstance(value, Mapping):
        out = {str(k): plain(v, depth + 1) for k, v in value.items()}
    elif isinstance(value, list | tuple):
        out = [plain(v, depth + 1) for v in value]
    elif callable(getattr(value, "to_messages", None)):  # a PromptValue
        out = [plain(m, depth + 1) for m in value.to_messages()]
    elif hasattr(value, "page_content"):  # a Document
        out = {"id": getattr(value, "id", None), "page_content": value.page_content}
    elif hasattr(value, "content") and hasattr(value, "type"):  # a message
        out = _message(value, depth)
    else:
        out = str(value)
    return out


def _message(value: Any, depth: int) -> dict[str, Any]:
    kind = value.type
    out: dict[str, Any] = {"type": kind, "content": plain(value.content, depth + 1)}
    calls = _calls_of(kind, value)
    if calls:
        out["tool_calls"] = calls
    call_id = _call_id_of(kind, value)
    if call_id:
        out["tool_call_id"] = call_id
    return out


# Only assistant messages carry tool calls and only tool messages a call id; asking other
# messages goes through pydantic's __getattr__, which raises (slowly) for a missing name.
def _calls_of(kind: str, message: Any) -> list[dict[str, str]]:
    return tool_calls(message) if kind in ("ai", "AIMessageChunk") else []


def _call_id_of(kind: str, message: Any) -> str | None:
    call_id = getattr(message, "tool_call_id", None) if kind == "tool" else None
    return None if call_id is None else str(call_id)


def text(value: Any) -> str:
    """Return a message's or output's content as text: strings as they are, else JSON.

    Args:
        value: A message, a string, or anything :func:`plain` takes.

    Returns:
        At most :data:`auditstream.producer.tools.MAX_TEXT_CHARS` characters.
    """
    content = getattr(value, "content", value)
    return render(content if isinstance(content, str) else plain(content))


def tool_calls(message: Any) -> list[dict[str, str]]:
    """Return the tool calls a model's message asks for, arguments as JSON text.

    Args:
        message: An ``AIMessage`` (or chunk), or anything else.

    Returns:
        ``[{"id": ..., "name": ..., "arguments": "<json>"}]``; empty when there are none.
    """
    calls = getattr(message, "tool_calls", None) or []
    out = []
    for call in calls:
        if not isinstance(call, Mapping):
            continue
        out.append(
            {
                "id": str(call.get("id") or ""),
                "name": str(call.get("name") or ""),
                "arguments": json.dumps(call.get("args") or {}, default=str, sort_keys=True),
            }
        )
    return out


def prompt_of_messages(batches: Sequence[Sequence[Any]]) -> str:
    """Render a chat model's input as the model saw it: one line per message.

    An assistant turn that called tools shows the calls (name, arguments, id), and a
    tool message shows the id of the call it answers, so the history reads as a dialog.

    Args:
        batches: The ``messages`` argument of ``on_chat_model_start``.

    Returns:
        ``"<type>: <content>"`` lines.
    """
    lines = []
    for batch in batches:
        for message in batch:
            kind = getattr(message, "type", "message")
            call_id = _call_id_of(kind, message)
            head = f"{kind}[{call_id}]" if call_id else kind
            line = f"{head}: {text(message)}"
            calls = _calls_of(kind, message)
            if calls:
                line += f" tool_calls={json.dumps(calls, sort_keys=True)}"
            lines.append(line)
    return "\n".join(lines)


def first_generation(response: Any) -> Any:
    """Return the first generation of an ``LLMResult``, or None."""
    generations = getattr(response, "generations", None) or []
    return generations[0][0] if generations and generations[0] else None


def response_text(first: Any) -> str | None:
    """Return what the model answered: its text, or JSON with the text and tool calls.

    Args:
        first: The first generation (see :func:`first_generation`).

    Returns:
        The text when the model called no tool; ``{"content": ..., "tool_calls": [...]}``
        as JSON when it did; None without a generation.
    """
    if first is None:
        return None
    message = getattr(first, "message", None)
    content = getattr(first, "text", "") or ""
    calls = tool_calls(message)
    if not calls:
        return render(content)
    return render({"content": content, "tool_calls": calls})


def usage(response: Any, first: Any) -> tuple[int | None, int | None]:
    """Return prompt and completion tokens from ``llm_output`` or ``usage_metadata``."""
    llm_output = getattr(response, "llm_output", None) or {}
    counts = llm_output.get("token_usage") or llm_output.get("usage") or {}
    tokens_in = counts.get("prompt_tokens", counts.get("input_tokens"))
    tokens_out = counts.get("completion_tokens", counts.get("output_tokens"))
    metadata = getattr(getattr(first, "message", None), "usage_metadata", None) or {}
    tokens_in = tokens_in if tokens_in is not None else metadata.get("input_tokens")
    tokens_out = tokens_out if tokens_out is not None else metadata.get("output_tokens")
    return (
        tokens_in if isinstance(tokens_in, int) else None,
        tokens_out if isinstance(tokens_out, int) else None,
    )


def _response_metadata(generation: Any) -> Mapping[str, Any]:
    metadata = getattr(getattr(generation, "message", None), "response_metadata", None)
    return metadata if isinstance(metadata, Mapping) else {}


def finish_reasons(response: Any) -> list[str]:
    """Return why generation stopped, one entry per generation that says so."""
    out = []
    for batch in getattr(response, "generations", None) or []:
        for generation in batch:
            info = getattr(generation, "generation_info", None) or {}
            meta = _response_metadata(generation)
            reason = (
                info.get("finish_reason") or meta.get("finish_reason") or meta.get("stop_reason")
            )
            if reason:
                out.append(str(reason))
    return out


def response_model(response: Any, first: Any) -> str | None:
    """Return the model name the response reports, if it reports one."""
    llm_output = getattr(response, "llm_output", None) or {}
    meta = _response_metadata(first)
    name = llm_output.get("model_name") or meta.get("model_name") or meta.get("model")
    return None if name is None else str(name)


def request_model(metadata: Mapping[str, Any], params: Mapping[str, Any]) -> str | None:
    """Return the model asked for: ``ls_model_name``, else ``model``/``model_name``."""
    name = metadata.get("ls_model_name") or params.get("model") or params.get("model_name")
    return None if name is None else str(name)


def provider(metadata: Mapping[str, Any], params: Mapping[str, Any]) -> str | None:
    """Return the provider: ``ls_provider``, else the invocation's ``_type``."""
    name = metadata.get("ls_provider") or params.get("_type")
    return None if name is None else str(name)


def document(index: int, value: Any) -> dict[str, Any]:
    """Return a retrieved document's id, source and score for ``rag_documents``."""
    metadata = getattr(value, "metadata", None) or {}
    doc_id = getattr(value, "id", None) or metadata.get("id") or f"#{index}"
    source = metadata.get("source")
    score = metadata.get("score")
    return {
        "id": str(doc_id),
        "source": None if source is None else str(source),
        "score": float(score) if isinstance(score, int | float) else None,
    }
