"""EXERCISE: the players' inbox of delivered injects, and the watch that brings them (design/exercises.md §3).

The store is the channel. One thread per app (`ExerciseWatch`), on its own connection, looks once a second:
it delivers what has fallen due (`services.exercises.catch_up`, once each whoever looks first) and reads the
clock and the deliveries; the UI thread then toasts each new inject, tells every banner the clock and how many
are unread, and refreshes the inbox or the facilitator's screen if one is open. Nothing runs on a store with
no exercise in play (a demo store, a live store).

What has been read is kept per process, in memory: a second terminal has its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from contingency.rules.exercise_clock import format_t
from contingency.rules.safe_text import printable
from contingency.services.lookups import has_run
from contingency.store import StoreError
from contingency.tui.base import AppScreen
from contingency.tui.dialogs.import_file import ImportDialog
from contingency.tui.widgets.work import own_store

if TYPE_CHECKING:
    from contingency.store import Store
    from contingency.tui.app import ContingencyApp

INBOX_KEY = "f2"
FACILITATOR_KEY = "f3"

STATE_WORDS = {"running": "RUNNING", "paused": "PAUSED", "stopped": "STOPPED", "ended": "ENDED"}


@dataclass(frozen=True)
class Card:
    """One delivered inject as the players see it (never the facilitator's notes)."""

    inject_id: str
    channel: str
    sender: str
    to: str
    text: str
    planned: str          # T+1:10
    delivered: str        # T+1:10
    how: str              # on-time | by-hand | while-away
    attachment: str | None


@dataclass(frozen=True)
class Look:
    """What one look at the store saw."""

    clock: str            # T+1:10
    endex: str            # T+10:00
    state: str            # running | paused | stopped | ended
    cards: tuple[Card, ...]

    @property
    def in_play(self) -> bool:
        return self.state in ("running", "paused")


def look(store: Store, *, deliver: bool = True) -> Look | None:
    """Deliver what is due (unless told not to) and read the clock and the injects delivered; None when the store
    has no exercise. Runs in the watch's thread, on that thread's own connection."""
    from contingency.services import exercises as ex

    if deliver:
        try:
            ex.catch_up(store)
        except ex.NoExercise:
            return None
        except StoreError:
            pass  # another terminal is writing (delivering, most likely): read what is there, deliver next look
    try:
        play = ex.in_play(store)
    except ex.NoExercise:
        return None
    startex = play.clock.startex
    cards = []
    for d in ex.deliveries(store):
        inject = play.scenario.inject(d.inject_id)
        if d.delivered_at is None or inject is None:
            continue  # a contingency inject that was not needed never reaches the players
        cards.append(Card(d.inject_id, inject.channel.value, inject.from_, inject.to, inject.text, d.planned,
                          format_t(d.delivered_at - startex), d.how, d.attachment))
    return Look(format_t(play.offset), format_t(play.scenario.endex), play.clock.run.value, tuple(cards))


def first_words(text: str, limit: int = 60) -> str:
    flat = " ".join(printable(text).split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


class ExerciseWatch:
    """The app's eye on the exercise: one thread worker, one connection, a look every INTERVAL seconds."""

    INTERVAL = 1.0
    FIRST_TOASTS = 3  # opening the app late: toast up to this many, then one line for the rest

    def __init__(self, app: ContingencyApp) -> None:
        self.app = app
        self.last: Look | None = None
        self.read: set[str] = set()
        self._toasted: set[str] | None = None
        self._poke = threading.Event()

    @classmethod
    def start_if_in_play(cls, app: ContingencyApp) -> ExerciseWatch | None:
        store = app.store
        if not store.is_exercise or store.path is None or not has_run(store):
            return None
        watch = cls(app)
        watch.last = look(store, deliver=False)
        app.run_worker(watch._run, thread=True, exclusive=True, group="exercise-watch", exit_on_error=False,
                       name="exercise watch")
        return watch

    # --- the thread ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        worker = get_current_worker()
        with own_store(self.app.store) as mine:
            while not worker.is_cancelled:
                try:
                    seen = look(mine)
                except StoreError:
                    seen = None
                if worker.is_cancelled:
                    return
                if seen is not None:
                    self.app.call_from_thread(self._saw, seen)
                waited = 0.0
                while waited < self.INTERVAL and not worker.is_cancelled and not self._poke.is_set():
                    self._poke.wait(0.1)
                    waited += 0.1
                self._poke.clear()

    def poke(self) -> None:
        """Look again now (after the facilitator moved the clock or delivered one in this terminal)."""
        self._poke.set()

    # --- the UI thread -------------------------------------------------------------------------------------

    @property
    def unread(self) -> int:
        return sum(1 for c in self.last.cards if c.inject_id not in self.read) if self.last else 0

    def line(self) -> str | None:
        """The banner's exercise line; None when nothing is in play."""
        if self.last is None:
            return None
        seen = self.last
        unread = self.unread
        news = f"{unread} new inject{'' if unread == 1 else 's'}" if unread else "no new injects"
        return f"{seen.clock} {STATE_WORDS.get(seen.state, seen.state.upper())} · {news} ({INBOX_KEY} inbox)"

    def mark_read(self, inject_ids: set[str]) -> None:
        if inject_ids - self.read:
            self.read |= inject_ids
            self._tell_screens()

    def _saw(self, seen: Look) -> None:
        before = self.last
        self.last = seen
        if self._toasted is None:
            self._first_toasts(seen)
        else:
            for group in _groups([c for c in seen.cards if c.inject_id not in self._toasted]):
                if len(group) > 1:
                    self._toast_together(group)
                else:
                    self._toast(group[0])
        self._toasted = {c.inject_id for c in seen.cards}
        if before is None or before.in_play != seen.in_play:
            self.app.refresh_bindings()
        if before != seen:
            self._tell_screens()

    def _first_toasts(self, seen: Look) -> None:
        fresh = [c for c in seen.cards if c.inject_id not in self.read]
        for card in fresh[-self.FIRST_TOASTS:] if len(fresh) <= self.FIRST_TOASTS else []:
            self._toast(card)
        if len(fresh) > self.FIRST_TOASTS:
            self.app.notify(f"{len(fresh)} injects delivered so far; {INBOX_KEY} opens the inbox",
                            title="EXERCISE inbox", timeout=10)

    def _toast(self, card: Card) -> None:
        away = " (while you were away)" if card.how == "while-away" else ""
        self.app.notify(f"From {card.sender}: {first_words(card.text)}{away}",
                        title=f"EXERCISE inject {card.inject_id} · {card.channel}", timeout=12, markup=False)

    def _toast_together(self, group: list[Card]) -> None:
        # One toast for a jump's arrivals: a toast each would cover the screen at 80x24.
        which = ", ".join(f"{c.inject_id} {c.channel}" for c in group)
        self.app.notify(f"The clock jumped to {group[0].delivered}: {which}. {INBOX_KEY} opens the inbox.",
                        title=f"EXERCISE: {len(group)} injects while you were away", timeout=12, markup=False)

    def _tell_screens(self) -> None:
        from contingency.tui.widgets.banner import StoreBanner

        line = self.line()
        for screen in self.app.screen_stack:
            for banner in screen.query(StoreBanner):
                banner.show_play(line)
            shown = getattr(screen, "exercise_changed", None)
            if shown is not None:
                shown()


def watch_of(app) -> ExerciseWatch | None:
    return getattr(app, "exercise_watch", None)


# --- the inbox ------------------------------------------------------------------------------------------------

def card_text(card: Card, *, new: bool, heading: str | None = None) -> Text:
    when = (f"planned {card.planned}, delivered {card.delivered}" if card.planned != card.delivered
            else f"at {card.delivered}")
    how = {"by-hand": " · delivered early by the facilitator", "while-away": " · while you were away"}.get(card.how, "")
    head = f"{'● NEW  ' if new else ''}EXERCISE {card.inject_id} · {card.channel.upper()} · {when}{how}"
    body = [head, f"From: {card.sender}", f"To: {card.to}", printable(card.text).strip()]
    if card.attachment:
        body.append(f"Attachment: {card.attachment}  (i imports it)")
    text = Text("\n".join(printable(line) for line in body))
    text.stylize("bold", 0, len(head))
    if heading:
        text = Text.assemble(Text(heading + "\n", style="italic"), text)
    return text


class ExerciseInboxScreen(AppScreen):
    TITLE = "EXERCISE inbox"
    HELP = ("EXERCISE: the injects delivered to the players so far, newest first, as cards: channel, from, to, the "
            "words, and when it was planned and delivered. Injects that arrived together after the facilitator "
            "jumped the clock are grouped as 'while you were away'. A card with an attachment (the provider's "
            "list) can be imported with `i`, into the incident you came from (or the only one). ● NEW marks "
            "what you have not yet looked at in this terminal.")
    BINDINGS = [
        Binding("i", "import_attachment", "Import attachment", id="inbox-import",
                tooltip="Import the highlighted inject's attached list into the incident"),
        Binding("escape", "app.pop_screen", "Back", id="inbox-back", tooltip="Back to where you were"),
    ]
    DEFAULT_CSS = """
    ExerciseInboxScreen #inbox { height: 1fr; }
    ExerciseInboxScreen #inbox > .option-list--option { padding: 0 1; }
    """

    def __init__(self, incident_id: int | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self._shown: list[Card | None] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        yield Static("EXERCISE inbox: injects delivered so far (newest first)", classes="screen-title")
        yield OptionList(id="inbox")
        yield Static("", id="empty", markup=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.exercise_changed()
        self.query_one("#inbox", OptionList).focus()

    def exercise_changed(self) -> None:
        watch = watch_of(self.app)
        cards = list(watch.last.cards) if watch and watch.last else []
        inbox = self.query_one("#inbox", OptionList)
        keep = inbox.highlighted_option.id if inbox.highlighted_option else None
        if [c for c in self._shown if c] == list(reversed(cards)):
            return
        read = watch.read if watch else set()
        options: list[Option | None] = []
        self._shown = []
        for group in _groups(list(reversed(cards))):
            heading = (f"── While you were away (the clock jumped to {group[0].delivered}): {len(group)} injects ──"
                       if group[0].how == "while-away" and len(group) > 1 else None)
            for card in group:
                # The group's heading rides on its first card, so it scrolls into view with it.
                options.append(Option(card_text(card, new=card.inject_id not in read, heading=heading),
                                      id=card.inject_id))
                self._shown.append(card)
                heading = None
            options.append(None)
            self._shown.append(None)
        inbox.clear_options()
        inbox.add_options(options)
        empty = self.query_one("#empty", Static)
        empty.display = not cards
        empty.update("No injects yet. They arrive here as the exercise clock reaches them." if not cards else "")
        ids = [c.inject_id for c in self._shown if c]
        if keep in ids:
            inbox.highlighted = inbox.get_option_index(keep)
        elif ids:
            inbox.highlighted = inbox.get_option_index(ids[0])

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        watch = watch_of(self.app)
        if watch is not None and event.option.id:
            watch.mark_read({event.option.id})
        self.refresh_bindings()

    def selected(self) -> Card | None:
        inbox = self.query_one("#inbox", OptionList)
        option = inbox.highlighted_option
        return next((c for c in self._shown if c and option is not None and c.inject_id == option.id), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "import_attachment":
            card = self.selected() if self.is_mounted else None
            return True if card and card.attachment else None
        return True

    def action_import_attachment(self) -> None:
        card = self.selected()
        if card is None or not card.attachment:
            self.notify("This inject has no attachment", title="Nothing to import")
            return
        incident_id = self.incident_id or _only_incident(self.store)
        if incident_id is None:
            self.notify("Open the incident the list belongs to first (or create it with n on the home screen), "
                        f"then press {INBOX_KEY} and i there", title="Which incident?", severity="warning",
                        timeout=10)
            return
        self.app.push_screen(PrefilledImportDialog(incident_id, Path(card.attachment)))


def _groups(cards: list[Card]) -> list[list[Card]]:
    """Consecutive 'while you were away' cards delivered at the same time go together; others stand alone."""
    groups: list[list[Card]] = []
    for card in cards:
        last = groups[-1] if groups else None
        if (last and card.how == "while-away" and last[0].how == "while-away"
                and last[0].delivered == card.delivered):
            last.append(card)
        else:
            groups.append([card])
    return groups


def _only_incident(store: Store) -> int | None:
    from contingency.services.incidents import list_incidents

    incidents = list_incidents(store)
    return incidents[0].id if len(incidents) == 1 else None


class PrefilledImportDialog(ImportDialog):
    """The ordinary import, with the inject's attachment already named."""

    def __init__(self, incident_id: int, path: Path) -> None:
        super().__init__(incident_id)
        self.prefill = path

    def on_mount(self) -> None:
        super().on_mount()
        from textual.widgets import Input

        self.query_one("#path", Input).value = str(self.prefill)


def open_inbox(app) -> None:
    """Push the inbox, remembering the incident in front (for importing an attachment into it)."""
    if isinstance(app.screen, ExerciseInboxScreen):
        return
    incident_id = getattr(app.screen, "incident_id", None)
    app.push_screen(ExerciseInboxScreen(incident_id if isinstance(incident_id, int) else None))


