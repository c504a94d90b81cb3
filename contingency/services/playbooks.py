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
    running = _running(store, incident_id, library)
    if running.playbook is None:
        return None
    recorded = store.playbooks.items(running.run.id) if running.run else []
    recorded_ids = {item.person_id for item in recorded if item.person_id is not None}
    singles, crowds = store.playbooks.crowds(incident_id, recorded_ids)
    plan = build_plan(running.playbook, running.incident, singles + [c.like for c in crowds], recorded, now)
    item = plan.next_due
    if item is None or item.person is None or item.person.id > 0:
        return item
    wanted = attention_key(item)
    tied = [i.person for i in plan.step_plan(item.step.id).items if i.is_open and attention_key(i) == wanted]
    by_stand_in = {c.like.id: c for c in crowds}
    first = store.playbooks.first_of(incident_id, [by_stand_in[p.id] for p in tied if p.id < 0], recorded_ids)
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


def _target(store: Store, incident_id: int, step_id: str, person_id: int | None) -> tuple[IncidentPlaybook, PlanItem]:
    """The plan item an action is about, or BadInput saying exactly why it cannot be."""
    view = incident_playbook(store, incident_id)
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
        waiting = [i for i in step_plan.items if i.is_open][:5]
        listed = "; ".join(f"{i.person_id} {i.person.name}" for i in waiting)
        raise BadInput(f"step {step_id} is done for each person ({step.for_each_person.describe()}): give the "
                       f"person's id" + (f", e.g. {listed}" if listed else "; nobody on the roster matches yet"))
    if not step.per_person and person_id is not None:
        raise BadInput(f"step {step_id} is for the whole incident, not one person: leave the person out")
    item = view.plan.item(step_id, person_id)
    if item is None:
        raise BadInput(f"person {person_id} is not on the list for step {step_id} "
                       f"({step.for_each_person.describe()})")
    return view, item


def _run_for_writing(store: Store, view: IncidentPlaybook) -> Run:
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
