"""Generate the mimesis evaluation sets: a dev split and a held-out split. Run once per change.

Usage: ``.venv/bin/python tests/data/make_mimesis_eval.py`` (writes next to itself).

A set built from a source the recognizers do not use: they draw on Faker's locales,
WordNet and GeoNames; these values come from mimesis's locale data (``mimesis_values.py``,
mimesis pinned in the ``dev`` extra), placed in LLM-event templates written without
reading the recognizers, the engine or the other sets' templates
(``mimesis_templates_chat.py``, ``_intl.py``, ``_ops.py``, ``_agents.py``); identity documents,
accounts and credentials are built by their issuers' layouts (``mimesis_documents.py``),
look-alikes come from ``mimesis_lookalikes.py``. Same record format as
``redaction_eval_faker.jsonl``; each keep label names its kind of look-alike.

Two splits from the same templates and different seeds: ``redaction_eval_mimesis_dev.jsonl``,
whose misses the team may read, and ``redaction_eval_mimesis_holdout.jsonl``, reported only
as aggregate figures, so that fixes made while reading dev misses can be checked on values
and instances nobody looked at. No event text of one split occurs in the other.

Deterministic: fixed seeds, seeded mimesis providers, dates between fixed bounds. A case
whose planted value also occurs where it was not planted, or whose look-alike occurs only
inside a planted value, is drawn again: no redactor could score it right.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditstream.processor.redaction.evaluation import (
    field_value,
    occurrences,
    occurs,
    strings_of,
)

# The templates import their siblings as top-level modules, as when this runs as a script;
# make that work when a test imports this module as ``data.make_mimesis_eval``.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from eval_build import build_records, mask, to_jsonl  # noqa: E402
from mimesis_case import MimesisCase  # noqa: E402
from mimesis_templates_agents import agent_scratchpad, config_secret, guardrail  # noqa: E402
from mimesis_templates_chat import (  # noqa: E402
    casual_chat,
    email_thread,
    hr_recruiting,
    medical_intake,
    rag_query,
    support_chat,
)
from mimesis_templates_intl import multilingual, travel_booking  # noqa: E402
from mimesis_templates_ops import (  # noqa: E402
    admin_action,
    auth_event,
    crm_tool,
    error_trace,
    ids_in_text,
    payment_tool,
    people_list,
    table_paste,
)
from mimesis_values import Pools  # noqa: E402

SPLITS = {
    "dev": (20261207, Path(__file__).with_name("redaction_eval_mimesis_dev.jsonl")),
    "holdout": (73310452, Path(__file__).with_name("redaction_eval_mimesis_holdout.jsonl")),
}

PLAN: list[tuple[Callable[[MimesisCase], None], int]] = [
    (support_chat, 26),
    (hr_recruiting, 20),
    (medical_intake, 16),
    (email_thread, 14),
    (multilingual, 32),
    (casual_chat, 14),
    (rag_query, 18),
    (travel_booking, 24),
    (crm_tool, 24),
    (payment_tool, 30),
    (people_list, 10),
    (table_paste, 8),
    (error_trace, 16),
    (admin_action, 12),
    (auth_event, 10),
    (config_secret, 22),
    (ids_in_text, 56),
    (guardrail, 12),
    (agent_scratchpad, 12),
]


def is_clean(case: MimesisCase) -> bool:
    """Tell whether a redactor could score every label of a case right.

    Every label must occur in its field. Each planted value must occur exactly as often as
    it was placed (counted longest value first, longer ones masked, so a first name inside
    a planted full name is not counted twice): one more occurrence is the same string
    standing for something else (an age equal to a room number), which a redactor should
    keep but would be scored as leaking. Masking every planted value must leave every
    look-alike in its field.
    """
    for label in (*case.pii, *case.keep):
        text = field_value(case.event, label["field"])
        if text is None or not occurs(label["value"], text):
            return False
    texts = list(strings_of(case.event))
    for value in sorted(case.uses, key=len, reverse=True):
        if sum(len(list(occurrences(value, text))) for text in texts) != case.uses[value]:
            return False
        texts = [mask(text, [value]) for text in texts]
    planted = [p["value"] for p in case.pii]
    for keep in case.keep:
        text = field_value(case.event, keep["field"])
        if text is None or not occurs(keep["value"], mask(text, planted)):
            return False
    return True


def build(split: str = "dev") -> list[dict[str, Any]]:
    """Return every record of one split, in order.

    Args:
        split: ``dev`` or ``holdout``.

    Returns:
        The records as the JSONL holds them.
    """
    seed, _ = SPLITS[split]
    rng = random.Random(seed)
    pools = Pools(seed)
    return build_records(
        PLAN,
        lambda category, index: MimesisCase(rng, pools, category, index),
        is_clean,
        f"mimesis-{split}",
    )


def main() -> int:
    """Write both splits next to this script."""
    for split, (_, out) in SPLITS.items():
        records = build(split)
        out.write_text(to_jsonl(records), encoding="utf-8")
        print(f"wrote {len(records)} events to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
