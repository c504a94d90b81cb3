"""Per-person determination (brief rules 8-25; worked cases 2, 11-14, 16, 17, 19, 20 of section 12).

Host authority A = Leeds (LDS, E08000035); B = Bradford (BRD, E08000032); a Welsh council, Cardiff (CRF,
W06000015); Glasgow City (GLG, S12000049); Belfast HSC Trust (BHSCT, no GSS code); the ICB is NHS West
Yorkshire (E54000054).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from contingency.models import Authority, Classification
from contingency.paths import resource_dir
from contingency.person import (
    RAG,
    Basis,
    CarerRole,
    ChargeRoute,
    DataIssue,
    Flag,
    Funding,
    ORStatus,
    PersonFacts,
)
from contingency.rules.authorities import AuthorityIndex
from contingency.rules.determination import determine

C = Classification
F = Funding

LEEDS_REF = "la:E08000035"
BRADFORD_REF = "la:E08000032"
CARDIFF_REF = "la:W06000015"
GLASGOW_REF = "la:S12000049"
BELFAST_REF = "la:BHSCT"
ICB = "E54000054"
ICB_REF = f"icb:{ICB}"


def _load_index() -> AuthorityIndex:
    with (resource_dir("db") / "authorities.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return AuthorityIndex(Authority(**{**row, "gss_code": row["gss_code"] or None}) for row in rows)


AUTHORITIES = _load_index()
LEEDS = AUTHORITIES.get("LDS")
BRADFORD = AUTHORITIES.get("BRD")


def test_reference_authorities_are_as_the_tests_assume():
    assert (LEEDS.code, LEEDS.gss_code, LEEDS.ref) == ("LDS", "E08000035", LEEDS_REF)
    assert (BRADFORD.code, BRADFORD.ref) == ("BRD", BRADFORD_REF)
    assert AUTHORITIES.get("CRF").ref == CARDIFF_REF
    assert AUTHORITIES.get("GLG").ref == GLASGOW_REF
    assert AUTHORITIES.get("BHSCT").ref == BELFAST_REF


def person(**overrides: Any) -> PersonFacts:
    """A risk-rated resident of the failed home; override what the case needs."""
    data: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": "Exampleton",
        "date_of_birth": date(1938, 4, 3),
        "rag": RAG.GREEN,
        "rag_reason": "Stable; family able to help",
        "nominee_name": "Peter Exampleton",
    }
    data.update(overrides)
    return PersonFacts(**data)


def run(facts: PersonFacts, classification: Classification = C.SECTION_48_ACTIVE, *, area: Authority | None = None,
        duplicate: bool = False):
    return determine(facts, classification=classification, area=area or LEEDS, ours=LEEDS,
                     authorities=AUTHORITIES, duplicate_suspected=duplicate)


@dataclass(frozen=True)
class Row:
    id: str
    facts: dict[str, Any]
    basis: Basis
    notify: set[str] = field(default_factory=set)
    recover_from: str | None = None
    charge_route: ChargeRoute | None = None
    flags: set[Flag] = field(default_factory=set)
    classification: Classification = C.SECTION_48_ACTIVE
    reason_says: tuple[str, ...] = ()


WORKED_CASES = [
    # Case 2: winding-up order; the home closes in 48 hours; 30 residents of five kinds.
    Row("case-2-funded-by-A-existing-s18", dict(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"),
        Basis.EXISTING_S18, charge_route=ChargeRoute.S14, reason_says=("s.18/s.20", "brief rule 10")),
    Row("case-2-self-funder-s48-cost-only", dict(funding=F.SELF_FUNDED, or_code="LDS"),
        Basis.S48, charge_route=ChargeRoute.S48_5, reason_says=("only the cost we incur", "s.48(5)")),
    Row("case-2-placed-by-B-notify-and-recover", dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD",
                                                        or_code="BRD"),
        Basis.S48, {BRADFORD_REF}, BRADFORD_REF, None, reason_says=("s.48(7)", "co-operate")),
    Row("case-2-chc-icb-notify", dict(funding=F.NHS_CHC, icb_code=ICB, or_code="LDS"),
        Basis.NHS_ICB, {ICB_REF}, reason_says=("never invoice", "brief rules 10-11")),
    Row("case-2-placed-by-welsh-council-s48-s49", dict(funding=F.WELSH_COUNCIL, funding_body="CRF", or_code="CRF"),
        Basis.S48_S49, {CARDIFF_REF}, CARDIFF_REF, ChargeRoute.S49_3D,
        reason_says=("s.49(3)", "SI 2014/2843", "brief rule 20")),
    # Case 11: FNC resident, otherwise self-funding: s.48 for the social care, nursing is the ICB's. The consent
    # flag only once we have arranged nursing urgently (rule 12).
    Row("case-11-fnc-otherwise-self-funding", dict(funding=F.FNC, icb_code=ICB, or_code="LDS"),
        Basis.S48, {ICB_REF}, None, ChargeRoute.S48_5, set(),
        reason_says=("s.22(4)(b)", "consent")),
    Row("case-11-urgent-nursing-arranged-seek-consent", dict(funding=F.FNC, icb_code=ICB, or_code="LDS",
                                                            nursing_arranged_urgently=True),
        Basis.S48, {ICB_REF}, None, ChargeRoute.S48_5, {Flag.FNC_ICB_CONSENT},
        reason_says=("temporary; ICB consent to be sought", "s.22(4)(b), (5)", "brief rule 12")),
    Row("case-11-self-funder-with-fnc-flag", dict(funding=F.SELF_FUNDED, fnc=True, icb_code=ICB, or_code="LDS",
                                                  nursing_arranged_urgently=True),
        Basis.S48, {ICB_REF}, None, ChargeRoute.S48_5, {Flag.FNC_ICB_CONSENT}),
    # Case 12: self-funder from B chose a home in A with capacity: ordinarily resident in A; no claim on B.
    Row("case-12-self-funder-from-B-resident-in-A", dict(funding=F.SELF_FUNDED, or_code="LDS",
                                                        or_status=ORStatus.ASSERTED),
        Basis.S48, charge_route=ChargeRoute.S48_5),
    # Case 13: B placed the person in supported living in A; the agency is liquidated; deemed OR in B (s.39).
    Row("case-13-B-placed-supported-living-recover-from-B",
        dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD", or_code="BRD", or_status=ORStatus.ACCEPTED,
             service_kind="supported-living"),
        Basis.S48, {BRADFORD_REF}, BRADFORD_REF, None),
    # Case 14: a Scottish council placed the person: s.49; recover from it; the person pays for anything else.
    Row("case-14-scottish-council-s49", dict(funding=F.SCOTTISH_COUNCIL, funding_body="GLG", or_code="GLG"),
        Basis.S48_S49, {GLASGOW_REF}, GLASGOW_REF, ChargeRoute.S49_3D, reason_says=("s.49(3)(d)", "brief rule 17")),
    # Case 16: B denies ordinary residence: care continues, flagged, 4-month referral (rule 22).
    Row("case-16-B-denies-ordinary-residence", dict(funding=F.SELF_FUNDED, or_code="BRD", or_status=ORStatus.DISPUTED),
        Basis.S48, {BRADFORD_REF}, None, ChargeRoute.S48_5, {Flag.OR_DISPUTED, Flag.OR_ELSEWHERE},
        reason_says=("care continues", "4 months", "brief rule 22", "SI 2014/2829")),
    # Case 17: a carer's respite stay ends: s.48 applies; involve the carer (s.52(5)).
    Row("case-17-carers-respite-s48-involve-carer", dict(funding=F.SELF_FUNDED, or_code="LDS",
                                                        carer_role=CarerRole.CARER),
        Basis.S48, charge_route=ChargeRoute.S48_5, reason_says=("s.52(5)", "carer")),
    # Case 19: advice is free; a placement arranged by A may be charged at cost under s.48(5).
    Row("case-19-self-funder-charge-route-s48-5", dict(funding=F.SELF_FUNDED, or_code="LDS"),
        Basis.S48, charge_route=ChargeRoute.S48_5, reason_says=("never for information or advice",)),
    # Case 20: s.117 after-care: in s.48 scope; notify the s.117 LA and the ICB; recover if that LA arranged it.
    Row("case-20-s117-arranged-by-B", dict(funding=F.S117, funding_body="BRD", icb_code=ICB, or_code="BRD"),
        Basis.S48, {BRADFORD_REF, ICB_REF}, BRADFORD_REF, None, reason_says=("s.117", "free")),
]


def _check(row: Row) -> None:
    det = run(person(**row.facts), row.classification)
    assert det.basis is row.basis, det.reasons
    assert set(det.notify) == row.notify
    assert len(det.notify) == len(set(det.notify)), "nobody is told twice"
    assert det.recover_from == row.recover_from
    assert det.charge_route == row.charge_route
    assert set(det.flags) == row.flags
    text = " ".join(det.reasons)
    for phrase in row.reason_says:
        assert phrase in text, f"{phrase!r} not in reasons: {det.reasons}"


@pytest.mark.parametrize("row", WORKED_CASES, ids=lambda r: r.id)
def test_worked_cases(row):
    _check(row)


# --- edge cases of our own ----------------------------------------------------------------------------

EDGE_CASES = [
    Row("dp-from-another-english-council-recover-rule-18",
        dict(funding=F.DIRECT_PAYMENT, funding_body="BRD", or_code="BRD"),
        Basis.S48, {BRADFORD_REF}, BRADFORD_REF, None, reason_says=("direct payments",)),
    Row("dp-from-us-existing-s18", dict(funding=F.DIRECT_PAYMENT, funding_body="LDS", or_code="LDS"),
        Basis.EXISTING_S18, charge_route=ChargeRoute.S14),
    Row("dp-payer-not-recorded-authority-unresolved", dict(funding=F.DIRECT_PAYMENT, or_code="LDS"),
        Basis.S48, flags={Flag.AUTHORITY_UNRESOLVED}),
    Row("dp-from-welsh-council-s49", dict(funding=F.DIRECT_PAYMENT, funding_body="CRF", or_code="CRF"),
        Basis.S48_S49, {CARDIFF_REF}, CARDIFF_REF, ChargeRoute.S49_3D),
    Row("ni-trust-s49", dict(funding=F.NI_TRUST, funding_body="BHSCT", or_code="BHSCT"),
        Basis.S48_S49, {BELFAST_REF}, BELFAST_REF, ChargeRoute.S49_3D),
    Row("welsh-council-not-named-rule-10", dict(funding=F.WELSH_COUNCIL, or_code="LDS"),
        Basis.S48_S49, charge_route=ChargeRoute.S49_3D, flags={Flag.AUTHORITY_UNRESOLVED}),
    Row("other-english-council-not-named-rules-18-19", dict(funding=F.OTHER_ENGLISH_COUNCIL, or_code="LDS"),
        Basis.S48, flags={Flag.AUTHORITY_UNRESOLVED}),
    Row("chc-without-icb-recorded-rule-11", dict(funding=F.NHS_CHC, or_code="LDS"),
        Basis.NHS_ICB, flags={Flag.AUTHORITY_UNRESOLVED}, reason_says=("ICB is not recorded",)),
    # Rule 19 is unconditional: the ordinary-residence council is told about a CHC person too.
    Row("chc-ordinarily-resident-elsewhere-still-icb-and-tell-home-rule-19",
        dict(funding=F.NHS_CHC, icb_code=ICB, or_code="BRD"),
        Basis.NHS_ICB, {ICB_REF, BRADFORD_REF}, reason_says=("brief rule 19",)),
    Row("fnc-notifies-icb-rule-12", dict(funding=F.FNC, icb_code=ICB, or_code="LDS"),
        Basis.S48, {ICB_REF}, None, ChargeRoute.S48_5, set(), reason_says=("brief rules 11-12",)),
    Row("fnc-urgent-nursing-flags-rule-12", dict(funding=F.FNC, icb_code=ICB, or_code="LDS",
                                                 nursing_arranged_urgently=True),
        Basis.S48, {ICB_REF}, None, ChargeRoute.S48_5, {Flag.FNC_ICB_CONSENT}, reason_says=("brief rule 12",)),
    Row("fnc-without-icb-recorded", dict(funding=F.FNC, or_code="LDS"),
        Basis.S48, set(), None, ChargeRoute.S48_5, {Flag.AUTHORITY_UNRESOLVED}),
    Row("our-client-with-fnc-tells-icb", dict(funding=F.OWN_COUNCIL, fnc=True, icb_code=ICB, or_code="LDS"),
        Basis.EXISTING_S18, {ICB_REF}, None, ChargeRoute.S14, set()),
    Row("our-client-with-fnc-urgent-nursing", dict(funding=F.OWN_COUNCIL, fnc=True, icb_code=ICB, or_code="LDS",
                                                   nursing_arranged_urgently=True),
        Basis.EXISTING_S18, {ICB_REF}, None, ChargeRoute.S14, {Flag.FNC_ICB_CONSENT}),
    Row("joint-package-ours-tells-icb", dict(funding=F.JOINT, funding_body="LDS", icb_code=ICB, or_code="LDS"),
        Basis.EXISTING_S18, {ICB_REF}, None, ChargeRoute.S14),
    Row("joint-package-from-B-recover-and-tell-icb",
        dict(funding=F.JOINT, funding_body="BRD", icb_code=ICB, or_code="BRD"),
        Basis.S48, {BRADFORD_REF, ICB_REF}, BRADFORD_REF, None),
    Row("capacity-concern-no-nominee-imca-rule-15", dict(funding=F.SELF_FUNDED, or_code="LDS", capacity_concern=True,
                                                        nominee_name=""),
        Basis.S48, charge_route=ChargeRoute.S48_5, flags={Flag.IMCA_NEEDED}, reason_says=("IMCA", "brief rule 15")),
    Row("capacity-concern-with-nominee-no-imca", dict(funding=F.SELF_FUNDED, or_code="LDS", capacity_concern=True),
        Basis.S48, charge_route=ChargeRoute.S48_5),
    Row("capacity-concern-blank-nominee-imca", dict(funding=F.SELF_FUNDED, or_code="LDS", capacity_concern=True,
                                                   nominee_name="   "),
        Basis.S48, charge_route=ChargeRoute.S48_5, flags={Flag.IMCA_NEEDED}),
    Row("unknown-funding-no-charge-route-rule-9", dict(funding=F.UNKNOWN, or_code="LDS"),
        Basis.S48, flags={Flag.FUNDING_UNKNOWN}, reason_says=("Funding is not known",)),
    Row("self-funder-or-elsewhere-no-recovery-rule-18", dict(funding=F.SELF_FUNDED, or_code="BRD",
                                                            or_status=ORStatus.ASSERTED),
        Basis.S48, {BRADFORD_REF}, None, ChargeRoute.S48_5, {Flag.OR_ELSEWHERE},
        reason_says=("s.41", "brief rule 18", "brief rule 19")),
    Row("welsh-resident-arranged-own-care-plain-s48", dict(funding=F.SELF_FUNDED, or_code="CRF"),
        Basis.S48, {CARDIFF_REF}, None, ChargeRoute.S48_5, {Flag.OR_ELSEWHERE}),
    Row("our-client-ordinarily-resident-elsewhere-notify-rule-19",
        dict(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="BRD"),
        Basis.EXISTING_S18, {BRADFORD_REF}, None, ChargeRoute.S14),
    Row("or-disputed-rule-22", dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD", or_code="BRD",
                                    or_status=ORStatus.DISPUTED),
        Basis.S48, {BRADFORD_REF}, BRADFORD_REF, None, {Flag.OR_DISPUTED}, reason_says=("brief rule 22",)),
    Row("or-disputed-not-yet-named", dict(funding=F.SELF_FUNDED, or_status=ORStatus.DISPUTED),
        Basis.S48, charge_route=ChargeRoute.S48_5, flags={Flag.OR_DISPUTED}),
    Row("or-unknown-rule-8", dict(funding=F.SELF_FUNDED),
        Basis.S48, charge_route=ChargeRoute.S48_5, flags={Flag.OR_UNKNOWN}, reason_says=("brief rule 8",)),
    Row("or-code-not-an-authority", dict(funding=F.SELF_FUNDED, or_code="ZZZ"),
        Basis.S48, charge_route=ChargeRoute.S48_5, flags={Flag.OR_UNKNOWN, Flag.AUTHORITY_UNRESOLVED}),
    Row("s117-ours-existing-duty-never-charged", dict(funding=F.S117, funding_body="LDS", icb_code=ICB, or_code="LDS"),
        Basis.EXISTING_S18, {ICB_REF}, None, None),
    Row("s117-authority-not-recorded", dict(funding=F.S117, icb_code=ICB, or_code="LDS"),
        Basis.S48, {ICB_REF}, None, None, {Flag.AUTHORITY_UNRESOLVED}),
    Row("no-rag-yet-flagged", dict(funding=F.SELF_FUNDED, or_code="LDS", rag=None, rag_reason=""),
        Basis.S48, charge_route=ChargeRoute.S48_5, flags={Flag.NO_RAG}),
    Row("bad-value-issue-becomes-flag", dict(funding=F.SELF_FUNDED, or_code="LDS", issues=(
        DataIssue(kind=Flag.BAD_VALUE, field="nhs_number", value="123", message="NHS number '123' must be 10 digits"),)),
        Basis.S48, charge_route=ChargeRoute.S48_5, flags={Flag.BAD_VALUE}),
    # Before the duty starts: nothing is owed yet (rules 1, 4, 23).
    Row("monitoring-none-yet-rule-4", dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD", or_code="BRD"),
        Basis.NONE_YET, classification=C.MONITORING, reason_says=("brief rules 1 and 4",)),
    Row("warning-none-yet-tell-placing-la-rule-23",
        dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD", or_code="BRD"),
        Basis.NONE_YET, {BRADFORD_REF}, classification=C.WARNING, reason_says=("brief rule 23",)),
    Row("warning-our-own-client-tells-nobody", dict(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"),
        Basis.NONE_YET, classification=C.WARNING),
    Row("warning-self-funder-no-flags-for-residence", dict(funding=F.SELF_FUNDED),
        Basis.NONE_YET, classification=C.WARNING),
    # The urgent-need route (rule 25): our clients stay under s.18; others under s.19(3); s.14 charging.
    Row("urgent-need-our-client-existing-s18-s14", dict(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"),
        Basis.EXISTING_S18, charge_route=ChargeRoute.S14, classification=C.URGENT_NEED,
        reason_says=("brief rule 25",)),
    Row("urgent-need-our-dp-existing-s18-s14", dict(funding=F.DIRECT_PAYMENT, funding_body="LDS", or_code="LDS"),
        Basis.EXISTING_S18, charge_route=ChargeRoute.S14, classification=C.URGENT_NEED),
    Row("urgent-need-self-funder-s19-s14", dict(funding=F.SELF_FUNDED, or_code="LDS"),
        Basis.URGENT_S19, charge_route=ChargeRoute.S14, classification=C.URGENT_NEED,
        reason_says=("s.19(3)", "brief rule 25")),
    Row("urgent-need-placed-by-B-tell-B-no-recovery", dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD",
                                                          or_code="BRD"),
        Basis.URGENT_S19, {BRADFORD_REF}, None, ChargeRoute.S14, classification=C.URGENT_NEED,
        reason_says=("s.41",)),
    Row("urgent-need-self-funder-or-elsewhere", dict(funding=F.SELF_FUNDED, or_code="BRD"),
        Basis.URGENT_S19, {BRADFORD_REF}, None, ChargeRoute.S14, {Flag.OR_ELSEWHERE}, classification=C.URGENT_NEED),
    Row("urgent-need-chc-still-icb", dict(funding=F.NHS_CHC, icb_code=ICB, or_code="LDS"),
        Basis.NHS_ICB, {ICB_REF}, classification=C.URGENT_NEED),
]


@pytest.mark.parametrize("row", EDGE_CASES, ids=lambda r: r.id)
def test_edge_cases(row):
    _check(row)


def test_not_our_duty_tells_the_area_and_nothing_else():
    det = determine(person(funding=F.SELF_FUNDED, or_code="BRD", rag=None, rag_reason=""),
                    classification=C.NOT_OUR_DUTY, area=BRADFORD, ours=LEEDS, authorities=AUTHORITIES)
    assert det.basis is Basis.NOT_OUR_DUTY
    assert det.notify == (BRADFORD_REF,)
    assert det.recover_from is None and det.charge_route is None
    assert det.flags == ()  # not risk-rated, but it is not ours to rate
    assert "brief rule 5" in det.reasons[0]
    assert "City of Bradford" in det.reasons[0]


def test_not_our_duty_keeps_data_issue_flags():
    issue = DataIssue(kind=Flag.AUTHORITY_UNRESOLVED, field="or_code", value="Warks CC", message="not found")
    det = determine(person(funding=F.SELF_FUNDED, issues=(issue,)), classification=C.NOT_OUR_DUTY, area=BRADFORD,
                    ours=LEEDS, authorities=AUTHORITIES)
    assert det.flags == (Flag.AUTHORITY_UNRESOLVED,)


@pytest.mark.parametrize("classification", [C.SECTION_48_ACTIVE, C.URGENT_NEED, C.MONITORING, C.WARNING])
@pytest.mark.parametrize("funding", [dict(funding=F.NHS_CHC, icb_code=ICB), dict(funding=F.NHS_CHC)])
def test_chc_is_never_invoiced_rule_11(classification, funding):
    det = run(person(**funding, or_code="LDS"), classification)
    assert det.charge_route is None
    assert det.recover_from is None


@pytest.mark.parametrize("classification", [C.SECTION_48_ACTIVE, C.URGENT_NEED])
@pytest.mark.parametrize("body", ["LDS", "BRD", None])
def test_s117_after_care_is_never_charged_and_the_icb_is_told(classification, body):
    """s.117 after-care is free (MHA 1983 s.117); case 20 says tell the s.117 authority and the ICB."""
    det = run(person(funding=F.S117, funding_body=body, icb_code=ICB, or_code=body or "LDS"), classification)
    assert det.charge_route is None, f"{classification.value}: s.117 person charged via {det.charge_route}"
    assert ICB_REF in det.notify


WELFARE_BASES = [
    dict(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"),
    dict(funding=F.SELF_FUNDED, or_code="LDS"),
    dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD", or_code="BRD"),
    dict(funding=F.SCOTTISH_COUNCIL, funding_body="GLG", or_code="GLG"),
    dict(funding=F.NHS_CHC, icb_code=ICB),
    dict(funding=F.UNKNOWN),
]


@pytest.mark.parametrize("classification", [C.SECTION_48_ACTIVE, C.URGENT_NEED, C.WARNING])
@pytest.mark.parametrize("base", WELFARE_BASES, ids=lambda b: b["funding"].value)
@pytest.mark.parametrize(("extra", "flags"), [
    (dict(immigration_question=True), {Flag.S21_IMMIGRATION}),
    (dict(housing_question=True), {Flag.S23_HOUSING}),
    (dict(immigration_question=True, housing_question=True), {Flag.S21_IMMIGRATION, Flag.S23_HOUSING}),
], ids=["s21", "s23", "both"])
def test_immigration_and_housing_questions_flag_but_never_change_the_basis_rule_24(classification, base, extra,
                                                                                    flags):
    plain = run(person(**base), classification)
    asked = run(person(**base, **extra), classification)
    assert (asked.basis, asked.notify, asked.recover_from, asked.charge_route) == (
        plain.basis, plain.notify, plain.recover_from, plain.charge_route)
    assert set(asked.flags) == set(plain.flags) | flags
    assert "brief rule 24" in " ".join(asked.reasons)
    assert "manager" in " ".join(asked.reasons)


def test_duplicate_suspected_flag():
    det = run(person(funding=F.SELF_FUNDED, or_code="LDS"), duplicate=True)
    assert Flag.DUPLICATE_SUSPECTED in det.flags
    assert det.basis is Basis.S48


@pytest.mark.parametrize("row", WORKED_CASES + EDGE_CASES, ids=lambda r: r.id)
def test_every_reason_cites_a_rule_or_section(row):
    """Reasons are for a lawyer to check: each cites the brief or a statutory provision."""
    det = run(person(**row.facts), row.classification)
    assert det.reasons
    for reason in det.reasons:
        if reason.startswith(("The ICB is not recorded", "The cross-border body is not recorded",
                              "The s.117 authority is not recorded", "Another person on this roster")):
            continue  # practical follow-ups, not legal conclusions
        assert any(mark in reason for mark in ("brief", "s.", "Care Act", "SI 20", "Mental")), reason


def test_determination_is_pure():
    facts = person(funding=F.WELSH_COUNCIL, funding_body="CRF", or_code="CRF")
    assert run(facts) == run(facts)


def test_rag_without_reason_is_refused_rule_28():
    with pytest.raises(ValueError, match="rule 28"):
        PersonFacts(first_name="Ada", rag=RAG.RED)


def test_a_person_needs_some_identity():
    with pytest.raises(ValueError, match="name, a provider reference or an NHS number"):
        PersonFacts(funding=F.SELF_FUNDED)


def test_worked_case_15_our_client_placed_in_wales_stays_our_responsibility():
    """A placed someone in a home in Wales that fails: the Welsh council owes the s.50 duty and claims from A;
    A co-operates and stays responsible (Sch 1 para 1; rule 21). The person is ours, not 'not our duty'."""
    cardiff = AUTHORITIES.get("CRF")
    det = determine(person(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"), classification=C.NOT_OUR_DUTY,
                    area=cardiff, ours=LEEDS, authorities=AUTHORITIES)
    assert det.basis is Basis.EXISTING_S18
    assert CARDIFF_REF in det.notify
    assert "s.50" in " ".join(det.reasons)


def test_our_client_placed_in_another_english_area_stays_under_our_existing_duty():
    """The incident's own reasons say to track our clients placed there under our existing duties (rule 5)."""
    det = determine(person(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"), classification=C.NOT_OUR_DUTY,
                    area=BRADFORD, ours=LEEDS, authorities=AUTHORITIES)
    assert det.basis is Basis.EXISTING_S18
    assert BRADFORD_REF in det.notify
