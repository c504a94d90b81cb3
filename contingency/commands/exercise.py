"""Commands for tabletop exercises: list and validate scenario files (design/exercises.md section 3).

`register` adds the `exercise` group; each verb is one `cmd_*` function over services.scenarios, so the verbs
that run an exercise (start, status, pause, resume, jump, deliver, mark, stop, endex, report) slot in beside
these with their own `_add_*` helper.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contingency.commands.base import EXIT_BAD_INPUT, EXIT_OK, ArgumentError, Commands, emit
from contingency.rules.safe_text import printable
from contingency.rules.scenario import format_duration
from contingency.rules.words import plural


def register(cmds: Commands) -> None:
    exercise = cmds.group("exercise", "tabletop exercises: scenario files, the exercise clock and the report")
    exercise.add("list", "list the scenario files (shipped and $CONTINGENCY_EXERCISES), valid and invalid",
                 cmd_list)
    validate = exercise.add("validate", "check one scenario file; exit 0 if valid, 2 naming each problem",
                            cmd_validate)
    validate.add_argument("file", type=Path, help="a scenario .toml file, or the id of a listed one")
    start = exercise.add("start", "make a new exercise store for a scenario and start its clock at T+0:00", cmd_start)
    start.add_argument("file", type=Path, help="a scenario .toml file, or the id of a listed one")
    start.add_argument("--paused", action="store_true", help="start with the clock paused at T+0:00")
    exercise.add("status", "the exercise clock, what has been delivered and what comes next", cmd_status)
    exercise.add("pause", "pause the exercise: every clock stops (injects, due times, overdue)", cmd_pause)
    exercise.add("resume", "start the exercise clock again after a pause", cmd_resume)
    jump = exercise.add("jump", "move the exercise clock forward; injects passed over arrive together", cmd_jump)
    jump.add_argument("by", help="how far, as H:MM (for example 1:30)")
    deliver = exercise.add("deliver", "deliver an inject now, by hand", cmd_deliver)
    deliver.add_argument("inject", help="the inject's id, as in the scenario file")
    mark = exercise.add("mark", "mark an expectation met (seen, not in the data) or excused, with a note", cmd_mark)
    mark.add_argument("expectation", help="the expectation's id, as in the scenario file")
    how = mark.add_mutually_exclusive_group(required=True)
    how.add_argument("--met", action="store_true", help="it was done, as the facilitator saw")
    how.add_argument("--excused", action="store_true", help="leave it out of the score (say why in --note)")
    mark.add_argument("--note", required=True, help="what was seen, or why it is excused")
    stop = exercise.add("stop", "the stop codeword: end play at once", cmd_stop)
    stop.add_argument("codeword", nargs="?", default=None, help="the scenario's stop codeword (default: NO DUFF)")
    exercise.add("endex", "end the exercise (ENDEX) before its time", cmd_endex)
    exercise.add("scores", "every expectation's state and every objective's rating so far", cmd_scores)
    _add_report(exercise)
    truth = exercise.add("truth", "the facilitator's true copy of the roster (what the players' list should have "
                         "said), as a table or a CSV", cmd_truth)
    truth.add_argument("--out", type=Path, help="write it as a CSV file here (owner-only) instead of printing it")


def _summary(scenario) -> dict:
    header = scenario.scenario
    expectations = scenario.all_expectations()
    return {"id": header.id, "title": header.title, "version": header.version, "host_authority": header.host_authority,
            "startex": header.startex, "duration": format_duration(header.duration), "time_scale": header.time_scale,
            "objectives": len(scenario.objectives), "injects": len(scenario.injects),
            "expectations": len(expectations), "roster": scenario.roster.size if scenario.roster else None,
            "file": scenario.file}


def _line(scenario) -> str:
    data = _summary(scenario)
    roster = f", {plural(data['roster'], 'person', 'people')} on the roster" if data["roster"] else ""
    return (f"{data['id']} v{data['version']}: {plural(data['injects'], 'inject')}, "
            f"{plural(data['expectations'], 'expectation')}, {plural(data['objectives'], 'objective')}{roster}; "
            f"STARTEX {data['startex']}, {data['duration']} long\n  {data['title']}\n  {data['file']}")


def cmd_list(args: argparse.Namespace) -> int:
    from contingency.services.scenarios import discover

    found, folder_problems = discover()
    valid = [f for f in found if f.scenario is not None]
    invalid = [p for f in found for p in f.problems] + folder_problems
    data = {"scenarios": [{**_summary(f.scenario), "source": f.source} for f in valid],
            "invalid": [p.as_json() for p in invalid]}
    lines = [_line(f.scenario) for f in valid]
    if invalid:
        lines.append(f"\n{plural(len({p.file for p in invalid}), 'file')} with problems (not loaded):")
        lines += [f"  {p}" for p in invalid]
    emit(args, data, "\n".join(lines) or "no scenario files found")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from contingency.services.scenarios import find, validate_found

    path: Path = args.file
    if not path.exists() and path.suffix != ".toml" and find(str(path)) is not None:
        path = find(str(path))  # an id from `exercise list`
    found = validate_found(path, "given")
    if found.scenario is not None:
        emit(args, {"valid": True, **_summary(found.scenario)}, f"{path}: valid: {_line(found.scenario)}")
        return EXIT_OK
    if args.json:
        emit(args, {"valid": False, "problems": [p.as_json() for p in found.problems]}, "")
    for problem in found.problems:
        print(f"contingency: {printable(str(problem), multiline=False)}", file=sys.stderr)
    return EXIT_BAD_INPUT


# --- playing one ---------------------------------------------------------------------------------------------

def _scenario_path(path: Path) -> Path:
    from contingency.services.scenarios import find

    if not path.exists() and path.suffix != ".toml":
        found = find(str(path))
        if found is not None:
            return found
    return path


def cmd_start(args: argparse.Namespace) -> int:
    import os

    from contingency.services import exercises

    if args.db is None:
        raise ArgumentError("--db: give a new file for the exercise store, e.g. --db larkspur-2027-03.db")
    officer = args.officer or os.environ.get("CONTINGENCY_OFFICER", "")
    started = exercises.start(_scenario_path(args.file), args.db, officer=officer, paused=args.paused)
    status = exercises.status(started.store)
    lines = [f"EXERCISE {started.scenario.id} started on {args.db}: clock {status['clock']} ({status['state']}), "
             f"ENDEX at {status['endex']}, {status['time_scale']} exercise minutes a wall minute."]
    if started.roster_file:
        lines.append(f"The players' provider list (facilitator: hand it over with its inject): {started.roster_file}")
        lines.append("The true copy, for the facilitator only: 'contingency exercise truth --out FILE'.")
    lines.append(f"Stop codeword: {started.scenario.scenario.stop_codeword}. Players open the store with "
                 f"'contingency --db {args.db}'.")
    emit(args, {**status, "db": str(args.db), "roster_file": str(started.roster_file or "") or None},
         "\n".join(lines))
    return EXIT_OK


def _store(args: argparse.Namespace):
    from contingency.commands.base import store_for

    return store_for(args)


def _status_text(status: dict) -> str:
    lines = [f"EXERCISE {status['scenario']}: {status['clock']} of {status['endex']}, {status['state'].upper()}"]
    for d in status["delivered"]:
        when = d["delivered_at"] or "not needed"
        lines.append(f"  {d['id']:<6} planned {d['at']:<8} delivered {when:<10} {d['how']}"
                     + (f"  attachment: {d['attachment']}" if d["attachment"] else ""))
    upcoming = status["next"][:5]
    if upcoming:
        lines.append("Next:")
        lines += [f"  {n['id']:<6} at {n['at']:<8} in {n['in']:<6} {n['channel']} from {n['from']}"
                  + (" (contingency)" if n["contingency"] else "") for n in upcoming]
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    from contingency.services import exercises

    status = exercises.status(_store(args))
    emit(args, status, _status_text(status))
    return EXIT_OK


def _clock_command(args: argparse.Namespace, verb) -> int:
    from contingency.services import exercises

    store = _store(args)
    verb(store)
    status = exercises.status(store)
    emit(args, status, _status_text(status))
    return EXIT_OK


def cmd_pause(args: argparse.Namespace) -> int:
    from contingency.services.exercises import pause

    return _clock_command(args, pause)


def cmd_resume(args: argparse.Namespace) -> int:
    from contingency.services.exercises import resume

    return _clock_command(args, resume)


def cmd_endex(args: argparse.Namespace) -> int:
    from contingency.services.exercises import endex

    return _clock_command(args, endex)


def cmd_stop(args: argparse.Namespace) -> int:
    from contingency.services import exercises

    store = _store(args)
    codeword = args.codeword or exercises.in_play(store).run.codeword
    return _clock_command(args, lambda s: exercises.stop(s, codeword))


def cmd_jump(args: argparse.Namespace) -> int:
    from contingency.rules.scenario import parse_duration

    try:
        by = parse_duration(args.by)
    except ValueError as exc:
        raise ArgumentError(f"jump: {exc}") from None
    from contingency.services import exercises

    return _clock_command(args, lambda s: exercises.jump(s, by))


def cmd_deliver(args: argparse.Namespace) -> int:
    from contingency.services import exercises

    return _clock_command(args, lambda s: exercises.deliver(s, args.inject))


def cmd_mark(args: argparse.Namespace) -> int:
    from contingency.services import exercises

    store = _store(args)
    exercises.mark(store, args.expectation, met=args.met, note=args.note)
    emit(args, {"expectation": args.expectation, "marked": "met" if args.met else "excused"},
         f"{args.expectation} marked {'met' if args.met else 'excused'}")
    return EXIT_OK


def scores_json(result) -> dict:
    from contingency.services.exercises import state_of

    return {"scenario": result.play.scenario.id, "clock": result.play.offset and _t(result.play.offset),
            "ended": result.ended,
            "expectations": [state_of(o) for o in result.outcomes],
            "objectives": [{"id": o.id, "rating": o.rating.value if o.rating else None,
                            "earned": float(o.earned), "total": o.total} for o in result.objectives]}


def _t(offset) -> str:
    from contingency.rules.exercise_clock import format_t

    return format_t(offset)


def cmd_scores(args: argparse.Namespace) -> int:
    from contingency.services import exercises

    result = exercises.scores(_store(args))
    data = scores_json(result)
    lines = [f"{o['id']:<6} {o['state']:<8} {o['met_at'] or '-':<8} target {o['target']:<8} {o['text']}"
             for o in data["expectations"]]
    lines += [f"{o['id']}: {o['rating'] or 'not yet judged'} ({o['earned']:g} of {o['total']})"
              for o in data["objectives"]]
    emit(args, data, "\n".join(lines))
    return EXIT_OK


# --- the after-action report, the hot debrief and the improvement plan (exercises.md §4) -------------------


def _add_report(exercise: Commands) -> None:
    from contingency.services.exercise_debrief import CATEGORIES, DEBRIEF_KINDS

    report = exercise.add("report", "write the after-action report (Markdown and PDF, marked EXERCISE); with --json "
                                    "also print the scores", cmd_report)
    report.add_argument("--out", type=Path, required=True, help="the folder to write the report to")
    debrief = exercise.group("debrief", "the hot debrief: what went well, what did not, what to change")
    add = debrief.add("add", "add a hot-debrief note", cmd_debrief_add)
    add.add_argument("--kind", required=True, choices=DEBRIEF_KINDS, help="went-well, did-not or change")
    add.add_argument("--text", required=True, help="the note, as said in the debrief")
    debrief.add("list", "the hot-debrief notes, in the order entered", cmd_debrief_list)
    improve = exercise.group("improve", "the improvement plan: lesson, action, category, owner role, due date")
    add = improve.add("add", "add a row to the improvement plan", cmd_improve_add)
    add.add_argument("--lesson", required=True, help="what was learned")
    add.add_argument("--action", dest="improve_action", required=True, help="what will be done about it")
    add.add_argument("--category", required=True, choices=CATEGORIES, help=", ".join(CATEGORIES))
    add.add_argument("--owner", required=True, help="the owner's role (not a name), e.g. 'Head of adult social care'")
    add.add_argument("--due", required=True, help="the due date, day first: DD/MM/YYYY")
    improve.add("list", "the improvement plan", cmd_improve_list)


def cmd_report(args: argparse.Namespace) -> int:
    from contingency.services.exercise_report import write

    written = write(_store(args), args.out)
    data = {**scores_json(written.gathered.result), "files": [str(p) for p in written.paths],
            "log_head": written.gathered.anchor.removeprefix("log "), "measures": written.gathered.figures["measures"]}
    lines = [str(p) for p in written.paths]
    lines += [f"{o['id']}: {o['rating'] or 'not yet judged'}" for o in data["objectives"]]
    lines.append(f"log {data['log_head']}")
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_debrief_add(args: argparse.Namespace) -> int:
    from contingency.services.exercise_debrief import add_note, note_json

    note = add_note(_store(args), args.kind, args.text)
    emit(args, note_json(note), f"debrief note {note.id} added ({note.kind})")
    return EXIT_OK


def cmd_debrief_list(args: argparse.Namespace) -> int:
    from contingency.services.exercise_debrief import DEBRIEF_LABELS, note_json, notes

    found = notes(_store(args))
    emit(args, {"notes": [note_json(n) for n in found]},
         "\n".join(f"{n.id:>3} {DEBRIEF_LABELS.get(n.kind, n.kind)}: {n.text} ({n.by})" for n in found)
         or "no debrief notes yet")
    return EXIT_OK


def cmd_improve_add(args: argparse.Namespace) -> int:
    from contingency.services.exercise_debrief import add_improvement, improvement_json

    item = add_improvement(_store(args), lesson=args.lesson, action=args.improve_action, category=args.category,
                           owner_role=args.owner, due=args.due)
    data = improvement_json(item)
    emit(args, data, f"improvement {item.id} added: {item.category}, owner {item.owner_role}, due {data['due_date']}")
    return EXIT_OK


def cmd_improve_list(args: argparse.Namespace) -> int:
    from contingency.services.exercise_debrief import improvement_json, improvements

    rows = [improvement_json(i) for i in improvements(_store(args))]
    emit(args, {"improvements": rows},
         "\n".join(f"{r['id']:>3} [{r['category']}] {r['lesson']} -> {r['action']} (owner {r['owner_role']}, "
                   f"due {r['due_date']})" for r in rows) or "no improvement plan yet")
    return EXIT_OK


TRUTH_COLUMNS = ("ref", "tag", "first_name", "last_name", "date_of_birth", "funding", "funding_body",
                 "ordinary_residence", "lives_in", "rag", "capacity_concern", "time_critical", "visit_times",
                 "couple_with")


def cmd_truth(args: argparse.Namespace) -> int:
    """The true copy is the facilitator's: it says who each person really is, whatever the players' file said."""
    from contingency.services import exercises

    people = exercises.in_play(_store(args)).run.true_copy
    if args.out is not None:
        from contingency.services.exercises import write_true_copy

        path = write_true_copy(people, args.out)
        emit(args, {"file": str(path), "people": len(people)}, f"the true copy of {len(people)} people: {path}")
        return EXIT_OK
    rows = [{k: person.get(k) for k in TRUTH_COLUMNS} for person in people]
    lines = [" | ".join(TRUTH_COLUMNS)] + [" | ".join("" if v is None else str(v) for v in row.values())
                                           for row in rows]
    emit(args, rows, "\n".join(lines) if rows else "this scenario generates no roster")
    return EXIT_OK
