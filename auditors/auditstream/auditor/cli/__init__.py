"""The auditor's commands, one module per command (``query``; later trace, verify, export).

Each module holds a Typer ``app`` with exactly one command, which the root ``audit`` CLI
mounts lazily. Results go to stdout, messages to stderr; errors exit with code 2.
"""
