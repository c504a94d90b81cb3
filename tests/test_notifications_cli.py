"""`contingency notify ...` and `contingency letters ...` as the real script, on a demo store."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest

from contingency.clock import fixed_clock
from contingency.services import notifications as service
from contingency.store import open_store
from tests.conftest import ok, refused
from tests.tui_support import DEMO_NOW


@pytest.fixture
def run(demo_cli):
    """The real script on the demo's pinned clock."""
    return demo_cli


@pytest.fixture
def demo(demo_db) -> Path:
    """This test's own copy of the demo store."""
    return demo_db


def test_notify_list_shows_each_body_with_its_people_and_what_is_held_back(run, demo):
    data = json.loads(ok(run("notify", "list", "1", "--json", "--db", str(demo))).stdout)
    bodies = {n["recipient_ref"]: n for n in data["notifications"] if n["kind"] != "person"}
    assert set(bodies) == {"la:E08000032", "la:E08000034", "la:E08000036", "la:E06000065", "la:E08000033",
                           "la:W06000015", "la:S12000049", "icb:E54000054", "icb:E54000051", "cqc"}
    assert bodies["la:E08000036"]["people_count"] == 6 and bodies["cqc"]["people_count"] == 0
    assert all(n["status"] == "draft" and n["reference"].endswith("-v1") for n in data["notifications"])
    assert [h["name"] for h in data["held_back"]] == ["Stanley Drillsworth"]
    text = ok(run("notify", "list", "1", "--db", str(demo))).stdout
    assert "INC1-LA-E08000032-v1" in text and "NOT SENT" in text
    assert "49 letters to people (draft 49); --people lists them" in text
    assert "HELD BACK from councils' letters: Stanley Drillsworth" in text and "Warks CC" in text


def test_letters_writes_one_file_per_recipient_per_format_and_prints_the_paths(run, demo, tmp_path):
    out = tmp_path / "letters"
    result = ok(run("letters", "1", "--out", str(out), "--format", "pdf,docx", "--recipient", "Bradford",
                    "--recipient", "cqc", "--db", str(demo)))
    paths = [Path(line) for line in result.stdout.splitlines()]
    assert sorted(p.name for p in paths) == sorted(p.name for p in out.iterdir())
    assert [p.suffix for p in paths] == [".pdf", ".docx", ".pdf", ".docx"]
    assert all(p.name.startswith("EXERCISE-NOT-A-REAL-INCIDENT_") for p in paths)
    assert "INC1-LA-E08000032-v1" in pypdf.PdfReader(paths[0]).pages[0].extract_text()
    data = json.loads(ok(run("letters", "1", "--out", str(tmp_path / "all"), "--json", "--db", str(demo))).stdout)
    assert len(data) == 10 + 49 and {d["format"] for d in data} == {"pdf"}
    assert all(len(d["sha256"]) == 64 and Path(d["path"]).exists() for d in data)
    assert "not pdf or docx" in refused(run("letters", "1", "--out", str(out), "--format", "odt", "--db", str(demo)))


def test_sent_needs_the_exercise_confirmation_then_ack_and_chase_follow(run, demo, tmp_path):
    ok(run("letters", "1", "--out", str(tmp_path), "--recipient", "Kirklees", "--db", str(demo)))
    message = refused(run("notify", "sent", "1", "INC1-LA-E08000034-v1", "--channel", "secure email",
                          "--db", str(demo)))
    assert "EXERCISE store" in message and "--confirm-exercise" in message
    sent = json.loads(ok(run("notify", "sent", "1", "INC1-LA-E08000034-v1", "--channel", "secure email",
                             "--confirm-exercise", "--json", "--db", str(demo))).stdout)
    assert sent["status"] == "sent" and sent["sent_channel"] == "secure email" and sent["sent_by"] == "Demo Officer"
    chased = ok(run("notify", "chase", "1", "Kirklees", "--db", str(demo))).stdout
    assert "chased (1 so far)" in chased
    acked = json.loads(ok(run("notify", "ack", "1", "Kirklees", "--summary", "Kirklees duty desk: noted",
                              "--json", "--db", str(demo))).stdout)
    assert acked["status"] == "acknowledged" and acked["reply_summary"] == "Kirklees duty desk: noted"
    assert "only a sent letter" in refused(run("notify", "chase", "1", "Kirklees", "--db", str(demo)))
    assert "has no letter" in refused(run("notify", "chase", "1", "INC1-LA-E09999999-v1", "--db", str(demo)))
    closed = ok(run("notify", "close", "1", "Kirklees", "--note", "care plans received", "--db", str(demo))).stdout
    assert "closed" in closed


def test_chase_list_shows_how_overdue_each_unanswered_letter_is(run, demo, tmp_path):
    path = demo
    three_days_ago = DEMO_NOW - timedelta(days=3)
    store = open_store(path, officer="Demo Officer", clock=fixed_clock(three_days_ago))
    service.generate(store, 1, tmp_path / "out", recipients=["Wakefield"])
    service.mark_sent(store, 1, "Wakefield", "secure email", exercise_confirmed=True)
    store.close()
    data = json.loads(ok(run("notify", "chase-list", "--json", "--db", str(path))).stdout)
    assert [d["reference"] for d in data] == ["INC1-LA-E08000036-v1"]
    assert 23 * 3600 < data[0]["overdue_seconds"] < 25 * 3600 and data[0]["overdue_by"].startswith("1d")
    text = ok(run("notify", "chase-list", "--db", str(path))).stdout
    assert "INC1-LA-E08000036-v1" in text and "1d" in text
    assert "OVERDUE 1d" in ok(run("notify", "list", "1", "--db", str(path))).stdout
