"""Scoring a tabletop exercise (design/exercises.md §2 "Scoring"). Pure: the service supplies what the store says.

Every time here is exercise time as an offset from STARTEX, net of pauses (a paused clock does not move, so
nothing that happens while paused can be late because of the pause).

- An expectation's target: `by` as T+ (absolute) or R+ (after its inject was delivered); without `by`, the
  step's due time for a `step` / `person_item` predicate when the service knows it, else ENDEX.
- States: done (first held at or before the target), late (after it, before ENDEX), missed (never held),
  excused (by the facilitator, with a note), breach (a must_not that held inside its window); a must_not that
  never held is done. While play goes on, one not yet held whose target is still ahead is pending.
- An expectation of an inject that was never delivered (a contingency inject not needed) is left out.
- Objectives: done counts its weight, late half, missed and breach nothing, excused (and pending) are left out
  of the total; met at >= 80 % of the total weight, partially at >= 50 %, else not-met.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from fractions import Fraction
from statistics import median

from contingency.rules.scenario import Expectation, Inject, Scenario

MET_AT = Fraction(80, 100)
PARTIALLY_AT = Fraction(50, 100)


class State(StrEnum):
    DONE = "done"
    LATE = "late"
    MISSED = "missed"
    EXCUSED = "excused"
    BREACH = "breach"
    PENDING = "pending"


class Rating(StrEnum):
    MET = "met"
    PARTIALLY = "partially"
    NOT_MET = "not-met"


@dataclass(frozen=True)
class Window:
    """Where one expectation is judged: from `since` (its inject's delivery, or STARTEX) to `target`."""

    expectation: Expectation
    inject: Inject | None
    since: timedelta
    target: timedelta


@dataclass(frozen=True)
class Outcome:
    window: Window
    state: State
    met_at: timedelta | None  # when it first held (for a breach too); None if it never did

    @property
    def id(self) -> str:
        return self.window.expectation.id

    @property
    def lateness(self) -> timedelta | None:
        if self.state is State.LATE and self.met_at is not None:
            return self.met_at - self.window.target
        return None


@dataclass(frozen=True)
class ObjectiveScore:
    id: str
    text: str
    rating: Rating | None  # None: nothing left to judge it by (all excused, or all still pending)
    earned: Fraction
    total: int
    outcomes: tuple[Outcome, ...]


def windows(scenario: Scenario, delivered: Mapping[str, timedelta],
            step_due: Mapping[str, timedelta] | None = None) -> list[Window]:
    """The window of every expectation still in play: those of injects not delivered are left out.
    `delivered`: inject id -> when it was delivered; `step_due`: expectation id -> its step's due time."""
    step_due = step_due or {}
    endex = scenario.endex
    found = []
    for inject, expectation in scenario.all_expectations():
        if inject is not None and inject.id not in delivered:
            continue
        start = timedelta(0)
        if expectation.must_not:
            limit = expectation.before
            target = _absolute(limit, inject, delivered) if limit is not None else endex
        elif expectation.by is not None:
            target = _absolute(expectation.by, inject, delivered)
        else:
            target = step_due.get(expectation.id, endex)
        found.append(Window(expectation, inject, start, min(target, endex)))
    return found


def _absolute(target, inject: Inject | None, delivered: Mapping[str, timedelta]) -> timedelta:
    if target.relative:
        # The validator refuses R+ outside an inject; an inject's expectation is only judged once delivered.
        assert inject is not None
        return delivered[inject.id] + target.offset
    return target.offset


def judge(window: Window, first_held: timedelta | None, *, now: timedelta, ended: bool,
          excused: bool = False, endex: timedelta) -> Outcome:
    """One expectation's state. `first_held`: when its predicate first held at or after `window.since`
    (for a must_not: first held inside its window, else None); `now`: the exercise clock."""
    if excused:
        return Outcome(window, State.EXCUSED, first_held)
    if window.expectation.must_not:
        if first_held is not None and first_held <= window.target:
            return Outcome(window, State.BREACH, first_held)
        if ended or now > window.target:
            return Outcome(window, State.DONE, None)
        return Outcome(window, State.PENDING, None)
    if first_held is not None and first_held <= window.target:
        return Outcome(window, State.DONE, first_held)
    if first_held is not None and first_held <= endex:
        return Outcome(window, State.LATE, first_held)
    if ended:
        return Outcome(window, State.MISSED, None)
    return Outcome(window, State.PENDING, None)


def rate(scenario: Scenario, outcomes: list[Outcome]) -> list[ObjectiveScore]:
    scores = []
    for objective in scenario.objectives:
        mine = tuple(o for o in outcomes if objective.id in o.window.expectation.objectives)
        counted = [o for o in mine if o.state not in (State.EXCUSED, State.PENDING)]
        total = sum(o.window.expectation.weight for o in counted)
        earned = sum((_earned(o) for o in counted), Fraction(0))
        scores.append(ObjectiveScore(objective.id, objective.text, _rating(earned, total), earned, total, mine))
    return scores


def _earned(outcome: Outcome) -> Fraction:
    weight = outcome.window.expectation.weight
    if outcome.state is State.DONE:
        return Fraction(weight)
    if outcome.state is State.LATE:
        return Fraction(weight, 2)
    return Fraction(0)


def _rating(earned: Fraction, total: int) -> Rating | None:
    if total == 0:
        return None
    share = earned / total
    if share >= MET_AT:
        return Rating.MET
    if share >= PARTIALLY_AT:
        return Rating.PARTIALLY
    return Rating.NOT_MET


@dataclass(frozen=True)
class Measures:
    """The after-action report's headline figures over the expectations judged (not excused or pending)."""

    judged: int
    on_time_percent: int | None
    median_lateness: timedelta | None
    p90_lateness: timedelta | None
    breaches: int


def measures(outcomes: list[Outcome]) -> Measures:
    judged = [o for o in outcomes if o.state not in (State.EXCUSED, State.PENDING) and not o.window.expectation.must_not]
    on_time = sum(1 for o in judged if o.state is State.DONE)
    late = sorted(o.lateness for o in judged if o.lateness is not None)
    return Measures(
        judged=len(judged),
        on_time_percent=round(100 * on_time / len(judged)) if judged else None,
        median_lateness=median(late) if late else None,
        p90_lateness=_percentile(late, 90) if late else None,
        breaches=sum(1 for o in outcomes if o.state is State.BREACH),
    )


def _percentile(ordered: list[timedelta], percent: int) -> timedelta:
    # Nearest rank: a lateness someone actually had, not an interpolated one.
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]
