"""Issue 11: hostile and broken input gets a clear message and the rest of the list is kept."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contingency.rules.costs import CostRuleBroken, parse_pounds
from contingency.rules.identifiers import BadIdentifier, normalise_nhs_number
from contingency.rules.normalise import FieldProblem, parse_money_pence
from contingency.rules.times import BadDate, parse_local_datetime, parse_uk_date
from contingency.services.importer import import_file, import_table
from contingency.services.tabular import CELL_LIMIT, Table
from tests.conftest import (
    OFFICER,
    cli_command,
    cli_environment,
    make_runner,
    ok,
    refused,
)
from tests.test_import import HEADERS, nhs, roster, write_csv

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BAD_MONEY = ["NaN", "sNaN", "Infinity", "-Infinity", "£1,2,3", "1 0 0", "٣", "£١٠٠"]


def person(ref: str, n: int, *, cost: str = "", nhs_number: str | None = None) -> list[str]:
    return [ref, "Ada", f"Exampleton{n}", "03/04/1940", nhs(n) if nhs_number is None else nhs_number, "Private",
            "", "", "Leeds", cost, "", "", ""]


# --- the rules: refused with a reason, never read as another figure ------------------------------------------


@pytest.mark.parametrize("text", BAD_MONEY)
def test_odd_money_is_refused_not_misread(text):
    with pytest.raises(FieldProblem, match="not an amount of money|negative"):
        parse_money_pence(text)
    with pytest.raises(CostRuleBroken):
        parse_pounds(text)


def test_money_still_reads_what_lists_write():
    assert [parse_money_pence(t) for t in ("£1,234.50", "1 050", "850.5", "£950")] == [123450, 105000, 85050, 95000]


def test_the_all_zero_nhs_number_is_a_placeholder():
    with pytest.raises(BadIdentifier, match="placeholder"):
        normalise_nhs_number("000 000 0000")


@pytest.mark.parametrize("text", ["01/01/0001", "31/12/9999", "9999-12-31", "1 Jan 1800", "01/01/2101"])
def test_dates_outside_1900_to_2100_are_refused(text):
    with pytest.raises(BadDate, match="outside the years 1900 to 2100"):
        parse_uk_date(text)
    with pytest.raises(BadDate, match="outside the years 1900 to 2100"):
        parse_local_datetime(text, now=NOW)


def test_dates_inside_the_bounds_and_excel_serials_still_read():
    assert parse_uk_date("01/01/1900") == date(1900, 1, 1)
    assert parse_uk_date("31/12/2100") == date(2100, 12, 31)
    assert parse_uk_date(1) == date(1899, 12, 31)  # Excel's first serial has its own range


# --- the importer: the bad row flagged or rejected, the rest imported ----------------------------------------


def test_nan_and_odd_money_are_flagged_and_the_rest_imported(store, make_incident, tmp_path):
    incident = make_incident()
    rows = [person(f"M{i}", i, cost=cost) for i, cost in enumerate(BAD_MONEY)] + [person("OK", 50, cost="£850")]
    summary = import_file(store, incident.id, write_csv(tmp_path / "money.csv", rows))
    assert (summary.data_rows, summary.imported, summary.balanced) == (len(rows), len(rows), True)
    people = roster(store, incident.id)
    assert people["OK"].facts.weekly_cost_pence == 85000
    for i, cost in enumerate(BAD_MONEY):
        facts = people[f"M{i}"].facts
        assert facts.weekly_cost_pence is None, cost
        assert [i.value for i in facts.issues if i.field == "weekly_cost_pence"] == [cost]


def test_a_cell_over_128_kb_rejects_its_row_only(store, make_incident, tmp_path):
    incident = make_incident()
    huge = person("BIG", 1)
    huge[12] = "x" * (CELL_LIMIT + 10)
    path = write_csv(tmp_path / "huge.csv", [person("A", 2), huge, person("B", 3)])
    summary = import_file(store, incident.id, path)
    assert (summary.data_rows, summary.imported, len(summary.rejected), summary.balanced) == (3, 2, 1, True)
    reject = summary.rejected[0]
    assert reject["row"] == 3 and "column 13 (Favourite tea)" in reject["reason"] and "131,082" in reject["reason"]
    assert len(json.dumps(reject["values"])) < 2000, "the oversized cell is not stored whole"


def test_the_header_row_again_is_rejected_not_a_person(store, make_incident, tmp_path):
    incident = make_incident()
    path = write_csv(tmp_path / "twice.csv", [person("A", 1), HEADERS, person("B", 2)])
    summary = import_file(store, incident.id, path)
    assert (summary.imported, [r["reason"] for r in summary.rejected]) == (
        2, ["the header row again (a list pasted below another); nothing to import"])
    assert all(p.facts.first_name != "First name" for p in store.people.all(incident.id))


def test_a_placeholder_nhs_number_is_flagged(store, make_incident, tmp_path):
    incident = make_incident()
    summary = import_file(store, incident.id, write_csv(tmp_path / "z.csv", [person("Z", 1, nhs_number="0000000000")]))
    assert summary.imported == 1
    facts = roster(store, incident.id)["Z"].facts
    assert facts.nhs_number is None and any(i.field == "nhs_number" and "placeholder" in i.message
                                            for i in facts.issues)


CELLS = st.one_of(
    st.none(), st.text(max_size=40), st.integers(), st.floats(), st.dates(),
    st.sampled_from(["NaN", "sNaN", "Infinity", "-0", "£1,2,3", "٣", "01/01/0001", "31/12/9999", "0000000000",
                     "First name", "\x00", "\r\n", "x" * (CELL_LIMIT + 1)]),
    st.text(alphabet=st.characters(whitelist_categories=("Cc", "Cs", "Zs", "Nd")), max_size=20),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=len(HEADERS) + 2), min_size=1, max_size=6))
def test_fuzzed_cells_never_raise_and_every_row_is_counted(store, make_incident, rows):
    incident = make_incident()
    table = Table(headers=HEADERS, rows=list(enumerate(rows, start=2)), blank_rows=0, encoding="utf-8")
    summary = import_table(store, incident.id, table, file_name="fuzz.csv", sha256="0" * 64, mapping={})
    assert summary.data_rows == len(rows)
    assert summary.imported + summary.merged + len(summary.rejected) == len(rows)


# --- the command line: a message and exit 2, never a traceback ---------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    home = tmp_path_factory.mktemp("hostile-home")
    db = home / "live.sqlite"
    run = make_runner(home, db=db)
    ok(run("setup", "--authority", "Leeds", "--team", "EDT", "--officer", OFFICER))
    opened = json.loads(ok(run("incident", "open", "--provider", "Meadowbrook Care Homes Ltd", "--service",
                               "care-home", "--area", "Leeds", "--event", "winding-up-order", "--json")).stdout)
    incident_id = str(opened["id"])
    ok(run("people", "import", incident_id, str(write_csv(home / "list.csv", [person(f"R{i}", i) for i in range(30)]))))
    return run, incident_id, home, db


def test_a_map_file_holding_a_json_list(live):
    run, incident_id, home, _db = live
    mapping = home / "map.json"
    mapping.write_text('["First name", "first_name"]', encoding="utf-8")
    message = refused(run("people", "import", incident_id, str(home / "list.csv"), "--map", str(mapping)))
    assert "holds a list, not a mapping" in message


def test_db_pointing_at_a_folder(live):
    run, _incident_id, home, _db = live
    assert "is a folder, not a store file" in refused(run("incident", "list", db=home))


def test_dates_and_money_out_of_bounds_on_the_command_line(live):
    run, incident_id, _home, _db = live
    base = ("incident", "open", "--provider", "P Ltd", "--service", "care-home", "--area", "Leeds", "--event",
            "winding-up-order")
    assert "outside the years" in refused(run(*base, "--aware-at", "01/01/0001"))
    assert "outside the years" in refused(run(*base, "--event-date", "31/12/9999"))
    cost = ("costs", "add", incident_id, "--supplier", "Agency", "--category", "agency-staff", "--unit", "one-off",
            "--person", "1")
    assert "outside the years" in refused(run(*cost, "--rate", "100", "--on", "31/12/9999"))
    for rate in ("NaN", "£1,2,3", "1 0 0", "٣"):
        assert "not an amount in pounds" in refused(run(*cost, "--rate", rate, "--on", "23/11/2026"))


def test_a_closed_pipe_ends_quietly(live):
    _run, incident_id, home, db = live
    process = subprocess.Popen([*cli_command(), "--db", str(db), "people", "list", incident_id],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_environment(home))
    process.stdout.close()  # the reader is gone before a line is written, as with `| head -1` on a long list
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert stderr == ""


def test_a_lost_migration_record_is_refused_with_a_message(live, tmp_path):
    run, _incident_id, _home, db = live
    for name in ("0003_people", "0013_one_live_record_per_nhs_number"):
        copy = tmp_path / f"{name}.sqlite"
        with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        with sqlite3.connect(copy) as conn:
            conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [name])
        result = run("incident", "list", db=copy)
        assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr
        assert "schema is ahead of its record of migrations" in result.stderr and name in result.stderr
