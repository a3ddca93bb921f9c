"""Recovery after a SIGKILL: from killing a worker to the next event archived from its partitions.

Question (issue 19): with the worker restarted by its supervisor at once, how long do its
partitions stand still, for each stage, on the three-broker stack? Target: at most 10 s
for both stages (30-70 s before static membership).

Candidate: static group membership (the default: the restarted worker takes its slot's
``group.instance.id`` again and gets its partitions back without a rebalance). Baseline:
the same workers as dynamic members (``AUDITSTREAM_<STAGE>__STATIC_MEMBERSHIP=false``),
as before issue 19: the restarted worker's JoinGroup waits until the killed member's
session times out. The figure is the baseline's recovery time over the candidate's
(a speed-up), median over rounds; each round runs both modes, in alternating order.

Method, per round and mode: fresh topics (3 partitions, replication factor 3), groups and
archive prefix; one ``audit process`` and one ``audit sink`` subprocess; the SDK emits 20
events/s on a thread. Once events are archived:

- sink: SIGKILL the sink and start a new one at once (the supervisor). Recovered when the
  new sink logs its first ``manifest_committed`` with records (written after its objects).
- processor: SIGKILL the processor's worker; ``audit process`` is its supervisor and
  forks a new one at once from the process that loaded the models
  (``auditstream.processor.supervisor``). Recovered when an archived event's
  ``processing.ingested_at`` is after the kill (the new worker processed it and the sink
  archived it; the sink flushes every 0.5 s).
- processor, cold (static mode only, for reference): SIGKILL the whole ``audit process``
  and start a new one, as a platform restarts a dead container: the figure then includes
  loading spaCy and Presidio (10-25 s on a loaded 2-core host).

It runs ``deploy/local/stack.sh --brokers 3 up`` (idempotent) and stops the cluster at the
end unless it was already running. Writes ``results/bench_pipeline_recovery.json``.

    .venv/bin/python benchmarks/bench_pipeline_recovery.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import boto3
import pyarrow.parquet as pq
from confluent_kafka.admin import AdminClient, NewTopic

from auditstream.producer import AuditClient, ClientConfig

REPO = Path(__file__).resolve().parents[1]
STACK = ["bash", str(REPO / "deploy" / "local" / "stack.sh"), "--brokers", "3"]
RESULTS = Path(__file__).parent / "results" / "bench_pipeline_recovery.json"
TARGET_S = 10.0
PARTITIONS = 3
EVENTS_PER_S = 20
# A stage that has not recovered by then is reported as such (dynamic members wait for
# the session timeout: 30 s for the processor, 45 s for the sink, plus the restart).
RECOVERY_LIMIT_S = 240.0
HMAC_KEY = "bench-only-pseudonymization-key-0123456789abcdef"
SIGNING_KEY = "62656e63682d6f6e6c792d7369676e696e672d6b65792d303132333435363738"


def _stack(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
    env["PYTHON"] = sys.executable
    return subprocess.run(  # noqa: S603 - our own script
        [*STACK, *args], env=env, capture_output=True, text=True, check=check, timeout=600
    )


def _stack_env() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in _stack("env").stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name.startswith("AUDITSTREAM_") and not name.startswith("AUDITSTREAM_TEST_"):
            out[name] = shlex.split(value)[0] if value else ""
    return out


class Pipeline:
    """One mode's topics, prefix and worker subprocesses."""

    def __init__(self, stack_env: dict[str, str], *, static: bool, log_dir: Path) -> None:
        run = uuid.uuid4().hex[:10]
        self.run = run
        self.log_dir = log_dir
        self.bootstrap = stack_env["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"]
        self.raw = f"bench.{run}.raw"
        self.prefix = f"bench/recovery/{run}/"
        self.stack_env = stack_env
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")},
            **stack_env,
            "AUDITSTREAM_PROFILE": "none",
            "AUDITSTREAM_TOPICS__RAW": self.raw,
            "AUDITSTREAM_TOPICS__REDACTED": f"bench.{run}.redacted",
            "AUDITSTREAM_TOPICS__DLQ": f"bench.{run}.dlq",
            "AUDITSTREAM_S3__PREFIX": self.prefix,
            "AUDITSTREAM_PROCESSOR__APP_ID": f"bench-processor-{run}",
            "AUDITSTREAM_PROCESSOR__HMAC_KEY": HMAC_KEY,
            "AUDITSTREAM_PROCESSOR__STATIC_MEMBERSHIP": str(static).lower(),
            "AUDITSTREAM_SINK__GROUP_ID": f"bench-sink-{run}",
            "AUDITSTREAM_SINK__MAX_AGE_S": "0.5",
            "AUDITSTREAM_SINK__SIGNING_KEY": SIGNING_KEY,
            "AUDITSTREAM_SINK__RETENTION_DAYS": "1",
            "AUDITSTREAM_SINK__STATIC_MEMBERSHIP": str(static).lower(),
        }
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        topics = [self.raw, f"bench.{run}.redacted", f"bench.{run}.dlq"]
        for future in admin.create_topics([NewTopic(t, PARTITIONS, 3) for t in topics]).values():
            future.result(timeout=60)
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}
        self._started = 0
        self.s3 = boto3.client(
            "s3",
            endpoint_url=stack_env["AUDITSTREAM_S3__ENDPOINT_URL"],
            aws_access_key_id=stack_env["AUDITSTREAM_S3__ACCESS_KEY_ID"],
            aws_secret_access_key=stack_env["AUDITSTREAM_S3__SECRET_ACCESS_KEY"],
            region_name=stack_env["AUDITSTREAM_S3__REGION"],
        )
        self.bucket = stack_env["AUDITSTREAM_S3__BUCKET"]

    def start(self, command: str) -> None:
        """Start (or, as a supervisor, restart) ``audit <command>``."""
        self._started += 1
        log = self.log_dir / f"{self.run}-{command}-{self._started}.log"
        with log.open("wb") as out:
            self.workers[command] = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "auditstream.cli.main", command],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.logs[command] = log

    def check(self) -> None:
        """Stop the benchmark when a worker exited by itself (its log names why)."""
        for command, worker in self.workers.items():
            if worker.poll() is not None:
                tail = self.logs[command].read_text(errors="replace").splitlines()[-5:]
                raise SystemExit(f"{command} exited {worker.returncode}:\n" + "\n".join(tail))

    def kill(self, command: str) -> None:
        """SIGKILL a worker and reap it."""
        worker = self.workers[command]
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    def kill_forked_worker(self) -> None:
        """SIGKILL the worker ``audit process`` forked (its supervisor forks the next)."""
        supervisor = self.workers["process"].pid
        children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
        if len(children) != 1:
            raise SystemExit(f"audit process has children {children}, expected one worker")
        os.kill(int(children[0]), signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM every worker; SIGKILL the ones still running after a minute."""
        for worker in self.workers.values():
            if worker.poll() is None:
                worker.terminate()
        for worker in self.workers.values():
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()

    def keys(self) -> set[str]:
        """Keys of the data objects archived so far (and check the workers run)."""
        self.check()
        keys: set[str] = set()
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}events/"
        )
        for page in pages:
            keys.update(o["Key"] for o in page.get("Contents", []))
        return keys

    def newest_ingest(self, keys: set[str]) -> datetime | None:
        """The latest ``processing.ingested_at`` among the events of these objects."""
        newest = None
        for key in keys:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            column = pq.read_table(io.BytesIO(body), columns=["processing"]).column(0)
            for value in column.to_pylist():
                at = value and value["ingested_at"]
                if at is not None and (newest is None or at > newest):
                    newest = at
        return newest


class Emitter:
    """The SDK emitting ``EVENTS_PER_S`` tool-call events on a thread."""

    def __init__(self, pipeline: Pipeline, spool: Path) -> None:
        self._client = AuditClient(
            ClientConfig(
                bootstrap_servers=pipeline.bootstrap,
                topic=pipeline.raw,
                service_name="bench-recovery",
                spool_dir=str(spool),
            )
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        i = 0
        while not self._stop.wait(1 / EVENTS_PER_S):
            self._client.tool_call("crm.lookup", input=f"id={i}", tenant_id="acme")
            i += 1

    def close(self) -> None:
        """Stop emitting, flush and close the client."""
        self._stop.set()
        self._thread.join(timeout=30)
        self._client.close()


def _wait(predicate: Any, limit_s: float, interval_s: float = 0.1) -> float | None:
    """The monotonic time at which ``predicate()`` first held, or None past the limit."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if predicate():
            return time.monotonic()
        time.sleep(interval_s)
    return None


def _sink_committed(pipeline: Pipeline) -> bool:
    pipeline.check()
    log = pipeline.logs["sink"]
    if not log.exists():
        return False
    for line in log.read_text(errors="replace").splitlines():
        if '"manifest_committed"' in line and json.loads(line).get("records", 0) > 0:
            return True
    return False


# Where the time goes, from the new worker's log lines after the kill (JSON lines with
# ISO timestamps): its start (the sink's first line, after its imports; Faust's worker
# starting in the processor, after the models) and its first assignment (the group gave
# it partitions: the part static membership cuts).
_STARTED = {"sink": "", "process": "[^Worker]: Starting"}
_ASSIGNED = {"sink": '"partitions_assigned"', "process": "Setting newly assigned partitions"}


def _breakdown(pipeline: Pipeline, command: str, killed_wall: datetime) -> dict[str, float | None]:
    first = assigned = None
    for line in pipeline.logs[command].read_text(errors="replace").splitlines():
        if not line.startswith("{") or '"timestamp"' not in line:
            continue
        at = datetime.fromisoformat(json.loads(line)["timestamp"].replace("Z", "+00:00"))
        if at < killed_wall:
            continue
        if first is None and _STARTED[command] in line:
            first = at
        if assigned is None and _ASSIGNED[command] in line:
            assigned = at
    return {
        "started_s": (first - killed_wall).total_seconds() if first else None,
        "assigned_s": (assigned - killed_wall).total_seconds() if assigned else None,
    }


def measure_sink(pipeline: Pipeline) -> dict[str, float | None]:
    """SIGKILL the sink, restart it at once; seconds until the new one commits records."""
    killed_wall = datetime.now(UTC)
    killed_at = time.monotonic()
    pipeline.kill("sink")
    pipeline.start("sink")
    recovered_at = _wait(lambda: _sink_committed(pipeline), RECOVERY_LIMIT_S)
    return {
        "recovered_s": None if recovered_at is None else recovered_at - killed_at,
        **_breakdown(pipeline, "sink", killed_wall),
    }


def measure_processor(pipeline: Pipeline, *, cold: bool = False) -> dict[str, float | None]:
    """SIGKILL the processor's worker; seconds until an event it processed is archived.

    Args:
        pipeline: The running pipeline.
        cold: Kill ``audit process`` itself and start a new one (a container restart),
            instead of only its forked worker.
    """
    before = pipeline.keys()
    killed_wall = datetime.now(UTC)
    killed_at = time.monotonic()
    if cold:  # the whole container: the worker too, not a second later with its parent
        pipeline.kill_forked_worker()
        pipeline.kill("process")
        pipeline.start("process")
    else:
        pipeline.kill_forked_worker()
    seen = set(before)

    def archived_after_kill() -> bool:
        fresh = pipeline.keys() - seen
        seen.update(fresh)
        newest = pipeline.newest_ingest(fresh) if fresh else None
        return newest is not None and newest > killed_wall

    recovered_at = _wait(archived_after_kill, RECOVERY_LIMIT_S, interval_s=0.25)
    return {
        "recovered_s": None if recovered_at is None else recovered_at - killed_at,
        **_breakdown(pipeline, "process", killed_wall),
    }


def run_mode(stack_env: dict[str, str], *, static: bool, log_dir: Path) -> dict[str, Any]:
    pipeline = Pipeline(stack_env, static=static, log_dir=log_dir)
    pipeline.start("process")
    pipeline.start("sink")
    emitter = Emitter(pipeline, log_dir / f"spool-{pipeline.run}")
    try:
        if _wait(lambda: bool(pipeline.keys()), 300, interval_s=1) is None:
            raise SystemExit(f"nothing archived in 300 s; logs in {log_dir}")
        sink = measure_sink(pipeline)
        _wait(lambda: bool(pipeline.keys()), 60, interval_s=1)
        result = {"sink": sink, "processor": measure_processor(pipeline)}
        if static:
            _settle(pipeline)
            result["processor_cold"] = measure_processor(pipeline, cold=True)
    finally:
        emitter.close()
        pipeline.stop()
    return result


def _settle(pipeline: Pipeline) -> None:
    """Wait until the restarted processor's events keep arriving (a fresh object appears)."""
    known = pipeline.keys()
    _wait(lambda: bool(pipeline.keys() - known), 60, interval_s=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    # SIGTERM stops like Ctrl-C: the workers and the cluster are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    was_running = _stack("status", check=False).returncode == 0
    _stack("up")
    stack_env = _stack_env()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    rounds: list[dict[str, Any]] = []
    try:
        for r in range(args.rounds):
            order = [True, False] if r % 2 == 0 else [False, True]
            result: dict[str, Any] = {}
            for static in order:
                mode = "static" if static else "dynamic"
                result[mode] = run_mode(stack_env, static=static, log_dir=log_dir)
                print(f"round {r + 1} {mode}: {result[mode]}", flush=True)
            rounds.append(result)
    finally:
        if not was_running:
            _stack("down", check=False)

    summary: dict[str, Any] = {}
    for stage in ("sink", "processor"):

        def median(mode: str, figure: str, stage: str = stage) -> float | None:
            values = [r[mode][stage][figure] for r in rounds if stage in r[mode]]
            known = [v for v in values if v is not None]
            return statistics.median(known) if known else None

        cand, base = median("static", "recovered_s"), median("dynamic", "recovered_s")
        summary[stage] = {
            "candidate_static_s": cand,
            "baseline_dynamic_s": base,
            "ratio": (base / cand) if cand and base else None,
            "target_s": TARGET_S,
            "meets_target": cand is not None and cand <= TARGET_S,
            # kill -> the new worker's first log line, and -> its first assignment
            "static_started_s": median("static", "started_s"),
            "static_assigned_s": median("static", "assigned_s"),
            "dynamic_started_s": median("dynamic", "started_s"),
            "dynamic_assigned_s": median("dynamic", "assigned_s"),
        }
    cold = [r["static"]["processor_cold"]["recovered_s"] for r in rounds]
    summary["processor"]["cold_restart_static_s"] = (
        statistics.median([c for c in cold if c is not None]) if any(cold) else None
    )
    out = {
        "name": "bench_pipeline_recovery",
        "question": "seconds from SIGKILL of a worker (restarted at once) to the next event "
        "archived from its partitions, three-broker stack",
        "summary": summary,
        "rounds": rounds,
        "inputs": {"partitions": PARTITIONS, "events_per_s": EVENTS_PER_S, "brokers": 3},
        "versions": {
            "python": platform.python_version(),
            "confluent-kafka": version("confluent-kafka"),
            "faust-streaming": version("faust-streaming"),
            "aiokafka": version("aiokafka"),
        },
        "logs": str(log_dir),
    }
    RESULTS.write_text(json.dumps(out, indent=2, default=str) + "\n")
    for stage, figures in summary.items():
        print(
            f"{stage}: static {_s(figures['candidate_static_s'])} (started "
            f"{_s(figures['static_started_s'])}, assigned {_s(figures['static_assigned_s'])}), "
            f"dynamic {_s(figures['baseline_dynamic_s'])} (started "
            f"{_s(figures['dynamic_started_s'])}, assigned {_s(figures['dynamic_assigned_s'])}), "
            f"speed-up {figures['ratio'] and round(figures['ratio'], 2)}, target <= {TARGET_S} s: "
            f"{'met' if figures['meets_target'] else 'MISSED'}"
        )
    print(
        "processor, cold restart of audit process (static): "
        f"{_s(summary['processor']['cold_restart_static_s'])}"
    )
    return 0 if all(f["meets_target"] for f in summary.values()) else 1


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


if __name__ == "__main__":
    sys.exit(main())
