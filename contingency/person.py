"""The affected person: who they are, what they were receiving, who pays, and what we must do.

Frozen pydantic models and vocabularies only; no I/O. The determination rules live in
contingency.rules.determination.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from contingency.models import Frozen, ServiceKind


class Funding(StrEnum):
    OWN_COUNCIL = "own-council"
    OTHER_ENGLISH_COUNCIL = "other-english-council"
    WELSH_COUNCIL = "welsh-council"
    SCOTTISH_COUNCIL = "scottish-council"
    NI_TRUST = "ni-trust"
    SELF_FUNDED = "self-funded"
    DIRECT_PAYMENT = "direct-payment"
    NHS_CHC = "nhs-chc"
    FNC = "fnc"  # NHS-funded nursing care; the rest self-funded unless a council pays
    JOINT = "joint"  # a joint council/NHS package
    S117 = "s117"  # Mental Health Act 1983 s.117 after-care
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return FUNDING_LABELS[self]


FUNDING_LABELS = {
    Funding.OWN_COUNCIL: "Our council",
    Funding.OTHER_ENGLISH_COUNCIL: "Another English council",
    Funding.WELSH_COUNCIL: "A Welsh council",
    Funding.SCOTTISH_COUNCIL: "A Scottish council",
    Funding.NI_TRUST: "An NI HSC trust",
    Funding.SELF_FUNDED: "Self-funded",
    Funding.DIRECT_PAYMENT: "Direct payment",
    Funding.NHS_CHC: "NHS Continuing Healthcare",
    Funding.FNC: "NHS-funded nursing care (FNC)",
    Funding.JOINT: "Joint council/NHS",
    Funding.S117: "s.117 after-care",
    Funding.UNKNOWN: "Unknown",
}


class ORStatus(StrEnum):
    """Ordinary residence: how settled the home authority is (brief section 10)."""

    UNKNOWN = "unknown"
    ASSERTED = "asserted"
    ACCEPTED = "accepted"
    DISPUTED = "disputed"
    DETERMINED = "determined"


class RAG(StrEnum):
    RED = "RED"
    AMBER = "AMBER"
    GREEN = "GREEN"


class PersonStatus(StrEnum):
    WITH_PROVIDER = "with-provider"
    ALTERNATIVE_ARRANGED = "alternative-arranged"
    MOVED = "moved"
    IN_HOSPITAL = "in-hospital"
    DECEASED = "deceased"
    OWN_ARRANGEMENTS = "own-arrangements"
    CARE_RESUMED = "care-resumed"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")


class CarerRole(StrEnum):
    NONE = "none"
    CARER = "carer"  # the needs met were a carer's support needs (s.48(1), s.52(5))
    CARED_FOR = "cared-for"


class Basis(StrEnum):
    S48 = "s48"
    S48_S49 = "s48+s49"
    EXISTING_S18 = "existing-s18"
    NHS_ICB = "nhs-icb"
    URGENT_S19 = "urgent-s19"
    NOT_OUR_DUTY = "not-our-duty"
    NONE_YET = "none-yet"

    @property
    def label(self) -> str:
        return BASIS_LABELS[self]


BASIS_LABELS = {
    Basis.S48: "s.48",
    Basis.S48_S49: "s.48 + s.49",
    Basis.EXISTING_S18: "existing s.18",
    Basis.NHS_ICB: "NHS (ICB)",
    Basis.URGENT_S19: "urgent s.19",
    Basis.NOT_OUR_DUTY: "not our duty",
    Basis.NONE_YET: "none yet",
}

# The same bases in full, read after a count in the incident overview ("16 already ours (s.18 client)").
BASIS_DESCRIPTIONS = {
    Basis.S48: "s.48 duty",
    Basis.S48_S49: "s.48 for a Welsh, Scottish or NI body (s.49)",
    Basis.EXISTING_S18: "already ours (s.18 client)",
    Basis.NHS_ICB: "NHS-funded (ICB)",
    Basis.URGENT_S19: "urgent need (s.19(3))",
    Basis.NOT_OUR_DUTY: "not our duty",
    Basis.NONE_YET: "not yet worked out",
}


class ChargeRoute(StrEnum):
    S48_5 = "s48(5)"
    S49_3D = "s49(3)(d)"
    S14 = "s14"


class Flag(StrEnum):
    """Something an officer must decide or fix. Never applied silently (brief rule 24)."""

    OR_UNKNOWN = "or-unknown"
    OR_DISPUTED = "or-disputed"
    OR_ELSEWHERE = "or-elsewhere"  # s.41 / agreement needed: no recovery on residence alone (rule 18)
    FUNDING_UNKNOWN = "funding-unknown"
    FNC_ICB_CONSENT = "fnc-icb-consent"
    IMCA_NEEDED = "imca-needed"
    S21_IMMIGRATION = "s21-immigration"
    S23_HOUSING = "s23-housing"
    DUPLICATE_SUSPECTED = "duplicate-suspected"
    AUTHORITY_UNRESOLVED = "authority-unresolved"
    BAD_VALUE = "bad-value"
    NO_RAG = "no-rag"
    # Care at home: where the person lives decides whose duty it is (brief rule 5, worked case 3).
    HOME_AREA_LIKELY = "home-area-likely"  # a postcode sector split between councils: likely only
    HOME_AREA_UNKNOWN = "home-area-unknown"  # no usable postcode, or Northern Ireland: ask
    ICB_ASSUMED = "icb-assumed"  # the ICB taken from the address, not the GP practice (rule 11)

    @property
    def label(self) -> str:
        return FLAG_LABELS[self]


FLAG_LABELS = {
    Flag.OR_UNKNOWN: "ordinary residence unknown",
    Flag.OR_DISPUTED: "ordinary residence disputed",
    Flag.OR_ELSEWHERE: "ordinary residence elsewhere: s.41 / agreement needed",
    Flag.FUNDING_UNKNOWN: "funding unknown",
    Flag.FNC_ICB_CONSENT: "FNC: nursing needs ICB consent",
    Flag.IMCA_NEEDED: "IMCA needed for a move",
    Flag.S21_IMMIGRATION: "s.21 immigration question",
    Flag.S23_HOUSING: "s.23 housing question",
    Flag.DUPLICATE_SUSPECTED: "duplicate suspected",
    Flag.AUTHORITY_UNRESOLVED: "authority name unresolved",
    Flag.BAD_VALUE: "bad value to fix",
    Flag.NO_RAG: "not yet risk-rated",
    Flag.HOME_AREA_LIKELY: "council where they live is likely only: confirm the address",
    Flag.HOME_AREA_UNKNOWN: "council where they live not known: ask",
    Flag.ICB_ASSUMED: "ICB assumed from address; confirm from the GP practice",
}


class DataIssue(Frozen):
    """A value that could not be accepted as given: kept, quoted and explained, never dropped."""

    kind: Flag
    field: str
    value: str
    message: str


class Source(Frozen):
    """Where a value came from: a file and row, or the officer who typed it; and whether confirmed."""

    origin: str  # "file.csv row 12" or "officer Sam Patel"
    confirmed: bool = False


class PersonFacts(Frozen):
    provider_ref: str = ""
    first_name: str = ""
    last_name: str = ""
    preferred_name: str = ""
    date_of_birth: date | None = None
    nhs_number: str | None = None  # 10 digits, Modulus 11 checked
    service_address: str = ""  # room, or the address where care is delivered
    home_postcode: str = ""
    # The council area where the person lives, as the provider's list names it: neither who pays nor
    # ordinary residence (brief s.6), so no rule reads it as either.
    home_council_code: str | None = None
    service_kind: ServiceKind | None = None
    hours_per_week: float | None = Field(default=None, ge=0, le=168)
    visits_per_week: int | None = Field(default=None, ge=0, le=200)
    # The visit schedule as the list wrote it ("07:30; 12:30", "breakfast and tea"): the call-round orders by
    # the next missed visit from it (contingency.rules.callround parses it; what it cannot read, it says).
    visit_times: str = ""
    weekly_cost_pence: int | None = Field(default=None, ge=0)
    needs_snapshot: str = ""  # needs met "immediately before" the failure (s.48(1); brief rule 13)
    funding: Funding = Funding.UNKNOWN
    funding_body: str | None = None  # authority code of the arranging or paying council (incl. DP)
    fnc: bool = False  # NHS-funded nursing care alongside the main funding
    # Registered nursing that WE arranged urgently, without the ICB's consent first: lawful only as a temporary
    # measure with consent sought as soon as feasible (Care Act 2014 s.22(4)(b), (5); brief rule 12). Only
    # this, not FNC alone, makes the consent task; the provider's list cannot say it, so an officer records it.
    nursing_arranged_urgently: bool = False
    icb_code: str | None = None  # GSS code of the ICB for CHC, FNC, joint or s.117
    arranged_by: str = ""
    or_code: str | None = None  # ordinary residence: authority code
    or_status: ORStatus = ORStatus.UNKNOWN
    carer_role: CarerRole = CarerRole.NONE
    capacity_concern: bool = False
    nominee_name: str = ""
    nominee_relationship: str = ""
    nominee_phone: str = ""
    nominee_email: str = ""
    gp_practice: str = ""
    # Held securely (brief s.8): its own column, masked on every screen and output, never in a letter or
    # in the event log's before/after (contingency.store.eventlog.SECRET_FIELDS).
    key_safe_code: str = ""
    advocate_needed: bool = False
    immigration_question: bool = False
    housing_question: bool = False
    rag: RAG | None = None
    rag_reason: str = ""
    status: PersonStatus = PersonStatus.WITH_PROVIDER
    status_detail: str = ""  # e.g. where they moved to
    notes: str = ""
    issues: tuple[DataIssue, ...] = ()
    sources: dict[str, Source] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rules(self) -> PersonFacts:
        if not (self.first_name or self.last_name or self.provider_ref or self.nhs_number
                or any(issue.field == "nhs_number" for issue in self.issues)):
            raise ValueError("a person needs a name, a provider reference or an NHS number")
        if self.rag is not None and not self.rag_reason.strip():
            raise ValueError(f"a {self.rag.value} rating needs a reason (brief rule 28)")
        return self

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or (f"ref {self.provider_ref}" if self.provider_ref else f"NHS {self.nhs_number}")


class Determination(Frozen):
    basis: Basis
    notify: tuple[str, ...] = ()
    recover_from: str | None = None
    charge_route: ChargeRoute | None = None
    flags: tuple[Flag, ...] = ()
    reasons: tuple[str, ...] = ()


class Person(Frozen):
    id: int
    incident_id: int
    facts: PersonFacts
    determination: Determination
    merged_into: int | None = None  # a duplicate folded into another record; kept, never deleted
