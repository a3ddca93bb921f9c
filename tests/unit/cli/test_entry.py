"""The ``audit`` console script on an install without the CLI's extra."""

from __future__ import annotations

import subprocess
import sys

# Runs the console script's entry point with the named module made unimportable, as on
# a base install (`pip install auditstream`) that lacks the extra bringing it.
_WITHOUT = """
import sys
from importlib.abc import MetaPathFinder

class Absent(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == {module!r} or name.startswith({module!r} + "."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Absent())
sys.argv = ["audit", "--version"]
from auditstream.cli.entry import main
main()
"""


def _run_without(module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestBaseInstall:
    """entry.main() without Typer and friends."""

    def test_without_typer_names_the_extras_and_exits_2(self) -> None:
        """Missing Typer: one line naming the extras to install, exit 2, no traceback."""
        result = _run_without("typer")
        assert result.returncode == 2, result.stderr
        assert "pip install 'auditstream[auditor]'" in result.stderr
        assert "'typer' is missing" in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""

    def test_without_rich_names_the_extras(self) -> None:
        """Any module of the cli extra is reported the same way."""
        result = _run_without("rich")
        assert result.returncode == 2, result.stderr
        assert "'rich' is missing" in result.stderr
        assert "auditstream[all]" in result.stderr

    def test_other_missing_modules_are_not_hidden(self) -> None:
        """A module outside the extra is a bug, so its traceback stays."""
        result = _run_without("auditstream.cli.demo")
        assert result.returncode == 1
        assert "Traceback" in result.stderr
        assert "auditstream[" not in result.stderr

    def test_with_the_extra_the_app_runs(self) -> None:
        """With everything installed, the app answers."""
        result = _run_without("no_such_module_at_all")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip()
