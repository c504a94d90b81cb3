"""Choosing people from the roster by what the officer knows: a name, an NHS number, a provider reference.

Each keystroke asks the store for one short page of matches (the roster's own search, with a LIMIT), so
a 50,000-person incident costs the same as a 50-person one; "everyone on this incident" is a flag, and
the ids are read only when the form saves.
"""

from __future__ import annotations

import re
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from contingency.rules.identifiers import format_nhs_number
from contingency.services import people as people_service
from contingency.store import Store
from contingency.store.people import RosterQuery, RosterRow

PAGE = 5
NAMES_SHOWN = 4
LINE = 64  # a match's line at 80 columns, inside the dialog's border and the list's marks
# "12, 15" or "12 15," typed into the search: person ids, as the command line and the old form took them.
_ID_LIST = re.compile(r"\s*(?:all|\d+(?:\s*[,;]\s*\d+)+\s*[,;]?|\d+\s*[,;])\s*", re.IGNORECASE)


def describe(row: RosterRow) -> str:
    """One line per person, enough to tell two of the same name apart."""
    parts = [row.display_name]
    if row.nhs_number:
        parts.append(f"NHS {format_nhs_number(row.nhs_number)}")
    if row.provider_ref:
        parts.append(f"ref {row.provider_ref}")
    line = " · ".join(parts)
    if row.date_of_birth:
        year, month, day = row.date_of_birth.split("-")
        with_birth = f"{line} · born {day}/{month}/{year}"
        # The date of birth goes first when the line is full: a wrapped match reads as two people.
        if len(with_birth) <= LINE:
            return with_birth
    return line


def search_words(text: str) -> str:
    """An NHS number typed with spaces or dashes is one number to the roster's search, not three words."""
    if re.fullmatch(r"[\d\s-]+", text) and len(re.sub(r"\D", "", text)) >= 3:
        return re.sub(r"\D", "", text)
    return text


class _Matches(OptionList):
    """The page of matches. Space picks; enter and tab move on; typing goes back to the search."""

    BINDINGS = [
        Binding("space", "toggle", "Pick", tooltip="Pick or drop the highlighted person"),
        Binding("enter", "move_on", "Next field", show=False),
    ]

    def action_toggle(self) -> None:
        if self.highlighted is not None:
            self.picker.toggle(self.options[self.highlighted].id)

    def action_move_on(self) -> None:
        self.picker.action_move_on()

    def action_cursor_up(self) -> None:
        if self.highlighted in (None, 0):
            self.picker.search.focus()
        else:
            super().action_cursor_up()

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and event.character != " ":
            event.stop()
            event.prevent_default()
            search = self.picker.search
            search.focus()
            search.insert_text_at_cursor(event.character)

    @property
    def picker(self) -> PersonPicker:
        return self.query_ancestor(PersonPicker)


class PersonPicker(Vertical, can_focus=False):
    """Who a cost (or anything else) is for. `chosen_ids()` gives the ids; Changed is posted on every change."""

    DEFAULT_CSS = """
    PersonPicker { height: auto; }
    PersonPicker > Label { color: $text-muted; }
    PersonPicker > Input.-textual-compact { background: $boost; }
    PersonPicker > Input.-textual-compact:focus { background: $primary 25%; }
    PersonPicker > OptionList { height: auto; max-height: 5; border: none; padding: 0; background: $surface; }
    PersonPicker > OptionList:focus { background-tint: $foreground 5%; }
    PersonPicker > #picker-more, PersonPicker > #picker-keys { color: $text-muted; }
    PersonPicker > #picker-chosen { text-style: bold; }
    """
    BINDINGS = [
        Binding("tab", "move_on", "Next field", show=False),
        Binding("ctrl+o", "everyone", "Everyone", tooltip="Everyone on this incident, or back to choosing people"),
    ]

    class Changed(Message):
        def __init__(self, picker: PersonPicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> PersonPicker:
            return self.picker

    def __init__(self, store: Store, incident_id: int, *, label: str = "People", chosen: list[int] | None = None,
                 everyone: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.label = label
        self.everyone = everyone
        # id -> how the person is shown; only the chosen few are held, never the roster.
        self.chosen: dict[int, str] = {row.id: row.display_name
                                       for row in people_service.roster_rows_by_id(store, incident_id, chosen or [])}

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        yield Input(placeholder="type a name, NHS number or provider ref", id="picker-search", compact=True)
        yield _Matches(id="picker-results")
        yield Static("", id="picker-more", markup=False)
        yield Static("", id="picker-chosen", markup=False)
        yield Static("enter picks the top match · ↓ then space picks · ctrl+o everyone", id="picker-keys",
                     markup=False)

    def on_mount(self) -> None:
        self._search("")
        self._show_chosen()

    # --- what the form reads ------------------------------------------------------------------------------

    @property
    def search(self) -> Input:
        return self.query_one("#picker-search", Input)

    @property
    def form_value(self) -> Any:
        """What counts as typed, for the form's "discard what you typed?"."""
        return (self.everyone, tuple(self.chosen))

    def chosen_ids(self) -> list[int]:
        if self.everyone:
            return people_service.person_ids(self.store, self.incident_id)
        return list(self.chosen)

    # --- choosing -------------------------------------------------------------------------------------------

    def toggle(self, person_id: Any) -> None:
        if person_id is None:
            return
        if self.everyone:
            self.notify("Everyone on this incident is chosen; ctrl+o to choose people one by one instead",
                        severity="warning")
            return
        person_id = int(person_id)
        if person_id in self.chosen:
            del self.chosen[person_id]
        else:
            rows = people_service.roster_rows_by_id(self.store, self.incident_id, [person_id])
            if rows:
                self.chosen[person_id] = rows[0].display_name
        self._changed()

    def choose(self, person_ids: list[int]) -> list[int]:
        """Add these people; returns the ids that are not on this incident's roster."""
        rows = people_service.roster_rows_by_id(self.store, self.incident_id, person_ids)
        for row in rows:
            self.chosen.setdefault(row.id, row.display_name)
        found = {row.id for row in rows}
        self._changed()
        return [i for i in person_ids if i not in found]

    def action_everyone(self) -> None:
        self.everyone = not self.everyone
        self._changed()

    def action_move_on(self) -> None:
        """Past the picker to the next field (its list is reached with the arrow keys, not tab)."""
        self._take_typed_ids()
        chain = self.screen.focus_chain
        inside = [w for w in chain if w is self or self in w.ancestors]
        if inside:
            after = chain.index(inside[-1]) + 1
            if after < len(chain):
                chain[after].focus()
                return
        self.screen.focus_next()

    def _changed(self) -> None:
        self._show_chosen()
        self._refresh_marks()
        self.post_message(self.Changed(self))

    # --- searching ------------------------------------------------------------------------------------------

    @on(Input.Changed, "#picker-search")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._search(event.value)

    @on(Input.Submitted, "#picker-search")
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter picks the top match (or the ids typed), so "name, enter, name, enter" picks several."""
        event.stop()
        if self._take_typed_ids():
            return
        results = self.query_one(_Matches)
        if event.value.strip() and results.option_count:
            self.toggle(results.options[results.highlighted or 0].id)
            self.search.value = ""
        else:
            self.action_move_on()

    @on(Input.Blurred, "#picker-search")
    def _left(self) -> None:
        self._take_typed_ids()

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.search.has_focus:
            results = self.query_one(_Matches)
            if results.option_count:
                event.stop()
                results.focus()
                results.highlighted = results.highlighted or 0

    def _take_typed_ids(self) -> bool:
        text = self.search.value
        if not _ID_LIST.fullmatch(text):
            return False
        if text.strip().lower() == "all":
            self.everyone = True
            self._changed()
        else:
            missing = self.choose([int(i) for i in re.findall(r"\d+", text)])
            if missing:
                self.notify(f"Not on this incident's roster: {', '.join(map(str, missing))}", severity="warning")
        self.search.value = ""
        return True

    def _search(self, text: str) -> None:
        if _ID_LIST.fullmatch(text) and text.strip().lower() != "all":
            rows = people_service.roster_rows_by_id(self.store, self.incident_id,
                                                    [int(i) for i in re.findall(r"\d+", text)])
        else:
            query = RosterQuery(self.incident_id, search=search_words(text.strip()))
            rows = people_service.roster_rows(self.store, query, limit=PAGE + 1)
        more = len(rows) > PAGE
        self._rows = rows[:PAGE]
        self._refresh_marks()
        note = self.query_one("#picker-more", Static)
        if not self._rows:
            note.update(f"Nobody on the roster matches {text.strip()!r}" if text.strip() else "The roster is empty")
        elif more:
            note.update(f"More than {PAGE} match: type more to narrow them")
        else:
            note.update("")
        note.display = bool(note.content)

    def _refresh_marks(self) -> None:
        results = self.query_one(_Matches)
        highlighted = results.highlighted
        results.set_options(
            Option(Content(f"{'[x]' if self.everyone or row.id in self.chosen else '[ ]'} {describe(row)}"),
                   id=str(row.id))
            for row in getattr(self, "_rows", []))
        if highlighted is not None and results.option_count:
            results.highlighted = min(highlighted, results.option_count - 1)

    def _show_chosen(self) -> None:
        chosen = self.query_one("#picker-chosen", Static)
        if self.everyone:
            total = people_service.roster_count(self.store, RosterQuery(self.incident_id))
            chosen.update(f"Chosen: everyone on this incident ({total:,} people)")
        elif not self.chosen:
            chosen.update("Chosen: nobody yet")
        else:
            names = list(self.chosen.values())
            more = f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
            chosen.update(f"Chosen {len(names)}: {', '.join(names[:NAMES_SHOWN])}{more}")
