"""Issue 14: the after-action report (exercises.md §4), the hot debrief and the improvement plan.

The short scenario of test_exercise_play is played to ENDEX with a player on a second terminal; the report
must carry every section, say EXERCISE on every page and in its file names, give the states and ratings of
`report --json`, carry the scenario as played and the log's chain head, and not move for a pause."""

from __future__ import annotations

import re
import stat
from datetime import timedelta

import pytest
from pypdf import PdfReader

from contingency.letters.render import unescape
from contingency.services import exercise_debrief as debrief
from contingency.services import exercise_report as report
from contingency.services import exercises as ex
from contingency.services.decisions import record_decision
from contingency.services.errors import BadInput
from contingency.services.incidents import change_facts
from contingency.store import open_store
from contingency.store.logrepo import LogRepo
from tests.conftest import as_json, make_runner, ok, refused
from tests.test_exercise_play import SCENARIO, WALL, Wall

SECTIONS = ("## 1. Cover", "## 2. Summary", "## 3. Objectives", "## 4. Timeline", "## 5. Expectations",
            "## 6. Playbook steps", "## 7. Measures", "## 8. Hot debrief and improvement plan", "## 9. Annexes")


def play(tmp_path, *, pause: timedelta | None = None, pause_at: int = 130):
    """The short scenario to ENDEX: the player decides on time, declares s.48 late, breaches E6; E5 is excused.
    `pause`: a pause of that wall length after `pause_at` exercise minutes."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    scenario = tmp_path / "short.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    wall = Wall(WALL)
    started = ex.start(scenario, tmp_path / "short.db", officer="Facilitator", wall=wall)
    facilitator, incident_id = started.store, started.incident_id
    player = open_store(tmp_path / "short.db", officer="Player One", clock=wall)
    played = 0

    def run(minutes: int) -> None:
        nonlocal played
        if pause is not None and played <= pause_at < played + minutes:
            wall.run(pause_at - played)
            ex.pause(facilitator)
            wall.at += pause
            ex.resume(facilitator)
            wall.run(played + minutes - pause_at)
        else:
            wall.run(minutes)
        played += minutes

    run(10)
    record_decision(player, incident_id, decision="Agency staffing tonight", rationale="Four staff is unsafe")
    run(90)   # T+1:40: s.48 declared twenty minutes late
    change_facts(player, incident_id, reason="administrator stopped operating the home", event_key="administration")
    run(30)   # T+2:10
    record_decision(player, incident_id, decision="We will charge for advice to self-funders", rationale="A breach")
    run(30)   # T+2:40: I4 delivered on time (E5 unmet)
    ex.mark(facilitator, "E5", met=False, note="The facilitator forgot to play the pharmacist")
    run(200)  # past ENDEX
    assert ex.status(facilitator)["state"] == "ended"
    return facilitator, wall


def debriefed(store) -> None:
    debrief.add_note(store, "went-well", "Calm first call with the nurse in charge")
    debrief.add_note(store, "did-not", "Section 48 was declared twenty minutes late")
    debrief.add_note(store, "change", "Never charge for advice: say so in the briefing")
    debrief.add_improvement(store, lesson="The s.48 trigger was missed", action="Train duty officers on the trigger",
                            category="training", owner_role="Principal social worker", due="30/06/2027")


def test_the_report_has_every_section_and_is_marked_exercise_on_every_page(tmp_path):
    store, _wall = play(tmp_path)
    debriefed(store)
    out = tmp_path / "new" / "reports"
    written = report.write(store, out)
    names = [p.name for p in written.paths]
    assert names == ["EXERCISE-short-after-action-report.md", "EXERCISE-short-after-action-report.pdf"]
    for path in written.paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700 and stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    assert not list(out.glob(".*part")), "no staging file is left behind"

    markdown = written.paths[0].read_text(encoding="utf-8")
    positions = [markdown.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions), "the sections come in the order of exercises.md §4"
    assert markdown.splitlines()[0].startswith("EXERCISE") and markdown.rstrip().splitlines()[-1].startswith("EXERCISE")
    text = unescape(markdown)
    # cover: facilitator and the player seen in the log; the pause-free wall time
    assert "Facilitator: Facilitator" in text and "Players: Player One" in text
    # summary, objectives, expectations
    assert "**O1: Met**" in text and "**O2: Not met**" in text
    assert "Calm first call with the nurse in charge (hot debrief)" in text
    assert re.search(r"\| E2 Section 48 is active \| I2 \| O1 \| \*\*LATE\*\* \| T\+1:40 \| T\+1:20 \| 0:40 \| 0:20 \|", text)
    assert "| E6 Advice is never charged (must not) | scenario-wide | O2 | **BREACH** | T+2:10 |" in text
    # timeline: planned vs actual and the player's first response
    assert re.search(r"\| I1 \| T\+0:00 \| T\+0:00 \| on-time \| .* \| T\+0:10 by Player One: decision create", text)
    assert "| I3 (contingency) | T+2:00 | - | not-needed |" in text
    # measures and the improvement plan
    assert "On time: **50%**" in text and "median 0:20, 90th percentile 0:20" in text
    assert "Breaches: **1**: E6 Advice is never charged at T+2:10" in text
    assert "| The s.48 trigger was missed | Train duty officers on the trigger | training | Principal social worker " \
           "| 30/06/2027 |" in text

    pages = PdfReader(written.paths[1]).pages
    assert len(pages) >= 2, "the annexes start on a page of their own"
    for number, page in enumerate(pages, start=1):
        assert "EXERCISE" in page.extract_text(), f"page {number} of the PDF is not marked EXERCISE"


def test_a_report_stopped_at_any_point_leaves_no_file(tmp_path):
    from contingency.services.progress import Cancelled

    store, _wall = play(tmp_path)
    out = tmp_path / "reports"
    for stop_at in range(len(report.FORMATS) + 3):
        seen = []
        with pytest.raises(Cancelled, match="no report was written"):
            report.write(store, out, progress=lambda done, total: seen.append(done),
                         cancelled=lambda at=stop_at: len(seen) == at)
        assert list(out.iterdir()) == [], f"stopped after {stop_at} steps"
    assert len(report.write(store, out).paths) == len(report.FORMATS)


def test_evidence_is_the_log_entry_that_made_it_hold(tmp_path):
    store, _wall = play(tmp_path)
    gathered = report.gather(store)
    rows = {e["id"]: e for o in gathered.context["objectives"] for e in o["expectations"]}
    decision_seqs = {e.seq for e in LogRepo(store).for_entity("decision", 1)}
    assert rows["E1"]["evidence"] and {int(s) for s in rows["E1"]["evidence"].split(", ")} <= decision_seqs
    breach_seqs = {e.seq for e in LogRepo(store).for_entity("decision", 2)}
    assert {int(s) for s in rows["E6"]["evidence"].split(", ")} == breach_seqs
    assert rows["E0"]["evidence"] == "-", "a must-not that never held has no evidence"


def test_report_json_states_and_the_annex_through_the_cli(tmp_path, cli_home):
    play(tmp_path)
    run = make_runner(cli_home, db=tmp_path / "short.db")
    ok(run("exercise", "debrief", "add", "--kind", "went-well", "--text", "Calm first call"))
    ok(run("exercise", "improve", "add", "--lesson", "s.48 late", "--action", "Train on the trigger",
           "--category", "training", "--owner", "Principal social worker", "--due", "30/06/2027"))
    assert [n["text"] for n in as_json(run("exercise", "debrief", "list", "--json"))["notes"]] == ["Calm first call"]
    assert as_json(run("exercise", "improve", "list", "--json"))["improvements"][0]["due_date"] == "30/06/2027"
    assert "category" in refused(run("exercise", "improve", "add", "--lesson", "a", "--action", "b", "--category",
                                     "luck", "--owner", "c", "--due", "30/06/2027"))
    assert "due" in refused(run("exercise", "improve", "add", "--lesson", "a", "--action", "b", "--category",
                                "data", "--owner", "c", "--due", "06/31/2027"))

    data = as_json(run("exercise", "report", "--out", str(tmp_path / "out"), "--json"))
    states = {e["id"]: (e["state"], e["met_at"]) for e in data["expectations"]}
    assert states == {"E1": ("done", "T+0:10"), "E2": ("late", "T+1:40"), "E0": ("done", None),
                      "E5": ("excused", None), "E6": ("breach", "T+2:10")}
    assert {o["id"]: o["rating"] for o in data["objectives"]} == {"O1": "met", "O2": "not-met"}
    assert [p.rsplit("/", 1)[-1] for p in data["files"]] == ["EXERCISE-short-after-action-report.md",
                                                              "EXERCISE-short-after-action-report.pdf"]

    verified = as_json(run("log", "verify", "--json"))
    entries, short = data["log_head"].split(":")
    assert verified["ok"] and verified["entries"] == int(entries) and verified["head"].startswith(short), \
        "nothing the report does writes to the store: its chain head is the log's head"
    markdown = unescape((tmp_path / "out" / "EXERCISE-short-after-action-report.md").read_text(encoding="utf-8"))
    annex = markdown[markdown.index("## 9. Annexes"):]
    assert f"**{data['log_head']}**" in annex
    for line in SCENARIO.strip().splitlines():
        if line.strip():
            assert " ".join(line.split()) in annex, f"the annex lacks {line!r}"


@pytest.mark.parametrize(("pause", "pause_at"), [(timedelta(hours=9), 130), (timedelta(seconds=7), 5),
                                                 (timedelta(days=3), 100)])
def test_a_pause_of_any_length_changes_no_figure(tmp_path, pause, pause_at):
    plain_store, _ = play(tmp_path / "plain")
    paused_store, _ = play(tmp_path / "paused", pause=pause, pause_at=pause_at)
    plain_report, paused_report = report.gather(plain_store), report.gather(paused_store)
    assert paused_report.figures == plain_report.figures
    assert len(paused_report.context["cover"]["pauses"]) == 1 and not plain_report.context["cover"]["pauses"]
    assert paused_report.context["cover"]["exercise_time"] == plain_report.context["cover"]["exercise_time"]


def test_the_cover_reads_pauses_and_jumps_from_the_clock_log(tmp_path):
    scenario = tmp_path / "short.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    wall = Wall(WALL)
    store = ex.start(scenario, tmp_path / "short.db", officer="Facilitator", wall=wall).store
    wall.run(20)
    ex.pause(store)
    wall.at += timedelta(minutes=45)
    ex.jump(store, timedelta(minutes=30))
    ex.resume(store)
    ex.endex(store)
    cover = report.gather(store).context["cover"]
    assert [(p["at"], p["length"]) for p in cover["pauses"]] == [("T+0:20", "45m")]
    assert [(j["from"], j["to"], j["by_time"]) for j in cover["jumps"]] == [("T+0:20", "T+0:50", "0:30")]
    assert cover["exercise_time"] == "T+0:50" and cover["how_ended"] == "ENDEX"
    assert cover["wall_time"] == "55m", "10 wall minutes of play and a 45-minute pause"


def test_debrief_and_improvements_are_validated(tmp_path):
    store, _wall = play(tmp_path)
    with pytest.raises(BadInput, match="kind"):
        debrief.add_note(store, "meh", "text")
    with pytest.raises(BadInput, match="text"):
        debrief.add_note(store, "change", "   ")
    with pytest.raises(BadInput, match="category"):
        debrief.add_improvement(store, lesson="a", action="b", category="luck", owner_role="c", due="30/06/2027")
    with pytest.raises(BadInput, match="due"):
        debrief.add_improvement(store, lesson="a", action="b", category="data", owner_role="c", due="2027-13-01")
    with pytest.raises(BadInput, match="owner"):
        debrief.add_improvement(store, lesson="a", action="b", category="data", owner_role="", due="30/06/2027")
    assert debrief.notes(store) == [] and debrief.improvements(store) == []
