"""The shift handover pack (exercises.md §5): where the incident stands, for whoever takes over.

Everything in it is computed from the store at the clock's "as at" time; the officer's note is the only
free text. Page 1 is the summary: counts, and names only of the people at risk now; the tables are in the
annexes. It is written as Markdown, PDF and DOCX by the letters' renderers, marked EXERCISE on an exercise
store as letters are, with the log anchor ("log N:HASH") in the footer of every page.

Generating a pack records it (db/0016: as-at time, path, SHA-256 of each file), logs it, and completes the
playbook's `handover-to-day-team` step with the document (or adds a note to it, once done): "since last
handover" then starts from this pack.

Where the welfare call-round (`services/callround.py`) or placements (`services/placements.py`) exist,
their public functions are asked; without them the sections are worked out from statuses, playbook items
and notes, and say so.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from contingency.engine.runs import Answer, ItemState
from contingency.letters.render import Block, Letter, parse, plain, render_text
from contingency.person import (
    BASIS_DESCRIPTIONS,
    RAG,
    Basis,
    Flag,
    Person,
    PersonStatus,
)
from contingency.rules import notifications as note_rules
from contingency.rules.notifications import EXERCISE_MARK
from contingency.rules.times import LONDON, format_elapsed, format_local
from contingency.services import playbooks as playbook_service
from contingency.services.errors import BadInput
from contingency.services.incidents import require_settings
from contingency.services.notifications import EXERCISE_FILE_PREFIX, log_anchor
from contingency.services.output import output_folder
from contingency.services.progress import CancelCheck, Cancelled, Progress
from contingency.store import Store
from contingency.store.files import new_private_file
from contingency.store.handover import PACK_ENTITY, HandoverPack, HandoverRepo

TEMPLATE = "handover-pack.md.j2"
STEP_ID = "handover-to-day-team"
DUE_HOURS = 4
FORMATS = ("md", "pdf", "docx")
NOTE_LIMIT = 20_000

# Steps whose open per-person items mean the person's move or placement is not yet settled.
_PLACEMENT_STEPS = ("prepare-move", "confirm-arrival")  # a move decided, not yet completed
_SAFE_STEP = "red-safe-tonight"
_RATIFY_WORDS = re.compile(r"ratif|manager'?s? approv|needs? (?:a manager|approval)|sign[- ]?off", re.IGNORECASE)
_S42_WORDS = re.compile(r"s\.?\s?42|safeguarding", re.IGNORECASE)


def default_folder(incident_id: int) -> str:
    return f"~/contingency-handover/INC{incident_id}"


# --- what the pack says ----------------------------------------------------------------------------------


def _when(moment: datetime | None, now: datetime) -> str:
    return format_local(moment, now=now) if moment else "-"


def _local(moment: datetime) -> str:
    return format_local(moment)


def _name(person: Person) -> str:
    return person.facts.display_name


def _identity_unknown(person: Person) -> bool:
    facts = person.facts
    named = bool(facts.first_name.strip() or facts.last_name.strip())
    return not named or (facts.date_of_birth is None and not facts.nhs_number)


@dataclass
class Gathered:
    """What the template is given, plus the figures the tests and the CLI read."""

    context: dict[str, Any]
    since: datetime
    previous: HandoverPack | None
    log_seq: int
    anchor: str
    counts: dict[str, Any] = field(default_factory=dict)


def gather(store: Store, incident_id: int, *, note: str = "", now: datetime | None = None) -> Gathered:
    """Everything the pack says, read from the store as at `now` (the store's clock by default)."""
    from contingency.services.costs import ledger
    from contingency.services.notifications import roster

    now = now or store.clock()
    settings = require_settings(store)
    ours = store.authorities.get(settings.authority_code)
    incident = store.incidents.get(incident_id)
    repo = HandoverRepo(store)
    previous = repo.latest(incident_id)
    since = previous.as_at if previous else incident.facts.aware_at
    people = store.people.all(incident_id, provenance=False)
    by_id = {p.id: p for p in people}
    view = playbook_service.incident_playbook(store, incident_id, now=now)
    plan = view.plan
    anchor = log_anchor(store)
    log_seq = repo.log_count()

    # --- safety: who is confirmed safe, from the playbook's items and the call-round where there is one --
    confirmed: set[int] = set()
    if plan is not None and (safe := plan.step_plan(_SAFE_STEP)) is not None:
        for item in safe.items:
            if item.state is ItemState.DONE and item.recorded and item.recorded.evidence.get("answer") == "yes":
                confirmed.add(item.person_id)
    round_view = _call_round(store, incident_id, now)
    on_round = {row.person_id for row in round_view.rows}
    next_visit = {row.person_id: row.next_missed for row in round_view.rows if row.next_missed}
    uncovered = [(row.name, moment) for row, moment in round_view.uncovered]
    uncovered_ids = {row.person_id for row, _ in round_view.uncovered}
    # Uncovered visits can only be counted for people whose visit times are known (home care); elsewhere
    # "0 visits with no cover" would read as reassurance the store cannot give.
    visits_known = any(row.visits and row.visits.minutes for row in round_view.rows)
    safety = {}
    for person in people:
        status = person.facts.status
        if status is PersonStatus.DECEASED:
            safety[person.id] = "deceased"
        elif person.id in confirmed:
            safety[person.id] = "confirmed"
        else:
            safety[person.id] = "unconfirmed" if person.id in on_round else "confirmed"

    # --- people at risk now -----------------------------------------------------------------------------
    person_due: dict[int, datetime] = {}
    placement_pending: set[int] = set()
    if plan is not None:
        for item in plan.open_items:
            if item.person_id is None or item.due_at is None:
                continue
            person_due[item.person_id] = min(item.due_at, person_due.get(item.person_id, item.due_at))
            if item.step.id in _PLACEMENT_STEPS:
                placement_pending.add(item.person_id)
    moves = _planned_moves(store, incident_id, now)
    for person_id, (_open, _overdue, first_due) in moves.items():
        placement_pending.add(person_id)
        if first_due is not None:
            person_due[person_id] = min(first_due, person_due.get(person_id, first_due))
    at_risk = []
    for person in people:
        why = []
        rag = person.facts.rag
        if safety[person.id] == "unconfirmed" and (rag in (RAG.RED, None)):
            why.append("safety unconfirmed" + ("" if rag else " (not yet rated)"))
        if person.id in uncovered_ids:
            why.append("time-critical visit uncovered in the next 12 hours")
        if person.id in placement_pending:
            why.append("placement pending")
        if _identity_unknown(person):
            why.append("identity unknown")
        if why:
            at_risk.append((person, why))
    rank = {RAG.RED: 0, RAG.AMBER: 2, RAG.GREEN: 3, None: 1}
    far = now + timedelta(days=3650)
    at_risk.sort(key=lambda pair: (rank[pair[0].facts.rag], next_visit.get(pair[0].id, far),
                                   person_due.get(pair[0].id, far), _name(pair[0]).lower()))
    at_risk_rows = [{"id": p.id, "name": _name(p), "rag": p.facts.rag.value if p.facts.rag else "not rated",
                     "where": p.facts.status.label, "why": "; ".join(why),
                     "next": _when(next_visit.get(p.id) or person_due.get(p.id), now)} for p, why in at_risk]

    # --- since last handover -----------------------------------------------------------------------------
    events = repo.log_for_incident(incident_id, since=since)
    since_rows, since_counts = _since(events, now)

    # --- due in the next four hours ----------------------------------------------------------------------
    due_rows, blocked_rows = [], []
    if plan is not None:
        for item in plan.due_within(DUE_HOURS):
            late = item.late_by(now)
            due_rows.append({"step": item.step.title, "person": item.person.name if item.person else "",
                             "due": _when(item.due_at, now),
                             "state": f"OVERDUE {format_elapsed(late)}" if late else item.state.value,
                             "overdue": late is not None})
        for item in plan.items:
            if item.state is ItemState.BLOCKED:
                blocked_rows.append({"step": item.step.title, "person": item.person.name if item.person else "",
                                     "reason": item.recorded.reason if item.recorded else ""})

    # --- decisions to ratify -----------------------------------------------------------------------------
    lines = store.costs.lines(incident_id)
    spend = defaultdict(int)
    for line in lines:
        spend[line.decision_id] += line.total_pence
    ratify_rows = []
    decisions = store.decisions.for_incident(incident_id)
    for entry in decisions:
        reasons = []
        if spend.get(entry.id):
            reasons.append(f"authorised spend of {_money(spend[entry.id])}")
        if _RATIFY_WORDS.search(f"{entry.decision} {entry.rationale}"):
            reasons.append("says it needs ratifying or a manager's approval")
        if reasons:
            ratify_rows.append({"id": entry.id, "decided": _when(entry.decided_at, now), "by": entry.author,
                                "decision": entry.decision, "why": "; ".join(reasons),
                                "new": entry.logged_at > since})

    # --- notifications --------------------------------------------------------------------------------------
    current = roster(store, incident_id)
    latest = {n.recipient_ref: n for n in store.notifications.latest(incident_id)}
    body_rows, never = [], 0
    for body in current.plans.bodies:
        letter = latest.get(body.recipient_ref)
        written = letter is not None and letter.issued_at is not None
        never += not written
        late = note_rules.overdue(letter, now) if letter else None
        chase = ""
        if late is not None:
            chase = f"chase now (OVERDUE {format_elapsed(late)})"
        elif letter is not None and letter.reply_by is not None and letter.status.value in ("sent", "chased"):
            chase = f"chase after {_when(letter.reply_by, now)}"
        body_rows.append({"body": body.recipient_name, "people": len(body.people),
                          "status": (("OUT OF DATE · " if letter.out_of_date else "") + letter.status.value.upper())
                          if written else "NEVER WRITTEN TO",
                          "reply_by": note_rules.reply_by_words(letter, now) if written else "-",
                          "chase": chase, "never": not written})
    person_letters = len(current.plans.persons)
    person_written = sum(1 for p in current.plans.persons
                         if (n := latest.get(p.recipient_ref)) is not None and n.issued_at is not None)

    # --- money --------------------------------------------------------------------------------------------
    money_rows = _money_rows(store, ledger(store, incident_id), since, now)
    today = now.astimezone(LONDON).date()
    ongoing = [line for line in lines if line.corrects is None and line.period_end >= today
               and not any(other.corrects == line.id for other in lines)]
    claims = store.claims.for_incident(incident_id)
    drafts = [c for c in claims if c.status.value == "draft"]
    unpaid = [c for c in claims if c.status.value in ("submitted", "acknowledged", "disputed", "part-paid")]
    money = {
        "rows": money_rows,
        "to_date": sum(r["to_date_pence"] for r in money_rows),
        "last_shift": sum(r["last_shift_pence"] for r in money_rows),
        "ongoing_lines": len(ongoing), "ongoing_pence": sum(line.total_pence for line in ongoing),
        "drafts": len(drafts), "drafts_pence": sum(c.total_pence for c in drafts),
        "unpaid": len(unpaid), "unpaid_pence": sum(_balance(c) for c in unpaid),
    }

    # --- legal and safeguarding ---------------------------------------------------------------------------
    def open_step(step_id: str) -> list:
        step = plan.step_plan(step_id) if plan is not None else None
        return step.open_items if step is not None else []

    def flagged(flag: Flag) -> list[Person]:
        return [p for p in people if flag in p.determination.flags]

    legal_rows = []
    for item in open_step("instruct-imca"):
        legal_rows.append({"what": "IMCA to instruct before any move", "person": item.person.name if item.person
                           else "", "when": _when(item.due_at, now)})
    for person in flagged(Flag.IMCA_NEEDED):
        if not any(r["person"] == _name(person) and r["what"].startswith("IMCA") for r in legal_rows):
            legal_rows.append({"what": "IMCA needed (flag)", "person": _name(person), "when": "-"})
    for person in people:
        if person.facts.status is PersonStatus.MOVED and person.facts.capacity_concern:
            legal_rows.append({"what": "DoLS: the new home must apply for its own authorisation",
                               "person": _name(person), "when": "-"})
    disputes = store.disputes.for_incident(incident_id, open_only=True)
    for dispute in disputes:
        subject = by_id.get(dispute.person_id)
        legal_rows.append({"what": f"Ordinary-residence dispute with {dispute.authority_name}: refer to the "
                                   f"Secretary of State by {dispute.refer_by:%d/%m/%Y} if unresolved",
                           "person": _name(subject) if subject else f"person {dispute.person_id}",
                           "when": f"{dispute.refer_by:%d/%m/%Y}"})
    for person in flagged(Flag.FNC_ICB_CONSENT):
        legal_rows.append({"what": "CHC/FNC: nursing arranged urgently needs the ICB's consent",
                           "person": _name(person), "when": "-"})
    for person in people:
        if person.determination.basis is Basis.NHS_ICB and safety[person.id] == "unconfirmed":
            legal_rows.append({"what": "CHC: the ICB must confirm it is arranging care", "person": _name(person),
                               "when": "-"})
    for flag, words in ((Flag.S21_IMMIGRATION, "s.21 warning: immigration question"),
                        (Flag.S23_HOUSING, "s.23 warning: housing question")):
        for person in flagged(flag):
            legal_rows.append({"what": words, "person": _name(person), "when": "-"})
    s42 = [p for p in people if _S42_WORDS.search(p.facts.notes or "")]
    for person in s42:
        legal_rows.append({"what": "s.42 concern noted on the record", "person": _name(person), "when": "-"})
    safeguarding_step = ""
    if plan is not None and (step := plan.step_plan("raise-safeguarding")) is not None:
        safeguarding_step = "; ".join(f"{i.step.title}: {i.state.value}" for i in step.items)

    # --- capacity -------------------------------------------------------------------------------------
    capacity = _capacity(store, incident_id, lines, plan, now, len(moves))

    # --- integrity ------------------------------------------------------------------------------------
    verification = store.verify_log()
    integrity_rows = []
    for entry in decisions:
        if entry.late_reason:
            integrity_rows.append({"what": "late entry", "detail": f"decision {entry.id}: {entry.late_reason}",
                                   "when": _when(entry.logged_at, now)})
        if entry.corrects:
            integrity_rows.append({"what": "correction", "detail": f"decision {entry.id} corrects decision "
                                                                   f"{entry.corrects}",
                                   "when": _when(entry.logged_at, now)})
    for line in lines:
        if line.corrects is not None:
            integrity_rows.append({"what": "correction", "detail": f"cost line {line.id} reverses line {line.corrects}"
                                   + (f": {line.description}" if line.description else ""),
                                   "when": _when(line.created_at, now)})

    # --- the header ---------------------------------------------------------------------------------------
    by_basis = Counter(p.determination.basis for p in people)
    by_status = Counter(p.facts.status for p in people)
    by_safety = Counter(safety.values())
    by_rag = Counter(p.facts.rag.value if p.facts.rag else "not rated" for p in people)
    incident_events = len(repo.log_for_incident(incident_id))
    classification_sentence = incident.reasons[0] if incident.reasons else incident.classification.label

    note_lines = [line.rstrip() for line in note.strip().splitlines()] if note.strip() else []
    context = {
        "exercise": store.is_exercise,
        "exercise_mark": EXERCISE_MARK,
        "as_at": now,
        "officer": store.officer,
        "council": {"name": ours.name, "team": settings.team},
        "incident": {
            "id": incident.id, "provider": incident.facts.provider_name,
            "service": incident.facts.service_kind.label, "classification": incident.classification.label,
            "sentence": classification_sentence, "duty_start": incident.facts.aware_at,
            "elapsed": format_elapsed(now - incident.facts.aware_at), "status": incident.status.value,
            "lead_officer": incident.facts.lead_officer,
        },
        "people": {
            "total": len(people),
            "by_basis": [{"label": BASIS_DESCRIPTIONS[b], "count": n} for b, n in by_basis.most_common()],
            "by_status": [{"label": s.label, "count": n} for s, n in by_status.most_common()],
            "by_rag": [{"label": k, "count": by_rag[k]} for k in ("RED", "AMBER", "GREEN", "not rated") if by_rag[k]],
            "confirmed": by_safety["confirmed"], "unconfirmed": by_safety["unconfirmed"],
            "deceased": by_safety["deceased"],
        },
        "log": {"entries": log_seq, "incident_entries": incident_events, "anchor": anchor,
                "verified": verification.ok, "problem": verification.problem},
        "since": {"from": since, "previous": previous.as_at if previous else None, "counts": since_counts,
                  "rows": since_rows},
        "at_risk": at_risk_rows,
        "at_risk_counts": {
            "safety": sum(1 for _, why in at_risk if any(w.startswith("safety") for w in why)),
            "placement": sum(1 for _, why in at_risk if "placement pending" in why),
            "identity": sum(1 for _, why in at_risk if "identity unknown" in why),
            "unconfirmed_others": sum(1 for p in people if safety[p.id] == "unconfirmed"
                                      and p.id not in {q.id for q, _ in at_risk}),
        },
        "callround": visits_known,
        "uncovered": [{"name": name, "at": _when(moment, now)} for name, moment in uncovered],
        "due": {"rows": due_rows, "overdue": sum(1 for r in due_rows if r["overdue"]), "blocked": blocked_rows,
                "hours": DUE_HOURS, "playbook": view.playbook.title if view.playbook else "",
                "message": "" if plan is not None else view.message},
        "ratify": ratify_rows,
        "notifications": {"bodies": body_rows, "never": never,
                          "never_names": [r["body"] for r in body_rows if r["never"]], "person_letters": person_letters,
                          "person_written": person_written, "held": len(current.plans.held)},
        "money": money,
        "legal": {"rows": legal_rows, "disputes": len(disputes), "safeguarding_step": safeguarding_step},
        "capacity": capacity,
        "integrity": {"rows": integrity_rows, "verified": verification.ok, "problem": verification.problem,
                      "entries": verification.entries},
        "note_lines": note_lines,
    }
    counts = {
        "people": len(people), "by_basis": {b.value: n for b, n in by_basis.items()},
        "confirmed": by_safety["confirmed"], "unconfirmed": by_safety["unconfirmed"],
        "at_risk": [r["id"] for r in at_risk_rows], "since": since_counts, "due": len(due_rows),
        "overdue": context["due"]["overdue"], "ratify": len(ratify_rows), "bodies": len(body_rows),
        "never_written": never, "money_to_date_pence": money["to_date"], "log_entries": log_seq,
        "log_verified": verification.ok,
    }
    return Gathered(context=context, since=since, previous=previous, log_seq=log_seq, anchor=anchor, counts=counts)


def _money(pence: int) -> str:
    from contingency.letters.render import money

    return money(int(pence))


def _balance(claim) -> int:
    value = getattr(claim, "balance_pence", None)
    return int(value) if isinstance(value, int) else claim.total_pence


def _money_rows(store: Store, book, since: datetime, now: datetime) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in book.rows:
        share = row.allocation
        key = (share.route.value, share.recover_from or "")
        totals[key][0] += share.amount_pence
        if row.line.created_at > since:
            totals[key][1] += share.amount_pence
    rows = []
    for (route, body), (to_date, last) in sorted(totals.items()):
        rows.append({"route": route, "body": _body_name(store, body) if body else "-", "to_date_pence": to_date,
                     "last_shift_pence": last})
    return rows


def _body_name(store: Store, ref: str) -> str:
    kind, _, code = ref.partition(":")
    try:
        if kind == "la":
            found = store.authorities.get(code)
            return found.name if found else ref
        if kind == "icb":
            return store.icbs.resolve(code).name
    except LookupError:  # a code no longer in the reference data is shown as it is
        return ref
    return ref


def _capacity(store: Store, incident_id: int, lines, plan, now: datetime, moves: int) -> dict[str, Any]:
    """Beds and staff offered, accepted, pending: from the vacancy register (services/placements.py) and
    what the ledger shows was bought; and the playbook's capacity step."""
    from contingency.services import placements

    offers = placements.offers(store, incident_id, now=now)
    current = [o for o in offers if not o.expired]
    rows = [
        {"what": "offers standing", "count": len(current)},
        {"what": "places offered (beds, or home-care hours a week)", "count": sum(o.vacancy.places for o in current)},
        {"what": "places still free", "count": sum(max(o.left, 0) for o in current)},
        {"what": "moves decided, not yet completed (accepted)", "count": moves},
        {"what": "offers expired", "count": len(offers) - len(current)},
    ]
    staff = [line for line in lines if line.category.value in ("agency-staff", "home-care-hours")
             and line.corrects is None]
    beds = [line for line in lines if line.category.value == "care-home-placement" and line.corrects is None]
    step = plan.step_plan("find-capacity") if plan is not None else None
    return {
        "register": offers is not None, "rows": rows,
        "staff_lines": len(staff), "staff_pence": sum(line.total_pence for line in staff),
        "bed_lines": len(beds), "bed_pence": sum(line.total_pence for line in beds),
        "suppliers": sorted({line.supplier for line in staff + beds}),
        "step": "; ".join(f"{i.step.title}: {i.state.value}" for i in step.items) if step else "",
    }


def _call_round(store: Store, incident_id: int, now: datetime):
    """The welfare call-round (services/callround.py): who is confirmed safe, next visits, uncovered visits."""
    from contingency.services import callround

    return callround.call_round(store, incident_id, now=now)


def _planned_moves(store: Store, incident_id: int, now: datetime) -> dict[int, tuple[int, int, datetime | None]]:
    """Each person with a move decided and not completed: (open checklist items, overdue, first due)."""
    from contingency.services import placements

    found = {}
    for move in placements.repo(store).moves(incident_id):
        view = placements.checklist(store, move.person_id, now=now)
        dues = [r.due_at for r in view.rows if r.due_at is not None and r.item.state.is_open]
        found[move.person_id] = (view.open_count, view.overdue_count, min(dues, default=None))
    return found


def _since(events: list[dict[str, Any]], now: datetime) -> tuple[list[dict[str, str]], dict[str, int]]:
    """The log since the last handover, as what happened: people added, merged, moved; steps done; letters."""
    counts = Counter()
    rows = []
    for event in events:
        entity, action = event["entity"], event["action"]
        before, after = event["before"] or {}, event["after"] or {}
        what = ""
        if entity == "person" and action == "create":
            counts["people_added"] += 1
            what = f"person added: {_row_name(after)}"
        elif entity == "person" and action == "bulk-create":  # one entry for a whole imported list
            added = int(after.get("count") or 0)
            counts["people_added"] += added
            what = f"{added} people imported from {after.get('file') or 'a list'} (records {event['entity_id']})"
        elif entity == "person" and action == "merged-away":
            counts["people_merged"] += 1
            what = f"person merged: {_row_name(after)} into record {after.get('merged_into')}"
        elif entity == "person" and before.get("status") != after.get("status") and after.get("status"):
            if after.get("status") == PersonStatus.MOVED.value:
                counts["people_moved"] += 1
                what = f"person moved: {_row_name(after)}"
            else:
                counts["status_changes"] += 1
                what = f"{_row_name(after)}: {before.get('status')} → {after.get('status')}"
        elif entity == "step-item" and after.get("state") == "done" and before.get("state") != "done":
            counts["steps_done"] += 1
            what = f"step done: {after.get('step_id')}" + (f" (person {after['person_id']})"
                                                          if after.get("person_id") else "")
        elif entity == "notification" and action == "sent":
            counts["letters_sent"] += 1
            what = f"letter sent: {after.get('reference')} to {after.get('recipient_name')}"
        elif entity == "notification" and action == "generate":
            counts["letters_generated"] += 1
            what = f"letter generated: {after.get('reference')}"
        elif entity == "decision" and action == "create":
            counts["decisions"] += 1
            what = f"decision {after.get('id')} recorded"
        elif entity == "cost-line" and action == "create":
            counts["cost_lines"] += 1
            what = f"cost line {after.get('id')}: {after.get('supplier')}"
        elif entity == PACK_ENTITY:
            what = "handover pack generated"
        if what:
            rows.append({"at": _when(_parse_at(event["at"]), now), "by": event["officer"], "what": what,
                         "seq": str(event["seq"])})
    return rows, {key: counts[key] for key in ("people_added", "people_merged", "people_moved", "status_changes",
                                                  "steps_done", "letters_generated", "letters_sent", "decisions",
                                                  "cost_lines")}


def _row_name(row: dict[str, Any]) -> str:
    name = " ".join(p for p in (row.get("first_name") or "", row.get("last_name") or "") if p)
    return name or (f"ref {row.get('provider_ref')}" if row.get("provider_ref") else f"record {row.get('id')}")


def _parse_at(text: str) -> datetime:
    from contingency.rules.times import from_utc_iso

    return from_utc_iso(text)


# --- rendering -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    letter: Letter
    markdown: str


def render(store: Store, gathered: Gathered, *, stem: str) -> Rendered:
    """The pack as Markdown and as blocks for the PDF and DOCX writers; the annexes start a new page."""
    settings = require_settings(store)
    ours = store.authorities.get(settings.authority_code)
    page_break = f"PAGEBREAK{secrets.token_hex(8)}"
    text = render_text(TEMPLATE, {**gathered.context, "page_break": page_break})
    parts = re.split(rf"^\s*{page_break}\s*$", text, flags=re.MULTILINE)
    blocks: list[Block] = []
    for number, part in enumerate(parts):
        if number:
            blocks.append(Block("page-break"))
        blocks += parse(part)
    mark = f"{EXERCISE_MARK} · " if store.is_exercise else ""
    incident = gathered.context["incident"]
    title = next((plain(b.lines[0]) for b in blocks if b.kind == "title"), stem)
    letter = Letter(stem=stem, title=title, blocks=tuple(blocks),
                    header=f"{mark}{ours.name} · {settings.team} · handover pack, incident {incident['id']}",
                    footer=f"{mark}as at {_local(gathered.context['as_at'])} · {gathered.anchor}",
                    issued_at=gathered.context["as_at"], author=settings.team)
    footer = f"\n---\n\n{mark}as at {_local(gathered.context['as_at'])} · {gathered.anchor}\n"
    markdown = re.sub(rf"^\s*{page_break}\s*$", "\n---\n", text, flags=re.MULTILINE).rstrip() + "\n" + footer
    return Rendered(letter=letter, markdown=markdown)


# --- generating ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackResult:
    pack: HandoverPack
    paths: tuple[Path, ...]
    step: str  # what happened to the playbook step, in words
    counts: dict[str, Any]


def generate(store: Store, incident_id: int, out_dir: Path | str, *, note: str = "",
             formats: Iterable[str] = FORMATS, progress: Progress | None = None,
             cancelled: CancelCheck | None = None) -> PackResult:
    """Write the pack into `out_dir` (0600 files, new folders 0700), record it, log it, and complete the
    playbook's handover step with the document. Nothing takes its real name before it is recorded."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise BadInput(f"format: choose from {', '.join(FORMATS)} (not {', '.join(unknown) or 'nothing'})")
    if "md" not in formats:
        formats = ("md", *formats)  # the Markdown is the record: its SHA-256 goes in the store
    if len(note) > NOTE_LIMIT:
        raise BadInput(f"the note is {len(note):,} characters; keep it under {NOTE_LIMIT:,}")
    from contingency.rules.safe_text import printable

    note = printable(note)
    store.incidents.get(incident_id)
    out_dir = output_folder(out_dir, "the handover pack")
    total = 2 + len(formats)
    _tick(progress, cancelled, 0, total)
    gathered = gather(store, incident_id, note=note)
    as_at = gathered.context["as_at"]
    prefix = EXERCISE_FILE_PREFIX if store.is_exercise else ""
    stem = f"{prefix}INC{incident_id}-handover-{as_at.astimezone(LONDON):%Y%m%d-%H%M}"
    rendered = render(store, gathered, stem=stem)
    _tick(progress, cancelled, 1, total)
    staged: list[tuple[str, Path, Path, str]] = []
    try:
        for number, fmt in enumerate(formats, start=2):
            staging = new_private_file(out_dir / f".{stem}.{fmt}.part")
            _write(fmt, rendered, staging)
            data = staging.read_bytes()
            staged.append((fmt, staging, _target(out_dir, stem, fmt), hashlib.sha256(data).hexdigest()))
            _tick(progress, cancelled, number, total)
        files = [{"format": fmt, "name": target.name, "sha256": digest} for fmt, _s, target, digest in staged]
        markdown = next((target, digest) for fmt, _s, target, digest in staged if fmt == "md")
        with store.write(f"handover pack for incident {incident_id} generated") as tx:
            pack = HandoverRepo(store).add(
                tx, incident_id=incident_id, as_at=as_at, since=gathered.since, log_seq=gathered.log_seq,
                log_head=gathered.anchor.removeprefix("log "), note=note, path=str(markdown[0]), sha256=markdown[1],
                files=files)
            step = _complete_step(store, incident_id, files, out_dir)
    except BaseException:
        for _fmt, staging, _path, _digest in staged:
            staging.unlink(missing_ok=True)
        raise
    paths = []
    for _fmt, staging, target, _digest in staged:
        os.replace(staging, target)
        paths.append(target)
    if progress is not None:
        progress(total, total)
    return PackResult(pack=pack, paths=tuple(paths), step=step, counts=gathered.counts)


def _tick(progress: Progress | None, cancelled: CancelCheck | None, done: int, total: int) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("stopped before the pack was recorded; nothing was kept", 0)
    if progress is not None:
        progress(done, total)


def _write(fmt: str, rendered: Rendered, path: Path) -> None:
    if fmt == "md":
        path.write_text(rendered.markdown, encoding="utf-8")
    elif fmt == "pdf":
        from contingency.letters.pdf import write_pdf

        write_pdf(rendered.letter, path)
    else:
        from contingency.letters.docx import write_docx

        write_docx(rendered.letter, path)


def _target(out_dir: Path, stem: str, fmt: str) -> Path:
    """A pack is never overwritten: a second one in the same minute is numbered."""
    number = 1
    while True:
        target = out_dir / (f"{stem}.{fmt}" if number == 1 else f"{stem}-{number}.{fmt}")
        if not target.exists() and not target.is_symlink():
            return target
        number += 1


def _complete_step(store: Store, incident_id: int, files: list[dict[str, str]], out_dir: Path) -> str:
    """Inside the pack's write: the handover step done with the document, or a note on it once done."""
    document = "; ".join(f"{f['name']} (SHA-256 {f['sha256']})" for f in files) + f" in {out_dir}"
    view = playbook_service.incident_playbook(store, incident_id)
    if view.plan is None:
        return f"no playbook step to complete: {view.message}"
    item = view.plan.item(STEP_ID, None)
    if item is None:
        return f"the playbook {view.playbook.id if view.playbook else ''} has no step {STEP_ID} for this incident"
    if item.state is ItemState.DONE:
        playbook_service.add_note(store, incident_id, STEP_ID, f"later handover pack: {document}")
        return f"step {STEP_ID} was already done; this pack is added to it as a note"
    playbook_service.complete(store, incident_id, STEP_ID, Answer(document=document))
    return f"step {STEP_ID} done with the pack recorded"


def history(store: Store, incident_id: int) -> list[HandoverPack]:
    store.incidents.get(incident_id)
    return HandoverRepo(store).for_incident(incident_id)
