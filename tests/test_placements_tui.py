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


async def test_f_records_what_matching_needs_and_a_partner_can_be_undone(tmp_path):
    from textual.widgets import Input, Select, Static

    from contingency.services.placements import repo
    from contingency.tui.dialogs.money import ActionDialog

    store = demo_store(tmp_path)
    incident_id = next(i.id for i in store.incidents.list() if i.facts.service_kind.value == "care-home")
    ada, bert = sorted((p for p in store.people.all(incident_id) if p.merged_into is None), key=lambda p: p.id)[:2]
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PlacementsScreen(incident_id, ada.id))
        await pilot.pause()
        assert "f Facts" in keys_line(app)
        await pilot.press("f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog) and ada.facts.display_name in str(dialog.title_text)
        dialog.query_one("#partner", Input).value = "nobody by this name"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert "Partner: Nobody on this incident matches" in str(dialog.query_one("#dialog-error", Static).content)
        dialog.query_one("#partner", Input).value = str(bert.id)
        dialog.query_one("#shares_room", Select).value = "yes"
        dialog.query_one("#sex", Select).value = "female"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PlacementsScreen)
        assert repo(store).partner_of(ada.id) == bert.id and repo(store).partner_of(bert.id) == ada.id
        assert repo(store).profile(bert.id)["shares_room"] and repo(store).profile(ada.id)["sex"] == "female"

        await pilot.press("f")  # as recorded; a blank partner undoes the pair on both records
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#partner", Input).value == str(bert.id)
        assert dialog.query_one("#shares_room", Select).value == "yes"
        dialog.query_one("#partner", Input).value = ""
        dialog.query_one("#shares_room", Select).value = "no"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PlacementsScreen)
    assert repo(store).partner_of(ada.id) is None and repo(store).partner_of(bert.id) is None
    assert store.verify_log().ok


async def test_i_imports_a_list_of_offers_and_lists_the_rows_it_could_not_read(tmp_path):
    from textual.widgets import Input, Static

    from contingency.tui.dialogs.offers_import import OffersImportDialog
    from contingency.tui.widgets.fields import Field

    offers_csv = tmp_path / "brokerage offers.csv"
    offers_csv.write_text("Home,Postcode,Type,Beds,Weekly rate,Held until\n"
                          "Beech House (EXERCISE),LS6 2AB,nursing,2,\"1,050.00\",31/12/2026\n"
                          "Ash Grove (EXERCISE),LS7 1AB,teleport,1,850,31/12/2026\n", encoding="utf-8")
    store = demo_store(tmp_path)
    incident_id = next(i.id for i in store.incidents.list() if i.facts.service_kind.value == "care-home")
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PlacementsScreen(incident_id))
        await pilot.pause()
        await pilot.press("escape")  # done typing: the screen's keys
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OffersImportDialog)
        dialog.query_one("#path", Input).value = str(tmp_path / "missing.csv")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "missing.csv" in str(dialog.query_one("#f-path", Field).query_one(".field--message", Static).content)
        dialog.query_one("#path", Input).value = str(offers_csv)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = str(dialog.query_one("#work-result", Static).content)
        assert "1 offer(s) imported, 1 rejected" in result and "row 3: type: 'teleport' is not one of" in result
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlacementsScreen)
        table = app.screen.query_one("#vacancy-table")
        assert "Beech House (EXERCISE)" in [str(table.get_row_at(row)[1]) for row in range(table.row_count)]


async def test_a_move_checklist_item_in_whats_next_names_its_provider(tmp_path):
    from datetime import timedelta

    from textual.widgets import DataTable

    from contingency.clock import fixed_clock
    from contingency.services.placements import decide_move, match
    from contingency.tui.screens.whats_next import WhatsNextScreen
    from tests.tui_support import DEMO_NOW

    store = demo_store(tmp_path)
    incident = next(i for i in store.incidents.list() if i.facts.service_kind.value == "care-home")
    person = next(p for p in sorted(store.people.all(incident.id), key=lambda p: p.id)
                  if p.facts.status is PersonStatus.WITH_PROVIDER and p.merged_into is None and match(store, p.id).matches)
    decide_move(store, person.id, match(store, person.id).matches[0].vacancy.id, rationale="nearest")
    store.clock = fixed_clock(DEMO_NOW + timedelta(hours=25))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(WhatsNextScreen())
        await pilot.pause()
        table = app.screen.query_one("#next-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        moves = [r for r in rows if r[2].startswith(person.facts.display_name + ":")]
        assert moves and {r[1] for r in moves} == {incident.facts.provider_name}
