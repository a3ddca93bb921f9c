"""``audit verify --offline`` run many times in a row: no run may abort at exit.

Question (issue #15, point 8): ``audit verify --offline DIR`` sometimes aborted after
printing VERIFIED (``terminate called without an active exception``, exit 134; 9 of 106
runs): native thread pools (Arrow's, DuckDB's) torn down during interpreter
finalization. The auditor commands now leave with ``os._exit`` once their output is
flushed. This runs the command ``--runs`` times in fresh processes and counts exit codes
and any abort message; it exits 1 if any run aborted or did not verify.

Inputs: an evidence package (``--package``), or one exported here from the live archive
the environment points at (``eval "$(deploy/local/stack.sh env)"`` and a keyring in
``AUDITSTREAM_TRUST__*``). Writes ``benchmarks/results/stress_offline_verify.json``.

Usage: ``.venv/bin/python benchmarks/stress_offline_verify.py [--runs 200] [--package DIR]``
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ABORT_MARKERS = ("terminate called", "Fatal Python error", "Segmentation fault")


def audit(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and our own command
        [sys.executable, "-m", "auditstream.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--package", type=Path, help="an evidence package; exported if absent")
    args = parser.parse_args()
    env = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix="stress-offline-"))
    package = args.package
    if package is None:
        env.setdefault("AUDITSTREAM_AUDITOR__EXPORT_KEY", secrets.token_hex(32))
        package = workdir / "package"
        exported = audit("export", str(package), "--format", "parquet", env=env)
        print(exported.stderr.strip())
        if exported.returncode != 0:
            return 1
    codes: collections.Counter[int] = collections.Counter()
    aborts = []
    started = time.perf_counter()
    for run in range(args.runs):
        result = audit("verify", "--offline", str(package), env=env)
        codes[result.returncode] += 1
        if (
            result.returncode < 0
            or result.returncode >= 128
            or any(marker in result.stderr for marker in ABORT_MARKERS)
        ):
            aborts.append({"run": run, "code": result.returncode, "stderr": result.stderr[-500:]})
        if (run + 1) % 20 == 0:
            print(f"{run + 1}/{args.runs} runs, exit codes {dict(codes)}, aborts {len(aborts)}")
    elapsed = time.perf_counter() - started
    summary = {
        "name": "stress_offline_verify",
        "question": "does audit verify --offline ever abort at exit?",
        "runs": args.runs,
        "exit_codes": {str(k): v for k, v in sorted(codes.items())},
        "aborts": aborts,
        "seconds": round(elapsed, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stress_offline_verify.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "aborts"}))
    return 0 if not aborts and set(codes) == {0} else 1


if __name__ == "__main__":
    raise SystemExit(main())
