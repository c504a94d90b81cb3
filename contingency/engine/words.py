"""How a step's state and timing read to an officer, the same on screen and on the command line.

Words, never colour alone: DONE, N/A, BLOCKED, OVERDUE 2h 10m, due 03:40 (London time).
"""

from __future__ import annotations

from datetime import datetime

from contingency.engine.plan import PlanItem, StepPlan
from contingency.engine.runs import ItemState
from contingency.rules.times import LONDON, format_elapsed, format_local


def short_local(moment: datetime, now: datetime) -> str:
    """London time in as few characters as a narrow column needs: 03:40, or 24/11 03:40 on another day."""
    local, today = moment.astimezone(LONDON), now.astimezone(LONDON)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m %H:%M" if local.year == today.year else "%d/%m/%y %H:%M")


def due_words(item: PlanItem, now: datetime, *, compact: bool = False) -> str:
    """Only the timing: OVERDUE 2h 10m, due 03:40, after <step>, or when it was settled."""
    when = (lambda moment: short_local(moment, now)) if compact else (lambda moment: format_local(moment, now=now))
    if not item.is_open:
        return when(item.recorded.updated_at) if item.recorded else ""
    late = item.late_by(now)
    if late is not None:
        return f"OVERDUE {format_elapsed(late)}"
    if item.due_at is None:
        return f"after {item.waits_for}"
    return f"due {when(item.due_at)}"


def when_words(item: PlanItem, now: datetime, *, compact: bool = False) -> str:
    """State and timing in one: DONE, N/A, BLOCKED (and how late), OVERDUE 2h 10m, due 03:40."""
    if item.state is ItemState.DONE:
        return "DONE"
    if item.state is ItemState.NOT_APPLICABLE:
        return "N/A"
    if item.state is ItemState.BLOCKED:
        late = item.late_by(now)
        return "BLOCKED" + (f", {format_elapsed(late)} late" if late else "")
    return due_words(item, now, compact=compact)


def step_words(step: StepPlan, now: datetime, *, compact: bool = False) -> str:
    """A step in a few words; for a per-person step, its most urgent open item, or how it stands."""
    if not step.step.per_person:
        return when_words(step.items[0], now, compact=compact)
    if not step.items:
        return "nobody yet"
    urgent = step.most_urgent
    if urgent is None:
        return "ALL DONE"
    return when_words(urgent, now, compact=compact)


def item_label(item: PlanItem, *, person_first: bool = False) -> str:
    """The step's title, with the person for a per-person item (first, where a column may cut it short)."""
    if item.person is None:
        return item.step.title
    person = item.person.label
    return f"{person}: {item.step.title}" if person_first else f"{item.step.title}: {person}"


def next_due_words(item: PlanItem | None, now: datetime) -> str:
    """What the incident header says is next."""
    if item is None:
        return ""
    return f"{when_words(item, now, compact=True)} {item_label(item)}"
