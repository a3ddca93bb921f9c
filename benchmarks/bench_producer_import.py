"""Import time of ``auditstream.producer`` against ``import confluent_kafka, fastavro``.

The SDK promises to stay light: a service that imports it pays little more than the two
libraries it builds on. Each round starts two fresh interpreters, one importing the
baseline, one the SDK (order alternating), and times only the import statement with
``perf_counter_ns``. The script prints and stores the median ratio; the target (issue
#4) is at most 1.5.

    .venv/bin/python benchmarks/bench_producer_import.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

TARGET_RATIO = 1.5
RESULTS = Path(__file__).resolve().parent / "results"

_TIMER = (
    "import time\nt0 = time.perf_counter_ns()\nimport {modules}\n"
    "print(time.perf_counter_ns() - t0)\n"
)
BASELINE = "confluent_kafka, fastavro"
CANDIDATE = "auditstream.producer"


def _time_import(modules: str) -> int:
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed statement
        [sys.executable, "-c", _TIMER.format(modules=modules)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    # One warm-up of each, so the first round does not pay for a cold page cache.
    _time_import(BASELINE)
    _time_import(CANDIDATE)
    baseline_ns, candidate_ns, ratios = [], [], []
    for index in range(args.rounds):
        if index % 2:
            c, b = _time_import(CANDIDATE), _time_import(BASELINE)
        else:
            b, c = _time_import(BASELINE), _time_import(CANDIDATE)
        baseline_ns.append(b)
        candidate_ns.append(c)
        ratios.append(c / b)
    ratio = statistics.median(ratios)
    result = {
        "name": "producer_import",
        "baseline": {
            "what": f"import {BASELINE}",
            "median_ms": statistics.median(baseline_ns) / 1e6,
        },
        "candidate": {
            "what": f"import {CANDIDATE}",
            "median_ms": statistics.median(candidate_ns) / 1e6,
        },
        "ratio": ratio,
        "target": f"ratio <= {TARGET_RATIO}",
        "met": ratio <= TARGET_RATIO,
        "rounds": args.rounds,
        "inputs": {"fresh_interpreter_per_measurement": True},
        "versions": {
            "python": platform.python_version(),
            "confluent_kafka": version("confluent-kafka"),
            "fastavro": version("fastavro"),
            "auditstream": version("auditstream"),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_producer_import.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"import {CANDIDATE}: {result['candidate']['median_ms']:.1f} ms, "
        f"import {BASELINE}: {result['baseline']['median_ms']:.1f} ms (medians of {args.rounds})"
    )
    print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO}): {'met' if result['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
