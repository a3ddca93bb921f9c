"""The README's commands after `make demo` work in a new shell with nothing exported.

`audit demo` runs first (it manages the stack with `deploy/local/stack.sh`, so this needs
the stack that script manages, as ``test_demo.py`` does) and leaves its settings profile
in a temporary home. Then every command of the README's block runs under ``env -i`` with
only ``PATH`` and ``HOME``: no ``AUDITSTREAM_*`` variable, nothing evaluated first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.stack import REPO, STACK, Stack

pytestmark = pytest.mark.integration

AUDIT = Path(sys.executable).parent / "audit"


def readme_commands() -> list[str]:
    """The `.venv/bin/audit` lines of the README's block after the demo, but `stack down`."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## What `make demo` shows", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README lost its post-demo block"
    lines = [line for line in block.group(1).splitlines() if line.startswith(".venv/bin/audit")]
    return [line for line in lines if "stack down" not in line]


def test_the_readme_block_has_the_first_hour_commands() -> None:
    """The README names query, status, verify, report, export and keys export after the demo."""
    commands = " ".join(readme_commands())
    for command in ("query", "status", "verify", "report", "export", "keys export"):
        assert f"audit {command}" in commands


def test_readme_commands_after_the_demo_work_in_a_clean_environment(
    stack: Stack, tmp_path: Path
) -> None:
    """Each command exits 0 under env -i with PATH and HOME only, reading the profile."""
    managed = subprocess.run(
        ["bash", str(STACK), "env"], capture_output=True, text=True, check=True
    ).stdout
    if f"AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS={stack.bootstrap_servers}" not in managed:
        pytest.skip("the tests run against a stack deploy/local/stack.sh does not manage")
    home = tmp_path / "home"
    profile = home / ".config" / "auditstream" / "profile.env"
    demo_env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITSTREAM_")}
    demo = subprocess.run(
        [str(AUDIT), "demo", "--requests", "5"],
        env={**demo_env, "AUDITSTREAM_PROFILE": str(profile)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert profile.is_file()

    clean = ["env", "-i", f"PATH={os.environ['PATH']}", f"HOME={home}"]
    outputs = {}
    for line in readme_commands():
        # /tmp/ first: the repository itself may live under /tmp (CI's clean clone).
        command = line.replace("/tmp/", f"{tmp_path}/").replace(".venv/bin/audit", str(AUDIT))
        result = subprocess.run(
            [*clean, "bash", "-c", command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{line}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        assert "NoCredentialsError" not in result.stderr
        outputs[line] = result.stdout

    (query,) = [out for line, out in outputs.items() if line.startswith(".venv/bin/audit query")]
    assert "LLM_REQUEST" in query
    assert "BEGIN PUBLIC KEY" in (tmp_path / "sink.pub").read_text()
    assert (tmp_path / "report.html").is_file()
    assert (tmp_path / "evidence" / "package.seal.json").is_file()
    verified = [out for line, out in outputs.items() if "audit verify" in line]
    assert len(verified) == 3
    assert all("VERIFIED" in out for out in verified), verified
