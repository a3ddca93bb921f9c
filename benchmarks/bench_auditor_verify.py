"""``audit verify`` throughput against a bare download-and-hash loop over the same objects.

Question (issue #7): how many bytes per second does verification get through, compared
with the simplest honest loop doing its core work: boto3 ``get_object`` of every data
object the chains reference, and SHA-256 of its bytes? Target: at least 0.7 of the loop's
bytes/s. The candidate does more, all of it part of proving the archive: it builds its
own client, lists the chains and the data objects (orphans), reads and checks every
manifest (signature, link, positions), and for every object and manifest also checks
Object Lock retention, which on versitygw costs a HEAD per object (its GET carries no lock
headers). The loop gets its object list and client before the clock starts. Both run in
the same process on the same archive, alternating which goes first; the figure is the
median per-round ratio. The machine's load average is stored with each round, since
other work on the same cores moves both figures.

The archive is the one ``bench_auditor_query_pruning.py`` builds (run that first).

    eval "$(deploy/local/stack.sh env)"
    .venv/bin/python benchmarks/bench_auditor_verify.py [--events 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import time
from importlib.metadata import version
from pathlib import Path

from auditstream.archive import make_s3_client
from auditstream.archive.chained import list_chained_objects
from auditstream.archive.store import S3ObjectStore
from auditstream.auditor import load_auditor_settings
from auditstream.auditor.verify import verify_bucket

TARGET = 0.7
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    """Time verification and the bare loop in interleaved rounds; report the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    prefix = f"bench/query-pruning/v1-{args.events}/"
    settings = load_auditor_settings(s3={"prefix": prefix})
    client = make_s3_client(settings.s3)
    objects = list_chained_objects(S3ObjectStore(client, bucket=settings.s3.bucket), prefix=prefix)
    if not objects:
        raise SystemExit(f"no archive under {prefix}; run bench_auditor_query_pruning.py first")
    total_bytes = sum(o.size for o in objects.values())

    def bare() -> None:
        for key in objects:
            body = client.get_object(Bucket=settings.s3.bucket, Key=key)["Body"].read()
            hashlib.sha256(body).hexdigest()

    def candidate() -> None:
        report = verify_bucket(settings)
        if not report.ok:
            raise SystemExit(f"verification failed: {report.failures[:3]}")
        if report.chained_objects().keys() != objects.keys():
            raise SystemExit("verification did not cover the objects the loop reads")

    rates: dict[str, list[float]] = {"bare": [], "verify": []}
    ratios = []
    load: list[list[float]] = []
    for round_no in range(args.rounds):
        order = [("bare", bare), ("verify", candidate)]
        if round_no % 2:
            order.reverse()
        for name, run in order:
            began = time.perf_counter_ns()
            run()
            rates[name].append(total_bytes / ((time.perf_counter_ns() - began) / 1e9))
        ratios.append(rates["verify"][-1] / rates["bare"][-1])
        load.append([round(x, 2) for x in os.getloadavg()])
        print(
            f"round {round_no + 1}: verify {rates['verify'][-1] / 1e6:.1f} MB/s, "
            f"bare {rates['bare'][-1] / 1e6:.1f} MB/s, ratio {ratios[-1]:.2f}, "
            f"load average {load[-1][0]:.2f}"
        )
    ratio = statistics.median(ratios)
    report = {
        "name": "bench_auditor_verify",
        "baseline": {
            "what": "boto3 get_object + sha256 of every chained object",
            "bytes_per_s": rates["bare"],
        },
        "candidate": {
            "what": "verify_bucket: client, listings, chains, signatures, hashes, retention "
            "(GET + HEAD per object on versitygw), digests, orphans",
            "bytes_per_s": rates["verify"],
        },
        "ratio": ratio,
        "ratios": ratios,
        "target": TARGET,
        "rounds": args.rounds,
        "inputs": {"prefix": prefix, "objects": len(objects), "bytes": total_bytes},
        "host": {"cpus": os.cpu_count(), "load_average_1_5_15_after_each_round": load},
        "versions": {
            "python": platform.python_version(),
            "boto3": version("boto3"),
            "botocore": version("botocore"),
            "auditstream": version("auditstream"),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_auditor_verify.json").write_text(json.dumps(report, indent=2))
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"verify runs at {ratio:.2f} of the bare loop's bytes/s ({verdict} the {TARGET} target)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
