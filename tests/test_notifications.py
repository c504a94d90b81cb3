"""The notification register: sync with the roster, versions, sent/acknowledged/chased, the chase list."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from contingency.notification import (
    DocumentFormat,
    NotificationKind,
    NotificationStatus,
)
from contingency.services import notifications as service
from contingency.services.errors import BadInput
from contingency.services.people import add_person, edit_person, parse_changes
from tests.conftest import NOW
from tests.tui_support import demo_store

BRADFORD, KIRKLEES = "la:E08000032", "la:E08000034"
BOTH = (DocumentFormat.PDF, DocumentFormat.DOCX)


def person(store, incident_id: int, **values: str):
    return add_person(store, incident_id, parse_changes(store, values))


@pytest.fixture
def bradford(store, make_incident):
    """A live s.48 incident with one person Bradford placed: (incident id, person)."""
    incident = make_incident()
    ada = person(store, incident.id, first_name="Ada", last_name="Exampleton", date_of_birth="03/04/1940",
                 funding="LA", funding_body="Bradford", weekly_cost_pence="950.00")
    return incident.id, ada


def latest(store, incident_id: int, ref: str):
    return store.notifications.latest_for(incident_id, ref)


def test_sync_makes_one_notification_per_recipient_and_nothing_twice(tmp_path):
    store = demo_store(tmp_path)
    result = service.sync(store, 1)
    plans = service.roster(store, 1).plans
    assert {n.recipient_ref for n in result.created} == {p.recipient_ref for p in plans.all}
    assert all(n.version == 1 and n.status is NotificationStatus.DRAFT for n in result.created)
    references = [n.reference for n in store.notifications.latest(1)]
    assert len(references) == len(set(references)) == 10 + 49
    entries = store.log.count()
    again = service.sync(store, 1)
    assert (again.created, again.redrafted, again.out_of_date) == ((), (), ())
    assert store.log.count() == entries, "a sync with nothing to do writes nothing"
    assert store.verify_log().ok
    store.close()


def test_a_draft_simply_follows_the_roster(store, bradford):
    incident_id, ada = bradford
    service.sync(store, incident_id)
    ben = person(store, incident_id, first_name="Ben", last_name="Samplewood", funding="LA", funding_body="Bradford")
    result = service.sync(store, incident_id)
    draft = latest(store, incident_id, BRADFORD)
    assert [n.reference for n in result.redrafted] == ["INC1-LA-E08000032-v1"]
    assert draft.version == 1 and set(draft.people) == {ada.id, ben.id} and not draft.out_of_date


def test_a_roster_change_after_generation_makes_version_2_and_keeps_version_1(store, bradford, tmp_path):
    incident_id, ada = bradford
    first = service.generate(store, incident_id, tmp_path, formats=BOTH, recipients=["Bradford"])
    v1 = latest(store, incident_id, BRADFORD)
    assert v1.status is NotificationStatus.GENERATED and v1.issued_at == NOW
    assert v1.reply_by is None, "reply-by is counted from sending, not generation"
    v1_documents = store.notifications.documents(v1.id)
    assert {(d.format, d.sha256) for d in v1_documents} == {(f.format, f.sha256) for f in first}

    ben = person(store, incident_id, first_name="Ben", last_name="Samplewood", funding="LA", funding_body="Bradford")
    result = service.sync(store, incident_id)
    assert [n.reference for n in result.out_of_date] == ["INC1-LA-E08000032-v1"]
    stale = store.notifications.by_reference("INC1-LA-E08000032-v1")
    assert stale.out_of_date and stale.people == (ada.id,), "a generated letter is never rewritten"

    second = service.generate(store, incident_id, tmp_path, formats=BOTH, recipients=["Bradford"])
    v2 = latest(store, incident_id, BRADFORD)
    assert v2.reference == "INC1-LA-E08000032-v2" and v2.version == 2
    assert set(v2.people) == {ada.id, ben.id} and not v2.out_of_date
    assert {f.notification.reference for f in second} == {"INC1-LA-E08000032-v2"}
    kept = store.notifications.by_reference("INC1-LA-E08000032-v1")
    assert kept.people == (ada.id,) and kept.out_of_date
    assert store.notifications.documents(v1.id) == v1_documents, "version 1's documents and SHA-256 are kept"
    for f in first:  # and so are its files
        assert f.path.exists() and service.hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256
    assert {f.path for f in first}.isdisjoint({f.path for f in second})
    assert [n.version for n in store.notifications.versions(incident_id, BRADFORD)] == [1, 2]
    preview = service.preview(store, incident_id, "INC1-LA-E08000032-v2")
    assert "replaces our letter INC1-LA-E08000032-v1" in preview
    assert store.verify_log().ok


def test_correcting_a_home_authority_puts_the_right_council_in_the_letters(store, make_incident, tmp_path):
    incident = make_incident()
    cara = person(store, incident.id, first_name="Cara", last_name="Testwell", funding="Private",
                  or_code="Bradford", or_status="asserted")
    service.generate(store, incident.id, tmp_path, recipients=["Bradford"])
    edit_person(store, cara.id, parse_changes(store, {"or_code": "Kirklees"}), reason="home authority corrected")
    result = service.sync(store, incident.id)
    assert [n.recipient_ref for n in result.out_of_date] == [BRADFORD]
    assert [n.recipient_ref for n in result.created] == [KIRKLEES]
    assert latest(store, incident.id, KIRKLEES).people == (cara.id,)
    with pytest.raises(BadInput, match="nobody on the roster is for City of Bradford"):
        service.generate(store, incident.id, tmp_path, recipients=["Bradford"])
    closed = service.close(store, incident.id, "Bradford", "Cara's home authority is Kirklees, not Bradford")
    assert closed.status is NotificationStatus.CLOSED
    everything = service.generate(store, incident.id, tmp_path, include_people=False)
    assert {f.notification.recipient_ref for f in everything} == {KIRKLEES, "cqc"}


def test_the_same_letter_generated_twice_gives_the_same_bytes(store, bradford, tmp_path):
    incident_id, _ = bradford
    once = service.generate(store, incident_id, tmp_path, formats=BOTH, recipients=["Bradford"])
    twice = service.generate(store, incident_id, tmp_path, formats=BOTH, recipients=["Bradford"])
    assert [(f.path, f.sha256) for f in once] == [(f.path, f.sha256) for f in twice]
    notification = latest(store, incident_id, BRADFORD)
    assert len(store.notifications.documents(notification.id)) == 4, "every generation is recorded"


def test_an_exercise_letter_is_marked_sent_only_with_an_explicit_confirmation(tmp_path):
    store = demo_store(tmp_path)
    service.generate(store, 1, tmp_path / "out", recipients=["Kirklees"])
    with pytest.raises(BadInput, match="EXERCISE store"):
        service.mark_sent(store, 1, "Kirklees", "secure email")
    assert latest(store, 1, KIRKLEES).status is NotificationStatus.GENERATED
    sent = service.mark_sent(store, 1, "Kirklees", "secure email", exercise_confirmed=True)
    assert sent.status is NotificationStatus.SENT and sent.sent_by == "Demo Officer"
    reason = store.log.for_entity("notification", sent.id)[-1].reason
    assert "exercise: confirmed not sent to a real recipient" in reason
    store.close()


def test_a_live_letter_is_sent_without_exercise_confirmation_but_only_once_generated(store, bradford, tmp_path):
    incident_id, _ = bradford
    service.sync(store, incident_id)
    with pytest.raises(BadInput, match="has not been generated"):
        service.mark_sent(store, incident_id, "Bradford", "secure email")
    service.generate(store, incident_id, tmp_path, recipients=["Bradford"])
    with pytest.raises(BadInput, match="say how it was sent"):
        service.mark_sent(store, incident_id, "Bradford", "  ")
    with pytest.raises(BadInput, match="in the future"):
        service.mark_sent(store, incident_id, "Bradford", "secure email", at=NOW + timedelta(hours=1))
    with pytest.raises(BadInput, match="cannot have been sent before"):
        service.mark_sent(store, incident_id, "Bradford", "secure email", at=NOW - timedelta(hours=1))
    sent = service.mark_sent(store, incident_id, "INC1-LA-E08000032-v1", "secure email to Bradford")
    assert (sent.status, sent.sent_at, sent.sent_channel) == (NotificationStatus.SENT, NOW, "secure email to Bradford")
    with pytest.raises(BadInput, match="already sent by Sam Patel"):
        service.mark_sent(store, incident_id, "Bradford", "post")


def test_an_out_of_date_letter_cannot_be_marked_sent(store, bradford, tmp_path):
    incident_id, _ = bradford
    service.generate(store, incident_id, tmp_path, recipients=["Bradford"])
    person(store, incident_id, first_name="Ben", last_name="Samplewood", funding="LA", funding_body="Bradford")
    service.sync(store, incident_id)
    with pytest.raises(BadInput, match="out of date"):
        service.mark_sent(store, incident_id, "INC1-LA-E08000032-v1", "secure email")


def test_a_letter_is_checked_against_the_roster_before_it_is_marked_sent(store, bradford, tmp_path, monkeypatch):
    """Nobody has looked at the register since the roster changed (no sync): marking sent checks first, so the
    out-of-date letter is refused rather than sent; on a roster too big to check there and then, the officer is
    told to check it first."""
    incident_id, _ = bradford
    service.generate(store, incident_id, tmp_path, recipients=["Bradford"])
    person(store, incident_id, first_name="Ben", last_name="Samplewood", funding="LA", funding_body="Bradford")
    monkeypatch.setattr(service, "CHECK_BEFORE_SENDING", 0)
    with pytest.raises(BadInput, match="press r in Notifications"):
        service.mark_sent(store, incident_id, "INC1-LA-E08000032-v1", "secure email")
    monkeypatch.undo()
    with pytest.raises(BadInput, match="out of date"):
        service.mark_sent(store, incident_id, "INC1-LA-E08000032-v1", "secure email")


def test_the_chase_list_shows_unanswered_letters_past_reply_by_with_how_overdue(store, bradford, tmp_path):
    incident_id, _ = bradford
    service.generate(store, incident_id, tmp_path, recipients=["Bradford", "cqc"])
    service.mark_sent(store, incident_id, "Bradford", "secure email")
    service.mark_sent(store, incident_id, "cqc", "CQC portal")
    assert service.chase_list(store, NOW + timedelta(hours=47)) == []
    later = NOW + timedelta(hours=50, minutes=5)
    overdue = service.chase_list(store, later)
    assert [(i.notification.reference, i.overdue) for i in overdue] == [
        ("INC1-LA-E08000032-v1", timedelta(hours=2, minutes=5)), ("INC1-CQC-v1", timedelta(hours=2, minutes=5))]

    chased = service.chase(store, incident_id, "Bradford")
    chased = service.chase(store, incident_id, "Bradford")
    assert (chased.status, chased.chase_count, chased.last_chased_at) == (NotificationStatus.CHASED, 2, NOW)
    assert "INC1-LA-E08000032-v1" in [i.notification.reference for i in service.chase_list(store, later)]

    with pytest.raises(BadInput, match="summarise the reply"):
        service.acknowledge(store, incident_id, "Bradford", " ")
    done = service.acknowledge(store, incident_id, "Bradford", "Jo Bloggs, Bradford ASC: care plans to follow")
    assert (done.status, done.acknowledged_by, done.acknowledged_at) == (NotificationStatus.ACKNOWLEDGED, "Sam Patel", NOW)
    assert [i.notification.reference for i in service.chase_list(store, later)] == ["INC1-CQC-v1"]
    with pytest.raises(BadInput, match="only a sent letter"):
        service.chase(store, incident_id, "Bradford")
    assert store.verify_log().ok


def test_documents_are_proof_and_cannot_be_edited_or_deleted(store, bradford, tmp_path):
    incident_id, _ = bradford
    service.generate(store, incident_id, tmp_path, recipients=["Bradford"])
    with pytest.raises(sqlite3.IntegrityError, match="never edited"):
        store.conn.execute("UPDATE notification_documents SET sha256 = ?", ["0" * 64])
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        store.conn.execute("DELETE FROM notification_documents")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        store.conn.execute("DELETE FROM notifications")


def test_a_notification_changed_outside_the_app_breaks_log_verify(store, bradford):
    incident_id, _ = bradford
    service.sync(store, incident_id)
    assert store.verify_log().ok
    store.conn.execute("UPDATE notifications SET people = '[99]' WHERE recipient_ref = ?", [BRADFORD])
    result = store.verify_log()
    assert not result.ok and "notification" in result.problem


def test_letters_are_found_by_reference_or_by_recipient(store, bradford):
    incident_id, ada = bradford
    service.sync(store, incident_id)
    for text in ("INC1-LA-E08000032-v1", "inc1-la-e08000032-v1", "INC1-LA-E08000032", "Bradford", "E08000032",
                 "la:E08000032"):
        assert service.find(store, incident_id, text).recipient_ref == BRADFORD, text
    assert service.find(store, incident_id, "CQC").kind is NotificationKind.CQC
    assert service.find(store, incident_id, f"person:{ada.id}").people == (ada.id,)
    with pytest.raises(BadInput, match="has no letter 'Kirklees'"):
        service.find(store, incident_id, "Kirklees")
    with pytest.raises(BadInput, match="not a UK authority"):
        service.find(store, incident_id, "Narnia")


def test_a_person_screen_can_list_the_letters_that_name_them(store, bradford):
    incident_id, ada = bradford
    service.sync(store, incident_id)
    assert {n.recipient_ref for n in store.notifications.covering(ada.id)} == {BRADFORD, f"person:{ada.id}"}


def test_generating_needs_a_format_and_a_usable_folder(store, bradford, tmp_path):
    incident_id, _ = bradford
    with pytest.raises(BadInput, match="at least one format"):
        service.generate(store, incident_id, tmp_path, formats=())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BadInput, match="cannot use"):
        service.generate(store, incident_id, blocker / "letters")
