"""Opening a 50,000-person incident at once (issue 12): the work that opening does, not how long it takes.

- the header's next step comes from a plan of a few hundred items, and names the same step and person as
  the whole plan would;
- the whole-file integrity check is not run on every open, but still before migrations, in the TUI's
  background and in `log verify`, and damage is reported with the newest backup; quitting stops a check
  still running;
- `contingency --help` imports no command module, pydantic or sqlite-utils; each command imports its own.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from contingency.cli import AREAS, COMMANDS, _area
from contingency.commands.base import Commands, Parser
from contingency.services.playbooks import incident_playbook, next_due, skip
from contingency.store import files
from contingency.store.store import IntegrityCheck, integrity_problem
from contingency.tui.app import ContingencyApp
from tests.tui_support import DEMO_NOW, demo_store


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return (a.step.id, a.person, a.state, a.due_at, a.waits_for) == (b.step.id, b.person, b.state, b.due_at,
                                                                       b.waits_for)


def test_next_due_names_what_the_whole_plan_names(tmp_path, monkeypatch):
    monkeypatch.delenv("CONTINGENCY_PLAYBOOKS", raising=False)
    store = demo_store(tmp_path, people=300)
    hours = (0, 1, 3, 5, 30, 80, 200)

    def check() -> None:
        for incident in store.incidents.list():
            for hour in hours:
                now = DEMO_NOW + timedelta(hours=hour)
                plan = incident_playbook(store, incident.id, now=now).plan
                assert _same(next_due(store, incident.id, now=now), plan.next_due if plan else None), (incident.id, hour)

    check()
    # Recorded items make people unlike their crowd: their own clocks, their own states.
    for incident in store.incidents.list():
        plan = incident_playbook(store, incident.id).plan
        for step_plan in plan.steps:
            for item in [i for i in step_plan.items if i.is_open][:2]:
                skip(store, incident.id, item.step.id, "exercise", person_id=item.person_id)
    check()


def test_next_due_does_not_plan_for_everyone(tmp_path, monkeypatch):
    store = demo_store(tmp_path, people=300)
    incident = max(store.incidents.list(), key=lambda i: i.people_count)
    singles, crowds = store.playbooks.crowds(incident.id, set())
    assert sum(c.count for c in crowds) + len(singles) == len(store.playbooks.roster(incident.id))
    assert len(crowds) < incident.people_count / 2, "alike people are planned as one"
    monkeypatch.setattr(type(store.playbooks), "roster", lambda *_: pytest.fail("the whole roster was read"))
    assert next_due(store, incident.id) is not None


def test_opening_skips_the_whole_file_check_but_the_background_check_finds_damage(store, store_path, clock,
                                                                                 make_incident):
    for n in range(30):
        make_incident(provider=f"Provider {n} " + "x" * 400)
    assert integrity_problem(store_path) is None
    backup = files.backup(store.conn, store_path, clock())
    store.close()
    page_size = 4096
    with store_path.open("r+b") as handle:
        for page in range(2, store_path.stat().st_size // page_size):
            handle.seek(page * page_size)
            handle.write(b"\xff" * 64)
    problem = integrity_problem(store_path)
    assert problem is not None and str(backup) in problem and "integrity check" in problem


ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"


def run_check_endlessly(check: IntegrityCheck, monkeypatch, stop_when: str) -> list[str | None]:
    """Run `check` on a thread with a statement that never ends by itself, standing in for the check of a very
    large file; stop it from this thread while the statement runs, or just before it starts."""
    started, stopped = threading.Event(), threading.Event()

    def endless(conn, full=False):
        started.set()
        if stop_when == "before":
            assert stopped.wait(10)
        conn.execute(ENDLESS).fetchall()
        pytest.fail("the statement ran to its end")

    found: list[str | None] = []
    with monkeypatch.context() as patched:
        patched.setattr("contingency.store.store.check_integrity", endless)
        worker = threading.Thread(target=lambda: found.append(check.run()), daemon=True)
        worker.start()
        assert started.wait(10)
        if stop_when == "during":
            time.sleep(0.05)
        check.stop()
        stopped.set()
        worker.join(10)
    assert not worker.is_alive()
    return found


def test_a_check_stopped_from_another_thread_ends_at_once_and_reports_nothing(store, store_path, monkeypatch):
    # SQLite never asks the progress handler while it walks a table's pages, so a stop must interrupt the
    # statement itself: with the handler made as good as silent, only the interrupt can end this one.
    monkeypatch.setattr(IntegrityCheck, "STEPS", 2**31 - 1)
    assert run_check_endlessly(IntegrityCheck(store_path), monkeypatch, "during") == [None]
    assert IntegrityCheck(store_path).run() is None  # not stopped: the real check, of a sound store


def test_a_stop_just_before_the_check_starts_still_ends_it(store, store_path, monkeypatch):
    # An interrupt with no statement running is forgotten; the progress handler sees the stop instead.
    assert run_check_endlessly(IntegrityCheck(store_path), monkeypatch, "before") == [None]
    stopped_first = IntegrityCheck(store_path)
    stopped_first.stop()
    monkeypatch.setattr("contingency.store.store.check_integrity", lambda *_a, **_k: pytest.fail("checked"))
    assert stopped_first.run() is None


async def test_quitting_stops_the_background_check(tmp_path, monkeypatch):
    stopped = []
    monkeypatch.setattr(IntegrityCheck, "stop", lambda self: stopped.append(self.path))
    store = demo_store(tmp_path, people=20)
    app = ContingencyApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app._store_check is not None
    assert stopped == [store.path]


def test_the_command_table_is_what_the_modules_register():
    for area in AREAS:
        parser = Parser(prog="x")
        subparsers = parser.add_subparsers(dest="command", parser_class=Parser)
        _area(area).register(Commands(subparsers))
        registered = [(a.dest, a.help) for a in subparsers._choices_actions]
        listed = [(name, help_text) for name, (module, help_text) in COMMANDS.items() if module == area]
        assert registered == listed, area


def test_help_imports_no_command_module():
    script = ("import sys\nfrom contingency.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
              "heavy = [m for m in sys.modules if m.startswith(('contingency.commands.', 'pydantic', 'sqlite_utils'))"
              " and m != 'contingency.commands.base']\nprint(','.join(sorted(heavy)), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "usage: contingency" in result.stdout
    assert result.stderr.strip() == ""


def test_a_command_loads_only_its_own_module(tmp_path):
    script = ("import sys\nfrom contingency.cli import main\n"
              f"main(['--db', {str(tmp_path / 'none.sqlite')!r}, 'events'])\n"
              "print(','.join(sorted(m for m in sys.modules if m.startswith('contingency.commands.'))), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stderr.strip() == "contingency.commands.base,contingency.commands.incidents"
    assert "administration" in result.stdout


def test_the_demos_home_screen_loads_no_exercise_module(tmp_path):
    """The demo is an exercise store: asking whether an exercise was started is one query, not the exercise
    repository and services (issue 12: every module a start loads is time before the first screen)."""
    demo_store(tmp_path, people=20).close()
    script = f"""
import asyncio, sys
from pathlib import Path
from contingency.clock import fixed_clock
from contingency.store import open_store
from contingency.tui.app import ContingencyApp
from tests.tui_support import DEMO_NOW

async def main():
    app = ContingencyApp(open_store(Path({str(tmp_path / "demo.sqlite")!r}), officer="Demo Officer",
                                    clock=fixed_clock(DEMO_NOW)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen", app.screen
    print(",".join(sorted(m for m in sys.modules if "exercise" in m and m.startswith("contingency."))))

asyncio.run(main())
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=str(Path(__file__).parent.parent))
    assert result.stdout.strip().split(",") == ["contingency.rules.exercise_clock", "contingency.store.exercise_clock"]
