"""``audit_tool``: record every call of a plain tool function as a TOOL_CALL event.

For agents without a framework, or tools a LangChain agent calls through plain
functions. The event carries the tool's name, its arguments and result rendered as JSON
(secret-scrubbed like every free text, cut at :data:`MAX_TEXT_CHARS`), the latency, and
on an exception the FAILURE status and error; the exception is re-raised unchanged.
Works for sync and async functions. The event joins the current trace (a
``client.span`` block, a LangChain run, an adopted ``traceparent`` or the current
OpenTelemetry span), and carries the OpenTelemetry GenAI attributes of a tool execution
(``gen_ai.operation.name``, ``gen_ai.tool.name``).
"""

from __future__ import annotations

import functools
import inspect
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from auditstream.producer import genai
from auditstream.schemas.model import EventStatus

if TYPE_CHECKING:
    from auditstream.producer.client import AuditClient

_F = TypeVar("_F", bound=Callable[..., Any])

# Tool inputs and outputs can be whole documents; the processor refuses oversized
# fields, so the SDK keeps the head, which is what an auditor reads anyway.
MAX_TEXT_CHARS = 32_000


def render(value: object) -> str:
    """Render a tool argument or result as JSON text (``str()`` for what JSON cannot hold).

    Args:
        value: Anything.

    Returns:
        At most :data:`MAX_TEXT_CHARS` characters.
    """
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text[:MAX_TEXT_CHARS]


def _arguments(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    try:
        bound = inspect.signature(function).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return render({"args": list(args), "kwargs": kwargs})
    return render(dict(bound.arguments))


def audit_tool(client: AuditClient, *, name: str | None = None) -> Callable[[_F], _F]:
    """Decorate a tool function so each call emits one TOOL_CALL event.

    Args:
        client: The client that records the events.
        name: The tool's name; defaults to the function's ``__name__``.

    Returns:
        The decorator.

    Example::

        @audit_tool(client)
        def lookup_order(order_id: str) -> dict[str, str]: ...
    """

    def decorate(function: _F) -> _F:
        tool = name or function.__name__
        attributes = genai.tool_attributes(tool, None)

        def record(args: tuple[Any, ...], kwargs: dict[str, Any], start: tuple[int, int]) -> Any:
            timestamp_us, started_ns = start
            return functools.partial(
                client.tool_call,
                tool,
                input=_arguments(function, args, kwargs),
                attributes=attributes,
                timestamp_us=timestamp_us,
                latency_ms=(time.perf_counter_ns() - started_ns) / 1e6,
            )

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                start = (time.time_ns() // 1000, time.perf_counter_ns())
                try:
                    result = await function(*args, **kwargs)
                except Exception as exc:
                    record(args, kwargs, start)(status=EventStatus.FAILURE, error=exc)
                    raise
                record(args, kwargs, start)(output=render(result))
                return result

            return cast("_F", async_wrapper)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = (time.time_ns() // 1000, time.perf_counter_ns())
            try:
                result = function(*args, **kwargs)
            except Exception as exc:
                record(args, kwargs, start)(status=EventStatus.FAILURE, error=exc)
                raise
            record(args, kwargs, start)(output=render(result))
            return result

        return cast("_F", wrapper)

    return decorate
