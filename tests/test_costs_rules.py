"""The money rules, pure: the one total rule, apportioning, legal routes and limits (brief rules 11, 16-18,
22, 30). Each table cites the rule it checks."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contingency.ledger import Category, ClaimKind, ClaimStatus, Route, Unit
from contingency.models import Authority, Classification, Nation
from contingency.person import Basis, Determination, Person, PersonFacts
from contingency.rules import costs as rules
from contingency.rules.authorities import AuthorityIndex
from contingency.rules.costs import CostRuleBroken
from contingency.rules.determination import determine

LEEDS = Authority(code="LDS", gss_code="E08000035", name="Leeds City Council", nice_name="Leeds",
                  nation=Nation.ENGLAND, kind="metropolitan district")
BRADFORD = Authority(code="BRD", gss_code="E08000032", name="City of Bradford Metropolitan District Council",
                     nice_name="Bradford", nation=Nation.ENGLAND, kind="metropolitan district")
CARDIFF = Authority(code="CRF", gss_code="W06000015", name="City of Cardiff Council", nice_name="Cardiff",
                    nation=Nation.WALES, kind="welsh principal council")
GLASGOW = Authority(code="GLG", gss_code="S12000049", name="Glasgow City Council", nice_name="Glasgow City",
                    nation=Nation.SCOTLAND, kind="scottish council")
INDEX = AuthorityIndex([LEEDS, BRADFORD, CARDIFF, GLASGOW])


def person(**facts) -> Person:
    values = {"first_name": "Ada", "last_name": "Exampleton", **facts}
    pf = PersonFacts(**values)
    det = determine(pf, classification=Classification.SECTION_48_ACTIVE, area=LEEDS, ours=LEEDS, authorities=INDEX)
    return Person(id=7, incident_id=1, facts=pf, determination=det)


SELF_FUNDER = person(funding="self-funded", or_code="LDS")
OUR_CLIENT = person(funding="own-council", funding_body="LDS", or_code="LDS")
BRADFORD_PLACED = person(funding="other-english-council", funding_body="BRD", or_code="BRD")
CARDIFF_PLACED = person(funding="welsh-council", funding_body="CRF", or_code="CRF")
GLASGOW_PLACED = person(funding="scottish-council", funding_body="GLG", or_code="GLG")
CHC = person(funding="nhs-chc", icb_code="E54000054")
UNKNOWN = person(funding="unknown")
S117 = person(funding="s117")


# --- the one total rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "rate", "quantity", "start", "end", "total"), [
    # Weekly rates pro rata by day over the inclusive period: rate x days / 7.
    (Unit.PER_WEEK, 105000, 1000, date(2026, 11, 23), date(2026, 12, 20), 420000),  # exactly 4 weeks
    (Unit.PER_WEEK, 100000, 1000, date(2026, 11, 30), date(2026, 12, 1), 28571),  # across a month end: 2 days
    (Unit.PER_WEEK, 100000, 1000, date(2026, 12, 31), date(2027, 1, 1), 28571),  # across a year end
    (Unit.PER_WEEK, 70000, 1000, date(2028, 2, 28), date(2028, 3, 1), 30000),  # leap year: 28 Feb, 29 Feb, 1 Mar
    (Unit.PER_WEEK, 70000, 1000, date(2027, 2, 28), date(2027, 3, 1), 20000),  # no 29 February in 2027
    (Unit.PER_WEEK, 100000, 1000, date(2026, 11, 23), date(2026, 11, 23), 14286),  # one day: 14285.71 -> 14286
    (Unit.PER_WEEK, 95000, 2000, date(2026, 11, 23), date(2026, 11, 29), 190000),  # two places for a week
    (Unit.PER_DAY, 15000, 1000, date(2026, 11, 23), date(2026, 12, 2), 150000),  # 10 days
    (Unit.PER_HOUR, 2850, 36000, date(2026, 11, 23), date(2026, 11, 23), 102600),
    (Unit.PER_HOUR, 2850, 12500, date(2026, 11, 23), date(2026, 11, 25), 35625),  # 12.5 hours
    (Unit.PER_HOUR, 1999, 333, date(2026, 11, 23), date(2026, 11, 23), 666),  # 665.667p -> 666p
    (Unit.PER_VISIT, 1950, 14000, date(2026, 11, 23), date(2026, 11, 29), 27300),
    (Unit.ONE_OFF, 18000, 1000, date(2026, 11, 23), date(2026, 11, 23), 18000),
])
def test_the_one_total_rule(unit, rate, quantity, start, end, total):
    assert rules.line_total(unit, rate, quantity, start, end) == total


@pytest.mark.parametrize(("exact", "rounded"), [
    (Fraction(5, 2), 3), (Fraction(3, 2), 2), (Fraction(249, 100), 2), (Fraction(251, 100), 3), (Fraction(0), 0),
    (Fraction(-5, 2), -3),
])
def test_rounding_is_once_and_half_up(exact, rounded):
    assert rules.round_half_up(exact) == rounded


def test_half_a_penny_rounds_up_not_to_even():
    # 1p an hour for 2.5 hours is 2.5p: half up gives 3p where banker's rounding would give 2p.
    assert rules.line_total(Unit.PER_HOUR, 1, 2500, date(2026, 11, 23), date(2026, 11, 23)) == 3


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(CostRuleBroken, match="ends"):
        rules.line_total(Unit.PER_DAY, 100, 1000, date(2026, 11, 23), date(2026, 11, 22))


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=100_000_000),
       st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)), st.integers(min_value=0, max_value=400))
def test_a_weekly_total_is_the_exact_pro_rata_rounded_half_up(rate, quantity, start, length):
    end = date.fromordinal(start.toordinal() + length)
    exact = Fraction(rate) * Fraction(quantity, 1000) * (length + 1) / 7
    total = rules.line_total(Unit.PER_WEEK, rate, quantity, start, end)
    assert abs(Fraction(total) - exact) <= Fraction(1, 2)
    assert total - exact != Fraction(-1, 2), "a half penny always rounds up"


# --- apportioning -----------------------------------------------------------------------------------------------


def test_apportioning_gives_leftover_pennies_to_the_lowest_ids():
    assert rules.apportion(100, [30, 10, 20]) == [(10, 34), (20, 33), (30, 33)]
    assert rules.apportion(-100, [30, 10, 20]) == [(10, -34), (20, -33), (30, -33)]


@given(st.integers(min_value=-10**10, max_value=10**10), st.sets(st.integers(min_value=1, max_value=10**6),
                                                                   min_size=1, max_size=60))
def test_shares_always_sum_exactly_to_the_total(total, ids):
    shares = rules.apportion(total, ids)
    assert sum(p for _, p in shares) == total
    assert [pid for pid, _ in shares] == sorted(ids)
    amounts = [abs(p) for _, p in shares]
    assert max(amounts) - min(amounts) <= 1, "shares are equal to the penny"


def test_a_line_must_be_for_someone():
    with pytest.raises(CostRuleBroken, match="traceable to a person"):
        rules.apportion(100, [])


# --- money and quantities as typed -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "pence"), [
    ("1234.56", 123456), ("£1,234.56", 123456), ("80", 8000), ("28.5", 2850), (".99", 99), ("0.01", 1),
    ("1 050", 105000),
])
def test_pounds_as_typed_become_pence(text, pence):
    assert rules.parse_pounds(text) == pence


@pytest.mark.parametrize("text", ["", "-5", "12.345", "1,23.00", "abc", "£", "10000000.01"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(CostRuleBroken):
        rules.parse_pounds(text)


def test_quantities_are_exact_thousandths():
    assert rules.parse_quantity("12.5") == 12500
    assert rules.parse_quantity("0.001") == 1
    assert rules.format_quantity(12500) == "12.5" and rules.format_quantity(36000) == "36"
    for bad in ("0", "-1", "1.0001", "x", "NaN", "Infinity"):
        with pytest.raises(CostRuleBroken):
            rules.parse_quantity(bad)


def test_money_reads_as_pounds():
    assert rules.format_pounds(123456) == "£1,234.56" and rules.format_pounds(-500) == "-£5.00"
    assert rules.pounds_text(123456) == "1234.56" and rules.pounds_text(-5) == "-0.05"


# --- routes from the determination (brief rules 10-11, 16-18) ----------------------------------------------------


@pytest.mark.parametrize(("who", "route", "recover_from", "cites"), [
    (SELF_FUNDER, Route.CHARGE_S48, None, "rule 16"),  # s.48(5): cost only
    (OUR_CLIENT, Route.CHARGE_S14, None, "s.14"),  # our existing client: usual s.14 charging
    (BRADFORD_PLACED, Route.RECOVER_ENGLISH, "la:E08000032", "rule 18"),  # s.48(7) from the arranging council
    (CARDIFF_PLACED, Route.RECOVER_CROSS_BORDER, "la:W06000015", "rules 17 and 20"),  # s.49(3)
    (GLASGOW_PLACED, Route.RECOVER_CROSS_BORDER, "la:S12000049", "rules 17 and 20"),
    (CHC, Route.NHS, "icb:E54000054", "rule 11"),  # never invoiced; flagged for the ICB
    (UNKNOWN, Route.ABSORBED, None, "rule 9"),
    (S117, Route.ABSORBED, None, "s.117"),
])
def test_route_follows_the_determination(who, route, recover_from, cites):
    choice = rules.route_for(who, category=Category.CARE_HOME_PLACEMENT, authorities=INDEX)
    assert (choice.route, choice.recover_from) == (route, recover_from)
    assert cites in choice.why


@pytest.mark.parametrize("who", [SELF_FUNDER, OUR_CLIENT, BRADFORD_PLACED, CARDIFF_PLACED, CHC, UNKNOWN])
def test_rule_16_information_and_advice_is_never_charged(who):
    choice = rules.route_for(who, category=Category.INFORMATION_ADVICE, authorities=INDEX)
    assert choice.route is Route.ABSORBED and "rule 16" in choice.why
    for route in (Route.CHARGE_S48, Route.CHARGE_S49, Route.CHARGE_S14):
        with pytest.raises(CostRuleBroken, match="rule 16"):
            rules.check_route_change(who, category=Category.INFORMATION_ADVICE, to=route, authorities=INDEX)
    with pytest.raises(CostRuleBroken, match="rule 16"):
        rules.check_claim_line(ClaimKind.CHARGE, Route.CHARGE_S48, Category.INFORMATION_ADVICE, who.determination.basis)


@pytest.mark.parametrize("to", [Route.CHARGE_S48, Route.CHARGE_S14, Route.RECOVER_ENGLISH, Route.CHARGE_S49])
def test_rule_11_a_chc_person_is_never_invoiced(to):
    with pytest.raises(CostRuleBroken, match="rule 11"):
        rules.check_route_change(CHC, category=Category.AGENCY_STAFF, to=to, authorities=INDEX)
    kind = ClaimKind.CHARGE if to.is_charge else ClaimKind.REIMBURSEMENT
    with pytest.raises(CostRuleBroken, match="rule 11"):
        rules.check_claim_line(kind, to, Category.AGENCY_STAFF, Basis.NHS_ICB)
    assert set(rules.allowed_routes(CHC, category=Category.AGENCY_STAFF, authorities=INDEX)) == {Route.NHS,
                                                                                                Route.ABSORBED}


def test_rule_17_a_s49_person_is_charged_only_for_needs_the_body_did_not_arrange():
    arranged = rules.route_for(CARDIFF_PLACED, category=Category.EQUIPMENT, authorities=INDEX)
    assert arranged.route is Route.RECOVER_CROSS_BORDER, "without the officer's marking it goes to the body"
    other = rules.route_for(CARDIFF_PLACED, category=Category.EQUIPMENT, authorities=INDEX, needs_not_arranged=True)
    assert other.route is Route.CHARGE_S49 and "rule 17" in other.why
    with pytest.raises(CostRuleBroken, match="rule 17"):
        rules.check_route_change(CARDIFF_PLACED, category=Category.EQUIPMENT, to=Route.CHARGE_S48, authorities=INDEX)
    with pytest.raises(CostRuleBroken, match="rule 17"):
        rules.route_for(SELF_FUNDER, category=Category.EQUIPMENT, authorities=INDEX, needs_not_arranged=True)
    with pytest.raises(CostRuleBroken, match="rule 17"):
        rules.check_route_change(SELF_FUNDER, category=Category.EQUIPMENT, to=Route.CHARGE_S49, authorities=INDEX)


def test_rule_18_recovery_only_from_the_council_that_arranged_the_care():
    # Ordinary residence in Bradford alone is no right to recover from Bradford.
    resident_only = person(funding="self-funded", or_code="BRD", or_status="accepted")
    choice = rules.route_for(resident_only, category=Category.CARE_HOME_PLACEMENT, authorities=INDEX)
    assert choice.route is Route.CHARGE_S48
    with pytest.raises(CostRuleBroken, match="rules 17-18"):
        rules.check_route_change(resident_only, category=Category.CARE_HOME_PLACEMENT, to=Route.RECOVER_ENGLISH,
                                 authorities=INDEX)
    with pytest.raises(CostRuleBroken, match="rules 17-18"):
        rules.check_route_change(BRADFORD_PLACED, category=Category.CARE_HOME_PLACEMENT,
                                 to=Route.RECOVER_CROSS_BORDER, authorities=INDEX)


def test_absorbing_is_always_allowed_and_other_routes_are_the_determinations():
    assert rules.check_route_change(SELF_FUNDER, category=Category.TRANSPORT, to=Route.ABSORBED,
                                    authorities=INDEX).route is Route.ABSORBED
    with pytest.raises(CostRuleBroken, match="allows only"):
        rules.check_route_change(SELF_FUNDER, category=Category.TRANSPORT, to=Route.CHARGE_S14, authorities=INDEX)


def test_rule_16_a_charge_never_exceeds_the_recorded_cost():
    rules.check_charge(4200, 4200)
    with pytest.raises(CostRuleBroken, match="rule 16"):
        rules.check_charge(4201, 4200)


def test_rule_30_claims_carry_only_routes_of_their_kind():
    rules.check_claim_line(ClaimKind.REIMBURSEMENT, Route.RECOVER_ENGLISH, Category.TRANSPORT, Basis.S48)
    rules.check_claim_line(ClaimKind.CHARGE, Route.CHARGE_S49, Category.EQUIPMENT, Basis.S48_S49)
    for kind, route in ((ClaimKind.CHARGE, Route.RECOVER_ENGLISH), (ClaimKind.REIMBURSEMENT, Route.CHARGE_S48),
                        (ClaimKind.CHARGE, Route.ABSORBED), (ClaimKind.REIMBURSEMENT, Route.NHS)):
        with pytest.raises(CostRuleBroken):
            rules.check_claim_line(kind, route, Category.TRANSPORT, Basis.S48)


def test_a_determination_with_no_recorded_body_recovers_nothing():
    no_body = Person(id=3, incident_id=1, facts=PersonFacts(first_name="A", funding="welsh-council"),
                     determination=Determination(basis=Basis.S48_S49, charge_route="s49(3)(d)"))
    assert rules.route_for(no_body, category=Category.TRANSPORT, authorities=INDEX).route is Route.ABSORBED


# --- claims: references, lifecycle, ageing; disputes (rule 22) -----------------------------------------------------


def test_claim_references():
    assert rules.claim_reference(1, ClaimKind.REIMBURSEMENT, "brd", 1) == "INC1-CLM-BRD-001"
    assert rules.claim_reference(2, ClaimKind.CHARGE, "P12", 14) == "INC2-CHG-P12-014"


@pytest.mark.parametrize(("status", "action", "ok"), [
    (ClaimStatus.DRAFT, "submit", True), (ClaimStatus.SUBMITTED, "submit", False),
    (ClaimStatus.DRAFT, "pay", False), (ClaimStatus.SUBMITTED, "pay", True), (ClaimStatus.DISPUTED, "pay", True),
    (ClaimStatus.PART_PAID, "pay", True), (ClaimStatus.PAID, "pay", False), (ClaimStatus.DRAFT, "dispute", False),
    (ClaimStatus.ACKNOWLEDGED, "dispute", True), (ClaimStatus.DISPUTED, "acknowledge", True),
    (ClaimStatus.PAID, "write-off", False), (ClaimStatus.WRITTEN_OFF, "write-off", False),
    (ClaimStatus.PART_PAID, "write-off", True),
])
def test_claim_lifecycle(status, action, ok):
    if ok:
        rules.check_claim_action(status, action, "INC1-CLM-BRD-001")
    else:
        with pytest.raises(CostRuleBroken, match="INC1-CLM-BRD-001 cannot be"):
            rules.check_claim_action(status, action, "INC1-CLM-BRD-001")


@pytest.mark.parametrize(("days", "bucket"), [
    (0, "0-30 days"), (30, "0-30 days"), (31, "31-60 days"), (60, "31-60 days"), (61, "61-90 days"),
    (90, "61-90 days"), (91, "over 90 days"), (400, "over 90 days"),
])
def test_ageing_buckets(days, bucket):
    assert rules.age_bucket(days) == bucket


@pytest.mark.parametrize(("raised", "refer"), [
    (date(2026, 11, 23), date(2027, 3, 23)),
    (date(2026, 10, 31), date(2027, 2, 28)),  # 4 calendar months, not 120 days: the month end holds
    (date(2027, 10, 31), date(2028, 2, 29)),  # into a leap February
    (date(2026, 8, 31), date(2026, 12, 31)),
])
def test_rule_22_refer_to_the_secretary_of_state_four_calendar_months_on(raised, refer):
    assert rules.refer_by(raised) == refer


def test_period_text():
    assert rules.parse_period("01/11/2026..30/11/2026", today=date(2026, 11, 23)) == (date(2026, 11, 1),
                                                                                        date(2026, 11, 30))
    for bad in ("01/11/2026", "30/11/2026..01/11/2026", "x..y"):
        with pytest.raises(CostRuleBroken):
            rules.parse_period(bad, today=date(2026, 11, 23))
    assert rules.within(date(2026, 11, 2), date(2026, 11, 30), (date(2026, 11, 1), date(2026, 11, 30)))
    assert not rules.within(date(2026, 11, 2), date(2026, 12, 1), (date(2026, 11, 1), date(2026, 11, 30)))
