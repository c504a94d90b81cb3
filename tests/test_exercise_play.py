"""Issue 14: an exercise plays on its own clock: injects on time, a contingency inject delivered or not, a late
step, a breach, an excused expectation, pause and jump, and the scores `report --json` is built from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contingency.services import exercises as ex
from contingency.services.decisions import record_decision
from contingency.services.errors import BadInput
from contingency.services.incidents import change_facts
from contingency.store import open_store

WALL = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)

SCENARIO = """
[scenario]
id = "short"
title = "A short scenario written in the test"
version = "1.0.0"
host_authority = "Coventry"
startex = "2027-03-05T22:40"
duration = "4:00"
time_scale = 2

[[objectives]]
id = "O1"
text = "Classify and decide in time"

[[objectives]]
id = "O2"
text = "Keep people safe and advice free"

[incident]
provider = "Testbrook Homes Ltd"
service = "care-home"
area = "Coventry"
event = "cqc-s56-notice"
aware_at = "T-48:00"

[[injects]]
id = "I1"
at = "T+0:00"
channel = "phone"
from = "Nurse in charge"
text = "Wages are unpaid; four staff for forty residents."

[[injects.expected]]
id = "E1"
text = "A staffing decision is logged"
when = { decision = "staffing" }
by = "R+0:20"
objectives = ["O1"]

[[injects]]
id = "I2"
at = "T+1:00"
channel = "email"
from = "Administrator"
text = "We have stopped operating the home."

[[injects.expected]]
id = "E2"
text = "Section 48 is active"
when = { classification = "section-48-active" }
by = "R+0:20"
objectives = ["O1"]

[[injects]]
id = "I3"
at = "T+2:00"
channel = "phone"
from = "Administrator"
text = "Has anyone declared s.48 yet?"
condition = { missing = "E2" }

[[injects]]
id = "I4"
at = "T+2:30"
channel = "phone"
from = "Night nurse"
text = "Nobody can give the insulin."
condition = { missing = "E5" }

[[expected]]
id = "E0"
text = "No s.48 before the administrator stops"
when = { classification = "section-48-active" }
before = "T+1:00"
must_not = true
objectives = ["O1"]

[[expected]]
id = "E5"
text = "Insulin covered for every resident who needs it"
when = { manual = true }
by = "T+3:00"
objectives = ["O2"]

[[expected]]
id = "E6"
text = "Advice is never charged"
when = { decision = "charge for advice" }
must_not = true
weight = 2
objectives = ["O2"]
"""


class Wall:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def run(self, exercise_minutes: int, scale: int = 2) -> None:
        self.at += timedelta(minutes=exercise_minutes / scale)


@pytest.fixture
def played(tmp_path):
    scenario = tmp_path / "short.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    wall = Wall(WALL)
    started = ex.start(scenario, tmp_path / "short.db", officer="Facilitator", wall=wall)
    return started, wall


def test_the_store_knows_an_exercise_was_started_without_its_exercise_module(played, tmp_path):
    from contingency.models import StoreKind
    from contingency.services.lookups import has_run
    from contingency.store import open_store

    started, _wall = played
    assert has_run(started.store) and started.store.exercises.run() is not None
    fresh = open_store(tmp_path / "fresh.db", officer="Facilitator", create=StoreKind.EXERCISE)
    assert not has_run(fresh) and fresh.exercises.run() is None


def states(store) -> dict[str, tuple[str, str | None]]:
    return {o.id: (o.state.value, ex.state_of(o)["met_at"]) for o in ex.scores(store).outcomes}


def test_a_short_scenario_plays_to_endex_with_every_state(played, tmp_path):
    started, wall = played
    store = started.store
    incident_id = started.incident_id
    status = ex.status(store)
    assert (status["clock"], status["state"]) == ("T+0:00", "running")
    assert [d["id"] for d in status["delivered"]] == ["I1"], "the T+0:00 inject is delivered at STARTEX"
    assert store.incidents.get(incident_id).classification.value == "warning"

    wall.run(10)
    record_decision(store, incident_id, decision="Agency staffing tonight", rationale="Four staff is unsafe")
    wall.run(50)   # T+1:00: I2 arrives
    assert [d["id"] for d in ex.status(store)["delivered"]] == ["I1", "I2"]
    wall.run(40)   # T+1:40: s.48 declared, twenty minutes late
    change_facts(store, incident_id, reason="administrator stopped operating the home", event_key="administration")
    assert store.incidents.get(incident_id).classification.value == "section-48-active"
    wall.run(30)   # T+2:10: I3 was not needed (E2 held at 1:40)
    record_decision(store, incident_id, decision="We will charge for advice to self-funders",
                    rationale="A test of the breach")
    delivered = {d["id"]: d for d in ex.status(store)["delivered"]}
    assert delivered["I3"]["how"] == "not-needed" and delivered["I3"]["delivered_at"] is None

    ex.pause(store)
    wall.at += timedelta(hours=9)  # a long pause: no clock moves, nothing falls due
    assert ex.status(store)["clock"] == "T+2:10"
    paused_scores = states(store)
    ex.resume(store)
    assert states(store) == paused_scores, "a pause of any length changes no score"

    arrived = ex.jump(store, timedelta(minutes=30))  # T+2:40: I4 (2:30) passed over, E5 still unmet
    assert [(d.inject_id, d.how) for d in arrived] == [("I4", "while-away")]
    assert ex.status(store)["delivered"][-1]["delivered_at"] == "T+2:40"
    assert ex.jump(store, timedelta(minutes=5)) == [], "a jump delivers each passed inject once"

    ex.mark(store, "E5", met=False, note="The facilitator forgot to play the pharmacist")
    wall.run(200)  # past ENDEX: the clock stops there
    final = ex.status(store)
    assert (final["clock"], final["state"]) == ("T+4:00", "ended")

    result = ex.scores(store)
    assert states(store) == {
        "E1": ("done", "T+0:10"), "E2": ("late", "T+1:40"), "E0": ("done", None),
        "E5": ("excused", None), "E6": ("breach", "T+2:10"),
    }
    ratings = {o.id: o.rating.value for o in result.objectives}
    assert ratings == {"O1": "met", "O2": "not-met"}, "O1 2.5 of 3; O2's only judged expectation breached"
    assert result.measures.breaches == 1


def test_the_log_and_rows_carry_exercise_time(played, tmp_path):
    started, wall = played
    store = started.store
    wall.run(30)
    decision = record_decision(store, started.incident_id, decision="Open the rest centre", rationale="Cold night")
    assert decision.logged_at == datetime(2027, 3, 5, 23, 10, tzinfo=UTC), "T+0:30 on the story's night (GMT)"


def test_a_second_terminal_on_the_store_sees_the_same_clock_and_delivers_nothing_twice(played, tmp_path):
    started, wall = played
    player = open_store(tmp_path / "short.db", officer="Player", clock=wall)
    wall.run(70)
    assert ex.catch_up(player) and ex.catch_up(started.store) == []
    ex.pause(started.store)
    assert ex.status(player)["state"] == "paused"
    assert [d["id"] for d in ex.status(player)["delivered"]] == ["I1", "I2"]


def test_a_terminal_looking_during_a_jump_cannot_deliver_what_the_jump_passed_over_on_time(played, tmp_path,
                                                                                           monkeypatch):
    """The facilitator's jump and a player's look at the clock at the same moment: the player's terminal sees
    the clock either before the jump (nothing due) or after it with what it passed over already delivered
    "while you were away", never the new time with I4 still to deliver on time."""
    started, wall = played
    player = open_store(tmp_path / "short.db", officer="Player", clock=wall)
    wall.run(130)  # T+2:10
    ex.catch_up(started.store)
    save = started.store.exercise_clock.save
    seen = []

    def save_then_player_looks(state, **kwargs):
        save(state, **kwargs)
        seen.append((ex.status(player)["clock"], ex.catch_up(player)))

    monkeypatch.setattr(started.store.exercise_clock, "save", save_then_player_looks)
    arrived = ex.jump(started.store, timedelta(minutes=30))
    assert seen == [("T+2:10", [])], "the player still sees the time before the jump until it is whole"
    assert [(d.inject_id, d.how) for d in arrived] == [("I4", "while-away")]
    assert {d.inject_id: d.how for d in player.exercises.deliveries()}["I4"] == "while-away"
    arrival = started.store.log.for_entity("exercise-inject", "I4")
    assert [e.at for e in arrival] == [datetime(2027, 3, 6, 1, 20, tzinfo=UTC)], "logged at T+2:40, its arrival"


def test_two_terminals_reaching_endex_at_once_end_play_once(played, tmp_path, monkeypatch):
    started, wall = played
    player = open_store(tmp_path / "short.db", officer="Player", clock=wall)
    wall.run(250)  # past ENDEX (T+4:00)
    due = ex._due

    def facilitator_ends_first(store, play, **kwargs):
        if store is player:  # the player has read the clock running; the facilitator's look ends play
            ex.catch_up(started.store)
            wall.run(2)
        return due(store, play, **kwargs)

    monkeypatch.setattr(ex, "_due", facilitator_ends_first)
    ex.catch_up(player)
    ends = [e for e in started.store.log.for_entity("exercise-clock", 1) if e.action == "endex"]
    assert len(ends) == 1, "play ends once, by whichever terminal looked first"
    assert ex.status(player)["clock"] == "T+4:00"


def test_the_stop_codeword_ends_play_at_once(played):
    started, wall = played
    with pytest.raises(BadInput, match="NO DUFF"):
        ex.stop(started.store, "stop please")
    ex.stop(started.store, "no duff")
    assert ex.status(started.store)["state"] == "stopped"
    with pytest.raises(BadInput, match="stopped"):
        ex.jump(started.store, timedelta(minutes=10))


def test_an_exercise_starts_only_on_a_new_store(played, tmp_path):
    with pytest.raises(BadInput, match="already exists"):
        ex.start(tmp_path / "short.toml", tmp_path / "short.db", officer="Facilitator")


def test_the_log_verifies_after_play_and_catches_an_edited_delivery(played, tmp_path):
    import sqlite3

    started, wall = played
    wall.run(70)
    ex.pause(started.store)
    ex.mark(started.store, "E5", met=True, note="Seen on the phone")
    assert started.store.verify_log().ok
    raw = sqlite3.connect(tmp_path / "short.db")
    raw.execute("UPDATE exercise_deliveries SET how = 'by-hand' WHERE inject_id = 'I2'")
    raw.commit()
    assert not open_store(tmp_path / "short.db", officer="Auditor", clock=wall).verify_log().ok


def test_a_warning_that_becomes_s48_takes_a_new_awareness_time_and_keeps_the_warnings(played):
    """s.52(1), brief rule 6: the duty starts when we became aware of the business failure; the s.56 warning's
    own awareness time (two days before STARTEX here) is kept beside it."""
    started, wall = played
    store = started.store
    before = store.incidents.get(started.incident_id).facts.aware_at
    wall.run(100)  # T+1:40
    change_facts(store, started.incident_id, reason="administrator stopped operating", event_key="administration")
    facts = store.incidents.get(started.incident_id).facts
    assert facts.aware_at == datetime(2027, 3, 6, 0, 20, tzinfo=UTC), "T+1:40: the duty starts now"
    assert facts.warning_aware_at == before == datetime(2027, 3, 3, 22, 40, tzinfo=UTC)
    assert store.verify_log().ok


def test_an_officer_given_failure_awareness_time_is_kept(played):
    started, wall = played
    store = started.store
    wall.run(100)
    told_at = datetime(2027, 3, 6, 0, 5, tzinfo=UTC)
    change_facts(store, started.incident_id, reason="the administrator rang at 00:05", event_key="administration",
                 aware_at=told_at)
    facts = store.incidents.get(started.incident_id).facts
    assert (facts.aware_at, facts.warning_aware_at) == (told_at, datetime(2027, 3, 3, 22, 40, tzinfo=UTC))


def test_the_facilitator_keeps_the_true_copy(tmp_path, demo_cli):
    """Players import the generated list (with its defects); the facilitator can print or write the truth."""
    import csv
    import stat

    from tests.conftest import as_json, ok

    scenario = tmp_path / "short.toml"
    scenario.write_text(SCENARIO.replace("[[injects]]", '[roster]\nseed = 7\nsize = 4\nservice = "care-home"\n'
                                         'funding = { own-council = 3, self-funded = 1 }\n'
                                         'defects = ["missing-dob:1"]\n\n[[injects]]', 1), encoding="utf-8")
    db = tmp_path / "short.db"
    ex.start(scenario, db, officer="Facilitator", wall=Wall(WALL))
    truth = as_json(demo_cli("--db", str(db), "exercise", "truth", "--json"))
    assert len(truth) == 4 and all(p["date_of_birth"] for p in truth), "the truth has every date of birth"
    assert sorted(p["funding"] for p in truth).count("self-funded") == 1
    out = tmp_path / "truth.csv"
    ok(demo_cli("--db", str(db), "exercise", "truth", "--out", str(out)))
    with out.open(encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == 4
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_an_attachment_is_found_beside_a_scenario_kept_anywhere(tmp_path):
    folder = tmp_path / "our-scenarios"
    folder.mkdir()
    (folder / "handover-note.txt").write_text("The night manager's notes", encoding="utf-8")
    scenario = folder / "short.toml"
    scenario.write_text(SCENARIO.replace('text = "Wages are unpaid; four staff for forty residents."',
                                         'text = "Wages are unpaid; four staff for forty residents."\n'
                                         'attachment = "handover-note.txt"'), encoding="utf-8")
    started = ex.start(scenario, tmp_path / "short.db", officer="Facilitator", wall=Wall(WALL))
    (first,) = [d for d in started.store.exercises.deliveries() if d.inject_id == "I1"]
    assert first.attachment == str(folder.resolve() / "handover-note.txt")
