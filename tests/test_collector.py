"""The cyclic garbage collector paused (contingency.collector, issue 12): while the program loads, always
collecting again before a command works or once the TUI's first screen is up; and during an import."""

from __future__ import annotations

import gc

import pytest

from contingency import collector
from contingency.cli import main
from contingency.tui.app import ContingencyApp
from tests.tui_support import demo_store


@pytest.fixture(autouse=True)
def collector_on():
    assert gc.isenabled()
    yield
    collector.resume()
    gc.enable()


def test_paused_stops_collecting_and_gives_it_back():
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # nested: only the outermost gives collection back
    assert gc.isenabled()


def test_keep_freezes_what_the_work_made_and_collects_again():
    before = gc.get_freeze_count()
    with collector.paused(keep=True):
        assert not gc.isenabled()
        made = [[] for _ in range(100)]  # tracked by the collector, as a run's leftovers are
    assert gc.isenabled() and gc.get_freeze_count() >= before + len(made)
    gc.unfreeze()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    collector.resume()
    assert not gc.isenabled()


def test_a_command_works_with_the_collector_on_and_leaves_it_on(monkeypatch, capsys):
    seen = []
    from contingency.commands import incidents

    monkeypatch.setattr(incidents, "cmd_events", lambda args: seen.append(gc.isenabled()) or 0)
    assert main(["events"]) == 0
    assert seen == [True]
    assert gc.isenabled()


def test_bad_input_leaves_the_collector_on(capsys):
    assert main(["incident", "show", "not-a-number"]) != 0
    assert gc.isenabled()
    assert main(["no-such-command"]) != 0
    assert gc.isenabled()


async def test_the_tui_collects_again_once_its_first_screen_is_up(tmp_path):
    store = demo_store(tmp_path, people=20)
    collector.pause()
    assert not gc.isenabled()
    app = ContingencyApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert gc.isenabled()


def test_an_import_runs_with_the_collector_paused_and_gives_it_back(store, make_incident, tmp_path, monkeypatch):
    from contingency.services import importer

    incident = make_incident()
    path = tmp_path / "residents.csv"
    path.write_text("NHS number,First name,Last name\n9434765919,Ada,Lovelace\n", encoding="utf-8")
    seen = []
    real = importer.import_table

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "import_table", watched)
    assert importer.import_file(store, incident.id, path).imported == 1
    assert seen == [False] and gc.isenabled()

    def failing(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer, "import_table", failing)
    with pytest.raises(RuntimeError):
        importer.import_file(store, incident.id, path)
    assert gc.isenabled()
