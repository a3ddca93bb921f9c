"""Parsing --since/--until and checking the range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from auditstream.auditor.errors import InvalidTimeRangeError
from auditstream.auditor.timerange import check_range, parse_instant


class TestParseInstant:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-01-05", datetime(2026, 1, 5, tzinfo=UTC)),
            ("2026-01-05T10:00", datetime(2026, 1, 5, 10, tzinfo=UTC)),
            ("2026-01-05T10:00:00Z", datetime(2026, 1, 5, 10, tzinfo=UTC)),
            ("2026-01-05T12:00:00+02:00", datetime(2026, 1, 5, 10, tzinfo=UTC)),
            (" 2026-01-05T10:00:00.250000Z ", datetime(2026, 1, 5, 10, 0, 0, 250000, tzinfo=UTC)),
        ],
    )
    def test_iso_dates_and_times_become_utc_instants(self, text, expected):
        """Without an offset the time is UTC; with one it is converted."""
        parsed = parse_instant(text, option="--since")
        assert parsed == expected
        assert parsed.utcoffset().total_seconds() == 0

    @pytest.mark.parametrize(
        ("text", "age"),
        [
            ("30m", timedelta(minutes=30)),
            ("1h", timedelta(hours=1)),
            (" 7d ", timedelta(days=7)),
            ("2w", timedelta(weeks=2)),
            ("45s", timedelta(seconds=45)),
            ("1h30m", timedelta(hours=1, minutes=30)),
        ],
    )
    def test_ages_count_back_from_now(self, text, age):
        """An age is that long before now, in UTC."""
        now = datetime(2026, 12, 7, 12, 0, tzinfo=timezone(timedelta(hours=2)))
        parsed = parse_instant(text, option="--since", now=now)
        assert parsed == now - age
        assert parsed.utcoffset().total_seconds() == 0

    def test_an_age_without_now_counts_from_the_clock(self):
        """Without ``now``, the current time is the reference."""
        before = datetime.now(UTC)
        parsed = parse_instant("1h", option="--since")
        assert before - timedelta(hours=1) <= parsed <= datetime.now(UTC) - timedelta(hours=1)

    @pytest.mark.parametrize(
        "text", ["yesterday", "2026-13-01", "05/01/2026", "", "1x", "h1", "1.5h", "-1h", "10:00"]
    )
    def test_other_text_is_an_error_naming_the_option(self, text):
        """The error says which option and which forms are expected."""
        with pytest.raises(InvalidTimeRangeError) as caught:
            parse_instant(text, option="--until")
        assert caught.value.option == "--until"
        assert "ISO 8601" in str(caught.value)
        assert "1h" in str(caught.value)


class TestCheckRange:
    def test_an_open_or_ordered_range_is_accepted(self):
        """None means unbounded on that side."""
        early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
        for since, until in [(None, None), (early, None), (None, late), (early, late)]:
            check_range(since, until)

    @pytest.mark.parametrize("same", [True, False])
    def test_an_empty_range_is_refused(self, same):
        """until must be after since."""
        since = datetime(2026, 1, 2, tzinfo=UTC)
        until = since if same else datetime(2026, 1, 1, tzinfo=UTC)
        with pytest.raises(InvalidTimeRangeError, match="not after since"):
            check_range(since, until)

    def test_naive_datetimes_are_refused(self):
        """Library callers must say which zone they mean."""
        with pytest.raises(InvalidTimeRangeError, match="time zone"):
            check_range(datetime(2026, 1, 1), None)
