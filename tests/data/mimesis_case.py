"""One event of the mimesis evaluation set under construction, with its labels."""

from __future__ import annotations

import json
import random
from typing import Any

from mimesis_documents import Documents
from mimesis_lookalikes import LookAlikes
from mimesis_values import People, Pools

SERVICES = [
    ("support-assistant", "2.14.1"),
    ("hr-copilot", "0.9.3"),
    ("crm-agent", "5.2.0"),
    ("clinic-intake", "1.4.7"),
    ("docs-rag", "3.0.2"),
    ("mail-summarizer", "1.1.0"),
    ("admin-console", "7.3.5"),
]
MODELS = [
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4.1"),
    ("anthropic", "claude-3-5-haiku-20241022"),
    ("google", "gemini-1.5-flash"),
    ("azure_openai", "gpt-4o"),
    ("mistral", "mistral-small-latest"),
]
_EPOCH_US = 1_795_000_000_000_000  # 2026-11-18, near the day the set was generated


class MimesisCase:
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
        self.looks = LookAlikes(pools, rng)
        self.docs = Documents(pools, rng)
        self.pii: list[dict[str, str]] = []
        self.uses: dict[str, int] = {}  # how often each planted value was placed
        self.keep: list[dict[str, str]] = []
        self.event = base_event(rng, index, pools)

    def p(self, field: str, value: str, entity_type: str) -> str:
        """Label a value that must not survive; return it for use in text.

        Call it at every place the value goes, so the generator can tell a planted value
        from the same string occurring by chance elsewhere.
        """
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

    def chat(self, prompt: str, response: str | None = None, **fields: Any) -> None:
        """Set the LLM call's prompt and response (and any other LLM fields)."""
        self.event["llm"].update(prompt=prompt, response=response, **fields)

    def tool(self, name: str, args: Any, output: Any | None = None) -> None:
        """Make the event a tool call; JSON-shaped arguments and output are serialized."""
        self.event["event_type"] = "TOOL_CALL"
        self.event["action"] = f"tool.{name}"
        self.event["llm"] = None
        self.event["tool"] = {
            "name": name,
            "input": args if isinstance(args, str) else dumps(self.rng, args),
            "output": output
            if output is None or isinstance(output, str)
            else dumps(self.rng, output),
        }

    def kind(self, event_type: str, action: str, status: str = "SUCCESS") -> None:
        """Set the event type, action and status."""
        self.event.update(event_type=event_type, action=action, status=status)


def dumps(rng: random.Random, payload: Any) -> str:
    """Serialize a payload as services do: compact, spaced or indented; non-ASCII kept or escaped.

    Escaped non-ASCII would hide the planted value from every reader, so it is kept.
    """
    style = rng.random()
    if style < 0.45:
        return json.dumps(payload, ensure_ascii=False)
    if style < 0.7:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(payload, ensure_ascii=False, indent=2)


def base_event(rng: random.Random, index: int, pools: Pools) -> dict[str, Any]:
    """An LLM_REQUEST event with fresh ids; templates change what they need."""
    service, version = rng.choice(SERVICES)
    provider, model = rng.choice(MODELS)
    return {
        "event_id": str(_uuid(rng)),
        "timestamp": _EPOCH_US + index * 1_700_000_003,
        "event_type": "LLM_REQUEST",
        "action": "chat.completion",
        "status": "SUCCESS",
        "actor": {
            "tenant_id": rng.choice(["t-northwind", "t-helio", "t-kestrel", "t-brightpath"]),
            "user_id": f"usr_{rng.getrandbits(48):012x}",
            "session_id": f"sess_{rng.getrandbits(64):016x}",
            "ip_address": None,
            "user_agent": rng.choice(
                [pools.internet.user_agent(), "python-httpx/0.27.2", "langchain-core/0.3.21"]
            ),
        },
        "trace": {
            "trace_id": f"{rng.getrandbits(128) | 1:032x}",
            "span_id": f"{rng.getrandbits(64):016x}",
            "parent_span_id": f"{rng.getrandbits(64):016x}" if rng.random() < 0.5 else None,
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
            "tokens_input": rng.randint(30, 3000),
            "tokens_output": rng.randint(10, 900),
            "prompt_template": None,
            "prompt_version": None,
        },
        "rag_documents": [],
        "tool": None,
        "guardrails_triggered": [],
        "latency_ms": round(rng.uniform(40, 9000), 1),
        "error": None,
        "attributes": {},
        "processing": None,
    }


def _uuid(rng: random.Random) -> str:
    """A UUIDv7-shaped id from the split's random source."""
    bits = rng.getrandbits(128)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-7{h[13:16]}-{'89ab'[bits % 4]}{h[17:20]}-{h[20:]}"
