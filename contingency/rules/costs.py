"""Costs, charges and claims as pure rules: the one total rule, apportioning, legal routes and limits.

Money is integer pence (brief rule 30). Nothing here reads a store or a clock: dates come in as
arguments. Each rule cites the brief (../shared/domain/care-act-provider-failure.md) and the statute.

The total rule (one rule for every line):

    per week    rate x quantity x days / 7   (pro rata by day over the inclusive period)
    per day     rate x quantity x days
    per hour    rate x quantity
    per visit   rate x quantity
    one-off     rate x quantity              (quantity defaults to 1)

`days` counts both ends of the period (1 to 7 November is 7 days). Quantities are exact decimals
(up to three places, stored as whole thousandths), so the product is an exact fraction; it is
rounded once, half up to the penny (2.5p -> 3p), and never before. A line shared by several people
is split into equal whole-penny shares; the pennies left over go one each to the lowest person
ids, so the shares always add up to the line's total exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from dateutil.relativedelta import relativedelta

from contingency.ledger import Category, ClaimKind, ClaimStatus, Route, Unit
from contingency.models import Nation
from contingency.person import Basis, ChargeRoute, Funding, Person
from contingency.rules.authorities import AuthorityIndex
from contingency.rules.times import BadDate, parse_uk_date


class CostRuleBroken(ValueError):
    """A cost, route or claim the law does not allow; the message cites the rule."""


# --- reading and writing money ----------------------------------------------------------------------------

MAX_PENCE = 10**9  # £10 million: a bigger single rate is a typing slip, not a care cost
# ASCII digits only (re.ASCII): \d would read "٣" as 3. A comma or a space separates thousands only in
# threes, so "1 050" is £1,050 but "1 0 0" and "1,2,3" are refused rather than read as 100 and 123.
_POUNDS = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)?(?:\.(?P<pence>\d{1,2}))?", re.ASCII)


def parse_pounds(text: str | int | Decimal, *, what: str = "the amount") -> int:
    """What an officer types in pounds (£1,234.56, 1234.5, 80, £ 80) as whole pence; never negative."""
    value = str(text).strip()
    if value.startswith("-"):
        raise CostRuleBroken(f"{what} cannot be negative; to undo a cost, reverse its line")
    value = value.removeprefix("£").strip()
    match = _POUNDS.fullmatch(value)
    if not value or not match or not (match.group("whole") or match.group("pence")):
        raise CostRuleBroken(f"{what} {str(text).strip()!r} is not an amount in pounds; write it like 1234.56")
    pence = int((match.group("whole") or "0").replace(",", "").replace(" ", "")) * 100 + int((match.group("pence") or "0").ljust(2, "0"))
    if pence > MAX_PENCE:
        raise CostRuleBroken(f"{what} {format_pounds(pence)} is more than £10,000,000; check it")
    return pence


def format_pounds(pence: int) -> str:
    """Integer pence as pounds for people to read: 123456 -> £1,234.56, -500 -> -£5.00."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def pounds_text(pence: int) -> str:
    """Pence as a plain decimal for finance systems: 123456 -> 1234.56 (no symbol, no separators)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rest:02d}"


MAX_QUANTITY = 100_000


def parse_quantity(text: str | int | Decimal) -> int:
    """An exact quantity (hours, visits, items, places) as whole thousandths: '12.5' -> 12500."""
    raw = str(text).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CostRuleBroken(f"the quantity {raw!r} is not a number; write it like 12 or 12.5") from None
    if not value.is_finite() or value <= 0:
        raise CostRuleBroken("the quantity must be more than nothing")
    if value > MAX_QUANTITY:
        raise CostRuleBroken(f"the quantity {raw} is more than {MAX_QUANTITY:,}; check it")
    thousandths = value * 1000
    if thousandths != thousandths.to_integral_value():
        raise CostRuleBroken(f"the quantity {raw} has more than three decimal places")
    return int(thousandths)


def format_quantity(milli: int) -> str:
    return f"{Decimal(milli) / 1000:f}".rstrip("0").rstrip(".") if milli % 1000 else str(milli // 1000)


# --- the one total rule -----------------------------------------------------------------------------------


def days_inclusive(start: date, end: date) -> int:
    if end < start:
        raise CostRuleBroken(f"the period ends ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y})")
    return (end - start).days + 1


def round_half_up(value: Fraction) -> int:
    """To the nearest whole number, halves away from zero (2.5 -> 3, -2.5 -> -3)."""
    magnitude = abs(value)
    whole = int(magnitude + Fraction(1, 2))
    return whole if value >= 0 else -whole


def line_total(unit: Unit, rate_pence: int, quantity_milli: int, start: date, end: date) -> int:
    """The total of a cost line in pence, by the one rule in this module's docstring."""
    if rate_pence < 0 or quantity_milli <= 0:
        raise CostRuleBroken("a cost line needs a rate of zero or more and a quantity of more than nothing")
    days = days_inclusive(start, end)
    exact = Fraction(rate_pence) * Fraction(quantity_milli, 1000)
    if unit is Unit.PER_WEEK:
        exact = exact * days / 7
    elif unit is Unit.PER_DAY:
        exact = exact * days
    return round_half_up(exact)


def how_total(unit: Unit, rate_pence: int, quantity_milli: int, days: int) -> str:
    """The sum behind a total, in words: '£1,050.00 a week x 1 x 28 days / 7'."""
    rate, quantity = format_pounds(rate_pence), format_quantity(quantity_milli)
    return {
        Unit.PER_WEEK: f"{rate} a week x {quantity} x {days} days / 7",
        Unit.PER_DAY: f"{rate} a day x {quantity} x {days} days",
        Unit.PER_HOUR: f"{rate} an hour x {quantity} hours",
        Unit.PER_VISIT: f"{rate} a visit x {quantity} visits",
        Unit.ONE_OFF: f"{rate} x {quantity}",
    }[unit]


def apportion(total_pence: int, person_ids: Iterable[int]) -> list[tuple[int, int]]:
    """Equal whole-penny shares of `total_pence`, ordered by person id; the leftover pennies go one
    each to the lowest ids, so the shares always add up to the total exactly."""
    ids = sorted(set(person_ids))
    if not ids:
        raise CostRuleBroken("a cost line must be for at least one person (every penny is traceable to a person)")
    sign = -1 if total_pence < 0 else 1
    base, leftover = divmod(abs(total_pence), len(ids))
    return [(pid, sign * (base + (1 if index < leftover else 0))) for index, pid in enumerate(ids)]


# --- legal routes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteChoice:
    route: Route
    recover_from: str | None
    why: str


ADVICE_FREE = ("Information and advice are free: never charged to the person (Care Act 2014 s.48(5); brief rule 16) "
               "and never claimed from another body.")
FINANCIAL_ASSESSMENT_NOTE = "charge per financial assessment (s.14/s.17)"
FINANCIAL_ASSESSMENT = (
    "Our existing client or urgent help: any charge follows the person's financial assessment under Care Act 2014 "
    "ss.14 and 17 and the Care and Support (Charging and Assessment of Resources) Regulations 2014, not this "
    "cost, so nothing is drafted to the person from the ledger (brief rules 10 and 25; brief s.4). Record it "
    f"for the assessment: {FINANCIAL_ASSESSMENT_NOTE}.")
CHC_NEVER_INVOICED = ("NHS Continuing Healthcare: the ICB is responsible and the council never invoices for this "
                      "person (Care Act 2014 s.22; brief rule 11). Flagged for the ICB.")


def _icb_ref(person: Person) -> str | None:
    return next((ref for ref in person.determination.notify if ref.startswith("icb:")), None)


def _body_nation(ref: str | None, authorities: AuthorityIndex) -> tuple[str, Nation] | None:
    if not ref or not ref.startswith("la:"):
        return None
    body = authorities.get(ref.removeprefix("la:"))
    return (body.nice_name, body.nation) if body else None


def route_for(person: Person, *, category: Category, authorities: AuthorityIndex,
              needs_not_arranged: bool = False) -> RouteChoice:
    """The route a share of a cost falls under, from the person's determination (rules 10-11, 16-18)."""
    det = person.determination
    if category is Category.INFORMATION_ADVICE:
        return RouteChoice(Route.ABSORBED, None, ADVICE_FREE)
    if det.basis is Basis.NHS_ICB:
        return RouteChoice(Route.NHS, _icb_ref(person), CHC_NEVER_INVOICED)
    if needs_not_arranged:
        if det.basis is not Basis.S48_S49:
            raise CostRuleBroken(
                "'needs not arranged by the cross-border body' applies only to people whose care a Welsh, Scottish "
                "or NI body arranged or funded (Care Act 2014 s.49(3)(d); brief rule 17)")
        return RouteChoice(Route.CHARGE_S49, None,
                           "Needs the cross-border body did not arrange or fund: the person may be charged the cost "
                           "(Care Act 2014 s.49(3)(d) [verify]; brief rule 17).")
    body = _body_nation(det.recover_from, authorities)
    if body is not None:
        name, nation = body
        if nation is Nation.ENGLAND:
            return RouteChoice(Route.RECOVER_ENGLISH, det.recover_from,
                               f"{name} arranged or paid for the care: recover the cost from it (Care Act 2014 "
                               "s.48(7) [verify numbering]; brief rule 18).")
        return RouteChoice(Route.RECOVER_CROSS_BORDER, det.recover_from,
                           f"{name} ({nation.value}) arranged or paid for the care: recover the cost of the needs it "
                           "arranged from it (Care Act 2014 s.49(3) [verify]; brief rules 17 and 20).")
    if det.basis is Basis.S48_S49:
        return RouteChoice(Route.ABSORBED, None,
                           "The cross-border body is not recorded: nothing can be claimed until it is. The person may "
                           "be charged only for needs that body did not arrange (s.49(3)(d); brief rule 17).")
    if det.charge_route is ChargeRoute.S48_5:
        return RouteChoice(Route.CHARGE_S48, None,
                           "The person may be charged the cost we incur, never more and never for information or "
                           "advice (Care Act 2014 s.48(5); brief rule 16). Means-testing is local policy [verify].")
    if det.charge_route is ChargeRoute.S14:
        return RouteChoice(Route.CHARGE_S14, None, FINANCIAL_ASSESSMENT)
    return RouteChoice(Route.ABSORBED, None, _why_absorbed(person))


def _why_absorbed(person: Person) -> str:
    facts, det = person.facts, person.determination
    if facts.funding is Funding.S117:
        return "s.117 after-care is free: no charge to the person (Mental Health Act 1983 s.117)."
    if det.basis in (Basis.NONE_YET, Basis.NOT_OUR_DUTY):
        return f"No s.48 duty for this person ({det.basis.label}): the cost stays with us unless agreed otherwise."
    if det.recover_from is None and facts.funding in (Funding.OTHER_ENGLISH_COUNCIL, Funding.DIRECT_PAYMENT,
                                                        Funding.JOINT, Funding.S117):
        return ("The council that arranged or paid is not recorded: nothing can be claimed until it is "
                "(brief rule 18). Record it on the person, then confirm the route.")
    if facts.funding is Funding.UNKNOWN:
        return ("Funding is not known yet: the cost stays with us until it is; then confirm the route with a "
                "decision (brief rule 9).")
    return ("No route to recover or charge: residence elsewhere alone gives no right to recover; agree it or use "
            "s.41 (brief rule 18).")


ABSORBED_BY_DECISION = "Absorbed by decision: the council bears this cost."


def allowed_routes(person: Person, *, category: Category, authorities: AuthorityIndex) -> dict[Route, RouteChoice]:
    """Every route an officer may choose for a share: what the determination gives, s.49(3)(d) for a
    s.49 person's other needs, or absorbing it. Never a route the law forbids."""
    derived = route_for(person, category=category, authorities=authorities)
    options = {derived.route: derived}
    if person.determination.basis is Basis.S48_S49 and category is not Category.INFORMATION_ADVICE:
        options[Route.CHARGE_S49] = route_for(person, category=category, authorities=authorities,
                                              needs_not_arranged=True)
    options.setdefault(Route.ABSORBED, RouteChoice(Route.ABSORBED, None, ABSORBED_BY_DECISION))
    return options


def check_route_change(person: Person, *, category: Category, to: Route, authorities: AuthorityIndex) -> RouteChoice:
    """The route an officer asked for, or CostRuleBroken saying which rule forbids it."""
    options = allowed_routes(person, category=category, authorities=authorities)
    if to in options:
        return options[to]
    det = person.determination
    if category is Category.INFORMATION_ADVICE:
        raise CostRuleBroken(ADVICE_FREE)
    if det.basis is Basis.NHS_ICB:
        raise CostRuleBroken(CHC_NEVER_INVOICED)
    if to is Route.CHARGE_S48 and det.basis is Basis.S48_S49:
        raise CostRuleBroken("Under s.49 the s.48(5) charge does not apply: charge only for needs the cross-border "
                             "body did not arrange, under s.49(3)(d) (brief rule 17).")
    if to is Route.CHARGE_S49:
        raise CostRuleBroken("s.49(3)(d) applies only to people whose care a Welsh, Scottish or NI body arranged or "
                             "funded (brief rule 17).")
    if to.is_recovery:
        raise CostRuleBroken(
            "Recovery is only from the body that arranged or paid for the care, and only for those needs "
            "(s.48(7), s.49(3); brief rules 17-18). Record that body on the person first (people edit ... "
            "funding_body=...), then confirm the route.")
    routes = ", ".join(r.value for r in options)
    raise CostRuleBroken(f"This person's determination allows only: {routes}. Fix the person's funding or "
                         f"residence first if it is wrong (brief rules 10, 16-18).")


# --- limits on claims and charges -------------------------------------------------------------------------------


def check_charge(charge_pence: int, cost_pence: int) -> None:
    """A charge to a person never exceeds the cost recorded for it (Care Act 2014 s.48(5); brief rule 16)."""
    if charge_pence > cost_pence:
        raise CostRuleBroken(f"a charge of {format_pounds(charge_pence)} would exceed the recorded cost of "
                             f"{format_pounds(cost_pence)}: a charge covers only the cost we incur (s.48(5); "
                             "brief rule 16)")


def check_claim_line(kind: ClaimKind, route: Route, category: Category, basis: Basis) -> None:
    """What may go on a claim: the right kind of route, never advice, never a CHC person (rules 11, 16)."""
    if category is Category.INFORMATION_ADVICE:
        raise CostRuleBroken(ADVICE_FREE)
    if basis is Basis.NHS_ICB:
        raise CostRuleBroken(CHC_NEVER_INVOICED)
    if kind is ClaimKind.CHARGE and not route.is_charge:
        raise CostRuleBroken(f"a charge to a person can carry only a charging route, not {route.value}")
    if kind is ClaimKind.CHARGE and not drafts_a_claim(route):
        raise CostRuleBroken(FINANCIAL_ASSESSMENT)
    if kind is ClaimKind.REIMBURSEMENT and not route.is_recovery:
        raise CostRuleBroken(f"a reimbursement claim can carry only a recovery route, not {route.value}")


# Which charging routes become a charge to the person AT COST, drafted from the ledger. Only the two
# provider-failure powers do: s.48(5) (cost only, never advice; brief rule 16) and s.49(3)(d) (needs the
# cross-border body did not arrange; brief rule 17). An s.14 share (our existing s.18/s.20 client, or
# urgent help under s.19(3)) is charged, if at all, by the usual financial assessment under ss.14 and 17
# and the Charging Regulations 2014 (brief rule 25, brief s.4), never at the incident's cost.
CHARGED_AT_COST: dict[Route, str] = {
    Route.CHARGE_S48: "charge at cost (s.48(5)); whether it is means-tested is the council's policy [verify]",
    Route.CHARGE_S49: "charge at cost for needs the cross-border body did not arrange (s.49(3)(d) [verify])",
}
PER_FINANCIAL_ASSESSMENT = frozenset({Route.CHARGE_S14})


def drafts_a_claim(route: Route) -> bool:
    """Whether a share on this route is put on a claim: recovery from a body, or a charge at cost."""
    return route.is_recovery or route in CHARGED_AT_COST


def route_note(route: Route) -> str:
    """What the officer reads beside a share's route about charging the person ('' when nothing to say)."""
    if route in PER_FINANCIAL_ASSESSMENT:
        return f"{FINANCIAL_ASSESSMENT_NOTE}: nothing drafted to the person"
    return CHARGED_AT_COST.get(route, "")


# --- merging duplicate records: where the merged-away record's shares go ---------------------------------------


class MergeStep(StrEnum):
    MOVE = "move"  # to the kept record, by a logged transfer on the same line
    STAYS = "stays"  # already claimed once, correctly, for this person: moving it would claim it twice
    BLOCKS = "blocks"  # an open charge to the record being merged away: settle it first


def merge_step(kind: ClaimKind | None, status: ClaimStatus | None, *, sent: bool) -> MergeStep:
    """What a merge does with one live share of the record merged away, given the claim carrying it (if any).

    Every penny stays traceable to the person it was spent on (brief rule 30) and nothing is claimed twice
    (claim_lines.allocation_id is unique). A body was asked for the right money once whichever record the
    share sits on, so a share on a reimbursement claim stays there. A charge names the record itself, so an
    open one (draft or sent, not settled) must be written off or settled before the record is merged away; a
    draft written off before it was sent owed nothing, so its share moves and is charged to the kept record.
    """
    if kind is None:
        return MergeStep.MOVE
    if kind is ClaimKind.REIMBURSEMENT:
        return MergeStep.STAYS
    if status is ClaimStatus.WRITTEN_OFF:
        return MergeStep.STAYS if sent else MergeStep.MOVE
    if status is ClaimStatus.PAID:
        return MergeStep.STAYS
    return MergeStep.BLOCKS


# --- claim periods, references, lifecycle, ageing -------------------------------------------------------------


def parse_period(text: str, *, today: date) -> tuple[date, date]:
    """'01/11/2026..30/11/2026' (day first), either end may be ISO."""
    parts = text.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise CostRuleBroken(f"the period {text!r} should be FROM..TO, like 01/11/2026..30/11/2026")
    try:
        start, end = (parse_uk_date(p.strip(), today=today) for p in parts)
    except BadDate as exc:
        raise CostRuleBroken(f"the period: {exc}") from None
    days_inclusive(start, end)
    return start, end


def within(start: date, end: date, period: tuple[date, date]) -> bool:
    """A line belongs to a claim period only when all of it falls inside; claims never split a line."""
    return period[0] <= start and end <= period[1]


def claim_reference(incident_id: int, kind: ClaimKind, recipient_code: str, number: int) -> str:
    """INC1-CLM-BRD-001 to a council (by its short code); INC1-CHG-P12-001 to person 12."""
    middle = "CLM" if kind is ClaimKind.REIMBURSEMENT else "CHG"
    return f"INC{incident_id}-{middle}-{recipient_code.upper()}-{number:03d}"


S = ClaimStatus
OPEN = frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.DISPUTED, S.PART_PAID})  # sent and not settled
_FROM = {
    "submit": frozenset({S.DRAFT}),
    "acknowledge": frozenset({S.SUBMITTED, S.DISPUTED}),
    "dispute": frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.PART_PAID}),
    "pay": OPEN,
    "write-off": OPEN | {S.DRAFT},
}
_WHY_NOT = {
    S.DRAFT: "it has not been submitted yet",
    S.PAID: "it is paid in full",
    S.WRITTEN_OFF: "it was written off",
}


def check_claim_action(status: ClaimStatus, action: str, reference: str) -> None:
    if status not in _FROM[action]:
        why = _WHY_NOT.get(status, f"it is {status.value}")
        raise CostRuleBroken(f"{reference} cannot be {_PAST[action]}: {why}")


_PAST = {"submit": "submitted", "acknowledge": "acknowledged", "dispute": "disputed", "pay": "paid",
         "write-off": "written off"}

AGE_BUCKETS = ("0-30 days", "31-60 days", "61-90 days", "over 90 days")


def age_bucket(days: int) -> str:
    """Ageing from the submission date: 0-30, 31-60, 61-90, over 90 days."""
    if days < 0:
        raise ValueError("a claim cannot be submitted in the future")
    return AGE_BUCKETS[0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3]


def age_days(submitted_on: date, today: date) -> int:
    return max(0, (today - submitted_on).days)


def refer_by(raised_on: date) -> date:
    """Refer an ordinary-residence dispute to the Secretary of State if unresolved 4 calendar months after it
    arose (SI 2014/2829 [verify regulation numbers]; brief rule 22). 31 October -> 28 February."""
    return raised_on + relativedelta(months=4)

