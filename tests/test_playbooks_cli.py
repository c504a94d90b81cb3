"""`contingency playbook ...` as an officer runs it: a subprocess against a demo store."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from contingency.paths import resource_dir
from tests.conftest import make_runner, ok


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def run(home):
    """The real script, on the demo's pinned clock (conftest.DEMO_NOW_TEXT)."""
    return make_runner(home, pinned=True, timeout=120)


@pytest.fixture
def demo(run, tmp_path) -> Path:
    path = tmp_path / "demo.sqlite"
    built = run("demo", "--no-tui", "--db", str(path))
    assert built.returncode == 0, built.stderr
    return path


def bad_input(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, f"exit {result.returncode}: {result.stdout} {result.stderr}"
    assert "Traceback" not in result.stderr and result.stderr.startswith("contingency: ")
    return result.stderr


def show(run, db: Path) -> dict:
    return json.loads(ok(run("playbook", "show", "1", "--json", "--db", str(db))).stdout)


def test_list_shows_the_valid_playbooks_and_the_invalid_files_with_their_problems(run, tmp_path):
    listed = json.loads(ok(run("playbook", "list", "--json")).stdout)
    assert {p["id"]: p["used_for"] for p in listed["playbooks"]} == {
        "cqc-s56-warning": ["warning"], "s48-business-failure": ["section-48-active"],
        "urgent-need": ["urgent-need"]}
    assert listed["invalid"] == []
    folder = tmp_path / "council"
    folder.mkdir()
    text = (resource_dir("playbooks") / "urgent-need.toml").read_text("utf-8")
    (folder / "broken.toml").write_text(text.replace('id = "urgent-need"', 'id = "broken"').replace(
        'due = "+4h"', 'due = "+1w"', 1), "utf-8")
    result = ok(run("playbook", "list", env={"CONTINGENCY_PLAYBOOKS": str(folder)}))
    assert "1 file with problems (not loaded):" in result.stdout
    assert f"{folder / 'broken.toml'}: step 'red-safe-tonight': due: '+1w' is not a due time" in result.stdout
    assert "s48-business-failure v1.0.0 (40 steps)" in result.stdout


def test_check_exits_0_for_a_valid_file_and_2_naming_each_problem(run, tmp_path):
    valid = ok(run("playbook", "check", str(resource_dir("playbooks") / "s48-business-failure.toml")))
    assert "valid: s48-business-failure v1.0.0, 40 steps" in valid.stdout
    broken = tmp_path / "s48-business-failure.toml"
    broken.write_text((resource_dir("playbooks") / "s48-business-failure.toml").read_text("utf-8")
                      .replace('phase = "triage"', 'phase = "triaj"', 1)
                      .replace('due_from = "stand-down"', 'due_from = "nowhere"'), "utf-8")
    result = run("playbook", "check", str(broken))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines == [
        (f"contingency: {broken}: step 'rag-rate': phase: 'triaj' is not one of the phases above: establish, "
         "people, triage, safety, responsibility, notify, involve, arrange, moves, limits, money, disputes, close"),
        (f"contingency: {broken}: step 'debrief': due_from: names no step in this file: 'nowhere'; use 'aware' "
         "or an earlier step's id"),
    ]
    syntax = tmp_path / "syntax.toml"
    syntax.write_text('id = "syntax"\ntitle = "unterminated\n', "utf-8")
    assert "line 2: is not valid TOML" in bad_input(run("playbook", "check", str(syntax)))
    assert "there is no file" in bad_input(run("playbook", "check", str(tmp_path / "none.toml")))


def test_show_lists_steps_with_state_due_time_overdue_and_per_person_items(run, demo):
    data = show(run, demo)
    assert data["playbook"]["id"] == "s48-business-failure" and data["run"]["status"] == "active"
    now = datetime.fromisoformat(data["now"])
    steps = {s["id"]: s for s in data["steps"]}
    assert steps["confirm-trigger"]["state"] == "done" and not steps["confirm-trigger"]["overdue"]
    assert steps["confirm-trigger"]["evidence"]["decision"].startswith("Reg 2 event confirmed")
    late = steps["confirm-duty-holder"]
    assert late["state"] == "pending" and late["overdue"] and late["overdue_by_minutes"] >= 20
    due = datetime.fromisoformat(late["due_at"])
    assert late["due_at"].endswith("+00:00") and due < now
    red = steps["red-safe-tonight"]
    assert red["per_person"] and red["for_each_person"] == "RAG RED"
    assert len(red["items"]) >= 3 and all(i["rag"] == "RED" and not i["overdue"] for i in red["items"])
    assert steps["refer-secretary-of-state"]["due_at"] is None
    assert steps["refer-secretary-of-state"]["waits_for"] == "log-dispute"
    assert {s["id"] for s in data["not_applicable_steps"]} == {"home-care-details", "welfare-call-round",
                                                               "time-critical-calls"}
    assert data["next_due"]["step"] == "confirm-duty-holder"
    text = ok(run("playbook", "show", "1", "--db", str(demo))).stdout
    assert "Playbook: Section 48: provider business failure (s48-business-failure v1.0.0)" in text
    assert "times are London time" in text
    assert "OVERDUE" in text and "confirm-duty-holder [yes-no]" in text
    assert "for each person: RAG RED" in text


def test_done_skip_and_block_record_the_step_and_the_log_stays_verified(run, demo):
    db = ("--db", str(demo))
    decided = ok(run("playbook", "done", "1", "staff-home-tonight", "--decision", "2", "--rationale",
                     "Administrator agrees agency bridging from 06:00", "--json", *db))
    recorded = json.loads(decided.stdout)
    assert recorded["state"] == "done" and recorded["by"] == "Demo Officer"
    assert recorded["evidence"]["decision"] == "Bridge with agency staff by agreement with the operator"
    decision_id = recorded["evidence"]["decision_id"]
    red = show(run, demo)
    person = next(s for s in red["steps"] if s["id"] == "red-safe-tonight")["items"][0]["person_id"]
    ok(run("playbook", "done", "1", "red-safe-tonight", "--person", str(person), "--yes", "--rationale",
           "Night nurse checked at 02:10", "--officer", "Sam Patel", *db))
    ok(run("playbook", "skip", "1", "instruct-imca", "--person",
           str(next(s for s in red["steps"] if s["id"] == "instruct-imca")["items"][0]["person_id"]),
           "--reason", "Daughter holds a health and welfare LPA", *db))
    ok(run("playbook", "block", "1", "contact-insolvency-practitioner", "--reason", "No answer; message left", *db))
    ok(run("playbook", "note", "1", "contact-insolvency-practitioner", "Try again at 07:00", *db))
    after = {s["id"]: s for s in show(run, demo)["steps"]}
    assert after["staff-home-tonight"]["evidence"]["decision_id"] == decision_id
    item = next(i for i in after["red-safe-tonight"]["items"] if i["person_id"] == person)
    assert (item["state"], item["by"], item["evidence"]["answer"]) == ("done", "Sam Patel", "yes")
    blocked = after["contact-insolvency-practitioner"]
    assert blocked["state"] == "blocked" and blocked["overdue"], "the clock keeps running while blocked"
    assert blocked["notes"][0]["text"] == "Try again at 07:00"
    assert ok(run("log", "verify", *db)).stdout.startswith("event log OK")


def test_done_without_what_the_step_needs_says_which_option_to_give(run, demo):
    db = ("--db", str(demo))
    assert bad_input(run("playbook", "done", "1", "check-roster", *db)).strip() == (
        "contingency: step check-roster: this step needs a count: a whole number, 0 or more; give --count N")
    message = bad_input(run("playbook", "done", "1", "choose-strategy", "--decision", "7", "--rationale", "r", *db))
    assert "there is no option 7" in message and "1. Keep people where they are" in message
    assert "give the person's id" in bad_input(run("playbook", "done", "1", "red-safe-tonight", "--yes",
                                                   "--rationale", "r", *db))
    assert "already done" in bad_input(run("playbook", "done", "1", "confirm-trigger", "--decision", "1",
                                           "--rationale", "again", *db))
    assert "--reason" in bad_input(run("playbook", "skip", "1", "notify-cqc", *db))
    assert "needs a reason" in bad_input(run("playbook", "block", "1", "notify-cqc", "--reason", " ", *db))
    assert "there is no incident 9" in bad_input(run("playbook", "show", "9", *db))
