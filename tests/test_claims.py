"""Claims from the ledger: one per body we recover from, one charge per person, never a share twice; the
claim's life with reasons; ageing; ordinary-residence disputes (rule 22); the documents, which agree to the
penny; and EXERCISE claims that can never pass for a live invoice (rule 29)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import docx
import pypdf
import pytest

from contingency.clock import fixed_clock
from contingency.ledger import ClaimKind, ClaimStatus, Route
from contingency.person import ORStatus
from contingency.rules.notifications import EXERCISE_MARK
from contingency.services import claim_documents as documents
from contingency.services import claims as service
from contingency.services.costs import reverse_line
from contingency.services.errors import BadInput
from contingency.services.people import edit_person
from contingency.store import open_store
from tests.costs_support import cast, cost
from tests.tui_support import DEMO_NOW, demo_store


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    store = demo_store(folder)
    store.close()
    return folder / "demo.sqlite"


@pytest.fixture
def demo(demo_file, tmp_path):
    """A fresh copy of the demo store: its care-home incident has the demo's cost lines and no claims yet."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_file, path)
    store = open_store(path, officer="Finance Officer", clock=fixed_clock(DEMO_NOW))
    yield store
    store.close()


def expected_claims(store, incident_id: int) -> Counter:
    """Recomputed from the stored lines without the app's rules: each total from rate x quantity (x days, or
    x days / 7) rounded half up, split equally by person id, then sent where the person's determination says."""
    people = {p.id: p for p in store.people.all(incident_id)}
    expected: Counter = Counter()
    for line in store.db.query("SELECT * FROM cost_lines WHERE incident_id = ?", [incident_id]):
        days = (date.fromisoformat(line["period_end"]) - date.fromisoformat(line["period_start"])).days + 1
        exact = Fraction(line["rate_pence"] * line["quantity_milli"], 1000)
        exact *= {"per-week": Fraction(days, 7), "per-day": days}.get(line["unit"], 1)
        total = int(exact + Fraction(1, 2))
        shares = list(store.db.query("SELECT person_id, needs_not_arranged FROM cost_allocations WHERE line_id = ?"
                                     " ORDER BY person_id", [line["id"]]))
        base, extra = divmod(total, len(shares))
        for index, share in enumerate(shares):
            det = people[share["person_id"]].determination
            if line["category"] == "information-advice" or det.basis.value == "nhs-icb":
                continue
            if share["needs_not_arranged"]:
                recipient = f"person:{share['person_id']}"
            elif det.recover_from:
                recipient = det.recover_from
            elif det.charge_route and det.charge_route.value != "s14":
                # s.14 (our own client, urgent help) is charged per financial assessment, never drafted at cost.
                recipient = f"person:{share['person_id']}"
            else:
                continue
            expected[recipient] += base + (1 if index < extra else 0)
    return expected


def test_the_demo_ledger_gives_a_claim_per_body_and_a_charge_per_person(demo):
    result = service.build(demo, 1)
    got = {c.recipient_ref: c.total_pence for c in result.claims}
    assert got == dict(expected_claims(demo, 1))
    bodies = {c.recipient_ref: c for c in result.claims if c.kind is ClaimKind.REIMBURSEMENT}
    # Bradford placed one of the four moved to Oakfield: 28 days at £1,050 a week, a quarter of the taxi, and
    # two residents' shares of the £1,368 agency night (49 people: £27.92 each, the last few £27.91).
    assert bodies["la:E08000032"].reference == "INC1-CLM-BRD-001"
    assert bodies["la:E08000032"].total_pence == 420000 + 4500 + 2 * 2792
    assert bodies["la:W06000015"].total_pence == 420000 + 4500 + 2792, "Cardiff: s.49(3) for what it arranged"
    mattress = next(c for c in result.claims if c.kind is ClaimKind.CHARGE and c.total_pence == 14000)
    assert {line.route for line in demo.claims.lines(mattress.id)} == {Route.CHARGE_S49}, "rule 17"
    for claim in result.claims:
        lines = demo.claims.lines(claim.id)
        assert sum(line.amount_pence for line in lines) == claim.total_pence
        assert all(line.route and line.period_start and line.period_end for line in lines), "rule 30"
        assert claim.exercise and claim.status is ClaimStatus.DRAFT
    # Never claimed: the two CHC residents' agency shares (rule 11); the advice (rule 16) and the share of the
    # resident whose placing council ('Warks CC') is not yet resolved (rule 18); and our own clients' shares,
    # charged per financial assessment (ss.14, 17; brief rule 25), never at cost.
    own_clients = demo.conn.execute("SELECT count(*) FROM cost_allocations WHERE route = 's14'").fetchone()[0]
    assert own_clients > 0
    assert result.not_claimable == {"nhs": 2, "absorbed": 2, "s14": own_clients}
    assert demo.verify_log().ok


def test_no_chc_share_and_no_advice_is_ever_on_a_claim(demo):
    service.build(demo, 1)
    on_claims = demo.db.query(
        "SELECT l.category, p.basis, a.route FROM claim_lines cl JOIN cost_allocations a ON a.id = cl.allocation_id"
        " JOIN cost_lines l ON l.id = a.line_id JOIN people p ON p.id = a.person_id")
    for row in on_claims:
        assert row["category"] != "information-advice" and row["basis"] != "nhs-icb"
        assert row["route"] not in ("nhs", "absorbed")


def test_building_again_claims_nothing_twice_and_says_why(demo):
    first = service.build(demo, 1)
    again = service.build(demo, 1)
    assert again.claims == ()
    assert again.left_out == {"already claimed": sum(len(demo.claims.lines(c.id)) for c in first.claims)}
    assert "Bradford Metropolitan District Council: nothing new to claim (4 lines left out: 4 already claimed on " \
           "INC1-CLM-BRD-001)" in " ".join(again.nothing_new)


def test_a_reversal_after_claiming_is_a_credit_on_the_next_claim(demo):
    service.build(demo, 1)
    taxi = next(line for line in demo.costs.lines(1) if line.category.value == "transport")
    reverse_line(demo, taxi.id, "the taxi was booked twice")
    result = service.build(demo, 1)
    credits = {c.recipient_ref: c for c in result.claims}
    bradford = credits["la:E08000032"]
    assert bradford.reference == "INC1-CLM-BRD-002" and bradford.total_pence == -4500
    assert bradford.excluded_note == "4 lines left out: 4 already claimed on INC1-CLM-BRD-001"
    (line,) = demo.claims.lines(bradford.id)
    assert line.reversal_of == taxi.id and "Credit reversing line" in documents.describe(line)
    # One credit for each of the people whose share was claimed: three of the four the taxi was for; our own
    # client's share (s.14, per financial assessment) was never drafted, so there is nothing to credit.
    assert len(result.claims) == 3
    assert result.not_claimable["s14"] > 0


def test_no_credit_for_a_share_that_was_written_off(demo):
    service.build(demo, 1)
    service.write_off(demo, "INC1-CLM-BRD-001", "Bradford will not pay", "not worth pursuing")
    taxi = next(line for line in demo.costs.lines(1) if line.category.value == "transport")
    reverse_line(demo, taxi.id, "booked twice")
    result = service.build(demo, 1)
    assert "la:E08000032" not in {c.recipient_ref for c in result.claims}
    assert result.left_out["reverses a share written off on INC1-CLM-BRD-001: nothing to credit"] == 1


def test_a_line_reversed_before_claiming_is_never_claimed(store, make_incident):
    incident = make_incident()
    people = cast(store, incident.id)
    line = cost(store, incident.id, [people["bradford"]])
    reverse_line(store, line.id, "typed twice")
    result = service.build(store, incident.id)
    assert result.claims == () and result.left_out == {"reversed before it was claimed": 2}


def test_a_claim_period_takes_only_lines_wholly_inside_it(store, make_incident):
    incident = make_incident()
    people = cast(store, incident.id)
    cost(store, incident.id, [people["bradford"]], rate="10")
    cost(store, incident.id, [people["bradford"]], rate="1050", unit="per-week", end=date(2026, 12, 20))
    november = service.build(store, incident.id, (date(2026, 11, 1), date(2026, 11, 30)))
    (claim,) = november.claims
    assert claim.total_pence == 1000 and claim.period_start == date(2026, 11, 1)
    assert claim.excluded_note == "1 line left out: 1 not wholly inside the period"
    later = service.build(store, incident.id, (date(2026, 11, 1), date(2026, 12, 31)))
    assert [c.total_pence for c in later.claims] == [420000]


def test_a_person_who_turns_out_to_be_chc_is_never_invoiced(store, make_incident):
    incident = make_incident()
    people = cast(store, incident.id)
    cost(store, incident.id, [people["self_funder"]])
    edit_person(store, people["self_funder"], {"funding": "nhs-chc", "icb_code": "E54000054"}, reason="CHC agreed")
    result = service.build(store, incident.id)
    assert result.claims == ()
    assert any("rule 11" in why for why in result.left_out)


def test_a_route_left_behind_by_new_funding_facts_is_held_back(store, make_incident):
    incident = make_incident()
    people = cast(store, incident.id)
    cost(store, incident.id, [people["self_funder"]])
    edit_person(store, people["self_funder"], {"funding": "council", "funding_body": "BRD"}, reason="Bradford placed")
    result = service.build(store, incident.id)
    assert result.claims == () and any("route out of date" in why for why in result.left_out)


# --- the claim's life -------------------------------------------------------------------------------------------------


def built(store):
    service.build(store, 1)
    return store.claims.by_reference("INC1-CLM-BRD-001")


def test_an_exercise_claim_is_submitted_only_with_confirmation(demo):
    claim = built(demo)
    with pytest.raises(BadInput, match="EXERCISE claim: it is not a real invoice"):
        service.submit(demo, claim.reference, "Bradford accounts payable")
    assert demo.claims.get(claim.id).status is ClaimStatus.DRAFT
    done = service.submit(demo, claim.reference, "Bradford accounts payable", exercise_confirmed=True)
    assert done.status is ClaimStatus.SUBMITTED and done.submitted_on == DEMO_NOW.date()
    assert "exercise: confirmed" in demo.claims.events(claim.id)[-1].reason


def test_a_live_claim_is_submitted_without_the_exercise_box(store, make_incident):
    incident = make_incident()
    people = cast(store, incident.id)
    cost(store, incident.id, [people["bradford"]])
    (claim,) = service.build(store, incident.id).claims
    assert not claim.exercise
    assert service.submit(store, claim.reference, "Bradford AP").status is ClaimStatus.SUBMITTED


def test_submission_dates_are_checked(demo):
    claim = built(demo)
    for on, message in ((DEMO_NOW.date() + timedelta(days=1), "in the future"),
                        (DEMO_NOW.date() - timedelta(days=1), "before")):
        with pytest.raises(BadInput, match=message):
            service.submit(demo, claim.reference, "AP", on, exercise_confirmed=True)
    with pytest.raises(BadInput, match="say to whom"):
        service.submit(demo, claim.reference, " ", exercise_confirmed=True)


def test_payments_dispute_and_write_off(demo):
    claim = built(demo)
    with pytest.raises(BadInput, match="has not been submitted yet"):
        service.record_payment(demo, claim.reference, 100)
    service.submit(demo, claim.reference, "AP", exercise_confirmed=True)
    service.acknowledge(demo, claim.reference, note="received")
    disputed, message = service.dispute(demo, claim.reference, "one resident was self-funding")
    assert disputed.status is ClaimStatus.DISPUTED and "never pauses or delays anyone's care" in message
    with pytest.raises(BadInput, match="more than the £4,300.84 still owed"):
        service.record_payment(demo, claim.reference, 430085)
    part = service.record_payment(demo, claim.reference, 300000, note="remittance 5521")
    assert (part.status, part.paid_pence, part.balance_pence) == (ClaimStatus.PART_PAID, 300000, 130084)
    off = service.write_off(demo, claim.reference, "agreed one share was not Bradford's",
                            "cheaper than pursuing; Bradford accepted the rest")
    assert (off.status, off.written_off_pence, off.balance_pence) == (ClaimStatus.WRITTEN_OFF, 130084, 0)
    decision = demo.decisions.get(off.writeoff_decision_id)
    assert "Write off £1,300.84 of claim INC1-CLM-BRD-001" in decision.decision
    assert [e.action for e in demo.claims.events(claim.id)] == ["build", "submit", "acknowledge", "dispute",
                                                                "payment", "write-off"]
    with pytest.raises(BadInput, match="written off"):
        service.record_payment(demo, claim.reference, 1)
    assert demo.verify_log().ok


def test_paid_in_full(demo):
    claim = built(demo)
    service.submit(demo, claim.reference, "AP", exercise_confirmed=True)
    paid = service.record_payment(demo, claim.reference, claim.total_pence)
    assert paid.status is ClaimStatus.PAID and paid.balance_pence == 0
    assert service.age_words(paid, DEMO_NOW.date()) == "paid"


def test_what_is_owed_by_whom_and_how_old(demo):
    service.build(demo, 1)
    built_on = DEMO_NOW.date()
    today = built_on + timedelta(days=120)
    demo.clock = fixed_clock(DEMO_NOW + timedelta(days=120))
    submitted = {"INC1-CLM-BRD-001": 0, "INC1-CLM-WKF-001": 30, "INC1-CLM-CRF-001": 60, "INC1-CLM-KIR-001": 100}
    for ref, day in submitted.items():
        service.submit(demo, ref, "AP", built_on + timedelta(days=day), exercise_confirmed=True)
    ages = {ref: service.age_words(demo.claims.by_reference(ref), today) for ref in submitted}
    assert ages == {"INC1-CLM-BRD-001": "over 90 days", "INC1-CLM-WKF-001": "61-90 days",
                    "INC1-CLM-CRF-001": "31-60 days", "INC1-CLM-KIR-001": "0-30 days"}
    service.record_payment(demo, "INC1-CLM-BRD-001", 30084)
    owed = service.owed(demo, today, 1)
    by_ref = {o.recipient_ref: o for o in owed}
    assert by_ref["la:E08000032"].buckets == {"0-30 days": 0, "31-60 days": 0, "61-90 days": 0,
                                              "over 90 days": 400000}
    assert by_ref["la:W06000015"].buckets["31-60 days"] == by_ref["la:W06000015"].balance_pence == 427292
    calderdale = by_ref["la:E08000033"]
    assert calderdale.balance_pence == 0 and calderdale.draft_pence > 0, "a draft is not owed yet"
    assert owed[0].recipient_ref == "la:E08000032", "the oldest debt comes first"
    total_owed = sum(o.balance_pence for o in owed)
    assert total_owed == sum(c.balance_pence for c in demo.claims.for_incident(1) if c.status is not ClaimStatus.DRAFT)


# --- ordinary-residence disputes (brief rule 22) ---------------------------------------------------------------------


def test_an_or_dispute_starts_the_four_month_referral_and_marks_claims(demo):
    service.build(demo, 1)
    person = next(p for p in demo.people.all(1) if p.determination.recover_from == "la:E08000032")
    result = service.add_or_dispute(demo, person.id, "Bradford", "Bradford say he moved to Leeds in 2019",
                                    date(2026, 10, 31))
    assert result.dispute.refer_by == date(2027, 2, 28)
    assert "never pauses or delays anyone's care" in result.message and "28/02/2027" in result.message
    assert [c.reference for c in result.affected] == ["INC1-CLM-BRD-001"]
    marked = service.disputed_claims(demo, 1)
    assert list(marked) == [result.affected[0].id]
    assert demo.people.get(person.id).facts.or_status is ORStatus.DISPUTED
    assert service.referral_words(result.dispute, date(2027, 3, 1)).startswith("OVERDUE by 1 days")
    service.resolve_or_dispute(demo, result.dispute.id, "Bradford accepted", date(2026, 11, 20))
    assert service.disputed_claims(demo, 1) == {}
    with pytest.raises(BadInput, match="was resolved"):
        service.resolve_or_dispute(demo, result.dispute.id, "again")
    assert demo.verify_log().ok


def test_a_cross_border_dispute_goes_to_sch_1_para_5(demo):
    person = next(p for p in demo.people.all(1) if p.determination.recover_from == "la:W06000015")
    result = service.add_or_dispute(demo, person.id, "Cardiff", "Cardiff dispute the placement")
    assert "Sch 1 para 5 and SI 2014/2843" in result.message


# --- documents: letter, schedule and CSV agree to the penny --------------------------------------------------------


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages).split())


def docx_rows(path: Path) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for table in docx.Document(path).tables for row in table.rows]


def pence(text: str) -> int:
    negative = text.startswith("-")
    pounds, pennies = text.lstrip("-£").replace(",", "").split(".")
    return (-1 if negative else 1) * (int(pounds) * 100 + int(pennies))


def test_letter_schedule_and_csv_agree_to_the_penny(demo, tmp_path):
    service.build(demo, 1)
    reverse_line(demo, next(line.id for line in demo.costs.lines(1) if line.category.value == "transport"), "twice")
    service.build(demo, 1)  # credits too
    files = documents.export(demo, 1, tmp_path / "claims")
    claims = {f.claim.reference: f.claim for f in files}
    assert len(claims) == len(demo.claims.for_incident(1))
    for reference, claim in claims.items():
        mine = {(f.document, f.path.suffix): f.path for f in files if f.claim.reference == reference}
        with mine[("csv", ".csv")].open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        csv_amounts = [int(r["amount_pence"]) for r in rows]
        assert [pence(r["amount_pounds"]) for r in rows] == csv_amounts, "pounds and pence agree"
        assert sum(csv_amounts) == claim.total_pence
        assert all(r["claim_reference"] == reference and r["route"] and r["period_start"] for r in rows)
        table = docx_rows(mine[("schedule", ".docx")])
        assert table[0] == ["No.", "Person", "Period", "Description", "Route", "Amount"]
        assert [pence(r[-1]) for r in table[1:-1]] == csv_amounts
        assert [r[1] for r in table[1:-1]] == [r["person_name"] for r in rows]
        assert table[-1][0] == "Total" and pence(table[-1][-1]) == claim.total_pence
        schedule_pdf = pdf_text(mine[("schedule", ".pdf")])
        letter_pdf = pdf_text(mine[("letter", ".pdf")])
        total = documents.format_pounds(claim.total_pence)
        assert f"Total {total}" in schedule_pdf and f"Total {total}" in letter_pdf
        for row in rows:
            assert documents.format_pounds(int(row["amount_pence"])) in schedule_pdf
        assert reference in letter_pdf and reference in schedule_pdf


def test_exercise_documents_say_so_everywhere(demo, tmp_path):
    service.build(demo, 1)
    files = documents.export(demo, 1, tmp_path, ["INC1-CLM-BRD-001"])
    assert {f.path.name for f in files} == {
        f"EXERCISE-NOT-A-REAL-INCIDENT_INC1-CLM-BRD-001{suffix}"
        for suffix in ("-letter.pdf", "-letter.docx", "-schedule.pdf", "-schedule.docx", ".csv")}
    for f in files:
        if f.path.suffix == ".pdf":
            text = pdf_text(f.path)
            assert text.count(EXERCISE_MARK) >= 3, "header, footer and body"
        elif f.path.suffix == ".docx":
            document = docx.Document(f.path)
            assert EXERCISE_MARK in document.sections[0].header.paragraphs[0].text
            assert EXERCISE_MARK in "\n".join(p.text for p in document.paragraphs)
        else:
            assert {row["exercise"] for row in csv.DictReader(f.path.open(encoding="utf-8"))} == {EXERCISE_MARK}
    (entry,) = demo.log.for_entity("claim-export", demo.claims.by_reference("INC1-CLM-BRD-001").id)
    assert {item["sha256"] for item in entry.after["files"]} == {f.sha256 for f in files}


def test_live_documents_carry_no_exercise_mark_and_charge_letters_go_to_the_person(store, make_incident, tmp_path):
    incident = make_incident()
    people = cast(store, incident.id)
    cost(store, incident.id, [people["self_funder"], people["bradford"]], rate="80")
    service.build(store, incident.id)
    files = documents.export(store, incident.id, tmp_path)
    assert not any(f.path.name.startswith("EXERCISE") for f in files)
    charge = next(f for f in files if f.document == "letter" and f.path.suffix == ".pdf" and "CHG" in f.path.name)
    text = pdf_text(charge.path)
    assert EXERCISE_MARK not in text
    assert "To: Ada Selfpay" in text and "never for information or advice" in text and "s.48(5)" in text
    assert "£40.00" in text


def test_a_claim_changed_outside_the_app_is_caught_by_log_verify(demo):
    claim = built(demo)
    assert demo.verify_log().ok
    demo.conn.execute("UPDATE claims SET status = 'paid', submitted_on = '2026-11-23' WHERE id = ?", [claim.id])
    demo.conn.commit()
    result = demo.verify_log()
    assert not result.ok and f"claim {claim.id} differs from its last logged state" in result.problem
