"""Commands for playbooks: list and check the files, show an incident's steps, record them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from contingency.commands.base import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    Commands,
    emit,
    record_id,
    store_for,
)
from contingency.engine.loader import load_file, load_playbooks, playbook_for
from contingency.engine.models import RecordKind
from contingency.engine.plan import PlanItem, StepPlan
from contingency.engine.runs import Answer, Run, StepItem, describe_evidence
from contingency.engine.words import step_words, when_words
from contingency.models import Classification
from contingency.rules.times import format_elapsed, format_local, to_utc_iso
from contingency.rules.words import plural
from contingency.services.errors import BadInput
from contingency.services.playbooks import EvidenceNeeded, IncidentPlaybook


def register(cmds: Commands) -> None:
    playbook = cmds.group("playbook", "playbooks: the steps to work through for an incident")
    playbook.add("list", "list the playbook files, valid and invalid, with their problems", cmd_list)
    check = playbook.add("check", "check one playbook file; exit 0 if valid, 2 naming each problem", cmd_check)
    check.add_argument("file", type=Path)
    show = playbook.add("show", "an incident's steps: state, due time, overdue, per-person items", cmd_show)
    show.add_argument("incident", type=record_id)
    show.add_argument("--all", action="store_true", help="list every per-person item (default: the first 10 per step)")

    done = playbook.add("done", "complete a step with what it asks you to record", cmd_done)
    _target(done)
    done.add_argument("--note", default="", help="what was done or found (required for a note step)")
    answer = done.add_mutually_exclusive_group()
    answer.add_argument("--yes", dest="yes", action="store_true", default=None, help="the answer to a yes-no step")
    answer.add_argument("--no", dest="yes", action="store_false", help="the answer to a yes-no step")
    done.add_argument("--decision", default="", help="a decision step: an option's number or words, or your own")
    done.add_argument("--rationale", default="", help="why (decision and yes-no steps)")
    done.add_argument("--options", default="", help='options considered, separated by ";" (default: the step\'s)')
    done.add_argument("--choice", default="", help="a choice step: an option's number or words")
    done.add_argument("--count", type=int, help="a count step: a whole number")
    done.add_argument("--document", default="", help="a document step: its name or reference")

    for name, help_text, handler in (("skip", "mark a step not applicable, with the reason", cmd_skip),
                                     ("block", "mark a step blocked, with the reason", cmd_block)):
        parser = playbook.add(name, help_text, handler)
        _target(parser)
        parser.add_argument("--reason", required=True)
    progress = playbook.add("progress", "mark a step in progress", cmd_progress)
    _target(progress)
    note = playbook.add("note", "add a note to a step (done or not)", cmd_note)
    _target(note)
    note.add_argument("text")


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("incident", type=record_id)
    parser.add_argument("step", help="the step id, as 'playbook show' lists it")
    parser.add_argument("--person", type=record_id, help="the person's id, for a step done for each person")


# --- list and check ------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    playbooks, problems = load_playbooks()
    used = {c.value: p.id for c in Classification if (p := playbook_for(playbooks, c))}
    data = {
        "playbooks": [{"id": p.id, "title": p.title, "version": p.version, "serves": [s.value for s in p.serves],
                       "used_for": [c for c, pid in used.items() if pid == p.id], "steps": len(p.steps),
                       "file": p.file} for p in playbooks],
        "invalid": [problem.as_json() for problem in problems],
    }
    lines = [f"{p.id} v{p.version} ({plural(len(p.steps), 'step')}) serves {', '.join(s.value for s in p.serves)}"
             f"{'' if any(pid == p.id for pid in used.values()) else ' (not used: another playbook serves these)'}"
             f"\n  {p.title}\n  {p.file}" for p in playbooks]
    if problems:
        lines.append(f"\n{plural(len({p.file for p in problems}), 'file')} with problems (not loaded):")
        lines += [f"  {problem}" for problem in problems]
    emit(args, data, "\n".join(lines) or "no playbooks found")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise BadInput(f"there is no file {args.file}")
    playbook, problems = load_file(args.file)
    if playbook is not None:
        emit(args, {"valid": True, "id": playbook.id, "version": playbook.version, "steps": len(playbook.steps)},
             f"{args.file}: valid: {playbook.id} v{playbook.version}, {plural(len(playbook.steps), 'step')}")
        return EXIT_OK
    if args.json:
        emit(args, {"valid": False, "problems": [p.as_json() for p in problems]}, "")
    for problem in problems:
        print(f"contingency: {problem}", file=sys.stderr)
    return EXIT_BAD_INPUT


# --- show ----------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace) -> int:
    from contingency.services.playbooks import incident_playbook

    store = store_for(args)
    view = incident_playbook(store, args.incident)
    emit(args, view_json(view), view_text(view, show_all=args.all))
    return EXIT_OK


def item_json(item: PlanItem) -> dict[str, Any]:
    recorded = item.recorded
    return {
        "person_id": item.person_id,
        "person": item.person.name if item.person else None,
        "rag": item.person.rag.value if item.person and item.person.rag else None,
        "state": item.state.value,
        "due_at": to_utc_iso(item.due_at) if item.due_at else None,
        "waits_for": item.waits_for,
        "overdue": item.overdue,
        "overdue_by_minutes": int(item.overdue_by.total_seconds() // 60) if item.overdue_by else None,
        "overdue_by": format_elapsed(item.overdue_by) if item.overdue_by else None,
        "still_matches": item.matches,
        "reason": recorded.reason if recorded else "",
        "evidence": recorded.evidence if recorded else {},
        "notes": [{"at": to_utc_iso(n.at), "by": n.by, "text": n.text} for n in recorded.notes] if recorded else [],
        "by": recorded.updated_by if recorded else None,
        "at": to_utc_iso(recorded.updated_at) if recorded else None,
    }


def _step_json(step_plan: StepPlan) -> dict[str, Any]:
    step = step_plan.step
    data: dict[str, Any] = {
        "id": step.id, "phase": step.phase, "title": step.title, "role": step.role.value, "due": step.due,
        "due_from": step.due_from, "record": step.record.value, "options": list(step.options),
        "citations": list(step.citations), "per_person": step.per_person,
    }
    if step.per_person:
        urgent = step_plan.most_urgent
        data.update(
            for_each_person=step.for_each_person.describe(), open=len(step_plan.open_items),
            settled=step_plan.done_count, overdue=bool(step_plan.overdue_items),
            overdue_count=len(step_plan.overdue_items),
            next_due_at=to_utc_iso(urgent.due_at) if urgent and urgent.due_at else None,
            items=[item_json(i) for i in step_plan.items],
        )
    else:
        data.update(item_json(step_plan.items[0]))
        del data["person_id"], data["person"], data["rag"]
    return data


def _run_json(run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"id": run.id, "playbook_id": run.playbook_id, "version": run.version, "status": run.status.value,
            "started_at": to_utc_iso(run.started_at), "started_by": run.started_by,
            "superseded_by": run.superseded_by, "ended_at": to_utc_iso(run.ended_at) if run.ended_at else None}


def view_json(view: IncidentPlaybook) -> dict[str, Any]:
    plan = view.plan
    data: dict[str, Any] = {
        "incident": view.incident.id,
        "classification": view.incident.classification.value,
        "playbook": {"id": view.playbook.id, "title": view.playbook.title, "version": view.playbook.version}
        if view.playbook else None,
        "run": _run_json(view.run),
        "earlier_runs": [_run_json(r) for r in view.earlier_runs],
        "message": view.message,
        "problems": [p.as_json() for p in view.problems],
    }
    if plan is not None:
        upcoming = plan.next_due
        data.update(
            now=to_utc_iso(plan.now),
            overdue_count=len(plan.overdue_items),
            next_due={"step": upcoming.step.id, "person_id": upcoming.person_id, **item_json(upcoming)}
            if upcoming else None,
            steps=[_step_json(s) for s in plan.steps],
            not_applicable_steps=[{"id": s.id, "title": s.title, "why": why} for s, why in plan.not_applicable],
        )
    return data


def view_text(view: IncidentPlaybook, *, show_all: bool = False) -> str:
    incident, plan = view.incident, view.plan
    head = f"Incident {incident.id}: {incident.facts.provider_name} · {incident.classification.label}"
    if view.playbook is None or plan is None:
        return f"{head}\n  {view.message}"
    now = plan.now
    lines = [head, f"Playbook: {view.playbook.title} ({view.playbook.id} v{view.playbook.version})"]
    if view.run:
        lines.append(f"  started {format_local(view.run.started_at, now=now)} by {view.run.started_by}")
    if view.message:
        lines.append(f"  {view.message}")
    upcoming = plan.next_due
    lines.append(f"  {len(plan.overdue_items)} overdue · next: "
                 + (f"{when_words(upcoming, now)} {upcoming.step.id}" if upcoming else "nothing open"))
    lines.append("  times are London time")
    for phase, steps in plan.by_phase():
        lines.append(f"\n== {phase.title}")
        for step_plan in steps:
            step = step_plan.step
            lines.append(f"  {step_words(step_plan, now):<21} {step.id} [{step.record.value}]")
            lines.append(f"  {'':<21} {step.title}")
            if not step.per_person:
                lines += _recorded_lines(step_plan.items[0].recorded, now)
                continue
            lines.append(f"  {'':<21} for each person: {step.for_each_person.describe()}; "
                         f"{step_plan.done_count} of {len(step_plan.items)} settled")
            shown = step_plan.items if show_all else step_plan.items[:10]
            for item in shown:
                lines.append(f"  - {when_words(item, now):<20} person {item.person_id} {item.person.label}"
                             + ("" if item.matches else " (no longer matches)"))
                lines += ["  " + line for line in _recorded_lines(item.recorded, now)]
            if len(shown) < len(step_plan.items):
                lines.append(f"    … {len(step_plan.items) - len(shown)} more (--all lists them)")
    if plan.not_applicable:
        lines.append("\nNot applicable to this incident:")
        lines += [f"  {s.id}: {why}" for s, why in plan.not_applicable]
    return "\n".join(lines)


def _recorded_lines(recorded: StepItem | None, now) -> list[str]:
    if recorded is None:
        return []
    pad = f"  {'':<21} "
    lines = []
    if recorded.evidence:
        lines.append(f"{pad}{describe_evidence(recorded.evidence)}")
    if recorded.reason:
        lines.append(f"{pad}reason: {recorded.reason}")
    lines.append(f"{pad}{recorded.state.label} by {recorded.updated_by} at {format_local(recorded.updated_at, now=now)}")
    lines += [f"{pad}note {format_local(n.at, now=now)} {n.by}: {n.text}" for n in recorded.notes]
    return lines


# --- recording -----------------------------------------------------------------------------------


def _recorded(args: argparse.Namespace, item: StepItem, words: str) -> int:
    emit(args, {"step": item.step_id, "person_id": item.person_id, "state": item.state.value,
                "reason": item.reason, "evidence": item.evidence, "by": item.updated_by,
                "at": to_utc_iso(item.updated_at)},
         f"step {item.step_id}" + (f" (person {item.person_id})" if item.person_id else "") + f" {words}")
    return EXIT_OK


def cmd_done(args: argparse.Namespace) -> int:
    from contingency.services.playbooks import complete

    store = store_for(args)
    answer = Answer(note=args.note, yes=args.yes, rationale=args.rationale, decision=args.decision,
                    options=tuple(args.options.split(";")) if args.options else (), choice=args.choice,
                    count=args.count, document=args.document)
    try:
        item = complete(store, args.incident, args.step, answer, person_id=args.person)
    except EvidenceNeeded as exc:
        raise BadInput(f"{exc}; give {_FLAGS[exc.record]}") from None
    return _recorded(args, item, f"done: {describe_evidence(item.evidence)}")


_FLAGS = {
    RecordKind.NOTE: "--note TEXT",
    RecordKind.YES_NO: "--yes or --no, with --rationale TEXT",
    RecordKind.DECISION: "--decision N (an option's number) or TEXT, with --rationale TEXT",
    RecordKind.CHOICE: "--choice N (an option's number) or TEXT",
    RecordKind.COUNT: "--count N",
    RecordKind.DOCUMENT: "--document REF (its name or reference)",
}


def cmd_skip(args: argparse.Namespace) -> int:
    from contingency.services.playbooks import skip

    item = skip(store_for(args), args.incident, args.step, args.reason, person_id=args.person)
    return _recorded(args, item, f"not applicable: {item.reason}")


def cmd_block(args: argparse.Namespace) -> int:
    from contingency.services.playbooks import block

    item = block(store_for(args), args.incident, args.step, args.reason, person_id=args.person)
    return _recorded(args, item, f"blocked: {item.reason}")


def cmd_progress(args: argparse.Namespace) -> int:
    from contingency.services.playbooks import start_step

    item = start_step(store_for(args), args.incident, args.step, person_id=args.person)
    return _recorded(args, item, "in progress")


def cmd_note(args: argparse.Namespace) -> int:
    from contingency.services.playbooks import add_note

    item = add_note(store_for(args), args.incident, args.step, args.text, person_id=args.person)
    return _recorded(args, item, "note added")
