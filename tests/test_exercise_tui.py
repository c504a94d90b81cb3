"""Issue 14, the TUI of an exercise: the players' inbox and toasts, the banner's exercise line, the facilitator's
screen and its dialogs, two terminals on one store, and nothing of it on a live store."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from textual.widgets import DataTable, Input, OptionList

from contingency.services import exercises as ex
from contingency.store import open_store
from contingency.tui.app import ContingencyApp
from contingency.tui.screens.exercise_facilitator import (
    FacilitatorScreen,
    JumpDialog,
    MarkDialog,
    StopDialog,
)
from contingency.tui.screens.exercise_inbox import (
    ExerciseInboxScreen,
    ExerciseWatch,
    PrefilledImportDialog,
)
from contingency.tui.widgets.banner import StoreBanner
from tests.test_exercise_play import SCENARIO, WALL, Wall
from tests.tui_support import SIZE

ATTACHED = SCENARIO.replace('text = "We have stopped operating the home."',
                            'text = "We have stopped operating the home."\nattachment = "roster"').replace(
    "[[injects]]", '[roster]\nseed = 7\nsize = 4\nservice = "care-home"\nfunding = { own-council = 4 }\n\n[[injects]]', 1)
assert ATTACHED != SCENARIO


@pytest.fixture(autouse=True)
def quick_watch(monkeypatch):
    monkeypatch.setattr(ExerciseWatch, "INTERVAL", 0.2)
    monkeypatch.setattr(FacilitatorScreen, "SCORES_INTERVAL", 0.5)


@pytest.fixture
def played(tmp_path):
    scenario = tmp_path / "short.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    wall = Wall(WALL)
    started = ex.start(scenario, tmp_path / "short.db", officer="Facilitator", wall=wall)
    return started, wall


def player_app(tmp_path, wall, officer="Player") -> ContingencyApp:
    return ContingencyApp(open_store(tmp_path / "short.db", officer=officer, clock=wall))


async def until(pilot, check, seconds: float = 5.0):
    """Wait (in real time: the watch is a thread) until check() holds."""
    for _ in range(int(seconds / 0.05)):
        await pilot.pause()
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened (the check on line {check.__code__.co_firstlineno})")


def banner(app) -> str:
    return str(app.screen.query_one(StoreBanner).content)


def toasts(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_a_player_sees_injects_arrive_as_toasts_and_cards(played, tmp_path):
    started, wall = played
    app = player_app(tmp_path, wall)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: any("I1" in t for t in toasts(app)))
        toast = next(t for t in toasts(app) if "I1" in t)
        assert toast.startswith("EXERCISE inject I1 · phone: From Nurse in charge: Wages are unpaid")
        await until(pilot, lambda: "T+0:00 RUNNING · 1 new inject (f2 inbox)" in banner(app))
        assert "EXERCISE" in banner(app)

        palette = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"EXERCISE inbox", "EXERCISE facilitator"} <= set(palette), "both are in the command palette"
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, ExerciseInboxScreen)
        inbox = app.screen.query_one("#inbox", OptionList)
        assert inbox.highlighted_option.id == "I1"
        words = str(inbox.highlighted_option.prompt)
        for part in ("EXERCISE I1 · PHONE · at T+0:00", "From: Nurse in charge", "To: duty officer",
                     "Wages are unpaid"):
            assert part in words
        await until(pilot, lambda: "no new injects" in banner(app)), "a card looked at is read"

        wall.run(60)  # T+1:00: I2 falls due, and the player's own look delivers it
        await until(pilot, lambda: any("I2" in t for t in toasts(app)))
        assert "inject I2 · email: From Administrator: We have stopped operating the home." in toasts(app)[-1]
        await until(pilot, lambda: "I2" in [o.id for o in inbox._options])
        assert inbox.highlighted_option.id == "I1", "the card being read stays highlighted"
        assert [d["id"] for d in ex.status(started.store)["delivered"]] == ["I1", "I2"]


async def test_facilitator_and_player_on_one_store(played, tmp_path):
    """Two terminals, one file: the store is the channel."""
    started, wall = played
    player = player_app(tmp_path, wall)
    facilitator = player_app(tmp_path, wall, officer="Facilitator")
    async with player.run_test(size=SIZE, notifications=True) as ppilot, \
            facilitator.run_test(size=SIZE, notifications=True) as fpilot:
        await until(ppilot, lambda: "RUNNING" in banner(player))
        await until(fpilot, lambda: facilitator.exercise_in_play())
        await fpilot.press("f3")
        await until(fpilot, lambda: isinstance(facilitator.screen, FacilitatorScreen)
                    and facilitator.screen.board is not None)
        screen = facilitator.screen
        injects = screen.query_one("#fac-injects", DataTable)
        assert [injects.get_row_at(i)[0].plain for i in range(injects.row_count)] == ["I1", "I2", "I3", "I4"]
        assert injects.get_row_at(0)[2] == "T+0:00 on time"
        assert injects.get_row_at(1)[2] == "in 1:00"
        assert injects.get_row_at(2)[2] == "in 2:00 if needed"
        assert "EXERCISE CLOCK T+0:00 · RUNNING" in str(screen.query_one("#fac-state").content)

        # p pauses: the player's banner says so in words
        wall.run(20)
        await fpilot.press("p")
        await until(ppilot, lambda: "T+0:20 PAUSED" in banner(player))
        await until(fpilot, lambda: "PAUSED" in str(screen.query_one("#fac-state").content))
        wall.at += timedelta(hours=3)  # a long pause moves nothing
        await asyncio.sleep(0.3)
        await ppilot.pause()
        assert "T+0:20 PAUSED" in banner(player)

        # j jumps (while paused) over I2 and the contingency injects I3 and I4 (E2 and E5 unmet): together
        await fpilot.press("j")
        await fpilot.pause()
        assert isinstance(facilitator.screen, JumpDialog)
        await fpilot.press(*"9:99", "enter")
        await fpilot.pause()
        assert isinstance(facilitator.screen, JumpDialog), "a bad duration keeps the dialog open"
        assert "minutes run 00 to 59" in str(facilitator.screen.query_one("#dialog-error").content)
        facilitator.screen.query_one("#by", Input).value = "2:20"
        await fpilot.press("ctrl+s")
        await until(fpilot, lambda: facilitator.screen is screen)
        arrived = {d["id"]: d for d in ex.status(started.store)["delivered"]}
        assert (arrived["I2"]["how"], arrived["I2"]["delivered_at"]) == ("while-away", "T+2:40")
        await until(ppilot, lambda: any("I4" in t for t in toasts(player)))
        jumped = [t for t in toasts(player) if "while you were away" in t]
        assert jumped == ["EXERCISE: 3 injects while you were away: The clock jumped to T+2:40: I2 email, "
                          "I3 phone, I4 phone. f2 opens the inbox."], "one toast for the injects a jump brought"
        await until(ppilot, lambda: "T+2:40 PAUSED · 4 new injects" in banner(player))

        await ppilot.press("f2")
        await ppilot.pause()
        options = player.screen.query_one("#inbox", OptionList)._options
        prompts = [str(o.prompt) for o in options]
        heading = next(p for p in prompts if "While you were away" in p)
        assert "the clock jumped to T+2:40): 3 injects" in heading, prompts
        assert "EXERCISE I4" in heading, "the heading rides on the group's newest card"
        assert any("planned T+1:00, delivered T+2:40 · while you were away" in p for p in prompts)

        # k marks the highlighted expectation excused, with a note, inside the dialog
        await until(fpilot, lambda: "E5" in _keys(screen.query_one("#fac-expectations", DataTable)))
        table = screen.query_one("#fac-expectations", DataTable)
        table.focus()
        table.move_cursor(row=_keys(table).index("E5"))
        await fpilot.press("k")
        await fpilot.pause()
        dialog = facilitator.screen
        assert isinstance(dialog, MarkDialog) and dialog.query_one("#expectation", Input).value == "E5"
        await fpilot.press("ctrl+s")
        await fpilot.pause()
        assert "note" in str(dialog.query_one("#dialog-error").content), "a mark needs its note"
        dialog.query_one("#kind").value = "excused"
        dialog.query_one("#note", Input).value = "The pharmacist was not played"
        await fpilot.pause()
        await fpilot.press("ctrl+s")
        await until(fpilot, lambda: facilitator.screen is screen)
        marks = started.store.exercises.marks()
        assert [(m.expectation_id, m.kind, m.note, m.by) for m in marks] == [
            ("E5", "excused", "The pharmacist was not played", "Facilitator")]
        await until(fpilot, lambda: _state(screen, "E5") == "EXCUSED")

        # x asks for the codeword; a wrong one is refused in the dialog
        await fpilot.press("x")
        await fpilot.pause()
        assert isinstance(facilitator.screen, StopDialog)
        await fpilot.press(*"stop now", "enter")
        await fpilot.pause()
        assert isinstance(facilitator.screen, StopDialog)
        assert "not this exercise's stop codeword" in str(facilitator.screen.query_one("#dialog-error").content)
        assert ex.status(started.store)["state"] == "paused"
        facilitator.screen.query_one("#codeword", Input).value = "no duff"
        await fpilot.press("enter")
        await until(fpilot, lambda: facilitator.screen is screen)
        assert ex.status(started.store)["state"] == "stopped"
        await until(ppilot, lambda: "T+2:40 STOPPED" in banner(player))
        await until(fpilot, lambda: "STOPPED" in str(screen.query_one("#fac-state").content))
        assert not screen.check_action("jump", ()), "nothing moves the clock after the codeword"


def _keys(table: DataTable) -> list[str]:
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


def _state(screen, expectation_id: str) -> str:
    table = screen.query_one("#fac-expectations", DataTable)
    return table.get_row_at(_keys(table).index(expectation_id))[1]


async def test_the_inbox_offers_an_attachment_to_import_with_its_path_filled_in(tmp_path):
    scenario = tmp_path / "short.toml"
    scenario.write_text(ATTACHED, encoding="utf-8")
    wall = Wall(WALL)
    started = ex.start(scenario, tmp_path / "short.db", officer="Facilitator", wall=wall)
    ex.deliver(started.store, "I2")
    attachment = ex.status(started.store)["delivered"][-1]["attachment"]
    app = player_app(tmp_path, wall)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.exercise_in_play())
        await pilot.press("f2")
        await pilot.pause()
        inbox = app.screen.query_one("#inbox", OptionList)
        assert inbox.highlighted_option.id == "I2"
        assert "delivered early by the facilitator" in str(inbox.highlighted_option.prompt)
        assert "(i imports it)" in str(inbox.highlighted_option.prompt)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, PrefilledImportDialog)
        assert app.screen.incident_id == started.incident_id, "the only incident on the store"
        assert app.screen.query_one("#path", Input).value == attachment


async def test_endex_and_the_debrief_from_the_facilitator_screen(played, tmp_path):
    started, wall = played
    app = player_app(tmp_path, wall, officer="Facilitator")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.exercise_in_play())
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.board is not None)
        screen = app.screen
        await pilot.press("e", "ctrl+s")
        await until(pilot, lambda: app.screen is screen and ex.status(started.store)["state"] == "ended")
        await pilot.press("b")
        await pilot.pause()
        app.screen.query_one("#text", Input).value = "The call-round worked"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("i")
        await pilot.pause()
        for name, value in (("lesson", "Nobody knew the ICB number"), ("action", "Add it to the playbook"),
                            ("owner", "EDT manager"), ("due", "31/13/2027")):
            app.screen.query_one(f"#{name}", Input).value = value
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "due" in str(app.screen.query_one("#dialog-error").content), "a bad date is refused in the dialog"
        app.screen.query_one("#due", Input).value = "30/06/2027"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        assert [n.text for n in started.store.exercises.debrief()] == ["The call-round worked"]
        assert [(i.lesson, i.due_date) for i in started.store.exercises.improvements()] == [
            ("Nobody knew the ICB number", "2027-06-30")]
        await until(pilot, lambda: "ENDED" in str(screen.query_one("#fac-state").content))
        objectives = str(screen.query_one("#fac-objectives").content)
        assert objectives.startswith("Objectives so far: O1 ") and "O2" in objectives

        # r writes the after-action report beside the store, as `exercise report` would
        from textual.widgets import Static

        from contingency.tui.dialogs.exercise_report import ReportDialog

        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReportDialog)
        assert dialog.query_one("#folder", Input).value == str(tmp_path / "short-exercise-files")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: dialog.state == "done")  # not workers.wait_for_complete: the watch never ends
        result = str(dialog.query_one("#work-result", Static).content)
        assert result.startswith("✓ Wrote the report:") and "Objectives: O1 " in result
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
    written = sorted(p.suffix for p in (tmp_path / "short-exercise-files").iterdir() if not p.name.startswith("."))
    assert ".md" in written and ".pdf" in written
    assert not [p for p in (tmp_path / "short-exercise-files").iterdir() if p.name.endswith(".part")]


async def test_nothing_of_an_exercise_on_a_live_store(tmp_path):
    from contingency.clock import fixed_clock
    from contingency.models import StoreKind
    from contingency.services.setup import setup_council

    store = open_store(tmp_path / "live.db", officer="Officer", clock=fixed_clock(WALL), create=StoreKind.LIVE)
    setup_council(store, authority="Coventry", team="EDT", officer="Officer")
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert app.exercise_watch is None
        assert banner(app).startswith("LIVE · Coventry")
        assert "inbox" not in banner(app) and "EXERCISE" not in banner(app)
        assert not app.check_action("exercise_facilitator", ())
        shown = [b.key for _node, b, enabled, _tip in app.screen.active_bindings.values() if enabled]
        assert "f2" not in shown and "f3" not in shown
        await pilot.press("f3", "f2")
        await pilot.pause()
        assert not isinstance(app.screen, (FacilitatorScreen, ExerciseInboxScreen))
        assert not any("EXERCISE" in c.title for c in app.get_system_commands(app.screen))
        assert not [w for w in app.workers if w.group == "exercise-watch"]


async def test_an_exercise_store_with_no_exercise_in_play_is_as_before(tmp_path):
    """The demo store is an EXERCISE store with no scenario: no watch, no clock line, no F-keys (so no
    snapshot of the demo changes)."""
    from contingency.tui.widgets.banner import EXERCISE_TEXT
    from tests.tui_support import demo_store

    app = ContingencyApp(demo_store(tmp_path, people=3))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.exercise_watch is None
        assert banner(app).startswith(EXERCISE_TEXT) and "inbox" not in banner(app)
        assert not app.check_action("exercise_inbox", ())


async def test_a_short_scenario_played_through_the_tui_scores_every_state_in_report_json(played, tmp_path,
                                                                                          demo_cli):
    """The issue's Pilot test: a player and a facilitator on one store, driven by their keys; then the
    after-action report's --json from the command line holds each state and each objective's rating: an
    inject answered on time (E1), a step late (E2), a contingency inject needed (I4) and one not (I3), a breach
    (E6), an excused expectation (E5) and a must_not kept (E0)."""
    from textual.widgets import TextArea

    from contingency.services.incidents import change_facts
    from contingency.tui.dialogs.decisions import DecisionDialog
    from contingency.tui.screens.exercise_facilitator import EndexDialog
    from contingency.tui.screens.incident import IncidentScreen
    from tests.conftest import as_json

    started, wall = played
    player, facilitator = player_app(tmp_path, wall), player_app(tmp_path, wall, officer="Facilitator")

    async def decide(pilot, app, decision: str, rationale: str) -> None:
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DecisionDialog))
        app.screen.query_one("#decision", Input).value = decision
        app.screen.query_one("#rationale", TextArea).text = rationale
        await pilot.pause()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen))

    async with player.run_test(size=SIZE) as ppilot, facilitator.run_test(size=SIZE) as fpilot:
        player.push_screen(IncidentScreen(started.incident_id))
        await ppilot.pause()
        wall.run(10)  # T+0:10: I1 answered within its 20 minutes
        await decide(ppilot, player, "Agency staffing tonight", "Four staff for forty is unsafe")
        wall.run(90)  # T+1:40: s.48 declared twenty minutes after I2's target
        change_facts(started.store, started.incident_id, reason="the administrator stopped", event_key="administration")
        wall.run(30)  # T+2:10: I3 not needed (E2 held at 1:40); the breach
        await decide(ppilot, player, "We will charge for advice to self-funders", "Tested: a breach")

        await fpilot.press("f3")
        await until(fpilot, lambda: isinstance(facilitator.screen, FacilitatorScreen))
        screen = facilitator.screen
        await fpilot.press("j")
        await until(fpilot, lambda: isinstance(facilitator.screen, JumpDialog))
        facilitator.screen.query_one(Input).value = "0:30"  # T+2:40: I4 (2:30) arrives, E5 still unmet
        await fpilot.pause()
        await fpilot.press("ctrl+s")
        await until(fpilot, lambda: facilitator.screen is screen)
        await until(fpilot, lambda: "E5" in _keys(screen.query_one("#fac-expectations", DataTable)))
        table = screen.query_one("#fac-expectations", DataTable)
        table.focus()
        table.move_cursor(row=_keys(table).index("E5"))
        await fpilot.press("k")
        await until(fpilot, lambda: isinstance(facilitator.screen, MarkDialog))
        facilitator.screen.query_one("#kind").value = "excused"
        facilitator.screen.query_one("#note", Input).value = "The pharmacist was not played"
        await fpilot.pause()
        await fpilot.press("ctrl+s")
        await until(fpilot, lambda: facilitator.screen is screen)
        await fpilot.press("e")
        await until(fpilot, lambda: isinstance(facilitator.screen, EndexDialog))
        await fpilot.press("ctrl+s")
        await until(fpilot, lambda: ex.in_play(started.store).clock.run.value == "ended")

    report = as_json(demo_cli("--db", str(tmp_path / "short.db"), "exercise", "report", "--out",
                              str(tmp_path / "report"), "--json"))
    states = {e["id"]: (e["state"], e["met_at"]) for e in report["expectations"]}
    assert states == {"E1": ("done", "T+0:10"), "E2": ("late", "T+1:40"), "E0": ("done", None),
                      "E5": ("excused", None), "E6": ("breach", "T+2:10")}
    assert {o["id"]: o["rating"] for o in report["objectives"]} == {"O1": "met", "O2": "not-met"}
    delivered = {d.inject_id: d.how for d in started.store.exercises.deliveries()}
    assert delivered == {"I1": "on-time", "I2": "on-time", "I3": "not-needed", "I4": "while-away"}
