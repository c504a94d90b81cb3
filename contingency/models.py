"""Domain models: frozen pydantic models and the vocabularies the rules speak. No I/O."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoreKind(StrEnum):
    LIVE = "live"
    EXERCISE = "exercise"


class Nation(StrEnum):
    ENGLAND = "England"
    WALES = "Wales"
    SCOTLAND = "Scotland"
    NORTHERN_IRELAND = "Northern Ireland"


class Authority(Frozen):
    code: str
    gss_code: str | None
    name: str
    nice_name: str
    nation: Nation
    kind: str

    @property
    def ref(self) -> str:
        """How notification lists name this body: `la:<GSS>` or, with no GSS code (NI trusts), the short code."""
        return f"la:{self.gss_code or self.code}"


class ICB(Frozen):
    gss_code: str
    ods_code: str
    name: str

    @property
    def ref(self) -> str:
        return f"icb:{self.gss_code}"


class ServiceKind(StrEnum):
    CARE_HOME = "care-home"
    CARE_HOME_NURSING = "care-home-nursing"
    HOME_CARE = "home-care"
    SUPPORTED_LIVING = "supported-living"
    EXTRA_CARE = "extra-care"
    SHARED_LIVES = "shared-lives"
    DAY_SERVICE = "day-service"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SERVICE_KIND_LABELS[self]

    @property
    def regulated_by_default(self) -> bool:
        # SI 2014/2936 Sch 1: day centres give no personal care where the person lives (brief s.7).
        return self is not ServiceKind.DAY_SERVICE


SERVICE_KIND_LABELS = {
    ServiceKind.CARE_HOME: "Care home",
    ServiceKind.CARE_HOME_NURSING: "Care home with nursing",
    ServiceKind.HOME_CARE: "Home care",
    ServiceKind.SUPPORTED_LIVING: "Supported living",
    ServiceKind.EXTRA_CARE: "Extra care",
    ServiceKind.SHARED_LIVES: "Shared Lives",
    ServiceKind.DAY_SERVICE: "Day service",
    ServiceKind.OTHER: "Other",
}


class Classification(StrEnum):
    SECTION_48_ACTIVE = "section-48-active"
    MONITORING = "monitoring"
    URGENT_NEED = "urgent-need"
    WARNING = "warning"
    NOT_OUR_DUTY = "not-our-duty"

    @property
    def label(self) -> str:
        return CLASSIFICATION_LABELS[self]


CLASSIFICATION_LABELS = {
    Classification.SECTION_48_ACTIVE: "SECTION 48 ACTIVE",
    Classification.MONITORING: "MONITORING",
    Classification.URGENT_NEED: "URGENT NEED (s.19)",
    Classification.WARNING: "WARNING (s.56)",
    Classification.NOT_OUR_DUTY: "NOT OUR DUTY",
}


class IncidentStatus(StrEnum):
    WARNING = "warning"
    MONITORING = "monitoring"
    ACTIVE = "active"
    STEPPING_DOWN = "stepping-down"
    CLOSED = "closed"


class Settings(Frozen):
    """The operating council: whose store this is and how its letters are signed."""

    authority_code: str
    team: str
    officer: str
    address: str = ""
    phone: str = ""
    email: str = ""


class IncidentFacts(Frozen):
    """What the officer records about the provider and what happened. Classification reads only these."""

    provider_name: str = Field(min_length=1)
    service_kind: ServiceKind
    area_code: str  # the authority where the activity was carried on (brief rule 5)
    event_key: str
    aware_at: datetime  # the duty starts here (s.52(1), brief rule 6)
    # When a warning (s.56 notice, monitoring) became a business failure: when we first knew of the warning.
    # Kept beside aware_at, which is then the failure's awareness time (s.52(1), brief rule 6).
    warning_aware_at: datetime | None = None
    event_date: date | None = None  # the insolvency or event date, stored separately (rule 6)
    continuing: bool = False  # an administrator or anyone else carrying on the activity (rule 4)
    regulated: bool = True  # a regulated activity under SI 2014/2936 (rules 1, 26)
    registered: bool = True  # the provider is CQC-registered (rule 1)
    cqc_provider_id: str | None = None
    cqc_location_ids: tuple[str, ...] = ()
    lead_officer: str = ""
    insolvency_practitioner: str = ""

    @field_validator("provider_name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the provider's name is needed")
        return value

    @field_validator("aware_at", "warning_aware_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("the awareness time needs a timezone")
        return value


class ClassificationResult(Frozen):
    classification: Classification
    reasons: tuple[str, ...]


class Incident(Frozen):
    id: int
    facts: IncidentFacts
    classification: Classification
    reasons: tuple[str, ...]
    status: IncidentStatus
    opened_at: datetime
    people_count: int = 0


class LogEntry(Frozen):
    seq: int
    at: datetime
    officer: str
    entity: str
    entity_id: str
    action: str
    before: dict | None
    after: dict | None
    reason: str | None
    prev_hash: str
    hash: str


class Decision(Frozen):
    """A JESIP-style decision entry (brief rule 27): immutable; a correction is a new linked entry."""

    id: int
    incident_id: int
    author: str
    decided_at: datetime
    logged_at: datetime
    decision: str
    rationale: str
    options: tuple[str, ...] = ()
    powers: str = ""
    corrects: int | None = None
    late_reason: str = ""
