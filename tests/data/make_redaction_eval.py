"""Generate the labelled redaction evaluation set, ``redaction_eval.jsonl``. Run once.

Usage: ``.venv/bin/python tests/data/make_redaction_eval.py`` (writes next to itself).

Deterministic (fixed seed, fixed timestamps), so the committed JSONL is what this script
writes. Each line: ``{"id", "category", "event", "pii", "keep"}`` where ``event`` is a
full AuditEvent dict, ``pii`` lists ``{field, value, entity_type}`` that must not survive
anywhere in the redacted event, and ``keep`` lists ``{field, value}`` that must survive
verbatim in that field. Traffic: support chats, coding prompts with stack traces and
configs, RAG questions, tool calls with JSON, error messages, maths and general questions,
sign-ins and admin actions. Templates live in ``eval_templates.py`` and
``eval_templates_ops.py``, value makers (valid cards, IBANs, phones) in ``eval_values.py``.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from eval_case import Case
from eval_templates import coding, rag, support_chat
from eval_templates_ops import auth, error, maths, tool_call

SEED = 20261126
OUT = Path(__file__).with_name("redaction_eval.jsonl")


PLAN = [
    (support_chat, 80),
    (coding, 70),
    (rag, 50),
    (tool_call, 60),
    (error, 45),
    (maths, 45),
    (auth, 20),
]


def build() -> list[dict[str, Any]]:
    """Return every record of the set, in order."""
    rng = random.Random(SEED)
    records, index = [], 0
    for make, count in PLAN:
        for _ in range(count):
            case = Case(rng, make.__name__, index)
            make(case)
            records.append(
                {
                    "id": f"{case.category}-{index:04d}",
                    "category": case.category,
                    "event": case.event,
                    "pii": case.pii,
                    "keep": case.keep,
                }
            )
            index += 1
    return records


def main() -> int:
    """Write the JSONL next to this script."""
    records = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(records)} events to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
