"""Issue 14: defects found playing the shipped scenarios through in tmux at 80x24, each pinned by a test.

- a `letter = "la:X"` / `"icb:X"` predicate named the body by a code the notification register does not use, so
  it never held (and the ICB one raised, which froze the facilitator's board);
- a `decision` expectation of an inject was met by a decision logged before the inject arrived;
- the facilitator's scores worker died silently on an unexpected error, leaving a stale board.
"""

from __future__ import annotations

import asyncio

import pytest

from contingency.services import exercises as ex
from contingency.services.decisions import record_decision
from contingency.services.notifications import recipient_ref
from contingency.store import open_store
from contingency.tui.app import ContingencyApp
from contingency.tui.screens import exercise_facilitator as fac
from contingency.tui.screens.exercise_inbox import ExerciseWatch
from tests.test_exercise_play import SCENARIO, WALL, Wall
from tests.tui_support import SIZE

LETTERS = SCENARIO + """
[[expected]]
id = "L1"
text = "Warwickshire is told"
when = { letter = "la:Warwickshire" }
objectives = ["O2"]

[[expected]]
id = "L2"
text = "Birmingham and Solihull ICB is told"
when = { letter = "icb:Birmingham and Solihull" }
objectives = ["O2"]
"""

AGENCY = SCENARIO.replace('text = "We have stopped operating the home."\n',
                          'text = "We have stopped operating the home."\n\n'
                          '[[injects.expected]]\nid = "E2b"\ntext = "A decision on the agency offer"\n'
                          'when = { decision = "agency" }\nby = "R+0:30"\nobjectives = ["O1"]\n', 1)
assert AGENCY != SCENARIO


def start(tmp_path, text: str):
    scenario = tmp_path / "short.toml"
    scenario.write_text(text, encoding="utf-8")
    wall = Wall(WALL)
    return ex.start(scenario, tmp_path / "short.db", officer="Facilitator", wall=wall), wall


@pytest.mark.parametrize(("expectation", "body"), [("L1", "Warwickshire"), ("L2", "Birmingham and Solihull")])
def test_a_letter_predicate_names_the_body_as_the_notification_register_does(tmp_path, expectation, body):
    started, _ = start(tmp_path, LETTERS)
    store = started.store
    found = started.scenario.expectation(expectation)
    assert found is not None
    refs = ex._letter_refs(store, found[1].when)
    assert refs == [recipient_ref(store, body)], "the register's reference (la:GSS, icb:GSS) or it never holds"
    assert refs[0] == ("la:E10000031" if expectation == "L1" else "icb:E54000055"), "GSS codes, as letters carry"
    assert {o.id: o.state.value for o in ex.scores(store).outcomes}[expectation] == "pending", "no error"


def test_a_decision_logged_before_its_inject_arrived_does_not_answer_it(tmp_path):
    started, wall = start(tmp_path, AGENCY)
    store = started.store
    wall.run(10)   # T+0:10: a staffing decision that happens to name an agency
    record_decision(store, started.incident_id, decision="Staffing tonight: ask the agency for a nurse",
                    rationale="Four staff is unsafe")
    wall.run(50)   # T+1:00: I2 arrives, with E2b
    states = {o.id: o.state.value for o in ex.scores(store).outcomes}
    assert states["E1"] == "done", "the staffing decision answers I1"
    assert states["E2b"] == "pending", "the T+0:10 entry is not the answer to the T+1:00 inject"
    wall.run(20)   # T+1:20
    record_decision(store, started.incident_id, decision="Accept the agency offer", rationale="Cheapest safe cover")
    outcome = {o.id: ex.state_of(o) for o in ex.scores(store).outcomes}["E2b"]
    assert (outcome["state"], outcome["met_at"]) == ("done", "T+1:20")


async def test_the_facilitator_board_says_so_when_the_scores_fail_and_keeps_trying(tmp_path, monkeypatch):
    monkeypatch.setattr(ExerciseWatch, "INTERVAL", 0.2)
    monkeypatch.setattr(fac.FacilitatorScreen, "SCORES_INTERVAL", 0.2)
    _, wall = start(tmp_path, SCENARIO)
    real = fac.board
    broken = {"yes": True}

    def flaky(store):
        if broken["yes"]:
            raise AttributeError("'ICB' object has no attribute 'code'")
        return real(store)

    monkeypatch.setattr(fac, "board", flaky)
    app = ContingencyApp(open_store(tmp_path / "short.db", officer="Facilitator", clock=wall))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        async def shown(check) -> str:
            for _ in range(100):
                await pilot.pause()
                if isinstance(app.screen, fac.FacilitatorScreen):
                    text = str(app.screen.query_one("#fac-objectives").content)
                    if check(text):
                        return text
                await asyncio.sleep(0.05)
            raise AssertionError("never shown")

        text = await shown(lambda t: "could not be worked out" in t)
        assert text.startswith("✗") and "AttributeError" in text
        broken["yes"] = False
        await shown(lambda t: t.startswith("Objectives so far: O1")), "the worker lived on and the board came back"


def test_a_warning_becomes_s48_with_todays_event_date_at_a_new_awareness_time(tmp_path):
    """Alder in tmux: the officer entered the administration's date (STARTEX's day); judged at the warning's
    awareness (weeks before) the event looked 'after the provider stopped' and the incident went to URGENT NEED.
    It is judged at the failure's awareness (now), so it becomes s.48 and the warning's time is kept."""
    from datetime import UTC, date, datetime

    from contingency.services.incidents import change_facts

    started, wall = start(tmp_path, SCENARIO)
    store = started.store
    warned = store.incidents.get(started.incident_id).facts.aware_at
    wall.run(20)   # T+0:20
    change_facts(store, started.incident_id, reason="administrators appointed today; no visits from 20:00",
                 event_key="administration", event_date=date(2027, 3, 5))
    incident = store.incidents.get(started.incident_id)
    assert incident.classification.value == "section-48-active"
    assert incident.facts.aware_at == datetime(2027, 3, 5, 23, 0, tzinfo=UTC), "T+0:20: the duty starts now"
    assert incident.facts.warning_aware_at == warned


def test_an_officer_typed_warning_time_is_still_judged_as_typed(tmp_path):
    """Typing an awareness time the event post-dates stays refused as before: only the untouched warning time
    is replaced by now."""
    from datetime import UTC, date, datetime

    from contingency.services.incidents import change_facts

    started, wall = start(tmp_path, SCENARIO)
    store = started.store
    wall.run(20)
    change_facts(store, started.incident_id, reason="typed", event_key="administration",
                 event_date=date(2027, 3, 5), aware_at=datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    assert store.incidents.get(started.incident_id).classification.value != "section-48-active"


async def test_the_incident_header_follows_a_jump_made_in_another_terminal(tmp_path, monkeypatch):
    """Larkspur in tmux: after the facilitator jumped 0:19, the player's header still said "3m ago" (it looked
    every 30 s of wall time); it follows the exercise clock now."""
    from datetime import timedelta

    from contingency.services.incidents import change_facts
    from contingency.tui.screens.incident import IncidentScreen
    from contingency.tui.widgets.incident_header import IncidentHeader

    monkeypatch.setattr(ExerciseWatch, "INTERVAL", 0.2)
    started, wall = start(tmp_path, SCENARIO)
    change_facts(started.store, started.incident_id, reason="administrator stopped", event_key="administration")
    app = ContingencyApp(open_store(tmp_path / "short.db", officer="Player", clock=wall))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.push_screen(IncidentScreen(started.incident_id))
        await pilot.pause()

        def header() -> str:
            return str(app.screen.query_one(IncidentHeader).content)

        assert "0m ago" in header()
        ex.jump(open_store(tmp_path / "short.db", officer="Facilitator", clock=wall), timedelta(minutes=50))
        for _ in range(100):
            await pilot.pause()
            if "50m ago" in header():
                break
            await asyncio.sleep(0.05)
        assert "50m ago" in header()


async def test_a_jump_past_endex_says_where_the_clock_stopped(tmp_path, monkeypatch):
    """Alder in tmux: 'j 1:00' at T+11:30 ended play at T+12:00 but the toast said 'jumped 1:00'."""
    from textual.widgets import Input

    monkeypatch.setattr(ExerciseWatch, "INTERVAL", 0.2)
    started, wall = start(tmp_path, SCENARIO)   # ENDEX at T+4:00
    app = ContingencyApp(open_store(tmp_path / "short.db", officer="Facilitator", clock=wall))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, fac.FacilitatorScreen)
        await pilot.press("j")
        await pilot.pause()
        app.screen.query_one("#by", Input).value = "9:00"
        await pilot.press("ctrl+s")
        for _ in range(60):
            await pilot.pause()
            shown = [str(n.message) for n in app._notifications]
            if any("clock now" in m for m in shown):
                break
            await asyncio.sleep(0.05)
        assert any(m.startswith("EXERCISE clock now T+4:00 (ENDEX: play has ended)") for m in shown), shown
        assert ex.status(started.store)["state"] == "ended"
