"""The real local stack for integration and e2e tests: reused or started once per run.

When ``AUDITSTREAM_TEST_KAFKA`` and ``AUDITSTREAM_TEST_S3_ENDPOINT`` are set, the running
stack they name is used (as confluent's ``BROKERS`` switch does); otherwise
``deploy/local/stack.sh up`` installs (cached) and starts one, and its ``env`` output
says where it listens.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "deploy" / "local" / "stack.sh"


@dataclass(frozen=True)
class Stack:
    """Where the stack listens, and the environment that points clients at it."""

    bootstrap_servers: str
    s3_endpoint: str
    env: dict[str, str]

    def s3(self) -> Any:
        """A boto3 S3 client for the stack's server, with its credentials."""
        return boto3.client(
            "s3",
            endpoint_url=self.env["AUDITSTREAM_S3__ENDPOINT_URL"],
            aws_access_key_id=self.env["AUDITSTREAM_S3__ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AUDITSTREAM_S3__SECRET_ACCESS_KEY"],
            region_name=self.env.get("AUDITSTREAM_S3__REGION", "us-east-1"),
        )

    @property
    def bucket(self) -> str:
        """The Object-Lock-enabled bucket the stack created."""
        return self.env["AUDITSTREAM_S3__BUCKET"]


def _stack_env() -> dict[str, str]:
    out = subprocess.run(
        ["bash", str(STACK), "env"], check=True, capture_output=True, text=True
    ).stdout
    return parse_env(out)


def parse_env(out: str) -> dict[str, str]:
    """Return the variables of ``stack.sh env`` output (``export NAME=value`` lines)."""
    env: dict[str, str] = {}
    for raw_line in out.splitlines():
        line = raw_line.strip()
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            env[name] = shlex.split(value)[0] if value else ""
    return env


def ensure_stack() -> Stack:
    """Return the stack to test against, starting it if no running one is named."""
    kafka = os.environ.get("AUDITSTREAM_TEST_KAFKA")
    s3 = os.environ.get("AUDITSTREAM_TEST_S3_ENDPOINT")
    if not (kafka and s3):
        subprocess.run(
            ["bash", str(STACK), "up"],
            check=True,
            env={**os.environ, "PYTHON": sys.executable},
        )
    env = {k: v for k, v in _stack_env().items() if k.startswith("AUDITSTREAM_")}
    if kafka and s3:
        env["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"] = kafka
        env["AUDITSTREAM_S3__ENDPOINT_URL"] = s3
    return Stack(
        bootstrap_servers=env["AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS"],
        s3_endpoint=env["AUDITSTREAM_S3__ENDPOINT_URL"],
        env={k: v for k, v in env.items() if not k.startswith("AUDITSTREAM_TEST_")},
    )
