"""Key-safe codes on the person screen and form (issue 10): masked, shown on `k` for a while with the look
logged (who, when, whose door; never the code), and set or removed in a masked field that never holds the old
code. The same look from `people show --reveal-key-safe` is logged alike."""

from __future__ import annotations

import json

from textual.widgets import Input, Static

from contingency.cli import main
from contingency.person import Person
from contingency.services.people import add_person, edit_person
from contingency.store import Store
from contingency.store.eventlog import SECRET_CHANGED
from contingency.store.people import KEY_SAFE_ACCESS
from contingency.tui import commands
from contingency.tui.app import ContingencyApp
from contingency.tui.screens import person as person_screen
from contingency.tui.screens.person import PersonScreen
from contingency.tui.dialogs.person_form import PersonForm
from contingency.tui.widgets.fields import TickBox
from tests.conftest import OFFICER
from tests.tui_support import SIZE, demo_store

CODE = "K4821"
NEW_CODE = "M7733"


def _with_code(store: Store, code: str = CODE) -> Person:
    someone = store.people.all(store.incidents.list()[0].id)[0]
    return edit_person(store, someone.id, {"key_safe_code": code}, reason="provider sent the key-safe code")


def _log_text(store: Store) -> str:
    """Every event log row, every column, as one text."""
    return " ".join(str(value) for row in store.conn.execute("SELECT * FROM event_log") for value in row)


def _on_screen(app: ContingencyApp) -> str:
    """What the officer could see or read out of the current screen: its texts, its inputs, and the render."""
    texts = [str(w.content) for w in app.screen.query(Static)] + [w.value for w in app.screen.query(Input)]
    return " ".join(texts) + app.export_screenshot()


def _record(app: ContingencyApp) -> str:
    return str(app.screen.query_one("#person-record", Static).content)


async def test_the_code_is_masked_and_k_shows_it_with_the_look_logged_never_the_code(tmp_path):
    store = demo_store(tmp_path)
    someone = _with_code(store)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(someone.id))
        await pilot.pause()
        assert "Key safe: •••• (k shows it)" in _record(app)
        assert CODE not in _on_screen(app)
        assert "k" in app.screen.active_bindings
        assert "Key safe" in [a.description for a in commands.palette_actions(app.screen)]
        assert store.log.for_entity(KEY_SAFE_ACCESS, someone.id) == []

        await pilot.press("k")
        await pilot.pause()
        assert f"Key safe: {CODE} (shown; the look is logged; k hides it)" in _record(app)
        (look,) = store.log.for_entity(KEY_SAFE_ACCESS, someone.id)
        assert look.officer == "Demo Officer" and look.at == store.clock()
        assert look.after == {"person_id": someone.id, "via": "person screen"}
        assert "key-safe code shown" in str(app.screen.query_one("#person-history", Static).content)
        assert CODE not in _log_text(store)

        await pilot.press("k")  # again: hidden at once
        await pilot.pause()
        assert CODE not in _on_screen(app) and "Key safe: •••• (k shows it)" in _record(app)
        assert len(store.log.for_entity(KEY_SAFE_ACCESS, someone.id)) == 1, "hiding is not a look"

        await pilot.press("k")
        await pilot.pause()
        assert CODE in _record(app)
        await pilot.press("e")  # leaving the screen, even for a dialog over it, masks the code
        await pilot.pause()
        assert isinstance(app.screen, PersonForm)
        assert CODE not in _on_screen(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        assert CODE not in _on_screen(app) and "Key safe: •••• (k shows it)" in _record(app)
    assert len(store.log.for_entity(KEY_SAFE_ACCESS, someone.id)) == 2
    assert CODE not in _log_text(store)
    assert store.verify_log().ok


async def test_the_code_hides_itself_after_a_while(tmp_path):
    store = demo_store(tmp_path)
    someone = _with_code(store)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = PersonScreen(someone.id)
        app.push_screen(screen)
        await pilot.pause()
        timers = []
        real_set_timer = screen.set_timer

        def set_timer(delay, callback, **kwargs):
            # Timed by the test, not the wall clock: the delay is checked and the timer fired by hand.
            timers.append((delay, callback))
            return real_set_timer(3600, callback, **kwargs)

        screen.set_timer = set_timer
        await pilot.press("k")
        await pilot.pause()
        assert CODE in _record(app)
        ((delay, hide),) = timers
        assert delay == person_screen.REVEAL_SECONDS == 30
        hide()
        await pilot.pause()
        assert CODE not in _on_screen(app) and "Key safe: •••• (k shows it)" in _record(app)


async def test_no_code_held_no_line_and_no_key(tmp_path):
    store = demo_store(tmp_path)
    someone = store.people.all(store.incidents.list()[0].id)[0]
    assert not someone.facts.key_safe_code
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(someone.id))
        await pilot.pause()
        assert "Key safe" not in _record(app)
        assert "k" not in app.screen.active_bindings
        await pilot.press("k")
        await pilot.pause()
    assert store.log.for_entity(KEY_SAFE_ACCESS, someone.id) == []


async def test_the_form_sets_a_new_code_without_ever_showing_the_old(tmp_path):
    store = demo_store(tmp_path)
    someone = _with_code(store)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(someone.id))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PersonForm)
        box = form.query_one("#in-key_safe_code", Input)
        assert box.password and box.value == ""
        assert CODE not in _on_screen(app)
        box.focus()
        await pilot.press(*NEW_CODE)
        await pilot.pause()
        assert NEW_CODE not in app.export_screenshot(), "typed masked"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        assert NEW_CODE not in _on_screen(app)
    assert store.people.get(someone.id).facts.key_safe_code == NEW_CODE
    last = store.log.for_entity("person", someone.id)[-1]
    assert last.after["key_safe_code"] == SECRET_CHANGED
    assert CODE not in _log_text(store) and NEW_CODE not in _log_text(store)
    assert store.verify_log().ok


async def test_the_form_left_blank_keeps_the_code_and_remove_clears_it(tmp_path):
    store = demo_store(tmp_path)
    someone = _with_code(store)
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(someone.id))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#in-notes", Input).value = "Rings twice"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.people.get(someone.id).facts.key_safe_code == CODE, "blank keeps the code held"

        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        form.query_one("#in-key_safe_code", Input).value = NEW_CODE
        form.query_one("#clear-key-safe", TickBox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form, "a new code and remove together is refused"
        assert "not both" in str(form.query_one("#f-key_safe_code").query_one(".field--message", Static).content)
        form.query_one("#in-key_safe_code", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        assert "Key safe" not in _record(app) and "k" not in app.screen.active_bindings
    assert store.people.get(someone.id).facts.key_safe_code == ""
    assert store.verify_log().ok


async def test_the_form_sets_urgent_nursing_and_the_consent_flag_follows(tmp_path):
    store = demo_store(tmp_path)
    fnc = next(p for p in store.people.all(store.incidents.list()[0].id) if p.facts.funding.value == "fnc")
    assert "fnc-icb-consent" not in fnc.determination.flags
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PersonScreen(fnc.id))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one("#in-nursing_arranged_urgently", Input)
        assert box.value == "no"
        box.value = "yes"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        assert "Nursing: arranged urgently by us; temporary, ICB consent to be sought" in _record(app)
    assert "fnc-icb-consent" in store.people.get(fnc.id).determination.flags


def test_people_show_reveal_logs_the_look_never_the_code(store, store_path, make_incident, capsys):
    incident = make_incident()
    ada = add_person(store, incident.id, {"first_name": "Ada", "last_name": "Exampleton", "key_safe_code": CODE})
    assert main(["--db", str(store_path), "--officer", OFFICER, "people", "show", str(ada.id)]) == 0
    assert CODE not in capsys.readouterr().out
    assert store.log.for_entity(KEY_SAFE_ACCESS, ada.id) == [], "masked output is not a look"
    assert main(["--db", str(store_path), "--officer", OFFICER, "--json", "people", "show", str(ada.id),
                 "--reveal-key-safe"]) == 0
    assert json.loads(capsys.readouterr().out)["key_safe_code"] == CODE
    (look,) = store.log.for_entity(KEY_SAFE_ACCESS, ada.id)
    assert look.officer == OFFICER
    assert look.after == {"person_id": ada.id, "via": "people show --reveal-key-safe"}
    assert CODE not in _log_text(store)
    assert store.verify_log().ok
