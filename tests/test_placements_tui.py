"""The placements screens as a new officer meets them at 80x24: the incident's `m`, a person's matches, the move
decision with its reason, and the checklist ticked with a note."""

from __future__ import annotations

from contingency.person import PersonStatus
from contingency.services.placements import checklist, repo
from contingency.tui.app import ContingencyApp
from contingency.tui.screens.placements import (
    MoveChecklistScreen,
    MoveDecisionDialog,
    PlacementsScreen,
)
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


def keys_line(app) -> str:
    """The footer's line as the officer reads it."""
    from contingency.tui.widgets.keys_footer import KeysFooter

    return app.screen.query_one(KeysFooter).render_line(0).text


async def test_match_decide_and_tick_at_80x24(tmp_path):
    store = demo_store(tmp_path)
    incident_id = next(i.id for i in store.incidents.list() if i.facts.service_kind.value == "care-home")
    person = next(p for p in sorted(store.people.all(incident_id), key=lambda p: p.id)
                  if p.facts.status is PersonStatus.WITH_PROVIDER and p.merged_into is None)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        await pilot.press("M")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlacementsScreen)
        assert "1 EXPIRED" in str(screen.query_one("#offers-title").render())
        # Found as the roster finds people: here by NHS number (a name, reference or id would do as well).
        await pilot.press(*(person.facts.nhs_number or str(person.id)), "enter")
        await pilot.pause()
        assert screen.match_ids, "the demo offers something to the first resident"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MoveDecisionDialog)
        await pilot.press(*"Nearest to family", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PlacementsScreen)
        assert repo(store).current_move(person.id) is not None
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, MoveChecklistScreen)
        first = checklist(store, person.id).rows[0].item.key
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("tab", *"Sent with the escort", "ctrl+s")
        await pilot.pause()
        row = next(r for r in checklist(store, person.id).rows if r.item.key == first)
        assert row.item.state.value == "done" and row.item.note == "Sent with the escort"
        assert "DONE" in str(app.screen.query_one("#check-table").get_row_at(0)[0])


async def test_n_records_an_offer_that_lists_at_once(tmp_path):
    from textual.widgets import Input

    from contingency.tui.dialogs.money import ActionDialog

    store = demo_store(tmp_path)
    incident_id = next(i.id for i in store.incidents.list() if i.facts.service_kind.value == "care-home")
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PlacementsScreen(incident_id))
        await pilot.pause()
        before = str(app.screen.query_one("#offers-title").render())
        # The person field has the focus first, so n would be typed there and the footer hides the screen's
        # letter keys: escape leaves the field, keeping what was typed, and the keys are back.
        await pilot.press(*"Ma", "escape")
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#vacancy-table")
        assert app.screen.query_one("#person-id", Input).value == "Ma"
        assert "n Add offer" in keys_line(app) and "c Checklist" in keys_line(app)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        dialog.query_one("#provider", Input).value = "Beech House (EXERCISE)"
        dialog.query_one("#rate", Input).value = "£1,2,3"
        await pilot.pause()
        await pilot.press("ctrl+s")  # a money value that is not one: refused in the dialog
        await pilot.pause()
        assert app.screen is dialog
        dialog.query_one("#rate", Input).value = "1,010.00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PlacementsScreen)
        assert str(app.screen.query_one("#offers-title").render()) != before
    from contingency.services.placements import offers

    assert [o.vacancy.weekly_rate_pence for o in offers(store, incident_id)
            if o.vacancy.provider == "Beech House (EXERCISE)"] == [101_000]
