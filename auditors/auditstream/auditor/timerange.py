"""Parse the time bounds auditors type (``--since``, ``--until``) into aware UTC datetimes.

Ages (``30m``, ``1h``, ``7d``, ``1h30m``) are read with a small regular expression rather
than a duration library: pytimeparse2 (last release 2023) and pytimeparse also read
clock forms such as ``10:00`` as durations (ten minutes), which an auditor would mean as a
time of day, and the few units here need nothing more.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from auditstream.auditor.errors import InvalidTimeRangeError

TIME_FORMS = "an age (30m, 1h, 7d), a date (2026-12-01) or an ISO 8601 time (UTC if no offset)"
"""What ``--since`` and ``--until`` accept, for option help texts."""

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_AGE = re.compile(r"(?:\d+[smhdw])+")
_AGE_PART = re.compile(r"(\d+)([smhdw])")


def parse_instant(text: str, *, option: str, now: datetime | None = None) -> datetime:
    """Parse an age before now, or an ISO 8601 date or date-time (UTC without an offset).

    Args:
        text: An age such as ``30m``, ``1h``, ``7d``, ``2w`` or ``1h30m`` (units s, m, h,
            d, w), or ``2026-01-05``, ``2026-01-05T10:00``, ``2026-01-05T10:00:00Z``,
            ``2026-01-05T12:00:00+02:00``.
        option: The option's name, for the error message.
        now: The instant ages count back from; the current time when None.

    Returns:
        An aware datetime in UTC.

    Raises:
        InvalidTimeRangeError: The text is neither an age nor ISO 8601.
    """
    stripped = text.strip()
    if _AGE.fullmatch(stripped):
        seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _AGE_PART.findall(stripped))
        return (now or datetime.now(UTC)).astimezone(UTC) - timedelta(seconds=seconds)
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError as exc:
        raise InvalidTimeRangeError(
            option,
            f"{text!r} is not an age (30m, 1h, 7d), a date (2026-12-01) or an ISO 8601 "
            "date-time (2026-12-01T10:00Z)",
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
