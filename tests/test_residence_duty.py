"""Where each person lives decides the duty for care at home (brief section 2 "Who", rule 5, worked case 3);
rule 5 runs after the trigger rules (rules 4, 23, 25; case 10); a likely ICB from the address (rule 11);
s.117 after-care arranged across a border (rule 10, case 20); IMCA and FNC flags (rules 12, 15); rule 19.

Host authority A = Leeds (LDS, E08000035, NHS West Yorkshire ICB E54000054); B = Bradford (BRD, E08000032).
Postcode sectors from db/postcode_sectors.csv: LS1 1 wholly Leeds; BD1 1 wholly Bradford; LS22 5 Leeds 69%
and North Yorkshire 31%; BD3 7 Bradford main with Leeds 18%; BT1 1 is Northern Ireland (not covered).
"""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

import pytest

from contingency.models import Classification, IncidentFacts, ServiceKind
from contingency.paths import resource_dir
from contingency.person import RAG, Basis, ChargeRoute, Flag, Funding, PersonFacts, PersonStatus
from contingency.rules.classification import classify, trigger
from contingency.rules.determination import determine
from contingency.rules.geography import (
    DELIVERED_AT_HOME,
    CouncilICB,
    Found,
    Geography,
    SectorShare,
    icb_has_area_in,
    postcode_sector,
    where_they_live,
)
from tests.test_determination import AUTHORITIES, BRADFORD, BRADFORD_REF, LEEDS

C = Classification
F = Funding
K = ServiceKind

WEST_YORKSHIRE_REF = "icb:E54000054"
COVENTRY_WARWICKSHIRE = "E54000018"


def _rows(name: str) -> list[dict[str, str]]:
    with (resource_dir("db") / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


GEOGRAPHY = Geography(
    (SectorShare(r["sector"], r["la_gss_code"], r["la_name"], float(r["share"]), r["main"] == "yes")
     for r in _rows("postcode_sectors.csv")),
    (CouncilICB(r["la_gss_code"], r["icb_code"], r["icb_gss_code"], r["icb_name"], float(r["share"]),
                r["main"] == "yes", r["confirmed"] == "yes") for r in _rows("la_icb_2026.csv")),
)

HERE, ELSEWHERE, SPLIT_OURS, SPLIT_THEIRS = "LS1 1AA", "BD1 1AA", "LS22 5AA", "BD3 7AA"
RESIDENCE_FLAGS = {Flag.HOME_AREA_LIKELY, Flag.HOME_AREA_UNKNOWN}


def person(**overrides: Any) -> PersonFacts:
    data: dict[str, Any] = {
        "first_name": "Ada", "last_name": "Exampleton", "date_of_birth": date(1938, 4, 3),
        "rag": RAG.GREEN, "rag_reason": "Stable; family able to help", "nominee_name": "Peter Exampleton",
    }
    data.update(overrides)
    return PersonFacts(**data)


def run(facts: PersonFacts, classification: Classification = C.SECTION_48_ACTIVE, *, area=None,
        found: Classification | None = None, kind: ServiceKind | None = None):
    return determine(facts, classification=classification, area=area or LEEDS, ours=LEEDS, authorities=AUTHORITIES,
                     trigger=found, service_kind=kind, geography=GEOGRAPHY)


def reasons(det) -> str:
    return " ".join(det.reasons)


# --- the data ---------------------------------------------------------------------------------------


def test_the_reference_data_is_as_the_tests_assume():
    assert where_they_live(HERE, None, GEOGRAPHY, AUTHORITIES).authority == LEEDS
    assert where_they_live(ELSEWHERE, None, GEOGRAPHY, AUTHORITIES).authority == BRADFORD
    split = where_they_live(SPLIT_OURS, None, GEOGRAPHY, AUTHORITIES)
    assert (split.found, split.authority, split.share) == (Found.SPLIT, LEEDS, 0.6914)
    assert where_they_live(SPLIT_THEIRS, None, GEOGRAPHY, AUTHORITIES).authority == BRADFORD
    assert GEOGRAPHY.main_icb(LEEDS.gss_code).ref == WEST_YORKSHIRE_REF


@pytest.mark.parametrize(("text", "sector"), [
    ("LS1 1AA", "LS1 1"), ("ls11aa", "LS1 1"), ("  sw1a 1aa ", "SW1A 1"), ("CV8 1", "CV8 1"), ("B91 3XY", "B91 3"),
    ("not a postcode", None), ("", None), ("12345", None),
])
def test_postcode_sector(text, sector):
    assert postcode_sector(text) == sector


@pytest.mark.parametrize(("postcode", "found"), [
    ("BT1 1AA", Found.NORTHERN_IRELAND), ("", Found.MISSING), ("ZZ9 9ZZ", Found.UNKNOWN_POSTCODE),
    ("rubbish", Found.UNKNOWN_POSTCODE),
])
def test_a_postcode_that_cannot_say_where(postcode, found):
    assert where_they_live(postcode, None, GEOGRAPHY, AUTHORITIES) == where_they_live(
        postcode, None, GEOGRAPHY, AUTHORITIES)
    assert where_they_live(postcode, None, GEOGRAPHY, AUTHORITIES).found is found


def test_the_named_council_is_used_only_when_the_postcode_does_not_settle_it():
    assert where_they_live("", "BRD", GEOGRAPHY, AUTHORITIES).authority == BRADFORD
    assert where_they_live("BT1 1AA", "BRD", GEOGRAPHY, AUTHORITIES).found is Found.NAMED
    assert where_they_live(HERE, "BRD", GEOGRAPHY, AUTHORITIES).authority == LEEDS  # the postcode wins


def test_icb_has_area_in_a_council():
    assert icb_has_area_in(GEOGRAPHY, WEST_YORKSHIRE_REF, LEEDS.gss_code)
    assert GEOGRAPHY.icb_has_area_in("QWO", LEEDS.gss_code)  # ODS code too
    assert not GEOGRAPHY.icb_has_area_in(COVENTRY_WARWICKSHIRE, LEEDS.gss_code)
    # A split council: North Yorkshire is mostly Humber and North Yorkshire, partly West Yorkshire (Craven).
    north_yorkshire = AUTHORITIES.get("NYE") or AUTHORITIES.resolve("North Yorkshire")
    assert GEOGRAPHY.icb_has_area_in("QWO", north_yorkshire.gss_code)
    assert GEOGRAPHY.main_icb(north_yorkshire.gss_code).icb_code == "QOQ"
    assert not GEOGRAPHY.icb_has_area_in("QWO", "W06000015")  # Wales has no ICBs


# --- every service kind x where they live x funding (rule 5, rule 10, case 3) -------------------------

FUNDING = {
    "self-funder": dict(funding=F.SELF_FUNDED, or_code="LDS"),
    "our-s18-client": dict(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"),
}
# where -> (postcode, council where they live if it decides, residence flag)
WHERE = {
    "lives-here": (HERE, "ours", None),
    "lives-elsewhere": (ELSEWHERE, "theirs", None),
    "split-sector-main-ours": (SPLIT_OURS, "ours", Flag.HOME_AREA_LIKELY),
    "split-sector-main-theirs": (SPLIT_THEIRS, "theirs", Flag.HOME_AREA_LIKELY),
    "northern-ireland-postcode": ("BT1 1AA", "ours", Flag.HOME_AREA_UNKNOWN),
    "unknown-postcode": ("ZZ9 9ZZ", "ours", Flag.HOME_AREA_UNKNOWN),
    "no-postcode": ("", "ours", Flag.HOME_AREA_UNKNOWN),
}


@pytest.mark.parametrize("kind", list(ServiceKind), ids=lambda k: k.value)
@pytest.mark.parametrize("where", list(WHERE))
@pytest.mark.parametrize("funding", list(FUNDING))
def test_where_they_live_decides_the_duty_for_care_at_home_only(kind, where, funding):
    postcode, whose, flag = WHERE[where]
    det = run(person(**FUNDING[funding], home_postcode=postcode, service_kind=kind))
    at_home = kind in DELIVERED_AT_HOME
    theirs = at_home and whose == "theirs"
    ours_client = funding == "our-s18-client"

    if ours_client:
        # We already meet the needs wherever they live: existing s.18 (rule 10).
        assert (det.basis, det.charge_route, det.recover_from) == (Basis.EXISTING_S18, ChargeRoute.S14, None)
    elif theirs:
        # Their s.48 duty: no s.48(5) charge and no recovery by us (rule 5, case 3).
        assert (det.basis, det.charge_route, det.recover_from) == (Basis.NOT_OUR_DUTY, None, None)
    else:
        assert (det.basis, det.charge_route, det.recover_from) == (Basis.S48, ChargeRoute.S48_5, None)

    assert set(det.notify) == ({BRADFORD_REF} if theirs else set()), det.reasons
    expected_flags = {flag} if at_home and flag else set()
    assert set(det.flags) & RESIDENCE_FLAGS == expected_flags
    text = reasons(det)
    if at_home:
        assert "brief rule 5" in text and "case 3" in text
    else:
        # A care home's site decides, as it always did: the person's old postcode is not read.
        assert det == run(person(**FUNDING[funding], service_kind=kind))
    if theirs and not ours_client:
        assert "s.48(2)" in text and "No s.48(5) charge and no recovery" in text
    if at_home and flag is Flag.HOME_AREA_LIKELY:
        assert "Likely" in text and "confirm the address" in text and "%" in text


def test_split_sector_names_the_likely_council_and_its_share():
    det = run(person(funding=F.SELF_FUNDED, home_postcode=SPLIT_OURS, service_kind=K.HOME_CARE))
    assert "Likely Leeds (69%)" in reasons(det)
    assert "North Yorkshire Council (31%)" in reasons(det)


def test_northern_ireland_postcode_asks_which_trust():
    det = run(person(funding=F.SELF_FUNDED, home_postcode="BT1 1AA", service_kind=K.HOME_CARE))
    assert Flag.HOME_AREA_UNKNOWN in det.flags
    assert "HSC trust" in reasons(det)


def test_the_incident_service_kind_is_used_when_the_persons_is_not_recorded():
    det = run(person(funding=F.SELF_FUNDED, home_postcode=ELSEWHERE), kind=K.HOME_CARE)
    assert det.basis is Basis.NOT_OUR_DUTY
    assert run(person(funding=F.SELF_FUNDED, home_postcode=ELSEWHERE), kind=K.CARE_HOME).basis is Basis.S48


def test_named_council_when_there_is_no_postcode():
    det = run(person(funding=F.SELF_FUNDED, home_council_code="BRD", service_kind=K.SUPPORTED_LIVING))
    assert det.basis is Basis.NOT_OUR_DUTY
    assert det.notify == (BRADFORD_REF,)
    assert Flag.HOME_AREA_UNKNOWN not in det.flags


def test_worked_case_3_office_elsewhere_people_living_here_are_ours():
    """A home care agency with its office in Bradford stops after administration: A covers everyone living in
    A, self-funders and direct-payment users included; people living in Bradford are Bradford's."""
    incident = IncidentFacts(provider_name="Allcare Ltd", service_kind=K.HOME_CARE, area_code="BRD",
                             event_key="administration", aware_at="2026-03-02T09:00:00Z")
    result = classify(incident, our_code="LDS", area=BRADFORD)
    assert result.classification is C.NOT_OUR_DUTY
    assert "case 3" in " ".join(result.reasons)
    found = trigger(incident).classification
    assert found is C.SECTION_48_ACTIVE
    here = run(person(funding=F.SELF_FUNDED, or_code="LDS", home_postcode=HERE), C.NOT_OUR_DUTY, area=BRADFORD,
               found=found, kind=K.HOME_CARE)
    assert (here.basis, here.charge_route) == (Basis.S48, ChargeRoute.S48_5)
    dp = run(person(funding=F.DIRECT_PAYMENT, funding_body="BRD", or_code="BRD", home_postcode=HERE),
             C.NOT_OUR_DUTY, area=BRADFORD, found=found, kind=K.HOME_CARE)
    assert (dp.basis, dp.recover_from) == (Basis.S48, BRADFORD_REF)
    there = run(person(funding=F.SELF_FUNDED, home_postcode=ELSEWHERE), C.NOT_OUR_DUTY, area=BRADFORD, found=found,
                kind=K.HOME_CARE)
    assert there.basis is Basis.NOT_OUR_DUTY and there.notify == (BRADFORD_REF,)


def test_home_care_delivered_in_wales_is_the_welsh_councils_under_s50():
    det = run(person(funding=F.SELF_FUNDED, home_postcode="CF10 1AA", service_kind=K.HOME_CARE))
    assert det.basis is Basis.NOT_OUR_DUTY
    assert "s.50" in reasons(det)


# --- rule 5 runs after the trigger rules (rules 4, 23, 25; case 10) -----------------------------------

ELSEWHERE_EVENTS = [
    pytest.param(dict(event_key="cqc-s56-notice"), C.WARNING, id="s56-warning-rule-23-case-10"),
    pytest.param(dict(event_key="administration", continuing=True), C.MONITORING,
                 id="monitoring-administration-rule-4"),
    pytest.param(dict(event_key="service-interruption"), C.URGENT_NEED, id="interruption-no-business-failure-rule-25"),
    pytest.param(dict(event_key="planned-closure"), C.URGENT_NEED, id="planned-closure-rule-25"),
]
PEOPLE_THERE = [
    dict(funding=F.SELF_FUNDED, or_code="BRD"),
    dict(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"),
    dict(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="BRD", or_code="BRD"),
    dict(funding=F.WELSH_COUNCIL, funding_body="CRF", or_code="CRF"),
    dict(funding=F.S117, funding_body="BRD", icb_code="E54000054"),
    dict(funding=F.NHS_CHC),
    dict(funding=F.FNC),
]


@pytest.mark.parametrize("kind", [K.CARE_HOME, K.HOME_CARE])
@pytest.mark.parametrize(("event", "found"), ELSEWHERE_EVENTS)
def test_no_section_48_duty_text_elsewhere_without_a_business_failure(event, found, kind):
    incident = IncidentFacts(provider_name="Meadowbrook Care Homes Ltd", service_kind=kind, area_code="BRD",
                             aware_at="2026-03-02T09:00:00Z", **event)
    assert trigger(incident).classification is found
    result = classify(incident, our_code="LDS", area=BRADFORD)
    text = " ".join(result.reasons)
    assert "s.48(2)" not in text and "s.48(7)" not in text, result.reasons
    assert "brief rule 5" in text or "brief rules 5" in text
    for facts in PEOPLE_THERE:
        for postcode in (ELSEWHERE, HERE, ""):
            det = run(person(**facts, home_postcode=postcode, service_kind=kind), result.classification,
                      area=BRADFORD, found=found)
            assert "s.48(2)" not in reasons(det) and "s.48(7)" not in reasons(det), det.reasons
            assert det.basis is not Basis.S48 and det.basis is not Basis.S48_S49
            assert det.charge_route is not ChargeRoute.S48_5


def test_s56_warning_elsewhere_is_no_duty_yet():
    det = run(person(funding=F.OTHER_ENGLISH_COUNCIL, funding_body="KIR", or_code="KIR"), C.NOT_OUR_DUTY,
              area=BRADFORD, found=C.WARNING)
    assert det.basis is Basis.NONE_YET
    assert "brief rule 23" in reasons(det)


def test_interruption_elsewhere_keeps_our_client_ours_under_s18_and_charges_s14():
    det = run(person(funding=F.OWN_COUNCIL, funding_body="LDS", or_code="LDS"), C.NOT_OUR_DUTY, area=BRADFORD,
              found=C.URGENT_NEED)
    assert (det.basis, det.charge_route, det.notify) == (Basis.EXISTING_S18, ChargeRoute.S14, (BRADFORD_REF,))
    assert "brief rules 10 and 25" in reasons(det)


def test_business_failure_elsewhere_is_still_their_s48_duty():
    det = run(person(funding=F.SELF_FUNDED), C.NOT_OUR_DUTY, area=BRADFORD, found=C.SECTION_48_ACTIVE)
    assert det.basis is Basis.NOT_OUR_DUTY
    assert "s.48(2)" in reasons(det)


# --- a likely ICB from the address (rule 11) ----------------------------------------------------------


@pytest.mark.parametrize("classification", [C.SECTION_48_ACTIVE, C.URGENT_NEED])
@pytest.mark.parametrize(("facts", "kind"), [
    (dict(funding=F.NHS_CHC), K.CARE_HOME),
    (dict(funding=F.FNC), K.CARE_HOME_NURSING),
    (dict(funding=F.SELF_FUNDED, fnc=True), K.CARE_HOME_NURSING),
    (dict(funding=F.NHS_CHC, home_postcode=HERE), K.HOME_CARE),
], ids=["chc-care-home", "fnc-nursing-home", "self-funder-with-fnc", "chc-home-care-lives-here"])
def test_chc_or_fnc_without_an_icb_gets_the_councils_main_icb_assumed(facts, kind, classification):
    det = run(person(**facts, or_code="LDS", service_kind=kind), classification)
    assert WEST_YORKSHIRE_REF in det.notify, "never left out of the ICB letter"
    assert Flag.ICB_ASSUMED in det.flags
    assert Flag.AUTHORITY_UNRESOLVED not in det.flags
    assert "ICB assumed from address" in reasons(det) and "GP practice" in reasons(det)
    assert Flag.ICB_ASSUMED.label == "ICB assumed from address; confirm from the GP practice"


def test_a_recorded_icb_is_never_replaced():
    det = run(person(funding=F.NHS_CHC, icb_code=COVENTRY_WARWICKSHIRE, or_code="LDS", service_kind=K.CARE_HOME))
    assert det.notify == (f"icb:{COVENTRY_WARWICKSHIRE}",)
    assert Flag.ICB_ASSUMED not in det.flags


def test_home_care_chc_with_no_known_address_is_not_given_a_guessed_icb():
    det = run(person(funding=F.NHS_CHC, or_code="LDS", service_kind=K.HOME_CARE))
    assert Flag.ICB_ASSUMED not in det.flags
    assert Flag.AUTHORITY_UNRESOLVED in det.flags


def test_s52_9_is_cited_only_for_an_icb_with_no_part_of_its_area_in_ours():
    out = run(person(funding=F.NHS_CHC, icb_code=COVENTRY_WARWICKSHIRE, service_kind=K.CARE_HOME))
    assert "no part of its area in ours: cite s.52(9)" in reasons(out)
    local = run(person(funding=F.NHS_CHC, icb_code="E54000054", service_kind=K.CARE_HOME))
    assert "without s.52(9)" in reasons(local)
    assert "cite s.52(9)" not in reasons(local)


def test_chc_ordinarily_resident_elsewhere_tells_that_council_rule_19():
    det = run(person(funding=F.NHS_CHC, icb_code="E54000054", or_code="BRD", service_kind=K.CARE_HOME))
    assert det.basis is Basis.NHS_ICB
    assert set(det.notify) == {WEST_YORKSHIRE_REF, BRADFORD_REF}
    assert Flag.OR_ELSEWHERE not in det.flags and det.recover_from is None and det.charge_route is None


# --- s.117 after-care arranged across a border (rule 10, case 20 [inference]) -------------------------


@pytest.mark.parametrize(("body", "nation"), [("CRF", "Wales"), ("GLG", "Scotland"), ("BHSCT", "Northern Ireland")])
def test_s117_arranged_by_a_cross_border_body_is_s48_with_s49(body, nation):
    det = run(person(funding=F.S117, funding_body=body, icb_code="E54000054", or_code=body))
    ref = AUTHORITIES.get(body).ref
    assert det.basis is Basis.S48_S49
    assert det.recover_from == ref
    assert det.charge_route is None, "s.117 after-care is free"
    assert {ref, WEST_YORKSHIRE_REF} <= set(det.notify)
    text = reasons(det)
    assert "s.49(3) [verify]" in text and nation in text and "worked case 20 [inference]" in text
    assert "s.48(7)" not in text


def test_s117_arranged_by_another_english_council_still_recovers_under_s48_7():
    det = run(person(funding=F.S117, funding_body="BRD", icb_code="E54000054", or_code="BRD"))
    assert (det.basis, det.recover_from) == (Basis.S48, BRADFORD_REF)
    assert "s.48(7)" in reasons(det)


# --- IMCA (rule 15) and FNC (rule 12) flags -----------------------------------------------------------


@pytest.mark.parametrize(("kind", "status", "imca"), [
    (K.CARE_HOME, PersonStatus.WITH_PROVIDER, True),
    (K.CARE_HOME_NURSING, PersonStatus.WITH_PROVIDER, True),
    (K.SHARED_LIVES, PersonStatus.WITH_PROVIDER, True),
    (None, PersonStatus.WITH_PROVIDER, True),  # the kind is not recorded: a move cannot be ruled out
    (K.HOME_CARE, PersonStatus.WITH_PROVIDER, False),
    (K.SUPPORTED_LIVING, PersonStatus.WITH_PROVIDER, False),  # the tenancy is unaffected (case 13)
    (K.EXTRA_CARE, PersonStatus.WITH_PROVIDER, False),
    (K.HOME_CARE, PersonStatus.MOVED, True),
])
def test_imca_only_where_an_accommodation_move_is_being_considered_rule_15(kind, status, imca):
    facts = person(funding=F.SELF_FUNDED, or_code="LDS", home_postcode=HERE, capacity_concern=True, nominee_name="",
                   service_kind=kind, status=status, status_detail="Oak Lodge" if status is PersonStatus.MOVED else "")
    assert (Flag.IMCA_NEEDED in run(facts).flags) is imca


def test_imca_not_needed_with_somebody_to_consult():
    facts = person(funding=F.SELF_FUNDED, or_code="LDS", capacity_concern=True, service_kind=K.CARE_HOME)
    assert Flag.IMCA_NEEDED not in run(facts).flags


@pytest.mark.parametrize("kind", [K.CARE_HOME, K.HOME_CARE])
def test_advocate_needed_is_honoured(kind):
    det = run(person(funding=F.SELF_FUNDED, or_code="LDS", home_postcode=HERE, advocate_needed=True,
                     service_kind=kind))
    assert Flag.IMCA_NEEDED in det.flags
    assert "brief rules 14-15" in reasons(det)


def test_fnc_consent_flag_only_where_we_arranged_nursing_urgently():
    """Rule 12 wants the flag only where we arranged nursing urgently (tests/test_fnc_rule12.py has the table)."""
    facts = dict(funding=F.FNC, icb_code="E54000054", or_code="LDS", service_kind=K.CARE_HOME_NURSING)
    assert Flag.FNC_ICB_CONSENT not in run(person(**facts)).flags
    assert Flag.FNC_ICB_CONSENT in run(person(**facts, nursing_arranged_urgently=True)).flags


# --- through the store --------------------------------------------------------------------------------


def test_the_store_loads_the_reference_data_and_the_log_still_verifies(store):
    assert len(store.geography.index) > 10_000
    assert store.geography.index.main_icb(LEEDS.gss_code).ref == WEST_YORKSHIRE_REF
    assert store.verify_log().ok


def test_roster_determination_and_overview_split_use_where_people_live(store, make_incident):
    from contingency.services.people import add_person
    from contingency.services.residence import where_people_live

    incident = make_incident(service="home-care", area="Bradford", event="administration")
    assert incident.classification is C.NOT_OUR_DUTY
    here = add_person(store, incident.id, {"first_name": "Ada", "home_postcode": HERE, "funding": "self-funded"})
    there = add_person(store, incident.id, {"first_name": "Bea", "home_postcode": ELSEWHERE,
                                            "funding": "self-funded"})
    add_person(store, incident.id, {"first_name": "Cy", "home_postcode": HERE, "funding": "self-funded"})
    add_person(store, incident.id, {"first_name": "Di", "funding": "self-funded"})
    assert here.determination.basis is Basis.S48
    assert there.determination.basis is Basis.NOT_OUR_DUTY
    assert where_people_live(store, incident.id) == [("ours", 2), ("Bradford", 1), ("not known", 1)]


def test_a_warning_elsewhere_that_becomes_a_failure_redetermines_people_living_here(store, make_incident):
    """The incident stays 'not our duty' (the office is in Bradford) while its trigger moves: people read both."""
    from contingency.services.incidents import change_facts
    from contingency.services.people import add_person

    incident = make_incident(service="home-care", area="Bradford", event="cqc-s56-notice")
    ada = add_person(store, incident.id, {"first_name": "Ada", "home_postcode": HERE, "funding": "self-funded"})
    assert ada.determination.basis is Basis.NONE_YET
    change_facts(store, incident.id, reason="administrators appointed; the agency stopped", event_key="administration")
    assert store.incidents.get(incident.id).classification is C.NOT_OUR_DUTY
    assert store.people.get(ada.id).determination.basis is Basis.S48


def test_postcode_data_changed_outside_the_app_is_caught(store, store_path):
    import sqlite3

    conn = sqlite3.connect(store_path)
    with conn:
        conn.execute("UPDATE postcode_sectors SET la_gss_code = 'E08000032' WHERE sector = 'LS1 1'")
    conn.close()
    assert not store.verify_log().ok


def test_unknown_address_with_the_office_elsewhere_does_not_claim_where_they_live():
    det = run(person(funding=F.SELF_FUNDED, home_postcode="ZZ9 9ZZ"), C.NOT_OUR_DUTY, area=BRADFORD,
              found=C.SECTION_48_ACTIVE, kind=K.HOME_CARE)
    assert det.basis is Basis.NOT_OUR_DUTY
    assert Flag.HOME_AREA_UNKNOWN in det.flags
    assert "lives in" not in det.reasons[0] and "the service was carried on in" in det.reasons[0]


def test_sectors_given_as_rows_read_as_sectors_given_whole():
    """The store hands over postcode sectors as rows, made into SectorShares only when asked for."""
    rows = [(r["sector"], r["la_gss_code"], r["la_name"], float(r["share"]), int(r["main"] == "yes"))
            for r in _rows("postcode_sectors.csv")]
    lazy = Geography(reversed(rows))  # any order: each sector's councils come back main first
    assert len(lazy) == len(GEOGRAPHY)
    for sector in ("LS1 1", "LS22 5", "BD3 7", "CV8 1", "ZZ9 9"):
        assert lazy.sector_shares(sector) == GEOGRAPHY.sector_shares(sector)
        assert lazy.sector_shares(sector) is lazy.sector_shares(sector)  # made once
    assert len(GEOGRAPHY.sector_shares("LS22 5")) > 1
