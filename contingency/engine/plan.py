"""What the playbook asks of this incident now: which steps apply, for whom, when each is due, what is overdue.

Pure: the incident, its roster, what has been recorded and `now` go in; a Plan comes out.

Per-person steps are expanded here, from the roster as it is now, every time a plan is made. A step
item is stored only once something is recorded for it, so a person added, re-rated or moved later
gets the items that now match them without anything to keep in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from contingency.engine.models import AWARE, PersonFilter, Phase, Playbook, Step
from contingency.engine.runs import ItemState, StepItem
from contingency.models import Incident
from contingency.person import RAG, Basis, Flag, Funding, Person, PersonStatus


@dataclass(frozen=True)
class Someone:
    """What a plan needs to know about a person: enough to test a person filter and to name them.

    Kept this small so that a plan for a 50,000-person roster is made in a moment.
    """

    id: int
    name: str
    sort_name: tuple[str, str]  # (last, first), lower case: the roster's order
    rag: RAG | None
    status: PersonStatus
    basis: Basis
    funding: Funding
    fnc: bool
    flags: frozenset[Flag]
    capacity_concern: bool
    advocate_needed: bool

    @classmethod
    def of(cls, person: Person) -> Someone:
        facts, det = person.facts, person.determination
        return cls(id=person.id, name=facts.display_name, sort_name=(facts.last_name.lower(), facts.first_name.lower()),
                   rag=facts.rag, status=facts.status, basis=det.basis, funding=facts.funding, fnc=facts.fnc,
                   flags=frozenset(det.flags), capacity_concern=facts.capacity_concern,
                   advocate_needed=facts.advocate_needed)

    @property
    def label(self) -> str:
        """'Ada Exampleton (RED)': the rating in words, never colour alone."""
        return f"{self.name} ({self.rag.value if self.rag else 'not rated'})"


def imca_needed(person: Someone) -> bool:
    """An IMCA is needed before a move: flagged by the determination, or an advocate recorded as needed."""
    return Flag.IMCA_NEEDED in person.flags or person.advocate_needed


def person_matches(wanted: PersonFilter, person: Someone) -> bool:
    if wanted.basis and person.basis not in wanted.basis:
        return False
    # FNC is also recorded alongside another main funding; either way the person has FNC.
    funding = {person.funding} | ({Funding.FNC} if person.fnc else set())
    if wanted.funding and not funding & set(wanted.funding):
        return False
    if wanted.rag and person.rag not in wanted.rag:
        return False
    if wanted.status and person.status not in wanted.status:
        return False
    if wanted.flag and not person.flags & set(wanted.flag):
        return False
    if wanted.capacity_concern is not None and person.capacity_concern is not wanted.capacity_concern:
        return False
    return wanted.imca_needed is None or imca_needed(person) is wanted.imca_needed


def why_not(step: Step, incident: Incident, people: list[Someone]) -> str:
    """Why the step's `when` conditions rule it out for this incident, or '' if it applies."""
    when = step.when
    if when is None:
        return ""
    kind = incident.facts.service_kind
    if when.service_kind and kind not in when.service_kind:
        return f"only for {', '.join(k.label.lower() for k in when.service_kind)}; this is {kind.label.lower()}"
    if when.any_person and not any(person_matches(when.any_person, p) for p in people):
        return f"nobody on the roster matches: {when.any_person.describe()}"
    return ""


@dataclass(frozen=True)
class PlanItem:
    """One thing to do: a step, or one person's item of a per-person step."""

    step: Step
    person: Someone | None
    state: ItemState
    due_at: datetime | None
    waits_for: str | None  # the earlier step whose completion starts this clock, while it is unfinished
    overdue_by: timedelta | None
    recorded: StepItem | None
    matches: bool = True  # False: recorded earlier, but the person or incident no longer fits the step

    @property
    def overdue(self) -> bool:
        return self.overdue_by is not None

    def late_by(self, now: datetime) -> timedelta | None:
        """How overdue an open item is at `now` (a screen keeps counting without making a new plan)."""
        if self.state.is_open and self.due_at is not None and now > self.due_at:
            return now - self.due_at
        return None

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person else None

    @property
    def settled_at(self) -> datetime | None:
        """When a done or not-applicable item was settled: the start of any clock that follows it."""
        if self.recorded and self.state in (ItemState.DONE, ItemState.NOT_APPLICABLE):
            return self.recorded.updated_at
        return None


@dataclass(frozen=True)
class StepPlan:
    step: Step
    items: tuple[PlanItem, ...]  # one for a whole-incident step; one per matching person otherwise

    @property
    def open_items(self) -> list[PlanItem]:
        return [i for i in self.items if i.is_open]

    @property
    def overdue_items(self) -> list[PlanItem]:
        return [i for i in self.items if i.overdue]

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if not i.is_open)

    @property
    def most_urgent(self) -> PlanItem | None:
        return min(self.open_items, key=attention_key, default=None)


@dataclass(frozen=True)
class Plan:
    playbook: Playbook
    steps: tuple[StepPlan, ...]
    not_applicable: tuple[tuple[Step, str], ...]  # steps the incident's facts rule out, with why
    now: datetime

    @property
    def items(self) -> list[PlanItem]:
        return [item for step in self.steps for item in step.items]

    @property
    def open_items(self) -> list[PlanItem]:
        return [i for i in self.items if i.is_open]

    @property
    def overdue_items(self) -> list[PlanItem]:
        return sorted((i for i in self.items if i.overdue), key=attention_key)

    @property
    def next_due(self) -> PlanItem | None:
        return min(self.open_items, key=attention_key, default=None)

    def by_phase(self) -> list[tuple[Phase, list[StepPlan]]]:
        return [(phase, [s for s in self.steps if s.step.phase == phase.id]) for phase in self.playbook.phases
                if any(s.step.phase == phase.id for s in self.steps)]

    def step_plan(self, step_id: str) -> StepPlan | None:
        return next((s for s in self.steps if s.step.id == step_id), None)

    def item(self, step_id: str, person_id: int | None) -> PlanItem | None:
        step = self.step_plan(step_id)
        if step is None:
            return None
        return next((i for i in step.items if i.person_id == person_id), None)

    def due_within(self, hours: float) -> list[PlanItem]:
        """Open items overdue or due in the next `hours`, most urgent first."""
        horizon = self.now + timedelta(hours=hours)
        return sorted((i for i in self.open_items if i.due_at is not None and i.due_at <= horizon),
                      key=attention_key)


def attention_key(item: PlanItem) -> tuple:
    """Earliest due first, which puts the longest overdue first at any moment; those still waiting for
    another step come last."""
    if item.due_at is None:
        return (1, 0.0)
    return (0, item.due_at.timestamp())


def build_plan(playbook: Playbook, incident: Incident, people: list[Someone], recorded: Iterable[StepItem],
               now: datetime) -> Plan:
    by_key = {item.key: item for item in recorded}
    by_id = {p.id: p for p in people}
    steps: list[StepPlan] = []
    ruled_out: list[tuple[Step, str]] = []
    made: dict[str, StepPlan] = {}
    for step in playbook.steps:
        why = why_not(step, incident, people)
        if step.per_person:
            matching = {p.id for p in people if person_matches(step.for_each_person, p)} if not why else set()
            touched = {pid for (sid, pid) in by_key if sid == step.id and pid in by_id}
            targets = [(by_id[pid], pid in matching) for pid in sorted(matching | touched, key=_roster_order(by_id))]
        else:
            targets = [(None, not why)] if not why or (step.id, None) in by_key else []
        if not targets:
            if why:
                ruled_out.append((step, why))
            made[step.id] = StepPlan(step, ())
            if not why:
                steps.append(made[step.id])
            continue
        items = tuple(_item(step, person, fits, by_key.get((step.id, person.id if person else None)),
                            incident, made, playbook, now) for person, fits in targets)
        made[step.id] = StepPlan(step, items)
        steps.append(made[step.id])
    return Plan(playbook, tuple(steps), tuple(ruled_out), now)


def _roster_order(by_id: dict[int, Someone]):
    # RED first, then unrated, AMBER, GREEN; then by name: the order the roster uses.
    rank = {RAG.RED: 0, None: 1, RAG.AMBER: 2, RAG.GREEN: 3}

    def key(person_id: int) -> tuple:
        person = by_id[person_id]
        return (rank[person.rag], person.sort_name, person_id)

    return key


def _item(step: Step, person: Someone | None, fits: bool, recorded: StepItem | None, incident: Incident,
          made: dict[str, StepPlan], playbook: Playbook, now: datetime) -> PlanItem:
    state = recorded.state if recorded else ItemState.PENDING
    start, waits_for = _clock_start(step, person, incident, made, playbook)
    due_at = start + step.due_after if start is not None else None
    overdue_by = now - due_at if state.is_open and due_at is not None and now > due_at else None
    return PlanItem(step, person, state, due_at, waits_for, overdue_by, recorded, fits)


def _clock_start(step: Step, person: Someone | None, incident: Incident, made: dict[str, StepPlan],
                 playbook: Playbook) -> tuple[datetime | None, str | None]:
    """When this item's clock starts: awareness, or when the earlier step was done (or ruled not applicable).

    A per-person step that follows a per-person step follows that same person's item. A whole step that
    follows a per-person step starts when the last of its items is settled. If the earlier step has no
    item here at all (it does not apply), there is nothing to wait for: the clock starts at awareness.
    """
    aware = incident.facts.aware_at
    if step.due_from == AWARE:
        return aware, None
    source = made[step.due_from]
    if source.step.per_person and person is not None:
        earlier = [i for i in source.items if i.person_id == person.id]
    else:
        earlier = list(source.items)
    if not earlier:
        return aware, None
    if any(i.settled_at is None for i in earlier):
        return None, step.due_from
    return max(i.settled_at for i in earlier), None
