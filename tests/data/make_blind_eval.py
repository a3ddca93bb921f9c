"""Generate the blind evaluation sets: a dev split and a held-out split. Run once per change.

Usage: ``.venv/bin/python tests/data/make_blind_eval.py`` (writes next to itself).

The third set of our own, written blind: its author read neither the recognizers nor the
other sets' templates or files, only the scoring helpers and the record format. It covers
traffic the other sets are thin on: coding-assistant prompts pasting ``.env`` files, YAML,
test fixtures, logs and stack traces (``blind_templates_code.py``); e-mails with signatures,
forwarded headers, lower-case chat with typos, call-centre transcripts, UK/Indian/
Australian/Canadian English (``blind_templates_chat.py``); nine other languages with their
countries' phone, address, id and date conventions (``blind_templates_intl.py``); nested
JSON tool calls and results, identity checks, payments, agent scratchpads and admin
``attributes`` (``blind_templates_agents.py``); ages next to a cue, US tax and HR forms,
car rentals (``blind_templates_forms.py``).

Values: names, streets, postcodes and cities from mimesis's locale data, phone numbers
from libphonenumber's numbering plans (``blind_values.py``); national ids, IBANs, SSNs and
cards with their issuers' check digits validated by python-stdnum, passports, licences
and credentials in their issuers' layouts (``blind_documents.py``); look-alikes in
``blind_lookalikes.py``. Nothing from Faker, whose lists the recognizers read.

Two splits from the same templates and different seeds: ``redaction_eval_blind_dev.jsonl``
and ``redaction_eval_blind_holdout.jsonl``, reported only as aggregate figures. Same
record format and redraw rules as the mimesis set (``make_mimesis_eval.is_clean``): a case
whose planted value also occurs where it was not planted, or whose look-alike occurs only
inside a planted value, is drawn again. Deterministic: fixed seeds, seeded providers and
fixed dates; no provider used here reads the clock.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The templates import their siblings as top-level modules, as when this runs as a script;
# make that work when a test imports this module as ``data.make_blind_eval``.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from blind_case import BlindCase  # noqa: E402
from blind_templates_agents import (  # noqa: E402
    admin_attributes,
    agent_scratchpad,
    crm_tool_call,
    kyc_check,
    llm_tool_json,
    payment_call,
    search_results,
)
from blind_templates_chat import (  # noqa: E402
    call_transcript,
    email_signature,
    english_variants,
    forwarded_headers,
    product_question,
    sloppy_chat,
)
from blind_templates_code import (  # noqa: E402
    csv_table,
    env_file,
    log_paste,
    sql_result,
    stack_trace,
    test_fixture,
    trace_in_prompt,
    yaml_config,
)
from blind_templates_forms import age_mention, car_rental, us_forms  # noqa: E402
from blind_templates_intl import multilingual  # noqa: E402
from blind_values import Pools  # noqa: E402
from eval_build import build_records, to_jsonl  # noqa: E402
from make_mimesis_eval import is_clean  # noqa: E402

SPLITS = {
    "dev": (41170529, Path(__file__).with_name("redaction_eval_blind_dev.jsonl")),
    "holdout": (90813377, Path(__file__).with_name("redaction_eval_blind_holdout.jsonl")),
}

PLAN: list[tuple[Callable[[BlindCase], None], int]] = [
    (env_file, 18),
    (yaml_config, 14),
    (test_fixture, 12),
    (log_paste, 14),
    (stack_trace, 16),
    (trace_in_prompt, 14),
    (sql_result, 12),
    (csv_table, 12),
    (email_signature, 16),
    (forwarded_headers, 14),
    (sloppy_chat, 24),
    (call_transcript, 18),
    (english_variants, 20),
    (product_question, 18),
    (age_mention, 18),
    (us_forms, 18),
    (car_rental, 14),
    (multilingual, 56),
    (crm_tool_call, 14),
    (search_results, 12),
    (kyc_check, 26),
    (payment_call, 16),
    (agent_scratchpad, 14),
    (admin_attributes, 20),
    (llm_tool_json, 14),
]


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
        lambda category, index: BlindCase(rng, pools, category, index),
        is_clean,
        f"blind-{split}",
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
