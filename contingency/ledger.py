"""Costs, charges and claims: what was spent on whom, under which legal route, and who owes it.

Frozen pydantic models and vocabularies only; no I/O. Money is integer pence throughout (brief
rule 30). The rules (the one total rule, apportioning, routes, charging limits) live in
contingency.rules.costs; the ledger and claims live in contingency.store.costs and store.claims.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from contingency.models import Frozen


class Category(StrEnum):
    CARE_HOME_PLACEMENT = "care-home-placement"
    HOME_CARE_HOURS = "home-care-hours"
    AGENCY_STAFF = "agency-staff"
    TRANSPORT = "transport"
    EQUIPMENT = "equipment"
    BRIDGING_PAYMENT = "bridging-payment"  # paid to keep a service running
    INFORMATION_ADVICE = "information-advice"  # never charged (s.48(5); brief rule 16)
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.CARE_HOME_PLACEMENT: "Care home placement",
    Category.HOME_CARE_HOURS: "Home care hours",
    Category.AGENCY_STAFF: "Agency staff",
    Category.TRANSPORT: "Transport",
    Category.EQUIPMENT: "Equipment",
    Category.BRIDGING_PAYMENT: "Bridging payment",
    Category.INFORMATION_ADVICE: "Information and advice",
    Category.OTHER: "Other",
}


class Unit(StrEnum):
    PER_WEEK = "per-week"
    PER_DAY = "per-day"
    PER_HOUR = "per-hour"
    PER_VISIT = "per-visit"
    ONE_OFF = "one-off"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")


class Route(StrEnum):
    """The legal route a share of a cost falls under (brief section 10, 'Cost line')."""

    RECOVER_ENGLISH = "s48(7)"  # from the English council that arranged or paid (brief rule 18)
    RECOVER_CROSS_BORDER = "s49(3)"  # from the Welsh, Scottish or NI body that arranged or paid
    CHARGE_S48 = "s48(5)"  # the person, cost only, never for advice (rule 16)
    CHARGE_S49 = "s49(3)(d)"  # the person, only for needs the cross-border body did not arrange (rule 17)
    CHARGE_S14 = "s14"  # our existing client's usual charging
    NHS = "nhs"  # CHC: never invoiced by the council; for the ICB (rule 11)
    ABSORBED = "absorbed"  # the council bears it

    @property
    def label(self) -> str:
        return ROUTE_LABELS[self]

    @property
    def is_recovery(self) -> bool:
        return self in (Route.RECOVER_ENGLISH, Route.RECOVER_CROSS_BORDER)

    @property
    def is_charge(self) -> bool:
        return self in (Route.CHARGE_S48, Route.CHARGE_S49, Route.CHARGE_S14)

    @property
    def claimable(self) -> bool:
        return self.is_recovery or self.is_charge


ROUTE_LABELS = {
    Route.RECOVER_ENGLISH: "recover from council, s.48(7)",
    Route.RECOVER_CROSS_BORDER: "recover from cross-border body, s.49(3)",
    Route.CHARGE_S48: "charge the person, s.48(5)",
    Route.CHARGE_S49: "charge the person, s.49(3)(d)",
    Route.CHARGE_S14: "charge the person, s.14",
    Route.NHS: "NHS (ICB): never invoiced",
    Route.ABSORBED: "absorbed by us",
}


class ClaimKind(StrEnum):
    REIMBURSEMENT = "reimbursement"  # to a council or cross-border body
    CHARGE = "charge"  # to the person


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    DISPUTED = "disputed"
    PART_PAID = "part-paid"
    PAID = "paid"
    WRITTEN_OFF = "written-off"


class Allocation(Frozen):
    """One person's share of a cost line, with the route it falls under and why."""

    id: int
    line_id: int
    person_id: int
    amount_pence: int
    route: Route
    recover_from: str | None = None  # la:... or icb:... for recovery and NHS routes
    needs_not_arranged: bool = False  # the officer's marking that routes a s.49 share to s.49(3)(d)
    route_reason: str
    route_decision_id: int | None = None  # set when the route was changed by a decision
    reverses: int | None = None  # the allocation this one cancels


class CostLine(Frozen):
    id: int
    incident_id: int
    supplier: str
    category: Category
    description: str = ""
    period_start: date
    period_end: date  # inclusive; a one-off has start == end
    unit: Unit
    rate_pence: int
    quantity_milli: int  # exact thousandths: 12.5 hours is 12500
    total_pence: int  # negative only on a reversal
    decision_id: int
    corrects: int | None = None  # the line this one reverses
    created_by: str
    created_at: datetime
    allocations: tuple[Allocation, ...] = ()

    @property
    def quantity(self) -> Decimal:
        return Decimal(self.quantity_milli) / 1000

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    @property
    def what(self) -> str:
        return self.description or self.category.label


class ClaimLine(Frozen):
    """A claimed allocation, read with the line and person it came from."""

    id: int
    claim_id: int
    allocation_id: int
    line_id: int
    person_id: int
    person_name: str
    category: Category
    description: str
    supplier: str
    period_start: date
    period_end: date
    route: Route
    amount_pence: int
    reversal_of: int | None = None  # the cost line this credit reverses


class Payment(Frozen):
    id: int
    claim_id: int
    amount_pence: int
    paid_on: date
    note: str = ""
    recorded_by: str
    recorded_at: datetime


class ClaimEvent(Frozen):
    id: int
    claim_id: int
    at: datetime
    officer: str
    action: str
    status_from: ClaimStatus | None
    status_to: ClaimStatus
    reason: str = ""
    on_date: date | None = None
    amount_pence: int | None = None
    decision_id: int | None = None


class Claim(Frozen):
    id: int
    incident_id: int
    reference: str
    kind: ClaimKind
    recipient_ref: str  # la:<GSS> for a body, person:<id> for a charge
    recipient_name: str
    period_start: date
    period_end: date
    total_pence: int
    status: ClaimStatus
    excluded_count: int = 0
    excluded_note: str = ""
    exercise: bool
    created_by: str
    created_at: datetime
    submitted_on: date | None = None
    submitted_to: str = ""
    acknowledged_on: date | None = None
    dispute_reason: str = ""
    written_off_pence: int = 0
    writeoff_decision_id: int | None = None
    paid_pence: int = 0

    @property
    def balance_pence(self) -> int:
        return self.total_pence - self.paid_pence - self.written_off_pence

    @property
    def short_reference(self) -> str:
        """BRD-001: the reference without its incident, for tables inside the incident."""
        return self.reference.split("-", 2)[-1] if self.reference.count("-") >= 2 else self.reference


class ORDispute(Frozen):
    """An ordinary-residence dispute: care never waits for it; refer it if unresolved by `refer_by` (rule 22)."""

    id: int
    incident_id: int
    person_id: int
    authority_ref: str
    authority_name: str
    reason: str
    raised_on: date
    refer_by: date
    resolved_on: date | None = None
    resolution: str = ""
    created_by: str
    created_at: datetime
