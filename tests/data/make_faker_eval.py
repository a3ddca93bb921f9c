"""Generate the Faker evaluation set, ``redaction_eval_faker.jsonl``. Run once per change.

Usage: ``.venv/bin/python tests/data/make_faker_eval.py`` (writes next to itself).

Our second set, built from sources we did not write: personal values come from Faker's
locales (``faker_values.py``, Faker pinned in the ``dev`` extra), placed in LLM-event
templates written without looking at the recognizers (``faker_templates_chat.py``,
``faker_templates_ops.py``). Same record format as ``redaction_eval.jsonl``; each keep
label also names its kind of look-alike (``order_id``, ``business_date``, ``place`` ...).

Deterministic: a fixed seed, per-locale Faker seeds, dates between fixed bounds. A case
whose planted value also occurs where it was not planted (a first name that is a template
word, an age equal to a quantity), or whose look-alike occurs only inside a planted value,
is drawn again: no redactor could score it right.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import time_machine

from auditstream.processor.redaction.evaluation import (
    field_value,
    occurs,
    strings_of,
)

# The templates import their siblings as top-level modules, as when this runs as a script;
# make that work when a test imports this module as ``data.make_faker_eval``.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from eval_build import build_records, mask, to_jsonl  # noqa: E402
from faker_templates_chat import booking, business, rag, support_chat  # noqa: E402
from faker_templates_ops import admin, error, ops_log, tool_call  # noqa: E402
from faker_values import FakerCase, Fakers  # noqa: E402

SEED = 20260412
# Faker's national id providers (German RVNR, PESEL, personnummer, ...) draw a birth date
# relative to the clock, so the set is built as of one fixed instant: the one it was
# first written at. Without it, the committed file drifts from the generator by the day.
AS_OF = dt.datetime(2026, 12, 7, 5, 0, tzinfo=dt.UTC)
OUT = Path(__file__).with_name("redaction_eval_faker.jsonl")

PLAN = [
    (support_chat, 90),
    (booking, 35),
    (rag, 45),
    (business, 50),
    (tool_call, 80),
    (error, 45),
    (admin, 35),
    (ops_log, 30),
]


def is_clean(case: FakerCase) -> bool:
    """Tell whether a redactor could score every label of a case right.

    Masking every planted value must leave none of them behind (else a value also sits
    where it was not planted), and must leave every look-alike in its field.
    """
    planted = [p["value"] for p in case.pii]
    for text in strings_of(case.event):
        masked = mask(text, planted)
        if any(occurs(value, masked) for value in planted):
            return False
    for keep in case.keep:
        text = field_value(case.event, keep["field"])
        if text is None or not occurs(keep["value"], mask(text, planted)):
            return False
    return True


def build() -> list[dict[str, Any]]:
    """Return every record of the set, in order."""
    rng = random.Random(SEED)
    fakers = Fakers(SEED)
    with time_machine.travel(AS_OF, tick=False):
        return build_records(
            PLAN,
            lambda category, index: FakerCase(rng, fakers, category, index),
            is_clean,
            "faker",
        )


def main() -> int:
    """Write the JSONL next to this script."""
    records = build()
    OUT.write_text(to_jsonl(records), encoding="utf-8")
    print(f"wrote {len(records)} events to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
