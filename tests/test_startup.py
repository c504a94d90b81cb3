"""Starting without the cyclic garbage collector (contingency.startup, issue 12): paused while the program
loads, and always collecting again before a command works or once the TUI's first screen is up."""

from __future__ import annotations

import gc

import pytest

from contingency import startup
from contingency.cli import main
from contingency.tui.app import ContingencyApp
from tests.tui_support import demo_store


@pytest.fixture(autouse=True)
def collector_on():
    assert gc.isenabled()
    yield
    startup.resume()
    gc.enable()


def test_paused_stops_collecting_and_gives_it_back():
    with startup.paused():
        assert not gc.isenabled()
        with startup.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # nested: only the outermost gives collection back
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    with startup.paused():
        assert not gc.isenabled()
    startup.resume()
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
    startup.pause()
    assert not gc.isenabled()
    app = ContingencyApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert gc.isenabled()
