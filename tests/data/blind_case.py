"""One event of the blind evaluation set under construction, with its labels."""

from __future__ import annotations

import json
import random
from typing import Any

from blind_documents import Documents
from blind_lookalikes import LookAlikes
from blind_values import People, Pools

SERVICES = [
    ("code-copilot", "4.2.1"),
    ("support-bot", "2.8.0"),
    ("ops-assistant", "1.19.4"),
    ("kyc-agent", "0.7.2"),
    ("backoffice-admin", "12.1.0"),
    ("voice-summarizer", "3.3.3"),
    ("mail-triage", "1.0.9"),
]
MODELS = [
    ("openai", "gpt-4o"),
    ("openai", "o3-mini"),
    ("anthropic", "claude-3-5-sonnet-20241022"),
    ("google", "gemini-1.5-pro"),
    ("bedrock", "meta.llama3-1-70b-instruct-v1:0"),
    ("azure_openai", "gpt-4o-mini"),
]
_EPOCH_US = 1_796_000_000_000_000  # 2026-11-30


class BlindCase:
    """One event under construction and its labels.

    Args:
        rng: The split's random source.
        pools: The split's mimesis providers.
        category: The template's name.
        index: The record's position in the split (orders the timestamps).
    """

    def __init__(self, rng: random.Random, pools: Pools, category: str, index: int) -> None:
        self.rng, self.category = rng, category
        self.people = People(pools, rng)
        self.docs = Documents(rng)
        self.looks = LookAlikes(rng)
        self.pii: list[dict[str, str]] = []
        self.uses: dict[str, int] = {}  # how often each planted value was placed
        self.keep: list[dict[str, str]] = []
        self.event = base_event(rng, index)

    def p(self, field: str, value: str, entity_type: str) -> str:
        """Label a value that must not survive; return it. Call it at every place it goes."""
        self.uses[value] = self.uses.get(value, 0) + 1
        label = {"field": field, "value": value, "entity_type": entity_type}
        if label not in self.pii:
            self.pii.append(label)
        return value

    def k(self, field: str, value: str, kind: str) -> str:
        """Label a look-alike that must survive in its field; return it."""
        label = {"field": field, "value": value, "kind": kind}
        if label not in self.keep:
            self.keep.append(label)
        return value

    def chat(self, prompt: str, response: str | None = None) -> None:
        """Set the LLM call's prompt and response."""
        self.event["llm"].update(prompt=prompt, response=response)

    def tool(self, name: str, args: Any, output: Any | None = None) -> None:
        """Make the event a tool call; JSON-shaped arguments and output are serialized."""
        self.event["event_type"] = "TOOL_CALL"
        self.event["action"] = f"tool.{name}"
        self.event["llm"] = None
        self.event["tool"] = {
            "name": name,
            "input": args if isinstance(args, str) else self.dumps(args),
            "output": output if output is None or isinstance(output, str) else self.dumps(output),
        }

    def kind(self, event_type: str, action: str, status: str = "SUCCESS") -> None:
        """Set the event type, action and status."""
        self.event.update(event_type=event_type, action=action, status=status)

    def dumps(self, payload: Any) -> str:
        """Serialize as services do: compact, spaced or indented, non-ASCII kept."""
        style = self.rng.random()
        if style < 0.4:
            return json.dumps(payload, ensure_ascii=False)
        if style < 0.7:
            return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return json.dumps(payload, ensure_ascii=False, indent=2)


def base_event(rng: random.Random, index: int) -> dict[str, Any]:
    """An LLM_REQUEST event with fresh ids; templates change what they need."""
    service, version = rng.choice(SERVICES)
    provider, model = rng.choice(MODELS)
    h = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) % 4]
    return {
        "event_id": f"{h[:8]}-{h[8:12]}-7{h[13:16]}-{variant}{h[17:20]}-{h[20:]}",
        "timestamp": _EPOCH_US + index * 1_300_000_007,
        "event_type": "LLM_REQUEST",
        "action": "chat.completion",
        "status": "SUCCESS",
        "actor": {
            "tenant_id": rng.choice(["t-lumen", "t-orbital", "t-quill", "t-tessera"]),
            "user_id": f"u_{rng.getrandbits(40):010x}",
            "session_id": f"sess_{rng.getrandbits(64):016x}",
            "ip_address": None,
            "user_agent": rng.choice(
                ["openai-python/1.57.0", "anthropic-sdk-python/0.40.0", "vercel-ai/4.0.11"]
            ),
        },
        "trace": {
            "trace_id": f"{rng.getrandbits(128) | 1:032x}",
            "span_id": f"{rng.getrandbits(64):016x}",
            "parent_span_id": None,
        },
        "service": {
            "name": service,
            "version": version,
            "environment": rng.choice(["prod", "prod", "staging"]),
            "host": f"{service}-{rng.randint(0, 9)}",
        },
        "llm": {
            "provider": provider,
            "model": model,
            "prompt": None,
            "prompt_hash": None,
            "response": None,
            "response_hash": None,
            "tokens_input": rng.randint(30, 6000),
            "tokens_output": rng.randint(10, 1200),
            "prompt_template": None,
            "prompt_version": None,
        },
        "rag_documents": [],
        "tool": None,
        "guardrails_triggered": [],
        "latency_ms": round(rng.uniform(40, 12000), 1),
        "error": None,
        "attributes": {},
        "processing": None,
    }
