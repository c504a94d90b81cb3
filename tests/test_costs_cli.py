"""The money commands, run for real (`python -m contingency`) on a demo store made by `contingency demo`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import as_json, ok

# The demo runs on the pinned clock (conftest.DEMO_NOW_TEXT): the officer became aware at 00:40 on this day.
DEMO_DAY = "23/11/2026"


@pytest.fixture
def run(demo_cli, demo_db):
    """Run contingency against this test's own copy of the demo store, on the demo's pinned clock."""

    def contingency(*args: str):
        return demo_cli(*args, db=demo_db)

    return contingency


def test_add_list_correct_and_route_a_cost(run):
    people = as_json(run("people", "list", "1", "--json"))
    self_funder = next(p["id"] for p in people if p["charge_route"] == "s48(5)")
    bradford = next(p["id"] for p in people if p["recover_from"] == "la:E08000032")
    line = as_json(run("costs", "add", "1", "--supplier", "Acme Taxis", "--category", "transport", "--unit",
                       "per-hour", "--rate", "32.50", "--quantity", "2.5", "--on", DEMO_DAY, "--people",
                       f"{self_funder},{bradford}", "--decision-text", "Taxi for two residents to hospital",
                       "--rationale", "ambulance not available", "--json"))
    assert line["total_pence"] == 8125 and line["quantity"] == "2.5"
    assert sorted(a["amount_pence"] for a in line["allocations"]) == [4062, 4063]
    assert {a["route"] for a in line["allocations"]} == {"s48(5)", "s48(7)"}

    listed = as_json(run("costs", "list", "1", "--person", str(bradford), "--json"))
    assert line["id"] in [r["line_id"] for r in listed["rows"]]
    assert listed["total_pence"] == sum(r["amount_pence"] for r in listed["rows"])
    text = ok(run("costs", "list", "1", "--route", "s48(7)")).stdout
    assert "Acme Taxis" in text and "total £" in text.splitlines()[-1]

    share = next(a for a in line["allocations"] if a["person_id"] == self_funder)
    routed = as_json(run("costs", "route", str(share["id"]), "--route", "absorbed", "--decision-text",
                         "Waive the taxi", "--rationale", "hospital appointment", "--json"))
    assert routed["route"] == "absorbed" and routed["route_decision_id"]

    reversal = as_json(run("costs", "correct", str(line["id"]), "--reason", "booked twice", "--json"))
    assert reversal["corrects"] == line["id"] and reversal["total_pence"] == -8125
    again = run("costs", "correct", str(line["id"]), "--reason", "again")
    assert again.returncode == 2 and "already reversed" in again.stderr and "Traceback" not in again.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--rate", "ten"], "not an amount in pounds"),
    (["--on", "31/02/2026"], "not a real date"),
    (["--from", DEMO_DAY], "say when"),
    (["--person", "abc"], "not a person id"),
])
def test_bad_cost_input_is_reported_in_one_line(run, args, message):
    base = {"--supplier": "A", "--category": "transport", "--unit": "one-off", "--rate": "10", "--on": DEMO_DAY,
            "--person": "1", "--decision-text": "x", "--rationale": "y"}
    given = dict(zip(args[::2], args[1::2]))
    if "--from" in given:
        base.pop("--on")
    merged = [item for key, value in {**base, **given}.items() for item in (key, value)]
    result = run("costs", "add", "1", *merged)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_claims_from_build_to_paid_with_export(run, tmp_path):
    built = as_json(run("claims", "build", "1", "--json"))
    refs = {c["reference"]: c for c in built["claims"]}
    assert "INC1-CLM-BRD-001" in refs and "INC1-CLM-CRF-001" in refs
    assert any(ref.startswith("INC1-CHG-P") for ref in refs)
    assert built["not_claimable"]["nhs"] >= 2
    rebuilt = as_json(run("claims", "build", "1", "--json"))
    assert rebuilt["claims"] == [] and rebuilt["left_out"]["already claimed"] >= len(refs)

    refused = run("claims", "submit", "INC1-CLM-BRD-001", "--to", "Bradford AP")
    assert refused.returncode == 2 and "EXERCISE claim" in refused.stderr
    ok(run("claims", "submit", "INC1-CLM-BRD-001", "--to", "Bradford AP", "--confirm-exercise"))
    bradford = refs["INC1-CLM-BRD-001"]
    part = as_json(run("claims", "paid", "INC1-CLM-BRD-001", "--amount", "100", "--json"))
    assert part["status"] == "part-paid" and part["balance_pence"] == bradford["total_pence"] - 10000
    disputed = ok(run("claims", "dispute", "INC1-CLM-BRD-001", "--reason", "one resident was not ours"))
    assert "never pauses or delays anyone's care" in disputed.stdout
    rest = f"{part['balance_pence'] / 100:.2f}"
    paid = as_json(run("claims", "paid", "INC1-CLM-BRD-001", "--amount", rest, "--json"))
    assert paid["status"] == "paid" and paid["balance_pence"] == 0

    assert ok(run("claims", "list")).stdout.startswith("EXERCISE – NOT A REAL INCIDENT: these claims are not invoices")
    listing = as_json(run("claims", "list", "--json"))
    assert {c["reference"] for c in listing["claims"]} >= set(refs)
    assert next(c for c in listing["claims"] if c["reference"] == "INC1-CLM-BRD-001")["age"] == "paid"
    shown = as_json(run("claims", "show", "INC1-CLM-BRD-001", "--json"))
    assert [e["action"] for e in shown["events"]] == ["build", "submit", "payment", "dispute", "payment"]
    assert sum(line["amount_pence"] for line in shown["lines"]) == bradford["total_pence"]

    writeoff = as_json(run("claims", "writeoff", "INC1-CLM-CRF-001", "--reason", "Cardiff will not pay",
                           "--rationale", "cost of pursuit", "--json"))
    assert writeoff["status"] == "written-off" and writeoff["writeoff_decision_id"]

    exported = as_json(run("claims", "export", "1", "--out", str(tmp_path), "--claim", "INC1-CLM-BRD-001", "--json"))
    assert {Path(f["path"]).suffix for f in exported} == {".pdf", ".docx", ".csv"}
    csv_file = next(Path(f["path"]) for f in exported if f["path"].endswith(".csv"))
    rows = list(csv.DictReader(csv_file.open(encoding="utf-8")))
    assert sum(int(r["amount_pence"]) for r in rows) == bradford["total_pence"]


def test_an_or_dispute_from_the_command_line(run):
    people = as_json(run("people", "list", "1", "--json"))
    person = next(p["id"] for p in people if p["charge_route"] == "s48(5)")
    result = as_json(run("disputes", "add", str(person), "--authority", "Wakefield", "--reason",
                         "Wakefield deny she lived there", "--on", "31/10/2026", "--json"))
    assert result["refer_by"] == "2027-02-28" and "never pauses" in result["message"]
    listed = ok(run("disputes", "list")).stdout
    assert "refer by 28/02/2027" in listed
    resolved = as_json(run("disputes", "resolve", str(result["id"]), "--resolution", "agreed", "--json"))
    assert resolved["resolved_on"]
    assert "chain head" in ok(run("log", "verify")).stdout
