"""Running playbooks against incidents in the store: starting, carrying over, recording, logging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contingency.engine.runs import Answer, ItemState, RunStatus
from contingency.models import Classification
from contingency.person import RAG
from contingency.services.errors import BadInput
from contingency.services.incidents import change_facts
from contingency.services.people import add_person, edit_person
from contingency.services.playbooks import (
    add_note,
    block,
    complete,
    incident_playbook,
    skip,
    start_step,
    whats_next,
)
from tests.conftest import NOW, OFFICER


@pytest.fixture(autouse=True)
def no_council_folder(monkeypatch):
    monkeypatch.delenv("CONTINGENCY_PLAYBOOKS", raising=False)


def test_opening_an_incident_starts_the_playbook_for_its_classification(store, make_incident):
    incident = make_incident()
    assert incident.classification is Classification.SECTION_48_ACTIVE
    (run,) = store.playbooks.runs(incident.id)
    assert (run.playbook_id, run.version, run.status) == ("s48-business-failure", "1.0.0", RunStatus.ACTIVE)
    assert (run.started_by, run.started_at) == (OFFICER, NOW)
    (entry,) = store.log.for_entity("playbook-run", run.id)
    assert (entry.action, entry.officer, entry.reason) == ("create", OFFICER, "incident opened")
    urgent = make_incident(event="members-voluntary-winding-up")
    assert store.playbooks.active_run(urgent.id).playbook_id == "urgent-need"


def test_an_incident_no_playbook_serves_has_no_run_and_says_why(store, make_incident):
    incident = make_incident(continuing=True)
    assert incident.classification is Classification.MONITORING
    assert store.playbooks.runs(incident.id) == []
    view = incident_playbook(store, incident.id)
    assert view.plan is None and view.message == "no playbook serves MONITORING incidents"
    with pytest.raises(BadInput, match="no playbook to record against"):
        complete(store, incident.id, "confirm-trigger", Answer(note="x"))


def test_a_classification_change_starts_the_new_playbook_and_carries_over_what_was_done(store, make_incident):
    incident = make_incident(event="members-voluntary-winding-up")
    old = store.playbooks.active_run(incident.id)
    assert old.playbook_id == "urgent-need"
    complete(store, incident.id, "open-decision-log", Answer(note="On-call manager Kim told at 01:50"))
    complete(store, incident.id, "request-people-list", Answer(count=12))
    complete(store, incident.id, "confirm-route", Answer(decision="1", rationale="Looked solvent at first"))
    skip(store, incident.id, "rag-rate", "Nobody on the list yet")

    updated = change_facts(store, incident.id, reason="Administrators appointed after all", event_key="administration")
    assert updated.classification is Classification.SECTION_48_ACTIVE
    old, new = store.playbooks.runs(incident.id)
    assert (old.status, old.superseded_by, old.ended_at) == (RunStatus.SUPERSEDED, new.id, NOW)
    assert (new.playbook_id, new.status) == ("s48-business-failure", RunStatus.ACTIVE)
    carried = {i.step_id: i for i in store.playbooks.items(new.id)}
    # Done steps with the same id carry over with who did them and when; the rest stay with the old run.
    assert set(carried) == {"open-decision-log", "request-people-list"}
    assert carried["request-people-list"].evidence == {"kind": "count", "count": 12}
    assert carried["open-decision-log"].updated_by == OFFICER
    assert carried["open-decision-log"].carried_from is not None
    assert len(store.playbooks.items(old.id)) == 4, "the old run keeps its record"
    view = incident_playbook(store, incident.id)
    assert view.playbook.id == "s48-business-failure"
    assert view.plan.item("open-decision-log", None).state is ItemState.DONE
    assert view.plan.item("rag-rate", None).state is ItemState.PENDING
    assert [r.id for r in view.earlier_runs] == [old.id]
    supersede = [e for e in store.log.for_entity("playbook-run", old.id) if e.action == "supersede"]
    assert supersede and supersede[0].officer == OFFICER
    assert store.verify_log().ok


def test_the_same_classification_again_keeps_the_same_run(store, make_incident):
    incident = make_incident()
    run = store.playbooks.active_run(incident.id)
    change_facts(store, incident.id, reason="checked", event_key="administration")
    assert store.playbooks.runs(incident.id) == [run]


def test_a_decision_step_writes_a_decision_entry_with_its_options_and_rationale(store, make_incident):
    incident = make_incident()
    item = complete(store, incident.id, "confirm-trigger",
                    Answer(decision="1", rationale="Winding-up order seen on the court's notice at 01:30"))
    assert item.state is ItemState.DONE and item.updated_by == OFFICER and item.updated_at == NOW
    (decision,) = store.decisions.for_incident(incident.id)
    step = incident_playbook(store, incident.id).playbook.step("confirm-trigger")
    assert decision.decision == f"{step.title}: {step.options[0]}"
    assert decision.options == step.options
    assert decision.rationale == "Winding-up order seen on the court's notice at 01:30"
    assert "SI 2015/301 reg 2(2)" in decision.powers
    assert item.evidence["decision_id"] == decision.id
    (entry,) = store.log.for_entity("step-item", item.id)
    assert entry.officer == OFFICER and entry.reason.startswith("step confirm-trigger done: decided: ")


def test_completing_needs_the_evidence_the_step_asks_for(store, make_incident):
    incident = make_incident()
    with pytest.raises(BadInput, match="needs a count"):
        complete(store, incident.id, "request-people-list", Answer(note="list coming"))
    with pytest.raises(BadInput, match="yes or no"):
        complete(store, incident.id, "confirm-duty-holder", Answer(note="yes"))
    with pytest.raises(BadInput, match=r"options: 1\. Reg 2 event confirmed"):
        complete(store, incident.id, "confirm-trigger", Answer(rationale="r"))
    assert store.playbooks.items(store.playbooks.active_run(incident.id).id) == []
    done = complete(store, incident.id, "confirm-duty-holder", Answer(yes=True, rationale="Home is in LS6"))
    assert done.evidence == {"kind": "yes-no", "answer": "yes", "rationale": "Home is in LS6"}
    with pytest.raises(BadInput, match="already done by Sam Patel"):
        complete(store, incident.id, "confirm-duty-holder", Answer(yes=False, rationale="no"))
    with pytest.raises(BadInput, match="already done"):
        skip(store, incident.id, "confirm-duty-holder", "changed my mind")


def test_skip_and_block_need_a_reason_and_log_it(store, make_incident):
    incident = make_incident()
    with pytest.raises(BadInput, match="needs a reason"):
        skip(store, incident.id, "staff-home-tonight", "  ")
    with pytest.raises(BadInput, match="needs a reason"):
        block(store, incident.id, "contact-insolvency-practitioner", "")
    skipped = skip(store, incident.id, "staff-home-tonight", "Home closed last month; nobody resident")
    assert (skipped.state, skipped.reason) == (ItemState.NOT_APPLICABLE, "Home closed last month; nobody resident")
    blocked = block(store, incident.id, "contact-insolvency-practitioner", "Administrator's phone off until 08:00")
    (entry,) = store.log.for_entity("step-item", blocked.id)
    assert entry.officer == OFFICER and entry.at == NOW
    assert entry.reason == "step contact-insolvency-practitioner blocked: Administrator's phone off until 08:00"
    assert entry.after["state"] == "blocked"
    # Blocked steps can be taken up again; the clock never stopped.
    resumed = start_step(store, incident.id, "contact-insolvency-practitioner")
    assert resumed.state is ItemState.IN_PROGRESS
    changes = store.log.for_entity("step-item", blocked.id)
    assert [e.action for e in changes] == ["create", "in-progress"]
    assert changes[1].before["state"] == "blocked"


def test_notes_are_kept_with_who_and_when_and_never_change_the_state(store, make_incident):
    incident = make_incident()
    with pytest.raises(BadInput, match="empty"):
        add_note(store, incident.id, "notify-cqc", " ")
    first = add_note(store, incident.id, "notify-cqc", "CQC out-of-hours line engaged; try at 07:00")
    assert first.state is ItemState.PENDING
    second = add_note(store, incident.id, "notify-cqc", "Emailed the notice")
    assert [(n.by, n.at, n.text) for n in second.notes] == [
        (OFFICER, NOW, "CQC out-of-hours line engaged; try at 07:00"), (OFFICER, NOW, "Emailed the notice")]
    assert [e.action for e in store.log.for_entity("step-item", first.id)] == ["create", "note"]


def test_per_person_steps_need_a_person_on_their_list(store, make_incident):
    incident = make_incident()
    red = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton", "rag": "RED",
                                          "rag_reason": "Insulin due 21:00"})
    green = add_person(store, incident.id, {"first_name": "Bob", "last_name": "Exampleton", "rag": "GREEN",
                                            "rag_reason": "Family staying"})
    with pytest.raises(BadInput, match=f"give the person's id, e.g. {red.id} Ada Exampleton"):
        complete(store, incident.id, "red-safe-tonight", Answer(yes=True, rationale="r"))
    with pytest.raises(BadInput, match=f"person {green.id} is not on the list for step red-safe-tonight \\(RAG RED\\)"):
        complete(store, incident.id, "red-safe-tonight", Answer(yes=True, rationale="r"), person_id=green.id)
    with pytest.raises(BadInput, match="for the whole incident"):
        complete(store, incident.id, "notify-cqc", Answer(document="CQC-1"), person_id=red.id)
    with pytest.raises(BadInput, match="does not apply to this incident \\(only for home care"):
        complete(store, incident.id, "welfare-call-round", Answer(count=3))
    with pytest.raises(BadInput, match="has no step 'nope'"):
        complete(store, incident.id, "nope", Answer(note="x"))
    item = complete(store, incident.id, "red-safe-tonight", Answer(yes=True, rationale="Night nurse confirmed"),
                    person_id=red.id)
    assert item.person_id == red.id
    (entry,) = store.log.for_entity("step-item", item.id)
    assert entry.reason.startswith(f"step red-safe-tonight done for Ada Exampleton (person {red.id})")


def test_people_added_or_re_rated_later_get_their_items_without_any_sync(store, make_incident):
    incident = make_incident()
    assert incident_playbook(store, incident.id).plan.step_plan("red-safe-tonight").items == ()
    later = add_person(store, incident.id, {"first_name": "Cyril", "last_name": "Testwell", "rag": "AMBER",
                                            "rag_reason": "Falls risk"})
    assert incident_playbook(store, incident.id).plan.step_plan("red-safe-tonight").items == ()
    edit_person(store, later.id, {"rag": RAG.RED, "rag_reason": "Fell at 02:10; waiting for ambulance"})
    (item,) = incident_playbook(store, incident.id).plan.step_plan("red-safe-tonight").items
    assert item.person_id == later.id and item.state is ItemState.PENDING
    assert item.due_at == NOW + timedelta(hours=4)


def test_whats_next_lists_every_open_incidents_due_steps_overdue_first(store, make_incident):
    care_home = make_incident()
    home_care = make_incident(provider="Brightpath Home Support Ltd", service="home-care",
                              event="members-voluntary-winding-up", aware_at=NOW - timedelta(hours=3))
    found, problems = whats_next(store, hours=12, now=NOW)
    assert problems == []
    assert found[0][0].id == home_care.id and found[0][1].overdue
    overdue = [pair for pair in found if pair[1].overdue]
    assert {i.id for i, _ in overdue} == {home_care.id}
    assert all(item.due_at <= NOW + timedelta(hours=12) for _, item in found)
    assert any(i.id == care_home.id and item.step.id == "confirm-trigger" for i, item in found)
    flags = [pair[1].overdue for pair in found]
    assert flags == sorted(flags, reverse=True), "overdue first"


def test_step_items_changed_outside_the_app_are_caught_by_log_verify(store, make_incident):
    incident = make_incident()
    item = skip(store, incident.id, "staff-home-tonight", "No residents")
    assert store.verify_log().ok
    store.conn.execute("UPDATE step_items SET reason = 'quietly changed' WHERE id = ?", [item.id])
    store.conn.commit()
    result = store.verify_log()
    assert not result.ok and f"step-item {item.id} differs" in result.problem


def test_going_to_monitoring_and_back_keeps_what_was_done(store, make_incident):
    incident = make_incident()
    complete(store, incident.id, "confirm-trigger", Answer(decision="1", rationale="Court order seen"))
    change_facts(store, incident.id, reason="Administrator now paying staff", continuing=True)
    (first,) = store.playbooks.runs(incident.id)
    assert first.status is RunStatus.SUPERSEDED and first.superseded_by is None
    assert incident_playbook(store, incident.id).plan is None
    change_facts(store, incident.id, reason="Administrator has stopped trading", continuing=False)
    latest = store.playbooks.active_run(incident.id)
    assert latest.playbook_id == "s48-business-failure" and latest.id != first.id
    (carried,) = store.playbooks.items(latest.id)
    assert (carried.step_id, carried.state, carried.updated_at) == ("confirm-trigger", ItemState.DONE, NOW)
    assert store.verify_log().ok


def test_an_incident_from_before_playbooks_starts_its_run_when_the_first_step_is_recorded(store):
    from contingency.models import IncidentStatus
    from contingency.services.incidents import build_facts, classify_for

    facts = build_facts(store, provider="Older Care Ltd", service="care-home", area="Leeds",
                        event="administration", aware_at=NOW - timedelta(hours=2))
    incident = store.incidents.add(facts, classify_for(store, facts), IncidentStatus.ACTIVE)  # as 0003 left it
    view = incident_playbook(store, incident.id)
    assert view.run is None and view.message == "not started yet: it starts when the first step is recorded"
    assert view.plan.item("confirm-trigger", None).overdue_by == timedelta(hours=1, minutes=30)
    complete(store, incident.id, "open-decision-log", Answer(note="Lead: Kim"))
    run = store.playbooks.active_run(incident.id)
    assert run.playbook_id == "s48-business-failure"
    assert store.log.for_entity("playbook-run", run.id)[0].reason == "first step recorded"
