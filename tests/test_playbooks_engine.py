"""Playbooks as data: the shipped files validate, broken files are reported precisely, and the plan
(conditions, per-person items, due and overdue times) is computed right against a frozen clock."""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from contingency.engine.loader import (
    load_file,
    load_playbooks,
    parse_playbook,
    playbook_for,
)
from contingency.engine.models import Playbook, RecordKind, parse_due
from contingency.engine.plan import (
    Someone,
    attention_key,
    build_plan,
    imca_needed,
    person_matches,
)
from contingency.engine.runs import (
    Answer,
    EvidenceMissing,
    ItemState,
    StepItem,
    evidence_for,
    pick_option,
)
from contingency.engine.words import due_words, when_words
from contingency.models import (
    Classification,
    Incident,
    IncidentFacts,
    IncidentStatus,
    ServiceKind,
)
from contingency.paths import resource_dir
from contingency.person import (
    RAG,
    Basis,
    Determination,
    Flag,
    Person,
    PersonFacts,
    PersonStatus,
)
from contingency.services.playbooks import incident_playbook
from tests.tui_support import DEMO_NOW, demo_store

SHIPPED = resource_dir("playbooks")
AWARE = datetime(2026, 11, 23, 1, 40, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_council_folder(monkeypatch):
    monkeypatch.delenv("CONTINGENCY_PLAYBOOKS", raising=False)


# --- the shipped playbooks ------------------------------------------------------------------------


def test_the_three_shipped_playbooks_load_and_validate():
    playbooks, problems = load_playbooks()
    assert problems == []
    assert sorted(p.id for p in playbooks) == ["cqc-s56-warning", "s48-business-failure", "urgent-need"]
    assert playbook_for(playbooks, Classification.SECTION_48_ACTIVE).id == "s48-business-failure"
    assert playbook_for(playbooks, Classification.URGENT_NEED).id == "urgent-need"
    assert playbook_for(playbooks, Classification.WARNING).id == "cqc-s56-warning"
    assert playbook_for(playbooks, Classification.NOT_OUR_DUTY) is None
    for playbook in playbooks:
        assert Path(playbook.file).name == f"{playbook.id}.toml"
        for step in playbook.steps:
            assert step.citations and step.guidance.strip()
            assert len(step.title) <= 60
            assert bool(step.options) == step.record.needs_options, step.id


def test_the_s48_playbook_covers_the_night_from_trigger_to_lessons_learned():
    s48 = next(p for p in load_playbooks()[0] if p.id == "s48-business-failure")
    ids = [s.id for s in s48.steps]
    for needed in ("confirm-trigger", "check-continuing", "request-people-list", "rag-rate", "red-safe-tonight",
                   "welfare-call-round", "notify-icb", "notify-cqc", "involve-each-person", "instruct-imca",
                   "prepare-move", "confirm-arrival", "charging-decision", "send-claims", "log-dispute",
                   "refer-secretary-of-state", "review-necessity", "stand-down", "debrief"):
        assert needed in ids
    assert s48.step("red-safe-tonight").for_each_person.rag == (RAG.RED,)
    assert s48.step("refer-secretary-of-state").due_after == timedelta(days=120)
    assert s48.step("confirm-trigger").record is RecordKind.DECISION


@pytest.mark.parametrize(("text", "expected"), [("+30m", timedelta(minutes=30)), ("+4h", timedelta(hours=4)),
                                                ("+7d", timedelta(days=7)), ("+0m", timedelta(0))])
def test_due_times_read_as_minutes_hours_or_days(text, expected):
    assert parse_due(text) == expected


@pytest.mark.parametrize("text", ["4h", "+1w", "+1.5h", "+ 4h", "+4H", "+h", "4"])
def test_a_due_time_that_is_not_plus_a_whole_number_and_m_h_or_d_is_refused(text):
    with pytest.raises(ValueError, match="is not a due time"):
        parse_due(text)


# --- broken playbooks are reported precisely --------------------------------------------------------


def _variant(folder: Path, name: str, *replacements: tuple[str, str]) -> Path:
    text = (SHIPPED / "urgent-need.toml").read_text("utf-8").replace('id = "urgent-need"', f'id = "{name}"', 1)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / f"{name}.toml"
    path.write_text(text, "utf-8")
    return path


JEOPARDY_OPTIONS = '''options = [
  "Care in imminent jeopardy, no quick return: step in",
  "Partial gaps: provider covers most, we fill the rest",
  "Provider expects normal service within hours: monitor",
]
'''


@pytest.fixture
def council_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "council-playbooks"
    folder.mkdir()
    _variant(folder, "bad-due", ('due = "+4h"', 'due = "4h"'))
    _variant(folder, "unknown-phase", ('id = "rag-rate"\nphase = "triage"', 'id = "rag-rate"\nphase = "triag"'))
    _variant(folder, "later-step", ('due_from = "arrange-each-person"', 'due_from = "charging-decision"'))
    _variant(folder, "no-options", (JEOPARDY_OPTIONS, ""))
    _variant(folder, "syntax", ('title = "Get the list of people affected"', 'title = "Get the list of people affected'))
    monkeypatch.setenv("CONTINGENCY_PLAYBOOKS", str(folder))
    return folder


def test_each_broken_file_is_reported_with_its_file_step_and_key_and_the_rest_still_load(council_folder):
    playbooks, problems = load_playbooks()
    assert sorted(p.id for p in playbooks) == ["cqc-s56-warning", "s48-business-failure", "urgent-need"]
    found = {Path(p.file).name: p for p in problems}
    assert set(found) == {"bad-due.toml", "unknown-phase.toml", "later-step.toml", "no-options.toml", "syntax.toml"}
    assert len(problems) == 5, [str(p) for p in problems]

    bad_due = found["bad-due.toml"]
    assert (bad_due.step, bad_due.field) == ("red-safe-tonight", "due")
    assert "'4h' is not a due time" in bad_due.message and "+4h" in bad_due.message

    phase = found["unknown-phase.toml"]
    assert (phase.step, phase.field) == ("rag-rate", "phase")
    assert "'triag' is not one of the phases" in phase.message

    later = found["later-step.toml"]
    assert (later.step, later.field) == ("move-person", "due_from")
    assert "later step 'charging-decision'" in later.message

    options = found["no-options.toml"]
    assert (options.step, options.field) == ("judge-jeopardy", "options")
    assert "a decision step needs options" in options.message

    syntax = found["syntax.toml"]
    assert syntax.step is None and syntax.line is not None
    assert "is not valid TOML" in syntax.message
    lines = (council_folder / "syntax.toml").read_text("utf-8").splitlines()
    assert 'title = "Get the list of people affected' in lines[syntax.line - 1]

    assert str(bad_due) == f"{council_folder / 'bad-due.toml'}: step 'red-safe-tonight': due: {bad_due.message}"


def test_unknown_keys_wrong_values_and_a_misnamed_file_are_named(tmp_path):
    path = _variant(tmp_path, "misnamed",
                    ('id = "misnamed"', 'id = "something-else"'),
                    ('record = "note"', 'record = "notes"'),
                    ('rag = ["RED"]', 'rag = ["RED"]\ncapacity_concern = "true"\nrgb = ["RED"]'))
    playbook, problems = load_file(path)
    assert playbook is None
    described = {(p.step, p.field): p.message for p in problems}
    assert "must match the file name (misnamed.toml)" in described[(None, "id")]
    assert "'notes' is not one of" in described[("open-decision-log", "record")]
    assert "without quotes" in described[("red-safe-tonight", "for_each_person.capacity_concern")]
    assert "not a key playbooks use" in described[("red-safe-tonight", "for_each_person.rgb")]


def test_repeated_ids_options_on_a_note_step_and_a_step_naming_itself(tmp_path):
    data = tomllib.loads((SHIPPED / "urgent-need.toml").read_text("utf-8"))
    steps = data["steps"]
    steps[1]["id"] = steps[0]["id"]
    steps[2]["options"] = ["a", "b"]
    steps[3]["due_from"] = steps[3]["id"]
    playbook, problems = parse_playbook(data, file="x.toml")
    assert playbook is None
    assert [(p.step, p.field) for p in problems] == [(steps[2]["id"], "options")]
    del steps[2]["options"]
    playbook, problems = parse_playbook(data, file="x.toml")
    assert [(p.step, p.field) for p in problems] == [("confirm-route", "id"), ("request-people-list", "due_from")]
    assert "names this step itself" in problems[1].message


def test_the_model_itself_refuses_a_due_from_naming_a_later_step():
    data = tomllib.loads((SHIPPED / "s48-business-failure.toml").read_text("utf-8"))
    data["steps"][0]["due_from"] = "debrief"
    with pytest.raises(ValidationError, match="step 'confirm-trigger': due_from: names a later step 'debrief'"):
        Playbook.model_validate(data)


def test_a_council_playbook_replaces_the_shipped_one_with_the_same_id(tmp_path, monkeypatch):
    folder = tmp_path / "ours"
    folder.mkdir()
    shutil.copy(SHIPPED / "urgent-need.toml", folder / "urgent-need.toml")
    text = (folder / "urgent-need.toml").read_text("utf-8").replace('version = "1.0.0"', 'version = "1.1.0"', 1)
    (folder / "urgent-need.toml").write_text(text, "utf-8")
    monkeypatch.setenv("CONTINGENCY_PLAYBOOKS", str(folder))
    playbooks, problems = load_playbooks()
    assert problems == []
    urgent = [p for p in playbooks if p.id == "urgent-need"]
    assert len(urgent) == 1 and urgent[0].version == "1.1.0" and urgent[0].file == str(folder / "urgent-need.toml")


def test_a_missing_council_folder_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTINGENCY_PLAYBOOKS", str(tmp_path / "nowhere"))
    playbooks, problems = load_playbooks()
    assert len(playbooks) == 3
    assert len(problems) == 1 and "does not exist" in problems[0].message


# --- conditions and per-person items on the demo --------------------------------------------------------


def test_the_s48_playbook_on_the_demo_care_home_has_an_item_for_every_red_person(tmp_path):
    store = demo_store(tmp_path)
    care_home = store.incidents.list()[0]
    assert care_home.facts.service_kind is ServiceKind.CARE_HOME
    view = incident_playbook(store, care_home.id)
    assert view.playbook.id == "s48-business-failure" and view.run is not None
    red = {p.id for p in store.people.all(care_home.id) if p.facts.rag is RAG.RED}
    assert len(red) >= 3
    assert {i.person_id for i in view.plan.step_plan("red-safe-tonight").items} == red
    # Home-care-only steps do not apply to a care home, and say why; care-home steps do.
    ruled_out = {step.id: why for step, why in view.plan.not_applicable}
    assert set(ruled_out) == {"home-care-details", "welfare-call-round", "time-critical-calls"}
    assert "this is care home" in ruled_out["welfare-call-round"]
    assert view.plan.step_plan("staff-home-tonight") is not None
    # The demo has Welsh and Scottish placements, so the s.49 letters apply.
    assert view.plan.step_plan("notify-devolved-bodies") is not None
    # Everyone still with the provider is to be involved (s.52(4)-(6)), except the NHS's people.
    involve = {i.person_id for i in view.plan.step_plan("involve-each-person").items}
    nhs = {p.id for p in store.people.all(care_home.id) if p.determination.basis is Basis.NHS_ICB}
    assert nhs and not involve & nhs
    assert len(involve) == len(store.people.all(care_home.id)) - len(nhs)


def test_the_urgent_need_playbook_on_the_demo_home_care_runs_the_call_round_not_the_care_home_steps(tmp_path):
    store = demo_store(tmp_path)
    home_care = store.incidents.list()[1]
    view = incident_playbook(store, home_care.id)
    assert view.playbook.id == "urgent-need"
    assert view.plan.step_plan("welfare-call-round") is not None
    assert {s.id for s, _ in view.plan.not_applicable} == {"cover-care-home", "cover-day-service", "move-person"}


def test_the_demo_section_48_incident_has_realistic_due_times(tmp_path):
    store = demo_store(tmp_path)
    care_home = store.incidents.list()[0]
    aware = care_home.facts.aware_at
    assert DEMO_NOW - aware == timedelta(hours=1, minutes=20)
    plan = incident_playbook(store, care_home.id).plan
    assert plan.now == DEMO_NOW

    def item(step_id, person_id=None):
        return plan.item(step_id, person_id)

    # The first half hour's work is recorded in the demo; the rest of the first hour is overdue.
    assert item("confirm-trigger").state is ItemState.DONE
    assert item("confirm-duty-holder").due_at == aware + timedelta(hours=1)
    assert item("confirm-duty-holder").overdue_by == timedelta(minutes=20)
    assert when_words(item("confirm-duty-holder"), DEMO_NOW) == "OVERDUE 20m"
    assert item("staff-home-tonight").due_at == aware + timedelta(hours=2)
    assert due_words(item("staff-home-tonight"), DEMO_NOW) == "due 02:40"
    first_red = plan.step_plan("red-safe-tonight").items[0]
    assert first_red.due_at == aware + timedelta(hours=4) and not first_red.overdue
    assert item("review-necessity").due_at == aware + timedelta(days=7)
    assert due_words(item("review-necessity"), DEMO_NOW) == "due 30/11/2026 00:40"
    assert item("refer-secretary-of-state").due_at is None
    assert item("refer-secretary-of-state").waits_for == "log-dispute"
    assert plan.next_due.step.id == "confirm-duty-holder"
    assert [i.step.id for i in plan.overdue_items] == ["confirm-duty-holder", "contact-insolvency-practitioner"]


# --- person filters ---------------------------------------------------------------------------------------


def _person(person_id: int, *, rag: RAG | None = None, basis: Basis = Basis.S48, flags: tuple[Flag, ...] = (),
            status: PersonStatus = PersonStatus.WITH_PROVIDER, **facts) -> Someone:
    return Someone.of(Person(id=person_id, incident_id=1,
                             facts=PersonFacts(first_name=f"P{person_id}", last_name="Testwell", rag=rag,
                                               rag_reason="reason" if rag else "", status=status, **facts),
                             determination=Determination(basis=basis, flags=flags)))


def test_imca_needed_means_the_flag_or_an_advocate_recorded_as_needed():
    assert imca_needed(_person(1, flags=(Flag.IMCA_NEEDED,)))
    assert imca_needed(_person(2, advocate_needed=True))
    assert not imca_needed(_person(3, capacity_concern=True))


def test_a_person_filter_needs_every_key_to_match_and_any_value_in_a_list():
    from contingency.engine.models import PersonFilter

    wanted = PersonFilter(basis=["s48", "s48+s49"], status="with-provider")
    assert person_matches(wanted, _person(1, basis=Basis.S48_S49))
    assert not person_matches(wanted, _person(2, basis=Basis.EXISTING_S18))
    assert not person_matches(wanted, _person(3, status=PersonStatus.MOVED))
    assert person_matches(PersonFilter(funding=["fnc"]), _person(4, fnc=True))
    assert person_matches(PersonFilter(flag=["s21-immigration", "s23-housing"]), _person(5, flags=(Flag.S23_HOUSING,)))
    assert person_matches(PersonFilter(capacity_concern=False), _person(6))
    assert not person_matches(PersonFilter(imca_needed=True), _person(7))


# --- due and overdue with a frozen clock --------------------------------------------------------------------

TIMING = """
id = "timing"
title = "Timing"
version = "1"
serves = ["section-48-active"]
basis = "test"
summary = "test"

[[phases]]
id = "one"
title = "One"

[[steps]]
id = "first"
phase = "one"
title = "First"
role = "duty officer"
due = "+30m"
record = "note"
citations = ["brief rule 1"]
guidance = "g"

[[steps]]
id = "after-first"
phase = "one"
title = "After first"
role = "duty officer"
due = "+2h"
due_from = "first"
record = "note"
citations = ["brief rule 1"]
guidance = "g"

[[steps]]
id = "each-red"
phase = "one"
title = "Each RED person"
role = "duty officer"
due = "+4h"
record = "yes-no"
citations = ["brief rule 9"]
guidance = "g"
[steps.for_each_person]
rag = ["RED"]

[[steps]]
id = "each-red-after"
phase = "one"
title = "After each RED person"
role = "social worker"
due = "+1d"
due_from = "each-red"
record = "note"
citations = ["brief rule 9"]
guidance = "g"
[steps.for_each_person]
rag = ["RED", "AMBER"]

[[steps]]
id = "when-all-red-done"
phase = "one"
title = "When every RED person is done"
role = "incident lead"
due = "+1h"
due_from = "each-red"
record = "note"
citations = ["brief rule 9"]
guidance = "g"

[[steps]]
id = "home-care-only"
phase = "one"
title = "Home care only"
role = "duty officer"
due = "+1h"
record = "note"
citations = ["brief rule 9"]
guidance = "g"
[steps.when]
service_kind = ["home-care"]
"""


@pytest.fixture
def timing() -> Playbook:
    playbook, problems = parse_playbook(tomllib.loads(TIMING), file="timing.toml")
    assert problems == []
    return playbook


def _incident() -> Incident:
    facts = IncidentFacts(provider_name="Acme", service_kind=ServiceKind.CARE_HOME, area_code="LDS",
                          event_key="administration", aware_at=AWARE)
    return Incident(id=1, facts=facts, classification=Classification.SECTION_48_ACTIVE, reasons=(),
                    status=IncidentStatus.ACTIVE, opened_at=AWARE)


def _done(step_id: str, at: datetime, person_id: int | None = None, state: ItemState = ItemState.DONE) -> StepItem:
    return StepItem(id=hash((step_id, person_id)) % 10_000, run_id=1, step_id=step_id, person_id=person_id,
                    state=state, reason="r" if state.needs_reason else "", updated_by="Sam Patel", updated_at=at)


RED_A, RED_B, AMBER_C = _person(1, rag=RAG.RED), _person(2, rag=RAG.RED), _person(3, rag=RAG.AMBER)


def test_a_step_is_overdue_by_the_time_past_its_due_time_from_awareness(timing):
    now = AWARE + timedelta(minutes=50)
    plan = build_plan(timing, _incident(), [RED_A, RED_B, AMBER_C], [], now)
    first = plan.item("first", None)
    assert first.due_at == AWARE + timedelta(minutes=30)
    assert first.overdue and first.overdue_by == timedelta(minutes=20)
    assert when_words(first, now) == "OVERDUE 20m"
    assert not plan.item("each-red", RED_A.id).overdue
    # Exactly at the due time it is not yet overdue.
    on_time = build_plan(timing, _incident(), [], [], AWARE + timedelta(minutes=30))
    assert not on_time.item("first", None).overdue


def test_a_step_due_from_another_counts_from_that_steps_completion(timing):
    now = AWARE + timedelta(hours=3)
    waiting = build_plan(timing, _incident(), [], [], now).item("after-first", None)
    assert waiting.due_at is None and waiting.waits_for == "first" and not waiting.overdue
    assert when_words(waiting, now) == "after first"
    finished = AWARE + timedelta(minutes=45)
    plan = build_plan(timing, _incident(), [], [_done("first", finished)], now)
    after = plan.item("after-first", None)
    assert after.due_at == finished + timedelta(hours=2)
    assert after.overdue_by == timedelta(minutes=15)
    assert not plan.item("first", None).overdue, "a done step is never overdue"


def test_a_per_person_step_due_from_another_counts_from_that_same_persons_item(timing):
    a_done = AWARE + timedelta(hours=1)
    plan = build_plan(timing, _incident(), [RED_A, RED_B, AMBER_C], [_done("each-red", a_done, RED_A.id)],
                      AWARE + timedelta(hours=2))
    assert plan.item("each-red-after", RED_A.id).due_at == a_done + timedelta(days=1)
    assert plan.item("each-red-after", RED_B.id).due_at is None
    assert plan.item("each-red-after", RED_B.id).waits_for == "each-red"
    # AMBER C has no item of the earlier (RED-only) step, so its clock runs from awareness.
    assert plan.item("each-red-after", AMBER_C.id).due_at == AWARE + timedelta(days=1)
    # A whole step after a per-person step waits for every person's item to be settled.
    assert plan.item("when-all-red-done", None).due_at is None
    b_skipped = AWARE + timedelta(hours=1, minutes=30)
    plan = build_plan(timing, _incident(), [RED_A, RED_B, AMBER_C],
                      [_done("each-red", a_done, RED_A.id),
                       _done("each-red", b_skipped, RED_B.id, ItemState.NOT_APPLICABLE)], AWARE + timedelta(hours=2))
    assert plan.item("when-all-red-done", None).due_at == b_skipped + timedelta(hours=1)
    assert plan.item("each-red-after", RED_B.id).due_at == b_skipped + timedelta(days=1)


def test_blocked_steps_stay_overdue_and_settled_ones_never_are(timing):
    now = AWARE + timedelta(hours=5)
    recorded = [_done("first", AWARE + timedelta(minutes=10), state=ItemState.BLOCKED),
                _done("each-red", AWARE + timedelta(minutes=10), RED_A.id, ItemState.NOT_APPLICABLE)]
    plan = build_plan(timing, _incident(), [RED_A, RED_B], recorded, now)
    blocked = plan.item("first", None)
    assert blocked.state is ItemState.BLOCKED and blocked.overdue_by == timedelta(hours=4, minutes=30)
    assert when_words(blocked, now) == "BLOCKED, 4h 30m late"
    assert not plan.item("each-red", RED_A.id).overdue
    assert plan.item("each-red", RED_B.id).overdue_by == timedelta(hours=1)


def test_overdue_items_come_first_most_overdue_first_then_soonest_due_then_those_waiting(timing):
    now = AWARE + timedelta(hours=4, minutes=30)
    plan = build_plan(timing, _incident(), [RED_A, AMBER_C], [], now)
    order = [(i.step.id, i.person_id) for i in sorted(plan.open_items, key=attention_key)]
    assert order[:2] == [("first", None), ("each-red", RED_A.id)]
    assert order[2] == ("each-red-after", AMBER_C.id)  # due tomorrow from awareness
    assert set(order[3:]) == {("after-first", None), ("each-red-after", RED_A.id), ("when-all-red-done", None)}
    assert plan.next_due.step.id == "first"
    assert [(i.step.id, i.person_id) for i in plan.due_within(12)] == order[:2]


def test_people_added_or_re_rated_later_get_their_items_when_the_plan_is_made(timing):
    before = build_plan(timing, _incident(), [RED_A], [], AWARE)
    assert [i.person_id for i in before.step_plan("each-red").items] == [RED_A.id]
    newly_red = _person(9, rag=RAG.RED)
    after = build_plan(timing, _incident(), [RED_A, newly_red], [], AWARE)
    assert [i.person_id for i in after.step_plan("each-red").items] == [RED_A.id, newly_red.id]
    # Someone re-rated AMBER after their RED item was recorded keeps it, marked as no longer matching.
    re_rated = _person(1, rag=RAG.AMBER)
    kept = build_plan(timing, _incident(), [re_rated], [_done("each-red", AWARE, RED_A.id)], AWARE)
    (item,) = kept.step_plan("each-red").items
    assert item.state is ItemState.DONE and not item.matches


def test_steps_ruled_out_by_the_service_kind_are_listed_with_why(timing):
    plan = build_plan(timing, _incident(), [], [], AWARE)
    assert [(s.id, why) for s, why in plan.not_applicable] == [("home-care-only", "only for home care; this is care home")]
    assert plan.step_plan("home-care-only") is None


# --- evidence ---------------------------------------------------------------------------------------------------


def test_each_record_kind_asks_for_exactly_its_evidence(timing):
    s48 = next(p for p in load_playbooks()[0] if p.id == "s48-business-failure")
    decision = s48.step("confirm-trigger")
    with pytest.raises(EvidenceMissing, match="rationale"):
        evidence_for(decision, Answer(decision="1"))
    with pytest.raises(EvidenceMissing, match="no option 9"):
        evidence_for(decision, Answer(decision="9", rationale="r"))
    chosen = evidence_for(decision, Answer(decision="1", rationale="notice seen"))
    assert chosen["decision"] == decision.options[0] and chosen["options"] == list(decision.options)
    own = evidence_for(decision, Answer(decision="Treat as s.48 while the court order is checked",
                                        rationale="r", options=("a", "b")))
    assert own["options"] == ["a", "b"]
    with pytest.raises(EvidenceMissing, match="yes or no"):
        evidence_for(s48.step("confirm-duty-holder"), Answer(rationale="r"))
    assert evidence_for(s48.step("confirm-duty-holder"), Answer(yes=False, note="Care is in Bradford")) == {
        "kind": "yes-no", "answer": "no", "rationale": "Care is in Bradford"}
    with pytest.raises(EvidenceMissing, match="a count"):
        evidence_for(s48.step("rag-rate"), Answer(count=-1))
    assert evidence_for(s48.step("rag-rate"), Answer(count=0))["count"] == 0
    with pytest.raises(EvidenceMissing, match="document"):
        evidence_for(s48.step("notify-icb"), Answer(note="sent"))
    with pytest.raises(EvidenceMissing, match="a note"):
        evidence_for(s48.step("open-decision-log"), Answer(note="  "))


def test_a_choice_is_one_of_the_options_by_number_or_words():
    data = tomllib.loads(TIMING)
    data["steps"][0].update(record="choice", options=["Phone", "Visit"])
    playbook, problems = parse_playbook(data, file="t.toml")
    assert problems == []
    step = playbook.step("first")
    assert evidence_for(step, Answer(choice="2"))["choice"] == "Visit"
    assert evidence_for(step, Answer(choice="phone"))["choice"] == "Phone"
    with pytest.raises(EvidenceMissing, match="'Email' is not one of the options"):
        evidence_for(step, Answer(choice="Email"))
    assert pick_option("3", ("a", "b")) is None
