"""The welfare call-round: who to ring next, recording each call, the bridge that covers visits, and the
escalations that feed What's next. Rules in contingency.rules.callround; SQL in contingency.store.callround."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contingency.models import Incident, IncidentStatus
from contingency.person import RAG, Person, PersonStatus
from contingency.rules.callround import (
    OFF_LIST,
    UNCOVERED_HORIZON,
    Cover,
    NextAction,
    Outcome,
    RoundEntry,
    TimeCritical,
    VisitTimes,
    next_action,
    next_missed_visit,
    no_answers_in_a_row,
    order_round,
    outcome_from_words,
    parse_visit_times,
    time_critical,
    uncovered,
    visit_times_in_notes,
    who_covers,
)
from contingency.rules.times import (
    LONDON,
    BadDate,
    format_elapsed,
    format_local,
    parse_local_datetime,
)
from contingency.services.errors import BadInput
from contingency.store import Store
from contingency.store.callround import Call, CallRoundRepo, StoredCover

# A time typed a moment ahead of the laptop's clock is still "now".
SLACK = timedelta(minutes=5)
# Roster statuses that already say where a person's care comes from: not on the call-round.
SETTLED_STATUSES = frozenset(PersonStatus) - {PersonStatus.WITH_PROVIDER}
# Outcomes that need a word about what happened.
NOTE_OPTIONAL = frozenset({Outcome.NO_ANSWER})


def repo(store: Store) -> CallRoundRepo:
    return CallRoundRepo(store)


@dataclass(frozen=True)
class RoundRow:
    """One person on (or off) the call-round, as the view shows them."""

    person: Person
    visits: VisitTimes | None
    next_missed: datetime | None
    critical: tuple[TimeCritical, ...]
    calls: tuple[Call, ...]
    next: NextAction | None
    off_list_because: str = ""  # why they are off the list, or "" when on it

    @property
    def person_id(self) -> int:
        return self.person.id

    @property
    def name(self) -> str:
        return self.person.facts.display_name

    @property
    def rag(self) -> RAG | None:
        return self.person.facts.rag

    @property
    def last(self) -> Call | None:
        return self.calls[-1] if self.calls else None

    @property
    def no_answers(self) -> int:
        return no_answers_in_a_row([c.outcome for c in self.calls])

    @property
    def on_list(self) -> bool:
        return not self.off_list_because


@dataclass(frozen=True)
class CallRound:
    incident: Incident
    now: datetime
    rows: list[RoundRow]  # on the list, in the order to ring
    off: list[RoundRow]  # safety confirmed (or otherwise settled), with why
    uncovered: list[tuple[RoundRow, datetime]] = field(default_factory=list)  # time-critical, next 12 hours
    covers: list[StoredCover] = field(default_factory=list)

    @property
    def critical_without_times(self) -> list[RoundRow]:
        return [r for r in self.rows if r.critical and not (r.visits and r.visits.minutes)]

    def counts_line(self) -> str:
        people = len({r.person_id for r, _ in self.uncovered})
        return (f"{len(self.rows)} to confirm, {len(self.off)} confirmed or settled · "
                f"{len(self.uncovered)} uncovered time-critical visit{'' if len(self.uncovered) == 1 else 's'} "
                f"in the next {int(UNCOVERED_HORIZON.total_seconds() // 3600)}h"
                f" ({people} {'person' if people == 1 else 'people'})")


def person_visits(person: Person) -> VisitTimes | None:
    """The schedule from the list's visit-times column; from the notes for a list imported before that column
    was known (the importer kept unknown columns there as "Visit times: ...")."""
    if person.facts.visit_times.strip():
        return parse_visit_times(person.facts.visit_times)
    return visit_times_in_notes(person.facts.notes)


def person_critical(person: Person) -> tuple[TimeCritical, ...]:
    facts = person.facts
    return time_critical(facts.needs_snapshot, facts.rag_reason, facts.notes)


def _urgent(row_rag: RAG | None, critical: tuple[TimeCritical, ...]) -> bool:
    return row_rag is RAG.RED or bool(critical)


def _row(person: Person, calls: list[Call], covers: list[Cover], now: datetime, since: datetime) -> RoundRow:
    visits = person_visits(person)
    critical = person_critical(person)
    minutes = visits.minutes if visits else ()
    missed = next_missed_visit(minutes, covers, person.id, now=now, since=since)
    last = calls[-1] if calls else None
    nxt = None
    if last is not None:
        nxt = next_action([c.outcome for c in calls], last.called_at, urgent=_urgent(person.facts.rag, critical),
                          officer_action=last.next_action, officer_at=last.next_at)
    why = ""
    if last is not None and last.outcome in OFF_LIST:
        why = f"{last.outcome.label} ({format_local(last.called_at, now=now)}, {last.called_by})"
    elif person.facts.status in SETTLED_STATUSES:
        why = f"roster status: {person.facts.status.label}"
    return RoundRow(person, visits, missed, critical, tuple(calls), nxt, why)


def call_round(store: Store, incident_id: int, *, now: datetime | None = None) -> CallRound:
    """Everyone on the incident, split into those whose safety is still to confirm (in the order to ring:
    RED first, then the next missed visit, then time-critical needs) and those confirmed or settled; and the
    time-critical visits in the next 12 hours that no bridge covers."""
    now = now or store.clock()
    incident = store.incidents.get(incident_id)
    calls = repo(store).calls(incident_id)
    stored = repo(store).covers(incident_id)
    covers = [c.cover for c in stored]
    rows = [_row(p, calls.get(p.id, []), covers, now, incident.facts.aware_at)
            for p in store.people.all(incident_id, provenance=False)]
    on = {r.person_id: r for r in rows if r.on_list}
    ordered = order_round(RoundEntry(r.person_id, r.name, r.rag, r.next_missed, r.critical) for r in on.values())
    gaps = [(on[e.person_id], moment) for e in ordered if on[e.person_id].critical and on[e.person_id].visits
            for moment in uncovered(on[e.person_id].visits.minutes, covers, e.person_id, now,
                                    now + UNCOVERED_HORIZON)]
    gaps.sort(key=lambda pair: (pair[1], pair[0].name.casefold()))
    off = sorted((r for r in rows if not r.on_list), key=lambda r: (r.name.casefold(), r.person_id))
    return CallRound(incident, now, [on[e.person_id] for e in ordered], off, gaps, stored)


# --- recording ---------------------------------------------------------------------------------------------

_BARE_TIME = re.compile(r"\s*\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*", re.IGNORECASE)


def parse_when(text: str, *, now: datetime, prefer: str = "past", field: str = "when") -> datetime:
    """A time the officer types, as UK time. A bare time ("07:00") is the most recent one (prefer="past"), the
    next one (prefer="future") or whichever is nearer (prefer="nearest")."""
    try:
        moment = parse_local_datetime(text, now=now)
    except BadDate as exc:
        raise BadInput(f"{field}: {exc}") from None
    if prefer != "past" and _BARE_TIME.fullmatch(text):
        later = (moment.astimezone(LONDON) + timedelta(days=1)).astimezone(moment.tzinfo)
        if prefer == "future" and moment < now - SLACK or prefer == "nearest" and later - now < now - moment:
            moment = later
    return moment


def outcome_named(text: str | Outcome) -> Outcome:
    if isinstance(text, Outcome):
        return text
    outcome = outcome_from_words(text)
    if outcome is None:
        choices = ", ".join(o.value for o in Outcome)
        raise BadInput(f"outcome: {text!r} is not an outcome; give one of {choices}")
    return outcome


def live_person(store: Store, person_id: int) -> Person:
    person = store.people.get(person_id)
    if person.merged_into is not None:
        raise BadInput(f"person {person_id} was merged into person {person.merged_into}; record the call there")
    return person


def record_call(store: Store, person_id: int, *, outcome: str | Outcome, note: str = "", called: str = "",
                next_action_text: str = "", next_at: str | datetime | None = None, called_by: str = "",
                called_at: str | datetime | None = None) -> Call:
    """Record one welfare call (written once, logged). BadInput names the field to fix ("field: message")."""
    now = store.clock()
    person = live_person(store, person_id)
    chosen = outcome_named(outcome)
    note, called, next_action_text = note.strip(), called.strip() or "the person", next_action_text.strip()
    called_by = called_by.strip() or store.officer
    if chosen not in NOTE_OPTIONAL and not note:
        raise BadInput(f"note: say what was found or agreed ({chosen.label})")
    when = called_at if isinstance(called_at, datetime) else (
        parse_when(called_at, now=now, field="called_at") if called_at and called_at.strip() else now)
    if when > now + SLACK:
        raise BadInput(f"called_at: {format_local(when, now=now)} is in the future; give when the call was made")
    due = next_at if isinstance(next_at, datetime) else (
        parse_when(next_at, now=now, prefer="future", field="next_at") if next_at and next_at.strip() else None)
    if due is not None and due < when - SLACK:
        raise BadInput(f"next_at: {format_local(due, now=now)} is before the call; give when the next action is due")
    if next_action_text and due is None:
        raise BadInput("next_at: say when the next action is due (e.g. 02:30)")
    if not called_by:
        raise BadInput("called_by: who made the call? (--by NAME or the officer's name)")
    return repo(store).add_call(
        incident_id=person.incident_id, person_id=person.id, called=called, outcome=chosen,
        off_list=chosen in OFF_LIST, note=note, next_action=next_action_text, next_at=due, called_by=called_by,
        called_at=when, reason=f"welfare call for person {person.id}: {chosen.label}")


def _people_ids(store: Store, incident_id: int, people: str | list[int] | None) -> frozenset[int]:
    if not people:
        return frozenset()
    if isinstance(people, str):
        parts = [p for p in re.split(r"[\s,;]+", people) if p]
    else:
        parts = [str(p) for p in people]
    on_roster = set(store.people.ids(incident_id))
    refs = {p.facts.provider_ref.casefold(): p.id for p in store.people.all(incident_id, provenance=False)
            if p.facts.provider_ref} if any(not p.isdigit() for p in parts) else {}
    found: set[int] = set()
    for part in parts:
        person_id = int(part) if part.isdigit() else refs.get(part.casefold())
        if person_id is None or person_id not in on_roster:
            raise BadInput(f"people: {part!r} is not a person on incident {incident_id} (give ids or provider refs)")
        found.add(person_id)
    return frozenset(found)


def record_cover(store: Store, incident_id: int, *, covered_by: str, starts: str | datetime,
                 ends: str | datetime | None = None, visits: str = "", people: str | list[int] | None = None,
                 note: str = "") -> StoredCover:
    """A bridge: `covered_by` takes these visits (all, or the times named) for these people (all, or named)
    from `starts` (until `ends`)."""
    now = store.clock()
    incident = store.incidents.get(incident_id)
    covered_by = covered_by.strip()
    if not covered_by:
        raise BadInput("covered_by: name the provider or team covering the visits")
    start = starts if isinstance(starts, datetime) else parse_when(starts, now=now, prefer="nearest", field="from")
    end = ends if isinstance(ends, datetime) or ends is None else (
        parse_when(ends, now=start, prefer="future", field="until") if ends.strip() else None)
    if end is not None and end <= start:
        raise BadInput(f"until: {format_local(end, now=now)} is not after {format_local(start, now=now)}")
    parsed = parse_visit_times(visits)
    if parsed.problems:
        raise BadInput(f"visits: {'; '.join(parsed.problems)}")
    cover = Cover(covered_by=covered_by, starts_at=start, ends_at=end,
                  people=_people_ids(store, incident_id, people), minutes=frozenset(parsed.minutes))
    who = f"{len(cover.people)} people" if cover.people else "everyone"
    return repo(store).add_cover(incident_id=incident.id, cover=cover, note=note.strip(),
                                 reason=f"visits covered by {covered_by} from {format_local(start)} for {who}")


# --- what's next ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallDue:
    incident: Incident
    row: RoundRow
    action: NextAction

    def late_by(self, now: datetime) -> timedelta | None:
        return now - self.action.due if self.action.due <= now else None


def calls_due(store: Store, *, hours: float = 12, now: datetime | None = None) -> list[CallDue]:
    """Across every open incident with calls: each person's next action (a "no answer" escalation, or the
    officer's own) that is overdue or due within `hours`, the most overdue first."""
    now = now or store.clock()
    found: list[CallDue] = []
    for incident_id in repo(store).incidents_with_calls():
        incident = store.incidents.get(incident_id)
        if incident.status is IncidentStatus.CLOSED:
            continue
        view = call_round(store, incident_id, now=now)
        for row in view.rows + view.off:
            if row.next is not None and row.next.due <= now + timedelta(hours=hours):
                found.append(CallDue(incident, row, row.next))
    found.sort(key=lambda d: (d.action.due, d.row.name.casefold()))
    return found


# --- words ------------------------------------------------------------------------------------------------


def visit_words(moment: datetime | None, now: datetime) -> str:
    """'07:30', 'Tue 07:30', 'MISSED 07:30' (already past), or 'none' when nothing is uncovered."""
    if moment is None:
        return "none"
    local, today = moment.astimezone(LONDON), now.astimezone(LONDON).date()
    words = local.strftime("%H:%M") if local.date() == today else local.strftime("%a %H:%M")
    return f"MISSED {words}" if moment <= now else words


def due_words(action: NextAction | None, now: datetime) -> str:
    if action is None:
        return ""
    if action.due <= now:
        return f"OVERDUE {format_elapsed(now - action.due)}"
    return f"in {format_elapsed(action.due - now)}"


def outcome_words(row: RoundRow) -> str:
    last = row.last
    if last is None:
        return "not called"
    if last.outcome is Outcome.NO_ANSWER and row.no_answers > 1:
        return f"no answer x{row.no_answers}"
    return last.outcome.label


def row_json(row: RoundRow, now: datetime) -> dict:
    last = row.last
    return {
        "person_id": row.person_id, "name": row.name, "provider_ref": row.person.facts.provider_ref,
        "rag": row.rag.value if row.rag else None,
        "visit_times": [f"{m // 60:02d}:{m % 60:02d}" for m in (row.visits.minutes if row.visits else ())],
        "visit_time_problems": list(row.visits.problems) if row.visits else [],
        "next_visit": row.next_missed.isoformat() if row.next_missed else None,
        "next_visit_words": visit_words(row.next_missed, now),
        "next_visit_missed": bool(row.next_missed and row.next_missed <= now),
        "time_critical": [c.value for c in row.critical],
        "last_outcome": last.outcome.value if last else None,
        "last_called_at": last.called_at.isoformat() if last else None,
        "last_called_by": last.called_by if last else None,
        "no_answers_in_a_row": row.no_answers,
        "next_action": row.next.what if row.next else None,
        "next_action_due": row.next.due.isoformat() if row.next else None,
        "escalation": bool(row.next and row.next.escalation),
        "escalation_due_words": due_words(row.next, now),
        "on_list": row.on_list, "off_list_because": row.off_list_because or None,
    }


def cover_words(stored: StoredCover, now: datetime) -> str:
    cover = stored.cover
    until = f" until {format_local(cover.ends_at, now=now)}" if cover.ends_at else ""
    visits = ", ".join(f"{m // 60:02d}:{m % 60:02d}" for m in sorted(cover.minutes)) or "every visit"
    people = f"{len(cover.people)} named" if cover.people else "everyone"
    return f"{cover.covered_by}: {visits} for {people}, from {format_local(cover.starts_at, now=now)}{until}"


def covered_by_at(view: CallRound, person_id: int, moment: datetime) -> str | None:
    found = who_covers([c.cover for c in view.covers], person_id, moment)
    return found.covered_by if found else None
