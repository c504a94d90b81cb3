"""Merging a duplicate record moves its costs to the kept record: no claim or charge ever names the record
merged away, totals stay exact to the penny, and the log verifies (issue 9, 'Money and people')."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from contingency.ledger import ClaimKind, ClaimStatus, Route
from contingency.person import Flag
from contingency.services import claims as claim_service
from contingency.services.costs import ledger, plan_merge, reverse_line
from contingency.services.errors import BadInput
from contingency.services.people import (
    add_person,
    merge_differences,
    merge_people,
    parse_changes,
)
from contingency.store import Store
from tests.conftest import as_json, ok
from tests.costs_support import NIGHT, cost

TWIN = {"first_name": "Ada", "last_name": "Twinning", "date_of_birth": "01/02/1940"}


@pytest.fixture
def incident(make_incident):
    return make_incident()


def person(store: Store, incident_id: int, **values: str) -> int:
    return add_person(store, incident_id, parse_changes(store, values)).id


@pytest.fixture
def twins(store, incident):
    """Two records of one self-funding resident (s.48(5)), entered twice with different NHS numbers."""
    keep = person(store, incident.id, **TWIN, nhs_number="9994720066", funding="Private", or_code="Leeds")
    drop = person(store, incident.id, **TWIN, nhs_number="9992134569", funding="Private", or_code="Leeds",
                  service_address="Room 12")
    return keep, drop


def claimable_pence(store: Store, incident_id: int) -> int:
    """What the ledger says is owed by bodies and people, worked out from the rows, not the app's rules."""
    return store.conn.execute(
        "SELECT coalesce(sum(a.amount_pence), 0) FROM cost_allocations a JOIN cost_lines l ON l.id = a.line_id"
        " WHERE l.incident_id = ? AND a.route IN ('s48(7)', 's49(3)', 's48(5)', 's49(3)(d)')",
        [incident_id]).fetchone()[0]


def net_by_person(store: Store, line_id: int) -> Counter:
    return Counter({pid: pence for pid, pence in store.conn.execute(
        "SELECT person_id, sum(amount_pence) FROM cost_allocations WHERE line_id = ? GROUP BY person_id",
        [line_id])})


def claim_people(store: Store, incident_id: int) -> set[int]:
    return {pid for claim in store.claims.for_incident(incident_id) for pid in store.claims.people_on(claim.id)}


def test_a_merge_moves_the_costs_and_no_claim_names_the_merged_record(store, incident, twins):
    keep, drop = twins
    bradford = person(store, incident.id, first_name="Cy", last_name="Bradplaced", funding="LA",
                      funding_body="Bradford", or_code="Bradford")
    night = cost(store, incident.id, [keep, drop, bradford], rate="28.50", unit="per-hour", quantity="48",
                 category="agency-staff")  # £1,368.00: £456.00 each
    taxi = cost(store, incident.id, [drop], rate="45")
    totals_before = {line.id: line.total_pence for line in store.costs.lines(incident.id)}
    owed_before = claimable_pence(store, incident.id)

    kept = merge_people(store, keep, drop, "same resident entered twice by the home")

    # The kept person carries both records' shares of the shared line (no double count) and the taxi.
    night_net = net_by_person(store, night.id)
    assert night_net[keep] == 45600 + 45600 and night_net[drop] == 0 and night_net[bradford] == 45600
    assert net_by_person(store, taxi.id) == Counter({keep: 4500, drop: 0})
    # Nothing was edited: every line keeps its total and every earlier share is still there, cancelled by a
    # logged transfer that cites it, with the decision that moved it.
    assert {line.id: line.total_pence for line in store.costs.lines(incident.id)} == totals_before
    for line in store.costs.lines(incident.id):
        assert sum(a.amount_pence for a in line.allocations) == line.total_pence
    moved = [a for a in store.costs.of_person(drop) if a.reverses is not None]
    assert sorted(-a.amount_pence for a in moved) == [4500, 45600]
    decision = next(d for d in store.decisions.for_incident(incident.id) if d.decision.startswith(f"Move person {drop}"))
    assert decision.rationale == "same resident entered twice by the home"
    assert all(f"decision {decision.id}" in a.route_reason for a in moved)
    assert kept.determination.charge_route.value == "s48(5)"

    result = claim_service.build(store, incident.id)
    assert f"person:{drop}" not in {c.recipient_ref for c in result.claims}
    assert drop not in claim_people(store, incident.id), "no claim line names the record merged away"
    charge = next(c for c in result.claims if c.recipient_ref == f"person:{keep}")
    assert charge.total_pence == 45600 + 45600 + 4500
    assert {line.route for line in store.claims.lines(charge.id)} == {Route.CHARGE_S48}
    assert sum(c.total_pence for c in result.claims) == owed_before, "totals unchanged to the penny"
    assert claim_service.unclaimed_pence(store, incident.id) == 0
    assert store.verify_log().ok


def test_the_ledger_says_where_a_share_went(store, incident, twins):
    keep, drop = twins
    cost(store, incident.id, [drop])
    merge_people(store, keep, drop, "same person")
    rows = ledger(store, incident.id, person_id=drop).rows
    assert rows and all(f"moved to person {keep}" in row.note for row in rows)
    assert ledger(store, incident.id).total_pence == 10000


def test_the_claims_builder_never_names_a_merged_record_even_in_an_old_store(store, incident, twins):
    """A store merged before merges moved costs: the share was left behind on the merged record."""
    keep, drop = twins
    cost(store, incident.id, [keep, drop], rate="50")
    with store.write("merged the old way: costs left behind") as tx:
        store.people.mark_merged(tx, store.people.get(drop), keep, "same person")
    result = claim_service.build(store, incident.id)
    assert [c.recipient_ref for c in result.claims] == [f"person:{keep}"]
    assert drop not in claim_people(store, incident.id)
    assert result.left_out == {"on a record merged into another before merges moved costs: reverse the line and "
                               "add it again for the kept record": 1}, "the officer is told, not left to guess"
    # And the store itself refuses a charge to, or a new cost for, a merged record.
    with pytest.raises(sqlite3.IntegrityError, match="merged into another record"), store.write("x") as tx:
        store.claims.add(tx, incident_id=incident.id, reference="INC1-CHG-PX-001", kind="charge",
                         recipient_ref=f"person:{drop}", recipient_name="x", period=(NIGHT, NIGHT), lines=[],
                         excluded_count=0, excluded_note="", exercise=False, reason="x")
    with pytest.raises(BadInput, match=f"merged into person {keep}"):
        cost(store, incident.id, [drop])
    assert store.verify_log().ok


def test_an_open_charge_to_the_record_stops_the_merge_until_it_is_written_off(store, incident, twins):
    keep, drop = twins
    cost(store, incident.id, [keep, drop], rate="50")
    drafted = claim_service.build(store, incident.id).claims
    to_drop = next(c for c in drafted if c.recipient_ref == f"person:{drop}")
    with pytest.raises(BadInput, match=rf"open charge, {to_drop.reference} \(draft.*write it off in Claims"):
        merge_people(store, keep, drop, "same person")
    assert store.people.get(drop).merged_into is None, "nothing changed"

    claim_service.write_off(store, to_drop.reference, "duplicate record, merging into the kept record",
                            "never sent: nothing is owed on it")
    merge_people(store, keep, drop, "same person")
    again = claim_service.build(store, incident.id).claims
    assert [c.recipient_ref for c in again] == [f"person:{keep}"]
    assert again[0].total_pence == 2500, "the share written off as a draft is charged once, to the kept record"
    assert drop not in {pid for c in again for pid in store.claims.people_on(c.id)}
    assert store.verify_log().ok


def test_a_sent_charge_to_the_record_refuses_the_merge_and_says_what_to_do(store, incident, twins):
    keep, drop = twins
    cost(store, incident.id, [drop], rate="50")
    claim = claim_service.build(store, incident.id).claims[0]
    claim_service.submit(store, claim.reference, "post to the resident's son")
    with pytest.raises(BadInput, match="record the payment or write it off first"):
        merge_people(store, keep, drop, "same person")
    claim_service.record_payment(store, claim.reference, 5000)
    merge_people(store, keep, drop, "same person")  # paid: settled with the person, it stays as history
    assert claim_service.build(store, incident.id).claims == ()
    assert store.verify_log().ok


def test_a_share_already_claimed_from_a_council_stays_claimed_once(store, incident):
    keep = person(store, incident.id, **TWIN, funding="LA", funding_body="Bradford", or_code="Bradford")
    drop = person(store, incident.id, **TWIN, funding="LA", funding_body="Bradford", or_code="Bradford")
    cost(store, incident.id, [keep, drop], rate="50")
    first = claim_service.build(store, incident.id).claims
    assert [(c.kind, c.total_pence) for c in first] == [(ClaimKind.REIMBURSEMENT, 5000)]
    plan = plan_merge(store, store.people.get(keep), store.people.get(drop))
    assert not plan.moves and len(plan.stays) == 1
    merge_people(store, keep, drop, "same person")
    assert claim_service.build(store, incident.id).claims == (), "never claimed twice"
    later = cost(store, incident.id, [keep], rate="10")
    second = claim_service.build(store, incident.id).claims
    assert [c.total_pence for c in second] == [1000]
    assert {line.allocation_id for line in store.claims.lines(second[0].id)} == {later.allocations[0].id}
    assert store.verify_log().ok


def test_a_line_with_a_moved_share_can_still_be_reversed_exactly(store, incident, twins):
    keep, drop = twins
    line = cost(store, incident.id, [keep, drop], rate="33.33")
    merge_people(store, keep, drop, "same person")
    reversal = reverse_line(store, line.id, "wrong taxi firm")
    assert reversal.total_pence == -3333
    assert {a.person_id for a in reversal.allocations} == {keep}
    assert sum(a.amount_pence for a in reversal.allocations) == -3333
    assert claim_service.build(store, incident.id).claims == (), "reversed before it was claimed: nothing owed"
    assert store.verify_log().ok


def test_the_merge_clears_the_duplicate_flag_on_both_records(store, incident, twins):
    keep, drop = twins
    assert all(Flag.DUPLICATE_SUSPECTED in store.people.get(p).determination.flags for p in twins)
    merge_people(store, keep, drop, "same person")
    for record in (store.people.get(keep), store.people.get(drop)):
        assert Flag.DUPLICATE_SUSPECTED not in record.determination.flags
    assert store.people.get(drop).merged_into == keep


def test_a_third_twin_keeps_the_flag(store, incident, twins):
    keep, drop = twins
    third = person(store, incident.id, **TWIN, funding="Private")
    merge_people(store, keep, drop, "same person")
    assert Flag.DUPLICATE_SUSPECTED in store.people.get(keep).determination.flags
    assert Flag.DUPLICATE_SUSPECTED in store.people.get(third).determination.flags


def test_the_differences_the_officer_checks_before_merging(store, incident, twins):
    keep, drop = (store.people.get(p) for p in twins)
    found = {d.what: (d.kept, d.other) for d in merge_differences(keep, drop)}
    assert found["NHS number"] == ("9994720066", "9992134569")
    assert found["Where care is given"] == ("not recorded", "Room 12")
    assert "Date of birth" not in found and "Funding" not in found


# --- the command line, on the real demo store -----------------------------------------------------------------


def test_people_show_after_merging_the_demo_duplicate(demo_cli, demo_db):
    def run(*args: str):
        return demo_cli(*args, db=demo_db)

    pair = as_json(run("people", "list", "1", "--flag", "duplicate-suspected", "--json"))
    keep, drop = sorted(p["id"] for p in pair)
    merged = ok(run("people", "merge", str(keep), str(drop), "--reason", "same resident entered twice")).stdout
    assert f"person {drop} merged into person {keep}" in merged
    assert "NHS number:" in merged, "the differences are shown"
    shown = ok(run("people", "show", str(drop))).stdout
    assert "duplicate suspected" not in shown
    assert f"MERGED into person {keep}" in shown
    assert "duplicate suspected" not in ok(run("people", "show", str(keep))).stdout
    built = as_json(run("claims", "build", "1", "--json"))
    assert f"person:{drop}" not in {c["recipient_ref"] for c in built["claims"]}
    for claim in built["claims"]:
        detail = as_json(run("claims", "show", claim["reference"], "--json"))
        assert drop not in {line["person_id"] for line in detail["lines"]}
        assert claim["status"] == ClaimStatus.DRAFT.value


# --- the person screen ---------------------------------------------------------------------------------------


async def test_the_merge_dialog_shows_where_the_records_differ_and_m_is_hidden_without_a_twin(tmp_path):
    from textual.widgets import Static

    from contingency.tui.app import ContingencyApp
    from contingency.tui.screens.person import MergeDialog, PersonScreen
    from tests.tui_support import SIZE, demo_store

    store = demo_store(tmp_path)
    roster = store.people.all(1)
    keep, drop = sorted(p.id for p in roster if Flag.DUPLICATE_SUSPECTED in p.determination.flags)
    loner = next(p.id for p in roster if p.id not in (keep, drop))
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(loner))
        await pilot.pause()
        screen = app.screen
        assert "m" not in screen.active_bindings, "no suspected duplicate: the Merge key is not offered"
        await pilot.press("m")
        await pilot.pause()
        assert app.screen is screen

        app.push_screen(PersonScreen(keep))
        await pilot.pause()
        assert "m" in app.screen.active_bindings
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MergeDialog)
        shown = str(app.screen.query_one("#merge-differences", Static).content)
        kept_nhs, other_nhs = store.people.get(keep).facts.nhs_number, store.people.get(drop).facts.nhs_number
        assert "NHS number" in shown and kept_nhs in shown and other_nhs in shown
        assert "Costs:" in shown
        assert app.focused.id == "reason", "one twin: nothing to choose, the reason is typed at once"
        await pilot.press(*"same resident entered twice", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        assert "m" not in app.screen.active_bindings, "merged: nothing left to merge"
    assert store.people.get(drop).merged_into == keep
    assert store.verify_log().ok


def test_a_refund_of_a_charge_paid_under_the_merged_record_goes_to_the_kept_record(store, incident, twins):
    keep, drop = twins
    line = cost(store, incident.id, [drop], rate="50")
    charge = claim_service.build(store, incident.id).claims[0]
    claim_service.submit(store, charge.reference, "post to the resident's son")
    claim_service.record_payment(store, charge.reference, 5000)
    merge_people(store, keep, drop, "same person")

    reverse_line(store, line.id, "the home had already paid the taxi")
    refund = claim_service.build(store, incident.id).claims
    assert [(c.recipient_ref, c.total_pence) for c in refund] == [(f"person:{keep}", -5000)], \
        "the £50 the person paid comes back to them, on their one account"
    assert claim_service.unclaimed_pence(store, incident.id) == 0
    assert store.verify_log().ok


def test_what_is_unclaimed_counts_a_moved_share_once(store, incident, twins):
    keep, drop = twins
    cost(store, incident.id, [drop], rate="25")
    draft = claim_service.build(store, incident.id).claims[0]
    claim_service.write_off(store, draft.reference, "duplicate record, merging", "never sent")
    merge_people(store, keep, drop, "same person")
    assert claim_service.unclaimed_pence(store, incident.id) == 2500, "owed by the kept record, not yet charged"
    claim_service.build(store, incident.id)
    assert claim_service.unclaimed_pence(store, incident.id) == 0


def test_the_merge_plans_under_the_write_lock(store, incident, twins, monkeypatch):
    """Another officer cannot build a charge to the record between the merge's check and its write."""
    from contingency.services import costs as cost_service
    from contingency.store import StoreBusy, open_store

    keep, drop = twins
    cost(store, incident.id, [drop], rate="50")
    planned = cost_service.plan_merge
    other = open_store(store.path, officer="Second Officer", clock=store.clock, busy_timeout_ms=50)

    def plan_while_another_builds(*args, **kwargs):
        with pytest.raises(StoreBusy):
            claim_service.build(other, incident.id)
        return planned(*args, **kwargs)

    monkeypatch.setattr(cost_service, "plan_merge", plan_while_another_builds)
    try:
        merge_people(store, keep, drop, "same person")
    finally:
        other.close()
    assert [c.recipient_ref for c in claim_service.build(store, incident.id).claims] == [f"person:{keep}"]


def test_a_draft_charge_at_cost_to_our_own_client_from_before_0009_cannot_be_sent(store, incident):
    ours = person(store, incident.id, first_name="Owen", last_name="Ourclient", funding="LA", funding_body="Leeds",
                  or_code="Leeds")
    line = cost(store, incident.id, [ours], rate="40")
    share = line.allocations[0]
    assert share.route is Route.CHARGE_S14
    store.conn.execute("DROP TRIGGER claim_line_never_s14")  # as an older store drafted it
    with store.write("drafted by an older version") as tx:
        store.claims.add(tx, incident_id=incident.id, reference="INC1-CHG-P1-001", kind="charge",
                         recipient_ref=f"person:{ours}", recipient_name="Owen Ourclient", period=(NIGHT, NIGHT),
                         lines=[(share.id, "s14", share.amount_pence)], excluded_count=0, excluded_note="",
                         exercise=False, reason="x")
    with pytest.raises(BadInput, match="financial assessment.*Write this draft off"):
        claim_service.submit(store, "INC1-CHG-P1-001", "post")
