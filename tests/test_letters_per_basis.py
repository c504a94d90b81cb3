"""Each person's letter, and each council's, cites the law for the people it covers (issue 10).

Brief rules 5, 10-11, 17-22 and section 13: a person's letter has its own basis's paragraph; a council whose
residents the duty belongs to is told so and is not asked to pay for them; the council a CHC person lives in
is told too; an incident that is not s.48 never cites s.48(2) or s.48(7). Pure planning and rendering on the
fixture store, at the fixed NOW.
"""

from __future__ import annotations

import pytest

from contingency.letters.context import letter_context
from contingency.letters.render import render_text
from contingency.models import Classification, Incident
from contingency.notification import Notification, NotificationKind, NotificationStatus
from contingency.person import Basis, Determination, Person, PersonFacts
from contingency.rules.determination import determine
from contingency.rules.geography import CouncilICB, Geography
from contingency.rules.notifications import plan_notifications
from tests.conftest import NOW

K = NotificationKind
BRADFORD = "la:E08000032"
BRADFORD_NAME = "City of Bradford Metropolitan District Council"
NORTH_YORKSHIRE = "la:E06000065"
WEST_YORKSHIRE_ICB = "icb:E54000054"
HUMBER_ICB = "icb:E54000051"
S48_PERSON_WORDS = ("we meet the needs the provider was meeting", "s.48(2)-(4)")


def _ours(store):
    return store.authorities.get(store.settings().authority_code)


def _person(store, incident: Incident, pid: int, determination: Determination | None = None, **facts) -> Person:
    found = PersonFacts(first_name=f"Test{pid}", last_name=f"Person{pid}", **facts)
    det = determination or determine(found, classification=incident.classification,
                                     area=store.authorities.get(incident.facts.area_code), ours=_ours(store),
                                     authorities=store.authorities)
    return Person(id=pid, incident_id=incident.id, facts=found, determination=det)


def _not_ours(store, incident: Incident, pid: int) -> Person:
    """Lives in Bradford, where the agency cared for them at home: the determination makes it Bradford's duty."""
    det = Determination(basis=Basis.NOT_OUR_DUTY, notify=(BRADFORD,),
                        reasons=("Not our duty: the person lives in Bradford (brief rule 5, worked case 3).",))
    return _person(store, incident, pid, det, funding="self-funded", home_postcode="BD1 1AA")


def _plans(store, incident, people, geography=None):
    return plan_notifications(incident, people, ours=_ours(store), authorities=store.authorities, icbs=store.icbs,
                              now=NOW, geography=geography)


def _letter(store, incident, people, ref, geography=None) -> tuple[str, object]:
    """The rendered letter to `ref`, whitespace folded, and its plan."""
    plan = next(p for p in _plans(store, incident, people, geography).all if p.recipient_ref == ref)
    notification = Notification(
        id=1, incident_id=incident.id, recipient_ref=ref, recipient_name=plan.recipient_name, kind=plan.kind,
        basis=plan.basis, reference=f"INC{incident.id}-TEST-v1", version=1, people=plan.person_ids,
        roster_digest=plan.digest, status=NotificationStatus.DRAFT, created_at=NOW)
    context = letter_context(notification=notification, plan=plan, incident=incident,
                             people={p.id: p for p in people}, settings=store.settings(), ours=_ours(store),
                             area=store.authorities.get(incident.facts.area_code), exercise=False, issued_at=NOW,
                             replaces=None, authorities=store.authorities, geography=geography)
    text = render_text(f"letter-{plan.kind.value}.md.j2", context)
    return " ".join(text.split()), plan


# --- the person's own paragraph ------------------------------------------------------------------------------

PER_BASIS = {
    "s48": ({"funding": "self-funded"}, Basis.S48, ("s.48(2)-(4)", "s.48(5)", "s.52(4)-(6)"), ()),
    "s48+s49": ({"funding": "welsh-council", "funding_body": "CRF"}, Basis.S48_S49,
                ("s.49", "s.49(3)(d)", "sections 48 and 49"), ("s.48(5)",)),
    "existing-s18": ({"funding": "own-council", "funding_body": "LDS"}, Basis.EXISTING_S18,
                     ("ss.18-20", "s.14", "We already arrange your care"), ("s.48(5)", *S48_PERSON_WORDS)),
    "nhs-chc": ({"funding": "nhs-chc", "icb_code": "E54000054"}, Basis.NHS_ICB,
                ("s.22", "NHS Continuing Healthcare", "We will not charge"), ("s.48(5)", "s.48", *S48_PERSON_WORDS)),
}


@pytest.mark.parametrize("key", list(PER_BASIS))
def test_a_persons_letter_has_its_own_basis_paragraph_and_not_the_others(store, make_incident, key):
    facts, basis, present, absent = PER_BASIS[key]
    incident = make_incident()
    person = _person(store, incident, 1, **facts)
    assert person.determination.basis is basis
    text, plan = _letter(store, incident, [person], "person:1")
    for words in present:
        assert words in text, (key, words)
    for words in absent:
        assert words not in text, (key, words)
        assert words not in plan.basis, (key, words)
    assert "[verify" not in text and "brief rule" not in text


def test_someone_whose_home_is_in_another_area_is_told_which_council_holds_the_duty(store, make_incident):
    incident = make_incident(provider="Brightpath Home Support Ltd", service="home-care")
    person = _not_ours(store, incident, 1)
    plans = _plans(store, incident, [person])
    assert "person:1" in {p.recipient_ref for p in plans.persons}, "they hear from us, not from nobody"
    text, plan = _letter(store, incident, [person], "person:1")
    assert BRADFORD_NAME in plan.basis and "s.48(2)" in plan.basis and "brief rule 5" in plan.basis
    assert f"{BRADFORD_NAME} will arrange your care from now on" in text
    assert f"We have told {BRADFORD_NAME}" in text
    for wrong in ("s.48(5)", "s.48(7)", *S48_PERSON_WORDS, "We do not need to assess"):
        assert wrong not in text, wrong


# --- a council whose residents it is, and a council that placed people with us -----------------------------


def test_a_council_is_told_the_duty_for_its_residents_is_its_own_and_is_not_asked_to_pay(store, make_incident):
    incident = make_incident(provider="Brightpath Home Support Ltd", service="home-care")
    theirs = _not_ours(store, incident, 1)
    other = _person(store, incident, 2, funding="self-funded")  # ours under s.48: never in Bradford's letter
    text, plan = _letter(store, incident, [theirs, other], BRADFORD)
    assert plan.person_ids == (1,)
    assert "Test1 Person1" in text and "Test2 Person2" not in text
    assert "The duty is yours" in text and "the duty to them is yours" in text
    assert "s.48(2)" in text
    for wrong in ("s.48(7)", "we will recover from you", "Weekly cost before the failure"):
        assert wrong not in text, wrong
        assert wrong not in plan.basis, wrong


def test_one_letter_keeps_the_recovery_notice_for_placed_people_only(store, make_incident):
    incident = make_incident(provider="Brightpath Home Support Ltd", service="home-care")
    theirs = _not_ours(store, incident, 1)
    placed = _person(store, incident, 2, funding="other-english-council", funding_body="BRD", weekly_cost_pence=91000)
    text, plan = _letter(store, incident, [theirs, placed], BRADFORD)
    assert set(plan.person_ids) == {1, 2}
    assert "s.48(7)" in plan.basis and "brief rule 5" in plan.basis  # one paragraph for each kind of person
    recovery = text[text.index("we will recover from you"):]
    assert "Test2 Person2" in recovery and "£910.00" in recovery
    assert "Test1 Person1" not in recovery, "a council's own resident is never in the recovery notice"
    assert "We are not asking you to pay us anything for the people whose duty is yours" in text


def test_a_chc_persons_home_council_is_told_and_the_letter_says_the_care_is_the_icbs(store, make_incident):
    incident = make_incident()
    chc = _person(store, incident, 1, funding="nhs-chc", icb_code="E54000054", or_code="NYE", or_status="accepted")
    plans = _plans(store, incident, [chc])
    told = {p.recipient_ref for p in plans.bodies if 1 in p.person_ids}
    assert told == {WEST_YORKSHIRE_ICB, NORTH_YORKSHIRE}  # brief rules 11 and 19
    text, plan = _letter(store, incident, [chc], NORTH_YORKSHIRE)
    assert "NHS Continuing Healthcare" in text and "outside our duty and yours" in text
    assert "s.22" in plan.basis and "brief rules 10-11, 19" in plan.basis
    for wrong in ("s.48(7)", "we will recover from you", "While our duty lasts"):
        assert wrong not in text, wrong


# --- s.52(9) only for an ICB with no part of its area in ours -------------------------------------------------

LEEDS_ICBS = Geography(council_icbs=[CouncilICB(la_gss_code="E08000035", icb_code="QWO", icb_gss_code="E54000054",
                                                icb_name="NHS West Yorkshire ICB", share=1.0, main=True)])


def test_s52_9_is_cited_only_to_an_icb_with_no_part_of_its_area_in_ours(store, make_incident):
    incident = make_incident()
    people = [_person(store, incident, 1, funding="nhs-chc", icb_code="E54000054"),
              _person(store, incident, 2, funding="nhs-chc", icb_code="E54000051")]
    ours_icb, _ = _letter(store, incident, people, WEST_YORKSHIRE_ICB, LEEDS_ICBS)
    outside, _ = _letter(store, incident, people, HUMBER_ICB, LEEDS_ICBS)
    unknown, _ = _letter(store, incident, people, HUMBER_ICB)
    assert "52(9)" not in ours_icb
    assert "No part of your area lies within Leeds" in outside and "section 52(9)" in outside
    assert "If no part of your area lies within Leeds" in unknown, "without the table it stays a condition"


# --- no s.48(2) or s.48(7) when the incident is not a s.48 one --------------------------------------------------


@pytest.mark.parametrize(("event", "continuing", "classification"), [
    ("cqc-s56-notice", False, Classification.WARNING),
    ("administration", True, Classification.MONITORING),
    ("service-interruption", False, Classification.URGENT_NEED),
])
def test_letters_for_an_incident_that_is_not_s48_never_cite_s48_2_or_s48_7(store, make_incident, event,
                                                                              continuing, classification):
    incident = make_incident(event=event, continuing=continuing)
    assert incident.classification is classification
    people = [_person(store, incident, 1, funding="other-english-council", funding_body="BRD", weekly_cost_pence=1),
              _person(store, incident, 2, funding="self-funded", or_code="BRD", or_status="accepted"),
              _person(store, incident, 3, funding="nhs-chc", icb_code="E54000054", or_code="NYE")]
    plans = _plans(store, incident, people)
    assert plans.all, "something is always told (CQC at least)"
    for plan in plans.all:
        text, _ = _letter(store, incident, people, plan.recipient_ref)
        for wrong in ("s.48(2)", "s.48(7)", "section 48", "we will recover from you"):
            assert wrong not in text, (plan.recipient_ref, wrong)
            assert wrong not in plan.basis, (plan.recipient_ref, wrong)
