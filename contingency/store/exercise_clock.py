"""The exercise clock's one row: read by every process on the store, written by the facilitator's commands."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from contingency.rules.exercise_clock import ClockRun, ExerciseClockState
from contingency.rules.times import from_utc_iso, to_utc_iso

if TYPE_CHECKING:
    from contingency.store.store import Store

ENTITY = "exercise-clock"


def _instant(moment: datetime) -> str:
    # To the microsecond, unlike the log's times: a pause and a resume a second apart must not move the clock.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _row(state: ExerciseClockState) -> dict[str, Any]:
    return {"startex": to_utc_iso(state.startex), "wall_anchor": _instant(state.wall_anchor),
            "exercise_anchor": _instant(state.exercise_anchor), "scale_numerator": state.scale.numerator,
            "scale_denominator": state.scale.denominator, "run": state.run.value}


class ExerciseClockRepo:
    def __init__(self, store: Store):
        self.store = store

    def get(self) -> ExerciseClockState | None:
        row = self.store.conn.execute(
            "SELECT startex, wall_anchor, exercise_anchor, scale_numerator, scale_denominator, run "
            "FROM exercise_clock WHERE id = 1").fetchone()
        if row is None:
            return None
        startex, wall_anchor, exercise_anchor, numerator, denominator, run = row
        return ExerciseClockState(startex=from_utc_iso(startex), wall_anchor=from_utc_iso(wall_anchor),
                                  exercise_anchor=from_utc_iso(exercise_anchor),
                                  scale=Fraction(numerator, denominator), run=ClockRun(run))

    def save(self, state: ExerciseClockState, *, action: str, reason: str | None = None) -> None:
        """Set or move the clock; `action` (start, pause, resume, jump, stop, endex) is what the log says."""
        with self.store.write(reason) as tx:
            if self.get() is None:
                tx.insert(ENTITY, "exercise_clock", {"id": 1, **_row(state)}, reason=reason)
            else:
                tx.update(ENTITY, "exercise_clock", 1, _row(state), reason=reason, action=action)
