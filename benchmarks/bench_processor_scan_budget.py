"""Scan budgets: what they cost on ordinary events, what they bound on adversarial fields.

Question (issue 14, item 3): with the default ``ScanBudget``, how long does
``RedactionEngine.redact_batch`` take on one adversarial field (phone-like numbers back to
back, one- to three-letter tokens, random digits), how much of it is analyzed, and what do
the budgets cost on the labelled set's ordinary events?

Method: two engines built once, same analyzers: the candidate with the default budgets,
the baseline with budgets no batch reaches (the same pieces, nothing cut). Per round, on
fresh copies, baseline and candidate alternate on (1) the labelled set
(``tests/data/redaction_eval.jsonl``, batches of 64, cache off) and (2) each adversarial
kind at 64 KiB; the candidate alone on each kind at 1 MiB (unbudgeted, that takes minutes,
and before budgets spaCy refused it: over its million-character limit). The ratio is the
median over rounds of candidate/baseline events per second on the labelled set (about 1:
the budgets must cost nothing there).
Writes ``benchmarks/results/bench_processor_scan_budget.json``.

Usage: ``.venv/bin/python benchmarks/bench_processor_scan_budget.py [--rounds 3]``
"""

from __future__ import annotations

import os

# One core: spaCy's and numpy's thread pools must not use the second one.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import copy  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import string  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from auditstream.processor.redaction.analyzer import build_analyzers  # noqa: E402
from auditstream.processor.redaction.engine import RedactionEngine  # noqa: E402
from auditstream.processor.redaction.policy import load_policy  # noqa: E402
from auditstream.processor.redaction.scanning import ScanBudget  # noqa: E402
from auditstream.processor.redaction.tokens import Pseudonymizer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "tests" / "data" / "redaction_eval.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
BATCH = 64
UNBOUNDED = ScanBudget(
    field_ms=3_600_000, batch_ms=3_600_000, max_field_chars=1 << 30, regex_timeout_ms=60_000
)
TOKEN = re.compile(r"<UNSCANNED:(\d+)>")


def phone_like(chars: int) -> str:
    """Phone-shaped numbers back to back: one finding every 16 characters."""
    rnd = random.Random(7)
    out: list[str] = []
    n = 0
    while n < chars:
        number = f"+1 {rnd.randint(200, 999)} {rnd.randint(200, 999)}-{rnd.randint(0, 9999):04d} "
        out.append(number)
        n += len(number)
    return "".join(out)[:chars]


def short_tokens(chars: int) -> str:
    """Words of one to three letters: a spaCy token every two or three characters."""
    rnd = random.Random(11)
    out: list[str] = []
    n = -1
    while n < chars:
        word = "".join(rnd.choices(string.ascii_letters, k=rnd.randint(1, 3)))
        out.append(word)
        n += len(word) + 1
    return " ".join(out)[:chars]


def digits(chars: int) -> str:
    """Random digits, spaces and hyphens: phone and card candidates everywhere."""
    return "".join(random.Random(3).choices(string.digits + " -", k=chars))


KINDS: dict[str, Callable[[int], str]] = {
    "phone_like": phone_like,
    "short_tokens": short_tokens,
    "digits": digits,
}


def labelled_events() -> list[dict[str, Any]]:
    events = []
    with DATASET.open() as lines:
        for line in lines:
            event = json.loads(line)["event"]
            event["event_id"] = str(uuid.uuid4())
            events.append(event)
    return events


def timed(engine: RedactionEngine, events: list[dict[str, Any]]) -> tuple[float, list[Any]]:
    """Seconds to redact fresh copies of ``events`` in batches of BATCH, and the output."""
    batch = copy.deepcopy(events)
    started = time.perf_counter_ns()
    out: list[Any] = []
    for i in range(0, len(batch), BATCH):
        out += engine.redact_batch(batch[i : i + BATCH], now_us=0)
    return (time.perf_counter_ns() - started) / 1e9, out


def one_field(text: str) -> list[dict[str, Any]]:
    event = labelled_events()[0]
    event["llm"]["prompt"] = text
    return [event]


def analyzed_chars(event: dict[str, Any], size: int) -> int:
    return size - sum(int(n) for n in TOKEN.findall(event["llm"]["prompt"]))


def main() -> None:
    """Run the rounds, print a table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    analyzers = build_analyzers()

    def engine(budget: ScanBudget) -> RedactionEngine:
        return RedactionEngine(
            analyzers, load_policy(), Pseudonymizer(b"k" * 32), cache_entries=0, scan_budget=budget
        )

    candidate, baseline = engine(ScanBudget()), engine(UNBOUNDED)
    events = labelled_events()
    normal: dict[str, list[float]] = {"candidate": [], "baseline": []}
    small: dict[str, dict[str, list[float]]] = {k: {"candidate": [], "baseline": []} for k in KINDS}
    large: dict[str, list[float]] = {k: [] for k in KINDS}
    large_analyzed: dict[str, int] = {}
    identical = True
    for _ in range(args.rounds):
        seconds_b, out_b = timed(baseline, events)
        seconds_c, out_c = timed(candidate, events)
        normal["baseline"].append(len(events) / seconds_b)
        normal["candidate"].append(len(events) / seconds_c)
        identical &= json.dumps(out_b, sort_keys=True) == json.dumps(out_c, sort_keys=True)
        for kind, make in KINDS.items():
            for name, eng in (("baseline", baseline), ("candidate", candidate)):
                seconds, _ = timed(eng, one_field(make(64 << 10)))
                small[kind][name].append(seconds)
            seconds, [event] = timed(candidate, one_field(make(1 << 20)))
            large[kind].append(seconds)
            large_analyzed[kind] = analyzed_chars(event, 1 << 20)
    ratio = statistics.median(
        c / b for c, b in zip(normal["candidate"], normal["baseline"], strict=True)
    )
    result = {
        "name": "bench_processor_scan_budget",
        "question": "redact_batch with default scan budgets vs none: labelled events/s, "
        "and seconds per adversarial field",
        "baseline": {"events_per_s": statistics.median(normal["baseline"]), "budget": "none"},
        "candidate": {
            "events_per_s": statistics.median(normal["candidate"]),
            "budget": "defaults",
            "identical_output": identical,
        },
        "ratio": ratio,
        "rounds": args.rounds,
        "adversarial_64KiB_s": {
            k: {n: statistics.median(v) for n, v in by.items()} for k, by in small.items()
        },
        "adversarial_1MiB_s": {k: statistics.median(v) for k, v in large.items()},
        "adversarial_1MiB_chars_analyzed": large_analyzed,
        "inputs": {
            "labelled": str(DATASET.relative_to(ROOT)),
            "events": len(events),
            "batch_size": BATCH,
            "budget_defaults": {
                "field_ms": ScanBudget().field_ms,
                "batch_ms": ScanBudget().batch_ms,
                "max_field_chars": ScanBudget().max_field_chars,
                "regex_timeout_ms": ScanBudget().regex_timeout_ms,
            },
        },
        "versions": {
            "python": platform.python_version(),
            **{p: importlib.metadata.version(p) for p in ("presidio-analyzer", "spacy")},
        },
    }
    print(f"labelled set: {ratio:.2f}x events/s with budgets (identical output: {identical})")
    for kind in KINDS:
        print(
            f"{kind:>12}: 64 KiB {statistics.median(small[kind]['baseline']):.1f} s -> "
            f"{statistics.median(small[kind]['candidate']):.1f} s; "
            f"1 MiB {statistics.median(large[kind]):.1f} s, "
            f"{large_analyzed[kind]} characters analyzed"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_processor_scan_budget.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
