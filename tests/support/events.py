"""Event builders for tests: complete, schema-shaped event dicts."""

from __future__ import annotations

import time
from typing import Any

from auditstream.schemas import AuditEvent, new_event_id, new_span_id, new_trace_id


def make_event(**overrides: Any) -> AuditEvent:
    """Return a valid LLM_REQUEST event; keyword arguments replace top-level fields."""
    event: AuditEvent = {
        "event_id": new_event_id(),
        "timestamp": time.time_ns() // 1000,
        "event_type": "LLM_REQUEST",
        "action": "chat.completion",
        "status": "SUCCESS",
        "actor": {
            "tenant_id": "acme",
            "user_id": "user-1",
            "session_id": "sess-1",
            "ip_address": "203.0.113.7",
            "user_agent": "pytest",
        },
        "trace": {
            "trace_id": new_trace_id(),
            "span_id": new_span_id(),
            "parent_span_id": None,
            "parent_event_id": None,
        },
        "service": {"name": "chat-api", "version": "1.0.0", "environment": "test", "host": "h1"},
        "llm": {
            "provider": "openai",
            "model": "gpt-4o-mini",
            "prompt": "What is the capital of France?",
            "prompt_hash": None,
            "response": "Paris.",
            "response_hash": None,
            "tokens_input": 7,
            "tokens_output": 2,
            "prompt_template": None,
            "prompt_version": None,
        },
        "rag_documents": [],
        "tool": None,
        "guardrails_triggered": [],
        "latency_ms": 12.5,
        "error": None,
        "attributes": {},
        "processing": None,
    }
    event.update(overrides)
    return event
