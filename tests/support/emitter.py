"""An emitting service as a child process: SIGKILLed at will, restarted on its spool directory.

The child emits through the SDK in a loop and appends each id ``emit()`` returned to a
file, one ``os.write`` per line, so the file holds exactly the ids the service was
promised (:func:`promised_ids`). A test kills it with SIGKILL whenever it likes and
starts it again on the same spool directory; at the end :func:`replay_spool` plays the
part of the last process on that directory and delivers whatever the killed ones left.

Used by the SDK's own chaos test (``tests/integration/producer/test_chaos_kill.py``) and
the whole pipeline's (``tests/e2e/test_chaos.py``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from auditstream.producer import AuditClient, ClientConfig
from support.wait import wait_until

# Event i of a generation joins trace ``<prefix><i % traces, 8 hex digits>``: the same
# traces in every generation, so a trace's events span kills and spool replays.
CHILD = """
import os, sys, time
from auditstream.producer import AuditClient, ClientConfig, EventType
bootstrap, topic, spool, ids_path, generation, prefix, traces, pause_s = sys.argv[1:9]
client = AuditClient(ClientConfig(service_name="chaos", bootstrap_servers=bootstrap,
    topic=topic, spool_dir=spool, prometheus=False))
ids = os.open(ids_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
seq = 0
while True:
    event_id = client.emit(EventType.OTHER, "chaos",
        trace_id=f"{prefix}{seq % int(traces):08x}",
        attributes={"generation": generation, "seq": str(seq)})
    # One write per id, after emit() returned: a SIGKILL cannot tear a write, and the
    # page cache keeps the line when the process dies.
    os.write(ids, f"{event_id}\\n".encode())
    seq += 1
    time.sleep(float(pause_s))
"""


def promised_ids(ids_path: Path) -> list[str]:
    """The ids the children's ``emit()`` calls returned (whole lines only)."""
    text = ids_path.read_text() if ids_path.exists() else ""
    lines = text.split("\n")
    return [line for line in lines[:-1] if line]  # the part after the last newline is torn


@dataclass
class EmittingProcess:
    """Starts the emitting child, SIGKILLs it, and starts it again on the same spool.

    Attributes:
        bootstrap_servers: The broker the SDK produces to.
        topic: The raw topic.
        spool_dir: The SDK's spool directory, the same for every generation.
        ids_path: Where every generation appends the ids ``emit()`` returned.
        trace_prefix: The first 24 hex digits of every trace id the child uses.
        traces: How many traces the child's events rotate through.
        pause_s: The child's sleep after each event (its pace).
        log_path: Where the children's output goes (librdkafka's complaints while the
            broker is away); None leaves it on the test's stderr.
    """

    bootstrap_servers: str
    topic: str
    spool_dir: Path
    ids_path: Path
    trace_prefix: str
    traces: int
    pause_s: float
    log_path: Path | None = None
    generation: int = 0
    child: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the next generation of the child on the same spool directory."""
        assert self.child is None, "the previous generation is still running"
        self.generation += 1
        output = None if self.log_path is None else self.log_path.open("ab")
        self.child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                self.bootstrap_servers,
                self.topic,
                str(self.spool_dir),
                str(self.ids_path),
                str(self.generation),
                self.trace_prefix,
                str(self.traces),
                str(self.pause_s),
            ],
            stdout=output,
            stderr=output,
        )
        if output is not None:
            output.close()  # the child has its own copy

    def kill(self) -> None:
        """SIGKILL the running child; fail if it had died before."""
        assert self.child is not None, "no child to kill"
        child, self.child = self.child, None
        alive = child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        assert alive, f"emitting child {self.generation} died before it was killed"
        assert child.returncode == -signal.SIGKILL

    def __enter__(self) -> EmittingProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        # A failed test: no child may outlive it, emitting into later tests' time.
        if self.child is not None:
            self.child.kill()
            self.child.wait(30)
            self.child = None

    def promised(self) -> list[str]:
        """The ids every generation so far was promised."""
        return promised_ids(self.ids_path)


def replay_spool(bootstrap_servers: str, topic: str, spool_dir: Path, *, timeout_s: float) -> int:
    """Open one more client on ``spool_dir``, deliver what it holds, close it.

    Args:
        bootstrap_servers: The broker.
        topic: The raw topic.
        spool_dir: The killed children's spool directory.
        timeout_s: How long the replay may take.

    Returns:
        How many events the client found in the spool when it started.
    """
    client = AuditClient(
        ClientConfig(
            service_name="chaos",
            bootstrap_servers=bootstrap_servers,
            topic=topic,
            spool_dir=str(spool_dir),
            prometheus=False,
        )
    )
    recovered = client.stats().recovered
    wait_until(
        lambda: client.stats().pending == 0,
        timeout_s=timeout_s,
        what="the killed emitters' spool replayed",
        describe=lambda: repr(client.stats()),
    )
    assert client.close(10) == 0
    return recovered
