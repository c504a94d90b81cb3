"""The exercise roster generator: same seed, same people; synthetic identities; the defects spoil the file copy
only; and the file goes through the normal import with every row accounted for."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from contingency.cli import main as cli_main
from contingency.rules.identifiers import normalise_nhs_number
from contingency.rules.scenario import Roster, tag_from_reference
from contingency.services import roster_generator as rg
from contingency.services import scenarios

REPO = Path(__file__).resolve().parents[1]
STARTEX = date(2027, 3, 5)


@pytest.fixture(scope="module")
def ref():
    return scenarios.reference()


@pytest.fixture(scope="module")
def host(ref):
    return ref.authorities.resolve("Coventry")


def larkspur():
    return scenarios.load(REPO / "playbooks" / "exercises" / "larkspur.toml")


def make(roster: Roster, ref, host, provider="Larkspur Care Homes Ltd"):
    return rg.generate(roster, host=host, ref=ref, startex=STARTEX, provider=provider)


def test_the_same_seed_gives_the_same_people(ref, host):
    roster = larkspur().roster
    first, second = make(roster, ref, host), make(roster, ref, host)
    assert first.rows == second.rows and first.true_copy() == second.true_copy()
    other = make(roster.model_copy(update={"seed": 2042}), ref, host)
    assert other.rows != first.rows


def test_identities_are_synthetic(ref, host):
    generated = make(larkspur().roster, ref, host)
    numbers = [p.nhs_number for p in generated.people]
    assert len(set(numbers)) == len(numbers)
    for person in generated.people:
        digits = normalise_nhs_number(person.nhs_number)  # a valid Modulus 11 check digit
        assert digits.startswith("999")
        assert not person.phone or person.phone.startswith("07700 900")
        assert not person.email or person.email.endswith(".invalid")


def test_the_mix_is_as_given(ref, host):
    scenario = larkspur()
    generated = make(scenario.roster, ref, host)
    people = generated.people
    assert len(people) == 48
    funding = Counter(p.funding_key for p in people)
    assert funding == {"own-council": 17, "direct-payment": 1, "self-funded": 12, "WAR": 5, "SOL": 3, "LEC": 2,
                       "POW": 1, "nhs-chc": 4, "s117": 1, "unknown": 2}
    assert Counter(p.rag for p in people) == {"RED": 8, "AMBER": 18, "GREEN": 22}
    assert sum(p.fnc for p in people) == 7 and sum(p.fnc and p.funding_key == "self-funded" for p in people) == 3
    assert not any(p.fnc and p.funding_key == "nhs-chc" for p in people)
    bsol = ref.icbs.resolve("Birmingham and Solihull").ods_code
    assert [p.tag for p in people if p.icb == bsol] == ["mr-e"]
    assert sum(p.capacity_concern for p in people) == round(48 * 0.4)
    assert sum(1 for p in people if p.couple_with) == 2
    tagged = {p.tag: p for p in people if p.tag}
    assert set(tagged) == {"mr-a", "mrs-b", "mr-c", "mrs-d", "mr-e", "mrs-f"}
    assert tagged["mr-a"].ref == "@mr-a" and tagged["mr-a"].next_of_kin == "" and tagged["mr-a"].capacity_concern
    assert tagged["mrs-d"].funding == "welsh-council" and tagged["mrs-d"].funding_body == "POW"


def test_defects_spoil_the_file_copy_only(ref, host):
    generated = make(larkspur().roster, ref, host)
    assert generated.expected_import() == {"data_rows": 50, "imported": 48, "merged": 1, "rejected": 1}
    headers = list(generated.headers)
    dob, placing, surname = headers.index("D.O.B."), headers.index("Placing LA"), headers.index("Surname")
    rows = generated.rows
    assert sum(1 for r in rows if r[0] == rg.STAFF_ROW_TEXT) == 1
    assert sum(1 for r in rows if r[0] != rg.STAFF_ROW_TEXT and not r[dob]) == 4
    assert [r[placing] for r in rows if r[placing] == "Warks CC"] == ["Warks CC"]
    assert [r[surname] for r in rows if r[surname] == "Room 12"] == ["Room 12"]
    # The true copy keeps everyone whole: every date of birth, real names, real councils.
    assert all(p.date_of_birth and p.last_name != "Room 12" for p in generated.people)
    spoilt = {note for p in generated.people for note in p.in_file}
    assert {"date of birth missing", "listed twice", "placing authority written 'Warks CC'",
            "named only as 'Room 12'"} <= spoilt
    warks = next(p for p in generated.people if "placing authority written 'Warks CC'" in p.in_file)
    assert warks.funding_body == "WAR"


def test_canonical_headers_for_home_care(ref, host):
    roster = Roster(seed=5, size=40, service="home-care", funding={"own-council": 30, "self-funded": 10},
                    lives_elsewhere={"Warwickshire": 4}, time_critical={"insulin": 3, "parkinsons": 2},
                    calls_per_day={1: 25, 2: 25, 3: 25, 4: 25}, key_safe=50, columns="canonical")
    generated = make(roster, ref, host, provider="Alder")
    template = (REPO / "templates" / "people-import-template.csv").read_text(encoding="utf-8").splitlines()[0]
    assert list(generated.headers[:len(template.split(","))]) == template.split(",")
    assert generated.headers[-1] == rg.VISIT_TIMES_HEADER and generated.above == ()
    people = generated.people
    assert Counter(p.lives_in for p in people)["WAR"] == 4
    for person in people:  # an address in a postcode sector wholly in the council where they live
        assert person.postcode[:-2] in ref.sectors_of(ref.authorities.get(person.lives_in))
    assert Counter(p.time_critical for p in people if p.time_critical) == {"insulin": 3, "parkinsons": 2}
    assert Counter(p.calls_per_day for p in people) == {1: 10, 2: 10, 3: 10, 4: 10}
    assert all(p.visit_times.count(";") == p.calls_per_day - 1 for p in people)
    assert sum(1 for p in people if p.key_safe) == 20


def test_the_csv_is_private_and_spreadsheet_safe(ref, host, tmp_path):
    generated = make(larkspur().roster, ref, host)
    path = rg.write(generated, tmp_path / "out" / "roster.csv")
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text(encoding="utf-8-sig")
    assert "'@mr-a" in text and ",@mr-a" not in text  # "@" would start a formula


def run(capsys, *argv):
    capsys.readouterr()
    code = cli_main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_generated_list_imports_through_the_normal_import(ref, host, tmp_path, capsys, monkeypatch, file_format):
    for name in ("CONTINGENCY_DB", "CONTINGENCY_OFFICER"):
        monkeypatch.delenv(name, raising=False)
    scenario = larkspur()
    generated = make(scenario.roster, ref, host)
    source = rg.write(generated, tmp_path / f"larkspur-roster.{file_format}", file_format=file_format)
    db = str(tmp_path / "exercise.sqlite")
    run(capsys, "--db", db, "setup", "--authority", "Coventry", "--team", "EDT", "--officer", "Sam Patel",
        "--exercise")
    run(capsys, "--db", db, "incident", "open", "--provider", "Larkspur Care Homes Ltd", "--service",
        "care-home-nursing", "--area", "Coventry", "--event", "administration")
    summary = json.loads(run(capsys, "--db", db, "people", "import", "1", str(source), "--json"))
    expected = generated.expected_import()
    assert summary["data_rows"] == expected["data_rows"] == 50
    assert (summary["imported"], summary["merged"], len(summary["rejected"])) == (48, 1, 1)
    assert summary["balanced"] is True and summary["unmapped_headers"] == []
    assert "a note, not a person" in summary["rejected"][0]["reason"]
    assert summary["flags"]["authority-unresolved"] == 1

    people = json.loads(run(capsys, "--db", db, "people", "list", "1", "--json"))
    by_tag = {tag_from_reference(p["provider_ref"]): p for p in people if tag_from_reference(p["provider_ref"])}
    assert set(by_tag) == {"mr-a", "mrs-b", "mr-c", "mrs-d", "mr-e", "mrs-f"}
    assert by_tag["mrs-d"]["basis"] == "s48+s49"  # the Powys placement
    assert by_tag["mr-e"]["basis"] == "nhs-icb"
    assert "imca-needed" in by_tag["mr-a"]["flags"]
    assert sum(1 for p in people if not p["date_of_birth"]) == 4
    assert sum(1 for p in people if "authority-unresolved" in p["flags"]) == 1
