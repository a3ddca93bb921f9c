"""The README's first command: ``audit demo`` runs every stage and verifies the archive.

The demo manages the local stack itself (``deploy/local/stack.sh up``, a no-op when it
runs), so this test needs the stack that script manages, not another one named by
``AUDITSTREAM_TEST_KAFKA``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from support.stack import STACK, Stack

pytestmark = pytest.mark.integration


def test_the_demo_adds_up_and_verifies_the_archive(stack: Stack) -> None:
    """Every emitted and malformed event is archived or dead-lettered, and verify passes."""
    managed = subprocess.run(
        ["bash", str(STACK), "env"], capture_output=True, text=True, check=True
    ).stdout
    if f"AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS={stack.bootstrap_servers}" not in managed:
        pytest.skip("the tests run against a stack deploy/local/stack.sh does not manage")
    result = subprocess.run(
        [sys.executable, "-m", "auditstream.cli.main", "demo", "--requests", "5"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "VERIFIED: every check passed" in result.stdout
    delivery = result.stdout.split("in = archived + DLQ", 1)[1].splitlines()
    assert any(line.rstrip(" │").endswith("yes") for line in delivery[:4]), result.stdout
