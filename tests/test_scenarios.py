"""Scenario files for tabletop exercises (design/exercises.md section 2): the format loads, and every class
of mistake is named by file, inject or expectation id, and field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contingency.cli import main as cli_main
from contingency.rules.scenario import (
    ExerciseTime,
    format_offset,
    parse_duration,
    parse_t_time,
    parse_target,
    resolve_startex,
    tag_from_reference,
)
from contingency.services import scenarios

REPO = Path(__file__).resolve().parents[1]

MINIMAL = '''
[scenario]
id = "drill"
title = "A short drill"
version = "1.0.0"
host_authority = "Coventry"
startex = "2027-07-02T23:00"
duration = "2:00"
playbooks = ["s48-business-failure"]

[[objectives]]
id = "O1"
text = "Classify within 20 minutes. Measure: minutes to the right classification."

[[objectives]]
id = "O2"
text = "Import the list. Measure: rows balanced."

[roster]
seed = 11
size = 10
service = "care-home"
funding = { own-council = 4, self-funded = 3, "Warwickshire" = 2, unknown = 1 }
rag = { red = 2, amber = 3, green = 5 }

[[roster.person]]
tag = "mr-a"
rag = "red"

[[injects]]
id = "I1"
at = "T+0:05"
channel = "phone"
from = "Administrator"
text = "We have stopped."

[[injects.expected]]
id = "E1"
text = "s.48 active"
when = { classification = "section-48-active" }
by = "R+0:20"
weight = 2
objectives = ["O1"]

[[injects.expected]]
id = "E2"
text = "Mr A safe"
when = { person_item = "s48-business-failure/red-safe-tonight", tag = "mr-a" }
objectives = ["O1"]

[[injects]]
id = "I2"
at = "T+0:30"
channel = "email"
from = "Administrator"
text = "The list."
attachment = "roster"
condition = { missing = "E1" }

[[injects.expected]]
id = "E3"
text = "imported"
when = { imported = true }
by = "T+1:00"
objectives = ["O2"]

[[expected]]
id = "E9"
text = "no s.48 before the stop"
when = { classification = "section-48-active" }
before = "T+0:05"
must_not = true
weight = 3
objectives = ["O1"]
'''


def write(tmp_path: Path, text: str, name: str = "drill") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_file_loads(tmp_path):
    path = write(tmp_path, MINIMAL)
    assert scenarios.validate(path) == []
    scenario = scenarios.load(path)
    assert scenario.id == "drill" and scenario.endex == timedelta(hours=2)
    # 23:00 on 2 July is BST: 22:00 UTC.
    assert scenario.scenario.startex_at == datetime(2027, 7, 2, 22, 0, tzinfo=UTC)
    inject, e1 = scenario.expectation("E1")
    assert inject.id == "I1" and e1.by == ExerciseTime(offset=timedelta(minutes=20), relative=True)
    assert e1.by.resolve(timedelta(minutes=5)) == timedelta(minutes=25)
    _, e2 = scenario.expectation("E2")
    assert str(e2.when.person_item) == "s48-business-failure/red-safe-tonight" and e2.when.tag == "mr-a"
    assert e2.by is None and e2.weight == 1
    assert scenario.inject("I2").condition.missing == "E1"
    assert scenario.injects[1].from_ == "Administrator" and scenario.injects[1].to == "duty officer"
    assert scenario.scenario.stop_codeword == "NO DUFF" and scenario.scenario.time_scale == 1
    assert scenario.roster.columns == "provider" and scenario.roster.format == "csv"


def test_startex_in_winter_is_gmt():
    assert resolve_startex("2027-03-05T22:40") == datetime(2027, 3, 5, 22, 40, tzinfo=UTC)
    with pytest.raises(ValueError):
        resolve_startex("2027-03-05T22:40+01:00")


@pytest.mark.parametrize("text, minutes", [("T+0:05", 5), ("T+12:00", 720), ("T-600:00", -36000),
                                           ("T+1234:59", 1234 * 60 + 59)])
def test_exercise_times(text, minutes):
    value = parse_t_time(text)
    assert value.offset == timedelta(minutes=minutes) and not value.relative
    assert format_offset(value.offset) == text


@pytest.mark.parametrize("text", ["T+1:5", "T+1:60", "T1:00", "t+1:00", "R+0:10", "T+:10", "+1:00", "T+1:00:00"])
def test_bad_exercise_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_t_time(text)


def test_targets_and_durations():
    assert parse_target("R+0:20") == ExerciseTime(offset=timedelta(minutes=20), relative=True)
    assert parse_target("T+4:00").offset == timedelta(hours=4)
    assert parse_duration("10:00") == timedelta(hours=10)
    for bad in ("R-0:20", "4:00"):
        with pytest.raises(ValueError):
            parse_target(bad)
    for bad in ("T+1:00", "1:5", "10"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_tag_references():
    assert tag_from_reference("@mr-a") == "mr-a"
    assert tag_from_reference("'@mr-a") == "mr-a"  # as a spreadsheet-safe CSV writes it
    assert tag_from_reference("LC001") is None and tag_from_reference(None) is None


# (what to replace, with what, the words the problem must contain: where, field, message)
ERRORS = [
    pytest.param('text = "We have stopped."', 'text = "We have stopped."\ncolour = "red"',
                 ["inject 'I1'", "colour", "not a key scenario files use"], id="unknown-key"),
    pytest.param('at = "T+0:05"', 'at = "T+0:5"', ["inject 'I1'", ": at:", "not an exercise time"],
                 id="bad-time-syntax"),
    pytest.param('before = "T+0:05"', 'by = "R+0:10"', ["expectation 'E9'", ": by:", "belongs to no inject"],
                 id="r-plus-in-scenario-wide"),
    pytest.param('objectives = ["O2"]', 'objectives = ["O7"]', ["expectation 'E3'", "objectives", "'O7'"],
                 id="unknown-objective"),
    pytest.param('condition = { missing = "E1" }', 'condition = { missing = "E77" }',
                 ["inject 'I2'", "condition.missing", "'E77' is not an expectation"], id="missing-condition-target"),
    pytest.param('own-council = 4,', 'own-council = 5,', ["roster", "funding", "add up to 11, not size = 10"],
                 id="funding-counts-not-summing"),
    pytest.param('red = 2,', 'red = 1,', ["roster", "rag", "not size = 10"], id="rag-counts-not-summing"),
    pytest.param('when = { classification = "section-48-active" }\nby = "R+0:20"',
                 'when = { classification = "section-48" }\nby = "R+0:20"',
                 ["inject 'I1' expectation 'E1'", "when.classification", "'section-48' is not one of"],
                 id="unknown-classification"),
    pytest.param('s48-business-failure/red-safe-tonight', 's48-business-failure/no-such-step',
                 ["inject 'I1' expectation 'E2'", "when.person_item", "has no step 'no-such-step'"],
                 id="unknown-playbook-step"),
    pytest.param('s48-business-failure/red-safe-tonight', 'no-such-playbook/red-safe-tonight',
                 ["expectation 'E2'", "when.person_item", "'no-such-playbook' is not a loaded playbook"],
                 id="unknown-playbook"),
    pytest.param('must_not = true\n', '', ["expectation 'E9'", "before", "only with must_not"],
                 id="before-without-must-not"),
    pytest.param('weight = 3', 'weight = 4', ["expectation 'E9'", "weight", "less than or equal to 3"],
                 id="weight-out-of-range"),
    pytest.param('"Warwickshire" = 2', '"Narnia" = 2', ["roster", "funding.Narnia", "neither a funding key"],
                 id="unknown-authority"),
    pytest.param('host_authority = "Coventry"', 'host_authority = "Cardiff"', ["scenario", "host_authority", "Wales"],
                 id="host-not-english"),
    pytest.param('id = "drill"', 'id = "drills"', ["scenario", ": id:", "must match the file name (drill.toml)"],
                 id="id-not-file-name"),
    pytest.param('tag = "mr-a" }', 'tag = "mr-z" }', ["expectation 'E2'", "when.tag", "'mr-z' is not a tag"],
                 id="unknown-tag"),
    pytest.param('channel = "phone"', 'channel = "pigeon"', ["inject 'I1'", "channel", "'pigeon' is not one of"],
                 id="unknown-channel"),
    pytest.param('id = "E3"', 'id = "E1"', ["expectation 'E1'", ": id:", "used by 2 expectations"],
                 id="duplicate-expectation-id"),
    pytest.param('at = "T+0:30"', 'at = "T+3:00"', ["inject 'I2'", ": at:", "after ENDEX"], id="inject-after-endex"),
    pytest.param('when = { imported = true }', 'when = { imported = false }',
                 ["expectation 'E3'", "when.imported"], id="imported-must-be-true"),
    pytest.param('when = { imported = true }', 'when = { letter = "la:Narnia" }',
                 ["expectation 'E3'", "when.letter", "'Narnia'"], id="letter-to-unknown-council"),
    pytest.param('when = { imported = true }', 'when = { cost_route = "s99" }',
                 ["expectation 'E3'", "when.cost_route", "'s99' is not one of"], id="unknown-cost-route"),
    pytest.param('when = { imported = true }', 'when = { basis = "s47" }',
                 ["expectation 'E3'", "when.basis", "'s47' is not one of"], id="unknown-basis"),
    pytest.param('service = "care-home"', 'service = "care-hotel"', ["roster", "service", "'care-hotel' is not one of"],
                 id="unknown-service"),
    pytest.param('[roster]', '[incident]\nprovider = "X Ltd"\nservice = "home-care"\narea = "Coventry"\n'
                 'event = "bankruptish"\naware_at = "T-1:00"\n\n[roster]',
                 ["incident", "event", "unknown event 'bankruptish'"], id="unknown-event"),
    pytest.param('seed = 11', 'seed = 11\ndefects = ["missing-dob"]', ["roster", "defects", "needs a count"],
                 id="defect-without-count"),
]


@pytest.mark.parametrize("old, new, words", ERRORS)
def test_each_error_names_file_id_and_field(tmp_path, old, new, words):
    assert old in MINIMAL
    path = write(tmp_path, MINIMAL.replace(old, new, 1))
    problems = scenarios.validate(path)
    assert problems, "expected a problem"
    shown = [str(p) for p in problems]
    assert any(all(w in s for w in words) for s in shown), shown
    assert all(s.startswith(str(path)) for s in shown)


def test_bad_toml_names_the_line(tmp_path):
    path = write(tmp_path, MINIMAL.replace('id = "I1"', 'id = "I1'))
    (problem,) = scenarios.validate(path)
    assert problem.line is not None and "not valid TOML" in problem.message


@pytest.mark.parametrize("name", ["larkspur", "alder"])
def test_shipped_scenarios_validate(name):
    path = REPO / "playbooks" / "exercises" / f"{name}.toml"
    assert scenarios.validate(path) == []
    scenario = scenarios.load(path)
    assert 3 <= len(scenario.objectives) <= 6
    assert all("Measure" in o.text for o in scenario.objectives)
    assert scenario.scenario.host_authority == "Coventry"
    assert any(i.attachment == "roster" for i in scenario.injects)
    assert any(i.condition for i in scenario.injects)  # a contingency inject
    keys = {k for _, e in scenario.all_expectations() for k in e.when.given_keys()}
    assert {"classification", "step", "person_item", "tag", "basis", "decision", "letter", "imported",
            "handover", "manual"} <= keys | {"cost_route", "decision"}


def test_larkspur_ground_truth():
    scenario = scenarios.load(REPO / "playbooks" / "exercises" / "larkspur.toml")
    _, e0 = scenario.expectation("E0")
    assert e0.must_not and str(e0.before) == "T+1:10" and e0.when.classification == "section-48-active"
    assert str(scenario.inject("I3").at) == "T+1:10"
    assert scenario.roster.size == 48 and sum(scenario.roster.funding.values()) == 48
    assert scenario.roster.fnc_total == 7


def test_discovery_includes_a_council_folder(tmp_path, monkeypatch):
    write(tmp_path, MINIMAL)
    write(tmp_path, "[scenario]\n", name="broken")
    monkeypatch.setenv(scenarios.ENV_FOLDER, str(tmp_path))
    found, problems = scenarios.discover()
    by_id = {f.path.stem: f for f in found}
    assert {"drill", "broken", "larkspur", "alder"} <= set(by_id)
    assert by_id["drill"].source == "council" and by_id["drill"].scenario is not None
    assert by_id["broken"].scenario is None and by_id["broken"].problems
    assert by_id["larkspur"].source == "shipped"
    assert problems == []


def run(capsys, *argv):
    capsys.readouterr()
    code = cli_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_and_validate(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(scenarios.ENV_FOLDER, raising=False)
    code, out, _ = run(capsys, "exercise", "list", "--json")
    assert code == 0 and {"larkspur", "alder"} <= {s["id"] for s in __import__("json").loads(out)["scenarios"]}
    code, out, _ = run(capsys, "exercise", "validate", str(REPO / "playbooks" / "exercises" / "larkspur.toml"))
    assert code == 0 and "valid" in out
    code, out, _ = run(capsys, "exercise", "validate", "alder")  # by id
    assert code == 0
    bad = write(tmp_path, MINIMAL.replace('at = "T+0:05"', 'at = "T+0:5"').replace('objectives = ["O2"]', 'objectives = ["O7"]'))
    code, out, err = run(capsys, "exercise", "validate", str(bad))
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "inject 'I1': at:" in lines[0]  # a field error stops before the cross-checks
    bad2 = write(tmp_path, MINIMAL.replace('objectives = ["O2"]', 'objectives = ["O7"]')
                 .replace('missing = "E1"', 'missing = "E77"'), name="drill")
    code, _, err = run(capsys, "exercise", "validate", str(bad2))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) >= 3  # each problem on its own line
    assert all(line.startswith("contingency: ") for line in lines)
    code, _, err = run(capsys, "exercise", "validate", str(tmp_path / "nothing.toml"))
    assert code == 2 and "does not exist" in err
