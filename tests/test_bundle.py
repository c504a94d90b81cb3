"""The incident bundle: hashes of every document, the log's head and verify result, exercise marking, file
modes, a body's bundle holding only its own people; and the store read with plain sqlite3."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
import zipfile
from pathlib import Path

from contingency.services import bundle, handover
from contingency.services import notifications as letters
from contingency.services.notifications import EXERCISE_FILE_PREFIX, roster
from tests.conftest import as_json, ok, refused
from tests.tui_support import demo_store

MARK = "EXERCISE – NOT A REAL INCIDENT"
BRADFORD = "la:E08000032"


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def named(folder: Path, name: str) -> Path:
    return folder / f"{EXERCISE_FILE_PREFIX}{name}"


def test_the_bundle_copies_every_document_with_its_hash_and_the_log_head(tmp_path):
    store = demo_store(tmp_path)
    written = letters.generate(store, 1, tmp_path / "letters", recipients=["Bradford", "Wakefield"])
    pack = handover.generate(store, 1, tmp_path / "packs")
    seen = []
    result = bundle.export(store, 1, tmp_path / "out", letter_dirs=[tmp_path / "letters"],
                           progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1]

    recorded = {(f.path.name, f.sha256) for f in written} | {(f["name"], f["sha256"]) for f in pack.pack.files}
    assert {(d.name, d.sha256) for d in result.documents} == recorded
    assert all(d.status == "copied" for d in result.documents)
    for name, digest in recorded:
        assert hashlib.sha256((result.folder / "documents" / name).read_bytes()).hexdigest() == digest

    # The log: the head at export time is entry N of the store's own chain, and it verified.
    log = json.loads(named(result.folder, "log.json").read_text(encoding="utf-8"))
    seq, full = log["chain_head"].split(":")
    assert store.conn.execute("SELECT hash FROM event_log WHERE seq = ?", [int(seq)]).fetchone()[0] == full
    assert log["verify"]["ok"] is True and result.verified
    assert log["entries"] and all(e["incident_id"] == 1 for e in log["entries"])
    assert store.verify_log().ok  # the export's own log entry keeps the chain whole

    # Every file is listed in SHA256SUMS with its hash, and the zip holds the same files.
    sums = dict(reversed(line.split("  ", 1)) for line in
                named(result.folder, "SHA256SUMS").read_text(encoding="utf-8").splitlines())
    for path in files_in(result.folder):
        relative = path.relative_to(result.folder).as_posix()
        if not relative.endswith("SHA256SUMS"):
            assert sums[relative] == hashlib.sha256(path.read_bytes()).hexdigest()
    with zipfile.ZipFile(result.zip_path) as archive:
        assert sorted(archive.namelist()) == sorted(f"{result.folder.name}/{p.relative_to(result.folder).as_posix()}"
                                                    for p in files_in(result.folder))

    # A JSON file per table, each scoped to the incident; no key-safe code anywhere.
    people = json.loads(named(result.folder / "tables", "people.json").read_text(encoding="utf-8"))
    assert {r["incident_id"] for r in people["rows"]} == {1}
    assert "key_safe_code" not in {c["name"] for c in people["columns"]}
    for table in ("incidents", "decisions", "notifications", "notification_documents", "cost_lines",
                  "cost_allocations", "claims", "step_items", "handover_packs"):
        assert named(result.folder / "tables", f"{table}.json").is_file(), table
    readme = named(result.folder, "README.md").read_text(encoding="utf-8")
    assert "### people" in readme and "| basis | TEXT |" in readme and log["chain_head"] in readme


def test_a_file_changed_since_it_was_made_is_flagged(tmp_path):
    store = demo_store(tmp_path)
    written = letters.generate(store, 1, tmp_path / "letters", recipients=["Bradford"])
    changed = written[0].path
    changed.write_bytes(changed.read_bytes() + b"% edited\n")
    result = bundle.export(store, 1, tmp_path / "out", letter_dirs=[tmp_path / "letters"])
    flagged = {d.name: d.status for d in result.flagged}
    assert flagged == {changed.name: "hash-differs"}
    readme = named(result.folder, "README.md").read_text(encoding="utf-8")
    assert "HASH DIFFERS" in readme


def test_an_exercise_bundle_is_marked_and_private(tmp_path):
    store = demo_store(tmp_path)
    result = bundle.export(store, 2, tmp_path / "out")
    assert result.folder.name.startswith(EXERCISE_FILE_PREFIX) and result.zip_path.name.startswith(EXERCISE_FILE_PREFIX)
    assert all(p.name.startswith(EXERCISE_FILE_PREFIX) for p in files_in(result.folder))
    assert named(result.folder, "README.md").read_text(encoding="utf-8").startswith(f"**{MARK}**")
    assert json.loads(named(result.folder / "tables", "people.json").read_text())["exercise"] == MARK
    for path in [*files_in(result.folder), result.zip_path]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in [result.folder, *(p for p in result.folder.rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert not list((tmp_path / "out").glob(".*"))  # nothing left under a temporary name


def test_a_bodys_bundle_holds_only_its_own_people(tmp_path):
    store = demo_store(tmp_path)
    letters.generate(store, 1, tmp_path / "letters", recipients=["Bradford", "Wakefield"])
    theirs = set(roster(store, 1).plan(BRADFORD).person_ids)
    result = bundle.export(store, 1, tmp_path / "out", for_body="la:Bradford", letter_dirs=[tmp_path / "letters"])
    assert result.for_ref == BRADFORD and result.people == len(theirs)

    people = json.loads(named(result.folder / "tables", "people.json").read_text(encoding="utf-8"))
    assert {r["id"] for r in people["rows"]} == theirs
    assert "notes" not in {c["name"] for c in people["columns"]}  # minimum data, as the letters
    kept = {p.facts.display_name for p in store.people.all(1) if p.id in theirs}
    others = {p.facts.display_name for p in store.people.all(1) if p.id not in theirs} - kept
    text = "\n".join(p.read_text(encoding="utf-8") for p in files_in(result.folder) if p.suffix in (".json", ".csv", ".md"))
    for name in kept:
        assert name in text
    for name in others:
        last = name.split()[-1]
        assert name not in text and f'"first_name": "{name.split()[0]}",\n   "last_name": "{last}"' not in text
    assert [d.name for d in result.documents] == [
        d for d in (f.name for f in (tmp_path / "letters").iterdir()) if "E08000032" in d]
    log = json.loads(named(result.folder, "log.json").read_text(encoding="utf-8"))
    assert log["entries"] == [] and log["verify"]["ok"] is True
    assert not (result.folder / "tables" / f"{EXERCISE_FILE_PREFIX}decisions.json").exists()


def test_the_command_line_exports_and_refuses_an_unknown_body(demo_cli, demo_db, tmp_path):
    data = as_json(demo_cli("export", "1", "--out", str(tmp_path / "b"), "--json", db=demo_db))
    assert Path(data["folder"]).is_dir() and Path(data["zip"]).is_file() and data["log_verified"] is True
    assert data["exercise"] is True and data["chain_head"].count(":") == 1
    body = as_json(demo_cli("export", "1", "--out", str(tmp_path / "b"), "--for", "la:Bradford", "--json",
                            db=demo_db))
    assert body["for"] == BRADFORD and body["folder"].endswith("-for-la-E08000032")
    assert "la:CODE" in refused(demo_cli("export", "1", "--out", str(tmp_path), "--for", "Bradford", db=demo_db))
    assert "Nowhere" in refused(demo_cli("export", "1", "--out", str(tmp_path), "--for", "la:Nowhere", db=demo_db))
    ok(demo_cli("log", "verify", db=demo_db))


def test_the_store_is_plain_sqlite_and_its_roster_reads_without_the_app(demo_cli, demo_db):
    """Only the standard library's sqlite3: no contingency code opens the file."""
    conn = sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT p.id, p.first_name, p.last_name, p.date_of_birth, p.basis, p.rag, p.status, i.provider_name"
            " FROM people p JOIN incidents i ON i.id = p.incident_id"
            " WHERE p.incident_id = 1 AND p.merged_into IS NULL ORDER BY p.last_name, p.first_name").fetchall()
    finally:
        conn.close()
    listed = as_json(demo_cli("people", "list", "1", "--json", db=demo_db))
    assert len(rows) == len(listed) > 0
    assert {r[0] for r in rows} == {p["id"] for p in listed}
    assert all(first and last for _, first, last, *_ in rows)
    assert {r[7] for r in rows} == {"Meadowbrook Care Homes Ltd (Meadowbrook House)"}


async def test_capital_e_on_the_incident_writes_the_bundle_and_says_what_is_wrong_with_for(tmp_path):
    from textual.widgets import Input, Static

    from contingency.tui.app import ContingencyApp
    from contingency.tui.dialogs.bundle import BundleDialog
    from contingency.tui.screens.incident import IncidentScreen
    from contingency.tui.widgets.fields import Field
    from tests.tui_support import SIZE, demo_store

    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(1))
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, BundleDialog)
        assert dialog.query_one("#folder", Input).value == "~/contingency-bundles/INC1"
        dialog.query_one("#folder", Input).value = str(tmp_path / "bundles")
        dialog.query_one("#for", Input).value = "Bradford"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        message = str(dialog.query_one("#f-for", Field).query_one(".field--message", Static).content)
        assert "write la:CODE or icb:CODE" in message and "--for" not in message
        dialog.query_one("#for", Input).value = "la:Bradford"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = str(dialog.query_one("#work-result", Static).content)
        assert result.startswith("✓ Wrote") and "log verified" in result and f"{BRADFORD}:" in result
    folders = [p for p in (tmp_path / "bundles").iterdir() if p.is_dir()]
    assert [f.name.endswith("-for-la-E08000032") for f in folders] == [True]
    assert (tmp_path / "bundles" / f"{folders[0].name}.zip").is_file()
