"""``audit stack up|down|status|env``: the local Kafka + S3 stack of ``deploy/local/``.

The scripts live in the source tree (they install Kafka from Maven Central and build the
S3 server with Go), so these commands work from a checkout, as a development tool.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Manage the local stack.")


def stack_script() -> Path:
    """Return the path of ``deploy/local/stack.sh`` in this checkout.

    Raises:
        typer.Exit: The script is not there (an installed wheel has no deploy/ folder).
    """
    root = Path(os.environ.get("AUDITSTREAM_DEPLOY_DIR", Path(__file__).resolve().parents[3]))
    script = root / "deploy" / "local" / "stack.sh"
    if not script.is_file():
        typer.echo(
            f"audit stack: {script} not found; run it from a source checkout of auditstream "
            "or set AUDITSTREAM_DEPLOY_DIR to one",
            err=True,
        )
        raise typer.Exit(2)
    return script


def run_stack(action: str) -> int:
    """Run one action of the stack script with this interpreter as its Python.

    Args:
        action: ``up``, ``down``, ``status``, ``env``...

    Returns:
        The script's exit code.
    """
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(["bash", str(stack_script()), action], env=env, check=False).returncode  # noqa: S603, S607


def stack_env() -> dict[str, str]:
    """Return the variables ``stack.sh env`` prints: where the stack listens, credentials.

    Raises:
        typer.Exit: The script failed.
    """
    result = subprocess.run(  # noqa: S603
        ["bash", str(stack_script()), "env"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        typer.echo(f"audit stack env: {result.stderr.strip()}", err=True)
        raise typer.Exit(2)
    env = {}
    for line in result.stdout.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0] if value else ""
    return env


def _action(name: str, summary: str) -> None:
    @app.command(name, help=summary)
    def command() -> None:
        raise typer.Exit(run_stack(name))


_action("up", "Install (cached) and start Kafka and the S3 server, create topics and bucket.")
_action("down", "Stop the stack, keeping its data.")
_action("status", "Show whether each service runs and answers.")
_action("env", "Print the environment variables that point clients at the stack.")
_action("reset", "Stop the stack and delete its data.")
