"""``audit stack up|down|status|env``: the local Kafka + S3 stack of ``deploy/local/``.

The scripts live in the source tree (they install Kafka from Maven Central and build the
S3 server with Go), so these commands work from a checkout, as a development tool.

``audit stack up`` then writes the settings profile (:mod:`auditstream.schemas.profile`):
the stack's client settings, the demo's keys when it made some, and the stack's own
``AUDITSTREAM_STACK_*`` variables and install cache, so that later ``audit`` commands in
any shell reach this stack, and later ``audit stack`` commands manage the same one.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import typer

from auditstream.schemas.profile import profile_path, read_profile, write_profile

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Manage the local stack.",
    epilog="Example: audit stack up && audit stack status",
)

# Files of `audit demo` (in its state folder) that later commands need, by variable.
DEMO_FILES = {
    "AUDITSTREAM_TRUST__KEYRING_FILE": "keyring.pem",
    "AUDITSTREAM_SINK__SIGNING_KEY_FILE": "sink-signing.key",
    "AUDITSTREAM_PROCESSOR__HMAC_KEY_FILE": "hmac.key",
    "AUDITSTREAM_AUDITOR__EXPORT_KEY_FILE": "export-signing.key",
}
_STACK_PREFIX = "AUDITSTREAM_STACK_"
# The install cache: the script's health check runs Kafka's tools from it.
_CACHE_VARIABLE = "AUDITSTREAM_CACHE_DIR"


def _for_script(name: str) -> bool:
    """Whether a variable configures the stack script itself (ports, folders)."""
    return name.startswith(_STACK_PREFIX) or name == _CACHE_VARIABLE


def stack_state_dir() -> Path:
    """Return the stack's state folder, as ``deploy/local/stack.sh`` computes it."""
    named = script_environment().get("AUDITSTREAM_STACK_DIR")
    return Path(named) if named else Path.home() / ".local/state/auditstream/stack"


def demo_state_dir() -> Path:
    """Return the folder where ``audit demo`` keeps its keys and worker logs."""
    return stack_state_dir().parent / "demo"


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


def script_environment() -> dict[str, str]:
    """The script's environment: the profile's stack variables, then ours over them.

    So ``audit stack status`` in a new shell looks at the ports, state folder and install
    cache that ``audit stack up`` used (``AUDITSTREAM_STACK_*``, ``AUDITSTREAM_CACHE_DIR``).
    """
    path = profile_path(os.environ)
    remembered = read_profile(path) if path else {}
    stack = {k: v for k, v in remembered.items() if _for_script(k)}
    return {**stack, **os.environ, "PYTHON": sys.executable}


def run_stack(action: str) -> int:
    """Run one action of the stack script with this interpreter as its Python.

    Args:
        action: ``up``, ``down``, ``status``, ``env``...

    Returns:
        The script's exit code.
    """
    return subprocess.run(  # noqa: S603
        ["bash", str(stack_script()), action],  # noqa: S607
        env=script_environment(),
        check=False,
    ).returncode


def write_stack_profile() -> Path | None:
    """Write the settings profile for the running stack (and the demo's keys, if made).

    Returns:
        The profile written; None when profiles are off (``AUDITSTREAM_PROFILE=none``),
        the path holds a profile the stack did not write (then left alone, and said), or
        the file cannot be written (said).

    Raises:
        typer.Exit: ``stack.sh env`` failed.
    """
    path = profile_path(os.environ)
    if path is None:
        return None
    environment = script_environment()
    variables = {
        name: value
        for name, value in stack_env().items()
        if name.startswith("AUDITSTREAM_") and not name.startswith("AUDITSTREAM_TEST_")
    }
    variables.update({k: v for k, v in environment.items() if _for_script(k)})
    variables["AUDITSTREAM_STACK_DIR"] = str(stack_state_dir().resolve())
    cache = environment.get(_CACHE_VARIABLE) or str(Path.home() / ".cache/auditstream")
    variables[_CACHE_VARIABLE] = str(Path(cache).resolve())
    demo = demo_state_dir()
    for name, file_name in DEMO_FILES.items():
        if (demo / file_name).is_file():
            variables[name] = str((demo / file_name).resolve())
    try:
        written = write_profile(path, variables)
    except (OSError, ValueError) as exc:
        # The stack runs either way; only later shells lose the shortcut.
        typer.echo(
            f"audit stack: cannot write the settings profile {path} ({exc}); the stack runs, "
            'but other shells need eval "$(audit stack env)"',
            err=True,
        )
        return None
    if not written:
        typer.echo(
            f"audit stack: {path} was not written by audit stack up; left as it is (point "
            "AUDITSTREAM_PROFILE at another file to get the local stack's settings there)",
            err=True,
        )
        return None
    return path


def stack_env() -> dict[str, str]:
    """Return the variables ``stack.sh env`` prints: where the stack listens, credentials.

    Raises:
        typer.Exit: The script failed.
    """
    result = subprocess.run(  # noqa: S603
        ["bash", str(stack_script()), "env"],  # noqa: S607
        env=script_environment(),
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
    @app.command(name, help=summary, epilog=f"Example: audit stack {name}")
    def command() -> None:
        raise typer.Exit(run_stack(name))


@app.command(
    "up",
    epilog="Example: audit stack up, then in any shell: audit query 'SELECT count(*) FROM events'",
)
def up() -> None:
    """Install (cached) and start Kafka and the S3 server, create topics and bucket.

    Then write the settings profile, so that every audit command reaches this stack
    without exported variables.
    """
    code = run_stack("up")
    if code == 0:
        path = write_stack_profile()
        if path is not None:
            typer.echo(f"audit stack: settings for audit commands written to {path}", err=True)
    raise typer.Exit(code)


_action("down", "Stop the stack, keeping its data.")
_action("status", "Show whether each service runs and answers.")
_action("env", "Print the environment variables that point clients at the stack.")
_action("reset", "Stop the stack and delete its data.")
