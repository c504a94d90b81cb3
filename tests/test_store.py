"""The store: migrations and backups, file permissions, live/exercise, busy and corrupt files, and the
SHA-256 chained event log (tampering and drift)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from contingency.clock import fixed_clock
from contingency.models import StoreKind
from contingency.paths import resource_dir
from contingency.services.incidents import change_status
from contingency.services.people import add_person, parse_changes
from contingency.store import (
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreMissing,
    files,
    open_store,
)
from contingency.store.eventlog import entry_hash
from tests.conftest import NOW, OFFICER

BUSY_MESSAGE = "store is busy (another contingency is writing); try again"
REPO = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, as someone editing the file outside the app would use."""
    return sqlite3.connect(path, isolation_level=None)


def tamper(path: Path, *statements: str) -> None:
    conn = raw(path)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


def populate(store, make_incident) -> None:
    """Some ordinary work: an incident, three people, a status change, a decision."""
    incident = make_incident()
    for values in (
        {"first_name": "Ada", "last_name": "Exampleton", "date_of_birth": "03/04/1938", "funding": "Private"},
        {"first_name": "Bernard", "last_name": "Samplewood", "nhs_number": "9434765919", "funding": "LA",
         "funding_body": "Bradford"},
        {"first_name": "Clara", "last_name": "Testwell", "funding": "CHC", "icb_code": "E54000054"},
    ):
        add_person(store, incident.id, parse_changes(store, values))
    change_status(store, incident.id, "stepping-down", "alternative placements found")
    store.decisions.add(incident_id=incident.id, decision="Bridge the night shift with agency staff",
                        rationale="no staff on site after 22:00", decided_at=NOW - timedelta(minutes=10))


def log_rows(path: Path) -> list[tuple]:
    conn = raw(path)
    try:
        return conn.execute("SELECT seq, at, officer, entity, entity_id, action, before, after, reason, incident_id,"
                            " prev_hash, hash FROM event_log ORDER BY seq").fetchall()
    finally:
        conn.close()


# --- migrations and backups -----------------------------------------------------------------------------


def test_migrations_from_empty(store, store_path):
    expected = sorted([p.stem for p in resource_dir("db").glob("[0-9][0-9][0-9][0-9]_*.sql")] + ["0002_reference_data"])
    assert {"0001_initial", "0002_reference_data", "0003_people"} <= set(expected)
    applied = [r[0] for r in store.conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'contingency' ORDER BY id")]
    assert applied == expected  # each recorded once, in number order
    tables = set(store.db.table_names())
    assert {"store_meta", "authorities", "icbs", "settings", "incidents", "decisions", "event_log", "people",
            "imports", "import_rejects", "column_maps"} <= tables
    authorities = len((resource_dir("db") / "authorities.csv").read_text("utf-8").strip().splitlines()) - 1
    assert store.conn.execute("SELECT count(*) FROM authorities").fetchone()[0] == authorities
    assert store.conn.execute("SELECT count(*) FROM icbs").fetchone()[0] == 36
    # A brand-new store needs no backup.
    assert list(store_path.parent.glob("*.backup-*")) == []
    assert store.verify_log().ok


def test_reopening_a_current_store_takes_no_backup(store, store_path, clock):
    store.close()
    again = open_store(store_path, officer=OFFICER, clock=clock)
    again.close()
    assert list(store_path.parent.glob("*.backup-*")) == []


def test_a_backup_is_taken_before_a_pending_migration(store, store_path, make_incident, monkeypatch):
    make_incident()
    store.close()
    # A later version of contingency ships one more migration.
    from contingency.store import store as store_module

    real = store_module.build_migrations

    def with_one_more(*, at):
        migrations = real(at=at)

        @migrations(name="9999_later_feature")
        def later(db):
            db.execute("CREATE TABLE later_feature (id INTEGER PRIMARY KEY) STRICT")

        return migrations

    monkeypatch.setattr(store_module, "build_migrations", with_one_more)
    shipped = store_module.migration_names
    monkeypatch.setattr(store_module, "migration_names", lambda: shipped() | {"9999_later_feature"})
    reopened = open_store(store_path, officer=OFFICER, clock=fixed_clock(NOW + timedelta(days=1)))
    try:
        backups = list(store_path.parent.glob("contingency.backup-*.sqlite"))
        assert [b.name for b in backups] == ["contingency.backup-20261124T014000Z.sqlite"]
        backup = backups[0]
        assert mode(backup) == 0o600
        # The migration was applied and recorded once...
        assert "later_feature" in reopened.db.table_names()
        names = [r[0] for r in reopened.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
        assert names[-1] == "9999_later_feature" and names.count("9999_later_feature") == 1
        # ...and the backup holds the store as it was before it, incident included.
        old = raw(backup)
        try:
            old_tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            assert "later_feature" not in old_tables and "incidents" in old_tables
            assert old.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
            assert "9999_later_feature" not in {r[0] for r in old.execute("SELECT name FROM _sqlite_migrations")}
        finally:
            old.close()
        assert files.newest_backup(store_path) == backup
        assert reopened.verify_log().ok
    finally:
        reopened.close()
    # Opening again with nothing pending takes no further backup.
    open_store(store_path, officer=OFFICER, clock=fixed_clock(NOW + timedelta(days=2))).close()
    assert len(list(store_path.parent.glob("contingency.backup-*.sqlite"))) == 1


def test_a_failing_migration_leaves_the_store_as_it_was(store, store_path, monkeypatch):
    store.close()
    from contingency.store import store as store_module

    real = store_module.build_migrations

    def broken(*, at):
        migrations = real(at=at)

        @migrations(name="9999_broken")
        def fails(db):
            db.execute("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
            raise RuntimeError("migration bug")

        return migrations

    monkeypatch.setattr(store_module, "build_migrations", broken)
    shipped = store_module.migration_names
    monkeypatch.setattr(store_module, "migration_names", lambda: shipped() | {"9999_broken"})
    with pytest.raises(RuntimeError, match="migration bug"):
        open_store(store_path, officer=OFFICER)
    monkeypatch.undo()
    again = open_store(store_path, officer=OFFICER)
    try:
        assert "half_done" not in again.db.table_names()
        assert "9999_broken" not in {r[0] for r in again.conn.execute("SELECT name FROM _sqlite_migrations")}
        assert again.verify_log().ok
    finally:
        again.close()
    assert len(list(store_path.parent.glob("contingency.backup-*.sqlite"))) == 1  # taken before trying


def test_newest_backup_is_the_last_one_taken_even_within_one_second(store, store_path, clock):
    first = files.backup(store.conn, store_path, clock())
    second = files.backup(store.conn, store_path, clock())
    assert first != second
    assert files.newest_backup(store_path) == second


def test_missing_store_says_how_to_make_one(tmp_path):
    with pytest.raises(StoreMissing, match="contingency setup"):
        open_store(tmp_path / "nothing.sqlite")
    assert not (tmp_path / "nothing.sqlite").exists()


# --- permissions ----------------------------------------------------------------------------------------


def test_store_file_is_owner_only_and_new_folders_are_0700(tmp_path, clock):
    old_umask = os.umask(0)  # even with a permissive umask
    try:
        path = tmp_path / "new" / "deeper" / "contingency.sqlite"
        store = open_store(path, officer=OFFICER, clock=clock, create=StoreKind.LIVE)
    finally:
        os.umask(old_umask)
    try:
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
        assert mode(path.parent.parent) == 0o700
        for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            if companion.exists():
                assert mode(companion) == 0o600, companion.name
    finally:
        store.close()


def test_existing_folder_permissions_are_not_changed(tmp_path, clock):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    store = open_store(folder / "c.sqlite", officer=OFFICER, clock=clock, create=StoreKind.LIVE)
    store.close()
    assert mode(folder) == 0o755
    assert mode(folder / "c.sqlite") == 0o600


# --- live or exercise for ever (rule 29) ---------------------------------------------------------------


def test_a_store_is_live_or_exercise_for_ever(store, store_path, clock):
    assert store.kind is StoreKind.LIVE and not store.is_exercise
    with pytest.raises(sqlite3.DatabaseError, match="live or exercise for ever"):
        store.conn.execute("UPDATE store_meta SET value = 'exercise' WHERE key = 'kind'")
    with pytest.raises(sqlite3.DatabaseError, match="live or exercise for ever"):
        store.conn.execute("DELETE FROM store_meta WHERE key = 'kind'")
    if store.conn.in_transaction:
        store.conn.rollback()
    # Asking to "create" an exercise store over an existing live one does not relabel it.
    again = open_store(store_path, officer=OFFICER, clock=clock, create=StoreKind.EXERCISE)
    assert again.kind is StoreKind.LIVE
    assert again.conn.execute("SELECT value FROM store_meta WHERE key = 'kind'").fetchone() == ("live",)
    again.close()
    assert store.verify_log().ok


def test_an_exercise_store_stays_exercise(tmp_path, clock):
    path = tmp_path / "exercise.sqlite"
    open_store(path, officer=OFFICER, clock=clock, create=StoreKind.EXERCISE).close()
    for create in (None, StoreKind.LIVE):
        again = open_store(path, officer=OFFICER, clock=clock, create=create)
        assert again.is_exercise
        again.close()


def test_a_store_without_a_kind_marker_is_refused(tmp_path, clock):
    path = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE something (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not made by contingency"):
        open_store(path, officer=OFFICER, clock=clock)
    # Someone else's database is refused before anything is written into it.
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.close()
    assert tables == ["something"]


def test_relabelling_a_store_outside_the_app_is_caught_by_verify(store, store_path):
    """The log records the store's kind; an EXERCISE store relabelled LIVE (or back) behind the app's back,
    with the trigger dropped, must not verify."""
    tamper(store_path, "DROP TRIGGER store_kind_is_fixed",
           "UPDATE store_meta SET value = 'exercise' WHERE key = 'kind'")
    assert not store.verify_log().ok


# --- busy -----------------------------------------------------------------------------------------------


def test_a_write_while_another_process_writes_raises_store_busy(store_path, clock):
    store = open_store(store_path, officer=OFFICER, clock=clock, create=StoreKind.LIVE, busy_timeout_ms=200)
    holder = raw(store_path)
    try:
        holder.execute("BEGIN IMMEDIATE")
        # Reading still works while someone else writes (WAL).
        assert store.settings() is None
        with pytest.raises(StoreBusy) as caught:
            from contingency.services.setup import setup_council

            setup_council(store, authority="Leeds", team="EDT", officer=OFFICER)
        assert str(caught.value) == BUSY_MESSAGE
        assert not store.conn.in_transaction
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Once the other writer has gone, the same write works.
    from contingency.services.setup import setup_council

    setup_council(store, authority="Leeds", team="EDT", officer=OFFICER)
    assert store.settings().authority_code == "LDS"
    assert store.verify_log().ok
    store.close()


def test_opening_a_store_while_another_process_writes_is_fine(store, store_path, clock):
    holder = raw(store_path)
    try:
        holder.execute("BEGIN IMMEDIATE")
        other = open_store(store_path, officer=OFFICER, clock=clock, busy_timeout_ms=200)
        assert other.settings().authority_code == "LDS"
        other.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_cli_against_a_locked_store_exits_3_with_one_line(store, store_path):
    """The real command line waits its default 5 s, then says the store is busy: exit 3, no traceback."""
    store.close()
    holder = raw(store_path)
    try:
        holder.execute("BEGIN IMMEDIATE")
        result = subprocess.run(
            [sys.executable, "-m", "contingency", "--db", str(store_path), "incident", "open",
             "--provider", "Meadowbrook Care Homes Ltd", "--service", "care-home", "--area", "Leeds",
             "--event", "administration"],
            capture_output=True, text=True, timeout=60, cwd=REPO,
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 3, result.stderr
    assert result.stderr == f"contingency: {BUSY_MESSAGE}\n"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    # Nothing was half-written.
    conn = raw(store_path)
    try:
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
    finally:
        conn.close()


# --- corrupt files --------------------------------------------------------------------------------------


def test_a_corrupt_store_names_the_newest_backup(store, store_path, clock):
    older = files.backup(store.conn, store_path, NOW - timedelta(days=2))
    newer = files.backup(store.conn, store_path, NOW - timedelta(days=1))
    assert older != newer
    store.close()
    with store_path.open("r+b") as handle:
        handle.write(b"this is not a database" * 20)
    with pytest.raises(StoreCorrupt) as caught:
        open_store(store_path, officer=OFFICER, clock=clock)
    message = str(caught.value)
    assert str(store_path) in message
    assert "integrity check" in message
    assert f"the newest backup is {newer}" in message


def test_a_damaged_page_fails_the_integrity_check(store, store_path, clock, make_incident):
    for n in range(30):
        make_incident(provider=f"Provider {n} " + "x" * 400)
    backup = files.backup(store.conn, store_path, clock())
    store.close()
    page_size = 4096
    size = store_path.stat().st_size
    assert size > 8 * page_size
    with store_path.open("r+b") as handle:
        for page in range(2, size // page_size):
            handle.seek(page * page_size)
            handle.write(b"\xff" * 64)
    with pytest.raises(StoreCorrupt) as caught:
        open_store(store_path, officer=OFFICER, clock=clock)
    assert str(backup) in str(caught.value)


def test_a_corrupt_store_with_no_backup_says_so(tmp_path, clock):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(StoreCorrupt, match="no backup was found"):
        open_store(path, officer=OFFICER, clock=clock)


# --- the event log: a chain that shows tampering --------------------------------------------------------


def test_log_verifies_after_ordinary_work(store, make_incident):
    populate(store, make_incident)
    result = store.verify_log()
    assert result.ok, result.problem
    assert result.entries == store.log.count() >= 9
    assert result.problem == "" and result.first_bad_seq is None
    rows = log_rows(store.path)
    assert result.head == rows[-1][-1]
    assert rows[0][-2] == "0" * 64


def test_log_is_append_only_without_dropping_triggers(store, store_path, make_incident):
    populate(store, make_incident)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(store_path, "UPDATE event_log SET reason = 'nothing to see' WHERE seq = 3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        tamper(store_path, "DELETE FROM event_log WHERE seq = 3")
    with pytest.raises(sqlite3.DatabaseError, match="never edited"):
        tamper(store_path, "UPDATE decisions SET rationale = 'better reason'")
    with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
        tamper(store_path, "DELETE FROM decisions")
    assert store.verify_log().ok


@pytest.fixture
def worked_store(store, make_incident):
    populate(store, make_incident)
    assert store.verify_log().ok
    return store


def middle(store) -> int:
    return store.log.count() // 2


def test_editing_a_log_row_is_caught_at_that_entry(worked_store, store_path):
    k = middle(worked_store)
    tamper(store_path, "DROP TRIGGER event_log_is_append_only",
           f"UPDATE event_log SET officer = 'Someone Else' WHERE seq = {k}")
    result = worked_store.verify_log()
    assert not result.ok
    assert result.first_bad_seq == k
    assert result.problem == f"entry {k} was edited after it was written"
    assert result.entries == k - 1


def test_editing_a_log_row_and_its_hash_is_caught_at_the_next_entry(worked_store, store_path):
    k = middle(worked_store)
    conn = raw(store_path)
    try:
        conn.execute("DROP TRIGGER event_log_is_append_only")
        cursor = conn.execute("SELECT * FROM event_log WHERE seq = ?", [k])
        row = dict(zip([d[0] for d in cursor.description], cursor.fetchone()))
        row["reason"] = "rewritten"
        conn.execute("UPDATE event_log SET reason = ?, hash = ? WHERE seq = ?",
                     ["rewritten", entry_hash(row["prev_hash"], row), k])
    finally:
        conn.close()
    result = worked_store.verify_log()
    assert not result.ok
    assert result.first_bad_seq == k + 1
    assert f"entry {k + 1}" in result.problem


def test_deleting_a_log_row_is_caught_at_the_entry_after(worked_store, store_path):
    k = middle(worked_store)
    tamper(store_path, "DROP TRIGGER event_log_is_kept", f"DELETE FROM event_log WHERE seq = {k}")
    result = worked_store.verify_log()
    assert not result.ok
    assert result.first_bad_seq == k + 1
    assert result.problem == f"entry {k + 1} follows {k - 1}: an entry was deleted"


def test_deleting_the_last_log_row_shows_as_drift(worked_store, store_path):
    last = worked_store.log.count()
    conn = raw(store_path)
    try:
        entity = conn.execute("SELECT entity, entity_id FROM event_log WHERE seq = ?", [last]).fetchone()
    finally:
        conn.close()
    tamper(store_path, "DROP TRIGGER event_log_is_kept", f"DELETE FROM event_log WHERE seq = {last}")
    result = worked_store.verify_log()
    assert not result.ok
    assert f"{entity[0]} {entity[1]}" in result.problem


def test_a_forged_row_inserted_in_the_middle_is_caught_at_the_entry_after(worked_store, store_path):
    k = middle(worked_store)
    conn = raw(store_path)
    try:
        conn.execute("DROP TRIGGER event_log_is_append_only")
        # Make room at k (seq is the primary key), then slip in a well-formed, correctly hashed entry.
        conn.execute("UPDATE event_log SET seq = -seq - 1 WHERE seq >= ?", [k])
        conn.execute("UPDATE event_log SET seq = -seq WHERE seq < 0")
        prev_hash = conn.execute("SELECT hash FROM event_log WHERE seq = ?", [k - 1]).fetchone()[0]
        forged = {"seq": k, "at": NOW.isoformat(), "officer": OFFICER, "entity": "decision", "entity_id": "99",
                  "action": "create", "before": None, "after": None, "reason": "backdated", "incident_id": 1}
        forged["prev_hash"] = prev_hash
        forged["hash"] = entry_hash(prev_hash, forged)
        conn.execute("INSERT INTO event_log (seq, at, officer, entity, entity_id, action, before, after, reason,"
                     " incident_id, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", list(forged.values()))
    finally:
        conn.close()
    result = worked_store.verify_log()
    assert not result.ok
    assert result.first_bad_seq == k + 1
    assert result.problem.startswith(f"entry {k + 1} does not follow from entry {k}")


def test_swapping_two_log_rows_is_caught(worked_store, store_path):
    k = middle(worked_store)
    conn = raw(store_path)
    try:
        conn.execute("DROP TRIGGER event_log_is_append_only")
        cursor = conn.execute("SELECT * FROM event_log WHERE seq IN (?, ?) ORDER BY seq", [k, k + 1])
        columns = [d[0] for d in cursor.description]
        first, second = (dict(zip(columns, r)) for r in cursor.fetchall())
        others = [c for c in columns if c != "seq"]
        sets = ", ".join(f"{c} = ?" for c in others)
        conn.execute(f"UPDATE event_log SET {sets} WHERE seq = ?", [second[c] for c in others] + [k])
        conn.execute(f"UPDATE event_log SET {sets} WHERE seq = ?", [first[c] for c in others] + [k + 1])
    finally:
        conn.close()
    result = worked_store.verify_log()
    assert not result.ok
    assert result.first_bad_seq == k
    assert f"entry {k}" in result.problem


# --- drift: records changed behind the log's back -----------------------------------------------------


def test_editing_an_incident_row_directly_is_drift(worked_store, store_path):
    tamper(store_path, "UPDATE incidents SET classification = 'monitoring' WHERE id = 1")
    result = worked_store.verify_log()
    assert not result.ok
    assert result.problem == "incident 1 differs from its last logged state: it was changed outside the app"


def test_editing_a_person_row_directly_is_drift(worked_store, store_path):
    person_id = worked_store.conn.execute("SELECT max(id) FROM people").fetchone()[0]
    tamper(store_path, f"UPDATE people SET basis = 's48', charge_route = 's48(5)' WHERE id = {person_id}")
    result = worked_store.verify_log()
    assert not result.ok
    assert result.problem == f"person {person_id} differs from its last logged state: it was changed outside the app"


def test_editing_settings_directly_is_drift(worked_store, store_path):
    tamper(store_path, "UPDATE settings SET team = 'Someone else' WHERE id = 1")
    result = worked_store.verify_log()
    assert not result.ok
    assert "settings 1" in result.problem


def test_a_person_added_outside_the_app_is_drift(worked_store, store_path):
    columns = [r[1] for r in worked_store.conn.execute("PRAGMA table_info(people)")]
    replaced = {"id": "99", "provider_ref": "'X99'", "nhs_number": "NULL"}
    select = ", ".join(replaced.get(c, c) for c in columns)
    tamper(store_path, f"INSERT INTO people ({', '.join(columns)}) SELECT {select} FROM people WHERE id = 1")
    result = worked_store.verify_log()
    assert not result.ok
    assert result.problem == "person 99 has no entry in the event log: it was written outside the app"


def test_a_person_deleted_outside_the_app_is_drift(worked_store, store_path):
    tamper(store_path, "DELETE FROM people WHERE id = 2")
    result = worked_store.verify_log()
    assert not result.ok
    assert result.problem == "person 2 is in the event log but missing: it was deleted outside the app"


# --- every write is logged in the same transaction -------------------------------------------------------


def test_a_successful_write_logs_its_after_image(store, make_incident):
    before = store.log.count()
    incident = make_incident()
    entries = store.log.for_entity("incident", incident.id)
    assert store.log.count() == before + 2  # the incident, and the playbook run that opening it starts
    assert len(entries) == 1 and entries[0].action == "create" and entries[0].officer == OFFICER
    row = next(store.db.query("SELECT * FROM incidents WHERE id = ?", [incident.id]))
    assert entries[0].after == row


def test_a_failing_write_leaves_neither_row_nor_log_entry(store, store_path, make_incident):
    before = store.log.count()
    with pytest.raises(RuntimeError, match="power cut"):
        with store.write("doomed"):
            make_incident()
            assert store.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
            raise RuntimeError("power cut")
    assert store.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
    assert store.log.count() == before
    assert not store.conn.in_transaction
    # And nothing reached the file for anyone else either.
    conn = raw(store_path)
    try:
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM event_log").fetchone()[0] == before
    finally:
        conn.close()
    assert store.verify_log().ok
    # The store is still usable, and its chain carries on from where it was.
    make_incident()
    assert store.log.count() == before + 2  # the incident and its playbook run
    assert store.verify_log().ok


def test_a_database_error_midway_rolls_back_the_earlier_writes(store, make_incident):
    incident = make_incident()
    before = store.log.count()
    with pytest.raises(sqlite3.IntegrityError):
        with store.write("two decisions") as tx:
            store.decisions.add(incident_id=incident.id, decision="First", rationale="ok", decided_at=NOW)
            tx.insert("decision", "decisions", {"id": 50, "incident_id": incident.id, "author": OFFICER,
                                                 "decided_at": tx.at, "logged_at": tx.at, "decision": "Second",
                                                 "rationale": "   "})  # blank rationale breaks a CHECK
    assert store.decisions.for_incident(incident.id) == []
    assert store.log.count() == before
    assert store.verify_log().ok


def test_a_write_needs_an_officer(store_path, clock):
    store = open_store(store_path, officer="", clock=clock, create=StoreKind.LIVE)
    try:
        with pytest.raises(StoreError, match="who is writing"):
            with store.write():
                pass
    finally:
        store.close()


def test_editing_reference_data_outside_the_app_is_caught(store, store_path):
    """Notifications go to `la:<GSS code>` from the authorities table; a changed code must not verify."""
    tamper(store_path, "UPDATE authorities SET gss_code = 'E08000099' WHERE code = 'BRD'")
    assert not store.verify_log().ok


def test_two_stores_on_one_file_keep_one_chain(store, store_path, clock, make_incident):
    other = open_store(store_path, officer="Jo Bloggs", clock=clock)
    try:
        from contingency.services.incidents import build_facts, open_incident

        for n in range(3):
            make_incident(provider=f"Provider A{n}")
            open_incident(other, build_facts(other, provider=f"Provider B{n}", service="home-care", area="Leeds",
                                             event="service-interruption", aware_at=NOW))
        result = store.verify_log()
        assert result.ok, result.problem
        assert other.verify_log() == result
        officers = [e.officer for n in range(1, 7) for e in store.log.for_entity("incident", n)]
        assert officers == [OFFICER, "Jo Bloggs"] * 3
    finally:
        other.close()
