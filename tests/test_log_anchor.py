"""Issue 11: the event log anchored outside the file.

A hash chain is whole again after its tail is cut off, after every hash is recomputed over an edit, and
when the file is swapped for an older copy. `log verify --head N:HASH`, with N:HASH from a letter's
footer or the handover notes, catches all three.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pypdf
import pytest

from contingency.notification import DocumentFormat
from contingency.services import claim_documents as documents
from contingency.services import claims
from contingency.services import notifications as letters
from contingency.store.eventlog import ANCHOR_HEX, Anchor, entry_hash, parse_anchor
from tests.conftest import as_json, ok
from tests.tui_support import demo_store

FOOTER_ANCHOR = re.compile(r"log (\d+):([0-9a-f]{16})")


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection, as someone editing the file outside the app would use."""
    return sqlite3.connect(path, isolation_level=None)


def anchor_now(demo_cli, db: Path) -> tuple[int, str]:
    data = as_json(demo_cli("log", "verify", "--json", db=db))
    assert data["ok"] and data["anchor"] is None
    return data["entries"], data["head"]


def caught(result) -> str:
    """Exit 1 with one line on stderr saying what is wrong."""
    assert result.returncode == 1, f"exit {result.returncode}: {result.stdout} {result.stderr}"
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def copy_store(source: Path, target: Path) -> None:
    """The file with its WAL and shared-memory files, as a backup tool would take it."""
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy2(f"{source}{suffix}", f"{target}{suffix}")


def test_verify_json_gives_the_entries_and_the_head_and_the_head_checks(demo_cli, demo_db):
    entries, head = anchor_now(demo_cli, demo_db)
    conn = raw(demo_db)
    try:
        assert conn.execute("SELECT seq, hash FROM event_log ORDER BY seq DESC LIMIT 1").fetchone() == (entries, head)
        earlier = conn.execute("SELECT hash FROM event_log WHERE seq = 5").fetchone()[0]
    finally:
        conn.close()
    for anchor in (f"{entries}:{head}", f"{entries}:{head[:12]}", f"{entries}:{head[:16].upper()}", f"5:{earlier[:16]}"):
        result = ok(demo_cli("log", "verify", "--head", anchor, db=demo_db))
        assert "event log OK" in result.stdout and "matches" in result.stdout
    data = as_json(demo_cli("log", "verify", "--json", "--head", f"{entries}:{head[:16]}", db=demo_db))
    assert data["ok"] and data["anchor"] == f"{entries}:{head[:16]}"


def test_a_malformed_anchor_is_bad_input(demo_cli, demo_db):
    for anchor in ("12", "0:abcdef012345", "x:abcdef012345", "12:abcdef01", "12:not-hex-at-all!!"):
        result = demo_cli("log", "verify", "--head", anchor, db=demo_db)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("contingency: ") and "Traceback" not in result.stderr


def test_a_truncated_tail_is_caught_by_the_anchor(demo_cli, demo_db):
    entries, head = anchor_now(demo_cli, demo_db)
    conn = raw(demo_db)
    try:
        conn.execute("DROP TRIGGER event_log_is_kept")
        conn.execute("DELETE FROM event_log WHERE seq > ?", [entries - 3])
    finally:
        conn.close()
    message = caught(demo_cli("log", "verify", "--head", f"{entries}:{head[:16]}", db=demo_db))
    assert f"entry {entries} is missing: the log ends at entry {entries - 3}" in message


def test_a_store_rolled_back_to_an_older_copy_is_caught_by_the_anchor(demo_cli, demo_db, tmp_path):
    older = tmp_path / "older.sqlite"
    copy_store(demo_db, older)
    was, _ = anchor_now(demo_cli, demo_db)
    ok(demo_cli("letters", "1", "--out", str(tmp_path / "letters"), "--recipient", "cqc", db=demo_db))
    entries, head = anchor_now(demo_cli, demo_db)
    assert entries > was
    copy_store(older, demo_db)
    ok(demo_cli("log", "verify", db=demo_db))  # the older copy is a whole chain: only the anchor can tell
    message = caught(demo_cli("log", "verify", "--head", f"{entries}:{head[:16]}", db=demo_db))
    assert f"entry {entries} is missing: the log ends at entry {was}" in message
    assert "rolled back" in message


def test_a_rehashed_log_is_caught_by_the_anchor(demo_cli, demo_db):
    entries, head = anchor_now(demo_cli, demo_db)
    k = entries // 2
    conn = raw(demo_db)
    try:
        conn.execute("DROP TRIGGER event_log_is_append_only")
        cursor = conn.execute("SELECT * FROM event_log WHERE seq >= ? ORDER BY seq", [k])
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, values)) for values in cursor.fetchall()]
        prev = rows[0]["prev_hash"]
        rows[0]["reason"] = "rewritten"
        for row in rows:
            row["prev_hash"], row["hash"] = prev, entry_hash(prev, row)
            conn.execute("UPDATE event_log SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                         [row["reason"], row["prev_hash"], row["hash"], row["seq"]])
            prev = row["hash"]
    finally:
        conn.close()
    ok(demo_cli("log", "verify", db=demo_db))  # every hash recomputed: the chain alone is whole
    message = caught(demo_cli("log", "verify", "--head", f"{entries}:{head[:16]}", db=demo_db))
    assert f"entry {entries} has hash {prev[:16]}, not {head[:16]}" in message


def test_parse_anchor_reads_what_is_on_paper():
    assert parse_anchor(" 120:3F9A0C2B7D41E685 ") == Anchor(120, "3f9a0c2b7d41e685")
    with pytest.raises(ValueError, match="12 to 64"):
        parse_anchor("120:3f9a0c2b7d4")


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    store = demo_store(tmp_path_factory.mktemp("anchor"), people=4)
    yield store
    store.close()


def footer_anchors(path: Path) -> set[tuple[int, str]]:
    pages = [page.extract_text() for page in pypdf.PdfReader(path).pages]
    return {(int(n), h) for text in pages for n, h in FOOTER_ANCHOR.findall(text)}


def test_a_letter_footer_anchors_the_log_as_it_stood_at_generation(small_demo, tmp_path):
    store = small_demo
    letters.sync(store, 1)
    at_generation = store.log_head()
    assert at_generation.seq == store.log.count() and len(at_generation.prefix) == ANCHOR_HEX
    files = letters.generate(store, 1, tmp_path, recipients=["cqc"], formats=(DocumentFormat.PDF,))
    assert footer_anchors(files[0].path) == {(at_generation.seq, at_generation.prefix)}
    assert store.log.count() > at_generation.seq, "generating the letter was logged after it was written"
    assert store.verify_log(at_generation).ok
    # The anchor is outside the roster digest: later writes do not put the letter out of date.
    assert letters.sync(store, 1).out_of_date == ()
    # An issued letter keeps the anchor it was first made with, so making it again gives the same file.
    again = letters.generate(store, 1, tmp_path, recipients=["cqc"], formats=(DocumentFormat.PDF,))
    assert [(f.path, f.sha256) for f in again] == [(f.path, f.sha256) for f in files]


def test_claim_documents_carry_the_anchor_in_their_footer(small_demo, tmp_path):
    store = small_demo
    claims.build(store, 1)
    at_export = store.log_head()
    files = documents.export(store, 1, tmp_path, [store.claims.for_incident(1)[0].reference])
    pdfs = [f for f in files if f.path.suffix == ".pdf"]
    assert {f.document for f in pdfs} == {"letter", "schedule"}
    for f in pdfs:
        assert footer_anchors(f.path) == {(at_export.seq, at_export.prefix)}
    assert store.verify_log(at_export).ok


def test_a_submitted_claim_keeps_its_anchor_so_exporting_again_gives_the_same_files(small_demo, tmp_path):
    store = small_demo
    claims.build(store, 1)
    reference = store.claims.for_incident(1)[0].reference
    before_submission = store.log_head()
    claims.submit(store, reference, "Finance", exercise_confirmed=True)
    once = documents.export(store, 1, tmp_path / "once", [reference])
    twice = documents.export(store, 1, tmp_path / "twice", [reference])
    assert [(f.path.name, f.sha256) for f in once] == [(f.path.name, f.sha256) for f in twice]
    for f in once:
        if f.path.suffix == ".pdf":
            assert footer_anchors(f.path) == {(before_submission.seq, before_submission.prefix)}
