"""``audit demo``: the whole pipeline on the local stack, end to end, in one command.

Steps: 1 start the stack; 2 start a processor and a sink worker; 3 emit a realistic mix
of events from simulated services plus a few malformed messages; 4 wait, with progress,
until every event is archived or dead-lettered; 5 print what happened, read back from the
archive; 6 verify the archive as ``audit verify`` does; then stop the workers (the stack
keeps running: ``audit stack down`` stops it). Exit code 1 when the counts do not add up
or verification fails.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

# The demo's SQL interpolates only values it made itself (hex run ids, trace ids), never
# user input; hence the S608 waivers below.
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from auditstream.cli.stack import (
    DEMO_FILES,
    demo_state_dir,
    run_stack,
    stack_env,
    write_stack_profile,
)
from auditstream.schemas import dead_letters

console = Console(stderr=True)
out = Console()

SERVICES = ("gateway", "chat-api", "retrieval", "tools")
_KEYRING = "AUDITSTREAM_TRUST__KEYRING_FILE"
_EXPORT_KEY = "AUDITSTREAM_AUDITOR__EXPORT_KEY_FILE"
WAIT_TIMEOUT_S = 300.0


def _state_dir() -> Path:
    path = demo_state_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _demo_key(state: Path) -> str:
    """A pseudonymization key for the demo, made once and kept beside the stack's data."""
    key_file = state / DEMO_FILES["AUDITSTREAM_PROCESSOR__HMAC_KEY_FILE"]
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return str(key_file)


def _demo_signing_key(state: Path, name: str) -> str:
    """An Ed25519 key (64 hex digits) of the demo, made once: the sink's or the exporter's."""
    key_file = state / name
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return str(key_file)


def _demo_keyring(env: dict[str, str], state: Path) -> str:
    """The public halves of the sink's and the exporter's keys: what an auditor is handed.

    With the exporter's key in it, ``audit verify --offline`` trusts the demo's evidence
    packages as well as its archive.
    """
    from auditstream.archive.signing import Signer, public_key_pem  # noqa: PLC0415

    if "AUDITSTREAM_SINK__SIGNING_KEY" in env:
        signer = Signer.from_bytes(env["AUDITSTREAM_SINK__SIGNING_KEY"].encode(), source="env")
    else:
        signer = Signer.from_file(Path(env["AUDITSTREAM_SINK__SIGNING_KEY_FILE"]))
    exporter = Signer.from_file(Path(_demo_signing_key(state, DEMO_FILES[_EXPORT_KEY])))
    keyring = state / DEMO_FILES[_KEYRING]
    keyring.write_bytes(public_key_pem(signer.public_key) + public_key_pem(exporter.public_key))
    return str(keyring)


def demo(
    requests: Annotated[
        int, typer.Option(min=1, max=100_000, help="User requests to simulate.")
    ] = 60,
    keep_workers: Annotated[
        bool, typer.Option(help="Leave the processor and sink running after the demo.")
    ] = False,
) -> None:
    """Run the pipeline end to end on the local stack and show what the archive holds."""
    # 1. the stack
    console.rule("[bold]1. local stack (Kafka + S3 with Object Lock)")
    if run_stack("up") != 0:
        raise typer.Exit(2)
    state = _state_dir()
    env = {**os.environ, **stack_env()}
    env["AUDITSTREAM_PROCESSOR__HMAC_KEY_FILE"] = _demo_key(state)
    if "AUDITSTREAM_SINK__SIGNING_KEY" not in env:
        env.setdefault(
            "AUDITSTREAM_SINK__SIGNING_KEY_FILE",
            _demo_signing_key(state, DEMO_FILES["AUDITSTREAM_SINK__SIGNING_KEY_FILE"]),
        )
    if not {"AUDITSTREAM_TRUST__KEYRING_FILE", "AUDITSTREAM_TRUST__KEYS"} & env.keys():
        env["AUDITSTREAM_TRUST__KEYRING_FILE"] = _demo_keyring(env, state)
    # The profile, now with the demo's keys: commands in any shell reach this stack.
    profile = write_stack_profile()
    if profile is not None:
        console.print(f"settings for audit commands: {profile}")
    env.setdefault("AUDITSTREAM_SINK__MAX_AGE_S", "2")
    run_id = uuid.uuid4().hex[:8]
    environment = f"demo-{run_id}"

    # 2. the workers
    console.rule("[bold]2. processor and sink workers")
    workers = [_start_worker(name, env, state) for name in ("process", "sink")]
    try:
        # 3. emit
        console.rule("[bold]3. services emit audit events")
        emitted, trace_ids, malformed = _emit(env, environment, requests, run_id)
        console.print(
            f"emitted {emitted} events from {len(SERVICES)} services "
            f"and {malformed} malformed messages (run {run_id})"
        )
        # 4. wait
        console.rule("[bold]4. waiting for the archive")
        archived, dead = _wait(
            env,
            environment=environment,
            emitted=emitted,
            malformed=malformed,
            run_id=run_id,
            workers=workers,
        )
        # 5. report
        console.rule("[bold]5. what the archive holds")
        _report(
            env,
            environment=environment,
            emitted=emitted,
            malformed=malformed,
            archived=archived,
            dlq=dead,
            trace_ids=trace_ids,
        )
        # 6. verify
        console.rule("[bold]6. verifying the archive (audit verify)")
        verified = _verify(env)
        balanced = emitted + malformed == archived + dead.count
    finally:
        if not keep_workers:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
    console.print(
        "\nThe stack is still running: [bold]audit stack status[/], [bold]audit query[/], "
        "[bold]audit stack down[/]."
    )
    if not (verified and balanced):
        raise typer.Exit(1)


def _start_worker(command: str, env: dict[str, str], state: Path) -> subprocess.Popen[bytes]:
    log_path = state / f"{command}.log"
    console.print(f"starting [bold]audit {command}[/] (log: {log_path})")
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "auditstream.cli.main", command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _emit(
    env: dict[str, str], environment: str, requests: int, run_id: str
) -> tuple[int, list[str], int]:
    from confluent_kafka import Producer  # noqa: PLC0415

    from auditstream.cli.demo_scenario import malformed_messages, run_scenario  # noqa: PLC0415
    from auditstream.producer import AuditClient, ClientConfig  # noqa: PLC0415

    bootstrap = env["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"]
    topic = env.get("AUDITSTREAM_TOPICS__RAW", "audit.events.raw")
    clients = {
        name: AuditClient(
            ClientConfig(
                bootstrap_servers=bootstrap,
                topic=topic,
                service_name=name,
                service_version="1.4.2",
                environment=environment,
            )
        )
        for name in SERVICES
    }
    try:
        emitted = run_scenario(clients, requests=requests)
    finally:
        for client in clients.values():
            client.close()
    bad = malformed_messages()
    producer = Producer({"bootstrap.servers": bootstrap})
    for index, value in enumerate(bad):
        producer.produce(topic, value=value, key=f"demo-{run_id}-bad-{index}".encode())
    producer.flush(30)
    return emitted.events, emitted.trace_ids, len(bad)


class _DlqCounter:
    """Counts this run's messages in the DLQ (keys start with ``demo-<run>``)."""

    def __init__(self, env: dict[str, str], run_id: str) -> None:
        from confluent_kafka import Consumer  # noqa: PLC0415

        self._prefix = f"demo-{run_id}".encode()
        self._consumer = Consumer(
            {
                "bootstrap.servers": env["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"],
                "group.id": f"demo-dlq-{run_id}",
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
            }
        )
        self._consumer.subscribe([env.get("AUDITSTREAM_TOPICS__DLQ", "audit.events.dlq")])
        self.count = 0
        self.reasons: dict[str, int] = {}

    def poll(self) -> int:
        for message in self._consumer.consume(500, timeout=0.5):
            if message.error() or not (message.key() or b"").startswith(self._prefix):
                continue
            self.count += 1
            headers = dict(message.headers() or [])
            value = headers.get(dead_letters.ERROR_CLASS)
            reason = value.decode() if isinstance(value, bytes) else "?"
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
        return self.count

    def close(self) -> None:
        self._consumer.close()


def _archived(env: dict[str, str], environment: str) -> int:
    table = _query(
        env,
        f"SELECT count(*) AS n FROM events WHERE service.environment = '{environment}'",  # noqa: S608
    )
    return int(table.column("n")[0].as_py()) if table.num_rows else 0


def _auditor_settings(env: dict[str, str]) -> Any:
    from auditstream.auditor.settings import AuditorSettings  # noqa: PLC0415

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return AuditorSettings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _verify(env: dict[str, str]) -> bool:
    """Verify the whole archive (every demo run so far); print the report; True if it passed."""
    from auditstream.auditor.cli.verify import progress_display, render  # noqa: PLC0415
    from auditstream.auditor.verify import trusted_keyring, verify_bucket  # noqa: PLC0415

    with progress_display(console) as show:
        settings = _auditor_settings(env)
        report = verify_bucket(settings, keyring=trusted_keyring(settings.trust), progress=show)
    render(report, out, offline=False)
    return report.ok and report.anchored


def _query(env: dict[str, str], sql: str) -> Any:
    from auditstream.auditor.query import run_query  # noqa: PLC0415

    return run_query(sql, settings=_auditor_settings(env))


def _wait(
    env: dict[str, str],
    *,
    environment: str,
    emitted: int,
    malformed: int,
    run_id: str,
    workers: list[subprocess.Popen[bytes]],
) -> tuple[int, _DlqCounter]:
    dlq = _DlqCounter(env, run_id)
    total = emitted + malformed
    archived = 0
    deadline = time.monotonic() + WAIT_TIMEOUT_S
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("archived + dead-lettered", total=total)
        while archived + dlq.count < total:
            if time.monotonic() > deadline:
                console.print(f"[red]gave up after {WAIT_TIMEOUT_S:.0f}s; see the worker logs")
                raise typer.Exit(1)
            for worker in workers:
                if worker.poll() is not None:
                    console.print(
                        f"[red]a worker exited with code {worker.returncode}; see its log"
                    )
                    raise typer.Exit(1)
            dlq.poll()
            archived = _archived(env, environment)
            progress.update(task, completed=archived + dlq.count)
            if archived + dlq.count < total:
                time.sleep(1.0)
    dlq.close()
    return archived, dlq


def _report(
    env: dict[str, str],
    *,
    environment: str,
    emitted: int,
    malformed: int,
    archived: int,
    dlq: _DlqCounter,
    trace_ids: list[str],
) -> None:
    where = f"service.environment = '{environment}'"
    summary = Table(title="Delivery")
    for column in ("emitted", "malformed", "archived", "dead-lettered", "in = archived + DLQ"):
        summary.add_column(column, justify="right")
    summary.add_row(
        str(emitted),
        str(malformed),
        str(archived),
        str(dlq.count),
        "[green]yes" if emitted + malformed == archived + dlq.count else "[red]no",
    )
    out.print(summary)
    reasons = Table(title="DLQ reasons")
    reasons.add_column("error class")
    reasons.add_column("messages", justify="right")
    for reason, n in sorted(dlq.reasons.items()):
        reasons.add_row(reason, str(n))
    out.print(reasons)

    redactions = _query(
        env,
        "SELECT r.entity_type AS entity, sum(r.count) AS n FROM events, "  # noqa: S608
        f"unnest(processing.redactions) AS t(r) WHERE {where} GROUP BY 1 ORDER BY 2 DESC",
    )
    table = Table(title="Redactions by entity type")
    table.add_column("entity")
    table.add_column("replaced", justify="right")
    for row in redactions.to_pylist():
        table.add_row(row["entity"], str(row["n"]))
    out.print(table)

    sample = _query(
        env,
        "SELECT actor.tenant_id AS tenant, actor.user_id AS user_pseudonym, llm.prompt AS prompt "  # noqa: S608
        f"FROM events WHERE {where} AND event_type = 'LLM_REQUEST' ORDER BY timestamp LIMIT 3",
    )
    table = Table(title="Sample query: redacted prompts as archived")
    for column in ("tenant", "user_pseudonym", "prompt"):
        table.add_column(column, overflow="fold")
    for row in sample.to_pylist():
        table.add_row(row["tenant"], row["user_pseudonym"], row["prompt"])
    out.print(table)

    from auditstream.auditor.cli.timeline import render  # noqa: PLC0415
    from auditstream.auditor.timeline import load_trace  # noqa: PLC0415

    timeline = load_trace(trace_ids[0], settings=_auditor_settings(env))
    if timeline is not None:
        out.print(f"One request as [bold]audit trace {trace_ids[0]}[/] shows it:")
        render(timeline, out)
