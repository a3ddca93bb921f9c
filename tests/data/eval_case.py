"""The record under construction: one event of the evaluation set and its labels."""

from __future__ import annotations

import random
from typing import Any

import eval_values as v

SECRET_KINDS = [
    "openai",
    "anthropic",
    "google",
    "huggingface",
    "github",
    "gitlab",
    "slack",
    "stripe",
    "jwt",
]


class Case:
    """One event under construction and its labels."""

    def __init__(self, rng: random.Random, category: str, index: int) -> None:
        self.rng, self.category = rng, category
        self.pii: list[dict[str, str]] = []
        self.keep: list[dict[str, str]] = []
        self.event = base_event(rng, index)

    def p(self, field: str, value: str, entity_type: str) -> str:
        """Label a value that must not survive; return it for use in text."""
        self.pii.append({"field": field, "value": value, "entity_type": entity_type})
        return value

    def k(self, field: str, value: str) -> str:
        """Label a value that must survive in its field; return it."""
        self.keep.append({"field": field, "value": value})
        return value


def base_event(rng: random.Random, index: int) -> dict[str, Any]:
    return {
        "event_id": v.uid(rng),
        "timestamp": 1_764_115_200_000_000 + index * 1_000_003,
        "event_type": "LLM_REQUEST",
        "action": "chat.completion",
        "status": "SUCCESS",
        "actor": {
            "tenant_id": rng.choice(["acme", "globex", "initech"]),
            "user_id": f"u-{rng.randint(1000, 9999)}",
            "session_id": f"s-{rng.getrandbits(40):x}",
            "ip_address": None,
            "user_agent": "openai-python/1.54.3",
        },
        "trace": {
            "trace_id": f"{rng.getrandbits(128):032x}",
            "span_id": f"{rng.getrandbits(64):016x}",
            "parent_span_id": None,
        },
        "service": {
            "name": "assistant-api",
            "version": "3.2.0",
            "environment": "prod",
            "host": "web-7",
        },
        "llm": {
            "provider": "openai",
            "model": "gpt-4o-mini",
            "prompt": None,
            "prompt_hash": None,
            "response": None,
            "response_hash": None,
            "tokens_input": rng.randint(20, 900),
            "tokens_output": rng.randint(5, 600),
            "prompt_template": None,
            "prompt_version": None,
        },
        "rag_documents": [],
        "tool": None,
        "guardrails_triggered": [],
        "latency_ms": round(rng.uniform(80, 4000), 1),
        "error": None,
        "attributes": {},
        "processing": None,
    }
