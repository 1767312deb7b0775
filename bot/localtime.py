"""Times as people type and read them: entered and shown in the configured zone, stored in UTC.

DST: a wall-clock time that does not exist (the hour skipped in spring) is refused with a
reason; one that happens twice (the hour repeated in autumn) is taken as its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.errors import ValidationError

_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
#: The years a typed time may fall in: a year away from the ends of what `datetime` holds, so that moving it
#: to UTC or another zone, or adding the hours and days a schedule needs, cannot overflow.
YEARS = range(2, 9999)


def parse_local(text: str, tz: tzinfo) -> datetime:
    """`2026-12-01 09:00` in `tz` (or an ISO time with an offset) as an aware UTC datetime (years `YEARS`)."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None:
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - the zone is attached below
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValidationError(f"cannot read the time {text!r}: use YYYY-MM-DD HH:MM (in the configured time zone)")
    if parsed.year not in YEARS:
        raise ValidationError(f"{value} is out of range: the year must be from {YEARS.start} to {YEARS.stop - 1}")
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    local = parsed.replace(tzinfo=tz, fold=0)
    # A wall time in the spring-forward gap does not survive a round trip through UTC.
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != parsed:
        raise ValidationError(f"{value} does not exist in {tz} (the clocks skip it for daylight saving time)")
    return local.astimezone(UTC)


def format_local(value: datetime | None, tz: tzinfo) -> str:
    """An instant as `YYYY-MM-DD HH:MM ZZZ` in `tz` ('' for None)."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if value else ""
