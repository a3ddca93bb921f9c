"""Typed helpers over ``emit()``: one method per event type, with that type's fields.

:class:`TypedEvents` is the base of :class:`~auditstream.producer.AuditClient`; each
helper fills the event type, a default action and its own record, takes the fields
every event shares as :class:`CommonFields` keywords, and hands the lot to the client's
``_submit``. Checking, content policy and scrub happen there, as for ``emit()``.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

from auditstream.producer.checks import api_call
from auditstream.producer.errors import AuditEventError
from auditstream.producer.event import EventFields
from auditstream.schemas.model import EventStatus, EventType


class CommonFields(TypedDict, total=False):
    """Keywords every helper accepts; they mean what they mean for ``emit()``."""

    tenant_id: str | None
    user_id: str | None
    session_id: str | None
    ip_address: str | None
    user_agent: str | None
    trace_id: str | None
    span_id: str | None
    parent_span_id: str | None
    parent_event_id: str | None
    event_id: str | None
    attributes: Mapping[str, str] | None
    timestamp_us: int | None


_COMMON = frozenset(CommonFields.__annotations__)


def _fields(common: Mapping[str, Any], **own: Any) -> EventFields:
    """Return the event fields of a helper call; an unknown keyword is an AuditEventError."""
    if common and not _COMMON.issuperset(common):
        unknown = sorted(set(common) - _COMMON)
        raise AuditEventError(
            unknown[0], f"unknown argument; the common ones are {', '.join(sorted(_COMMON))}"
        )
    return EventFields(**own, **common)


def _with(attributes: Mapping[str, str] | None, **extra: str | None) -> dict[str, str] | None:
    """Return ``attributes`` plus the ``extra`` entries that are not None."""
    added = {k.replace("_", "."): v for k, v in extra.items() if v is not None}
    if not added:
        return None if attributes is None else dict(attributes)
    return {**(attributes or {}), **added}


class TypedEvents(abc.ABC):
    """The typed event helpers; subclasses provide ``_submit``."""

    __slots__ = ()

    @abc.abstractmethod
    def _submit(self, event_type: EventType | str, action: str, fields: EventFields) -> str:
        """Build, encode and send one event; return its id."""

    @api_call
    def auth(
        self,
        action: str = "login",
        *,
        status: EventStatus | str = EventStatus.SUCCESS,
        method: str | None = None,
        error: BaseException | Mapping[str, Any] | None = None,
        **common: Unpack[CommonFields],
    ) -> str:
        """Record an authentication event (login, logout, token refresh, denial).

        Args:
            action: What happened, e.g. ``login``, ``logout``, ``token.refresh``.
            status: SUCCESS, or DENIED/FAILURE for a refused attempt.
            method: How the actor authenticated (attribute ``auth.method``), e.g. ``oidc``.
            error: Why it failed, if it did.
            **common: Actor, trace, attributes and timestamp (see :class:`CommonFields`).

        Returns:
            The event id.

        Raises:
            AuditEventError: An argument has the wrong type.
        """
        fields = _fields(common, status=status, error=error)
        fields.attributes = _with(fields.attributes, auth_method=method)
        return self._submit(EventType.AUTH, action, fields)

    @api_call
    def llm_request(
        self,
        *,
        provider: str | None,
        model: str | None,
        prompt: str | None = None,
        response: str | None = None,
        tokens_input: int | None = None,
        tokens_output: int | None = None,
        prompt_template: str | None = None,
        prompt_version: str | None = None,
        latency_ms: float | None = None,
        guardrails_triggered: Sequence[str] | None = None,
        status: EventStatus | str = EventStatus.SUCCESS,
        error: BaseException | Mapping[str, Any] | None = None,
        action: str = "chat.completion",
        **common: Unpack[CommonFields],
    ) -> str:
        """Record one call to a language model.

        Under ``hash_only`` the prompt and response never leave the service: only their
        keyed hashes do. Under both policies the secret scrub runs on the text.

        Args:
            provider: Model provider, e.g. ``openai`` (OpenTelemetry ``gen_ai.system``).
            model: Model name as requested.
            prompt: The text sent to the model.
            response: The text the model returned.
            tokens_input: Prompt tokens used.
            tokens_output: Completion tokens used.
            prompt_template: Name or text of the template the prompt came from.
            prompt_version: Version of that template.
            latency_ms: How long the call took.
            guardrails_triggered: Guardrails that fired on this call.
            status: Outcome of the call.
            error: Why it failed, if it did.
            action: The operation, e.g. ``chat.completion``, ``embeddings``.
            **common: Actor, trace, attributes and timestamp (see :class:`CommonFields`).

        Returns:
            The event id.

        Raises:
            AuditEventError: An argument has the wrong type.
        """
        llm = {
            "provider": provider,
            "model": model,
            "prompt": prompt,
            "response": response,
            "tokens_input": tokens_input,
            "tokens_output": tokens_output,
            "prompt_template": prompt_template,
            "prompt_version": prompt_version,
        }
        fields = _fields(
            common,
            status=status,
            llm=llm,
            latency_ms=latency_ms,
            guardrails_triggered=guardrails_triggered,
            error=error,
        )
        return self._submit(EventType.LLM_REQUEST, action, fields)

    @api_call
    def rag_query(
        self,
        *,
        documents: Sequence[Mapping[str, Any] | str],
        query: str | None = None,
        provider: str | None = None,
        model: str | None = None,
        retriever: str | None = None,
        latency_ms: float | None = None,
        status: EventStatus | str = EventStatus.SUCCESS,
        error: BaseException | Mapping[str, Any] | None = None,
        action: str = "rag.query",
        **common: Unpack[CommonFields],
    ) -> str:
        """Record a retrieval: the query and the documents it returned.

        The query text travels as ``llm.prompt`` (the text sent to the embedding model),
        so the content policy and the scrub treat it like a prompt.

        Args:
            documents: Retrieved documents: ids, or mappings with ``id``, ``source``,
                ``score``.
            query: The query text.
            provider: Embedding provider, if any.
            model: Embedding model, if any.
            retriever: Name of the retriever or index (attribute ``rag.retriever``).
            latency_ms: How long the retrieval took.
            status: Outcome of the retrieval.
            error: Why it failed, if it did.
            action: The operation.
            **common: Actor, trace, attributes and timestamp (see :class:`CommonFields`).

        Returns:
            The event id.

        Raises:
            AuditEventError: An argument has the wrong type.
        """
        has_llm = query is not None or provider is not None or model is not None
        fields = _fields(
            common,
            status=status,
            llm={"provider": provider, "model": model, "prompt": query} if has_llm else None,
            rag_documents=documents,
            latency_ms=latency_ms,
            error=error,
        )
        fields.attributes = _with(fields.attributes, rag_retriever=retriever)
        return self._submit(EventType.RAG_QUERY, action, fields)

    @api_call
    def tool_call(
        self,
        name: str,
        *,
        input: str | None = None,  # the schema's field name, shadowing the builtin here
        output: str | None = None,
        latency_ms: float | None = None,
        status: EventStatus | str = EventStatus.SUCCESS,
        error: BaseException | Mapping[str, Any] | None = None,
        action: str = "tool.invoke",
        **common: Unpack[CommonFields],
    ) -> str:
        """Record a tool (function) call made by an agent or chain.

        Args:
            name: The tool's name.
            input: The arguments, serialized (secret-scrubbed).
            output: The result, serialized (secret-scrubbed).
            latency_ms: How long the call took.
            status: Outcome of the call.
            error: Why it failed, if it did.
            action: The operation.
            **common: Actor, trace, attributes and timestamp (see :class:`CommonFields`).

        Returns:
            The event id.

        Raises:
            AuditEventError: An argument has the wrong type.
        """
        fields = _fields(
            common,
            status=status,
            tool={"name": name, "input": input, "output": output},
            latency_ms=latency_ms,
            error=error,
        )
        return self._submit(EventType.TOOL_CALL, action, fields)

    @api_call
    def guardrail(
        self,
        triggered: Sequence[str],
        *,
        status: EventStatus | str = EventStatus.DENIED,
        latency_ms: float | None = None,
        action: str = "guardrail.check",
        **common: Unpack[CommonFields],
    ) -> str:
        """Record guardrails firing on a request or response.

        Args:
            triggered: Names of the guardrails that fired.
            status: DENIED when the content was blocked; SUCCESS when only flagged.
            latency_ms: How long the check took.
            action: The operation, e.g. ``guardrail.input``, ``guardrail.output``.
            **common: Actor, trace, attributes and timestamp (see :class:`CommonFields`).

        Returns:
            The event id.

        Raises:
            AuditEventError: An argument has the wrong type.
        """
        fields = _fields(
            common, status=status, guardrails_triggered=triggered, latency_ms=latency_ms
        )
        return self._submit(EventType.GUARDRAIL, action, fields)

    @api_call
    def error(
        self,
        exc: BaseException | None = None,
        *,
        error_type: str | None = None,
        message: str | None = None,
        status: EventStatus | str = EventStatus.FAILURE,
        action: str = "error",
        **common: Unpack[CommonFields],
    ) -> str:
        """Record an error: an exception, or a type and message.

        Args:
            exc: The exception; its class name and (scrubbed) text are recorded.
            error_type: The error's type, when there is no exception object.
            message: The error's message (secret-scrubbed).
            status: Outcome of the operation that failed.
            action: What failed, e.g. ``llm.request``.
            **common: Actor, trace, attributes and timestamp (see :class:`CommonFields`).

        Returns:
            The event id.

        Raises:
            AuditEventError: Neither or both of ``exc`` and ``error_type`` were given, or
                an argument has the wrong type.
        """
        if (exc is None) == (error_type is None):
            raise AuditEventError("exc", "give exactly one of an exception or error_type")
        error = exc if exc is not None else {"type": error_type, "message": message}
        fields = _fields(common, status=status, error=error)
        return self._submit(EventType.ERROR, action, fields)

    @api_call
    def admin_action(
        self,
        action: str,
        *,
        target: str | None = None,
        status: EventStatus | str = EventStatus.SUCCESS,
        error: BaseException | Mapping[str, Any] | None = None,
        **common: Unpack[CommonFields],
    ) -> str:
        """Record an administrative change (role granted, policy edited, key rotated).

        Args:
            action: What was done, e.g. ``role.grant``.
            target: What it was done to (attribute ``admin.target``).
            status: Outcome of the change.
            error: Why it failed, if it did.
            **common: Actor, trace, attributes and timestamp (see :class:`CommonFields`).

        Returns:
            The event id.

        Raises:
            AuditEventError: An argument has the wrong type.
        """
        fields = _fields(common, status=status, error=error)
        fields.attributes = _with(fields.attributes, admin_target=target)
        return self._submit(EventType.ADMIN_ACTION, action, fields)
