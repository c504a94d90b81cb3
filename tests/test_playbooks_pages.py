"""The playbook section at any roster size (issue 12): counts from the crowds of alike people, a page of a step's
people at a time, the most urgent list; each the same as the whole plan says, without reading the roster."""

from __future__ import annotations

import heapq
from datetime import timedelta

import pytest
from textual.widgets import DataTable, Static

from contingency.engine.plan import attention_key
from contingency.services.people import add_person
from contingency.services.playbooks import (
    incident_playbook,
    playbook_summary,
    skip,
    step_first,
    step_people,
    step_place,
    urgent_items,
)
from contingency.tui import sections
from contingency.tui.app import ContingencyApp
from contingency.tui.sections.playbook import PlaybookView
from tests.tui_support import DEMO_NOW, OPEN_CARE_HOME, SIZE, demo_store

HOURS = (0, 3, 30, 200)


@pytest.fixture(autouse=True)
def no_council_folder(monkeypatch):
    monkeypatch.delenv("CONTINGENCY_PLAYBOOKS", raising=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = demo_store(tmp_path_factory.mktemp("pages"), people=300)
    # Recorded items make people unlike their crowd: their own clocks, their own states.
    for incident in store.incidents.list():
        plan = incident_playbook(store, incident.id).plan
        for step_plan in plan.steps:
            for item in [i for i in step_plan.items if i.is_open][:3:2]:
                skip(store, incident.id, item.step.id, "exercise", person_id=item.person_id)
    yield store
    store.close()


def _fields(item):
    return (item.step.id, item.person_id, item.state, item.due_at, item.waits_for, item.matches)


def test_counts_say_what_the_whole_plan_says(demo):
    for incident in demo.incidents.list():
        summary = playbook_summary(demo, incident.id)
        for hour in HOURS:
            now = DEMO_NOW + timedelta(hours=hour)
            plan = incident_playbook(demo, incident.id, now=now).plan
            if plan is None:
                assert summary.plan is None
                continue
            assert summary.overdue(now) == sum(1 for i in plan.open_items if i.late_by(now))
            assert summary.open_count() == len(plan.open_items)
            assert [s.step.id for s in summary.plan.steps] == [s.step.id for s in plan.steps]
            for step_plan in plan.steps:
                counted = summary.count(step_plan.step.id, now)
                assert (counted.total, counted.done, counted.open, counted.overdue) == (
                    len(step_plan.items), step_plan.done_count, len(step_plan.open_items),
                    sum(1 for i in step_plan.open_items if i.late_by(now))), step_plan.step.id


def test_a_steps_pages_are_its_items_in_the_roster_order(demo, monkeypatch):
    checked = 0
    for incident in demo.incidents.list():
        plan = incident_playbook(demo, incident.id).plan
        if plan is None:
            continue
        monkeypatch.setattr(type(demo.playbooks), "roster", lambda *_: pytest.fail("the whole roster was read"))
        summary = playbook_summary(demo, incident.id)
        for step_plan in plan.steps:
            if not step_plan.step.per_person:
                continue
            step_id, page = step_plan.step.id, 7
            paged = []
            for offset in range(0, len(step_plan.items) + page, page):
                paged += step_people(demo, summary, step_id, offset=offset, limit=page)
            assert [_fields(i) for i in paged] == [_fields(i) for i in step_plan.items], step_id
            for n, item in list(enumerate(step_plan.items))[::11]:
                assert step_place(demo, summary, step_id, item.person_id) == n
            first = step_first(demo, summary, step_id)
            wanted = step_plan.most_urgent or (step_plan.items[0] if step_plan.items else None)
            assert (first and _fields(first)) == (wanted and _fields(wanted)), step_id
            checked += 1
        monkeypatch.undo()
    assert checked >= 4


def test_the_most_urgent_list_is_the_whole_plans(demo):
    for incident in demo.incidents.list():
        for hour in HOURS:
            now = DEMO_NOW + timedelta(hours=hour)
            plan = incident_playbook(demo, incident.id, now=now).plan
            if plan is None:
                continue
            summary = playbook_summary(demo, incident.id, now=now)
            for limit in (1, 9, 60, 500):
                wanted = heapq.nsmallest(limit, plan.open_items, key=attention_key)
                assert [_fields(i) for i in urgent_items(demo, summary, limit, now=now)] == [
                    _fields(i) for i in wanted], (incident.id, hour, limit)


def test_the_summary_is_made_again_after_a_write_and_counts_stay_true(tmp_path):
    store = demo_store(tmp_path, people=60)
    incident = max(store.incidents.list(), key=lambda i: i.people_count)
    before = store.incidents.get(incident.id).people_count
    summary = playbook_summary(store, incident.id)
    assert playbook_summary(store, incident.id) is summary, "nothing written: the same summary"
    with store.write("a person added by hand"):
        add_person(store, incident.id, {"first_name": "Ada", "last_name": "Newcome"})
        assert store.incidents.get(incident.id).people_count == before + 1, "inside the write, its own rows count"
    assert store.incidents.get(incident.id).people_count == before + 1
    again = playbook_summary(store, incident.id)
    assert again is not summary
    assert again.open_count() == len(incident_playbook(store, incident.id).plan.open_items)


async def test_a_long_step_shows_a_page_and_enter_turns_it(tmp_path, monkeypatch):
    monkeypatch.setattr(sections.playbook, "PAGE", 5)
    store = demo_store(tmp_path)
    incident_id = store.incidents.list()[0].id
    people = incident_playbook(store, incident_id).plan.step_plan("involve-each-person").items
    assert len(people) > 12
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*OPEN_CARE_HOME)
        await pilot.pause()
        await pilot.press("4")
        await pilot.pause()
        view = app.screen.query_one(PlaybookView)
        table = view.query_one("#playbook-table", DataTable)

        def shown() -> list[int]:
            return [int(row.key.value.rpartition(":")[2]) for row in table.ordered_rows
                    if row.key.value.startswith("item:involve-each-person:")]

        view.select("involve-each-person")
        await pilot.press("space")
        await pilot.pause()
        assert shown() == [i.person_id for i in people[:5]]
        assert f"{len(people) - 5} open" not in str(table.get_row("step:involve-each-person")[2])
        keys = [row.key.value for row in table.ordered_rows]
        table.move_cursor(row=keys.index("more:involve-each-person"))
        await pilot.press("enter")
        await pilot.pause()
        assert shown() == [i.person_id for i in people[5:10]]
        assert "less:involve-each-person" in [row.key.value for row in table.ordered_rows]
        later = people[-1]
        view.select("involve-each-person", later.person_id)
        await pilot.pause()
        assert later.person_id in shown()
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert key == f"item:involve-each-person:{later.person_id}"
        assert "OVERDUE" in str(view.query_one("#playbook-summary", Static).content)
