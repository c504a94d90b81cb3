"""Notifications: whom we tell about which people, and where each letter is in its life.

Frozen pydantic models and vocabularies only; no I/O. What to send to whom is worked out by
contingency.rules.notifications; the register lives in contingency.store.notifications.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from contingency.models import Frozen


class NotificationKind(StrEnum):
    COUNCIL = "council"  # an English home or arranging council (s.48(2) with s.48(7))
    CROSS_BORDER = "cross-border"  # a Welsh or Scottish council or an NI HSC trust (s.49)
    ICB = "icb"  # CHC, FNC, joint and s.117 people (s.22, s.52(9))
    CQC = "cqc"  # incident notice and information request (s.56(3)-(4))
    PERSON = "person"  # the affected person or their representative

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    NotificationKind.COUNCIL: "Council",
    NotificationKind.CROSS_BORDER: "Cross-border body",
    NotificationKind.ICB: "ICB",
    NotificationKind.CQC: "CQC",
    NotificationKind.PERSON: "Person",
}


class NotificationStatus(StrEnum):
    DRAFT = "draft"
    GENERATED = "generated"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    CHASED = "chased"
    CLOSED = "closed"


class DocumentFormat(StrEnum):
    PDF = "pdf"  # ready to attach to secure email
    DOCX = "docx"  # editable on the council's own letterhead


class CoveredPerson(Frozen):
    """One person a body is told about, and why that body in particular."""

    person_id: int
    why: str
    recover: bool = False  # we intend to recover the cost of this person's care from the recipient


class NotificationPlan(Frozen):
    """What the roster says one recipient must be told now. `digest` changes whenever the letter would."""

    recipient_ref: str  # la:<GSS>, icb:<GSS>, cqc, person:<id>
    recipient_name: str
    kind: NotificationKind
    basis: str
    people: tuple[CoveredPerson, ...]
    reply_by: datetime | None
    digest: str

    @property
    def person_ids(self) -> tuple[int, ...]:
        return tuple(p.person_id for p in self.people)


class HeldBack(Frozen):
    """Someone left out of councils' letters until an officer fixes their record, and why."""

    person_id: int
    name: str
    reason: str


class NotificationPlans(Frozen):
    bodies: tuple[NotificationPlan, ...]
    persons: tuple[NotificationPlan, ...]
    held: tuple[HeldBack, ...]

    @property
    def all(self) -> tuple[NotificationPlan, ...]:
        return self.bodies + self.persons


class Notification(Frozen):
    id: int
    incident_id: int
    recipient_ref: str
    recipient_name: str
    kind: NotificationKind
    basis: str
    reference: str
    version: int
    people: tuple[int, ...]
    roster_digest: str
    status: NotificationStatus
    created_at: datetime
    issued_at: datetime | None = None  # first generated: the date the letter bears
    reply_by: datetime | None = None
    sent_channel: str = ""
    sent_at: datetime | None = None
    sent_by: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    reply_summary: str = ""
    chase_count: int = 0
    last_chased_at: datetime | None = None
    out_of_date: bool = False


class NotificationDocument(Frozen):
    id: int
    notification_id: int
    version: int
    format: DocumentFormat
    file_name: str
    sha256: str
    generated_at: datetime
    generated_by: str
