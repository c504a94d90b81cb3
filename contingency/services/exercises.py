"""Playing a tabletop exercise (design/exercises.md §3): start, the clock, injects, marks, and the scores.

The store is the channel: the facilitator's terminal, the players' terminals and the CLI all read the same
exercise row, clock row and deliveries, and each of them delivers what has fallen due when it looks
(`catch_up`), once each, inside one write transaction, so two terminals looking at once deliver nothing twice.
An inject whose time the running clock reached is stamped with its planned time; injects a jump passed over
are delivered together at the new time ("while you were away"). A contingency inject is delivered at its time
only if the expectation it names had not held by then.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from contingency.clock import Clock, ExerciseClock
from contingency.models import StoreKind
from contingency.rules import exercise_clock as ec
from contingency.rules import exercise_scoring as scoring
from contingency.rules.exercise_clock import (
    ClockRefusal,
    ClockRun,
    ExerciseClockState,
    format_t,
)
from contingency.rules.scenario import (
    Expectation,
    Inject,
    Scenario,
    When,
    parse_scenario,
    tag_reference,
)
from contingency.rules.times import to_utc_iso
from contingency.services.errors import BadInput
from contingency.store import Store, open_store
from contingency.store.exercise_evidence import EvidenceRepo
from contingency.store.exercises import Delivery, ExerciseRun

ROSTER_ATTACHMENT = "roster"


class NoExercise(BadInput):
    """The store has no exercise in play."""


# --- starting ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Started:
    store: Store
    scenario: Scenario
    roster_file: Path | None
    incident_id: int | None


def start(path: Path, db_path: Path, *, officer: str, paused: bool = False, wall: Clock | None = None) -> Started:
    """Make a new exercise store at `db_path` for the scenario at `path`: the host council set up, the clock at
    T+0:00 (running, or paused), the players' roster file written, any incident that exists at STARTEX opened,
    and the injects of T+0:00 delivered."""
    from contingency.services import scenarios

    try:
        scenario = scenarios.load(path)
    except scenarios.ScenarioInvalid as exc:
        raise BadInput("the scenario has problems; run 'contingency exercise validate' for each:\n"
                       + "\n".join(f"  {p}" for p in exc.problems)) from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    db_path = Path(db_path).expanduser()
    if db_path.exists() and db_path.stat().st_size > 0:
        raise BadInput(f"{db_path} already exists: an exercise starts on a new store, so choose a new file name "
                       "(the old one keeps its exercise for its report)")
    if not officer.strip():
        raise BadInput("who is starting it? give the facilitator's name with --officer")
    text = path.read_text(encoding="utf-8")
    store = open_store(db_path, officer=officer, clock=wall, create=StoreKind.EXERCISE)
    clock = store.clock
    assert isinstance(clock, ExerciseClock)
    header = scenario.scenario
    startex = _startex(scenario)
    # The clock first, so that every entry after it (the council, the incident, the deliveries) is in story time.
    store.exercise_clock.save(ec.start(startex, clock.wall(), _scale(header.time_scale), paused=paused),
                              action="start", reason=f"STARTEX of exercise {header.id}")
    _set_up_host(store, scenario, officer)
    roster_file, true_copy = _write_roster(store, scenario, db_path)
    store.exercises.start(ExerciseRun(
        # The whole path: an inject's attachment is a file beside the scenario, wherever the council keeps it.
        scenario_id=header.id, version=header.version, title=header.title, file_name=str(Path(path).resolve()),
        scenario_text=text, scenario_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        seed=scenario.roster.seed if scenario.roster else None, codeword=header.stop_codeword,
        roster_file=str(roster_file) if roster_file else None, true_copy=true_copy,
        started_at=startex, started_wall=clock.wall(), started_by=officer))
    incident_id = _open_seed_incident(store, scenario, startex)
    catch_up(store)
    return Started(store, scenario, roster_file, incident_id)


def _scale(time_scale: float) -> Fraction:
    return Fraction(str(time_scale)).limit_denominator(1000)


def _startex(scenario: Scenario) -> datetime:
    from contingency.rules.scenario import resolve_startex

    return resolve_startex(scenario.scenario.startex)


def _set_up_host(store: Store, scenario: Scenario, officer: str) -> None:
    from contingency.services.setup import setup_council

    setup_council(store, authority=scenario.scenario.host_authority,
                  team=f"EXERCISE {scenario.id}: duty team", officer=officer)


def _write_roster(store: Store, scenario: Scenario, db_path: Path) -> tuple[Path | None, list[dict[str, Any]]]:
    if scenario.roster is None:
        return None, []
    from contingency.services import roster_generator
    from contingency.services.scenarios import reference

    host = store.authorities.resolve(scenario.scenario.host_authority)
    provider = scenario.incident.provider if scenario.incident else ""
    generated = roster_generator.generate(scenario.roster, host=host, ref=reference(),
                                          startex=roster_generator.startex_date(_startex(scenario)),
                                          provider=provider)
    folder = exercise_folder(db_path)
    # EXERCISE leads the name: a file that travels alone still says what it is.
    target = folder / f"EXERCISE-{scenario.id}-provider-list.{scenario.roster.format}"
    roster_generator.write(generated, target, file_format=scenario.roster.format)
    return target, generated.true_copy()


def write_true_copy(people: list[dict[str, Any]], path: Path) -> Path:
    """The facilitator's true copy as a CSV (owner-only, written whole or not at all), every field of each
    person; the name says it is an exercise's and not for players."""
    import csv
    import os

    from contingency.rules.safe_text import csv_row
    from contingency.store.files import new_private_file

    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "EXERCISE-true-roster-FACILITATOR-ONLY.csv"
    columns = list(people[0]) if people else ["ref"]
    staging = new_private_file(path.with_name(f".{path.name}.part"))
    with open(staging, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_row(columns))
        for person in people:
            writer.writerow(csv_row([person.get(c) for c in columns]))
    os.replace(staging, path)
    return path


def exercise_folder(db_path: Path) -> Path:
    """Where an exercise's files go (the players' roster, the report): beside its store, owner-only."""
    return Path(db_path).expanduser().with_name(f"{Path(db_path).stem}-exercise-files")


def _open_seed_incident(store: Store, scenario: Scenario, startex: datetime) -> int | None:
    seed = scenario.incident
    if seed is None:
        return None
    from contingency.services.incidents import build_facts, open_incident

    facts = build_facts(store, provider=seed.provider, service=seed.service.value, area=seed.area,
                        event=seed.event, aware_at=startex + seed.aware_at.offset)
    return open_incident(store, facts).id


# --- the run as it stands -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class InPlay:
    run: ExerciseRun
    scenario: Scenario
    clock: ExerciseClockState
    now: datetime

    @property
    def offset(self) -> timedelta:
        return self.now - self.clock.startex

    @property
    def endex_at(self) -> datetime:
        return self.clock.startex + self.scenario.endex

    def at(self, inject: Inject) -> datetime:
        return self.clock.startex + inject.at.offset


def in_play(store: Store) -> InPlay:
    run = store.exercises.run() if store.is_exercise else None
    state = store.exercise_clock.get() if store.is_exercise else None
    if run is None or state is None:
        raise NoExercise("this store has no exercise in play; start one with 'contingency exercise start FILE "
                         "--db NEW.db'")
    return InPlay(run, _scenario_of(run.scenario_text, run.file_name), state, store.clock())


@lru_cache(maxsize=8)
def _scenario_of(text: str, file_name: str) -> Scenario:
    # The copy taken at STARTEX, not the file on disk: a scenario edited mid-exercise must not change the game.
    scenario, problems = parse_scenario(tomllib.loads(text), file=file_name)
    if scenario is None:
        raise BadInput("the scenario stored with this exercise no longer reads: " + "; ".join(map(str, problems)))
    return scenario


# --- delivering injects -------------------------------------------------------------------------------------

def catch_up(store: Store) -> list[Delivery]:
    """Deliver what the clock has reached, and end play at ENDEX; what was newly delivered, in time order.
    Cheap when nothing is due, so every screen and command may call it whenever it looks."""
    play = in_play(store)
    if play.clock.run in (ClockRun.STOPPED, ClockRun.ENDED):
        return []
    delivered = _due(store, play, how="on-time")
    if play.now >= play.endex_at:
        _end_at_endex(store, play)
    return delivered


def _due(store: Store, play: InPlay, *, how: str, stamp: datetime | None = None) -> list[Delivery]:
    done = {d.inject_id for d in store.exercises.deliveries()}
    horizon = min(play.now, play.endex_at)
    due = [i for i in play.scenario.injects_in_order() if i.id not in done and play.at(i) <= horizon]
    if not due:
        return []
    wall = _wall(store)
    made = []
    for inject in due:
        planned = play.at(inject)
        if inject.condition is not None and _held_by(store, play, inject.condition.missing, planned):
            made.append(Delivery(inject.id, format_t(inject.at.offset), None, wall, "not-needed", None))
            continue
        made.append(Delivery(inject.id, format_t(inject.at.offset), stamp or planned, wall, how,
                             _attachment(play, inject)))
    written = store.exercises.record_deliveries(made)
    return [d for d in written if d.delivered]


def _attachment(play: InPlay, inject: Inject) -> str | None:
    if inject.attachment is None:
        return None
    if inject.attachment == ROSTER_ATTACHMENT:
        return play.run.roster_file
    beside = Path(play.run.file_name).parent / inject.attachment
    if beside.is_absolute() and beside.exists():
        return str(beside)
    from contingency.services.scenarios import find

    found = find(play.scenario.id)  # a store started before the path was kept: the shipped or council copy
    return str(found.parent / inject.attachment) if found else inject.attachment


def _held_by(store: Store, play: InPlay, expectation_id: str, at: datetime) -> bool:
    found = play.scenario.expectation(expectation_id)
    if found is None:
        return False
    inject = found[0]
    delivery = next((d for d in store.exercises.deliveries() if inject is not None and d.inject_id == inject.id),
                    None)
    held = first_held(store, play, found[1], since=play.clock.startex,
                      delivered_at=delivery.delivered_at if delivery else None)
    return held is not None and held <= at


def _wall(store: Store) -> datetime:
    clock = store.clock
    return clock.wall() if isinstance(clock, ExerciseClock) else clock()


def deliver(store: Store, inject_id: str) -> Delivery:
    """The facilitator delivers one by hand, early (or a contingency inject they judge needed after all)."""
    play = in_play(store)
    _refuse_if_over(play)
    inject = play.scenario.inject(inject_id)
    if inject is None:
        known = ", ".join(i.id for i in play.scenario.injects_in_order())
        raise BadInput(f"there is no inject {inject_id!r} in this scenario; its injects are {known}")
    catch_up(store)
    with store.write():  # the check and the delivery as one, so another terminal cannot deliver it in between
        earlier = next((d for d in store.exercises.deliveries() if d.inject_id == inject_id), None)
        if earlier is not None:
            raise BadInput(f"inject {inject_id} has already been delivered" if earlier.delivered else
                           f"inject {inject_id} was not needed at its time ({inject.condition.missing} had been "
                           "met), so it stays undelivered")
        made = Delivery(inject.id, format_t(inject.at.offset), play.now, _wall(store), "by-hand",
                        _attachment(play, inject))
        return store.exercises.record_deliveries([made])[0]


# --- the clock ------------------------------------------------------------------------------------------------

def pause(store: Store) -> ExerciseClockState:
    catch_up(store)
    return _move(store, lambda s, wall: ec.pause(s, wall), "pause", "paused by the facilitator")


def resume(store: Store) -> ExerciseClockState:
    return _move(store, lambda s, wall: ec.resume(s, wall), "resume", "resumed by the facilitator")


def jump(store: Store, by: timedelta) -> list[Delivery]:
    """Forward by `by` (while running or paused); injects passed over are delivered now, together."""
    catch_up(store)
    # The move and the injects it passed over are one transaction: a terminal looking at the clock between
    # them would see the new time and deliver those injects "on time".
    with store.write() as tx:
        play = in_play(store)
        _refuse_if_over(play)
        by = min(by, play.endex_at - play.now) if play.now < play.endex_at else by
        if by <= timedelta(0):
            raise BadInput("the clock is at ENDEX: there is nothing left to jump over; end the exercise with "
                           "'endex'")
        moved = _move(store, lambda s, wall: ec.jump(s, wall, by), "jump", f"jumped forward {format_t(by)[2:]}")
        # The store's clock rereads its row only after a commit, so the new time is worked out here.
        after = InPlay(play.run, play.scenario, moved, ec.exercise_now(moved, _wall(store)))
        tx.at = to_utc_iso(after.now)  # what arrives is logged at the time it arrived, after the jump
        return _due(store, after, how="while-away", stamp=after.now)


def stop(store: Store, codeword: str) -> ExerciseClockState:
    """The stop codeword: play ends at once, whatever is pending; the log says who said it and when."""
    play = in_play(store)
    if codeword.strip().casefold() != play.run.codeword.casefold():
        raise BadInput(f"that is not this exercise's stop codeword; say {play.run.codeword!r} to stop play")
    return _move(store, lambda s, wall: ec.finish(s, wall, ClockRun.STOPPED), "stop",
                 f"stop codeword {play.run.codeword!r}: play stopped at once")


def endex(store: Store) -> ExerciseClockState:
    catch_up(store)
    play = in_play(store)
    if play.clock.run is ClockRun.ENDED:
        raise BadInput("the exercise has already ended")
    return _move(store, lambda s, wall: ec.finish(s, wall, ClockRun.ENDED), "endex", "ENDEX called by the facilitator")


def _end_at_endex(store: Store, play: InPlay) -> None:
    with store.write():
        # Read again inside the write: another terminal may have ended play, or paused it short of ENDEX,
        # since this one looked.
        state = store.exercise_clock.get()
        if (state is None or state.run in (ClockRun.STOPPED, ClockRun.ENDED)
                or ec.exercise_now(state, _wall(store)) < play.endex_at):
            return
        # Frozen at ENDEX exactly, not wherever the clock had run to by the time someone looked.
        ended = ExerciseClockState(startex=state.startex, wall_anchor=_wall(store), exercise_anchor=play.endex_at,
                                   scale=state.scale, run=ClockRun.ENDED)
        store.exercise_clock.save(ended, action="endex", reason="ENDEX: the scenario's time is up")


def _move(store: Store, how, action: str, reason: str) -> ExerciseClockState:
    state = store.exercise_clock.get()
    if state is None:
        raise NoExercise("this store has no exercise in play")
    try:
        moved = how(state, _wall(store))
    except ClockRefusal as exc:
        raise BadInput(str(exc)) from None
    store.exercise_clock.save(moved, action=action, reason=reason)
    return moved


def _refuse_if_over(play: InPlay) -> None:
    if play.clock.run is ClockRun.STOPPED:
        raise BadInput("play was stopped with the codeword; nothing more can be delivered or moved")
    if play.clock.run is ClockRun.ENDED:
        raise BadInput("the exercise has ended (ENDEX); write the report with 'contingency exercise report'")


# --- the facilitator's marks -----------------------------------------------------------------------------------

def mark(store: Store, expectation_id: str, *, met: bool, note: str) -> None:
    play = in_play(store)
    if play.scenario.expectation(expectation_id) is None:
        known = ", ".join(e.id for _, e in play.scenario.all_expectations())
        raise BadInput(f"there is no expectation {expectation_id!r}; this scenario's are {known}")
    if not note.strip():
        raise BadInput("note: say what was seen (or why it is excused); the report quotes it")
    store.exercises.add_mark(expectation_id, "met" if met else "excused", note.strip(), at=play.now,
                             wall_at=_wall(store))


# --- evidence and scores ----------------------------------------------------------------------------------------

def first_held(store: Store, play: InPlay, expectation: Expectation, *, since: datetime,
               delivered_at: datetime | None = None) -> datetime | None:
    """When every key of the expectation's `when` had first held (each key's first time; the latest of them).
    `delivered_at`: when the inject that holds the expectation was delivered. A state (a classification, a
    letter, an import) may already hold before it, and counts; a `decision` is an answer to the inject, so only
    an entry recorded at or after its delivery counts (a decision about staffing logged at T+0:25 is not the
    decision on the agency offer of T+2:00, even if it names an agency)."""
    evidence = EvidenceRepo(store)
    times = [_key_first_held(store, play, evidence, expectation, key,
                             max(since, delivered_at) if key == "decision" and delivered_at else since)
             for key in _keys(expectation.when)]
    if not times or any(t is None for t in times):
        return None
    return max(t for t in times if t is not None)


def _keys(when: When) -> list[str]:
    # `state` and `tag` qualify another key rather than standing alone
    return [k for k in when.given_keys() if k not in ("state", "tag")]


def _key_first_held(store: Store, play: InPlay, evidence: EvidenceRepo, expectation: Expectation, key: str,
                    since: datetime) -> datetime | None:
    from contingency.rules.times import from_utc_iso

    when = expectation.when
    at = to_utc_iso(since)
    text: str | None
    if key == "classification":
        text = evidence.classification(when.classification.value, at)
    elif key == "decision":
        text = evidence.decision(when.decision, at)
    elif key == "letter":
        text = evidence.letter(_letter_refs(store, when), at)
    elif key == "cost_route":
        text = evidence.cost_route(when.cost_route.value, at)
    elif key == "imported":
        text = evidence.imported_whole(at)
    elif key == "handover":
        text = evidence.handover(at)
    elif key == "manual":
        text = evidence.marked_met(expectation.id, at)
    elif key == "basis":
        people = _tagged(evidence, when.tag) if when.tag else None
        text = evidence.basis_since(when.basis.value, people, at)
    elif key in ("step", "person_item"):
        found = _step_settled(store, play, when, key)
        return found if found is not None and found >= since else None
    else:  # a key the scenario models know and this evaluator does not: never silently "held"
        raise BadInput(f"expectation {expectation.id}: the predicate key {key!r} cannot be evaluated")
    return from_utc_iso(text) if text else None


def _tagged(evidence: EvidenceRepo, tag: str) -> list[int]:
    ref = tag_reference(tag)
    return evidence.people_by_tag([ref, "'" + ref])  # a spreadsheet-safe CSV carries '@tag


def _letter_refs(store: Store, when: When) -> list[str]:
    from contingency.rules.authorities import AuthorityNotResolved

    target = when.letter
    if target.to.value == "cqc":
        return ["cqc"]
    if target.to.value == "person":
        return ["person:%"]
    if target.any_body:
        return [f"{target.to.value}:%"]
    try:
        if target.to.value == "la":
            return [store.authorities.resolve(target.body).ref]
        return [store.icbs.resolve(target.body).ref]
    except (AuthorityNotResolved, LookupError, ValueError):
        return []


def _step_settled(store: Store, play: InPlay, when: When, key: str) -> datetime | None:
    """When the step (every item of it, for a per-person step) or the tagged person's item reached the state."""
    from contingency.services.playbooks import incident_playbook

    ref = when.step if key == "step" else when.person_item
    wanted = when.step_state.item_state if key == "step" else "done"
    person_ids = set(_tagged(EvidenceRepo(store), when.tag)) if key == "person_item" else None
    best: datetime | None = None
    for incident in store.incidents.list():
        view = incident_playbook(store, incident.id, now=play.now)
        if view.plan is None or view.plan.playbook.id != ref.playbook:
            continue
        step = view.plan.step_plan(ref.step)
        if step is None:
            continue
        items = [i for i in step.items if person_ids is None or i.person_id in person_ids]
        if not items or any(i.state.value != wanted for i in items):
            continue
        settled = [i.settled_at for i in items if i.settled_at is not None]
        if settled:
            held = max(settled)
            best = held if best is None or held < best else best
    return best


def _step_due(store: Store, play: InPlay) -> dict[str, timedelta]:
    """An expectation with no `by` on a step or person item: its target is that step's due time."""
    from contingency.services.playbooks import incident_playbook

    due: dict[str, timedelta] = {}
    wanted = [(e, e.when.step or e.when.person_item) for _, e in play.scenario.all_expectations()
              if e.by is None and not e.must_not and (e.when.step or e.when.person_item)]
    if not wanted:
        return due
    views = [incident_playbook(store, i.id, now=play.now) for i in store.incidents.list()]
    for expectation, ref in wanted:
        times = [item.due_at for view in views if view.plan and view.plan.playbook.id == ref.playbook
                 for step in [view.plan.step_plan(ref.step)] if step for item in step.items if item.due_at]
        if times:
            due[expectation.id] = min(times) - play.clock.startex
    return due


@dataclass(frozen=True)
class Scores:
    play: InPlay
    outcomes: list[scoring.Outcome]
    objectives: list[scoring.ObjectiveScore]
    measures: scoring.Measures

    @property
    def ended(self) -> bool:
        return self.play.clock.run in (ClockRun.STOPPED, ClockRun.ENDED)


def scores(store: Store) -> Scores:
    catch_up(store)
    play = in_play(store)
    startex = play.clock.startex
    delivered = {d.inject_id: d.delivered_at - startex for d in store.exercises.deliveries() if d.delivered_at}
    excused = {m.expectation_id for m in store.exercises.marks() if m.kind == "excused"}
    ended = play.clock.run in (ClockRun.STOPPED, ClockRun.ENDED)
    outcomes = []
    for window in scoring.windows(play.scenario, delivered, _step_due(store, play)):
        answered = startex + delivered[window.inject.id] if window.inject is not None else None
        held = first_held(store, play, window.expectation, since=startex + window.since, delivered_at=answered)
        outcomes.append(scoring.judge(window, None if held is None else held - startex, now=play.offset,
                                      ended=ended, excused=window.expectation.id in excused,
                                      endex=play.scenario.endex))
    return Scores(play, outcomes, scoring.rate(play.scenario, outcomes), scoring.measures(outcomes))


def status(store: Store) -> dict[str, Any]:
    """What `exercise status --json` prints (exercises.md §3), and what the facilitator's screen shows."""
    catch_up(store)
    play = in_play(store)
    startex = play.clock.startex
    deliveries = store.exercises.deliveries()
    done = {d.inject_id for d in deliveries}
    upcoming = [i for i in play.scenario.injects_in_order() if i.id not in done]
    return {
        "scenario": play.scenario.id, "title": play.scenario.scenario.title,
        "clock": format_t(play.offset), "state": play.clock.run.value,
        "exercise_time": to_utc_iso(play.now), "endex": format_t(play.scenario.endex),
        "time_scale": str(play.clock.scale),
        "delivered": [{"id": d.inject_id, "at": d.planned,
                       "delivered_at": format_t(d.delivered_at - startex) if d.delivered_at else None,
                       "how": d.how, "attachment": d.attachment} for d in deliveries],
        "next": [{"id": i.id, "at": format_t(i.at.offset), "in": format_t(play.at(i) - play.now)[2:],
                  "channel": i.channel.value, "from": i.from_, "contingency": i.condition is not None}
                 for i in upcoming],
        "incident_ids": [i.id for i in store.incidents.list()],
    }


def state_of(outcome: scoring.Outcome, startex_offset: timedelta = timedelta(0)) -> dict[str, Any]:
    return {"id": outcome.id, "state": outcome.state.value,
            "met_at": format_t(outcome.met_at) if outcome.met_at is not None else None,
            "target": format_t(outcome.window.target), "weight": outcome.window.expectation.weight,
            "text": outcome.window.expectation.text, "must_not": outcome.window.expectation.must_not}


# --- reads for the screens (issue 12: the TUI reads through services) -----------------------------------------


def deliveries(store: Store) -> list[Delivery]:
    """Every inject delivery recorded, in the order they were delivered."""
    return store.exercises.deliveries()
