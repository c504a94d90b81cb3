"""The after-action report of a tabletop exercise (design/exercises.md §4), as Markdown and PDF.

Read-only: everything comes from the exercise store (the scores of services/exercises, the event log, the
playbook plan, the call-round, letters and decisions); nothing is written to the store, so the log's chain
head printed in the annex is the head `contingency log verify` shows afterwards. The files are laid out by
the letters' renderers as the handover pack is (render_text -> blocks -> write_pdf), marked EXERCISE in the
page header and footer of every page and in their names: EXERCISE-<scenario>-after-action-report.md/.pdf.

Times are exercise times as T+H:MM from STARTEX, net of pauses (a paused clock stamps nothing later), so a
pause of any length changes no figure; the cover also gives the wall time, the pauses and the jumps, read
from the `exercise-clock` entries of the event log.

Evidence (section 3): for each expectation that held, the event-log entries of the kind its predicate reads
(an `incident` entry for `classification`, a `decision` entry for `decision`, a `step-item` entry for `step`,
...) stamped at the moment it first held, to the second, or else within a minute of it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from contingency.letters.render import Block, Letter, parse, plain, render_text
from contingency.person import RAG, Basis
from contingency.rules import exercise_clock as ec
from contingency.rules import exercise_scoring as scoring
from contingency.rules.exercise_clock import ClockRun, ExerciseClockState, format_t
from contingency.rules.notifications import EXERCISE_MARK
from contingency.rules.times import format_elapsed, to_utc_iso
from contingency.services import exercise_debrief as debrief
from contingency.services import exercises
from contingency.services.output import output_folder
from contingency.services.progress import CancelCheck, Progress, tick
from contingency.store import Store
from contingency.store.files import new_private_file

TEMPLATE = "exercise-report.md.j2"
FORMATS = ("md", "pdf")
TOP = 3
EVIDENCE_SLACK = timedelta(minutes=1)
EVIDENCE_SHOWN = 5

# The log entries that can show a predicate key held (store entity names).
KEY_ENTITIES: dict[str, tuple[str, ...]] = {
    "classification": ("incident",),
    "decision": ("decision",),
    "letter": ("notification", "notification-document"),
    "cost_route": ("cost-allocation",),
    "imported": ("import", "person"),
    "handover": ("handover-pack",),
    "manual": ("exercise-mark",),
    "basis": ("person",),
    "step": ("step-item",),
    "person_item": ("step-item",),
}
STATE_WORDS = {"done": "done", "late": "LATE", "missed": "MISSED", "excused": "excused", "breach": "BREACH",
               "pending": "pending"}
RATING_WORDS = {"met": "Met", "partially": "Partially met", "not-met": "Not met", None: "not judged"}


def file_stem(scenario_id: str) -> str:
    return f"EXERCISE-{scenario_id}-after-action-report"


# --- small words ----------------------------------------------------------------------------------------


def _t(offset: timedelta | None) -> str:
    return format_t(offset) if offset is not None else "-"


def _span(delta: timedelta | None) -> str:
    """A duration in exercise time as H:MM (never negative here)."""
    if delta is None:
        return "-"
    minutes = int(abs(delta).total_seconds() // 60)
    return f"{'-' if delta < timedelta(0) else ''}{minutes // 60}:{minutes % 60:02d}"


def _gap(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    if delta > timedelta(0):
        return f"{_span(delta)} late"
    if delta < timedelta(0):
        return f"{_span(-delta)} early"
    return "on the minute"


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- what the report says -----------------------------------------------------------------------------


@dataclass
class Gathered:
    """The template's context; `figures` is what the scores and the store say (a pause changes none of
    it), `result` the scores the CLI prints with --json."""

    context: dict[str, Any]
    figures: dict[str, Any]
    result: exercises.Scores
    anchor: str


def gather(store: Store) -> Gathered:
    from contingency.services.notifications import log_anchor
    from contingency.store.handover import HandoverRepo
    from contingency.store.logrepo import LogRepo

    result = exercises.scores(store)  # delivers anything due first, so it comes before every read
    play = result.play
    run, scenario = play.run, play.scenario
    startex = play.clock.startex
    deliveries = {d.inject_id: d for d in store.exercises.deliveries()}
    marks = store.exercises.marks()
    notes = store.exercises.debrief()
    plan_rows = store.exercises.improvements()
    incidents = store.incidents.list()
    handover_repo, log_repo = HandoverRepo(store), LogRepo(store)
    entries = sorted((e for incident in incidents for e in handover_repo.log_for_incident(incident.id)),
                     key=lambda e: e["seq"])
    mark_entries = [{"seq": e.seq, "at": to_utc_iso(e.at), "officer": e.officer, "entity": e.entity,
                     "action": e.action} for m in marks for e in log_repo.for_entity("exercise-mark", m.id)]
    clock_entries = log_repo.for_entity("exercise-clock", 1)

    def offset(moment: datetime | None) -> timedelta | None:
        return None if moment is None else moment - startex

    # --- cover ------------------------------------------------------------------------------------------
    facilitator = run.started_by
    players = sorted({e["officer"] for e in entries if e["officer"] and e["officer"] != facilitator})
    writers = {n.by for n in notes} | {m.by for m in marks} | {i.by for i in plan_rows}
    observers = sorted(w for w in writers if w and w != facilitator and w not in players)
    pauses, jumps, ended_wall, how_ended = _clock_story(clock_entries, startex)
    wall_now = _wall(store)
    wall_end = ended_wall or wall_now
    cover = {
        "id": scenario.id, "title": scenario.scenario.title, "version": run.version,
        "seed": run.seed if run.seed is not None else "none (no generated roster)",
        "author": scenario.scenario.author, "file_name": run.file_name,
        "played_on": run.started_wall, "story_start": startex,
        "facilitator": facilitator, "players": players, "observers": observers,
        "wall_time": format_elapsed(max(wall_end - run.started_wall, timedelta(0))),
        "exercise_time": _t(play.offset), "endex": _t(scenario.endex), "time_scale": str(play.clock.scale),
        "state": play.clock.run.value, "how_ended": how_ended, "codeword": run.codeword,
        "pauses": pauses, "jumps": jumps,
        "pause_total": format_elapsed(sum((p["wall_length"] for p in pauses), timedelta(0))),
    }

    # --- expectations ---------------------------------------------------------------------------------
    delivered_at = {i: d.delivered_at - startex for i, d in deliveries.items() if d.delivered_at}
    mark_notes = {m.expectation_id: m.note for m in marks}
    outcome_rows = []
    evidence: dict[str, list[int]] = {}
    for outcome in result.outcomes:
        exp, inject = outcome.window.expectation, outcome.window.inject
        since = delivered_at.get(inject.id, timedelta(0)) if inject else timedelta(0)
        response = outcome.met_at - since if outcome.met_at is not None else None
        found = _evidence(exp, outcome.met_at, startex, entries + mark_entries)
        evidence[outcome.id] = found
        outcome_rows.append({
            "id": outcome.id, "text": exp.text, "inject": inject.id if inject else "scenario-wide",
            "objectives": ", ".join(exp.objectives) or "-", "weight": exp.weight, "must_not": exp.must_not,
            "state": outcome.state.value, "state_words": STATE_WORDS[outcome.state.value],
            "met_at": _t(outcome.met_at), "target": _t(outcome.window.target), "from": _t(since),
            "response": _span(response), "lateness": _span(outcome.lateness) if outcome.lateness else "-",
            "note": mark_notes.get(outcome.id, ""),
            "evidence": ", ".join(map(str, found)) if found else "-",
        })
    left_out = [{"id": e.id, "inject": i.id, "why": _left_out_why(deliveries.get(i.id))}
                for i, e in scenario.all_expectations() if i is not None and i.id not in delivered_at]

    # --- objectives -----------------------------------------------------------------------------------
    objective_rows = []
    for score in result.objectives:
        objective_rows.append({
            "id": score.id, "text": score.text,
            "rating": score.rating.value if score.rating else None, "rating_words": RATING_WORDS[
                score.rating.value if score.rating else None],
            "earned": f"{float(score.earned):g}", "total": score.total,
            "percent": round(100 * score.earned / score.total) if score.total else None,
            "expectations": [{"id": o.id, "state": STATE_WORDS[o.state.value], "weight": o.window.expectation.weight,
                              "text": o.window.expectation.text,
                              "evidence": ", ".join(map(str, evidence[o.id])) or "-"} for o in score.outcomes],
        })

    # --- timeline --------------------------------------------------------------------------------------
    player_entries = [e for e in entries if e["officer"] in players]
    timeline = []
    for inject in scenario.injects_in_order():
        d = deliveries.get(inject.id)
        actual = offset(d.delivered_at) if d and d.delivered_at else None
        first = None
        if d is not None and d.delivered_at is not None:
            at = to_utc_iso(d.delivered_at)
            first = next((e for e in player_entries if e["at"] >= at), None)
        first_at = offset(_iso(first["at"])) if first else None
        timeline.append({
            "id": inject.id, "planned": _t(inject.at.offset), "actual": _t(actual),
            "how": d.how if d else "not reached", "channel": inject.channel.value, "from": inject.from_,
            "contingency": inject.condition is not None,
            "drift": _gap(actual - inject.at.offset) if actual is not None else "-",
            "first_response": (f"{_t(first_at)} by {first['officer']}: {first['entity']} {first['action']} "
                               f"(log {first['seq']})") if first else "none by a player",
            "response_time": _span(first_at - actual) if first and actual is not None else "-",
        })
    decisions = sorted((d for incident in incidents for d in store.decisions.for_incident(incident.id)),
                       key=lambda d: (d.logged_at, d.id))
    decision_rows = [{"id": d.id, "incident": d.incident_id, "logged": _t(offset(d.logged_at)),
                      "decided": _t(offset(d.decided_at)), "by": d.author, "decision": d.decision,
                      "options": len(d.options), "powers": d.powers or "-"} for d in decisions]

    # --- playbook steps --------------------------------------------------------------------------------
    steps, never, not_applicable, plan_messages = _steps(store, incidents, play.now, startex)

    # --- measures --------------------------------------------------------------------------------------
    measures = _measures(store, result, incidents, decisions, play.now, startex, deliveries)

    # --- summary: strengths and improvements ------------------------------------------------------------
    strengths = [{"text": n.text, "source": "hot debrief"} for n in notes if n.kind == "went-well"][:TOP]
    to_improve = [{"text": n.text, "source": "hot debrief"} for n in notes if n.kind in ("did-not", "change")][:TOP]
    if len(strengths) < TOP:
        # the heaviest expectations done, the widest margin before their target first
        best = sorted((o for o in result.outcomes if o.state is scoring.State.DONE and o.met_at is not None),
                      key=lambda o: (-o.window.expectation.weight, -(o.window.target - o.met_at), o.id))
        strengths += [{"text": f"{o.id} {o.window.expectation.text}: done at {_t(o.met_at)}, target "
                               f"{_t(o.window.target)}", "source": "scores"} for o in best[:TOP - len(strengths)]]
    if len(to_improve) < TOP:
        rank = {scoring.State.BREACH: 0, scoring.State.MISSED: 1, scoring.State.LATE: 2}
        worst = sorted((o for o in result.outcomes if o.state in rank),
                       key=lambda o: (rank[o.state], -o.window.expectation.weight,
                                      -(o.lateness or timedelta(0)), o.id))
        to_improve += [{"text": f"{o.id} {o.window.expectation.text}: {STATE_WORDS[o.state.value]}"
                                + (f" at {_t(o.met_at)}" if o.met_at is not None else "")
                                + f" (target {_t(o.window.target)})", "source": "scores"}
                       for o in worst[:TOP - len(to_improve)]]

    # --- debrief and plan ---------------------------------------------------------------------------------
    debrief_rows = [{"kind": debrief.DEBRIEF_LABELS.get(n.kind, n.kind), "text": n.text, "by": n.by} for n in notes]
    improvement_rows = [{"lesson": i.lesson, "action": i.action, "category": i.category, "owner": i.owner_role,
                         "due": debrief.due_words(i)} for i in plan_rows]

    anchor = log_anchor(store)  # last: nothing above writes, but scores() may have delivered what was due
    verification = store.verify_log()
    figures = {
        "objectives": [{k: r[k] for k in ("id", "rating", "earned", "total")} for r in objective_rows],
        "expectations": [{k: r[k] for k in ("id", "state", "met_at", "target", "response", "lateness")}
                         for r in outcome_rows],
        "timeline": [{k: r[k] for k in ("id", "planned", "actual", "how", "response_time")} for r in timeline],
        "decisions": [{k: r[k] for k in ("id", "logged", "decided", "options")} for r in decision_rows],
        "steps": steps, "never": never, "not_applicable": not_applicable, "measures": measures,
    }
    context = {
        "exercise_mark": EXERCISE_MARK, "as_at": play.now, "as_at_t": _t(play.offset),
        "interim": not result.ended, "cover": cover,
        "summary": {"objectives": objective_rows, "strengths": strengths, "improvements": to_improve},
        "objectives": objective_rows, "timeline": timeline, "decisions": decision_rows,
        "expectations": outcome_rows, "left_out": left_out,
        "steps": steps, "never": never, "not_applicable": not_applicable, "plan_messages": plan_messages,
        "measures": measures, "debrief": debrief_rows, "improvements": improvement_rows,
        "annex": {"file_name": run.file_name, "sha256": run.scenario_sha256,
                  "lines": run.scenario_text.splitlines(), "anchor": anchor,
                  "head": anchor.removeprefix("log "), "verified": verification.ok, "problem": verification.problem,
                  "entries": verification.entries},
    }
    return Gathered(context=context, figures=figures, result=result, anchor=anchor)


def _wall(store: Store) -> datetime:
    from contingency.clock import ExerciseClock

    clock = store.clock
    return clock.wall() if isinstance(clock, ExerciseClock) else clock()


def _left_out_why(delivery) -> str:
    if delivery is not None and delivery.how == "not-needed":
        return "its contingency inject was not needed"
    return "its inject was not delivered"


def _state_of(row: dict[str, Any]) -> ExerciseClockState:
    return ExerciseClockState(startex=_iso(row["startex"]), wall_anchor=_iso(row["wall_anchor"]),
                              exercise_anchor=_iso(row["exercise_anchor"]),
                              scale=Fraction(row["scale_numerator"], row["scale_denominator"]),
                              run=ClockRun(row["run"]))


def _clock_story(entries, startex: datetime) -> tuple[list[dict], list[dict], datetime | None, str]:
    """Pauses (exercise time, wall length) and jumps (when, how far) from the clock's log entries."""
    pauses: list[dict[str, Any]] = []
    jumps: list[dict[str, Any]] = []
    open_pause: dict[str, Any] | None = None
    ended_wall, how = None, "in play"
    for entry in entries:
        after = entry.after or {}
        if "wall_anchor" not in after:
            continue
        wall = _iso(after["wall_anchor"])
        if entry.action == "pause":
            open_pause = {"at": _t(_iso(after["exercise_anchor"]) - startex), "wall_start": wall,
                          "by": entry.officer, "seq": entry.seq}
        elif entry.action == "resume" and open_pause is not None:
            pauses.append({**open_pause, "wall_length": wall - open_pause["wall_start"],
                           "length": format_elapsed(wall - open_pause["wall_start"]), "until": "resumed"})
            open_pause = None
        elif entry.action == "jump" and entry.before:
            was = _state_of(entry.before)
            moved_from = ec.exercise_now(was, wall)
            jumps.append({"from": _t(moved_from - startex), "to": _t(_iso(after["exercise_anchor"]) - startex),
                          "by_time": _span(_iso(after["exercise_anchor"]) - moved_from), "by": entry.officer,
                          "seq": entry.seq})
        if after.get("run") in (ClockRun.STOPPED.value, ClockRun.ENDED.value):
            ended_wall = wall
            before = entry.before or {}
            if before.get("run") == ClockRun.RUNNING.value:
                # ENDEX noticed late is frozen at ENDEX: the wall time it fell at, from the running clock
                was = _state_of(before)
                ran = _iso(after["exercise_anchor"]) - was.exercise_anchor
                ended_wall = min(wall, was.wall_anchor + timedelta(microseconds=int(
                    (ran // timedelta(microseconds=1)) / was.scale)))
            how = "stopped with the codeword" if after["run"] == ClockRun.STOPPED.value else "ENDEX"
            if open_pause is not None:
                pauses.append({**open_pause, "wall_length": wall - open_pause["wall_start"],
                               "length": format_elapsed(wall - open_pause["wall_start"]), "until": how})
                open_pause = None
    if open_pause is not None:
        pauses.append({**open_pause, "wall_length": timedelta(0), "length": "still paused", "until": "-"})
    return pauses, jumps, ended_wall, how


def _evidence(expectation, met_at: timedelta | None, startex: datetime, entries: list[dict]) -> list[int]:
    """The log entries of the kinds the predicate reads, stamped when it first held (to the second, else
    within a minute)."""
    if met_at is None:
        return []
    moment = startex + met_at
    kinds = {entity for key in expectation.when.given_keys() for entity in KEY_ENTITIES.get(key, ())}
    mine = [e for e in entries if e["entity"] in kinds]
    exact = to_utc_iso(moment)
    found = [e["seq"] for e in mine if e["at"] == exact]
    if not found:
        found = [e["seq"] for e in mine if abs(_iso(e["at"]) - moment) <= EVIDENCE_SLACK]
    return sorted(set(found))[:EVIDENCE_SHOWN]


def _steps(store: Store, incidents, now: datetime, startex: datetime):
    from contingency.engine.runs import ItemState
    from contingency.services.playbooks import incident_playbook

    rows, never, not_applicable, messages = [], [], [], []
    for incident in incidents:
        view = incident_playbook(store, incident.id, now=now)
        plan = view.plan
        if plan is None:
            messages.append({"incident": incident.id, "message": view.message or "no playbook"})
            continue
        for step_plan in plan.steps:
            items = step_plan.items
            if not items:
                continue
            step = step_plan.step
            per_person = step.for_each_person is not None
            done = [i for i in items if i.state is ItemState.DONE]
            skipped = [i for i in items if i.state is ItemState.NOT_APPLICABLE]
            dues = [i.due_at for i in items if i.due_at is not None]
            gaps = [i.settled_at - i.due_at for i in done if i.settled_at and i.due_at]
            finished = [i.settled_at for i in done if i.settled_at]
            counted = len(items) - len(skipped)
            if counted and len(done) == counted:
                state = "done"
            elif done:
                state = f"{len(done)} of {counted} done"
            elif counted:
                state = "open"
            else:
                state = "N/A"
            rows.append({
                "incident": incident.id, "playbook": plan.playbook.id, "id": step.id, "title": step.title,
                "phase": step.phase, "people": len(items) if per_person else "-",
                "due": _t(min(dues) - startex) if dues else "-",
                "done": _t(max(finished) - startex) if finished and len(done) == counted else (
                    _t(max(finished) - startex) + " (last so far)" if finished else "-"),
                "gap": _gap(max(gaps)) if gaps else "-", "state": state,
                "late_items": sum(1 for g in gaps if g > timedelta(0)),
            })
            for item in items:
                if item.state is ItemState.PENDING and item.recorded is None:
                    never.append({"incident": incident.id, "id": step.id, "title": step.title,
                                  "person": item.person.name if item.person else "-",
                                  "due": _t(item.due_at - startex) if item.due_at else "-"})
                elif item.state is ItemState.NOT_APPLICABLE:
                    not_applicable.append({"incident": incident.id, "id": step.id, "title": step.title,
                                           "person": item.person.name if item.person else "-",
                                           "reason": item.recorded.reason if item.recorded else "-"})
        for step, why in plan.not_applicable:
            not_applicable.append({"incident": incident.id, "id": step.id, "title": step.title, "person": "-",
                                   "reason": f"ruled out by the incident's facts: {why}"})
    return rows, never, not_applicable, messages


def _red_confirmed(store: Store, incidents, now: datetime, startex: datetime) -> dict[str, Any]:
    """Every RED person confirmed safe: from the call-round (a call whose outcome takes them off the list),
    else the playbook's red-safe-tonight item answered yes; settled by status counts, with no time."""
    from contingency.engine.runs import ItemState
    from contingency.services.playbooks import incident_playbook

    red, confirmed_at, untimed = 0, [], 0
    for incident in incidents:
        try:
            from contingency.rules.callround import OFF_LIST
            from contingency.services.callround import call_round

            view = call_round(store, incident.id, now=now)
            rows = [(r, False) for r in view.rows] + [(r, True) for r in view.off]
        except ImportError:
            rows = None
        plan = incident_playbook(store, incident.id, now=now).plan
        safe_step = plan.step_plan("red-safe-tonight") if plan is not None else None
        yes = {i.person_id: i.settled_at for i in (safe_step.items if safe_step else ())
               if i.state is ItemState.DONE and i.recorded and i.recorded.evidence.get("answer") == "yes"}
        people = rows if rows is not None else [(p, p.id in yes) for p in store.people.all(incident.id, provenance=False)]
        for row, off in people:
            person = row.person if rows is not None else row
            if person.facts.rag is not RAG.RED:
                continue
            red += 1
            when = yes.get(person.id)
            if rows is not None and off and row.last is not None and row.last.outcome in OFF_LIST:
                when = min(filter(None, (when, row.last.called_at)))
            if when is not None:
                confirmed_at.append(when)
            elif off:
                untimed += 1
    done = len(confirmed_at) + untimed
    result: dict[str, Any] = {"red": red, "confirmed": done, "all": red > 0 and done == red, "at": "-"}
    if result["all"] and confirmed_at:
        result["at"] = _t(max(confirmed_at) - startex)
    return result


def _measures(store: Store, result: exercises.Scores, incidents, decisions, now: datetime, startex: datetime,
              deliveries) -> dict[str, Any]:
    from contingency.store.exercise_evidence import EvidenceRepo

    m = result.measures
    classified = [{"id": o.id, "classification": o.window.expectation.when.classification.value,
                   "at": _t(o.met_at), "state": STATE_WORDS[o.state.value]}
                  for o in result.outcomes
                  if o.window.expectation.when.classification is not None and not o.window.expectation.must_not]
    attached = sorted(d.delivered_at for d in deliveries.values() if d.delivered_at and d.attachment)
    since = attached[0] if attached else startex
    imported = EvidenceRepo(store).imported_whole(to_utc_iso(since))
    people = [p for incident in incidents for p in store.people.all(incident.id, provenance=False)]
    with_basis = sum(1 for p in people if p.determination.basis is not Basis.NONE_YET)
    letters: Counter = Counter()
    bodies = []
    for incident in incidents:
        for n in store.notifications.latest(incident.id):
            if n.issued_at is None:
                continue
            kind = n.kind.value
            if kind == "person":
                letters["person"] += 1
                continue
            bodies.append({"body": n.recipient_name, "kind": kind, "version": n.version,
                           "status": n.status.value, "people": len(n.people),
                           "generated": _t(n.issued_at - startex)})
    complete = [d for d in decisions if d.options and d.powers.strip()]
    breaches = [{"id": o.id, "text": o.window.expectation.text, "at": _t(o.met_at)}
                for o in result.outcomes if o.state is scoring.State.BREACH]
    return {
        "judged": m.judged,
        "on_time": f"{m.on_time_percent}%" if m.on_time_percent is not None else "-",
        "median_lateness": _span(m.median_lateness), "p90_lateness": _span(m.p90_lateness),
        "classification": classified,
        "imported": _t(_iso(imported) - startex) if imported else "not imported whole",
        "imported_after": _span(_iso(imported) - since) if imported else "-",
        "imported_from": _t(since - startex),
        "red": _red_confirmed(store, incidents, now, startex),
        "people": len(people), "with_basis": with_basis,
        "basis_percent": f"{round(100 * with_basis / len(people))}%" if people else "-",
        "letters": bodies, "person_letters": letters["person"],
        "decisions": len(decisions), "complete_decisions": len(complete),
        "decision_percent": f"{round(100 * len(complete) / len(decisions))}%" if decisions else "-",
        "with_options": sum(1 for d in decisions if d.options),
        "with_powers": sum(1 for d in decisions if d.powers.strip()),
        "breaches": breaches, "breach_count": m.breaches,
    }


# --- rendering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    letter: Letter
    markdown: str


def render(store: Store, gathered: Gathered) -> Rendered:
    """The report as Markdown and as blocks for the PDF writer; the annexes start a new page."""
    context = gathered.context
    cover = context["cover"]
    stem = file_stem(cover["id"])
    page_break = f"PAGEBREAK{secrets.token_hex(8)}"
    text = render_text(TEMPLATE, {**context, "page_break": page_break})
    parts = re.split(rf"^\s*{page_break}\s*$", text, flags=re.MULTILINE)
    blocks: list[Block] = []
    for number, part in enumerate(parts):
        if number:
            blocks.append(Block("page-break"))
        blocks += parse(part)
    settings = store.settings()
    council = store.authorities.get(settings.authority_code).name if settings else ""
    team = settings.team if settings else ""
    title = next((plain(b.lines[0]) for b in blocks if b.kind == "title"), stem)
    header = f"{EXERCISE_MARK} · {council + ' · ' if council else ''}after-action report, {cover['id']}"
    footer = f"{EXERCISE_MARK} · {cover['id']} v{cover['version']} · as at {context['as_at_t']} · {gathered.anchor}"
    letter = Letter(stem=stem, title=title, blocks=tuple(blocks), header=header, footer=footer,
                    issued_at=context["as_at"], author=team or cover["facilitator"])
    markdown = re.sub(rf"^\s*{page_break}\s*$", "\n---\n", text, flags=re.MULTILINE).rstrip()
    markdown = f"{header}\n\n{markdown}\n\n---\n\n{footer}\n"
    return Rendered(letter=letter, markdown=markdown)


@dataclass(frozen=True)
class ReportResult:
    paths: tuple[Path, ...]
    gathered: Gathered


def write(store: Store, out_dir: Path | str, *, progress: Progress | None = None,
          cancelled: CancelCheck | None = None) -> ReportResult:
    """Write the report into `out_dir` (0600 files; folders it makes 0700): each file is written under a
    temporary name and renamed into place, so a reader never sees half a report. Nothing is written to
    the store. Stopped, no file is left."""
    step = tick(progress, cancelled, message="stopped: no report was written")
    total = len(FORMATS) + 2
    out_dir = output_folder(out_dir, "the report")
    step(0, total)
    gathered = gather(store)
    step(1, total)
    rendered = render(store, gathered)
    stem = rendered.letter.stem
    staged: list[tuple[Path, Path]] = []
    try:
        for done, fmt in enumerate(FORMATS, start=2):
            step(done, total)
            staging = new_private_file(out_dir / f".{stem}.{fmt}.part")
            staged.append((staging, out_dir / f"{stem}.{fmt}"))
            if fmt == "md":
                staging.write_text(rendered.markdown, encoding="utf-8")
            else:
                from contingency.letters.pdf import write_pdf

                write_pdf(rendered.letter, staging)
        step(total, total)  # the last moment a stop leaves nothing behind
    except BaseException:
        for staging, _target in staged:
            staging.unlink(missing_ok=True)
        raise
    for staging, target in staged:
        os.replace(staging, target)
    return ReportResult(paths=tuple(target for _s, target in staged), gathered=gathered)
