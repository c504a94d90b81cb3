"""A playbook running against an incident: its run, its recorded step items, and the evidence each needs.

Frozen models and pure checks only; the store keeps them and the service changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from contingency.engine.models import RecordKind, Step
from contingency.models import Frozen


class ItemState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    NOT_APPLICABLE = "not-applicable"
    BLOCKED = "blocked"

    @property
    def label(self) -> str:
        return ITEM_STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still to be finished: the clock keeps running on pending, in-progress and blocked items."""
        return self in (ItemState.PENDING, ItemState.IN_PROGRESS, ItemState.BLOCKED)

    @property
    def needs_reason(self) -> bool:
        return self in (ItemState.NOT_APPLICABLE, ItemState.BLOCKED)


ITEM_STATE_LABELS = {
    ItemState.PENDING: "to do",
    ItemState.IN_PROGRESS: "IN PROGRESS",
    ItemState.DONE: "DONE",
    ItemState.NOT_APPLICABLE: "N/A",
    ItemState.BLOCKED: "BLOCKED",
}


class RunStatus(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"  # the classification changed; kept as the record of what was done


class Run(Frozen):
    id: int
    incident_id: int
    playbook_id: str
    version: str
    title: str
    started_at: datetime
    started_by: str
    status: RunStatus
    superseded_by: int | None = None
    ended_at: datetime | None = None


class ItemNote(Frozen):
    at: datetime
    by: str
    text: str


class StepItem(Frozen):
    """What has been recorded for one step (or one person's item of a per-person step)."""

    id: int
    run_id: int
    step_id: str
    person_id: int | None
    state: ItemState
    reason: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)
    notes: tuple[ItemNote, ...] = ()
    updated_by: str
    updated_at: datetime
    carried_from: int | None = None

    @property
    def key(self) -> tuple[str, int | None]:
        return (self.step_id, self.person_id)


class EvidenceMissing(ValueError):
    """What the step's record kind needs and was not given; the message says exactly what to add."""


@dataclass(frozen=True)
class Answer:
    """Everything an officer may give when completing a step; which parts count depends on the record kind."""

    note: str = ""
    yes: bool | None = None
    rationale: str = ""
    decision: str = ""
    options: tuple[str, ...] = ()
    choice: str = ""
    count: int | None = None
    document: str = ""


def pick_option(text: str, options: tuple[str, ...]) -> str | None:
    """One of the step's options, named by its number (1 = first) or its words; None if it is not one."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1]
    return next((o for o in options if o.casefold() == text.casefold()), None)


def evidence_for(step: Step, answer: Answer) -> dict[str, Any]:
    """The evidence to keep for completing `step`, or EvidenceMissing saying what the step needs."""
    note = answer.note.strip()
    kind = step.record
    evidence: dict[str, Any] = {"kind": kind.value}
    if kind is RecordKind.NOTE:
        if not note:
            raise EvidenceMissing("this step needs a note saying what was done")
    elif kind is RecordKind.YES_NO:
        reason = answer.rationale.strip() or note
        if answer.yes is None:
            raise EvidenceMissing("this step needs a yes or no answer, with the reason")
        if not reason:
            raise EvidenceMissing("say why (the reason for the yes or no is kept with it)")
        evidence.update(answer="yes" if answer.yes else "no", rationale=reason)
        note = "" if reason == note else note
    elif kind is RecordKind.DECISION:
        decision = answer.decision.strip()
        if not decision:
            raise EvidenceMissing("this step needs the decision: one of its options (by number or words) or your own")
        if not answer.rationale.strip():
            raise EvidenceMissing("a decision needs its rationale: why this option (brief rule 27)")
        options = tuple(o.strip() for o in answer.options if o.strip()) or step.options
        chosen = pick_option(decision, options)
        if chosen is None and decision.isdigit():
            raise EvidenceMissing(f"there is no option {decision}: the options are numbered 1 to {len(options)}")
        evidence.update(decision=chosen or decision, options=list(options),
                        rationale=answer.rationale.strip())
    elif kind is RecordKind.CHOICE:
        chosen = pick_option(answer.choice, step.options)
        if chosen is None:
            given = f"{answer.choice.strip()!r} is not one of the options; " if answer.choice.strip() else ""
            raise EvidenceMissing(f"{given}choose one of the options, by its number or its words")
        evidence["choice"] = chosen
    elif kind is RecordKind.COUNT:
        if answer.count is None or answer.count < 0:
            raise EvidenceMissing("this step needs a count: a whole number, 0 or more")
        evidence["count"] = answer.count
    elif kind is RecordKind.DOCUMENT:
        if not answer.document.strip():
            raise EvidenceMissing("this step needs the document: its name or reference, and where it is kept")
        evidence["document"] = answer.document.strip()
    if note:
        evidence["note"] = note
    return evidence


def describe_evidence(evidence: dict[str, Any]) -> str:
    """Evidence in one line of words, as the log and the screens show it."""
    kind = evidence.get("kind")
    parts = []
    if kind == "yes-no":
        parts.append(f"{evidence['answer'].upper()}: {evidence['rationale']}")
    elif kind == "decision":
        parts.append(f"decided: {evidence['decision']}. Why: {evidence['rationale']}")
    elif kind == "choice":
        parts.append(f"chose: {evidence['choice']}")
    elif kind == "count":
        parts.append(f"count: {evidence['count']}")
    elif kind == "document":
        parts.append(f"document: {evidence['document']}")
    if evidence.get("note"):
        parts.append(evidence["note"])
    return " · ".join(parts)


def required_evidence(step: Step) -> str:
    """What completing the step asks for, in words (for help text and CLI errors)."""
    return {
        RecordKind.NOTE: "a note",
        RecordKind.YES_NO: "yes or no, with the reason",
        RecordKind.DECISION: "the decision, the options considered and the rationale",
        RecordKind.CHOICE: "one of the options",
        RecordKind.COUNT: "a number",
        RecordKind.DOCUMENT: "the document's name or reference",
    }[step.record]
