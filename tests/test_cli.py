"""The real command line, run as a subprocess (`python -m contingency`) against temporary stores."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from contingency.rules.events import EVENTS
from contingency.rules.times import LONDON
from contingency.store import open_store
from tests.conftest import as_json, make_runner, ok

OFFICER = "Sam Patel"
# These tests run on live stores, so on the system clock (a pinned clock is refused there): dates that must
# be in the future are made from today, never written out.
NEXT_YEAR = f"01/01/{datetime.now(LONDON).year + 1}"
TOMORROW = (datetime.now(LONDON) + timedelta(days=1)).strftime("%d/%m/%Y %H:%M")

PEOPLE_CSV = """\
Provider ref,First name,Surname,DOB,NHS No,Funded by,Placing authority,ICB,OR,RAG,RAG reason
MB001,Ada,Exampleton,03/04/1940,943 476 5919,Private,,,Leeds,GREEN,Stable
MB002,Bernard,Samplewood,12/01/1938,,LA,Bradford,,Bradford,RED,Insulin due 21:00
MB003,Clara,Testwell,01/02/1935,,CHC,,E54000054,Leeds,AMBER,Falls risk
MB004,Dennis,Demoford,05/06/1944,,LA,Cardiff,,Cardiff,,
MB005,Edith,Mockridge,07/08/1936,123,Private,,,Warks CC,,
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A HOME for the subprocesses, so nothing ever touches the real user data folder."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def cli(home):
    """The real script, on the system clock (these are live stores)."""
    return make_runner(home, timeout=120)


@pytest.fixture
def main(capsys, monkeypatch):
    """The same entry point in-process (contingency.cli.main), for the many small checks around the
    subprocess tests; returns a CompletedProcess like `cli` does."""
    from contingency.cli import main as entry

    for name in ("CONTINGENCY_DB", "CONTINGENCY_OFFICER"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, db: Path | None = None) -> subprocess.CompletedProcess:
        argv = [*(["--db", str(db)] if db is not None else []), *args]
        capsys.readouterr()
        code = entry(argv)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out, err)

    return run


def one_line_error(result: subprocess.CompletedProcess, code: int = 2) -> str:
    assert result.returncode == code, f"exit {result.returncode}; stderr: {result.stderr}; stdout: {result.stdout}"
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("contingency: ")
    return result.stderr.strip()


def setup_store(run, path: Path) -> None:
    ok(run("setup", "--authority", "Leeds", "--team", "EDT", "--officer", OFFICER, db=path))


OPEN_ARGS = ("incident", "open", "--provider", "Meadowbrook Care Homes Ltd", "--service", "care-home", "--area",
             "Leeds", "--event", "winding-up-order")


@pytest.fixture
def fresh(main, tmp_path) -> Path:
    """A set-up store with one s.48 incident (made in-process, to save time)."""
    path = tmp_path / "s.sqlite"
    setup_store(main, path)
    ok(main(*OPEN_ARGS, db=path))
    return path


@pytest.fixture(scope="module")
def shared(cli, tmp_path_factory) -> Path:
    """A store made by the real script: one s.48 incident and five imported people. Tests using it only
    read, or fail before writing."""
    path = tmp_path_factory.mktemp("shared") / "contingency.sqlite"
    setup_store(cli, path)
    assert ok(cli(*OPEN_ARGS, db=path)).stdout == "1\n"
    source = path.parent / "residents.csv"
    source.write_text(PEOPLE_CSV, encoding="utf-8")
    ok(cli("people", "import", "1", str(source), db=path))
    return path


# --- setup ---------------------------------------------------------------------------------------------


def test_setup_makes_a_live_store(cli, main, tmp_path):
    path = tmp_path / "new" / "contingency.sqlite"
    result = ok(cli("setup", "--authority", "LEEDS CC", "--team", "EDT", "--officer", OFFICER, db=path))
    assert "live store" in result.stdout and "Leeds City Council" in result.stdout
    assert (path.stat().st_mode & 0o777) == 0o600
    data = as_json(main("setup", "--authority", "Leeds", "--team", "EDT Nights", "--officer", OFFICER, "--json",
                        db=path))
    assert data["authority_code"] == "LDS" and data["team"] == "EDT Nights" and data["kind"] == "live"


def test_setup_exercise_store(cli, tmp_path):
    path = tmp_path / "exercise.sqlite"
    data = as_json(cli("setup", "--authority", "Leeds", "--team", "EDT", "--officer", OFFICER, "--exercise",
                       "--json", db=path))
    assert data["kind"] == "exercise"


@pytest.mark.parametrize(("args", "message"), [
    (("setup", "--authority", "Leeds", "--team", "EDT"), "--officer"),
    (("setup", "--authority", "Cardiff", "--team", "EDT", "--officer", OFFICER), "Wales"),
    (("setup", "--authority", "Warks CC", "--team", "EDT", "--officer", OFFICER), "Warks CC"),
    (("setup", "--authority", "Leeds", "--team", " ", "--officer", OFFICER), "team"),
], ids=["no-officer", "welsh-council", "unknown-council", "blank-team"])
def test_setup_bad_input(main, tmp_path, args, message):
    assert message in one_line_error(main(*args, db=tmp_path / "s.sqlite"))


# --- incidents -----------------------------------------------------------------------------------------


def test_incident_open_prints_the_id_then_json(cli, main, tmp_path):
    path = tmp_path / "s.sqlite"
    setup_store(main, path)
    assert ok(cli(*OPEN_ARGS, db=path)).stdout == "1\n"
    data = as_json(cli("incident", "open", "--provider", "Brightpath Home Support Ltd", "--service", "home-care",
                       "--area", "Leeds", "--event", "administration", "--continuing", "--aware-at", "01:40",
                       "--event-date", "20/11/2026", "--cqc-provider-id", "1-101999002", "--json", db=path))
    assert data["id"] == 2
    assert data["status"] == "monitoring"
    assert data["classification"] == "monitoring"
    assert isinstance(data["reasons"], list) and any("brief rule 4" in r for r in data["reasons"])
    assert data["event_date"] == "2026-11-20"
    assert data["cqc_provider_id"] == "1-101999002"
    assert data["continuing"] is True


def test_incident_list_and_show(cli, main, shared):
    incidents = as_json(cli("incident", "list", "--json", db=shared))
    assert [i["id"] for i in incidents] == [1]
    first = incidents[0]
    assert first["classification"] == "section-48-active" and first["status"] == "active"
    assert first["people_count"] == 5
    assert first["area_code"] == "LDS" and first["area_name"] == "Leeds City Council"
    assert isinstance(first["reasons"], list) and first["reasons"]
    shown = as_json(cli("incident", "show", "1", "--json", db=shared))
    assert shown == first
    text = ok(main("incident", "show", "1", db=shared)).stdout
    assert "SECTION 48 ACTIVE" in text and "why:" in text and "reg 2(2)(e)" in text
    table = ok(main("incident", "list", db=shared)).stdout
    assert "Meadowbrook Care Homes Ltd" in table and "SECTION 48 ACTIVE" in table


def test_incident_status_with_and_without_a_reason(cli, main, fresh):
    missing = cli("incident", "status", "1", "stepping-down", db=fresh)
    assert "--reason" in one_line_error(missing)
    assert "needs a reason" in one_line_error(main("incident", "status", "1", "stepping-down", "--reason", " ",
                                                   db=fresh))
    assert "stepping-down" in one_line_error(main("incident", "status", "1", "closed", "--reason", "done", db=fresh))
    moved = as_json(cli("incident", "status", "1", "stepping-down", "--reason", "placements found", "--json",
                        db=fresh))
    assert moved["status"] == "stepping-down"
    result = ok(main("incident", "status", "1", "closed", "--reason", "everyone moved", db=fresh))
    assert result.stdout.strip() == "incident 1 is now closed"
    store = open_store(fresh)
    try:
        decisions = store.decisions.for_incident(1)
        assert len(decisions) == 1 and decisions[0].rationale == "everyone moved"
        assert decisions[0].author == OFFICER  # the officer from setup
    finally:
        store.close()


def test_incident_facts_recomputes(main, tmp_path):
    path = tmp_path / "s.sqlite"
    setup_store(main, path)
    ok(main("incident", "open", "--provider", "National Home Care Group", "--service", "home-care", "--area",
            "Leeds", "--event", "cqc-s56-notice", db=path))
    data = as_json(main("incident", "facts", "1", "--event", "administration", "--reason", "administrators in",
                        "--json", db=path))
    assert data["classification"] == "section-48-active" and data["status"] == "active"
    assert "nothing to change" in one_line_error(main("incident", "facts", "1", "--reason", "x", db=path))


def test_officer_option_and_environment_name_the_writer(main, fresh, monkeypatch):
    ok(main(*OPEN_ARGS, "--officer", "Jo Bloggs", db=fresh))
    monkeypatch.setenv("CONTINGENCY_OFFICER", "Priya Shah")
    ok(main(*OPEN_ARGS, db=fresh))
    store = open_store(fresh)
    try:
        officers = [store.log.for_entity("incident", n)[0].officer for n in (1, 2, 3)]
    finally:
        store.close()
    assert officers == [OFFICER, "Jo Bloggs", "Priya Shah"]


# --- events --------------------------------------------------------------------------------------------


def test_events_json(cli, main):
    events = as_json(cli("events", "--json"))
    assert [e["key"] for e in events] == [e.key for e in EVENTS]
    for event in events:
        assert {"key", "title", "citation", "business_failure"} <= set(event)
        assert isinstance(event["business_failure"], bool)
        if event["business_failure"]:
            assert re.fullmatch(r"SI 2015/301 reg 2\((2\)\([a-j]|3\)\([ab])\)", event["citation"]), event["citation"]
    by_key = {e["key"]: e for e in events}
    assert by_key["administration"]["citation"] == "SI 2015/301 reg 2(2)(a)"
    assert by_key["administration"]["business_failure"] is True
    assert by_key["individual-voluntary-arrangement"]["citation"] == "SI 2015/301 reg 2(3)(b)"
    assert by_key["members-voluntary-winding-up"]["business_failure"] is False
    assert by_key["cqc-s56-notice"]["business_failure"] is False
    assert sum(e["business_failure"] for e in events) == 12
    text = ok(main("events")).stdout
    assert "administration" in text and "BUSINESS FAILURE" in text


# --- log verify ----------------------------------------------------------------------------------------


def test_log_verify_then_tamper(cli, main, fresh):
    result = ok(cli("log", "verify", db=fresh))
    assert re.fullmatch(r"event log OK: \d+ entries; chain head [0-9a-f]{64}\n", result.stdout)
    data = as_json(main("log", "verify", "--json", db=fresh))
    assert data["ok"] is True and data["first_bad_seq"] is None

    conn = sqlite3.connect(fresh, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER event_log_is_append_only")
        conn.execute("UPDATE event_log SET officer = 'Nobody' WHERE seq = 2")
    finally:
        conn.close()
    broken = cli("log", "verify", db=fresh)
    assert broken.returncode == 1
    assert broken.stderr == "event log BROKEN: entry 2 was edited after it was written\n"
    assert broken.stdout == ""
    as_data = main("log", "verify", "--json", db=fresh)
    assert as_data.returncode == 1
    data = json.loads(as_data.stdout)
    assert data["ok"] is False and data["first_bad_seq"] == 2


def test_log_verify_names_drift(main, fresh):
    conn = sqlite3.connect(fresh, isolation_level=None)
    try:
        conn.execute("UPDATE incidents SET status = 'closed' WHERE id = 1")
    finally:
        conn.close()
    broken = main("log", "verify", db=fresh)
    assert broken.returncode == 1
    assert "incident 1 differs from its last logged state" in broken.stderr


# --- bad input -----------------------------------------------------------------------------------------

BAD_INPUT = [
    pytest.param(("incident", "open", "--provider", "X", "--service", "care-home", "--area", "Warks CC", "--event",
                  "administration"), "Warks CC", id="unknown-area"),
    pytest.param(("incident", "open", "--provider", "X", "--service", "care-home", "--area", "Leeds", "--event",
                  "liquidation"), "contingency events", id="unknown-event"),
    pytest.param(("incident", "open", "--provider", "X", "--service", "castle", "--area", "Leeds", "--event",
                  "administration"), "service kind", id="unknown-service"),
    pytest.param(("incident", "open", "--provider", " ", "--service", "care-home", "--area", "Leeds", "--event",
                  "administration"), "provider", id="blank-provider"),
    pytest.param((*OPEN_ARGS, "--event-date", "31/02/2026"), "31/02/2026", id="impossible-date"),
    pytest.param((*OPEN_ARGS, "--aware-at", "later"), "later", id="bad-time"),
    pytest.param((*OPEN_ARGS, "--cqc-provider-id", "12345"), "1-101234567", id="bad-cqc-id"),
    pytest.param(("incident", "open", "--provider", "X"), "required", id="missing-arguments"),
    pytest.param(("incident", "show", "99"), "no incident 99", id="no-such-incident"),
    pytest.param(("incident", "show", "one"), "invalid int", id="id-not-a-number"),
    pytest.param(("incident", "show", "99999999999999999999"), "99999999999999999999", id="id-too-large"),
    pytest.param(("incident", "status", "1", "finished", "--reason", "x"), "not one of", id="unknown-status"),
    pytest.param(("incident",), "required", id="incident-without-action"),
    pytest.param(("frobnicate",), "frobnicate", id="unknown-command"),
    pytest.param(("people", "import", "1", "/nonexistent/list.csv"), "no file", id="import-missing-file"),
    pytest.param(("people", "list", "99"), "no incident 99", id="list-no-such-incident"),
    pytest.param(("people", "show", "999"), "999", id="no-such-person"),
    pytest.param(("people", "add", "1", "first_name=Ann", "rag=RED"), "rule 28", id="rag-without-reason"),
    pytest.param(("people", "add", "1", "first_name=Ann", "nhs_number=123"), "10 digits", id="bad-nhs-number"),
    pytest.param(("people", "add", "1", "first_name=Ann", "favourite=tea"), "unknown field", id="unknown-field"),
    pytest.param(("people", "add", "1", "Ann"), "FIELD=VALUE", id="not-field-value"),
    pytest.param(("people", "add", "1", "first_name=Ann", "weekly_cost_pence=99999999999999999999"), "weekly",
                 id="absurd-weekly-cost"),
    pytest.param(("people", "add", "1", "first_name=Ann", f"date_of_birth={NEXT_YEAR}"), "future", id="future-dob"),
    pytest.param(("people", "status", "1", "moved"), "moved to", id="moved-without-where"),
    pytest.param(("people", "list", "1", "--authority", "Warks CC"), "Warks CC", id="list-unknown-authority"),
]


@pytest.mark.parametrize(("args", "says"), BAD_INPUT)
def test_bad_input_exits_2_with_one_line(main, shared, args, says):
    message = one_line_error(main(*args, db=shared))
    assert says in message


@pytest.mark.parametrize(("args", "says"), [BAD_INPUT[0], BAD_INPUT[7], BAD_INPUT[8]])
def test_bad_input_from_the_real_script(cli, shared, args, says):
    result = cli(*args, db=shared)
    assert says in one_line_error(result)
    assert result.stdout == ""


def test_a_future_awareness_time_is_bad_input(main, fresh):
    one_line_error(main(*OPEN_ARGS, "--aware-at", TOMORROW, db=fresh))
    assert [i["id"] for i in as_json(main("incident", "list", "--json", db=fresh))] == [1]


def test_missing_store_is_bad_input(main, tmp_path):
    message = one_line_error(main("incident", "list", db=tmp_path / "nothing.sqlite"))
    assert "contingency setup" in message
    assert not (tmp_path / "nothing.sqlite").exists()


def test_a_spreadsheet_given_as_the_store_is_refused_and_left_alone(main, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(PEOPLE_CSV, encoding="utf-8")
    message = one_line_error(main("incident", "list", db=path), code=3)
    assert "residents.csv" in message and "not a database" in message
    assert path.read_text(encoding="utf-8") == PEOPLE_CSV
    assert sorted(p.name for p in tmp_path.iterdir()) == ["residents.csv"]


def test_bad_input_changed_nothing(main, shared):
    for args, _ in [p.values for p in BAD_INPUT]:
        try:
            main(*args, db=shared)
        except Exception:  # noqa: BLE001 - a crash is reported by test_bad_input_exits_2_with_one_line
            pass
    assert as_json(main("log", "verify", "--json", db=shared))["ok"] is True
    assert len(as_json(main("people", "list", "1", "--json", db=shared))) == 5
    assert [i["id"] for i in as_json(main("incident", "list", "--json", db=shared))] == [1]


# --- people --------------------------------------------------------------------------------------------

PERSON_FIELDS = {"id", "provider_ref", "first_name", "last_name", "date_of_birth", "nhs_number", "basis", "notify",
                 "recover_from", "charge_route", "flags", "reasons"}


def test_people_import_and_list_json(cli, main, fresh, tmp_path):
    source = tmp_path / "residents.csv"
    source.write_text(PEOPLE_CSV + ",,,,,,,,,,\n,,,01/01/1950,,Private,,,,,\n", encoding="utf-8")
    summary = as_json(cli("people", "import", "1", str(source), "--json", db=fresh))
    assert summary["data_rows"] == 6 and summary["blank_rows"] == 1
    assert (summary["imported"], summary["merged"], len(summary["rejected"])) == (5, 0, 1)
    assert summary["balanced"] is True
    assert summary["rejected"][0]["row"] == 8 and "nothing identifies" in summary["rejected"][0]["reason"]
    assert Path(summary["rejects_file"]).exists()

    people = as_json(cli("people", "list", "1", "--json", db=fresh))
    assert len(people) == 5
    for person in people:
        assert PERSON_FIELDS <= set(person)
        assert isinstance(person["notify"], list) and isinstance(person["flags"], list)
        assert isinstance(person["reasons"], list) and person["reasons"]
    by_ref = {p["provider_ref"]: p for p in people}
    ada = by_ref["MB001"]
    assert (ada["first_name"], ada["last_name"], ada["date_of_birth"], ada["nhs_number"]) == (
        "Ada", "Exampleton", "1940-04-03", "9434765919")
    assert (ada["basis"], ada["charge_route"], ada["recover_from"], ada["notify"]) == ("s48", "s48(5)", None, [])
    bernard = by_ref["MB002"]
    assert bernard["basis"] == "s48" and bernard["recover_from"] == "la:E08000032"
    assert bernard["notify"] == ["la:E08000032"] and bernard["charge_route"] is None
    assert by_ref["MB003"]["basis"] == "nhs-icb" and by_ref["MB003"]["notify"] == ["icb:E54000054"]
    dennis = by_ref["MB004"]
    assert dennis["basis"] == "s48+s49" and dennis["charge_route"] == "s49(3)(d)"
    assert "no-rag" in dennis["flags"]
    edith = by_ref["MB005"]
    assert edith["nhs_number"] is None
    assert "bad-value" in edith["flags"] and "authority-unresolved" in edith["flags"]
    assert people[0]["provider_ref"] == "MB002"  # RED first

    def refs(*args: str) -> list[str]:
        return [p["provider_ref"] for p in as_json(main("people", "list", "1", *args, "--json", db=fresh))]

    assert refs("--basis", "s48+s49") == ["MB004"]
    assert refs("--authority", "Bradford") == ["MB002"]
    assert refs("--authority", "West Yorkshire") == ["MB003"]
    assert refs("--search", "9434765919") == ["MB001"]
    assert refs("--search", "exampleton") == ["MB001"]
    assert refs("--search", "03/04/1940") == ["MB001"]
    assert refs("--search", "%") == [] and refs("--search", "_") == []
    assert set(refs("--rag", "none")) == {"MB004", "MB005"}
    assert refs("--rag", "red") == ["MB002"]
    assert refs("--flag", "authority-unresolved") == ["MB005"]
    assert ok(main("people", "list", "1", db=fresh)).stdout.strip().endswith("5 people")

    shown = as_json(main("people", "show", str(ada["id"]), "--json", db=fresh))
    assert shown["history"][0]["action"] == "bulk-create", "an import logs its people in one entry with their digest"
    ok(main("log", "verify", db=fresh))


def test_people_add_edit_status(main, fresh):
    added = as_json(main("people", "add", "1", "first_name=Frank", "last_name=Fictionby", "funding=DP",
                         "funding_body=Kirklees", "date_of_birth=02/03/1941", "--json", db=fresh))
    assert added["basis"] == "s48" and added["recover_from"] == "la:E08000034"
    assert added["date_of_birth"] == "1941-03-02"
    edited = as_json(main("people", "edit", str(added["id"]), "funding=Private", "funding_body=", "--reason",
                          "family confirm they pay", "--json", db=fresh))
    assert edited["charge_route"] == "s48(5)" and edited["recover_from"] is None
    moved = as_json(main("people", "status", str(added["id"]), "moved", "--detail", "Oakfield House", "--json",
                         db=fresh))
    assert moved["status"] == "moved" and moved["status_detail"] == "Oakfield House"
    ok(main("log", "verify", db=fresh))


def test_import_with_a_saved_mapping(cli, main, fresh, tmp_path):
    source = tmp_path / "odd.csv"
    source.write_text("Resident Surname,Client Number,Birthday\nExampleton,C-1,03/04/1940\n", encoding="utf-8")
    mapping = tmp_path / "provider-x.toml"
    mapping.write_text('"Resident Surname" = "last_name"\n"Client Number" = "provider_ref"\n'
                       '"Birthday" = "date_of_birth"\n', encoding="utf-8")
    summary = as_json(cli("people", "import", "1", str(source), "--map", str(mapping), "--save-map", "provider-x",
                          "--json", db=fresh))
    assert summary["imported"] == 1 and summary["unmapped_headers"] == []
    second = tmp_path / "odd2.csv"
    second.write_text("Resident Surname,Client Number,Birthday\nSamplewood,C-2,12/01/1938\n", encoding="utf-8")
    again = as_json(main("people", "import", "1", str(second), "--map", "provider-x", "--json", db=fresh))
    assert again["imported"] == 1
    people = {p["provider_ref"]: p for p in as_json(main("people", "list", "1", "--json", db=fresh))}
    assert people["C-1"]["last_name"] == "Exampleton" and people["C-1"]["date_of_birth"] == "1940-04-03"
    assert people["C-2"]["last_name"] == "Samplewood" and people["C-2"]["date_of_birth"] == "1938-01-12"
    bad = tmp_path / "bad.toml"
    bad.write_text('"Resident Surname" = "surname_please"\n', encoding="utf-8")
    assert "unknown field" in one_line_error(main("people", "import", "1", str(source), "--map", str(bad), db=fresh))
    assert "neither" in one_line_error(main("people", "import", "1", str(source), "--map", "no-such-map", db=fresh))
    unmapped = tmp_path / "unmapped.csv"
    unmapped.write_text("Resident Surname,Bedroom\nTestwell,12\n", encoding="utf-8")
    assert "--map" in one_line_error(main("people", "import", "1", str(unmapped), db=fresh))
    ok(main("log", "verify", db=fresh))


# --- demo ----------------------------------------------------------------------------------------------


def test_demo_builds_an_exercise_store(cli, main, tmp_path):
    path = tmp_path / "demo.sqlite"
    result = ok(cli("demo", "--no-tui", "--db", str(path)))
    assert result.stdout.strip() == str(path)
    store = open_store(path)
    try:
        assert store.is_exercise
        incidents = store.incidents.list()
        care_home = next(i for i in incidents if i.facts.service_kind.value == "care-home")
        assert 40 <= care_home.people_count <= 60
        assert care_home.classification.value == "section-48-active"
        summary = store.people.summary(care_home.id)
        assert {"s48", "s48+s49", "existing-s18", "nhs-icb"} <= set(summary["basis"])
        assert summary["flags"].get("duplicate-suspected", 0) >= 2
    finally:
        store.close()
    verified = ok(cli("log", "verify", db=path))
    assert verified.stdout.startswith("event log OK")



def test_running_the_demo_again_reopens_it_with_the_exercise_s_work(cli, main, tmp_path):
    path = tmp_path / "demo.sqlite"
    ok(main("demo", "--no-tui", "--db", str(path)))
    ok(main("incident", "status", "2", "stepping-down", "--reason", "calls covered again", "--officer", "Ann", db=path))
    entries = as_json(main("log", "verify", "--json", db=path))["entries"]

    assert ok(main("demo", "--no-tui", "--db", str(path))).stdout.strip() == str(path)
    assert as_json(main("log", "verify", "--json", db=path))["entries"] == entries
    assert as_json(main("incident", "show", "2", "--json", db=path))["status"] == "stepping-down"

    assert "add --fresh" in one_line_error(main("demo", "--no-tui", "--people", "5", "--db", str(path)))
    ok(main("demo", "--no-tui", "--fresh", "--people", "5", "--db", str(path)))
    assert as_json(main("log", "verify", "--json", db=path))["entries"] < entries
    assert as_json(main("incident", "show", "2", "--json", db=path))["status"] != "stepping-down"


def test_the_demo_never_opens_or_replaces_a_live_store(main, tmp_path):
    live = tmp_path / "live.sqlite"
    setup_store(main, live)
    assert "LIVE" in one_line_error(main("demo", "--no-tui", "--db", str(live)))
    assert "LIVE" in one_line_error(main("demo", "--no-tui", "--fresh", "--db", str(live)))
    assert as_json(main("log", "verify", "--json", db=live))["ok"]


@pytest.mark.parametrize("now", [
    "2027-06-02T00:30:00+01:00",  # 00:30 in summer: the UTC date is still the 1st
    "2027-06-01T00:10:00+01:00",  # awareness an hour and twenty minutes earlier falls on the day before
    "2026-12-01T00:05:00+00:00",
])
def test_the_demo_dates_its_event_by_the_london_day_it_was_noticed(cli, tmp_path, now):
    path = tmp_path / "demo.sqlite"
    made = as_json(cli("demo", "--no-tui", "--json", "--db", str(path), env={"CONTINGENCY_NOW": now}))
    care_home = made["incidents"][0]
    aware = datetime.fromisoformat(care_home["aware_at"])
    assert aware == datetime.fromisoformat(now) - timedelta(hours=1, minutes=20)
    assert care_home["event_date"] == aware.astimezone(LONDON).date().isoformat()


def test_a_pinned_clock_is_refused_on_a_live_store(cli, main, tmp_path):
    live = tmp_path / "live.sqlite"
    pinned = {"CONTINGENCY_NOW": "2026-11-23T02:00:00+00:00"}
    message = one_line_error(cli("setup", "--authority", "Leeds", "--team", "EDT", "--officer", OFFICER, db=live,
                                 env=pinned), code=3)
    assert "CONTINGENCY_NOW" in message and "live store" in message
    assert not live.exists()
    setup_store(main, live)
    before = as_json(main("log", "verify", "--json", db=live))["entries"]
    message = one_line_error(cli(*OPEN_ARGS, db=live, env=pinned), code=3)
    assert "invented times" in message
    assert as_json(main("log", "verify", "--json", db=live))["entries"] == before
    assert "not a time" in one_line_error(cli("incident", "list", db=live, env={"CONTINGENCY_NOW": "tuesday"}))
