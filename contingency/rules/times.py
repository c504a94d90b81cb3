"""Time and date rules: store UTC, show Europe/London, read dates the UK way (day first)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

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


# Every date this app records (a birth, an event, awareness of it, a cost, a claim) falls in these years;
# one outside them is a typing slip or a placeholder (01/01/0001, 31/12/9999), and would break the
# arithmetic of UK time and of periods if it were kept. Excel serials have their own range (_excel_serial).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def check_date_bounds(day: date, shown: object = None) -> date:
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        what = repr(shown) if isinstance(shown, str) else repr(day.strftime("%d/%m/%Y"))
        raise BadDate(f"{what} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}; check the year")
    return day


def parse_uk_date(text: str | int | float | date, *, today: date | None = None, bounded: bool = True) -> date:
    """Read a date the way a UK officer or a UK spreadsheet writes it.

    Accepts ISO (2026-11-23, 2026/11/23), day first (23/11/2026, 23-11-2026, 23 Nov 2026) and Excel
    serial numbers (46349). Never guesses month first, and never completes a partial date ("1940",
    "April 1940") from today. A two-digit year needs `today`: it is the latest such year not more
    than a year ahead. Years outside EARLIEST_YEAR..LATEST_YEAR are refused unless not `bounded` (for a
    caller with tighter bounds of its own and a better message, such as a date of birth).
    """
    if isinstance(text, (int, float)) and not isinstance(text, (bool, date)):
        return _excel_serial(float(text))
    day = _parse_uk_date(text, today=today)
    return check_date_bounds(day, text) if bounded else day


def _parse_uk_date(text: str | int | float | date, *, today: date | None) -> date:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if isinstance(text, bool):
        raise BadDate(f"{text!r} is not a date")
    value = str(text).strip()
    if not value:
        raise BadDate("the date is empty")
    _ascii_digits_only(value)
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
    common = _DAY_MONTH_YEAR.fullmatch(value)  # the usual 23/11/2026: no need for the general parser
    if common and len(common.group(3)) == 4:
        try:
            return date(int(common.group(3)), int(common.group(2)), int(common.group(1)))
        except ValueError as exc:
            raise BadDate(f"{value!r} is not a real date; write it day first, like 23/11/2026") from exc
    parsed = _dayfirst(value)
    if not re.search(r"\d{4}", value):
        if today is None:
            raise BadDate(f"{value!r} has a two-digit year; write the year in full, like 23/11/2026")
        parsed = parsed.replace(year=2000 + parsed.year % 100)
        if parsed > today + timedelta(days=366):
            parsed = parsed.replace(year=parsed.year - 100)
    return parsed


_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")


def _dayfirst(value: str) -> date:
    """Parse day first; refuse anything that lacks a day, a month or a year."""
    from dateutil import parser as dateutil_parser  # here: its import is a twentieth of the app's start

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


def _ascii_digits_only(value: str) -> None:
    # Python reads "٢٣" as 23; a date in another script's digits is refused rather than guessed at (issue 11).
    if any(ch.isdigit() and not ch.isascii() for ch in value):
        raise BadDate(f"{value!r} has digits that are not 0-9; type the date with 0-9, like 23/11/2026")


def parse_local_datetime(text: str, *, now: datetime) -> datetime:
    """Read a time an officer types ("01:40", "23/11/2026 01:40", ISO with or without offset) as UK time.

    A bare time means the most recent such time: at 00:10, "23:50" is last night. The result is UTC.
    """
    value = text.strip()
    if not value:
        raise BadDate("the time is empty")
    _ascii_digits_only(value)
    try:
        clock_time = _TIME.fullmatch(value)
        if clock_time:
            hour, minute, second = _hms(clock_time)
            day = now.astimezone(LONDON).date()
            moment = _london(day, hour, minute, second)
            if moment > now + timedelta(minutes=5):
                moment = _london(day - timedelta(days=1), hour, minute, second)
            return moment
        if re.match(r"^\d{4}-\d{2}-\d{2}", value):
            naive = datetime.fromisoformat(value)
            check_date_bounds(naive.date(), value)
            if naive.tzinfo is None:
                naive = naive.replace(tzinfo=LONDON)
            return naive.astimezone(UTC)
        date_then_time = re.fullmatch(r"(?P<date>.+?)[ T,]+(?P<time>" + _TIME.pattern + ")", value, re.IGNORECASE)
        time_then_date = re.fullmatch(r"(?P<time>" + _TIME.pattern + r")[ ,]+(?P<date>.+)", value, re.IGNORECASE)
        for match in (date_then_time, time_then_date):
            if match:
                day = parse_uk_date(match.group("date"), today=now.astimezone(LONDON).date())
                hour, minute, second = _hms(_TIME.fullmatch(match.group("time")))
                return _london(day, hour, minute, second)
        if re.search(r"\d[:.]\d|[ap]\.?m\b", value, re.IGNORECASE):
            raise BadDate(f"{value!r}: the time could not be read; write it like 23/11/2026 01:40")
        return _london(parse_uk_date(value, today=now.astimezone(LONDON).date()), 0, 0)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, BadDate):
            raise
        raise BadDate(f"{value!r} is not a time; write it like 01:40 or 23/11/2026 01:40") from exc


_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


def _hms(match: re.Match[str] | None) -> tuple[int, int, int]:
    if match is None:
        raise BadDate("the time could not be read")
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise BadDate(f"{match.group(0)!r}: with am or pm the hour runs 1 to 12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BadDate(f"{match.group(0)!r} is not a time of day: hours run 00 to 23, minutes 00 to 59")
    return hour, minute, second


def _london(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=LONDON).astimezone(UTC)


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
