"""The ``audit`` console script: start the Typer app, or say which extra is missing.

``pip install auditstream`` installs the SDK alone (confluent-kafka, fastavro), yet the
``audit`` script comes with every install. This module imports nothing but the standard
library until the app loads, so a base install gets an instruction and exit code 2
instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import sys

# Top-level modules of the ``cli`` extra that the root app imports at start.
_CLI_EXTRA_MODULES = frozenset(
    {
        "typer",
        "click",
        "rich",
        "pydantic",
        "pydantic_settings",
        "dotenv",
        "structlog",
        "prometheus_client",
    }
)
EXIT_USAGE = 2


def main() -> None:
    """Run ``audit``; exit 2 naming the extras to install when the CLI's dependencies are absent.

    Raises:
        SystemExit: The command's exit code.
    """
    try:
        from auditstream.cli.main import app  # noqa: PLC0415 - the import is what is checked
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in _CLI_EXTRA_MODULES:
            raise
        # Plain print: Typer, which would echo, is what may be missing.
        print(
            f"audit: this install has the SDK only (module {missing!r} is missing). Install "
            "the extra for what you want to do: pip install 'auditstream[auditor]' (query, "
            "verify, export, status), 'auditstream[sink]' or 'auditstream[processor]' (run "
            "the workers), or 'auditstream[all]'",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_USAGE) from exc
    app()
