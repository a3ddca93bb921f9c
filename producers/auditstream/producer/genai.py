"""OpenTelemetry GenAI semantic-convention names for what an audit event records.

Collectors and SIEMs that speak OpenTelemetry's GenAI conventions look for
``gen_ai.request.model``, ``gen_ai.usage.input_tokens`` and their kin. The integrations
(:mod:`auditstream.producer.langchain`) put these names in an event's ``attributes``
beside the event's own fields, so a consumer of the redacted topic or an export can read
ours without a mapping. Values are strings, as the attribute map holds only strings.

Names follow the GenAI semantic conventions as of semconv 1.37 (``gen_ai.provider.name``
replaced ``gen_ai.system``; both are written, for collectors on either side of that
change). This module holds no I/O and imports only the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

OPERATION_NAME = "gen_ai.operation.name"
PROVIDER_NAME = "gen_ai.provider.name"
SYSTEM = "gen_ai.system"  # the name before semconv 1.37
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_MODEL = "gen_ai.response.model"
RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
TOOL_NAME = "gen_ai.tool.name"
TOOL_CALL_ID = "gen_ai.tool.call.id"
DATA_SOURCE_ID = "gen_ai.data_source.id"
# Not (yet) a semconv attribute: the conventions name the metric
# gen_ai.server.time_to_first_token; we record the client-side figure per call.
TIME_TO_FIRST_TOKEN_MS = "gen_ai.response.time_to_first_token_ms"  # noqa: S105 - a name


def llm_attributes(
    *,
    operation: str,
    provider: str | None,
    request_model: str | None,
    response_model: str | None,
    finish_reasons: Sequence[str],
    tokens_input: int | None,
    tokens_output: int | None,
) -> dict[str, str]:
    """Return the GenAI attributes of one model call, leaving out what is unknown.

    Args:
        operation: ``chat`` or ``text_completion``.
        provider: The provider, e.g. ``openai``.
        request_model: The model asked for.
        response_model: The model that answered, when the response names it.
        finish_reasons: Why generation stopped, one per choice.
        tokens_input: Prompt tokens.
        tokens_output: Completion tokens.

    Returns:
        Attribute name to string value (finish reasons as a JSON array).
    """
    out = {OPERATION_NAME: operation}
    if provider:
        out[PROVIDER_NAME] = out[SYSTEM] = provider
    if request_model:
        out[REQUEST_MODEL] = request_model
    if response_model:
        out[RESPONSE_MODEL] = response_model
    if finish_reasons:
        out[RESPONSE_FINISH_REASONS] = json.dumps(list(finish_reasons))
    if tokens_input is not None:
        out[USAGE_INPUT_TOKENS] = str(tokens_input)
    if tokens_output is not None:
        out[USAGE_OUTPUT_TOKENS] = str(tokens_output)
    return out


def tool_attributes(name: str, call_id: str | None) -> dict[str, str]:
    """Return the GenAI attributes of one tool execution.

    Args:
        name: The tool's name.
        call_id: The id of the model's tool call this execution answers, if known.

    Returns:
        Attribute name to string value.
    """
    out = {OPERATION_NAME: "execute_tool", TOOL_NAME: name}
    if call_id:
        out[TOOL_CALL_ID] = call_id
    return out
