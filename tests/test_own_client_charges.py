"""Our own clients are never drafted an at-cost charge: any charge follows their financial assessment under
Care Act 2014 ss.14 and 17 and the Charging Regulations 2014. Only s.48(5) and s.49(3)(d) shares become
charges at cost (brief rules 16, 17, 25; issue 9)."""

from __future__ import annotations

import sqlite3

import pytest

from contingency.ledger import Category, ClaimKind, Route
from contingency.models import Classification
from contingency.person import Basis
from contingency.rules import costs as rules
from contingency.services import claims as claim_service
from contingency.services.costs import ledger
from contingency.services.people import add_person, parse_changes
from tests.conftest import as_json, ok
from tests.costs_support import cast, cost

NOTE = "charge per financial assessment (s.14/s.17)"


@pytest.fixture
def home_care(make_incident):
    """Home care interrupted without a business failure: the urgent-need route (brief rule 25)."""
    incident = make_incident(provider="Brightpath Home Support Ltd", service="home-care",
                             event="service-interruption")
    assert incident.classification is Classification.URGENT_NEED
    return incident


def test_our_clients_home_care_cost_drafts_no_charge_and_says_why(store, home_care):
    ours = add_person(store, home_care.id, parse_changes(store, {
        "first_name": "Bob", "last_name": "Ourclient", "funding": "LA", "funding_body": "Leeds", "or_code": "Leeds",
        "service_kind": "home-care"}))
    assert ours.determination.basis is Basis.EXISTING_S18
    line = cost(store, home_care.id, [ours.id], category="home-care-hours", unit="per-hour", rate="24.60",
                quantity="14")
    share = line.allocations[0]
    assert share.route is Route.CHARGE_S14
    assert NOTE in share.route_reason and "Charging and Assessment of Resources" in share.route_reason
    assert [row.note for row in ledger(store, home_care.id).rows] == [f"{NOTE}: nothing drafted to the person"]

    result = claim_service.build(store, home_care.id)
    assert result.claims == (), "nothing is drafted to our own client at the incident's cost"
    assert result.not_claimable == {"s14": 1}
    assert claim_service.unclaimed_pence(store, home_care.id) == 0
    assert store.verify_log().ok


def test_urgent_help_for_a_self_funder_is_charged_by_assessment_too(store, home_care):
    """s.19(3) urgent help: s.14 charging and the Charging Regulations apply (brief s.4), not a charge at cost."""
    them = add_person(store, home_care.id, parse_changes(store, {
        "first_name": "Ada", "last_name": "Selfpay", "funding": "Private", "or_code": "Leeds"}))
    assert them.determination.basis is Basis.URGENT_S19
    cost(store, home_care.id, [them.id], category="home-care-hours", unit="per-visit", rate="18", quantity="3")
    assert claim_service.build(store, home_care.id).claims == ()


def test_s48_5_and_s49_3_d_shares_are_still_charged_at_cost(store, make_incident):
    incident = make_incident()
    people = cast(store, incident.id)
    cost(store, incident.id, [people["self_funder"], people["our_client"]], rate="100")
    cost(store, incident.id, [people["cardiff"]], category="equipment", rate="35", needs_not_arranged=True)
    result = claim_service.build(store, incident.id)
    charges = {c.recipient_ref: c for c in result.claims if c.kind is ClaimKind.CHARGE}
    assert set(charges) == {f"person:{people['self_funder']}", f"person:{people['cardiff']}"}
    assert charges[f"person:{people['self_funder']}"].total_pence == 5000
    assert charges[f"person:{people['cardiff']}"].total_pence == 3500
    assert {line.route for c in charges.values() for line in store.claims.lines(c.id)} == {
        Route.CHARGE_S48, Route.CHARGE_S49}
    assert result.not_claimable == {"s14": 1}
    # Whether s.48(5) charges are means-tested is the council's policy: the officer sees the [verify].
    s48 = next(r for r in ledger(store, incident.id).rows if r.allocation.route is Route.CHARGE_S48)
    assert "[verify]" in s48.allocation.route_reason and "[verify]" in s48.note


def test_the_rule_table():
    assert rules.drafts_a_claim(Route.CHARGE_S48) and rules.drafts_a_claim(Route.CHARGE_S49)
    assert rules.drafts_a_claim(Route.RECOVER_ENGLISH) and rules.drafts_a_claim(Route.RECOVER_CROSS_BORDER)
    for route in (Route.CHARGE_S14, Route.NHS, Route.ABSORBED):
        assert not rules.drafts_a_claim(route)
    assert "[verify]" in rules.route_note(Route.CHARGE_S48)
    with pytest.raises(rules.CostRuleBroken, match=r"ss\.14 and 17"):
        rules.check_claim_line(ClaimKind.CHARGE, Route.CHARGE_S14, Category.TRANSPORT, Basis.EXISTING_S18)


def test_the_store_refuses_an_s14_claim_line(store, make_incident):
    incident = make_incident()
    ours = cast(store, incident.id)["our_client"]
    share = cost(store, incident.id, [ours]).allocations[0]
    with pytest.raises(sqlite3.IntegrityError, match="financial assessment"), store.write("x") as tx:
        store.claims.add(tx, incident_id=incident.id, reference="INC1-CHG-P2-001", kind="charge",
                         recipient_ref=f"person:{ours}", recipient_name="Bob", period=(incident.facts.aware_at.date(),) * 2,
                         lines=[(share.id, "s14", share.amount_pence)], excluded_count=0, excluded_note="",
                         exercise=False, reason="x")


def test_the_ledger_and_claims_commands_show_the_note(demo_cli, demo_db):
    def run(*args: str):
        return demo_cli(*args, db=demo_db)

    listed = as_json(run("costs", "list", "1", "--route", "s14", "--json"))
    assert listed["rows"] and all(NOTE in row["note"] for row in listed["rows"])
    assert NOTE in ok(run("costs", "list", "1", "--route", "s14")).stdout
    built = ok(run("claims", "build", "1")).stdout
    assert f"s14 ({NOTE}: nothing drafted to the person)" in built
    people = {p["id"]: p for p in as_json(run("people", "list", "1", "--json"))}
    charged = {int(c["recipient_ref"].removeprefix("person:"))
               for c in as_json(run("claims", "list", "--json"))["claims"] if c["kind"] == "charge"}
    assert charged and all(people[pid]["charge_route"] != "s14" for pid in charged)
