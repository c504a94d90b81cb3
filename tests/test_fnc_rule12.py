"""FNC (brief rule 12): the nursing is the ICB's and we meet the rest; only nursing that WE arranged urgently is
"temporary; ICB consent to be sought" with a due task (Care Act 2014 s.22(4)(b), (5)).

Host authority Leeds (LDS); the ICB is NHS West Yorkshire (E54000054).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from contingency.engine.loader import load_playbooks
from contingency.models import Classification
from contingency.person import Basis, Flag, Funding
from contingency.services.people import add_person, edit_person, parse_changes
from contingency.services.playbooks import incident_playbook
from tests.conftest import NOW
from tests.test_determination import person, run

C = Classification
F = Funding
ICB = "E54000054"


@pytest.fixture(autouse=True)
def no_council_folder(monkeypatch):
    monkeypatch.delenv("CONTINGENCY_PLAYBOOKS", raising=False)


# (funding, fnc alongside, we arranged nursing urgently, classification) -> consent flag raised?
TABLE = [
    ("fnc-home-provides-nursing", F.FNC, False, False, C.SECTION_48_ACTIVE, False),
    ("fnc-we-arranged-nursing-urgently", F.FNC, False, True, C.SECTION_48_ACTIVE, True),
    ("self-funder-with-fnc-no-urgent-nursing", F.SELF_FUNDED, True, False, C.SECTION_48_ACTIVE, False),
    ("self-funder-with-fnc-urgent-nursing", F.SELF_FUNDED, True, True, C.SECTION_48_ACTIVE, True),
    ("our-client-with-fnc-urgent-nursing", F.OWN_COUNCIL, True, True, C.SECTION_48_ACTIVE, True),
    ("urgent-need-route-fnc-urgent-nursing", F.FNC, False, True, C.URGENT_NEED, True),
    ("urgent-need-route-fnc-no-urgent-nursing", F.FNC, False, False, C.URGENT_NEED, False),
    # Not FNC: rule 12 is about FNC people; the urgent nursing is mentioned, not flagged.
    ("no-fnc-urgent-nursing-recorded", F.SELF_FUNDED, False, True, C.SECTION_48_ACTIVE, False),
    # CHC: all of it is the ICB's, outside our duty (rules 10-11).
    ("chc-urgent-nursing-recorded", F.NHS_CHC, False, True, C.SECTION_48_ACTIVE, False),
    # Before any duty, nothing is owed yet (rules 4, 23).
    ("warning-fnc-urgent-nursing", F.FNC, False, True, C.WARNING, False),
    ("monitoring-fnc-urgent-nursing", F.FNC, False, True, C.MONITORING, False),
]


@pytest.mark.parametrize(("funding", "fnc", "urgent", "classification", "flagged"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_the_consent_flag_only_where_we_arranged_nursing_urgently(funding, fnc, urgent, classification, flagged):
    facts = person(funding=funding, fnc=fnc, icb_code=ICB, or_code="LDS", nursing_arranged_urgently=urgent)
    det = run(facts, classification)
    assert (Flag.FNC_ICB_CONSENT in det.flags) is flagged
    reasons = " ".join(det.reasons)
    if flagged:
        assert "temporary; ICB consent to be sought" in reasons
        assert "Care Act 2014 s.22(4)(b), (5)" in reasons and "brief rule 12" in reasons
    if (funding is F.FNC or fnc) and det.basis not in (Basis.NHS_ICB, Basis.NONE_YET):
        # Every FNC person: the ICB is told, and the reason says what rule 12 would need.
        assert f"icb:{ICB}" in det.notify
        assert "brief rule 12" in reasons


def test_urgent_nursing_without_fnc_is_said_not_dropped():
    det = run(person(funding=F.SELF_FUNDED, or_code="LDS", nursing_arranged_urgently=True))
    assert Flag.FNC_ICB_CONSENT not in det.flags
    assert any("record FNC" in r and "brief rule 12" in r for r in det.reasons)


def test_both_playbooks_give_the_consent_task_a_due_time_per_flagged_person():
    playbooks, problems = load_playbooks()
    assert not problems
    found = {}
    for playbook in playbooks:
        for step in playbook.steps:
            if step.id == "fnc-icb-consent":
                found[playbook.id] = step
    assert set(found) >= {"s48-business-failure", "urgent-need"}
    for step in found.values():
        assert step.due and "brief rule 12" in step.citations and "Care Act 2014 s.22(4)(b), (5)" in step.citations
        assert list(step.for_each_person.flag) == [Flag.FNC_ICB_CONSENT.value]


def test_recording_urgent_nursing_raises_the_flag_and_the_due_task(store, make_incident):
    incident = make_incident()
    fnc = add_person(store, incident.id, parse_changes(store, {
        "first_name": "Ada", "last_name": "Exampleton", "funding": "FNC", "icb_code": ICB, "or_code": "Leeds"}))
    assert Flag.FNC_ICB_CONSENT not in fnc.determination.flags
    assert incident_playbook(store, incident.id).plan.step_plan("fnc-icb-consent").items == ()
    # What `people edit ID nursing_arranged_urgently=yes` does.
    edited = edit_person(store, fnc.id, parse_changes(store, {"nursing_arranged_urgently": "yes"}),
                         reason="night nurse booked by EDT")
    assert edited.facts.nursing_arranged_urgently
    assert Flag.FNC_ICB_CONSENT in edited.determination.flags
    (item,) = incident_playbook(store, incident.id).plan.step_plan("fnc-icb-consent").items
    assert item.person_id == fnc.id and item.due_at == NOW + timedelta(hours=24)
    assert store.verify_log().ok
    undone = edit_person(store, fnc.id, parse_changes(store, {"nursing_arranged_urgently": "no"}))
    assert Flag.FNC_ICB_CONSENT not in undone.determination.flags


def test_not_recorded_is_stored_as_null_so_older_records_still_verify(store, make_incident):
    incident = make_incident()
    ada = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton"})
    stored = store.conn.execute("SELECT nursing_arranged_urgently FROM people WHERE id = ?", [ada.id]).fetchone()
    assert stored == (None,)
    assert not store.people.get(ada.id).facts.nursing_arranged_urgently
    assert store.verify_log().ok
