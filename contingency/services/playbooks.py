"""Running playbooks: start the one that fits the incident, record each step, say what is due.

Design: a run is stored when the incident opens (or its classification changes). Step items are
stored only once something is recorded for them; until then a step is pending and its items are
worked out from the roster as it is now (engine.plan). So people imported, added, re-rated or moved
later get the per-person items that now fit them, with nothing to keep in step after each change.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from contingency.engine.loader import load_playbooks, playbook_for
from contingency.engine.models import Playbook, Problem, RecordKind
from contingency.engine.plan import Plan, PlanItem, attention_key, build_plan
from contingency.engine.runs import (
    Answer,
    EvidenceMissing,
    ItemState,
    Run,
    RunStatus,
    StepItem,
    describe_evidence,
    evidence_for,
)
from contingency.models import Incident, IncidentStatus
from contingency.person import RAG
from contingency.rules.times import format_local
from contingency.services.errors import BadInput
from contingency.store import Store

Library = tuple[list[Playbook], list[Problem]]


class EvidenceNeeded(BadInput):
    """Completing a step without what its record kind asks for."""

    def __init__(self, message: str, record: RecordKind):
        super().__init__(message)
        self.record = record


@dataclass(frozen=True)
class IncidentPlaybook:
    """The playbook an incident is running (or would run), its plan now, and anything to explain."""

    incident: Incident
    playbook: Playbook | None
    run: Run | None  # None until something starts it (an incident opened before playbooks existed)
    plan: Plan | None
    earlier_runs: list[Run] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""  # why there is no plan, or what to know about it


def start_matching(store: Store, incident: Incident, reason: str, library: Library | None = None) -> Run | None:
    """Start the playbook that serves the incident's classification, unless it is already running.

    A run of another playbook is kept, marked superseded; the steps done in the latest run (even one
    that ended when the incident went to monitoring) carry over into the new run where the new
    playbook has a step with the same id.
    """
    playbooks, _ = library or _library()
    wanted = playbook_for(playbooks, incident.classification)
    runs = store.playbooks.runs(incident.id)
    current = next((r for r in runs if r.status is RunStatus.ACTIVE), None)
    if current is not None and wanted is not None and current.playbook_id == wanted.id:
        return current
    if wanted is None:
        if current is not None:
            store.playbooks.supersede(current, by=None, reason=f"{reason}; no playbook serves "
                                      f"{incident.classification.label}")
        return None
    with store.write(reason):
        run = store.playbooks.start(incident.id, playbook_id=wanted.id, version=wanted.version,
                                    title=wanted.title, reason=reason, replaces=current)
        if runs:
            latest = runs[-1]
            step_ids = {s.id: s.per_person for s in wanted.steps}
            done = [item for item in store.playbooks.items(latest.id)
                    if item.state is ItemState.DONE and item.step_id in step_ids
                    and step_ids[item.step_id] == (item.person_id is not None)]
            store.playbooks.carry_over(done, run, f"done under {latest.playbook_id} (run {latest.id})")
    return run


def _library() -> Library:
    """The playbooks as their files are now: read again only when a file (or the council's folder) changes,
    since the header and home ask on every paint."""
    from contingency.engine.loader import ENV_FOLDER
    from contingency.paths import resource_dir

    folders = [os.environ.get(ENV_FOLDER, "")]
    try:
        folders.append(str(resource_dir("playbooks")))
    except FileNotFoundError:
        pass
    key = []
    for folder in folders:
        path = Path(folder).expanduser() if folder else None
        if path is not None and path.is_dir():
            key += [(str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(path.glob("*.toml"))]
        else:
            key.append((folder, None, None))
    if _LIBRARY.get("key") != key:
        _LIBRARY.update(key=key, library=load_playbooks())
    return _LIBRARY["library"]


_LIBRARY: dict = {}


@dataclass(frozen=True)
class _Running:
    incident: Incident
    playbook: Playbook | None
    run: Run | None
    earlier: list[Run]
    problems: list[Problem]
    message: str


def _running(store: Store, incident_id: int, library: Library | None) -> _Running:
    incident = store.incidents.get(incident_id)
    playbooks, problems = library or _library()
    runs = store.playbooks.runs(incident_id)
    run = next((r for r in runs if r.status is RunStatus.ACTIVE), None)
    earlier = [r for r in runs if r is not run]
    message = ""
    if run is not None:
        playbook = next((p for p in playbooks if p.id == run.playbook_id), None)
        if playbook is None:
            message = (f"the playbook this incident is running ({run.playbook_id}) is not loaded; "
                       "'contingency playbook list' shows why")
        elif playbook.version != run.version:
            message = f"started with version {run.version}; the file is now version {playbook.version}"
    else:
        playbook = playbook_for(playbooks, incident.classification)
        if playbook is None:
            message = f"no playbook serves {incident.classification.label} incidents"
        else:
            message = "not started yet: it starts when the first step is recorded"
    return _Running(incident, playbook, run, earlier, problems, message)


def incident_playbook(store: Store, incident_id: int, *, now: datetime | None = None,
                      library: Library | None = None) -> IncidentPlaybook:
    running = _running(store, incident_id, library)
    now = now or store.clock()
    plan = None
    if running.playbook is not None:
        recorded = store.playbooks.items(running.run.id) if running.run else []
        plan = build_plan(running.playbook, running.incident, store.playbooks.roster(incident_id), recorded, now)
    return IncidentPlaybook(running.incident, running.playbook, running.run, plan, running.earlier,
                            running.problems, running.message)


@dataclass(frozen=True)
class StepCount:
    """How a step stands, counted in people: `total` items, `done` settled (done or not applicable),
    `open` still to do, `overdue` of those late at the moment asked."""

    total: int
    done: int
    open: int
    overdue: int


@dataclass(frozen=True)
class PlaybookSummary:
    """What the playbook section paints, at any roster size (issue 12): every step with its state and timing,
    a per-person step as counts. Planned like `next_due`: each person with something recorded (or merged
    away) in full, everyone else as one stand-in per crowd of alike people, so `plan` is a few hundred items
    however long the roster. A stand-in's id is below zero and it is never a person to name or to record
    against: `step_people` and `urgent_items` find the real people, a page at a time.
    """

    incident: Incident
    playbook: Playbook | None
    run: Run | None
    plan: Plan | None  # per-person items are the singles' and the stand-ins' (person.id < 0)
    earlier_runs: list[Run] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""
    recorded: tuple[StepItem, ...] = ()
    singles: tuple = ()  # engine.plan.Someone, in full
    crowds: dict = field(default_factory=dict)  # stand-in id -> store.playbooks.Crowd

    @property
    def recorded_ids(self) -> set[int]:
        return {item.person_id for item in self.recorded if item.person_id is not None}

    def weight(self, item: PlanItem) -> int:
        """How many people an item stands for: a crowd's stand-in for all of its crowd."""
        person = item.person
        return self.crowds[person.id].count if person is not None and person.id < 0 else 1

    def count(self, step_id: str, now: datetime) -> StepCount:
        step_plan = self.plan.step_plan(step_id) if self.plan else None
        if step_plan is None:
            return StepCount(0, 0, 0, 0)
        total = done = overdue = 0
        for item in step_plan.items:
            n = self.weight(item)
            total += n
            if not item.is_open:
                done += n
            elif item.late_by(now):
                overdue += n
        return StepCount(total, done, total - done, overdue)

    def overdue(self, now: datetime) -> int:
        """Open items late at `now`, each person's item counted."""
        return sum(self.weight(i) for i in self.plan.items if i.is_open and i.late_by(now)) if self.plan else 0

    def open_count(self) -> int:
        return sum(self.weight(i) for i in self.plan.items if i.is_open) if self.plan else 0


def playbook_summary(store: Store, incident_id: int, *, now: datetime | None = None,
                     library: Library | None = None) -> PlaybookSummary:
    """The incident's playbook as the section shows it, made again only after a write (by anyone) or a
    change of the playbook files. How late each item is moves with the clock: ask `late_by(now)`."""
    library = library or _library()
    cache = _SUMMARIES.setdefault(store, {})
    version = store.version
    seen, seen_library, summary = cache.get(incident_id, (None, None, None))
    if seen != version or seen_library is not library or store._tx is not None:
        summary = _summary(store, incident_id, now or store.clock(), library)
        if store._tx is None:  # inside a write, what is seen is not yet committed
            cache[incident_id] = (version, library, summary)
    return summary


_SUMMARIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def summary_ready(store: Store, incident_id: int) -> bool:
    """Whether `playbook_summary` would answer from what it kept, with no reading."""
    seen = _SUMMARIES.get(store, {}).get(incident_id)
    return seen is not None and seen[0] == store.version and seen[1] is _library()


def _summary(store: Store, incident_id: int, now: datetime, library: Library | None) -> PlaybookSummary:
    running = _running(store, incident_id, library)
    plan, recorded, singles, crowds = None, [], [], []
    if running.playbook is not None:
        recorded = store.playbooks.items(running.run.id) if running.run else []
        recorded_ids = {item.person_id for item in recorded if item.person_id is not None}
        singles, crowds = store.playbooks.crowds(incident_id, recorded_ids)
        plan = build_plan(running.playbook, running.incident, singles + [c.like for c in crowds], recorded, now)
    return PlaybookSummary(running.incident, running.playbook, running.run, plan, running.earlier, running.problems,
                           running.message, tuple(recorded), tuple(singles), {c.like.id: c for c in crowds})


def _targets(summary: PlaybookSummary, items) -> tuple[list, set[int]]:
    """The crowds and the people (by id) behind these items of the summary's plan."""
    crowds, ids = [], set()
    for item in items:
        if item.person is None:
            continue
        if item.person.id < 0:
            crowds.append(summary.crowds[item.person.id])
        else:
            ids.add(item.person.id)
    return crowds, ids


def _items_for(summary: PlaybookSummary, people: list, now: datetime) -> dict[tuple[str, int | None], PlanItem]:
    """Every item of these real people, exactly as the whole plan has them: planned with the stand-ins, which
    are enough for every clock that waits on a whole step."""
    single_ids = {p.id for p in summary.singles}
    extra = {p.id: p for p in people if p.id not in single_ids}
    everyone = [*summary.singles, *(c.like for c in summary.crowds.values()), *extra.values()]
    plan = build_plan(summary.playbook, summary.incident, everyone, summary.recorded, now)
    wanted = {p.id for p in people}
    return {(i.step.id, i.person_id): i for i in plan.items if i.person_id in wanted}


def step_people(store: Store, summary: PlaybookSummary, step_id: str, *, offset: int = 0, limit: int = 100,
                now: datetime | None = None) -> list[PlanItem]:
    """A page of a per-person step's items, in the roster's order: `limit` people from `offset`."""
    step_plan = summary.plan.step_plan(step_id) if summary.plan else None
    if step_plan is None or not step_plan.items or not step_plan.step.per_person:
        return []
    now = now or store.clock()
    crowds, ids = _targets(summary, step_plan.items)
    people = store.playbooks.page_of(summary.incident.id, crowds, ids, summary.recorded_ids, limit=limit,
                                     offset=offset)
    items = _items_for(summary, people, now)
    return [items[(step_id, p.id)] for p in people if (step_id, p.id) in items]


def step_place(store: Store, summary: PlaybookSummary, step_id: str, person_id: int) -> int | None:
    """Where a person stands (from 0) in a per-person step's list, or None if they are not in it."""
    step_plan = summary.plan.step_plan(step_id) if summary.plan else None
    if step_plan is None or not step_plan.step.per_person:
        return None
    crowds, ids = _targets(summary, step_plan.items)
    return store.playbooks.place_of(summary.incident.id, crowds, ids, summary.recorded_ids, person_id)


def step_first(store: Store, summary: PlaybookSummary, step_id: str, *, now: datetime | None = None
               ) -> PlanItem | None:
    """A per-person step's most urgent open item (the first in the roster's order among those as urgent), or,
    with nothing open, its first item: where the cursor goes when an action needs a person."""
    step_plan = summary.plan.step_plan(step_id) if summary.plan else None
    if step_plan is None or not step_plan.items or not step_plan.step.per_person:
        return None
    urgent = step_plan.most_urgent
    if urgent is None:
        first = step_people(store, summary, step_id, limit=1, now=now)
        return first[0] if first else None
    tied = [i for i in step_plan.open_items if attention_key(i) == attention_key(urgent)]
    crowds, ids = _targets(summary, tied)
    people = store.playbooks.page_of(summary.incident.id, crowds, ids, summary.recorded_ids, limit=1)
    return _items_for(summary, people, now or store.clock()).get((step_id, people[0].id)) if people else None


def urgent_items(store: Store, summary: PlaybookSummary, limit: int, *, now: datetime | None = None
                 ) -> list[PlanItem]:
    """The `limit` most urgent open items, as heapq.nsmallest(limit, plan.open_items, key=attention_key) of the
    whole plan would list them (ties in step order, then the roster's), reading only the people listed."""
    if summary.plan is None:
        return []
    now = now or store.clock()
    order = {s.step.id: n for n, s in enumerate(summary.plan.steps)}
    groups: dict[tuple, list[PlanItem]] = {}
    for item in summary.plan.open_items:
        groups.setdefault((attention_key(item), order[item.step.id]), []).append(item)
    chosen: list[tuple[str, object]] = []  # (step id, person or None)
    for key in sorted(groups):
        if len(chosen) >= limit:
            break
        items = groups[key]
        if items[0].person is None:
            chosen.append((items[0].step.id, None))
            continue
        crowds, ids = _targets(summary, items)
        for person in store.playbooks.page_of(summary.incident.id, crowds, ids, summary.recorded_ids,
                                              limit=limit - len(chosen)):
            chosen.append((items[0].step.id, person))
    people = [p for _, p in chosen if p is not None]
    found = _items_for(summary, people, now) if people else {}
    whole = {(i.step.id, None): i for i in summary.plan.items if i.person is None}
    return [found[(sid, p.id)] if p is not None else whole[(sid, None)] for sid, p in chosen]


def next_due(store: Store, incident_id: int, *, now: datetime | None = None,
             library: Library | None = None) -> PlanItem | None:
    """What `incident_playbook(...).plan.next_due` is, without a plan item for every person (issue 12).

    People with nothing recorded who look alike to every person filter are planned as one (a crowd's
    stand-in), so the plan is a few hundred items however long the roster; if a stand-in's item is next,
    the first real person of the crowds tied with it, in the roster's order, is named, as the whole plan would."""
    now = now or store.clock()
    # Nothing written since (by anyone: store.version sees other processes' commits) and the same playbook
    # files: the same item. Only how late it is moves with the clock.
    library = library or _library()
    cache = _NEXT_DUE.setdefault(store, {})
    version, (seen, seen_library, item) = store.version, cache.get(incident_id, (None, None, None))
    if seen != version or seen_library is not library:
        item = _next_due(store, incident_id, now, library)
        cache[incident_id] = (version, library, item)
    return replace(item, overdue_by=item.late_by(now)) if item is not None else None


_NEXT_DUE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _next_due(store: Store, incident_id: int, now: datetime, library: Library | None) -> PlanItem | None:
    summary = playbook_summary(store, incident_id, now=now, library=library)
    plan = summary.plan
    if plan is None:
        return None
    item = plan.next_due
    if item is None or item.person is None or item.person.id > 0:
        return item
    wanted = attention_key(item)
    tied = [i.person for i in plan.step_plan(item.step.id).items if i.is_open and attention_key(i) == wanted]
    by_stand_in = summary.crowds
    first = store.playbooks.first_of(incident_id, [by_stand_in[p.id] for p in tied if p.id < 0],
                                     summary.recorded_ids)
    rank = {RAG.RED: 0, None: 1, RAG.AMBER: 2, RAG.GREEN: 3}
    person = min([p for p in tied if p.id > 0] + ([first] if first else []),
                 key=lambda p: (rank[p.rag], p.sort_name, p.id))
    return replace(item, person=person)


def whats_next(store: Store, *, hours: float = 12, now: datetime | None = None
               ) -> tuple[list[tuple[Incident, PlanItem]], list[Problem]]:
    """Across every incident still open: what is overdue or due within `hours`, most urgent first."""
    library = _library()
    now = now or store.clock()
    found = []
    for incident in store.incidents.list():
        if incident.status is IncidentStatus.CLOSED:
            continue
        view = incident_playbook(store, incident.id, now=now, library=library)
        if view.plan is not None:
            found += [(incident, item) for item in view.plan.due_within(hours)]
    found.sort(key=lambda pair: attention_key(pair[1]))
    return found, library[1]


def incidents_by_overdue(store: Store, *, now: datetime | None = None) -> list[tuple[Incident, timedelta | None]]:
    """Every incident with how overdue its longest-overdue step is, the most overdue first. The rest keep
    the store's order (live before closed, the most recent first), so nothing overdue sits below them."""
    library = _library()
    now = now or store.clock()
    ranked: list[tuple[Incident, timedelta | None]] = []
    for incident in store.incidents.list():
        late = None
        if incident.status is not IncidentStatus.CLOSED:
            # The longest-overdue open item is the one due first: the plan's next item.
            item = next_due(store, incident.id, now=now, library=library)
            late = item.late_by(now) if item is not None else None
        ranked.append((incident, late))
    ranked.sort(key=lambda pair: -pair[1].total_seconds() if pair[1] else 0.0)  # stable: ties keep the store's order
    return ranked


# --- recording steps --------------------------------------------------------------------------


def complete(store: Store, incident_id: int, step_id: str, answer: Answer, *,
             person_id: int | None = None) -> StepItem:
    """Mark a step (or one person's item) done with the evidence its record kind asks for."""
    view, item = _target(store, incident_id, step_id, person_id)
    if item.state is ItemState.DONE:
        raise BadInput(_already_done(item))
    step = item.step
    try:
        evidence = evidence_for(step, answer)
    except EvidenceMissing as exc:
        options = "; ".join(f"{n}. {o}" for n, o in enumerate(step.options, 1))
        raise EvidenceNeeded(f"step {step_id}: {exc}" + (f" (options: {options})" if options else ""),
                             step.record) from None
    log_reason = f"step {step_id} done{_for(item)}"
    with store.write(log_reason):
        run = _run_for_writing(store, view)
        _refuse_if_done(store, run, item)
        if step.record is RecordKind.DECISION:
            entry = store.decisions.add(
                incident_id=incident_id, decided_at=store.clock(),
                decision=f"{step.title}{_about(item)}: {evidence['decision']}",
                rationale=evidence["rationale"], options=tuple(evidence["options"]),
                powers="; ".join(step.citations),
            )
            evidence["decision_id"] = entry.id
        return store.playbooks.set_state(run, step_id, person_id, ItemState.DONE, evidence=evidence,
                                         log_reason=f"{log_reason}: {describe_evidence(evidence)}")


def skip(store: Store, incident_id: int, step_id: str, reason: str, *, person_id: int | None = None) -> StepItem:
    """Not applicable here, with the reason (kept in the log)."""
    return _with_reason(store, incident_id, step_id, person_id, ItemState.NOT_APPLICABLE, reason,
                        "not applicable")


def block(store: Store, incident_id: int, step_id: str, reason: str, *, person_id: int | None = None) -> StepItem:
    """Cannot go on for now, with the reason. The clock keeps running: a blocked step can still be late."""
    return _with_reason(store, incident_id, step_id, person_id, ItemState.BLOCKED, reason, "blocked")


def start_step(store: Store, incident_id: int, step_id: str, *, person_id: int | None = None) -> StepItem:
    view, item = _target(store, incident_id, step_id, person_id)
    if item.state is ItemState.DONE:
        raise BadInput(_already_done(item))
    with store.write(f"step {step_id} in progress{_for(item)}"):
        run = _run_for_writing(store, view)
        _refuse_if_done(store, run, item)
        return store.playbooks.set_state(run, step_id, person_id, ItemState.IN_PROGRESS,
                                         log_reason=f"step {step_id} in progress{_for(item)}")


def add_note(store: Store, incident_id: int, step_id: str, text: str, *, person_id: int | None = None) -> StepItem:
    """A note on a step at any time, done or not; notes never change its state."""
    if not text.strip():
        raise BadInput("the note is empty; write what happened or what you found")
    view, item = _target(store, incident_id, step_id, person_id)
    with store.write(f"note on step {step_id}{_for(item)}"):
        run = _run_for_writing(store, view)
        return store.playbooks.add_note(run, step_id, person_id, text.strip())


def _with_reason(store: Store, incident_id: int, step_id: str, person_id: int | None, state: ItemState,
                 reason: str, words: str) -> StepItem:
    if not reason.strip():
        raise BadInput(f"marking a step {words} needs a reason: it is kept in the log")
    view, item = _target(store, incident_id, step_id, person_id)
    if item.state is ItemState.DONE:
        raise BadInput(_already_done(item))
    log_reason = f"step {step_id} {words}{_for(item)}: {reason.strip()}"
    with store.write(log_reason):
        run = _run_for_writing(store, view)
        _refuse_if_done(store, run, item)
        return store.playbooks.set_state(run, step_id, person_id, state, reason=reason.strip(),
                                         log_reason=log_reason)


def _target(store: Store, incident_id: int, step_id: str, person_id: int | None) -> tuple[PlaybookSummary, PlanItem]:
    """The plan item an action is about, or BadInput saying exactly why it cannot be. Planned from the summary
    and the one person (issue 12): recording a step for one of 50,000 people plans no one else."""
    view = playbook_summary(store, incident_id)
    if view.plan is None or view.playbook is None:
        raise BadInput(f"incident {incident_id} has no playbook to record against: {view.message}")
    try:
        step = view.playbook.step(step_id)
    except KeyError as exc:
        raise BadInput(exc.args[0]) from None
    step_plan = view.plan.step_plan(step_id)
    if step_plan is None:
        why = {s.id: w for s, w in view.plan.not_applicable}.get(step_id, "")
        raise BadInput(f"step {step_id} does not apply to this incident ({why})")
    if step.per_person and person_id is None:
        waiting = [i for i in step_people(store, view, step_id, limit=100) if i.is_open][:5]
        listed = "; ".join(f"{i.person_id} {i.person.name}" for i in waiting)
        raise BadInput(f"step {step_id} is done for each person ({step.for_each_person.describe()}): give the "
                       f"person's id" + (f", e.g. {listed}" if listed else "; nobody on the roster matches yet"))
    if not step.per_person and person_id is not None:
        raise BadInput(f"step {step_id} is for the whole incident, not one person: leave the person out")
    if person_id is None:
        item = view.plan.item(step_id, None)
    else:
        someone = store.playbooks.page_of(incident_id, [], {person_id}, set(), limit=1)
        item = _items_for(view, someone, store.clock()).get((step_id, person_id)) if someone else None
    if item is None:
        raise BadInput(f"person {person_id} is not on the list for step {step_id} "
                       f"({step.for_each_person.describe()})")
    return view, item


def _run_for_writing(store: Store, view: PlaybookSummary) -> Run:
    if view.run is not None:
        return view.run
    run = start_matching(store, view.incident, "first step recorded")
    if run is None:
        raise BadInput(view.message)
    return run


def _refuse_if_done(store: Store, run: Run, item: PlanItem) -> None:
    """Checked again inside the write: another officer may have finished it a moment ago."""
    latest = store.playbooks.item(run.id, item.step.id, item.person_id)
    if latest is not None and latest.state is ItemState.DONE:
        raise BadInput(_already_done(replace(item, recorded=latest)))


def _for(item: PlanItem) -> str:
    """' for Ada Exampleton (person 7)' for a per-person item; '' for a whole-incident step."""
    return f" for {item.person.name} (person {item.person.id})" if item.person else ""


def _about(item: PlanItem) -> str:
    return f" ({item.person.name}, person {item.person.id})" if item.person else ""


def _already_done(item: PlanItem) -> str:
    done = item.recorded
    return (f"step {item.step.id}{_for(item)} was already done by {done.updated_by} at "
            f"{format_local(done.updated_at)}; add a note to correct or add to it")
