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


def parse_uk_date(text: str | int | float) -> date:
    """Read a date the way a UK officer or a UK spreadsheet writes it.

    Accepts ISO (2026-11-23), day-first (23/11/2026, 23-11-26, 23 Nov 2026) and Excel serial
    numbers (46349). Never guesses month-first.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _excel_serial(float(text))
    value = str(text).strip()
    if not value:
        raise BadDate("the date is empty")
    if re.fullmatch(r"\d{5}(\.\d+)?", value):
        return _excel_serial(float(value))
    if _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise BadDate(f"{value!r} is not a real date") from exc
    try:
        parsed = dateutil_parser.parse(value, dayfirst=True, yearfirst=False)
    except (ValueError, OverflowError) as exc:
        raise BadDate(f"{value!r} is not a date; write it day first, like 23/11/2026") from exc
    return parsed.date()


def _excel_serial(serial: float) -> date:
    # 1 Jan 1900 to about 2100: anything else is a number that is not a date.
    if not 1 <= serial < 73051:
        raise BadDate(f"{serial:g} is not an Excel date serial")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_local_datetime(text: str, *, now: datetime) -> datetime:
    """Read a time an officer types ("01:40", "23/11/2026 01:40", ISO with offset) as UK local time.

    A bare time means today (in London) at that time. The result is timezone-aware UTC.
    """
    value = text.strip()
    if not value:
        raise BadDate("the time is empty")
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", value):
            local_today = now.astimezone(LONDON).date()
            hour, minute = (int(p) for p in value.split(":"))
            naive = datetime(local_today.year, local_today.month, local_today.day, hour, minute)
        elif re.match(r"^\d{4}-\d{2}-\d{2}", value):
            naive = datetime.fromisoformat(value)
        else:
            naive = dateutil_parser.parse(value, dayfirst=True)
    except (ValueError, OverflowError) as exc:
        raise BadDate(
            f"{value!r} is not a time; write it like 01:40 or 23/11/2026 01:40"
        ) from exc
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=LONDON)
    moment = naive.astimezone(UTC)
    # At 00:10 "23:50" means the night before, not tonight.
    if re.fullmatch(r"\d{1,2}:\d{2}", value) and moment > now + timedelta(minutes=5):
        moment -= timedelta(days=1)
    return moment


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
