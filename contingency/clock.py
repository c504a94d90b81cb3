"""The one source of "now". Everything that needs the time takes a Clock, so tests can freeze it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    if at.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware time")
    return lambda: at
