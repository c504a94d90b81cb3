"""The pure notification rules: who is told about whom, on what basis, with which reference and reply-by."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contingency.models import Classification
from contingency.notification import Notification, NotificationKind, NotificationStatus
from contingency.person import ChargeRoute, Person
from contingency.rules import notifications as rules
from contingency.services.notifications import roster
from contingency.services.people import add_person, edit_person, parse_changes
from tests.conftest import NOW
from tests.tui_support import DEMO_NOW, demo_store

K = NotificationKind

# The bodies the demo care-home incident must tell (brief worked case 2), by reference.
DEMO_BODIES = {
    "la:E08000032": (K.COUNCIL, "City of Bradford Metropolitan District Council"),
    "la:E08000034": (K.COUNCIL, "Kirklees Council"),
    "la:E08000036": (K.COUNCIL, "Wakefield Metropolitan District Council"),
    "la:E06000065": (K.COUNCIL, "North Yorkshire Council"),
    "la:E08000033": (K.COUNCIL, "Calderdale Metropolitan Borough Council"),
    "la:W06000015": (K.CROSS_BORDER, "City of Cardiff Council"),
    "la:S12000049": (K.CROSS_BORDER, "Glasgow City Council"),
    "icb:E54000054": (K.ICB, "NHS West Yorkshire Integrated Care Board"),
    "icb:E54000051": (K.ICB, "NHS Humber and North Yorkshire Integrated Care Board"),
    "cqc": (K.CQC, "Care Quality Commission"),
}
WARWICKSHIRE = "la:E10000031"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = demo_store(tmp_path_factory.mktemp("demo"))
    yield store
    store.close()


def test_the_demo_incident_tells_each_body_once_about_its_own_people_only(demo):
    current = roster(demo, 1)
    bodies = {plan.recipient_ref: plan for plan in current.plans.bodies}
    assert {ref: (plan.kind, plan.recipient_name) for ref, plan in bodies.items()} == DEMO_BODIES
    held = {h.person_id for h in current.plans.held}
    ours = demo.authorities.get("LDS")
    for ref, plan in bodies.items():
        if ref == "cqc":
            assert plan.people == (), "CQC is told numbers, never names"
            continue
        expected = {p.id for p in current.people.values()
                    if ref in rules.recipients(p, ours, demo.authorities) and p.id not in held}
        assert set(plan.person_ids) == expected, ref
        assert len(plan.person_ids) == len(set(plan.person_ids))


def test_warwickshire_is_told_only_once_the_officer_fixes_warks_cc(tmp_path):
    store = demo_store(tmp_path)
    current = roster(store, 1)
    stanley = next(p for p in current.people.values() if p.facts.issues and p.facts.issues[0].value == "Warks CC")
    assert [h.person_id for h in current.plans.held] == [stanley.id]
    assert "Warks CC" in current.plans.held[0].reason
    assert WARWICKSHIRE not in {p.recipient_ref for p in current.plans.bodies}
    # The person's own letter is not held back: only councils wait for the name.
    assert f"person:{stanley.id}" in {p.recipient_ref for p in current.plans.persons}

    edit_person(store, stanley.id, parse_changes(store, {"funding_body": "Warwickshire"}), reason="Warks CC is Warwickshire")
    fixed = roster(store, 1)
    assert fixed.plans.held == ()
    warwickshire = fixed.plan(WARWICKSHIRE)
    assert warwickshire is not None and warwickshire.kind is K.COUNCIL
    assert warwickshire.person_ids == (stanley.id,)
    assert warwickshire.people[0].recover and "you arranged the care" in warwickshire.people[0].why
    store.close()


def test_a_chc_person_goes_to_the_icb_and_to_the_council_they_live_in_never_to_a_payer(demo):
    """Brief rules 11 and 19: the ICB always; the ordinary-residence council too when it is not us."""
    current = roster(demo, 1)
    chc = [p for p in current.people.values() if p.facts.funding.value == "nhs-chc"]
    assert chc
    for person in chc:
        named_in = {plan.recipient_ref for plan in current.plans.bodies if person.id in plan.person_ids}
        home = demo.authorities.get(person.facts.or_code) if person.facts.or_code else None
        elsewhere = {home.ref} if home is not None and home.code != "LDS" else set()
        assert named_in == {f"icb:{person.facts.icb_code}"} | elsewhere
    assert any(p.facts.or_code == "NYE" for p in chc), "the demo has a CHC resident of North Yorkshire"


def test_each_letter_cites_its_legal_basis(demo):
    current = roster(demo, 1)
    basis = {plan.recipient_ref: plan.basis for plan in current.plans.all}
    council, welsh, icb, cqc = basis["la:E08000032"], basis["la:W06000015"], basis["icb:E54000054"], basis["cqc"]
    assert "s.48(2)" in council and "s.48(7)" in council and "s.49" not in council
    assert "s.49" in welsh and "Sch 1 para 5" in welsh and "SI 2014/2843" in welsh  # brief rule 20
    # West Yorkshire ICB covers Leeds, so s.52(9) (an ICB with no part of its area in ours) is not cited
    assert "s.22" in icb and "s.52(9)" not in icb  # brief rule 11
    assert "s.56(3)-(4)" in cqc
    person = next(iter(current.plans.persons))
    assert "s.48(5)" in person.basis and "s.52(4)-(6)" in person.basis


def test_cross_border_people_are_recovered_under_s49_and_english_ones_under_s48_7(demo):
    current = roster(demo, 1)
    cardiff = current.plan("la:W06000015")
    kirklees = current.plan("la:E08000034")
    assert all(p.recover and "s.49(3)" in p.why for p in cardiff.people)
    assert "you pay for the care by direct payments; we may recover the cost (s.48(7))" in {p.why for p in kirklees.people}
    wakefield = current.plan("la:E08000036")
    residence_only = [p for p in wakefield.people if not p.recover]
    assert residence_only and all("no recovery on residence alone" in p.why for p in residence_only)


def test_a_letter_goes_to_every_affected_person_or_their_representative(demo):
    current = roster(demo, 1)
    persons = {plan.people[0].person_id: plan for plan in current.plans.persons}
    assert set(persons) == set(current.people)
    for person_id, plan in persons.items():
        facts = current.people[person_id].facts
        if facts.capacity_concern and facts.nominee_name:
            assert plan.recipient_name == facts.nominee_name
            assert "representative" in plan.people[0].why
        else:
            assert plan.recipient_name == facts.display_name


def test_no_person_letters_while_only_monitoring(store, make_incident):
    incident = make_incident(event="administration", continuing=True)
    assert incident.classification is Classification.MONITORING
    add_person(store, incident.id, parse_changes(store, {"first_name": "Ada", "last_name": "Exampleton",
                                                         "funding": "LA", "funding_body": "Bradford"}))
    plans = roster(store, incident.id).plans
    assert plans.persons == ()
    assert [p.recipient_ref for p in plans.bodies] == ["cqc"]


def test_cqc_is_told_only_when_the_activity_is_regulated(store, make_incident):
    regulated = make_incident()
    day_centre = make_incident(provider="Sunny Days Centre", service="day-service", event="service-interruption")
    assert "cqc" in {p.recipient_ref for p in roster(store, regulated.id).plans.bodies}
    assert "cqc" not in {p.recipient_ref for p in roster(store, day_centre.id).plans.bodies}


def test_the_digest_changes_only_when_the_letter_would(store, make_incident):
    incident = make_incident()
    person = add_person(store, incident.id, parse_changes(store, {
        "first_name": "Ada", "last_name": "Exampleton", "funding": "LA", "funding_body": "Bradford"}))
    before = roster(store, incident.id).plan("la:E08000032").digest
    edit_person(store, person.id, parse_changes(store, {"rag": "RED", "rag_reason": "insulin due"}))
    assert roster(store, incident.id).plan("la:E08000032").digest == before, "a RAG rating is not in the letter"
    edit_person(store, person.id, parse_changes(store, {"last_name": "Examplington"}))
    assert roster(store, incident.id).plan("la:E08000032").digest != before


@pytest.mark.parametrize(("ref", "version", "expected"), [
    ("la:E08000032", 1, "INC1-LA-E08000032-v1"),
    ("icb:E54000054", 2, "INC1-ICB-E54000054-v2"),
    ("cqc", 1, "INC1-CQC-v1"),
    ("person:12", 3, "INC1-PERSON-12-v3"),
    ("la:BHSCT", 1, "INC1-LA-BHSCT-v1"),
])
def test_references_are_stable_and_versioned(ref, version, expected):
    assert rules.reference_for(1, ref, version) == expected


def test_reply_by_periods_are_data_and_a_person_is_never_chased():
    assert rules.reply_by(K.COUNCIL, NOW) == NOW + timedelta(hours=48)
    assert rules.reply_by(K.ICB, NOW) == NOW + timedelta(hours=48)
    assert rules.reply_by(K.PERSON, NOW) is None
    assert "not law" in rules.REPLY_PERIOD_NOTE


def _notification(**changes) -> Notification:
    base = Notification(
        id=1, incident_id=1, recipient_ref="la:E08000032", recipient_name="Bradford", kind=K.COUNCIL, basis="s.48",
        reference="INC1-LA-E08000032-v1", version=1, people=(1,), roster_digest="x", status=NotificationStatus.SENT,
        created_at=NOW, issued_at=NOW, reply_by=NOW + timedelta(hours=48))
    return base.model_copy(update=changes)


def test_overdue_counts_only_sent_unanswered_letters():
    sent = _notification()
    assert rules.overdue(sent, NOW + timedelta(hours=47)) is None
    assert rules.overdue(sent, NOW + timedelta(hours=50)) == timedelta(hours=2)
    assert rules.state_words(sent, NOW + timedelta(hours=50)) == "OVERDUE 2h 00m"
    answered = _notification(status=NotificationStatus.ACKNOWLEDGED)
    assert rules.overdue(answered, NOW + timedelta(days=9)) is None
    draft = _notification(status=NotificationStatus.DRAFT, issued_at=None)
    assert rules.state_words(draft, NOW) == "NOT SENT"
    assert rules.state_words(_notification(out_of_date=True), NOW) == "OUT OF DATE"


def test_letters_leave_out_the_brief_and_its_verify_notes_but_keep_the_statute():
    text = rules.basis_for(K.COUNCIL, Classification.SECTION_48_ACTIVE)
    assert "[verify" in text and "brief rules 18-19" in text  # the officer sees both
    letter = rules.for_letter(text)
    assert "[verify" not in letter and "brief" not in letter
    assert "s.48(7)" in letter and "s.48(2)" in letter


def _with_route(person: Person, route: ChargeRoute | None, recover: str | None = None) -> Person:
    det = person.determination.model_copy(update={"charge_route": route, "recover_from": recover})
    return person.model_copy(update={"determination": det})


def test_the_person_is_told_charges_cover_cost_only_and_advice_is_free(demo):
    person = next(p for p in roster(demo, 1).people.values() if p.determination.basis.value == "s48")
    cost_only = rules.person_charges(_with_route(person, ChargeRoute.S48_5))
    assert "only what it costs us" in cost_only and "s.48(5)" in cost_only
    assert "s.49(3)(d)" in rules.person_charges(_with_route(person, ChargeRoute.S49_3D))
    assert "We will not charge." in rules.person_charges(_with_route(person, None, recover="la:E08000032"))
    for route in (ChargeRoute.S48_5, ChargeRoute.S49_3D, ChargeRoute.S14, None):
        assert rules.person_charges(_with_route(person, route)).endswith(rules.ADVICE_FREE)


def test_sending_needs_a_generated_up_to_date_letter():
    with pytest.raises(rules.BadTransition, match="not been generated"):
        rules.check_send(_notification(status=NotificationStatus.DRAFT, issued_at=None))
    with pytest.raises(rules.BadTransition, match="out of date"):
        rules.check_send(_notification(status=NotificationStatus.GENERATED, out_of_date=True))
    with pytest.raises(rules.BadTransition, match="already sent"):
        rules.check_send(_notification(status=NotificationStatus.SENT))
    rules.check_send(_notification(status=NotificationStatus.GENERATED))
    with pytest.raises(rules.BadTransition, match="only a sent letter"):
        rules.check_reply(_notification(status=NotificationStatus.GENERATED), "chased")


def test_the_demo_clock_is_the_one_the_plans_use(demo):
    assert all(plan.reply_by == DEMO_NOW + timedelta(hours=48) for plan in roster(demo, 1).plans.bodies)
