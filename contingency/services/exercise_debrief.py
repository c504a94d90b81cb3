"""The hot debrief and the improvement plan of a tabletop exercise (design/exercises.md §1 "Debrief", §4.8).

Straight after play the facilitator notes what went well, what did not, and what to change; the after-action
report then carries an improvement plan: each lesson with an action, a category, an owner role and a due date.
Both are written through store.exercises (a logged transaction each) and only on a store with an exercise.
"""

from __future__ import annotations

from datetime import date

from contingency.rules.safe_text import printable
from contingency.rules.times import BadDate, format_uk_date, parse_uk_date
from contingency.services.errors import BadInput
from contingency.store import Store
from contingency.store.exercises import DebriefNote, Improvement

DEBRIEF_KINDS = ("went-well", "did-not", "change")
DEBRIEF_LABELS = {"went-well": "Went well", "did-not": "Did not go well", "change": "Change"}
CATEGORIES = ("playbook", "training", "data", "software", "partnership")
TEXT_LIMIT = 2_000


def _exercise(store: Store) -> None:
    from contingency.services.exercises import in_play

    in_play(store)  # NoExercise (a BadInput) when this store has none


def _text(value: str, field: str) -> str:
    cleaned = " ".join(printable(value or "", multiline=False).split())
    if not cleaned:
        raise BadInput(f"{field}: write something; it cannot be empty")
    if len(cleaned) > TEXT_LIMIT:
        raise BadInput(f"{field}: keep it under {TEXT_LIMIT:,} characters (it is {len(cleaned):,})")
    return cleaned


def add_note(store: Store, kind: str, text: str) -> DebriefNote:
    """One hot-debrief note: went-well, did-not or change."""
    _exercise(store)
    kind = (kind or "").strip().lower()
    if kind not in DEBRIEF_KINDS:
        raise BadInput(f"kind: choose {', '.join(DEBRIEF_KINDS)} (not {kind!r})")
    store.exercises.add_debrief(kind, _text(text, "text"), at=store.clock())
    return store.exercises.debrief()[-1]


def notes(store: Store) -> list[DebriefNote]:
    _exercise(store)
    return store.exercises.debrief()


def parse_due(text: str) -> date:
    """A due date written the UK way (23/11/2027); kept as ISO, shown as DD/MM/YYYY."""
    try:
        return parse_uk_date((text or "").strip())
    except BadDate as exc:
        raise BadInput(f"due: {exc}") from None


def add_improvement(store: Store, *, lesson: str, action: str, category: str, owner_role: str,
                    due: str) -> Improvement:
    """One row of the improvement plan."""
    _exercise(store)
    category = (category or "").strip().lower()
    if category not in CATEGORIES:
        raise BadInput(f"category: choose {', '.join(CATEGORIES)} (not {category!r})")
    due_date = parse_due(due)
    store.exercises.add_improvement(lesson=_text(lesson, "lesson"), action=_text(action, "action"),
                                    category=category, owner_role=_text(owner_role, "owner"),
                                    due_date=due_date.isoformat(), at=store.clock())
    return store.exercises.improvements()[-1]


def improvements(store: Store) -> list[Improvement]:
    _exercise(store)
    return store.exercises.improvements()


def due_words(improvement: Improvement) -> str:
    """The stored due date as DD/MM/YYYY (anything unreadable is shown as stored)."""
    try:
        return format_uk_date(date.fromisoformat(improvement.due_date))
    except ValueError:
        return improvement.due_date


def note_json(note: DebriefNote) -> dict:
    from contingency.rules.times import to_utc_iso

    return {"id": note.id, "kind": note.kind, "text": note.text, "at": to_utc_iso(note.at), "by": note.by}


def improvement_json(item: Improvement) -> dict:
    from contingency.rules.times import to_utc_iso

    return {"id": item.id, "lesson": item.lesson, "action": item.action, "category": item.category,
            "owner_role": item.owner_role, "due_date": due_words(item), "at": to_utc_iso(item.at), "by": item.by}
