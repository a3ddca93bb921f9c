"""Every `audit` command's --help ends with an example."""

from __future__ import annotations

import importlib

import pytest
from typer.testing import CliRunner

from auditstream.cli.main import _STAGE_COMMANDS
from auditstream.cli.main import app as root

STACK_ACTIONS = ["up", "down", "status", "env", "reset"]


def _help(app: object, args: list[str]) -> str:
    result = CliRunner().invoke(app, [*args, "--help"])  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    return result.output


class TestHelpExamples:
    """--help of the root, stack, demo and every stage command."""

    @pytest.mark.parametrize("name", sorted(_STAGE_COMMANDS))
    def test_stage_commands(self, name: str) -> None:
        """The stage's own app (what `audit <name> --help` shows) has an example."""
        stage = importlib.import_module(_STAGE_COMMANDS[name][0])
        args = ["export"] if name == "keys" else []
        assert f"audit {name}" in _help(stage.app, args).split("Example", 1)[1]

    def test_keys_rotate(self) -> None:
        """The second keys command too."""
        stage = importlib.import_module("auditstream.sink.keys_cli")
        assert "Example: audit keys rotate" in _help(stage.app, ["rotate"])

    @pytest.mark.parametrize("args", [[], ["demo"], *(["stack", a] for a in STACK_ACTIONS)])
    def test_root_stack_and_demo(self, args: list[str]) -> None:
        """The root app, `audit demo` and each `audit stack` action."""
        output = _help(root, args)
        assert "Example" in output
        assert f"audit {' '.join(args)}".strip() in output.split("Example", 1)[1]
