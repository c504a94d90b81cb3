"""The one source of "now". Everything that needs the time takes a Clock, so tests can freeze it.

A whole process can be pinned to one instant with `CONTINGENCY_NOW` (an ISO time with its offset, e.g.
`CONTINGENCY_NOW=2026-11-23T02:00:00+00:00`). It exists for tests and rehearsals: a store opened with a
pinned clock must be an EXERCISE store, because a live log must never carry invented times
(`open_store` refuses it). Exercises set their clock through the same seam.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]

PIN_VARIABLE = "CONTINGENCY_NOW"


class ClockPinError(ValueError):
    """CONTINGENCY_NOW is set but is not a time this app can run on."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    if at.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware time")
    return lambda: at


class PinnedClock:
    """A fixed clock that says it was pinned from outside, so a live store can refuse it."""

    invented = True

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def __repr__(self) -> str:
        return f"PinnedClock({self.at.isoformat()})"


def is_invented(clock: Clock) -> bool:
    return bool(getattr(clock, "invented", False))


def parse_pin(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockPinError(f"{PIN_VARIABLE}={text!r} is not a time; give an ISO time with its offset, "
                            "e.g. 2026-11-23T02:00:00+00:00") from None
    if at.tzinfo is None:
        raise ClockPinError(f"{PIN_VARIABLE}={text!r} has no offset; add one, e.g. +00:00 for UTC")
    return at.astimezone(UTC)


def process_clock(environ: dict[str, str] | None = None) -> Clock:
    """The clock for this process: pinned by CONTINGENCY_NOW when it is set, the system clock otherwise."""
    text = (os.environ if environ is None else environ).get(PIN_VARIABLE, "")
    return PinnedClock(parse_pin(text)) if text.strip() else system_clock


class ExerciseClock:
    """An exercise store's clock: story time computed from the store's exercise-clock row
    (contingency.rules.exercise_clock), or `wall` itself while no exercise has started on the store.

    `read_state` returns the row (or None); `version` changes whenever the store may have changed, whoever
    wrote it, so the row is read again only then: a pause in the facilitator's terminal reaches the players'
    next look at the clock, and a screen asking the time a thousand times a paint costs one query.
    """

    invented = True  # story time: a live store must never run on it

    def __init__(self, read_state: Callable[[], object | None], version: Callable[[], object], wall: Clock) -> None:
        self._read_state = read_state
        self._version = version
        self.wall = wall
        self._seen: object = object()
        self._state: object | None = None

    def state(self):
        version = self._version()
        if version != self._seen:
            self._state, self._seen = self._read_state(), version
        return self._state

    def __call__(self) -> datetime:
        from contingency.rules.exercise_clock import exercise_now

        state = self.state()
        wall = self.wall()
        return wall if state is None else exercise_now(state, wall)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"ExerciseClock(wall={self.wall!r})"
