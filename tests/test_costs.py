"""The cost ledger: lines with their authorising decisions, shares routed from each person's determination,
reversals instead of edits, route changes only through decisions; and the schema that enforces it."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from contingency.ledger import Route
from contingency.services import costs as service
from contingency.services.errors import BadInput
from contingency.services.people import edit_person, merge_people
from tests.costs_support import NIGHT, cast, cost


@pytest.fixture
def incident(make_incident):
    return make_incident()


@pytest.fixture
def people(store, incident):
    return cast(store, incident.id)


def test_a_line_is_shared_routed_and_authorised(store, incident, people):
    ids = list(people.values())
    line = cost(store, incident.id, ids, rate="100.01", supplier="Acme Taxis", decision_text="Taxi to Oakfield",
                rationale="the home closes tonight")
    assert line.total_pence == 10001
    assert [a.amount_pence for a in line.allocations] == [2001, 2000, 2000, 2000, 2000], "leftover penny to lowest id"
    assert sum(a.amount_pence for a in line.allocations) == line.total_pence
    routes = {a.person_id: a.route for a in line.allocations}
    assert routes == {people["self_funder"]: Route.CHARGE_S48, people["our_client"]: Route.CHARGE_S14,
                      people["bradford"]: Route.RECOVER_ENGLISH, people["cardiff"]: Route.RECOVER_CROSS_BORDER,
                      people["chc"]: Route.NHS}
    decision = store.decisions.get(line.decision_id)
    assert (decision.decision, decision.rationale) == ("Taxi to Oakfield", "the home closes tonight")
    assert store.verify_log().ok


def test_an_existing_decision_can_authorise_more_lines(store, incident, people):
    first = cost(store, incident.id, [people["bradford"]])
    second = service.add_line(store, incident.id, supplier="Acme", category="transport", unit="one-off", rate="5",
                              period_start=NIGHT, period_end=NIGHT, person_ids=[people["bradford"]],
                              decision_id=first.decision_id)
    assert second.decision_id == first.decision_id
    assert len(store.decisions.for_incident(incident.id)) == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"decision_text": "", "rationale": ""}, "decision that authorised it"),
    ({"rationale": ""}, "decision that authorised it"),
    ({"supplier": "  "}, "who supplied it"),
    ({"rate": "0"}, "more than £0.00"),
    ({"rate": "-4"}, "cannot be negative"),
    ({"rate": "12.345"}, "not an amount in pounds"),
    ({"unit": "per-hour"}, "needs a quantity"),
    ({"unit": "one-off", "end": date(2026, 11, 24)}, "one date"),
    ({"unit": "per-fortnight"}, "unit 'per-fortnight' is not one of"),
    ({"category": "lunch"}, "category 'lunch' is not one of"),
    ({"start": date(2026, 11, 22)}, "before we became aware"),
    ({"start": NIGHT, "end": date(2026, 11, 22), "unit": "per-day"}, "ends"),
])
def test_bad_lines_are_refused_with_what_to_fix(store, incident, people, change, message):
    args = {"supplier": "Acme", "category": "transport", "unit": "per-day", "rate": "10", "start": NIGHT,
            "end": NIGHT, "decision_text": "Pay", "rationale": "needed", **change}
    with pytest.raises(BadInput, match=message):
        service.add_line(store, incident.id, supplier=args["supplier"], category=args["category"], unit=args["unit"],
                         rate=args["rate"], period_start=args["start"], period_end=args["end"],
                         person_ids=[people["bradford"]], decision_text=args["decision_text"],
                         rationale=args["rationale"])
    assert store.costs.lines(incident.id) == []


def test_people_must_be_on_this_incident_and_not_merged_away(store, incident, people, make_incident):
    other = make_incident(provider="Other Homes Ltd")
    stranger = cast(store, other.id)["bradford"]
    with pytest.raises(BadInput, match=f"person {stranger} is on incident {other.id}"):
        cost(store, incident.id, [stranger])
    with pytest.raises(BadInput, match="there is no person 999"):
        cost(store, incident.id, [999])
    with pytest.raises(BadInput, match="listed twice"):
        cost(store, incident.id, [people["bradford"], people["bradford"]])
    merge_people(store, people["self_funder"], people["our_client"], "same person")
    with pytest.raises(BadInput, match=f"merged into person {people['self_funder']}"):
        cost(store, incident.id, [people["our_client"]])


def test_a_decision_from_another_incident_cannot_authorise_a_line(store, incident, people, make_incident):
    other = make_incident(provider="Other Homes Ltd")
    elsewhere = store.decisions.add(incident_id=other.id, decision="x", rationale="y", decided_at=store.clock())
    with pytest.raises(BadInput, match=f"belongs to incident {other.id}"):
        service.add_line(store, incident.id, supplier="A", category="transport", unit="one-off", rate="1",
                         period_start=NIGHT, period_end=NIGHT, person_ids=[people["bradford"]],
                         decision_id=elsewhere.id)


def test_rule_17_needs_not_arranged_routes_a_s49_share_to_the_person(store, incident, people):
    line = cost(store, incident.id, [people["cardiff"]], category="equipment", needs_not_arranged=True)
    (share,) = line.allocations
    assert (share.route, share.needs_not_arranged) == (Route.CHARGE_S49, True)
    with pytest.raises(BadInput, match="rule 17"):
        cost(store, incident.id, [people["self_funder"]], category="equipment", needs_not_arranged=True)
    advice = cost(store, incident.id, [people["cardiff"]], category="information-advice", needs_not_arranged=True)
    assert (advice.allocations[0].route, advice.allocations[0].needs_not_arranged) == (Route.ABSORBED, False), \
        "the marking never makes advice chargeable (rule 16)"


def test_rule_16_an_advice_line_is_never_charged(store, incident, people):
    line = cost(store, incident.id, list(people.values()), category="information-advice", rate="60")
    assert {a.route for a in line.allocations} == {Route.ABSORBED}
    share = next(a for a in line.allocations if a.person_id == people["self_funder"])
    with pytest.raises(BadInput, match="rule 16"):
        service.change_route(store, share.id, "s48(5)", decision_text="Charge it", rationale="why not")


# --- reversals, never edits ------------------------------------------------------------------------------------


def test_a_wrong_line_is_reversed_by_a_line_that_cites_it(store, incident, people):
    line = cost(store, incident.id, [people["bradford"], people["self_funder"]], rate="100.01")
    reversal = service.reverse_line(store, line.id, "wrong taxi firm")
    assert reversal.corrects == line.id and reversal.total_pence == -line.total_pence
    assert sorted((a.person_id, a.amount_pence, a.route, a.reverses) for a in reversal.allocations) == sorted(
        (a.person_id, -a.amount_pence, a.route, a.id) for a in line.allocations)
    decision = store.decisions.get(reversal.decision_id)
    assert f"Reverse cost line {line.id}" in decision.decision and decision.rationale == "wrong taxi firm"
    assert store.costs.lines(incident.id)[0] == line, "the original is kept as it was"
    with pytest.raises(BadInput, match=f"already reversed by line {reversal.id}"):
        service.reverse_line(store, line.id, "again")
    with pytest.raises(BadInput, match="itself the reversal"):
        service.reverse_line(store, reversal.id, "undo")
    with pytest.raises(BadInput, match="say why"):
        service.reverse_line(store, line.id, " ")
    assert service.ledger(store, incident.id).total_pence == 0
    assert store.verify_log().ok


def test_lines_and_shares_cannot_be_edited_or_deleted_even_in_sql(store, incident, people):
    line = cost(store, incident.id, [people["bradford"]])
    share = line.allocations[0]
    for statement in ("UPDATE cost_lines SET total_pence = 1", "DELETE FROM cost_lines",
                      "DELETE FROM cost_allocations", "UPDATE cost_allocations SET amount_pence = 1",
                      "UPDATE cost_allocations SET route = 'absorbed', recover_from = NULL"):
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(statement)
    store.conn.rollback()
    with pytest.raises(sqlite3.IntegrityError, match="exactly its total"):
        with store.write("forged reversal") as tx:
            store.costs.add_line(tx, incident_id=incident.id, supplier="x", category="transport", description="",
                                 period_start=NIGHT, period_end=NIGHT, unit="one-off", rate_pence=1,
                                 quantity_milli=1000, total_pence=-1, decision_id=line.decision_id, corrects=line.id,
                                 allocations=[], reason="forged")
    assert store.costs.allocation(share.id) == share


def test_the_schema_refuses_a_charge_for_advice(store, incident, people):
    line = cost(store, incident.id, [people["self_funder"]], category="information-advice")
    with pytest.raises(sqlite3.IntegrityError, match="rule 16"):
        store.conn.execute("INSERT INTO cost_allocations (line_id, person_id, amount_pence, route, route_reason)"
                           " VALUES (?, ?, 1, 's48(5)', 'sneaky')", [line.id, people["self_funder"]])


# --- route changes through decisions ------------------------------------------------------------------------------


def test_a_route_changes_only_through_a_logged_decision(store, incident, people):
    line = cost(store, incident.id, [people["self_funder"]])
    share = line.allocations[0]
    with pytest.raises(BadInput, match="logged decision"):
        service.change_route(store, share.id, "absorbed", decision_text="", rationale="")
    with pytest.raises(BadInput, match="already routed s48\\(5\\)"):
        service.change_route(store, share.id, "s48(5)", decision_text="x", rationale="y")
    changed = service.change_route(store, share.id, "absorbed", decision_text="Waive the charge",
                                   rationale="hardship; agreed by the manager")
    assert changed.route is Route.ABSORBED and changed.route_decision_id is not None
    decision = store.decisions.get(changed.route_decision_id)
    assert "Waive the charge" in decision.decision and decision.rationale == "hardship; agreed by the manager"
    (entry,) = [e for e in store.log.for_entity("cost-allocation", share.id) if e.action == "route"]
    assert entry.before["route"] == "s48(5)" and entry.after["route"] == "absorbed"
    assert entry.after["route_decision_id"] == decision.id
    assert store.verify_log().ok


def test_a_route_is_fixed_once_claimed(store, incident, people):
    from contingency.services.claims import build

    line = cost(store, incident.id, [people["self_funder"]])
    build(store, incident.id)
    with pytest.raises(BadInput, match="already on claim INC1-CHG-P1-001"):
        service.change_route(store, line.allocations[0].id, "absorbed", decision_text="x", rationale="y")


def test_when_funding_changes_the_ledger_asks_for_the_route_to_be_confirmed(store, incident, people):
    line = cost(store, incident.id, [people["self_funder"]])
    edit_person(store, people["self_funder"], {"funding": "council", "funding_body": "BRD"}, reason="Bradford pay")
    (row,) = service.ledger(store, incident.id).rows
    assert row.route_now.route is Route.RECOVER_ENGLISH and row.allocation.route is Route.CHARGE_S48
    changed = service.change_route(store, line.allocations[0].id, "s48(7)", decision_text="Recover from Bradford",
                                   rationale="Bradford confirmed they placed her")
    assert changed.recover_from == "la:E08000032"
    assert service.ledger(store, incident.id).rows[0].route_now is None


def test_the_ledger_filters_and_keeps_a_running_total(store, incident, people):
    cost(store, incident.id, list(people.values()), rate="50")
    cost(store, incident.id, [people["bradford"]], rate="1050", unit="per-week", category="care-home-placement",
         end=date(2026, 12, 20))
    everything = service.ledger(store, incident.id)
    assert everything.total_pence == 5000 + 420000 and everything.line_count == 2
    bradford = service.ledger(store, incident.id, person_id=people["bradford"])
    assert bradford.total_pence == 1000 + 420000 and len(bradford.rows) == 2
    assert service.ledger(store, incident.id, route="nhs").total_pence == 1000
    assert service.ledger(store, incident.id, category="care-home-placement").total_pence == 420000
    with pytest.raises(BadInput, match="route 'sideways'"):
        service.ledger(store, incident.id, route="sideways")
