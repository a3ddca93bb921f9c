"""Errors of the auditor tools (query, trace, verify, export, status, report).

Every class derives from :class:`AuditorError`, itself an
:class:`~auditstream.schemas.errors.AuditstreamError`::

    AuditstreamError
    └── AuditorError
        ├── AuditorConfigError     settings are invalid (names the variable)
        ├── InvalidTimeRangeError  --since/--until cannot be parsed, or are out of order
        ├── ArchiveAccessError     the archive cannot be listed or read
        ├── TrustedKeyError        a --key file or the configured keyring cannot be used
        ├── IncompleteArchiveError what a query would read cannot all be trusted
        └── QueryError             DuckDB rejected the SQL or failed running it

The auditor reads the archive and never writes it. Messages never contain event payloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditstream.schemas.errors import AuditstreamError

if TYPE_CHECKING:
    from auditstream.archive.findings import Finding


class AuditorError(AuditstreamError):
    """Base class of the auditor tools' errors."""


class AuditorConfigError(AuditorError):
    """The auditor's settings are invalid.

    Args:
        detail: Which variable is wrong, what it holds (masked if secret) and what is allowed.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"invalid auditor settings: {detail}")


class InvalidTimeRangeError(AuditorError):
    """A time bound cannot be parsed, or the range is empty.

    Args:
        option: The option or parameter name, e.g. ``--since``.
        reason: What was expected and what was found.
    """

    def __init__(self, option: str, reason: str) -> None:
        self.option = option
        self.reason = reason
        super().__init__(f"invalid {option}: {reason}")


class ArchiveAccessError(AuditorError):
    """The archive cannot be listed or read.

    Args:
        bucket: The archive bucket.
        reason: What failed (the underlying error's message).
    """

    def __init__(self, bucket: str, reason: str) -> None:
        self.bucket = bucket
        self.reason = reason
        super().__init__(f"cannot read the archive in bucket {bucket!r}: {reason}")


class QueryError(AuditorError):
    """DuckDB rejected the SQL, or failed while running it.

    Args:
        reason: DuckDB's message (it names tokens and columns of the SQL, not event data).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"query failed: {reason}")


class TrustedKeyError(AuditorError):
    """A trusted public key (``--key``, ``AUDITSTREAM_TRUST__*``) cannot be used.

    Args:
        detail: Which source and what is wrong with it.
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"trusted keys: {detail}; pass Ed25519 public keys in PEM form, as "
            "`audit keys export` prints them"
        )


class IncompleteArchiveError(AuditorError):
    """Part of what a query would read failed its checks; answering would drop or forge rows.

    Args:
        bucket: The archive bucket.
        problems: The findings.
        hint: What to do next; None gives the query's (``audit verify``, or
            ``--allow-incomplete``).
    """

    def __init__(self, bucket: str, problems: list[Finding], *, hint: str | None = None) -> None:
        self.bucket = bucket
        self.problems = problems
        first = problems[0]
        super().__init__(
            f"the archive in {bucket!r} cannot be fully trusted where this query reads: "
            f"{len(problems)} problems, first {first.kind} {first.key}: {first.message}; "
            + (
                hint
                or "run `audit verify` for the whole report, or pass --allow-incomplete to "
                "read only what verifies"
            )
        )
