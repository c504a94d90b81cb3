"""The shift handover pack: its numbers against the store, its marking, the playbook step it completes,
"since last handover", the command line and the key on the incident screen. Pinned clocks only."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from datetime import timedelta

import pypdf
from textual.widgets import Input, Static, TextArea

from contingency.clock import fixed_clock
from contingency.engine.runs import ItemState
from contingency.services import handover
from contingency.services import playbooks as playbook_service
from contingency.services.notifications import EXERCISE_FILE_PREFIX
from contingency.services.people import add_person
from contingency.store.handover import HandoverRepo
from contingency.tui.app import ContingencyApp
from contingency.tui.dialogs.handover import HandoverDialog
from contingency.tui.screens.incident import IncidentScreen
from tests.conftest import as_json, ok, refused
from tests.tui_support import DEMO_NOW, SIZE, demo_store

MARK = "EXERCISE – NOT A REAL INCIDENT"


def pdf_pages(path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def sql(store, query: str, *params):
    return store.conn.execute(query, params).fetchall()


def test_the_packs_numbers_are_the_stores(tmp_path):
    store = demo_store(tmp_path)
    anchor = f"log {store.log_head()}"
    result = handover.generate(store, 1, tmp_path / "packs", note="Ring the ICB on-call at 09:00.")
    counts = result.counts
    markdown = result.paths[0].read_text(encoding="utf-8")

    (people,) = sql(store, "SELECT count(*) FROM people WHERE incident_id = 1 AND merged_into IS NULL")[0]
    assert counts["people"] == people and f"{people} people on the roster" in markdown
    by_basis = dict(sql(store, "SELECT basis, count(*) FROM people WHERE incident_id = 1 AND merged_into IS NULL"
                               " GROUP BY basis"))
    assert counts["by_basis"] == by_basis
    assert f"{by_basis['s48']} s.48 duty" in markdown and f"{by_basis['existing-s18']} already ours" in markdown
    # Everyone RED and still with the provider is at risk now, and named; nobody GREEN is.
    red = {pid for (pid,) in sql(store, "SELECT id FROM people WHERE incident_id = 1 AND rag = 'RED'"
                                        " AND status = 'with-provider' AND merged_into IS NULL")}
    green = {pid for (pid,) in sql(store, "SELECT id FROM people WHERE incident_id = 1 AND rag = 'GREEN'")}
    assert red and red <= set(counts["at_risk"]) and not green & set(counts["at_risk"])
    assert counts["at_risk"][:len(red)] == [p for p in counts["at_risk"] if p in red]  # RED first
    # Money: every share in the ledger, to the penny.
    (total,) = sql(store, "SELECT sum(a.amount_pence) FROM cost_allocations a JOIN cost_lines l ON l.id = a.line_id"
                          " WHERE l.incident_id = 1")[0]
    assert counts["money_to_date_pence"] == total
    pounds = f"£{total // 100:,}.{total % 100:02d}"
    assert f"{pounds} recorded to date" in markdown
    # Due in the next 4 hours: the playbook's own count, overdue first.
    plan = playbook_service.incident_playbook(store, 1, now=DEMO_NOW).plan
    assert counts["due"] == len(plan.due_within(4))
    assert counts["never_written"] == counts["bodies"] == 10  # no letter generated yet in the demo
    assert counts["log_verified"] is True and anchor in markdown
    assert "Ring the ICB on-call at 09:00." in markdown
    for heading in ("Header", "Since last handover", "People at risk now", "Due in the next 4 hours",
                    "Decisions to ratify", "Notifications", "Money", "Legal and safeguarding", "Capacity",
                    "Integrity"):
        assert f"## {heading}" in markdown


def test_the_call_round_line_appears_only_where_visit_times_are_known(tmp_path):
    """Uncovered visits are counted from people's visit times: the care home's pack (no visits) must not say
    "0 visits with no cover"; the home-care agency's gives the call-round's own count."""
    from contingency.services.callround import call_round

    store = demo_store(tmp_path)
    care_home = handover.generate(store, 1, tmp_path / "home", note="").paths[0].read_text(encoding="utf-8")
    assert "Welfare call-round" not in care_home
    home_care = handover.generate(store, 2, tmp_path / "care", note="").paths[0].read_text(encoding="utf-8")
    gaps = len(call_round(store, 2, now=DEMO_NOW).uncovered)
    assert gaps and f"Welfare call-round: {gaps} time-critical visits in the next 12 hours" in home_care


def test_page_one_is_the_summary_and_every_page_carries_the_log_anchor(tmp_path):
    store = demo_store(tmp_path)
    anchor = f"log {store.log_head()}"
    result = handover.generate(store, 1, tmp_path / "packs")
    pdf = next(p for p in result.paths if p.suffix == ".pdf")
    pages = pdf_pages(pdf)
    assert len(pages) >= 2
    assert "Handover pack" in pages[0] and "Annexes" not in pages[0]
    assert all(anchor in page and "EXERCISE" in page for page in pages)
    # Minimum data on page 1: a RED person is named; one only in the annexes (an IMCA task) is not.
    assert "Dorothy Dummersby" in pages[0]
    assert "Stanley Drillsworth" not in pages[0] and any("Stanley Drillsworth" in p for p in pages[1:])
    docx = next(p for p in result.paths if p.suffix == ".docx")
    assert docx.read_bytes()[:2] == b"PK"


def test_an_exercise_pack_is_watermarked_and_a_live_one_is_not(tmp_path, store, make_incident):
    exercise = demo_store(tmp_path / "ex")
    marked = handover.generate(exercise, 2, tmp_path / "ex-packs")
    assert all(p.name.startswith(EXERCISE_FILE_PREFIX) for p in marked.paths)
    assert marked.paths[0].read_text(encoding="utf-8").lstrip().startswith(f"**{MARK}**")

    incident = make_incident()
    live = handover.generate(store, incident.id, tmp_path / "live-packs", formats=["md", "pdf"])
    assert [p.suffix for p in live.paths] == [".md", ".pdf"]
    assert not any("EXERCISE" in p.name for p in live.paths)
    text = live.paths[0].read_text(encoding="utf-8")
    assert "EXERCISE" not in text and "0 people on the roster" in text
    assert all("EXERCISE" not in page for page in pdf_pages(live.paths[1]))
    for path in live.paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "live-packs").stat().st_mode) == 0o700


def test_generating_completes_the_handover_step_with_the_document_recorded_and_logged(tmp_path):
    store = demo_store(tmp_path)
    result = handover.generate(store, 1, tmp_path / "packs")
    item = playbook_service.incident_playbook(store, 1).plan.item(handover.STEP_ID, None)
    assert item.state is ItemState.DONE
    md = result.paths[0]
    digest = hashlib.sha256(md.read_bytes()).hexdigest()
    assert md.name in item.recorded.evidence["document"] and digest in item.recorded.evidence["document"]
    pack = HandoverRepo(store).latest(1)
    assert (pack.path, pack.sha256) == (str(md), digest)
    assert {f["name"]: f["sha256"] for f in pack.files} == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in result.paths}
    logged = sql(store, "SELECT count(*) FROM event_log WHERE entity = 'handover-pack' AND action = 'create'"
                        " AND incident_id = 1")
    assert logged == [(1,)]
    assert store.verify_log().ok
    assert not list((tmp_path / "packs").glob(".*.part"))
    # A second pack does not fail on a step already done: it is added to the step as a note.
    store.clock = fixed_clock(DEMO_NOW + timedelta(hours=1))
    again = handover.generate(store, 1, tmp_path / "packs")
    assert "already done" in again.step
    notes = playbook_service.incident_playbook(store, 1).plan.item(handover.STEP_ID, None).recorded.notes
    assert again.paths[0].name in notes[-1].text


def test_since_last_handover_starts_from_the_previous_pack(tmp_path):
    store = demo_store(tmp_path)
    first = handover.generate(store, 1, tmp_path / "packs")
    assert first.pack.since == store.incidents.get(1).facts.aware_at  # no earlier pack: the duty start
    assert first.counts["since"]["people_added"] == 49

    store.clock = fixed_clock(DEMO_NOW + timedelta(hours=2))
    add_person(store, 1, {"first_name": "Newly", "last_name": "Arrived-Resident"})
    second = handover.generate(store, 1, tmp_path / "packs")
    assert second.pack.since == first.pack.as_at == DEMO_NOW
    assert second.counts["since"]["people_added"] == 1
    text = second.paths[0].read_text(encoding="utf-8")
    assert "Since the last pack, as at 02:00 GMT on 23 November 2026" in text
    assert "person added: Newly Arrived-Resident" in text
    assert "person added: Dorothy Dummersby" not in text  # before the previous pack
    assert [p.id for p in HandoverRepo(store).for_incident(1)] == [first.pack.id, second.pack.id]


def test_the_packs_table_is_plain_sqlite(tmp_path):
    store = demo_store(tmp_path)
    result = handover.generate(store, 1, tmp_path / "packs")
    path = store.path
    store.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT incident_id, as_at, path, sha256 FROM handover_packs").fetchall()
    assert rows == [(1, "2026-11-23T02:00:00+00:00", str(result.paths[0]),
                     hashlib.sha256(result.paths[0].read_bytes()).hexdigest())]


def test_the_command_line_writes_the_pack_and_refuses_bad_input(demo_cli, demo_db, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("Family of person 1 will ring at 10.\n", encoding="utf-8")
    data = as_json(demo_cli("handover", "1", "--out", str(tmp_path / "packs"), "--note-file", str(note), "--json",
                            db=demo_db))
    assert data["step"].startswith("step handover-to-day-team done")
    assert [f["format"] for f in data["files"]] == ["md", "pdf", "docx"]
    assert "Family of person 1 will ring at 10." in (tmp_path / "packs" / data["files"][0]["name"]).read_text()
    shown = ok(demo_cli("playbook", "show", "1", "--json", db=demo_db)).stdout
    assert data["files"][0]["sha256"] in shown
    assert "no incident 99" in refused(demo_cli("handover", "99", "--out", str(tmp_path), db=demo_db))
    assert "--note-file" in refused(demo_cli("handover", "1", "--out", str(tmp_path), "--note-file",
                                             str(tmp_path / "missing.txt"), db=demo_db))
    assert "format" in refused(demo_cli("handover", "1", "--out", str(tmp_path), "--format", "rtf", db=demo_db))


async def test_h_on_the_incident_writes_the_pack_at_80x24(tmp_path):
    store = demo_store(tmp_path)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(IncidentScreen(2))
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, HandoverDialog)
        app.screen.query_one("#note", TextArea).text = "Agency confirmed for 07:00."
        app.screen.query_one("#folder", Input).value = str(tmp_path / "packs")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = str(app.screen.query_one("#work-result", Static).content)
        assert "Wrote the pack" in result and "step handover-to-day-team done" in result
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    written = sorted(p.suffix for p in (tmp_path / "packs").iterdir())
    assert written == [".docx", ".md", ".pdf"]
    md = next((tmp_path / "packs").glob("*.md")).read_text(encoding="utf-8")
    assert "Agency confirmed for 07:00." in md


def test_an_imported_list_counts_every_person_added_since_the_last_pack(tmp_path, store, make_incident):
    from contingency.services.importer import import_file

    incident = make_incident()
    first = handover.generate(store, incident.id, tmp_path / "packs", formats=["md"])
    assert first.counts["since"]["people_added"] == 0
    listing = tmp_path / "residents.csv"
    listing.write_text("First name,Last name,Date of birth,Funding\nAda,Listwell,01/02/1940,Self\n"
                       "Bert,Listwell,03/04/1941,Self\nCora,Listwell,05/06/1942,Self\n", encoding="utf-8")
    store.clock = fixed_clock(store.clock() + timedelta(minutes=30))
    import_file(store, incident.id, listing)
    second = handover.generate(store, incident.id, tmp_path / "packs", formats=["md"])
    assert second.counts["since"]["people_added"] == 3 and second.counts["people"] == 3
