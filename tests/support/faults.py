"""A private local stack for fault tests: its own ports and state, started and stopped here.

Tests that stop a service (S3 outage) must never touch the shared stack other tests use,
so they start a second one with ``deploy/local/stack.sh`` on other loopback ports and a
temporary state directory (the install cache is shared), and take it down afterwards.
The ports are fixed (:data:`PRIVATE_PORTS`) unless a test passes others, such as
:func:`free_private_ports`, so it can run beside another private stack.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from support.cluster import free_base_port, stack_ports
from support.stack import STACK, Stack

# Ports of the private stack: clear of the shared stack's 19092/19093/19000.
PRIVATE_PORTS = {
    "AUDITSTREAM_STACK_KAFKA_PORT": "21092",
    "AUDITSTREAM_STACK_KAFKA_CONTROLLER_PORT": "21093",
    "AUDITSTREAM_STACK_S3_PORT": "21000",
}


def free_private_ports() -> dict[str, str]:
    """Ports for a private stack that nothing listens on now, from a random base."""
    return stack_ports(free_base_port())


class PrivateStack:
    """Runs ``deploy/local/stack.sh`` commands against one private state directory."""

    def __init__(self, state_dir: Path, *, ports: Mapping[str, str] = PRIVATE_PORTS) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
        if "AUDITSTREAM_CACHE_DIR" in os.environ:
            base["AUDITSTREAM_CACHE_DIR"] = os.environ["AUDITSTREAM_CACHE_DIR"]
        self.env = {
            **base,
            **ports,
            "AUDITSTREAM_STACK_DIR": str(state_dir),
            # A second broker on a shared 2-core machine: a smaller heap is plenty.
            "AUDITSTREAM_STACK_KAFKA_HEAP": "384m",
            "PYTHON": sys.executable,
        }

    def run(self, command: str) -> str:
        """Run one stack.sh command: ``up``, ``down``, ``env``, ``kafka-stop``, ``s3-start``..."""
        done = subprocess.run(
            ["bash", str(STACK), command],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.stdout

    def stack(self) -> Stack:
        """Where the private stack listens, as the tests' Stack."""
        env: dict[str, str] = {}
        for raw_line in self.run("env").splitlines():
            line = raw_line.strip()
            if line.startswith("export AUDITSTREAM_") and not line.startswith(
                "export AUDITSTREAM_TEST_"
            ):
                name, _, value = line[len("export ") :].partition("=")
                env[name] = shlex.split(value)[0] if value else ""
        return Stack(
            bootstrap_servers=env["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"],
            s3_endpoint=env["AUDITSTREAM_S3__ENDPOINT_URL"],
            env=env,
        )


@contextmanager
def private_stack(
    state_dir: Path, *, ports: Mapping[str, str] = PRIVATE_PORTS
) -> Iterator[PrivateStack]:
    """Start a private stack in ``state_dir`` on ``ports``; stop it (only it) on exit."""
    private = PrivateStack(state_dir, ports=ports)
    try:
        private.run("up")
        yield private
    finally:
        private.run("down")
