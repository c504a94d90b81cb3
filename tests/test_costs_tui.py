"""The costs and claims sections from the keyboard: add a line with its live total, reverse it, build claims,
submit with the exercise confirmation, record a payment; and a snapshot of the ledger at 80x24."""

from __future__ import annotations

from textual.widgets import Checkbox, DataTable, Input, Select, Static

from contingency.ledger import ClaimStatus, Route
from contingency.tui.app import ContingencyApp
from contingency.tui.dialogs.money import (
    ActionDialog,
    AddCostDialog,
    DetailDialog,
)
from contingency.tui.sections.claims import ClaimsView
from contingency.tui.sections.costs import CostsView
from contingency.tui.widgets.filter_choice import FilterChoice
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


def cells(app, table_id: str, row: int) -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [str(c) for c in table.get_row_at(row)]


async def open_section(pilot, key: str) -> None:
    await pilot.press(*OPEN_CARE_HOME)
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()


async def test_add_a_cost_line_through_the_dialog_with_a_live_total(tmp_path):
    store = demo_store(tmp_path)
    lines_before = len(store.costs.lines(1))
    bradford = next(p.id for p in store.people.all(1) if p.determination.recover_from == "la:E08000032")
    self_funder = next(p.id for p in store.people.all(1) if p.determination.charge_route == "s48(5)")
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "6")
        view = app.screen.query_one(CostsView)
        assert app.focused is view.query_one("#costs-table", DataTable)
        assert cells(app, "#costs-table", 0)[0] == "1"
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AddCostDialog)
        await pilot.press(*f"{bradford}, {self_funder}")
        await pilot.press("tab", *"Oakfield Lodge")
        dialog.query_one("#unit", Select).value = "per-week"
        dialog.query_one("#rate", Input).focus()
        await pilot.press(*"1050")
        await pilot.pause()
        live = dialog.query_one("#live-total", Static)
        assert "Total £150.00" in str(live.content), "one day of a weekly rate, as typed"
        dialog.query_one("#end", Input).focus()
        await pilot.press(*"20/12/2026")
        await pilot.pause()
        assert str(live.content).startswith("Total £4,200.00 = £1,050.00 a week x 1 x 28 days / 7")
        assert "£2,100.00 each for 2 people" in str(live.content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AddCostDialog), "no decision yet: nothing saved"
        assert "decision that authorised it" in str(live.content) and live.has_class("-error")
        dialog.query_one("#decision-text", Input).value = "Move two more residents to Oakfield Lodge"
        dialog.query_one("#rationale", Input).value = "Oakfield had two more vacancies"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, AddCostDialog)
        last = app.screen.query_one("#costs-table", DataTable).row_count - 1
        assert cells(app, "#costs-table", last)[-1] == "£4,200.00"
    line = store.costs.lines(1)[-1]
    assert len(store.costs.lines(1)) == lines_before + 1
    assert (line.total_pence, line.supplier) == (420000, "Oakfield Lodge")
    assert {a.person_id: a.route for a in line.allocations} == {bradford: Route.RECOVER_ENGLISH,
                                                                self_funder: Route.CHARGE_S48}
    assert store.decisions.get(line.decision_id).rationale == "Oakfield had two more vacancies"


async def test_reverse_a_line_and_read_it(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "6")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailDialog)
        detail = str(app.screen.query_one("#detail-text", Static).content)
        assert "£4,200.00 = £1,050.00 a week x 1 x 28 days / 7" in detail and "Authorised by decision" in detail
        await pilot.press("escape", "r")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        await pilot.press(*"wrong home", "ctrl+s")
        await pilot.pause()
        assert "REVERSED by 9" in cells(app, "#costs-table", 1)[2]
        assert cells(app, "#costs-table", 8)[2].startswith("REVERSAL of 2")
    assert store.costs.lines(1)[-1].corrects == 2


async def test_build_submit_and_pay_a_claim_from_the_keyboard(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "7")
        view = app.screen.query_one(ClaimsView)
        assert "b builds claims" in str(view.query_one("#claims-summary", Static).content)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert cells(app, "#claims-table", 0)[:3] == ["Bradford", "BRD-001", "draft"]
        assert cells(app, "#claims-table", 0)[5] == "not sent"
        await pilot.press("m")
        await pilot.pause()
        dialog = app.screen
        await pilot.press(*"Bradford accounts payable", "ctrl+s")
        await pilot.pause()
        assert "EXERCISE claim" in str(dialog.query_one("#dialog-error", Static).content)
        dialog.query_one("#exercise", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert cells(app, "#claims-table", 0)[2] == "submitted"
        assert cells(app, "#claims-table", 0)[5] == "0-30 days"
        await pilot.press("p")
        await pilot.pause()
        amount = app.screen.query_one("#amount", Input)
        assert amount.value == "4300.84", "the balance is offered"
        amount.value = "300.84"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert cells(app, "#claims-table", 0)[2:5] == ["part-paid", "£4,300.84", "£4,000.00"]
        await pilot.press("v")
        await pilot.pause()
        assert cells(app, "#claims-table", 0)[:3] == ["Bradford", "£4,000.00", "£4,000.00"]
    claim = store.claims.by_reference("INC1-CLM-BRD-001")
    assert claim.status is ClaimStatus.PART_PAID and claim.paid_pence == 30084


def test_the_costs_section_at_80x24(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setattr(Input, "cursor_blink", False)
    assert snap_compare(ContingencyApp(demo_store(tmp_path)), terminal_size=SIZE, press=[*OPEN_CARE_HOME, "wait:200", "6",
                                                                                           "wait:300"])


async def test_claim_keys_with_nothing_to_act_on_say_what_to_do(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_section(pilot, "7")
        screen = app.screen
        for key in ("m", "p", "x", "a", "w"):
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, f"{key}: no dialog without a claim"
            assert any("b builds claims" in n.message for n in app._notifications), key


async def test_r_resolves_an_ordinary_residence_dispute_from_the_claims_section(tmp_path):
    from datetime import date

    from contingency.services import claims as service

    store = demo_store(tmp_path)
    person = next(p for p in store.people.all(1) if p.determination.recover_from == "la:E08000032")
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_section(pilot, "7")
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, ActionDialog), "nothing to resolve yet"
        assert any("No ordinary-residence dispute" in n.message for n in app._notifications)
        dispute = service.add_or_dispute(store, person.id, "Bradford", "Bradford say he moved to Leeds in 2019",
                                         date(2026, 7, 1)).dispute
        app.screen.query_one(ClaimsView).reload()
        await pilot.pause()
        assert "OVERDUE" in str(app.screen.query_one("#claims-summary", Static).content), "four months have passed"
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert str(dialog.query_one("#dispute", Select).value) == str(dispute.id)
        dialog.query_one("#on", Input).value = "31/02/2026"
        await pilot.press("tab", *"Bradford accepted", "ctrl+s")
        await pilot.pause()
        assert app.screen is dialog and "31/02/2026" in str(dialog.query_one("#dialog-error", Static).content)
        dialog.query_one("#on", Input).value = "20/11/2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen.query_one(ClaimsView), ClaimsView)
        assert "OVERDUE" not in str(app.screen.query_one("#claims-summary", Static).content)
    resolved = store.disputes.get(dispute.id)
    assert (resolved.resolved_on, resolved.resolution) == (date(2026, 11, 20), "Bradford accepted")
    assert service.open_disputes(store, 1) == []


async def test_the_person_filter_narrows_the_ledger_to_their_shares(tmp_path):
    app = ContingencyApp(demo_store(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await open_section(pilot, "6")
        status = app.screen.query_one("#costs-status", Static)
        assert "(filtered)" not in str(status.content)
        person = app.screen.query_one("#costs-person-filter", FilterChoice)
        assert person.options == []  # read when opened: at 50,000 shares it is a tenth of a second
        person.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert person.options  # the people with shares, by name
        await pilot.press("down", "enter")
        await pilot.pause()
        name, person_id = person.options[0]
        assert person.value == person_id and str(person.content) == f"{name} ▾"
        assert "(filtered)" in str(status.content)
        app.screen.query_one("#costs-table", DataTable).focus()
        await pilot.press("x")
        await pilot.pause()
        assert person.value is None and "(filtered)" not in str(status.content)
