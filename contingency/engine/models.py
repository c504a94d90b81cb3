"""The playbook file format (playbooks/README.md) as frozen pydantic models. No I/O.

A playbook is read from TOML and validated here. Field problems come out of pydantic with their
location; the checks that look across steps (phases, repeated ids, due_from) are in
`reference_problems`, so the loader can name the step and the key for each one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contingency.models import Classification, Frozen, ServiceKind
from contingency.person import RAG, Basis, Flag, Funding, PersonStatus

AWARE = "aware"
MAX_TITLE = 60
_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_DUE = re.compile(r"^\+(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class RecordKind(StrEnum):
    """What the officer must record to complete a step."""

    NOTE = "note"
    YES_NO = "yes-no"
    DECISION = "decision"
    CHOICE = "choice"
    COUNT = "count"
    DOCUMENT = "document"

    @property
    def needs_options(self) -> bool:
        return self in (RecordKind.DECISION, RecordKind.CHOICE)


class Role(StrEnum):
    DUTY_OFFICER = "duty officer"
    INCIDENT_LEAD = "incident lead"
    COMMISSIONER = "commissioner"
    FINANCE_OFFICER = "finance officer"
    SOCIAL_WORKER = "social worker"
    MANAGER = "manager"
    COMMUNICATIONS = "communications"


class Serves(StrEnum):
    """The classifications a playbook can serve (not-our-duty has none: nothing to run)."""

    SECTION_48_ACTIVE = Classification.SECTION_48_ACTIVE.value
    URGENT_NEED = Classification.URGENT_NEED.value
    WARNING = Classification.WARNING.value
    MONITORING = Classification.MONITORING.value


@cache
def parse_due(text: str) -> timedelta:
    """'+30m', '+4h', '+7d' -> a timedelta. Whole numbers only; there are no weeks."""
    match = _DUE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a due time: write + then a whole number and m, h or d, "
                         "like +30m, +4h or +7d (there are no weeks: use +7d)")
    amount, unit = match.groups()
    return timedelta(**{_UNITS[unit]: int(amount)})


def _one_or_many(value: Any) -> Any:
    # `rag = "RED"` means what `rag = ["RED"]` means; officers write both.
    return [value] if isinstance(value, str) else value


BasisList = Annotated[tuple[Basis, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
FundingList = Annotated[tuple[Funding, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
RAGList = Annotated[tuple[RAG, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
StatusList = Annotated[tuple[PersonStatus, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
FlagList = Annotated[tuple[Flag, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
ServiceKindList = Annotated[tuple[ServiceKind, ...], BeforeValidator(_one_or_many), Field(min_length=1)]


class PersonFilter(Frozen):
    """Which people a step is about. Every key given must match; a list matches any of its values."""

    basis: BasisList | None = None
    funding: FundingList | None = None
    rag: RAGList | None = None
    status: StatusList | None = None
    flag: FlagList | None = None
    capacity_concern: StrictBool | None = None
    imca_needed: StrictBool | None = None

    def describe(self) -> str:
        """In words: 'RAG RED', 'basis s48 or s48+s49, status with-provider', 'IMCA needed yes'."""
        parts = []
        for key, label in (("basis", "basis"), ("funding", "funding"), ("rag", "RAG"), ("status", "status"),
                           ("flag", "flag")):
            values = getattr(self, key)
            if values:
                parts.append(f"{label} {' or '.join(v.value for v in values)}")
        for key, label in (("capacity_concern", "capacity concern"), ("imca_needed", "IMCA needed")):
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{label} {'yes' if value else 'no'}")
        return ", ".join(parts) or "everyone"


class StepCondition(Frozen):
    """`[steps.when]`: the step applies only when every test given holds."""

    service_kind: ServiceKindList | None = None
    any_person: PersonFilter | None = None


class Phase(Frozen):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)


class Step(Frozen):
    id: str = Field(pattern=_ID)
    phase: str
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    role: Role
    due: str
    due_from: str = AWARE
    record: RecordKind
    options: tuple[Annotated[str, Field(min_length=1)], ...] = Field(default=(), validate_default=True)
    citations: tuple[Annotated[str, Field(min_length=1)], ...] = Field(min_length=1)
    guidance: str = Field(min_length=1)
    when: StepCondition | None = None
    for_each_person: PersonFilter | None = None

    @field_validator("due")
    @classmethod
    def _due(cls, value: str) -> str:
        parse_due(value)
        return value

    @field_validator("options")
    @classmethod
    def _options(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        record = info.data.get("record")
        if record is None:
            return value
        if record.needs_options and len(value) < 2:
            raise ValueError(f"a {record.value} step needs options: at least two choices in a list")
        if not record.needs_options and value:
            raise ValueError(f"options are only for decision and choice steps; leave them out of a "
                             f"{record.value} step")
        return value

    @property
    def due_after(self) -> timedelta:
        return parse_due(self.due)

    @property
    def per_person(self) -> bool:
        return self.for_each_person is not None

    @property
    def starts_at_awareness(self) -> bool:
        return self.due_from == AWARE


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a playbook file, precise enough to find and fix it."""

    file: str
    message: str
    step: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = [self.file + (f" line {self.line}" if self.line else "")]
        if self.step:
            where.append(f"step {self.step!r}")
        if self.field:
            where.append(self.field)
        return f"{': '.join(where)}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "step": self.step, "field": self.field, "line": self.line,
                "message": self.message}


class Playbook(Frozen):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    version: str = Field(pattern=r"^\d+(\.\d+)*$")
    serves: tuple[Serves, ...] = Field(min_length=1)
    basis: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    phases: tuple[Phase, ...] = Field(min_length=1)
    steps: tuple[Step, ...] = Field(min_length=1)
    _file: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Playbook:
        # The loader asks to check references itself so it can report each one precisely.
        if not (info.context or {}).get("defer_references"):
            problems = reference_problems(self, file=self.id)
            if problems:
                raise ValueError("; ".join(str(p) for p in problems))
        return self

    @property
    def file(self) -> str:
        return self._file

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"playbook {self.id} has no step {step_id!r}; its steps are: "
                       f"{', '.join(s.id for s in self.steps)}")

    def phase_title(self, phase_id: str) -> str:
        return next(p.title for p in self.phases if p.id == phase_id)

    def serves_classification(self, classification: Classification) -> bool:
        return classification.value in {s.value for s in self.serves}


def reference_problems(playbook: Playbook, *, file: str) -> list[Problem]:
    """Checks across steps: repeated ids, unknown phases, due_from naming a later or unknown step."""
    problems: list[Problem] = []
    phase_ids: set[str] = set()
    for phase in playbook.phases:
        if phase.id in phase_ids:
            problems.append(Problem(file, f"phase id {phase.id!r} is used twice", field="phases.id"))
        phase_ids.add(phase.id)
    earlier: set[str] = set()
    all_ids = {s.id for s in playbook.steps}
    for step in playbook.steps:
        if step.id in earlier:
            problems.append(Problem(file, "this step id is used twice; every step needs its own id",
                                    step=step.id, field="id"))
        if step.phase not in phase_ids:
            problems.append(Problem(file, f"{step.phase!r} is not one of the phases above: "
                                    f"{', '.join(p.id for p in playbook.phases)}", step=step.id, field="phase"))
        if step.due_from != AWARE:
            if step.due_from == step.id:
                message = "names this step itself; use 'aware' or an earlier step's id"
            elif step.due_from in earlier:
                message = ""
            elif step.due_from in all_ids:
                message = (f"names a later step {step.due_from!r}; the clock can only start from an "
                           "earlier step (or 'aware')")
            else:
                message = f"names no step in this file: {step.due_from!r}; use 'aware' or an earlier step's id"
            if message:
                problems.append(Problem(file, message, step=step.id, field="due_from"))
        earlier.add(step.id)
    return problems
