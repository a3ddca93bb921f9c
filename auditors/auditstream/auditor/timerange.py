"""Parse the time bounds auditors type (``--since``, ``--until``) into aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

from auditstream.auditor.errors import InvalidTimeRangeError


def parse_instant(text: str, *, option: str) -> datetime:
    """Parse an ISO 8601 date or date-time; without an offset it is taken as UTC.

    Args:
        text: E.g. ``2026-01-05``, ``2026-01-05T10:00``, ``2026-01-05T10:00:00Z``,
            ``2026-01-05T12:00:00+02:00``.
        option: The option's name, for the error message.

    Returns:
        An aware datetime in UTC.

    Raises:
        InvalidTimeRangeError: The text is not ISO 8601.
    """
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidTimeRangeError(
            option, f"{text!r} is not an ISO 8601 date or date-time (e.g. 2026-01-05T10:00Z)"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def check_range(since: datetime | None, until: datetime | None) -> None:
    """Check that a time range is not empty.

    Args:
        since: Inclusive lower bound, or None.
        until: Exclusive upper bound, or None.

    Raises:
        InvalidTimeRangeError: Both are given and ``since`` is not before ``until``, or
            either is naive (no time zone).
    """
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidTimeRangeError(name, "needs a time zone (an aware datetime)")
    if since is not None and until is not None and since >= until:
        raise InvalidTimeRangeError(
            "until",
            f"{until.isoformat()} is not after since ({since.isoformat()}); the range is empty",
        )
