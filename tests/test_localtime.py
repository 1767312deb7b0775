"""Local times in and out, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ValidationError
from bot.localtime import format_local, parse_local

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-15 09:00", datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),  # winter, UTC+1
        ("2026-07-15 09:00", datetime(2026, 7, 15, 7, 0, tzinfo=UTC)),  # summer, UTC+2
        ("2026-03-29 03:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # just after the spring jump
        ("2026-10-25 02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # repeated hour: first occurrence
        ("2026-07-15T09:00+00:00", datetime(2026, 7, 15, 9, 0, tzinfo=UTC)),  # explicit offset wins
    ],
)
def test_parse_local_across_dst(text: str, expected: datetime) -> None:
    assert parse_local(text, PARIS) == expected


def test_a_time_in_the_spring_gap_is_refused() -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        parse_local("2026-03-29 02:30", PARIS)


@pytest.mark.parametrize("text", ["tomorrow", "", "2026-13-01 09:00", "09:00"])
def test_unreadable_times_say_how_to_write_them(text: str) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD HH:MM"):
        parse_local(text, PARIS)


def test_format_local_shows_the_zone() -> None:
    assert format_local(datetime(2026, 7, 15, 7, 0, tzinfo=UTC), PARIS) == "2026-07-15 09:00 CEST"
    assert format_local(None, PARIS) == ""


@pytest.mark.parametrize(
    ("text", "tz"),
    [
        ("9999-12-31 23:59", ZoneInfo("America/New_York")),  # UTC would be in year 10000
        ("0001-01-01 00:00", PARIS),  # UTC would be in year 0
        ("9999-12-31T23:59-05:00", PARIS),
        ("9999-12-31 23:59", ZoneInfo("UTC")),  # the minute after it is past datetime.max
    ],
)
def test_a_year_at_the_ends_of_the_calendar_is_refused(text: str, tz: ZoneInfo) -> None:
    """A time a date picker allows but `datetime` cannot move between zones is a reason, not an OverflowError."""
    with pytest.raises(ValidationError, match="out of range: the year must be from 2 to 9998"):
        parse_local(text, tz)
