"""`contingency demo --fresh` in the TUI asks before deleting the exercise's work, and says what would go."""

from __future__ import annotations

from contingency.services.demo import what_a_fresh_demo_loses
from contingency.tui.confirm_app import ConfirmApp
from tests.tui_support import SIZE, demo_store


def test_what_a_fresh_demo_loses_is_counted_in_words(tmp_path):
    store = demo_store(tmp_path, people=1)
    try:
        lost = what_a_fresh_demo_loses(store)
        entries = store.verify_log().entries
        people = sum(len(store.people.ids(i.id)) for i in store.incidents.list())
    finally:
        store.close()
    assert lost == f"2 incidents, {people} people and {entries} event log entries"


async def ask(*keys: str) -> tuple[bool | None, str]:
    app = ConfirmApp("Make the demo afresh?", "This deletes the exercise store demo.sqlite with 2 incidents.",
                     yes="Delete and make afresh", no="Keep it")
    async with app.run_test(size=SIZE) as pilot:
        question = str(app.query_one("#confirm-question").render())
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
    return app.return_value, question


async def test_no_is_the_default_and_escape_keeps_the_demo():
    assert (await ask("enter"))[0] is False
    assert (await ask("escape"))[0] is False
    assert (await ask("n"))[0] is False


async def test_yes_must_be_chosen_and_the_question_names_what_is_lost():
    answer, question = await ask("y")
    assert answer is True
    assert "deletes the exercise store" in question and "2 incidents" in question
