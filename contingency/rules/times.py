"""Time and date rules: store UTC, show Europe/London, read dates the UK way (day first)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

LONDON = ZoneInfo("Europe/London")

# Excel's day zero (it wrongly treats 1900 as a leap year, so serials count from 30 Dec 1899).
_EXCEL_EPOCH = date(1899, 12, 30)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadDate(ValueError):
    """A date or time that cannot be read; the message says what was wrong and what is expected."""


def to_utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_utc_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"stored time {text!r} has no timezone")
    return moment.astimezone(UTC)


def parse_uk_date(text: str | int | float | date, *, today: date | None = None) -> date:
    """Read a date the way a UK officer or a UK spreadsheet writes it.

    Accepts ISO (2026-11-23, 2026/11/23), day first (23/11/2026, 23-11-2026, 23 Nov 2026) and Excel
    serial numbers (46349). Never guesses month first, and never completes a partial date ("1940",
    "April 1940") from today. A two-digit year needs `today`: it is the latest such year not more
    than a year ahead.
    """
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _excel_serial(float(text))
    if isinstance(text, bool):
        raise BadDate(f"{text!r} is not a date")
    value = str(text).strip()
    if not value:
        raise BadDate("the date is empty")
    if re.fullmatch(r"\d{1,4}", value):
        raise BadDate(f"{value!r} is not a whole date; give the day, month and year, like 23/11/2026")
    if re.fullmatch(r"\d{5}(\.\d+)?", value):
        return _excel_serial(float(value))
    year_first = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value)
    if year_first:
        try:
            return date(*(int(g) for g in year_first.groups()))
        except ValueError as exc:
            raise BadDate(f"{value!r} is not a real date") from exc
    parsed = _dayfirst(value)
    if not re.search(r"\d{4}", value):
        if today is None:
            raise BadDate(f"{value!r} has a two-digit year; write the year in full, like 23/11/2026")
        parsed = parsed.replace(year=2000 + parsed.year % 100)
        if parsed > today + timedelta(days=366):
            parsed = parsed.replace(year=parsed.year - 100)
    return parsed


def _dayfirst(value: str) -> date:
    """Parse day first; refuse anything that lacks a day, a month or a year."""
    try:
        one = dateutil_parser.parse(value, dayfirst=True, default=datetime(1, 1, 1))
        two = dateutil_parser.parse(value, dayfirst=True, default=datetime(2, 2, 2))
    except (ValueError, OverflowError) as exc:
        raise BadDate(f"{value!r} is not a date; write it day first, like 23/11/2026") from exc
    if one.date() != two.date():
        raise BadDate(f"{value!r} is not a whole date; give the day, month and year, like 23/11/2026")
    return one.date()


def _excel_serial(serial: float) -> date:
    # 1 Jan 1900 to about 2100: anything else is a number that is not a date.
    if not 1 <= serial < 73051:
        raise BadDate(f"{serial:g} is not an Excel date serial")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_local_datetime(text: str, *, now: datetime) -> datetime:
    """Read a time an officer types ("01:40", "23/11/2026 01:40", ISO with or without offset) as UK time.

    A bare time means the most recent such time: at 00:10, "23:50" is last night. The result is UTC.
    """
    value = text.strip()
    if not value:
        raise BadDate("the time is empty")
    bare = re.fullmatch(r"(\d{1,2})[:.](\d{2})", value)
    try:
        if bare:
            hour, minute = int(bare.group(1)), int(bare.group(2))
            day = now.astimezone(LONDON).date()
            moment = _london(day, hour, minute)
            if moment > now + timedelta(minutes=5):
                moment = _london(day - timedelta(days=1), hour, minute)
            return moment
        if re.match(r"^\d{4}-\d{2}-\d{2}", value):
            naive = datetime.fromisoformat(value)
            if naive.tzinfo is None:
                naive = naive.replace(tzinfo=LONDON)
            return naive.astimezone(UTC)
        dated = re.fullmatch(r"(.+?)[ T,]+(\d{1,2})[:.](\d{2})", value)
        if dated:
            day = parse_uk_date(dated.group(1), today=now.date())
            return _london(day, int(dated.group(2)), int(dated.group(3)))
        return _london(parse_uk_date(value, today=now.date()), 0, 0)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, BadDate):
            raise
        raise BadDate(f"{value!r} is not a time; write it like 01:40 or 23/11/2026 01:40") from exc


def _london(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def format_local(moment: datetime, *, now: datetime | None = None) -> str:
    """A time as an officer reads it: London time, with the date unless it is today."""
    local = moment.astimezone(LONDON)
    if now is not None and local.date() == now.astimezone(LONDON).date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m/%Y %H:%M")


def format_uk_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def format_elapsed(delta: timedelta) -> str:
    """'3h 05m', '2d 4h', '12m': short enough for a header at 80 columns."""
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rem = divmod(minutes, 24 * 60)
    hours, mins = divmod(rem, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {mins:02d}m"
    return f"{sign}{mins}m"
