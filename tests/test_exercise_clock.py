"""Issue 14, first step: the exercise clock runs scaled, pauses, resumes and jumps, the same in every process."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from contingency.clock import ExerciseClock, fixed_clock
from contingency.models import StoreKind
from contingency.rules import exercise_clock as ec
from contingency.rules.exercise_clock import ClockRefusal, ClockRun
from contingency.store import open_store

STARTEX = datetime(2027, 3, 5, 22, 40, tzinfo=UTC)
WALL = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_the_clock_runs_scale_times_faster_than_the_wall():
    state = ec.start(STARTEX, WALL, 3)
    assert ec.exercise_now(state, WALL) == STARTEX
    assert ec.exercise_now(state, WALL + minutes(10)) == STARTEX + minutes(30)
    assert ec.format_t(ec.offset(state, ec.exercise_now(state, WALL + minutes(23) + timedelta(seconds=20)))) == "T+1:10"


def test_a_fractional_scale_is_exact():
    state = ec.start(STARTEX, WALL, Fraction(1, 3))
    assert ec.exercise_now(state, WALL + minutes(30)) == STARTEX + minutes(10)


@pytest.mark.parametrize("pause_for", [timedelta(seconds=1), minutes(7), timedelta(days=3)])
def test_a_pause_of_any_length_moves_no_clock(pause_for):
    state = ec.start(STARTEX, WALL, 4)
    paused = ec.pause(state, WALL + minutes(5))
    assert paused.run is ClockRun.PAUSED
    assert ec.exercise_now(paused, WALL + minutes(5) + pause_for) == STARTEX + minutes(20)
    resumed = ec.resume(paused, WALL + minutes(5) + pause_for)
    # five wall minutes after resuming is where five wall minutes after the pause would have been
    assert ec.exercise_now(resumed, WALL + minutes(10) + pause_for) == ec.exercise_now(state, WALL + minutes(10))


def test_a_jump_moves_forward_only_and_works_while_paused():
    state = ec.pause(ec.start(STARTEX, WALL, 2), WALL + minutes(15))
    jumped = ec.jump(state, WALL + minutes(20), ec.timedelta(hours=1, minutes=30))
    assert jumped.run is ClockRun.PAUSED, "a jump leaves a paused clock paused"
    assert ec.exercise_now(jumped, WALL + minutes(90)) == STARTEX + minutes(30 + 90)
    with pytest.raises(ClockRefusal, match="forward only"):
        ec.jump(jumped, WALL, timedelta(0))
    running = ec.jump(ec.start(STARTEX, WALL, 2), WALL + minutes(10), minutes(60))
    assert ec.exercise_now(running, WALL + minutes(10)) == STARTEX + minutes(80)
    assert ec.exercise_now(running, WALL + minutes(11)) == STARTEX + minutes(82)


def test_stop_and_endex_freeze_the_clock_for_good():
    state = ec.start(STARTEX, WALL, 3)
    stopped = ec.finish(state, WALL + minutes(10), ClockRun.STOPPED)
    assert ec.exercise_now(stopped, WALL + timedelta(hours=5)) == STARTEX + minutes(30)
    for verb in (ec.pause, ec.resume):
        with pytest.raises(ClockRefusal, match="stopped"):
            verb(stopped, WALL)
    with pytest.raises(ClockRefusal, match="ended"):
        ec.jump(ec.finish(state, WALL, ClockRun.ENDED), WALL, minutes(5))


def test_pausing_twice_or_resuming_a_running_clock_says_so():
    state = ec.start(STARTEX, WALL)
    with pytest.raises(ClockRefusal, match="already running"):
        ec.resume(state, WALL)
    with pytest.raises(ClockRefusal, match="already paused"):
        ec.pause(ec.pause(state, WALL), WALL)


def test_a_wall_clock_stepped_back_never_runs_story_time_backwards():
    state = ec.start(STARTEX, WALL, 3)
    assert ec.exercise_now(state, WALL - minutes(5)) == STARTEX


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(0), "T+0:00"), (minutes(70), "T+1:10"), (timedelta(hours=12), "T+12:00"),
    (-timedelta(hours=600), "T-600:00"), (minutes(5) + timedelta(seconds=59), "T+0:05"),
])
def test_exercise_times_are_written_as_the_scenario_file_writes_them(delta, text):
    assert ec.format_t(delta) == text


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_every_process_on_the_store_reads_the_same_story_time(tmp_path):
    wall = Wall(WALL)
    facilitator = open_store(tmp_path / "ex.db", officer="Facilitator", clock=wall, create=StoreKind.EXERCISE)
    player = open_store(tmp_path / "ex.db", officer="Player", clock=wall)
    assert isinstance(player.clock, ExerciseClock)
    assert player.clock() == WALL, "before STARTEX an exercise store runs on the wall clock"

    facilitator.exercise_clock.save(ec.start(STARTEX, wall(), 3), action="start")
    wall.at = WALL + minutes(10)
    assert player.clock() == facilitator.clock() == STARTEX + minutes(30)

    facilitator.exercise_clock.save(ec.pause(facilitator.exercise_clock.get(), wall()), action="pause")
    wall.at = WALL + timedelta(hours=2)
    assert player.clock() == STARTEX + minutes(30), "the facilitator's pause freezes the player's clock too"

    player_entry_at = player.clock()
    with player.write("noted while paused") as tx:
        tx.record("note", 1, "create", after={"text": "stamped with the paused exercise time"})
    last = sqlite3.connect(tmp_path / "ex.db").execute("SELECT at FROM event_log ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert datetime.fromisoformat(last) == player_entry_at


def test_a_store_opened_from_another_stores_clock_does_not_scale_twice(tmp_path):
    wall = Wall(WALL)
    first = open_store(tmp_path / "ex.db", officer="Facilitator", clock=wall, create=StoreKind.EXERCISE)
    first.exercise_clock.save(ec.start(STARTEX, wall(), 3), action="start")
    second = open_store(tmp_path / "ex.db", officer="Worker", clock=first.clock)  # as a worker thread does
    wall.at = WALL + minutes(10)
    assert second.clock() == first.clock() == STARTEX + minutes(30)


def test_a_live_store_can_never_hold_an_exercise_clock(tmp_path):
    live = open_store(tmp_path / "live.db", officer="Duty officer", clock=fixed_clock(WALL), create=StoreKind.LIVE)
    assert not isinstance(live.clock, ExerciseClock)
    with pytest.raises(sqlite3.IntegrityError, match="only be set on an exercise store"):
        live.exercise_clock.save(ec.start(STARTEX, WALL), action="start")
    assert live.exercise_clock.get() is None


def test_log_entries_on_the_exercise_clock_keep_the_wall_time_too_and_it_is_hashed(tmp_path):
    wall = Wall(WALL)
    store = open_store(tmp_path / "ex.db", officer="Facilitator", clock=wall, create=StoreKind.EXERCISE)
    with store.write("before STARTEX") as tx:
        tx.record("note", 1, "create", after={"text": "wall time only"})
    store.exercise_clock.save(ec.start(STARTEX, wall(), 3), action="start")
    wall.at = WALL + minutes(10)
    with store.write("in play") as tx:
        tx.record("note", 2, "create", after={"text": "story time, wall time beside it"})
    raw = sqlite3.connect(tmp_path / "ex.db")
    rows = raw.execute("SELECT entity_id, at, wall_at FROM event_log WHERE entity = 'note' ORDER BY seq").fetchall()
    assert rows[0][2] is None, "outside an exercise the entry's time is the wall time"
    assert (datetime.fromisoformat(rows[1][1]), datetime.fromisoformat(rows[1][2])) == (
        STARTEX + minutes(30), WALL + minutes(10))
    assert store.verify_log().ok
    raw.execute("DROP TRIGGER event_log_is_append_only")
    raw.execute("UPDATE event_log SET wall_at = ? WHERE entity = 'note' AND entity_id = '2'",
                [(WALL + minutes(99)).isoformat()])
    raw.commit()
    assert not open_store(tmp_path / "ex.db", officer="Auditor", clock=wall).verify_log().ok
