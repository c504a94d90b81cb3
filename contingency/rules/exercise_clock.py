"""The exercise clock: story time that runs `scale` times faster than the wall, pauses, resumes and jumps.

Pure arithmetic over a small state held in the exercise store, so every process on the store (the
facilitator's terminal, the players', the CLI) computes the same "now" from the same row (exercises.md §3).
The state is an anchor pair (a wall instant and the exercise instant it stood for) plus whether the clock
runs: while running, exercise time = anchor + (wall - wall anchor) x scale; while paused, stopped or ended
it stays at the anchor, so a pause of any length moves no clock, due time or score. A jump moves the anchor
forward; targets are exercise times and do not move with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction


class ClockRun(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"  # the stop codeword: play ended at once, not by the script
    ENDED = "ended"      # ENDEX


class ClockRefusal(ValueError):
    """What the facilitator asked cannot be done to the clock as it is; the message says why."""


@dataclass(frozen=True)
class ExerciseClockState:
    startex: datetime          # the story's instant at T+0:00 (aware)
    wall_anchor: datetime      # a wall-clock instant (aware) ...
    exercise_anchor: datetime  # ... and the exercise instant it stood for
    scale: Fraction            # exercise minutes per wall minute
    run: ClockRun

    def __post_init__(self) -> None:
        for name in ("startex", "wall_anchor", "exercise_anchor"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")
        if self.scale <= 0:
            raise ValueError("the time scale must be above zero")

    @property
    def ticking(self) -> bool:
        return self.run is ClockRun.RUNNING


def start(startex: datetime, wall: datetime, scale: Fraction | int = 1, *, paused: bool = False) -> ExerciseClockState:
    """STARTEX: the clock shows T+0:00 at `wall`, running unless `paused`."""
    return ExerciseClockState(startex=startex, wall_anchor=wall, exercise_anchor=startex, scale=Fraction(scale),
                              run=ClockRun.PAUSED if paused else ClockRun.RUNNING)


def exercise_now(state: ExerciseClockState, wall: datetime) -> datetime:
    if not state.ticking:
        return state.exercise_anchor
    elapsed = max(wall - state.wall_anchor, timedelta(0))  # a wall clock stepped back never runs time backwards
    return state.exercise_anchor + _scaled(elapsed, state.scale)


def pause(state: ExerciseClockState, wall: datetime) -> ExerciseClockState:
    _must_be_in_play(state, "pause")
    if state.run is ClockRun.PAUSED:
        raise ClockRefusal("the exercise is already paused")
    return replace(state, wall_anchor=wall, exercise_anchor=exercise_now(state, wall), run=ClockRun.PAUSED)


def resume(state: ExerciseClockState, wall: datetime) -> ExerciseClockState:
    _must_be_in_play(state, "resume")
    if state.run is ClockRun.RUNNING:
        raise ClockRefusal("the exercise is already running")
    return replace(state, wall_anchor=wall, run=ClockRun.RUNNING)


def jump(state: ExerciseClockState, wall: datetime, by: timedelta) -> ExerciseClockState:
    """Forward only; allowed while paused (exercises.md §3), and the clock stays as it was, paused or running."""
    _must_be_in_play(state, "jump")
    if by <= timedelta(0):
        raise ClockRefusal("a jump goes forward only: give a duration above 0:00, e.g. 1:30")
    return replace(state, wall_anchor=wall, exercise_anchor=exercise_now(state, wall) + by)


def finish(state: ExerciseClockState, wall: datetime, how: ClockRun) -> ExerciseClockState:
    """Stop (the codeword) or ENDEX: the clock freezes where it is and play cannot resume."""
    if how not in (ClockRun.STOPPED, ClockRun.ENDED):
        raise ValueError(f"finish with stopped or ended, not {how}")
    _must_be_in_play(state, "end")
    return replace(state, wall_anchor=wall, exercise_anchor=exercise_now(state, wall), run=how)


def offset(state: ExerciseClockState, at: datetime) -> timedelta:
    """How far `at` is from STARTEX: the T+ of an exercise instant."""
    return at - state.startex


def _must_be_in_play(state: ExerciseClockState, verb: str) -> None:
    if state.run in (ClockRun.STOPPED, ClockRun.ENDED):
        raise ClockRefusal(f"cannot {verb}: the exercise has {'been stopped' if state.run is ClockRun.STOPPED else 'ended'}")


def _scaled(elapsed: timedelta, scale: Fraction) -> timedelta:
    # Whole microseconds, so the same inputs give the same instant in every process.
    micros = elapsed // timedelta(microseconds=1)
    return timedelta(microseconds=int(micros * scale))


# --- shown as the scenario file writes it (exercises.md §2) --------------------------------------------------

def format_t(delta: timedelta) -> str:
    """T+1:10, T-600:00; seconds are dropped (towards STARTEX's minute), never rounded up into the future."""
    sign = "-" if delta < timedelta(0) else "+"
    minutes = int(abs(delta).total_seconds() // 60)
    return f"T{sign}{minutes // 60}:{minutes % 60:02d}"
