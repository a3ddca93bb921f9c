"""Sample events for the sink's unit tests: one with every field filled, one minimal."""

from __future__ import annotations

from auditstream.schemas import AuditEvent, AuditEventDeserializer, AuditEventSerializer

# 2026-03-01T23:59:59.999999Z: the last microsecond of a day, so hour/day edges show.
LAST_MICROSECOND_OF_DAY = 1_772_409_599_999_999


def through_codec(event: AuditEvent) -> AuditEvent:
    """Return the event as the sink receives it: serialized and deserialized."""
    return AuditEventDeserializer()(AuditEventSerializer()(event))


def full_event_dict() -> AuditEvent:
    """Return an event with every field, nested ones included, filled."""
    return {
        "event_id": "01950d1c-7a3b-7c3d-8e4f-0123456789ab",
        "timestamp": LAST_MICROSECOND_OF_DAY,
        "event_type": "TOOL_CALL",
        "action": "tool.invoke",
        "status": "FAILURE",
        "actor": {
            "tenant_id": "globex/eu",
            "user_id": "<USER:9f2c1a>",
            "session_id": "sess-42",
            "ip_address": "203.0.113.0",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        },
        "trace": {
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "span_id": "00f067aa0ba902b7",
            "parent_span_id": "a3ce929d0e0e4736",
            "parent_event_id": "01950d1c-7a3b-7c3d-8e4f-0123456789aa",
        },
        "service": {"name": "agent", "version": "2.3.1", "environment": "prod", "host": "node-7"},
        "llm": {
            "provider": "anthropic",
            "model": "claude-sonnet",
            "prompt": "Summarize <EMAIL_ADDRESS:1a2b3c>'s ticket — ünïcode ✓",
            "prompt_hash": "hmac-sha256:aa11",
            "response": "Done.",
            "response_hash": "hmac-sha256:bb22",
            "tokens_input": 1234,
            "tokens_output": 56,
            "prompt_template": "summarize-v2",
            "prompt_version": "7",
        },
        "rag_documents": [
            {"id": "doc-1", "source": "kb://tickets/1", "score": 0.91},
            {"id": "doc-2", "source": None, "score": None},
        ],
        "tool": {"name": "crm.lookup", "input": '{"id": 7}', "output": None},
        "guardrails_triggered": ["pii", "toxicity"],
        "latency_ms": 842.25,
        "error": {"type": "TimeoutError", "message": "tool did not answer in 30 s"},
        "attributes": {"region": "eu-west-1", "feature": "support-bot", "": "empty key"},
        "processing": {
            "ingested_at": LAST_MICROSECOND_OF_DAY + 1,
            "policy_version": "2026-01",
            "recognizer_version": "presidio-2.2",
            "redactions": [
                {"field": "llm.prompt", "entity_type": "EMAIL_ADDRESS", "count": 1},
                {"field": "actor.user_id", "entity_type": "USER", "count": 1},
            ],
            "trace_sequence": 3,
            "parent_event_id": "01950d1c-7a3b-7c3d-8e4f-0123456789aa",
            "inherited_fields": ["actor.session_id"],
            "trace_tokens_total": 2000,
            "trace_tool_calls": 2,
            "trace_errors": 1,
        },
    }


def minimal_event_dict() -> AuditEvent:
    """Return an event with the required fields set and every optional one empty."""
    return {
        "event_id": "01950d1c-7a3b-7c3d-8e4f-0123456789ac",
        "timestamp": 0,
        "event_type": "OTHER",
        "action": "noop",
        "status": "UNKNOWN",
        "actor": {
            "tenant_id": None,
            "user_id": None,
            "session_id": None,
            "ip_address": None,
            "user_agent": None,
        },
        "trace": {
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4737",
            "span_id": None,
            "parent_span_id": None,
            "parent_event_id": None,
        },
        "service": {"name": "svc", "version": None, "environment": None, "host": None},
        "llm": None,
        "rag_documents": [],
        "tool": None,
        "guardrails_triggered": [],
        "latency_ms": None,
        "error": None,
        "attributes": {},
        "processing": None,
    }
