"""EXERCISE: the facilitator's screen (design/exercises.md §3): the clock, the injects, the live scores.

The clock (T+ of ENDEX, and RUNNING / PAUSED / STOPPED / ENDED in words) comes from the app's exercise watch,
which looks once a second; the injects and the expectation states are worked out in a thread worker of this
screen on its own connection every few seconds (`services.exercises.status` and `scores` read the playbooks of
every incident, too slow for the UI thread on a big store). The facilitator's keys write through
services.exercises (and services.exercise_debrief for the hot debrief and the improvement plan), each in a
dialog that shows a refusal in its own words and stays open.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Digits, Input, Select, Static
from textual.widgets.data_table import RowDoesNotExist
from textual.worker import get_current_worker

from contingency.services import exercise_debrief as debrief
from contingency.services import exercises as ex
from contingency.services.errors import BadInput
from contingency.store import StoreError
from contingency.tui.literal import cell
from contingency.tui.base import AppScreen, Dialog
from contingency.tui.screens.exercise_inbox import STATE_WORDS, watch_of
from contingency.tui.widgets.fields import Field
from contingency.tui.widgets.work import own_store

STATE_SHOWN = {"done": "DONE", "late": "LATE", "missed": "MISSED", "excused": "EXCUSED", "breach": "BREACH",
               "pending": "pending"}
RATING_SHOWN = {"met": "MET", "partially": "PARTIALLY", "not-met": "NOT MET"}


@dataclass(frozen=True)
class Board:
    """What the scores worker saw."""

    status: dict[str, Any]
    expectations: list[dict[str, Any]]
    objectives: list[tuple[str, str | None]]
    notes: int = 0
    improvements: int = 0
    senders: dict[str, tuple[str, str]] = field(default_factory=dict)  # inject id -> (channel, from)


def board(store) -> Board:
    """One look at the exercise for the facilitator: status, every expectation's state, objective ratings."""
    result = ex.scores(store)
    status = ex.status(store)
    expectations = [ex.state_of(o) for o in result.outcomes]
    objectives = [(o.id, o.rating.value if o.rating else None) for o in result.objectives]
    senders = {i.id: (i.channel.value, i.from_) for i in result.play.scenario.injects}
    return Board(status, expectations, objectives, len(debrief.notes(store)), len(debrief.improvements(store)),
                 senders)


class FacilitatorScreen(AppScreen):
    TITLE = "EXERCISE facilitator"
    HELP = ("EXERCISE: the facilitator's view of the exercise on this store. The clock shows exercise time from "
            "STARTEX (T+) and whether it runs; `p` pauses it (every clock of the app stops: injects, due times, "
            "overdue) or resumes it; `j` jumps it forward (injects passed over arrive together, 'while you were "
            "away'); `d` delivers an inject early; `k` marks an expectation met or excused, with a note; `x` stops "
            "play at once with the stop codeword; `e` calls ENDEX. `b` notes a hot-debrief point, `i` adds a "
            "row to the improvement plan and `r` writes the after-action report. The expectation states (done, late, missed, excused, breach, pending) "
            "and the objective ratings are worked out afresh every few seconds; `tab` moves between the injects "
            "and the expectations.")
    SCORES_INTERVAL = 3.0
    BINDINGS = [
        Binding("p", "pause_resume", "Pause/resume", id="exercise-pause",
                tooltip="EXERCISE: pause the exercise clock (everything stops) or resume it"),
        Binding("j", "jump", "Jump", id="exercise-jump",
                tooltip="EXERCISE: move the clock forward H:MM; injects passed over arrive together"),
        Binding("d", "deliver", "Deliver", id="exercise-deliver",
                tooltip="EXERCISE: deliver the highlighted (or a typed) inject now, early"),
        Binding("k", "mark", "Mark", id="exercise-mark",
                tooltip="EXERCISE: mark the highlighted expectation met or excused, with a note"),
        Binding("x", "stop", "Stop (codeword)", id="exercise-stop",
                tooltip="EXERCISE: end play at once with the stop codeword"),
        Binding("e", "endex", "ENDEX", id="exercise-endex", tooltip="EXERCISE: end the exercise (ENDEX)"),
        Binding("b", "debrief", "Debrief note", id="exercise-debrief",
                tooltip="EXERCISE: a hot-debrief note (went well, did not, change)"),
        Binding("i", "improvement", "Improvement", id="exercise-improvement",
                tooltip="EXERCISE: a row of the improvement plan (lesson, action, category, owner, due)"),
        Binding("r", "report", "Report", id="exercise-report",
                tooltip="EXERCISE: write the after-action report (Markdown and PDF) as it stands now"),
        Binding("escape", "app.pop_screen", "Back", id="facilitator-back", tooltip="Back to where you were"),
    ]
    DEFAULT_CSS = """
    FacilitatorScreen #fac-clock { height: 3; padding: 0 1; }
    FacilitatorScreen #fac-digits { width: auto; min-width: 16; }
    FacilitatorScreen #fac-words { padding: 0 0 0 2; width: 1fr; }
    FacilitatorScreen #fac-state { text-style: bold; }
    FacilitatorScreen #fac-state.-paused { color: $warning; }
    FacilitatorScreen #fac-state.-over { color: $error; }
    FacilitatorScreen #fac-injects { height: 1fr; }
    FacilitatorScreen #fac-objectives { height: auto; max-height: 2; padding: 0 1; text-style: bold; }
    FacilitatorScreen #fac-expectations { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self._poke = threading.Event()

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with Horizontal(id="fac-clock"):
            yield Digits("+0:00", id="fac-digits")
            with Vertical(id="fac-words"):
                yield Static("EXERCISE CLOCK", id="fac-state", markup=False)
                yield Static("", id="fac-endex", markup=False)
                yield Static("", id="fac-next", markup=False)
        injects: DataTable = DataTable(id="fac-injects", cursor_type="row", zebra_stripes=True)
        yield injects
        yield Static("Objectives: working out…", id="fac-objectives", markup=False)
        expectations: DataTable = DataTable(id="fac-expectations", cursor_type="row", zebra_stripes=True)
        yield expectations
        yield from self.compose_footer()

    def on_mount(self) -> None:
        injects = self.query_one("#fac-injects", DataTable)
        injects.add_column("Inject", key="id", width=6)
        injects.add_column("Planned", key="at", width=8)
        injects.add_column("Delivered / due", key="status", width=18)
        injects.add_column("Channel", key="channel", width=10)
        injects.add_column("From", key="from")
        expectations = self.query_one("#fac-expectations", DataTable)
        expectations.add_column("Exp.", key="id", width=5)
        expectations.add_column("State", key="state", width=8)
        expectations.add_column("Held at", key="met", width=8)
        expectations.add_column("Target", key="target", width=8)
        expectations.add_column("Expected", key="text")
        self.exercise_changed()
        injects.focus()
        self.run_worker(self._scores_loop, thread=True, exclusive=True, group="facilitator-scores",
                        exit_on_error=False, name="facilitator scores")

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "facilitator-scores")

    # --- the scores worker --------------------------------------------------------------------------------

    def _scores_loop(self) -> None:
        worker = get_current_worker()
        with own_store(self.store) as mine:
            while not worker.is_cancelled:
                try:
                    seen: Board | str = board(mine)
                except (BadInput, StoreError) as exc:
                    seen = str(exc)
                except Exception as exc:  # noqa: BLE001 - a dead worker would leave the board frozen, silently
                    seen = f"the scores could not be worked out ({type(exc).__name__}: {exc}); they are tried again"
                if worker.is_cancelled:
                    return
                self.app.call_from_thread(self._show_board, seen)
                waited = 0.0
                while waited < self.SCORES_INTERVAL and not worker.is_cancelled and not self._poke.is_set():
                    self._poke.wait(0.1)
                    waited += 0.1
                self._poke.clear()

    def look_again(self) -> None:
        """After the facilitator changed something: the scores, the clock and every terminal's inbox, now."""
        self._poke.set()
        watch = watch_of(self.app)
        if watch is not None:
            watch.poke()

    # --- showing ------------------------------------------------------------------------------------------

    def exercise_changed(self) -> None:
        """The app's watch saw the clock move (or an inject arrive)."""
        watch = watch_of(self.app)
        if watch is None or watch.last is None:
            return
        self._show_clock(watch.last.clock, watch.last.endex, watch.last.state)

    def _show_clock(self, clock: str, endex: str, state: str) -> None:
        self.query_one("#fac-digits", Digits).update(clock[1:])
        words = self.query_one("#fac-state", Static)
        hint = {"running": " (p pauses)", "paused": " (p resumes)"}.get(state, " (play is over)")
        words.update(f"EXERCISE CLOCK {clock} · {STATE_WORDS.get(state, state.upper())}{hint}")
        words.set_class(state == "paused", "-paused")
        words.set_class(state in ("stopped", "ended"), "-over")
        self.query_one("#fac-endex", Static).update(f"ENDEX at {endex}")
        self.refresh_bindings()

    def _show_board(self, seen: Board | str) -> None:
        if not self.is_mounted:
            return
        if isinstance(seen, str):
            self.query_one("#fac-objectives", Static).update(f"✗ {seen}")
            return
        if seen == self.board:
            return  # nothing moved: the tables are not rebuilt for nothing
        self.board = seen
        status = seen.status
        self._show_clock(status["clock"], status["endex"], status["state"])
        upcoming = status["next"]
        if upcoming and status["state"] in ("running", "paused"):
            first = upcoming[0]
            self.query_one("#fac-next", Static).update(
                f"Next: {first['id']} at {first['at']}, in {first['in']}"
                f"{' if needed' if first['contingency'] else ''} · debrief {seen.notes} · plan {seen.improvements}")
        else:
            left = f"play is over, {len(upcoming)} never delivered" if upcoming else "no inject left to deliver"
            self.query_one("#fac-next", Static).update(
                f"{left[0].upper()}{left[1:]} · debrief {seen.notes} · plan {seen.improvements}")
        self._fill_injects(status, seen.senders)
        self._fill_expectations(seen.expectations)
        rated = " · ".join(f"{oid} {RATING_SHOWN.get(r, r) if r else '—'}" for oid, r in seen.objectives)
        self.query_one("#fac-objectives", Static).update(f"Objectives so far: {rated}")

    def _fill_injects(self, status: dict[str, Any], senders: dict[str, tuple[str, str]]) -> None:
        table = self.query_one("#fac-injects", DataTable)
        keep = self._key(table)
        table.clear()
        how_shown = {"on-time": "on time", "by-hand": "by hand", "while-away": "while away"}
        for d in status["delivered"]:
            channel, sender = senders.get(d["id"], ("", ""))
            shown = ("not needed" if d["delivered_at"] is None
                     else f"{d['delivered_at']} {how_shown.get(d['how'], d['how'])}")
            table.add_row(cell(d["id"]), d["at"], shown, channel, cell(sender), key=d["id"])
        for n in status["next"]:
            due = f"in {n['in']}" + (" if needed" if n["contingency"] else "")
            table.add_row(cell(n["id"]), n["at"], due, n["channel"], cell(n["from"]), key=n["id"])
        self._restore(table, keep, default=len(status["delivered"]))

    def _fill_expectations(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one("#fac-expectations", DataTable)
        keep = self._key(table)
        table.clear()
        for row in rows:
            text = ("must not: " if row["must_not"] else "") + row["text"]
            table.add_row(cell(row["id"]), STATE_SHOWN.get(row["state"], row["state"]), row["met_at"] or "",
                          row["target"], cell(text), key=row["id"])
        self._restore(table, keep, default=0)

    @staticmethod
    def _key(table: DataTable) -> str | None:
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @staticmethod
    def _restore(table: DataTable, key: str | None, *, default: int) -> None:
        if table.row_count == 0:
            return
        try:
            row = table.get_row_index(key) if key is not None else default
        except RowDoesNotExist:  # the row went (never, in practice: injects and expectations only change state)
            row = default
        table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    # --- keys ---------------------------------------------------------------------------------------------

    def _state(self) -> str | None:
        watch = watch_of(self.app)
        if self.board is not None:
            return self.board.status["state"]
        return watch.last.state if watch and watch.last else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pause_resume", "jump", "deliver", "stop", "endex"):
            return None if self._state() in ("stopped", "ended") else True
        return True

    def action_pause_resume(self) -> None:
        try:
            paused = ex.in_play(self.store).clock.run.value == "paused"
            (ex.resume if paused else ex.pause)(self.store)
        except BadInput as exc:
            self.capp.report(exc)
            return
        self.notify(f"EXERCISE clock {'resumed' if paused else 'PAUSED: every clock of the app stops'}",
                    title="Exercise clock")
        self.look_again()

    def _after(self, result: object) -> None:
        if result is not None:
            self.look_again()

    def action_jump(self) -> None:
        self.app.push_screen(JumpDialog(), self._after)

    def action_deliver(self) -> None:
        table = self.query_one("#fac-injects", DataTable)
        key = self._key(table) if table.has_focus or not self.query_one("#fac-expectations").has_focus else None
        upcoming = [n["id"] for n in self.board.status["next"]] if self.board else []
        self.app.push_screen(DeliverDialog(key if key in upcoming else (upcoming[0] if upcoming else ""),
                                           upcoming), self._after)

    def action_mark(self) -> None:
        key = self._key(self.query_one("#fac-expectations", DataTable)) or ""
        self.app.push_screen(MarkDialog(key), self._after)

    def action_stop(self) -> None:
        self.app.push_screen(StopDialog(), self._after)

    def action_endex(self) -> None:
        self.app.push_screen(EndexDialog(), self._after)

    def action_debrief(self) -> None:
        self.app.push_screen(DebriefDialog(), self._after)

    def action_improvement(self) -> None:
        self.app.push_screen(ImprovementDialog(), self._after)

    def action_report(self) -> None:
        from contingency.tui.dialogs.exercise_report import ReportDialog

        self.app.push_screen(ReportDialog())


def open_facilitator(app) -> None:
    if not isinstance(app.screen, FacilitatorScreen):
        app.push_screen(FacilitatorScreen())


# --- the facilitator's dialogs: each writes, and stays open with the refusal in words if refused ---------------

class _ExerciseDialog(Dialog):
    TITLE_TEXT = ""
    HINT = ""
    BUTTON = "Save"
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Do it")]

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static(f"EXERCISE: {self.TITLE_TEXT}", classes="dialog-title", markup=False)
            hint = self.hint_text()
            if hint:
                yield Static(hint, classes="hint", markup=False)
            yield from self.fields()
            yield Static("", id="dialog-error", markup=False)
            yield Button(f"{self.BUTTON} (ctrl+s)", variant="primary", id="save")

    def hint_text(self) -> str:
        return self.HINT

    def fields(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        try:
            result = self.save()
        except BadInput as exc:
            self.query_one("#dialog-error", Static).update(f"✗ {exc}")
            return
        self.dismiss(result if result is not None else True)

    def save(self) -> object:
        """What the dialog's form does to the exercise; each dialog below says. Raises BadInput to refuse."""
        raise TypeError(f"{type(self).__name__} does not say what saving it does: define save()")

    def value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value


class JumpDialog(_ExerciseDialog):
    TITLE_TEXT = "jump the clock forward"
    HINT = ("Forward only, in exercise time (H:MM). Injects passed over arrive together, 'while you were away', "
            "with their planned times; targets do not move.")
    BUTTON = "Jump"
    HELP = HINT

    def fields(self) -> ComposeResult:
        yield Field("How far (H:MM)", Input(id="by", placeholder="e.g. 0:30"), id="f-by")

    def save(self) -> object:
        from contingency.rules.scenario import parse_duration

        try:
            by = parse_duration(self.value("by").strip())
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        arrived = ex.jump(self.store, by)
        count = f"{len(arrived)} inject{'' if len(arrived) == 1 else 's'}" if arrived else "no inject"
        now = ex.status(self.store)
        # A jump stops at ENDEX: say where the clock is, not only how far was asked.
        ended = " (ENDEX: play has ended)" if now["state"] == "ended" else ""
        self.notify(f"EXERCISE clock now {now['clock']}{ended}; {count} arrived", title="Exercise clock")
        return arrived


class DeliverDialog(_ExerciseDialog):
    TITLE_TEXT = "deliver an inject now"
    BUTTON = "Deliver"
    HELP = "Delivers the inject now, early, by hand; the players' terminals show it at their next look."

    def __init__(self, inject_id: str, upcoming: list[str]) -> None:
        super().__init__()
        self.inject_id = inject_id
        self.upcoming = upcoming

    def hint_text(self) -> str:
        return ("Not yet delivered: " + ", ".join(self.upcoming)) if self.upcoming else "Nothing is left to deliver."

    def fields(self) -> ComposeResult:
        yield Field("Inject", Input(self.inject_id, id="inject", placeholder="e.g. I3"), id="f-inject")

    def save(self) -> object:
        made = ex.deliver(self.store, self.value("inject").strip())
        self.notify(f"EXERCISE inject {made.inject_id} delivered by hand", title="Delivered")
        return made


class MarkDialog(_ExerciseDialog):
    TITLE_TEXT = "mark an expectation"
    HINT = ("Met: you saw it done (what the data cannot show). Excused: left out of the score, with the reason. "
            "The report quotes the note.")
    BUTTON = "Mark"
    HELP = HINT

    def __init__(self, expectation_id: str) -> None:
        super().__init__()
        self.expectation_id = expectation_id

    def fields(self) -> ComposeResult:
        yield Field("Expectation", Input(self.expectation_id, id="expectation", placeholder="e.g. E5"),
                    id="f-expectation")
        yield Field("Mark", Select([("Met (seen by the facilitator)", "met"), ("Excused", "excused")],
                                   value="met", allow_blank=False, id="kind"), id="f-kind")
        yield Field("Note", Input(id="note", placeholder="what was seen, or why excused"), id="f-note")

    def on_mount(self) -> None:
        self.query_one("#note" if self.expectation_id else "#expectation", Input).focus()

    def save(self) -> object:
        expectation = self.value("expectation").strip()
        kind = self.query_one("#kind", Select).value
        ex.mark(self.store, expectation, met=kind == "met", note=self.value("note"))
        self.notify(f"EXERCISE expectation {expectation} marked {kind}", title="Marked")
        return expectation


class StopDialog(_ExerciseDialog):
    TITLE_TEXT = "STOP play with the codeword"
    BUTTON = "Stop play"
    HELP = "Type the scenario's stop codeword: play ends at once, whatever is pending, and the log says so."

    def hint_text(self) -> str:
        try:
            codeword = ex.in_play(self.store).run.codeword
        except BadInput:
            codeword = ""
        return (f"Play ends at once and cannot resume. Type the stop codeword ({codeword}) to confirm."
                if codeword else "Type the stop codeword to confirm.")

    def fields(self) -> ComposeResult:
        yield Field("Stop codeword", Input(id="codeword"), id="f-codeword")

    def save(self) -> object:
        ex.stop(self.store, self.value("codeword"))
        self.notify("EXERCISE STOPPED with the codeword: play has ended", title="Stopped", severity="warning")
        return "stopped"


class EndexDialog(_ExerciseDialog):
    TITLE_TEXT = "ENDEX: end the exercise"
    HINT = "The clock stops for good; expectations not yet held become missed. Then write the report."
    BUTTON = "ENDEX"
    HELP = HINT

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def save(self) -> object:
        ex.endex(self.store)
        self.notify("EXERCISE ENDEX: the exercise has ended", title="ENDEX")
        return "ended"


class DebriefDialog(_ExerciseDialog):
    TITLE_TEXT = "hot-debrief note"
    HINT = "Straight after play: what went well, what did not, what to change."
    HELP = HINT

    def fields(self) -> ComposeResult:
        yield Field("Kind", Select([(debrief.DEBRIEF_LABELS[k], k) for k in debrief.DEBRIEF_KINDS],
                                   value="went-well", allow_blank=False, id="kind"), id="f-kind")
        yield Field("Note", Input(id="text"), id="f-text")

    def save(self) -> object:
        note = debrief.add_note(self.store, str(self.query_one("#kind", Select).value), self.value("text"))
        self.notify("EXERCISE debrief note saved", title="Saved")
        return note


class ImprovementDialog(_ExerciseDialog):
    TITLE_TEXT = "improvement plan row"
    HINT = "Each lesson has an action, a category, an owner role and a due date (day first, e.g. 30/06/2027)."
    HELP = HINT

    def fields(self) -> ComposeResult:
        yield Field("Lesson", Input(id="lesson"), id="f-lesson")
        yield Field("Action", Input(id="action"), id="f-action")
        yield Field("Category", Select([(c, c) for c in debrief.CATEGORIES], value="playbook", allow_blank=False,
                                       id="category"), id="f-category")
        yield Field("Owner role", Input(id="owner", placeholder="e.g. EDT manager"), id="f-owner")
        yield Field("Due date", Input(id="due", placeholder="DD/MM/YYYY"), id="f-due")

    def save(self) -> object:
        item = debrief.add_improvement(self.store, lesson=self.value("lesson"), action=self.value("action"),
                                       category=str(self.query_one("#category", Select).value),
                                       owner_role=self.value("owner"), due=self.value("due"))
        self.notify("EXERCISE improvement row saved", title="Saved")
        return item

