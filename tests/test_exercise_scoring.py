"""Scoring by exercises.md §2: done / late / missed / excused / breach, targets T+ and R+, objective ratings."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest

from contingency.rules.exercise_scoring import Rating, State, judge, measures, rate, windows
from contingency.rules.scenario import parse_scenario

SCENARIO = """
[scenario]
id = "scoring"
title = "A short scenario for the scoring rules"
version = "1.0.0"
host_authority = "Coventry"
startex = "2027-03-05T22:40"
duration = "4:00"

[[objectives]]
id = "O1"
text = "Classify correctly and on time"

[[objectives]]
id = "O2"
text = "Keep people safe"

[[injects]]
id = "I1"
at = "T+0:00"
channel = "phone"
from = "Administrator"
text = "We trade on."

[[injects.expected]]
id = "E1"
text = "A decision is logged"
when = { decision = "trade on" }
by = "R+0:20"
weight = 2
objectives = ["O1"]

[[injects]]
id = "I2"
at = "T+1:10"
channel = "email"
from = "Administrator"
text = "We have stopped."

[[injects.expected]]
id = "E2"
text = "s.48 is active"
when = { classification = "section-48-active" }
by = "R+0:20"
objectives = ["O1"]

[[injects]]
id = "I3"
at = "T+2:00"
channel = "phone"
from = "Nurse"
text = "Nobody can give the insulin."
condition = { missing = "E2" }

[[injects.expected]]
id = "E3"
text = "Insulin covered"
when = { manual = true }
objectives = ["O2"]

[[expected]]
id = "E0"
text = "s.48 not declared while the administrator trades on"
when = { classification = "section-48-active" }
before = "T+1:10"
must_not = true
weight = 3
objectives = ["O1"]

[[expected]]
id = "E4"
text = "RED people confirmed safe"
when = { manual = true }
by = "T+3:10"
objectives = ["O2"]
"""


def scenario():
    parsed, problems = parse_scenario(tomllib.loads(SCENARIO), file="scoring.toml", expected_id="scoring")
    assert not problems, problems
    return parsed


def hm(h: int, m: int) -> timedelta:
    return timedelta(hours=h, minutes=m)


def by_id(items):
    return {w.expectation.id: w for w in items}


def test_targets_read_r_from_the_delivery_and_leave_out_undelivered_injects():
    found = by_id(windows(scenario(), {"I1": hm(0, 0), "I2": hm(1, 25)}))
    assert set(found) == {"E1", "E2", "E0", "E4"}, "I3 (a contingency inject) was never delivered"
    assert found["E1"].target == hm(0, 20)
    assert found["E2"].target == hm(1, 45), "R+ counts from when I2 was delivered (late, at 1:25), not planned"
    assert found["E0"].target == hm(1, 10), "a must_not's window ends at `before`"
    assert found["E4"].target == hm(3, 10)


def test_an_expectation_without_by_falls_to_its_step_due_time_or_endex():
    found = by_id(windows(scenario(), {"I1": hm(0, 0), "I2": hm(1, 10), "I3": hm(2, 0)}, step_due={}))
    assert found["E3"].target == hm(4, 0)


@pytest.mark.parametrize(("held", "now", "ended", "state"), [
    (hm(0, 12), hm(0, 30), False, State.DONE),
    (hm(0, 20), hm(0, 30), False, State.DONE),      # at the target is on time
    (hm(0, 21), hm(0, 30), False, State.LATE),
    (None, hm(0, 10), False, State.PENDING),
    (None, hm(0, 30), False, State.PENDING),        # past its target but play goes on: it may yet be late
    (None, hm(4, 0), True, State.MISSED),
])
def test_judging_one_expectation(held, now, ended, state):
    window = by_id(windows(scenario(), {"I1": hm(0, 0)}))["E1"]
    assert judge(window, held, now=now, ended=ended, endex=hm(4, 0)).state is state


def test_a_must_not_is_a_breach_inside_its_window_and_done_once_the_window_closes():
    window = by_id(windows(scenario(), {}))["E0"]
    breach = judge(window, hm(0, 40), now=hm(0, 41), ended=False, endex=hm(4, 0))
    assert (breach.state, breach.met_at) == (State.BREACH, hm(0, 40))
    assert judge(window, None, now=hm(1, 0), ended=False, endex=hm(4, 0)).state is State.PENDING
    assert judge(window, None, now=hm(1, 11), ended=False, endex=hm(4, 0)).state is State.DONE
    # held only after the window closed (s.48 rightly declared at 1:15): the evaluator reports no hold inside
    assert judge(window, None, now=hm(4, 0), ended=True, endex=hm(4, 0)).state is State.DONE


def test_excused_is_left_out_of_the_rating_and_late_counts_half():
    s = scenario()
    ws = by_id(windows(s, {"I1": hm(0, 0), "I2": hm(1, 10)}))
    end = hm(4, 0)
    outcomes = [
        judge(ws["E1"], hm(0, 30), now=end, ended=True, endex=end),     # late: 1 of 2
        judge(ws["E2"], hm(1, 15), now=end, ended=True, endex=end),     # done: 1 of 1
        judge(ws["E0"], None, now=end, ended=True, endex=end),          # done: 3 of 3
        judge(ws["E4"], None, now=end, ended=True, excused=True, endex=end),
    ]
    scores = {o.id: o for o in rate(s, outcomes)}
    assert (scores["O1"].earned, scores["O1"].total) == (5, 6)
    assert scores["O1"].rating is Rating.MET, "5/6 = 83 %"
    assert scores["O2"].rating is None, "its only expectation judged so far was excused"


@pytest.mark.parametrize(("late", "rating"), [(0, Rating.MET), (2, Rating.PARTIALLY), (3, Rating.NOT_MET)])
def test_ratings_at_80_and_50_percent(late, rating):
    s = scenario()
    ws = by_id(windows(s, {"I1": hm(0, 0), "I2": hm(1, 10)}))
    end = hm(4, 0)
    # O1 weighs 6 (E1 2, E2 1, E0 3): all on time is 6/6; E1 missed is 4/6 (67 %); E1 and E2 missed with a
    # breach of E0 is 0/6
    e1 = judge(ws["E1"], None if late >= 2 else hm(0, 10), now=end, ended=True, endex=end)
    e0 = judge(ws["E0"], hm(0, 5) if late == 3 else None, now=end, ended=True, endex=end)
    e2 = judge(ws["E2"], hm(1, 15) if late < 3 else None, now=end, ended=True, endex=end)
    [o1] = [o for o in rate(s, [e1, e2, e0]) if o.id == "O1"]
    assert o1.rating is rating


def test_measures_count_on_time_and_lateness():
    s = scenario()
    ws = by_id(windows(s, {"I1": hm(0, 0), "I2": hm(1, 10)}))
    end = hm(4, 0)
    outcomes = [judge(ws["E1"], hm(0, 50), now=end, ended=True, endex=end),
                judge(ws["E2"], hm(1, 20), now=end, ended=True, endex=end),
                judge(ws["E4"], hm(3, 20), now=end, ended=True, endex=end),
                judge(ws["E0"], hm(0, 30), now=end, ended=True, endex=end)]
    m = measures(outcomes)
    assert (m.judged, m.on_time_percent, m.breaches) == (3, 33, 1)
    # late by 0:30 (E1) and 0:10 (E4): the median between them, the 90th percentile the worse one
    assert (m.median_lateness, m.p90_lateness) == (hm(0, 20), hm(0, 30))
