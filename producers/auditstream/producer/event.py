"""Build an AuditEvent dict from the arguments of an ``emit()`` call.

This module owns three things, in this order: 1 check every argument's type with
:mod:`.checks` (a wrong one is a programming error, raised as :class:`AuditEventError`
naming the field, never quoting the value); 2 apply the content policy to prompt and
response; 3 run the secret scrub on every free-text field. The result is shaped exactly
like the current ``AuditEvent`` schema, ready for
:class:`~auditstream.schemas.AuditEventSerializer`.

It holds no Kafka code and does no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, assert_never

from auditstream.producer import checks, ids
from auditstream.producer.config import ClientConfig, ContentPolicy
from auditstream.producer.errors import AuditEventError
from auditstream.producer.scrub import may_hold_secret, scrub
from auditstream.producer.tracing import TraceContext, is_span_id, is_trace_id
from auditstream.schemas.model import (
    AuditEvent,
    EventStatus,
    EventType,
)

_LLM_TEXT = ("provider", "model", "prompt", "response", "prompt_template", "prompt_version")
_LLM_COUNTS = ("tokens_input", "tokens_output")
_LLM_FIELDS = frozenset(_LLM_TEXT + _LLM_COUNTS)
# The SDK computes these from the text with the configured key; a caller-made hash could
# be unkeyed, and an unkeyed hash of a short prompt can be reversed by guessing.
_LLM_SDK_FIELDS = frozenset({"prompt_hash", "response_hash"})
_TOOL_FIELDS = frozenset({"name", "input", "output"})
_RAG_FIELDS = frozenset({"id", "source", "score"})
_ERROR_FIELDS = frozenset({"type", "message"})
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# Enum members (and their values) to schema strings, so the common case skips the enum
# machinery; anything else goes through checks.enum_member, which raises for bad values.
_EVENT_TYPES: dict[object, str] = {m: m.value for m in EventType}
_STATUSES: dict[object, str] = {m: m.value for m in EventStatus}


def _enum_value(
    table: Mapping[object, str], enum: type[EventType | EventStatus], value: object, name: str
) -> str:
    try:
        return table[value]
    except (KeyError, TypeError):  # not a member, or unhashable: let the check explain
        return checks.enum_member(enum, value, name).value


def _actor(
    fields: EventFields, default_tenant: str | None, context: TraceContext | None
) -> dict[str, Any]:
    tenant, user, session = context.actor if context is not None else (None, None, None)
    actor = {
        "tenant_id": fields.tenant_id if fields.tenant_id is not None else tenant or default_tenant,
        "user_id": user if fields.user_id is None else fields.user_id,
        "session_id": session if fields.session_id is None else fields.session_id,
        "ip_address": fields.ip_address,
        "user_agent": fields.user_agent,
    }
    for name, value in actor.items():
        if value is not None and type(value) is not str:
            checks.opt_str(value, name)
    return actor


@dataclass(kw_only=True, slots=True)
class EventFields:
    """Everything ``emit()`` takes besides the event type and action (see its docstring)."""

    event_id: str | None = None
    status: EventStatus | str = EventStatus.SUCCESS
    tenant_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    parent_span_id: str | None = None
    parent_event_id: str | None = None
    llm: Mapping[str, Any] | None = None
    rag_documents: Sequence[Mapping[str, Any] | str] | None = None
    tool: Mapping[str, Any] | None = None
    guardrails_triggered: Sequence[str] | None = None
    latency_ms: float | None = None
    error: BaseException | Mapping[str, Any] | None = None
    attributes: Mapping[str, str] | None = None
    timestamp_us: int | None = None


class BuiltEvent(NamedTuple):
    """An event ready to encode, and how many secrets the scrub replaced in it."""

    event: AuditEvent
    secrets_scrubbed: int


class EventBuilder:
    """Turns ``emit()`` arguments into schema-shaped event dicts for one client config.

    Args:
        config: The client's settings (service, default tenant, content policy, key).
    """

    __slots__ = ("_config", "_hash_only", "_service")

    def __init__(self, config: ClientConfig) -> None:
        self._config = config
        match config.content_policy:
            case ContentPolicy.FULL:
                self._hash_only = False
            case ContentPolicy.HASH_ONLY:
                self._hash_only = True
            case unreachable:
                assert_never(unreachable)
        self._service = {
            "name": config.service_name,
            "version": config.service_version,
            "environment": config.environment,
            "host": config.host,
        }

    def build(
        self,
        event_type: EventType | str,
        action: str,
        fields: EventFields,
        context: TraceContext | None,
    ) -> BuiltEvent:
        """Check, apply policy and scrub, and return the event.

        Args:
            event_type: An :class:`EventType` or its name.
            action: The verb of the event, e.g. ``chat.completion``.
            fields: The other arguments.
            context: The current trace context, if any.

        Returns:
            The event dict and the number of secrets replaced.

        Raises:
            AuditEventError: An argument has the wrong type or an unknown field.
        """
        scrubber = _Scrubber()
        if not isinstance(action, str) or not action:
            raise AuditEventError("action", f"must be a non-empty str, found {checks.kind(action)}")
        f = fields
        event: AuditEvent = {
            "event_id": ids.event_id() if f.event_id is None else _event_id(f.event_id, "event_id"),
            "timestamp": time.time_ns() // 1000
            if f.timestamp_us is None
            else checks.timestamp(f.timestamp_us),
            "event_type": _enum_value(_EVENT_TYPES, EventType, event_type, "event_type"),
            "action": action,
            "status": _STATUSES.get(f.status)
            or checks.enum_member(EventStatus, f.status, "status").value,
            "actor": _actor(f, self._config.tenant_id, context),
            "trace": _trace(f, context),
            "service": self._service,  # shared: events are encoded, never mutated
            "llm": None if f.llm is None else self._llm(f.llm, scrubber),
            "rag_documents": [] if f.rag_documents is None else _rag_documents(f.rag_documents),
            "tool": None if f.tool is None else _tool(f.tool, scrubber),
            "guardrails_triggered": []
            if f.guardrails_triggered is None
            else checks.strings(f.guardrails_triggered, "guardrails_triggered"),
            "latency_ms": None if f.latency_ms is None else checks.latency(f.latency_ms),
            "error": None if f.error is None else _error(f.error, scrubber),
            "attributes": {} if f.attributes is None else _attributes(f.attributes, scrubber),
            "processing": None,
        }
        return BuiltEvent(event, scrubber.count)

    def _hash(self, text: str | None) -> str | None:
        key = self._config.hash_key
        if text is None or key is None:
            return None
        # Over the text as the caller has it (before the scrub), so the caller can
        # recompute and match it with the same key.
        # surrogatepass: a lone surrogate (see without_surrogates) must not fail the hash.
        return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def _llm(self, llm: Mapping[str, Any], scrubber: _Scrubber) -> dict[str, Any]:
        values = checks.record(llm, "llm", allowed=_LLM_FIELDS, sdk_owned=_LLM_SDK_FIELDS)
        for name in _LLM_TEXT:
            value = values.get(name)
            if value is not None and type(value) is not str:  # the fast test; then the check
                checks.opt_str(value, f"llm.{name}")
        for name in _LLM_COUNTS:
            checks.opt_count(values.get(name), f"llm.{name}")
        prompt, response = values.get("prompt"), values.get("response")
        hash_only = self._hash_only
        return {
            "provider": values.get("provider"),
            "model": values.get("model"),
            "prompt": None if hash_only else scrubber(prompt),
            "prompt_hash": self._hash(prompt),
            "response": None if hash_only else scrubber(response),
            "response_hash": self._hash(response),
            "tokens_input": values.get("tokens_input"),
            "tokens_output": values.get("tokens_output"),
            "prompt_template": scrubber(values.get("prompt_template")),
            "prompt_version": values.get("prompt_version"),
        }


# Short texts found to hold no secret marker: attribute values, names, model ids and
# template prompts repeat on nearly every event, and a set lookup is cheaper than the
# marker scan. Only texts the scan cleared go in (the scan is a pure function of the
# text); bounded by clearing, so a stream of unique texts cannot grow it.
CLEAN_TEXTS_KEPT = 4096
CLEAN_TEXT_MAX_CHARS = 256
_clean: set[str] = set()


class _Scrubber:
    """Runs the secret scrub on the texts of one event and counts the replacements."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, text: str | None) -> str | None:
        if text is None or text in _clean:
            return text
        if not may_hold_secret(text):
            if len(text) <= CLEAN_TEXT_MAX_CHARS:
                if len(_clean) >= CLEAN_TEXTS_KEPT:
                    _clean.clear()
                _clean.add(text)
            return text
        result = scrub(text)
        self.count += result.total
        return result.text


def _tool(tool: Mapping[str, Any], scrubber: _Scrubber) -> dict[str, Any]:
    values = checks.record(tool, "tool", allowed=_TOOL_FIELDS, required=("name",))
    name = values["name"]
    if not isinstance(name, str) or not name:
        raise AuditEventError("tool.name", f"must be a non-empty str, found {checks.kind(name)}")
    return {
        "name": name,
        "input": scrubber(checks.opt_str(values.get("input"), "tool.input")),
        "output": scrubber(checks.opt_str(values.get("output"), "tool.output")),
    }


def _error(error: BaseException | Mapping[str, Any], scrubber: _Scrubber) -> dict[str, Any]:
    if isinstance(error, BaseException):
        message = str(error)
        return {"type": type(error).__qualname__, "message": scrubber(message or None)}
    values = checks.record(error, "error", allowed=_ERROR_FIELDS, required=("type",))
    error_type = values["type"]
    if not isinstance(error_type, str) or not error_type:
        raise AuditEventError(
            "error.type", f"must be a non-empty str, found {checks.kind(error_type)}"
        )
    return {
        "type": error_type,
        "message": scrubber(checks.opt_str(values.get("message"), "error.message")),
    }


def _attributes(attributes: Mapping[str, str] | None, scrubber: _Scrubber) -> dict[str, str]:
    if attributes is None:
        return {}
    if not isinstance(attributes, Mapping):
        raise AuditEventError("attributes", f"must be a mapping, found {checks.kind(attributes)}")
    out: dict[str, str] = {}
    for key, value in attributes.items():
        if not isinstance(key, str):
            raise AuditEventError("attributes", f"keys must be str, found {checks.kind(key)}")
        if not isinstance(value, str):
            raise AuditEventError(
                f"attributes[{key!r}]", f"must be str, found {checks.kind(value)}"
            )
        out[key] = scrubber(value) or ""
    return out


def without_surrogates(event: AuditEvent) -> AuditEvent:
    """Return a copy of ``event`` with lone surrogates in its strings replaced by ``?``.

    They come from bytes decoded with ``surrogateescape`` (file names, environment) and
    cannot be encoded as UTF-8. They are data, not a programming error, so the event is
    repaired rather than refused.

    Args:
        event: A built event that failed to encode.

    Returns:
        A copy whose strings all encode as UTF-8.
    """
    return {key: _repair(value) for key, value in event.items()}


def _repair(node: object) -> object:
    if isinstance(node, str):
        return node.encode("utf-8", "replace").decode("utf-8")
    if isinstance(node, dict):
        return {key: _repair(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_repair(value) for value in node]
    return node


def _rag_documents(documents: object) -> list[dict[str, Any]]:
    if documents is None:
        return []
    if isinstance(documents, str | bytes) or not isinstance(documents, Sequence):
        raise AuditEventError(
            "rag_documents",
            f"must be a sequence of ids or mappings, found {checks.kind(documents)}",
        )
    out: list[dict[str, Any]] = []
    for index, doc in enumerate(documents):
        where = f"rag_documents[{index}]"
        if isinstance(doc, str):
            out.append({"id": doc, "source": None, "score": None})
            continue
        values = checks.record(doc, where, allowed=_RAG_FIELDS, required=("id",))
        if not isinstance(values["id"], str):
            raise AuditEventError(f"{where}.id", f"must be str, found {checks.kind(values['id'])}")
        score = values.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise AuditEventError(
                f"{where}.score", f"must be a number or None, found {checks.kind(score)}"
            )
        out.append(
            {
                "id": values["id"],
                "source": checks.opt_str(values.get("source"), f"{where}.source"),
                "score": None if score is None else float(score),
            }
        )
    return out


def _event_id(value: object, name: str) -> str:
    if not isinstance(value, str) or not _UUID.match(value):
        raise AuditEventError(name, "must be a UUID in its canonical lowercase form")
    return value


def _trace(fields: EventFields, context: TraceContext | None) -> dict[str, Any]:
    """Fill the trace record: explicit ids win, then the current context, then new ids.

    Every event gets its own span id, so it is a node of the trace tree; its parent is
    the current span, unless the caller named another trace or parent. The parent's
    event id comes with the parent span: named by the caller, or the current span's
    when the parent is the current span (and the span is one of this SDK's).
    """
    for name in ("span_id", "parent_span_id"):
        value = getattr(fields, name)
        if value is not None and not is_span_id(value):
            raise AuditEventError(name, "must be 16 lowercase hex digits, not all zero")
    if fields.trace_id is not None and not is_trace_id(fields.trace_id):
        raise AuditEventError("trace_id", "must be 32 lowercase hex digits, not all zero")
    in_context = context is not None and fields.trace_id in (None, context.trace_id)
    if fields.trace_id is not None:
        trace_id = fields.trace_id
    elif context is not None:
        trace_id = context.trace_id
    else:
        trace_id = ids.trace_id()
    parent = fields.parent_span_id
    parent_event = fields.parent_event_id
    if parent_event is not None:
        _event_id(parent_event, "parent_event_id")
    if parent is None and in_context and context is not None:
        parent = context.span_id
        if parent_event is None and parent is not None:
            parent_event = context.event_id
    return {
        "trace_id": trace_id,
        "span_id": fields.span_id or ids.span_id(),
        "parent_span_id": parent,
        "parent_event_id": parent_event,
    }
