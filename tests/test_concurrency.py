"""Two officers at once on one store file, as real separate processes: nothing lost, nothing doubled.

The workers are spawned, not forked, so each opens the store afresh the way a second terminal would.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import sqlite3
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from contingency.clock import fixed_clock
from contingency.person import PersonFacts
from contingency.services.errors import BadInput
from contingency.services.importer import import_file
from contingency.services.people import add_person, edit_person, merge_people
from contingency.rules.times import to_utc_iso
from contingency.store import open_store
from contingency.store.migrations import unique_nhs_number_index
from contingency.store.people import RosterQuery
from tests.conftest import NOW, OFFICER

SPAWN = multiprocessing.get_context("spawn")
ROUNDS = 50
# Long enough for a slow CI machine to start Python twice; the work itself takes a second or two.
WAIT = 60


def nhs(n: int) -> str:
    """The n-th valid NHS number in the 999 test range (never issued to a real patient)."""
    found, body = 0, 999_000_000
    while True:
        digits = str(body)
        check = (11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1))) % 11) % 11
        if check != 10:
            if found == n:
                return digits + str(check)
            found += 1
        body += 1


# --- the workers (module level, so a spawned process can find them) ------------------------------------

def _open(path: str, officer: str):
    return open_store(path, officer=officer, clock=fixed_clock(NOW))


def _slow_to_lock(store, pause: float = 0.05) -> None:
    """Each transaction waits a moment before it takes the write lock, as a busy machine might. Anything
    checked before the lock then goes stale under the other process every time, not once in a thousand runs."""
    write = store.write

    @contextmanager
    def slowed(reason=None):
        if store._tx is None:
            time.sleep(pause)
        with write(reason) as tx:
            yield tx

    store.write = slowed


def _edit_one_field(path: str, officer: str, person_id: int, field: str, barrier, results) -> None:
    try:
        store = _open(path, officer)
        barrier.wait(WAIT)
        for i in range(ROUNDS):
            edit_person(store, person_id, {field: f"{field} {i}"})
        store.close()
        results.put(("done", officer))
    except BaseException:  # noqa: BLE001 - the parent asserts on it
        results.put(("error", traceback.format_exc()))


def _add_same_people(path: str, officer: str, incident_id: int, numbers: list[str], barrier, results) -> None:
    try:
        store = _open(path, officer)
        _slow_to_lock(store)
        for number in numbers:
            barrier.wait(WAIT)
            try:
                person = add_person(store, incident_id, {"first_name": officer, "last_name": "Testperson",
                                                         "nhs_number": number})
                results.put(("added", number, person.id))
            except BadInput as exc:
                results.put(("refused", number, str(exc)))
        store.close()
    except BaseException:  # noqa: BLE001
        results.put(("error", traceback.format_exc()))


def _import(path: str, officer: str, incident_id: int, list_path: str, barrier, results) -> None:
    try:
        store = _open(path, officer)
        _slow_to_lock(store, pause=0.5)  # longer than reading the list takes either process
        barrier.wait(WAIT)
        summary = import_file(store, incident_id, Path(list_path), write_rejects=False)
        store.close()
        results.put(("imported", summary.imported, summary.merged))
    except BaseException:  # noqa: BLE001
        results.put(("error", traceback.format_exc()))


def _run_both(target, args_a: tuple, args_b: tuple, expected_messages: int) -> list[tuple]:
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    workers = [SPAWN.Process(target=target, args=(*args, barrier, results)) for args in (args_a, args_b)]
    for worker in workers:
        worker.start()
    messages = [results.get(timeout=WAIT) for _ in range(expected_messages)]
    for worker in workers:
        worker.join(WAIT)
    errors = [m[1] for m in messages if m[0] == "error"]
    assert not errors, "\n".join(errors)
    return messages


# --- tests ------------------------------------------------------------------------------------------------

def _person_after_images(store, person_id: int) -> list[dict[str, Any]]:
    return [json.loads(after) for (after,) in store.conn.execute(
        "SELECT after FROM event_log WHERE entity = 'person' AND entity_id = ? ORDER BY seq", [str(person_id)])]


def test_two_officers_editing_different_fields_keep_both(store, store_path, make_incident):
    incident = make_incident()
    person = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton"})
    store.close()

    _run_both(_edit_one_field, (str(store_path), "Officer A", person.id, "notes"),
              (str(store_path), "Officer B", person.id, "nominee_name"), expected_messages=2)

    again = _open(str(store_path), OFFICER)
    try:
        final = again.people.get(person.id).facts
        assert (final.notes, final.nominee_name) == (f"notes {ROUNDS - 1}", f"nominee_name {ROUNDS - 1}")
        images = _person_after_images(again, person.id)
        assert len(images) == 1 + 2 * ROUNDS  # created, then every edit of each officer, none lost
        # Each field only ever moves forward: an edit built on a stale read would put an older value back.
        for field in ("notes", "nominee_name"):
            steps = [int(image[field].rsplit(" ", 1)[1]) if image[field] else -1 for image in images]
            assert steps == sorted(steps), f"{field} went backwards: {steps}"
        assert again.verify_log().ok
    finally:
        again.close()


def test_two_officers_adding_the_same_nhs_number_at_once_make_one_person(store, store_path, make_incident):
    incident = make_incident()
    store.close()
    numbers = [nhs(n) for n in range(1, 6)]

    messages = _run_both(_add_same_people, (str(store_path), "Officer A", incident.id, numbers),
                         (str(store_path), "Officer B", incident.id, numbers), expected_messages=2 * len(numbers))

    for number in numbers:
        outcomes = sorted(m[0] for m in messages if m[1] == number)
        assert outcomes == ["added", "refused"], (number, messages)
    refusals = [m[2] for m in messages if m[0] == "refused"]
    assert all("already on this roster" in text for text in refusals), refusals
    again = _open(str(store_path), OFFICER)
    try:
        on_roster = [p.facts.nhs_number for p in again.people.all(incident.id)]
        assert sorted(on_roster) == sorted(numbers)
        assert again.verify_log().ok
    finally:
        again.close()


def test_the_same_list_imported_twice_at_once_puts_each_person_on_once(store, store_path, make_incident, tmp_path):
    incident = make_incident()
    store.close()
    people = 30
    residents = tmp_path / "residents.csv"
    with residents.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Provider ref", "First name", "Surname", "DOB", "NHS No"])
        for n in range(people):
            writer.writerow([f"R{n:02}", f"Resident{n}", "Testperson", f"0{1 + n % 9}/04/1940", nhs(n + 10)])

    messages = _run_both(_import, (str(store_path), "Officer A", incident.id, str(residents)),
                         (str(store_path), "Officer B", incident.id, str(residents)), expected_messages=2)

    # One import lands everyone; the other finds them all already there and merges into them.
    assert sorted((m[1], m[2]) for m in messages) == [(0, people), (people, 0)]
    again = _open(str(store_path), OFFICER)
    try:
        numbers = [p.facts.nhs_number for p in again.people.all(incident.id)]
        assert len(numbers) == people and len(set(numbers)) == people
        assert again.verify_log().ok
    finally:
        again.close()


# --- the store's own guard (db/0013) -------------------------------------------------------------------

def test_the_store_refuses_a_second_live_record_with_one_nhs_number(store, make_incident):
    incident = make_incident()
    first = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton", "nhs_number": nhs(1)})
    facts = PersonFacts(first_name="Ada", last_name="Twice", nhs_number=nhs(1))
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: people.incident_id, people.nhs_number"), \
            store.write("a path that forgot to check") as tx:
        store.people.insert(tx, incident.id, facts, first.determination)
    other = add_person(store, incident.id, {"first_name": "Bert", "last_name": "Exampleton", "nhs_number": nhs(2)})
    with pytest.raises(BadInput, match="already belongs to person"):
        edit_person(store, other.id, {"nhs_number": nhs(1)})
    assert store.verify_log().ok


def test_a_merge_hands_the_kept_record_the_other_records_nhs_number(store, make_incident):
    incident = make_incident()
    keep = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton"})
    drop = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton", "nhs_number": nhs(1)})
    merged = merge_people(store, keep.id, drop.id, "same resident, two care plans")
    assert merged.facts.nhs_number == nhs(1)
    assert store.people.by_nhs_number(incident.id, nhs(1)).id == keep.id
    assert store.verify_log().ok


def test_an_old_store_with_same_nhs_duplicates_still_opens_and_logs_them(store, store_path, make_incident, clock):
    incident = make_incident()
    ada = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton", "nhs_number": nhs(1)})
    # As a store made before db/0013 could be: the same NHS number twice on the roster, each logged.
    store.conn.execute("DROP INDEX people_one_live_nhs_number")
    store.conn.commit()
    with store.write("added before the check") as tx:
        twice = store.people.insert(tx, incident.id, PersonFacts(first_name="Ada", last_name="Twice", nhs_number=nhs(1)),
                     ada.determination)
    # What the release that brought db/0013 did when it opened such a store. (Deleting the migration's record
    # to have open_store re-run it would now be refused: later migrations show the schema is ahead of it.)
    with store.conn:
        unique_nhs_number_index(store.db, at=to_utc_iso(clock()))
    store.close()

    again = open_store(store_path, officer=OFFICER, clock=clock)
    try:
        assert again.verify_log().ok
        (after,) = again.conn.execute(
            "SELECT after FROM event_log WHERE entity = 'migration' AND action = 'duplicates-found'").fetchone()
        found = json.loads(after)
        assert found["same_nhs_number"] == [{"incident_id": incident.id, "nhs_number": nhs(1),
                                             "people": [ada.id, twice]}]
        # Everyone else, and anyone new, is still held to one live record per NHS number.
        with pytest.raises(BadInput, match="already on this roster"):
            add_person(again, incident.id, {"first_name": "Ada", "last_name": "Thrice", "nhs_number": nhs(1)})
        merge_people(again, ada.id, twice, "the same resident")
        assert [p.id for p in again.people.page(RosterQuery(incident.id, search=nhs(1)))] == [ada.id]
        assert again.verify_log().ok
    finally:
        again.close()
