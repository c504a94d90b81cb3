"""Files written beside the store: a rejects file that cannot be written never unlands an import or
writes through a link, and a letter on disk under its real name is always one the store recorded."""

from __future__ import annotations

import json
import stat

import pytest

from contingency.notification import DocumentFormat
from contingency.services import claim_documents as documents
from contingency.services import claims
from contingency.services import notifications as service
from contingency.services.importer import import_file
from tests.costs_support import cast, cost
from tests.test_import import MESSY_ROWS, write_csv


@pytest.fixture
def incident(make_incident):
    return make_incident()


def _stored_rejects(store):
    return store.conn.execute("SELECT row_number, raw FROM import_rejects").fetchall()


def test_a_rejects_file_is_owner_only(store, incident, tmp_path):
    messy = write_csv(tmp_path / "residents.csv", MESSY_ROWS)
    summary = import_file(store, incident.id, messy)
    rejects = tmp_path / "residents.rejects.csv"
    assert summary.rejects_file == str(rejects) and summary.rejects_problem is None
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.part"))


def test_a_rejects_name_that_is_a_link_is_not_followed(store, incident, tmp_path):
    messy = write_csv(tmp_path / "residents.csv", MESSY_ROWS)
    target = tmp_path / "precious.txt"
    target.write_text("not to be overwritten")
    link = tmp_path / "residents.rejects.csv"
    link.symlink_to(target)
    summary = import_file(store, incident.id, messy)
    assert target.read_text() == "not to be overwritten"
    assert link.is_symlink()
    assert summary.rejects_file is None
    assert "symbolic link" in summary.rejects_problem and str(link) in summary.sentence()
    assert summary.imported and len(_stored_rejects(store)) == len(summary.rejected) == 1


def test_a_link_left_at_the_temporary_name_is_not_written_through(store, incident, tmp_path):
    messy = write_csv(tmp_path / "residents.csv", MESSY_ROWS)
    target = tmp_path / "precious.txt"
    target.write_text("not to be overwritten")
    (tmp_path / ".residents.rejects.csv.part").symlink_to(target)
    summary = import_file(store, incident.id, messy)
    assert target.read_text() == "not to be overwritten"
    assert summary.rejects_file == str(tmp_path / "residents.rejects.csv")


def test_a_rejects_name_that_is_a_folder_still_lands_the_import(store, incident, tmp_path):
    messy = write_csv(tmp_path / "residents.csv", MESSY_ROWS)
    folder = tmp_path / "residents.rejects.csv"
    folder.mkdir()
    summary = import_file(store, incident.id, messy)
    assert summary.balanced and summary.import_id is not None
    assert store.conn.execute("SELECT imported, rejected FROM imports").fetchone() == (summary.imported, 1)
    stored = _stored_rejects(store)
    assert len(stored) == 1 and "night staff" in json.loads(stored[0][1])
    message = summary.sentence()
    assert "kept in the store" in message and str(folder) in message and "folder" in message
    assert summary.as_json()["rejects_problem"] == summary.rejects_problem
    assert not list(tmp_path.glob(".*.part"))


def test_a_crash_before_recording_leaves_no_letter_under_its_real_name(store, incident, tmp_path, monkeypatch):
    out = tmp_path / "out"
    real = store.notifications.add_document
    calls = {"n": 0}

    def fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("the machine stopped")
        return real(*args, **kwargs)

    monkeypatch.setattr(store.notifications, "add_document", fails_once)
    with pytest.raises(OSError, match="machine stopped"):
        service.generate(store, incident.id, out, recipients=["cqc"])
    assert list(out.iterdir()) == []
    files = service.generate(store, incident.id, out, recipients=["cqc"])
    assert [f.path.name for f in files] == [p.name for p in out.iterdir()]
    assert "-2." not in files[0].path.name
    assert store.notifications.knows_document(files[0].sha256)


def test_an_unrecorded_file_under_the_real_name_is_replaced_not_dodged(store, incident, tmp_path):
    first = service.generate(store, incident.id, tmp_path / "first", recipients=["cqc"],
                             formats=(DocumentFormat.PDF, DocumentFormat.DOCX))
    pdf = next(f for f in first if f.format is DocumentFormat.PDF)
    out = tmp_path / "again"
    out.mkdir()
    (out / pdf.path.name).write_bytes(b"%PDF half made")  # a run that stopped before recording it
    again = service.generate(store, incident.id, out, recipients=["cqc"])
    assert [f.path.name for f in again] == [pdf.path.name]
    assert (out / pdf.path.name).read_bytes() != b"%PDF half made"
    assert sorted(p.name for p in out.iterdir()) == [pdf.path.name]


def test_a_recorded_file_with_other_content_is_kept(store, incident, tmp_path):
    first = service.generate(store, incident.id, tmp_path / "first", recipients=["cqc"],
                             formats=(DocumentFormat.PDF, DocumentFormat.DOCX))
    pdf = next(f for f in first if f.format is DocumentFormat.PDF)
    docx = next(f for f in first if f.format is DocumentFormat.DOCX)
    out = tmp_path / "again"
    out.mkdir()
    issued = docx.path.read_bytes()  # recorded in the store, and not what this PDF will hold
    (out / pdf.path.name).write_bytes(issued)
    again = service.generate(store, incident.id, out, recipients=["cqc"])
    assert (out / pdf.path.name).read_bytes() == issued
    assert again[0].path.name == pdf.path.name.replace(".pdf", "-2.pdf")


def test_a_claim_export_that_stops_before_logging_leaves_no_file_under_a_real_name(store, make_incident, tmp_path,
                                                                                   monkeypatch):
    incident = make_incident()
    people = cast(store, incident.id)
    cost(store, incident.id, [people["self_funder"], people["bradford"]], rate="80")
    claims.build(store, incident.id)
    out = tmp_path / "claims"

    def stops(_store):
        raise OSError("the machine stopped")

    monkeypatch.setattr(documents, "today", stops)
    with pytest.raises(OSError, match="machine stopped"):
        documents.export(store, incident.id, out)
    assert list(out.iterdir()) == []
    monkeypatch.undo()
    files = documents.export(store, incident.id, out)
    assert sorted(f.path.name for f in files) == sorted(p.name for p in out.iterdir())
    assert all(stat.S_IMODE(f.path.stat().st_mode) == 0o600 for f in files)


def test_output_folders_the_app_makes_are_owner_only_and_the_officers_own_keep_their_mode(demo_cli, demo_db,
                                                                                         tmp_path):
    """Issue 11: every file 0600 in 0700 folders the app makes; a folder the officer already had (their
    Documents, say) is not changed behind their back, but they are told when others can list it."""
    from tests.conftest import ok

    made = tmp_path / "new" / "letters"
    result = ok(demo_cli("letters", "1", "--recipient", "cqc", "--out", str(made), "--db", str(demo_db)))
    assert "others" not in result.stderr
    for folder in (made, made.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in made.iterdir())

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    result = ok(demo_cli("letters", "1", "--recipient", "cqc", "--out", str(shared), "--db", str(demo_db)))
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755, "the officer's folder keeps its mode"
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in shared.iterdir())
    assert f"other users of this computer can list {shared}" in result.stderr
    assert f"chmod 700 {shared}" in result.stderr
