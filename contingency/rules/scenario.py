"""The tabletop-exercise scenario file (design/exercises.md section 2) as frozen pydantic models. No I/O.

A scenario is read from TOML and validated strictly, like a playbook: an unknown key is an error, and every
problem names the file, the inject or expectation (or objective, or roster person) and the field.
`parse_scenario` checks the file alone; `reference_problems` takes the reference data (authorities, ICBs,
playbook steps) as arguments, so it stays pure and the service layer supplies the lookups.

Times: `T+H:MM` / `T-H:MM` are exercise time from STARTEX; `R+H:MM` is after the holding inject was delivered;
a duration is `H:MM`. Hours have any number of digits, minutes two. `startex` is local Europe/London wall
time with no offset; it is resolved to an aware instant (BST or GMT) with rules/times.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from contingency.ledger import Route
from contingency.models import Classification, Frozen, ServiceKind
from contingency.person import RAG, Basis
from contingency.rules.events import event_by_key
from contingency.rules.times import BadDate, parse_local_datetime, parse_uk_date

FORMAT_HELP = "see the scenario format in playbooks/exercises/README.md"
DEFAULT_CODEWORD = "NO DUFF"
MAX_ROSTER = 20_000

# The funding keys a [roster] funding table may use; any other key names an authority (placed or paid by it).
FUNDING_KEYS = ("own-council", "direct-payment", "self-funded", "nhs-chc", "joint", "s117", "unknown")
TIME_CRITICAL_KINDS = ("insulin", "parkinsons", "end_of_life")
# What `state` in a `step` predicate means, in the engine's item states.
STEP_STATES = {"done": "done", "n/a": "not-applicable"}

_SCENARIO_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_ITEM_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
_TAG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_PLAYBOOK_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_T_TIME = re.compile(r"^T([+-])(\d+):(\d\d)$")
_R_TIME = re.compile(r"^R\+(\d+):(\d\d)$")
_DURATION = re.compile(r"^(\d+):(\d\d)$")
_STARTEX = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
_FILE_NAME = re.compile(r"^[^/\\]+$")


# --- times -------------------------------------------------------------------------------------------------

def _minutes(hours: str, minutes: str, text: str) -> int:
    if int(minutes) > 59:
        raise ValueError(f"{text!r}: the minutes run 00 to 59")
    return int(hours) * 60 + int(minutes)


class ExerciseTime(Frozen):
    """A point in exercise time: `offset` from STARTEX (T), or after the holding inject was delivered (R)."""

    offset: timedelta
    relative: bool = False

    def __str__(self) -> str:
        return format_offset(self.offset, relative=self.relative)

    def resolve(self, delivered: timedelta | None) -> timedelta | None:
        """The target in exercise time from STARTEX: an R+ time needs the delivery time of its inject."""
        if not self.relative:
            return self.offset
        return None if delivered is None else delivered + self.offset


def format_offset(offset: timedelta, *, relative: bool = False) -> str:
    """timedelta -> 'T+1:10', 'T-600:00' or 'R+0:20' (seconds dropped)."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{'R' if relative else 'T'}{sign}{hours}:{mins:02d}"


def format_duration(value: timedelta) -> str:
    hours, mins = divmod(int(value.total_seconds() // 60), 60)
    return f"{hours}:{mins:02d}"


def parse_t_time(text: Any) -> ExerciseTime:
    """'T+0:05', 'T+12:00', 'T-600:00' -> an ExerciseTime; anything else is refused with the form to write."""
    if isinstance(text, ExerciseTime):
        return text
    match = _T_TIME.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not an exercise time: write T+H:MM or T-H:MM, like T+1:10 or T-600:00")
    sign, hours, minutes = match.groups()
    total = _minutes(hours, minutes, text)
    return ExerciseTime(offset=timedelta(minutes=-total if sign == "-" else total))


def parse_target(text: Any) -> ExerciseTime:
    """A `by` or `before`: 'T+H:MM', 'T-H:MM' or 'R+H:MM' (after the inject that holds the expectation)."""
    if isinstance(text, ExerciseTime):
        return text
    match = _R_TIME.match(text) if isinstance(text, str) else None
    if match:
        return ExerciseTime(offset=timedelta(minutes=_minutes(*match.groups(), text)), relative=True)
    if isinstance(text, str) and _T_TIME.match(text):
        return parse_t_time(text)
    raise ValueError(f"{text!r} is not a target time: write T+H:MM (from STARTEX) or R+H:MM (after the inject), "
                     "like T+4:00 or R+0:20")


def parse_duration(text: Any) -> timedelta:
    """'10:00', '0:45' -> a timedelta."""
    if isinstance(text, timedelta):
        return text
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a duration: write H:MM, like 10:00 or 0:45")
    return timedelta(minutes=_minutes(*match.groups(), text))


def resolve_startex(text: str) -> datetime:
    """'2027-03-05T22:40' (Europe/London wall time, no offset) -> an aware UTC instant (GMT or BST applied)."""
    if not isinstance(text, str) or not _STARTEX.match(text):
        raise ValueError(f"{text!r} is not a STARTEX: write the local date and time without an offset, "
                         "like 2027-03-05T22:40")
    try:
        # An ISO time needs no "now"; parse_local_datetime reads it as London time and returns UTC.
        return parse_local_datetime(text, now=datetime(2000, 1, 1, tzinfo=UTC))
    except BadDate as exc:
        raise ValueError(str(exc)) from None


TTime = Annotated[ExerciseTime, BeforeValidator(parse_t_time)]
Target = Annotated[ExerciseTime, BeforeValidator(parse_target)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ItemId = Annotated[str, Field(pattern=_ITEM_ID)]
Tag = Annotated[str, Field(pattern=_TAG)]
Text = Annotated[str, Field(min_length=1)]


# --- the `when` predicate ------------------------------------------------------------------------------------

class StepRef(Frozen):
    """'PLAYBOOK/STEP': a step of a playbook. Whether it exists is checked against the loaded playbooks."""

    playbook: str
    step: str

    def __str__(self) -> str:
        return f"{self.playbook}/{self.step}"


def parse_step_ref(text: Any) -> StepRef:
    if isinstance(text, StepRef):
        return text
    playbook, _, step = text.partition("/") if isinstance(text, str) else ("", "", "")
    if not (_PLAYBOOK_ID.match(playbook) and _PLAYBOOK_ID.match(step)):
        raise ValueError(f"{text!r} is not a playbook step: write PLAYBOOK/STEP, like "
                         "s48-business-failure/notify-cqc")
    return StepRef(playbook=playbook, step=step)


class LetterTo(StrEnum):
    LA = "la"
    ICB = "icb"
    CQC = "cqc"
    PERSON = "person"


class LetterTarget(Frozen):
    """'la:X', 'icb:X' (X a code or name the app resolves, or '*' for any), 'cqc' or 'person'."""

    to: LetterTo
    body: str | None = None  # None for cqc and person; "*" for any council or ICB

    @property
    def any_body(self) -> bool:
        return self.body == "*"

    def __str__(self) -> str:
        return f"{self.to.value}:{self.body}" if self.body else self.to.value


def parse_letter(text: Any) -> LetterTarget:
    if isinstance(text, LetterTarget):
        return text
    value = text.strip() if isinstance(text, str) else ""
    if value in ("cqc", "person"):
        return LetterTarget(to=LetterTo(value))
    kind, colon, body = value.partition(":")
    if kind in ("la", "icb") and colon and body.strip():
        return LetterTarget(to=LetterTo(kind), body=body.strip())
    raise ValueError(f"{text!r} is not a letter target: write la:NAME, icb:NAME (or la:* / icb:* for any), "
                     "cqc or person")


class StepState(StrEnum):
    DONE = "done"
    NOT_APPLICABLE = "n/a"

    @property
    def item_state(self) -> str:
        """The engine's word for it (contingency.engine.runs.ItemState)."""
        return STEP_STATES[self.value]


class When(Frozen):
    """The predicate of an expectation: every key given must hold (design/exercises.md section 2 table)."""

    classification: Classification | None = None
    step: Annotated[StepRef, BeforeValidator(parse_step_ref)] | None = None
    state: StepState | None = None
    person_item: Annotated[StepRef, BeforeValidator(parse_step_ref)] | None = None
    tag: Tag | None = None
    basis: Basis | None = None
    decision: Text | None = None
    letter: Annotated[LetterTarget, BeforeValidator(parse_letter)] | None = None
    cost_route: Route | None = None
    imported: Literal[True] | None = None
    handover: Literal[True] | None = None
    manual: Literal[True] | None = None

    @model_validator(mode="after")
    def _together(self) -> When:
        given = self.given_keys()
        if not given:
            raise ValueError("is empty: give at least one key, like classification = \"section-48-active\"")
        if self.state is not None and self.step is None:
            raise ValueError("state goes with step: add step = \"PLAYBOOK/STEP\"")
        if self.person_item is not None and self.tag is None:
            raise ValueError("person_item needs tag: the roster person it is about")
        if self.tag is not None and self.person_item is None and self.basis is None:
            raise ValueError("tag goes with person_item or basis")
        return self

    def given_keys(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]

    @property
    def step_refs(self) -> tuple[StepRef, ...]:
        return tuple(ref for ref in (self.step, self.person_item) if ref is not None)

    @property
    def step_state(self) -> StepState:
        return self.state or StepState.DONE


# --- the file ------------------------------------------------------------------------------------------------

class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    FILE = "file"
    VISIT = "visit"
    CQC_NOTICE = "cqc-notice"
    MEDIA = "media"
    SMS = "sms"
    LETTER = "letter"


class Header(Frozen):
    id: str = Field(pattern=_SCENARIO_ID)
    title: Text
    version: str = Field(pattern=r"^\d+(\.\d+)*$")
    author: str = ""
    host_authority: Text
    startex: str
    duration: Duration
    time_scale: float = Field(default=1, gt=0, le=60)
    stop_codeword: Text = DEFAULT_CODEWORD
    playbooks: tuple[str, ...] = ()
    briefing: str = ""

    @field_validator("startex")
    @classmethod
    def _startex(cls, value: str) -> str:
        resolve_startex(value)
        return value

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0:00")
        return value

    @field_validator("playbooks")
    @classmethod
    def _playbook_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not _PLAYBOOK_ID.match(item):
                raise ValueError(f"{item!r} is not a playbook id, like s48-business-failure")
        return value

    @property
    def startex_at(self) -> datetime:
        """STARTEX as an aware UTC instant."""
        return resolve_startex(self.startex)


class Objective(Frozen):
    id: ItemId
    text: Text


class IncidentSeed(Frozen):
    """An incident that already exists at STARTEX (e.g. a s.56 warning opened weeks ago)."""

    provider: Text
    service: ServiceKind
    area: Text
    event: str
    aware_at: TTime

    @field_validator("event")
    @classmethod
    def _event(cls, value: str) -> str:
        try:
            event_by_key(value)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        return value


class DefectKind(StrEnum):
    STAFF_ROW = "staff-row"
    DUPLICATE = "duplicate"
    MISSING_DOB = "missing-dob"
    AUTHORITY_TYPO = "authority-typo"
    NAME_UNKNOWN = "name-unknown"


class Defect(Frozen):
    """A fault of the provider's file: added or spoilt rows of the FILE copy, never the true copy."""

    kind: DefectKind
    count: int = 1
    text: str = ""

    def __str__(self) -> str:
        if self.kind in (DefectKind.AUTHORITY_TYPO, DefectKind.NAME_UNKNOWN):
            return f"{self.kind.value}:{self.text}"
        return self.kind.value if self.count == 1 else f"{self.kind.value}:{self.count}"


def parse_defect(text: Any) -> Defect:
    if isinstance(text, Defect):
        return text
    forms = ("staff-row, duplicate (or duplicate:N), missing-dob:N, authority-typo:TEXT, name-unknown:TEXT")
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a defect; write one of {forms}")  # noqa: TRY004 (pydantic reads ValueError)
    name, colon, rest = text.partition(":")
    try:
        kind = DefectKind(name.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a defect; write one of {forms}") from None
    rest = rest.strip()
    if kind in (DefectKind.AUTHORITY_TYPO, DefectKind.NAME_UNKNOWN):
        if not rest:
            raise ValueError(f"{text!r} needs its text after the colon, like {kind.value}:Warks CC")
        return Defect(kind=kind, text=rest)
    if kind is DefectKind.MISSING_DOB and not colon:
        raise ValueError(f"{text!r} needs a count, like missing-dob:4")
    if colon:
        if not rest.isdigit() or int(rest) < 1:
            raise ValueError(f"{text!r}: the count after the colon must be a whole number from 1")
        return Defect(kind=kind, count=int(rest))
    return Defect(kind=kind)


class RosterPerson(Frozen):
    """A special case with fixed attributes; the file carries it as the provider reference '@tag'."""

    tag: Tag
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: str | None = None  # UK style, day first
    funding: str | None = None  # a funding key or an authority name/code
    fnc: StrictBool | None = None
    icb: str | None = None
    lives_in: str | None = None  # an authority: where the person lives (care at home)
    rag: RAG | None = None
    rag_reason: str | None = None
    capacity_concern: StrictBool | None = None
    next_of_kin: str | None = None  # "" for nobody to consult
    time_critical: Literal["insulin", "parkinsons", "end_of_life"] | None = None
    visit_times: str | None = None
    key_safe: StrictBool | None = None
    needs: str | None = None
    notes: str | None = None

    @field_validator("rag", mode="before")
    @classmethod
    def _rag_case(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


Count = Annotated[StrictInt, Field(ge=0)]
Percent = Annotated[StrictInt, Field(ge=0, le=100)]


class Roster(Frozen):
    """The provider's list, generated reproducibly: the same seed gives the same people."""

    seed: StrictInt
    size: StrictInt = Field(ge=1, le=MAX_ROSTER)
    service: ServiceKind
    funding: dict[str, Count] = Field(default_factory=dict)
    # A count, or a table splitting it by funding key/authority (e.g. 3 of the 7 self-funders).
    fnc: Count | dict[str, Count] = 0
    icbs: dict[str, Count] = Field(default_factory=dict)
    lives_elsewhere: dict[str, Count | dict[str, Count]] = Field(default_factory=dict)
    rag: dict[Literal["red", "amber", "green"], Count] | None = None
    capacity_concern: Percent = 0
    time_critical: dict[Literal["insulin", "parkinsons", "end_of_life"], Count] = Field(default_factory=dict)
    calls_per_day: dict[Annotated[int, Field(ge=1, le=6)], Count] = Field(default_factory=dict)
    key_safe: Percent = 0  # home care: percent of people with a key safe
    couples: Count = 0
    defects: tuple[Annotated[Defect, BeforeValidator(parse_defect)], ...] = ()
    columns: Literal["provider", "canonical"] = "provider"
    format: Literal["csv", "xlsx"] = "csv"
    person: tuple[RosterPerson, ...] = ()

    @property
    def funding_mix(self) -> dict[str, int]:
        """Everyone own-council unless a funding table is given."""
        return dict(self.funding) if self.funding else {"own-council": self.size}

    @property
    def fnc_total(self) -> int:
        return self.fnc if isinstance(self.fnc, int) else sum(self.fnc.values())

    def elsewhere_total(self, authority: str) -> int:
        value = self.lives_elsewhere[authority]
        return value if isinstance(value, int) else sum(value.values())

    def authority_names(self) -> list[tuple[str, str]]:
        """(field, name) for every authority named in the roster, for the service layer to resolve."""
        found = [(f"funding.{k}", k) for k in self.funding if k not in FUNDING_KEYS]
        if isinstance(self.fnc, dict):
            found += [(f"fnc.{k}", k) for k in self.fnc if k not in FUNDING_KEYS]
        for place, value in self.lives_elsewhere.items():
            found.append((f"lives_elsewhere.{place}", place))
            if isinstance(value, dict):
                found += [(f"lives_elsewhere.{place}.{k}", k) for k in value if k not in FUNDING_KEYS]
        return found


class Expectation(Frozen):
    id: ItemId
    text: Text
    when: When
    by: Target | None = None
    before: Target | None = None
    weight: StrictInt = Field(default=1, ge=1, le=3)
    objectives: tuple[ItemId, ...] = ()
    must_not: StrictBool = False


class Condition(Frozen):
    missing: ItemId


class Inject(Frozen):
    id: ItemId
    at: TTime
    channel: Channel
    from_: Text = Field(alias="from")
    to: Text = "duty officer"
    text: Text
    notes: str = ""
    attachment: str | None = None
    condition: Condition | None = None
    expected: tuple[Expectation, ...] = ()

    @field_validator("attachment")
    @classmethod
    def _attachment(cls, value: str | None) -> str | None:
        if value is not None and (not _FILE_NAME.match(value) or value in (".", "..")):
            raise ValueError(f"{value!r}: write \"roster\" or the name of a file beside the scenario file, "
                             "without a folder")
        return value


class Scenario(Frozen):
    scenario: Header
    objectives: tuple[Objective, ...] = Field(min_length=1)
    incident: IncidentSeed | None = None
    roster: Roster | None = None
    injects: tuple[Inject, ...] = ()
    expected: tuple[Expectation, ...] = ()
    _file: str = PrivateAttr(default="")

    @property
    def id(self) -> str:
        return self.scenario.id

    @property
    def file(self) -> str:
        return self._file

    @property
    def endex(self) -> timedelta:
        return self.scenario.duration

    def injects_in_order(self) -> list[Inject]:
        return sorted(self.injects, key=lambda i: (i.at.offset, i.id))

    def all_expectations(self) -> list[tuple[Inject | None, Expectation]]:
        """Every expectation with the inject that holds it (None for a scenario-wide one)."""
        return [(inject, e) for inject in self.injects for e in inject.expected] + [(None, e) for e in self.expected]

    def expectation(self, expectation_id: str) -> tuple[Inject | None, Expectation] | None:
        return next(((i, e) for i, e in self.all_expectations() if e.id == expectation_id), None)

    def inject(self, inject_id: str) -> Inject | None:
        return next((i for i in self.injects if i.id == inject_id), None)


def tag_reference(tag: str) -> str:
    """How the provider's file carries a tagged person: the provider reference '@tag'."""
    return f"@{tag}"


def tag_from_reference(reference: str | None) -> str | None:
    """'@mr-a' -> 'mr-a'. Also reads "'@mr-a": the apostrophe a spreadsheet-safe CSV puts before '@'."""
    value = (reference or "").strip().lstrip("'")
    return value[1:] if value.startswith("@") and re.fullmatch(_TAG, value[1:]) else None


# --- problems -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file: the file, what it is in (inject, expectation...), the field."""

    file: str
    message: str
    where: str | None = None  # "inject 'I3'", "expectation 'E3a'", "objective 'O1'", "roster person 'mr-a'"
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts = [self.file + (f" line {self.line}" if self.line else "")]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(self.field)
        return f"{': '.join(parts)}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "where": self.where, "field": self.field, "line": self.line,
                "message": self.message}


def parse_scenario(data: dict[str, Any], *, file: str, expected_id: str | None = None
                   ) -> tuple[Scenario | None, list[Problem]]:
    """Validate a TOML document: the scenario, or None and everything wrong with it (file alone, no lookups)."""
    problems: list[Problem] = []
    header = data.get("scenario")
    if expected_id is not None and isinstance(header, dict) and isinstance(header.get("id"), str) \
            and header["id"] != expected_id:
        problems.append(Problem(file, f"{header['id']!r} must match the file name ({expected_id}.toml)",
                                where="scenario", field="id"))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, problems + [_field_problem(file, data, error) for error in exc.errors()]
    problems += cross_problems(scenario, file=file)
    if problems:
        return None, problems
    scenario._file = file
    return scenario, []


def _named(items: Any, index: Any, key: str) -> str | None:
    if isinstance(items, list) and isinstance(index, int) and index < len(items) and isinstance(items[index], dict):
        value = items[index].get(key)
        if isinstance(value, str) and value:
            return repr(value)
    return f"number {index + 1}" if isinstance(index, int) else None


def _field_problem(file: str, data: dict[str, Any], error: dict[str, Any]) -> Problem:
    loc = list(error["loc"])
    where = None
    if loc and loc[0] in ("scenario", "incident", "roster") and loc[:2] != ["roster", "person"]:
        where = loc.pop(0)
    if loc[:2] == ["roster", "person"] and len(loc) >= 3:
        people = (data.get("roster") or {}).get("person") if isinstance(data.get("roster"), dict) else None
        where = f"roster person {_named(people, loc[2], 'tag')}"
        loc = loc[3:]
    elif loc and loc[0] == "objectives" and len(loc) >= 2:
        where = f"objective {_named(data.get('objectives'), loc[1], 'id')}"
        loc = loc[2:]
    elif loc and loc[0] == "injects" and len(loc) >= 2:
        injects = data.get("injects")
        where = f"inject {_named(injects, loc[1], 'id')}"
        raw = injects[loc[1]] if isinstance(injects, list) and isinstance(loc[1], int) and loc[1] < len(injects) else {}
        loc = loc[2:]
        if loc[:1] == ["expected"] and len(loc) >= 2 and isinstance(raw, dict):
            where += f" expectation {_named(raw.get('expected'), loc[1], 'id')}"
            loc = loc[2:]
    elif loc and loc[0] == "expected" and len(loc) >= 2:
        where = f"expectation {_named(data.get('expected'), loc[1], 'id')}"
        loc = loc[2:]
    # Drop pydantic's names for union branches and validators ("function-before[...]", "int", "dict[...]").
    loc = [part for part in loc if not (isinstance(part, str) and ("[" in part or part in ("int", "str", "bool")))]
    field = ".".join(f"[{p + 1}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[") or None
    return Problem(file, _plain(error), where=where, field=field)


def _plain(error: dict[str, Any]) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return f"is not a key scenario files use; check the spelling ({FORMAT_HELP})"
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"{error['input']!r} is not one of: {expected.replace(' or ', ', ')}"
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} is not an id: use letters, digits and hyphens, like I3, E3a or mr-a"
    if kind in ("too_short", "string_too_short"):
        return "is empty; give at least one"
    if kind in ("bool_type", "bool_parsing"):
        return f"{error['input']!r} must be true or false, without quotes"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{error['input']!r} must be a whole number, without quotes"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{error['input']!r}: {message.removeprefix('Input should be ')}"
    if kind == "model_type" or kind == "dict_type":
        return f"{error['input']!r} must be a table of keys, not a single value"
    return message.removeprefix("Value error, ")


def cross_problems(scenario: Scenario, *, file: str) -> list[Problem]:
    """Checks across the file: ids, references between its parts, times in range, counts that add up."""
    problems: list[Problem] = []

    def add(message: str, where: str | None = None, field: str | None = None) -> None:
        problems.append(Problem(file, message, where=where, field=field))

    endex = scenario.endex
    objective_ids = [o.id for o in scenario.objectives]
    for item, count in Counter(objective_ids).items():
        if count > 1:
            add(f"the id {item!r} is used by {count} objectives; each needs its own", f"objective {item!r}", "id")
    for item, count in Counter(i.id for i in scenario.injects).items():
        if count > 1:
            add(f"the id {item!r} is used by {count} injects; each needs its own", f"inject {item!r}", "id")
    pairs = scenario.all_expectations()
    for item, count in Counter(e.id for _, e in pairs).items():
        if count > 1:
            add(f"the id {item!r} is used by {count} expectations; ids are unique in the file",
                f"expectation {item!r}", "id")
    expectation_ids = {e.id for _, e in pairs}
    tags = [p.tag for p in scenario.roster.person] if scenario.roster else []
    served = set()

    for inject in scenario.injects:
        where = f"inject {inject.id!r}"
        if inject.at.offset < timedelta(0):
            add(f"{inject.at} is before STARTEX; an inject is delivered from T+0:00", where, "at")
        elif inject.at.offset > endex:
            add(f"{inject.at} is after ENDEX (T+{format_duration(endex)}); it would never be delivered", where, "at")
        if inject.attachment == "roster" and scenario.roster is None:
            add("is \"roster\" but the file has no [roster] to generate", where, "attachment")
        if inject.condition is not None:
            missing = inject.condition.missing
            if missing not in expectation_ids:
                add(f"{missing!r} is not an expectation in this file", where, "condition.missing")
            elif any(e.id == missing for e in inject.expected):
                add(f"{missing!r} is this inject's own expectation; a contingency inject waits on another one",
                    where, "condition.missing")

    for inject, expectation in pairs:
        where = (f"inject {inject.id!r} " if inject else "") + f"expectation {expectation.id!r}"
        for objective in expectation.objectives:
            served.add(objective)
            if objective not in objective_ids:
                add(f"{objective!r} is not an objective in this file (objectives: {', '.join(objective_ids)})",
                    where, "objectives")
        for name in ("by", "before"):
            target: ExerciseTime | None = getattr(expectation, name)
            if target is None:
                continue
            if target.relative and inject is None:
                add(f"{target} is after an inject, but this expectation belongs to no inject; use T+H:MM",
                    where, name)
            elif not target.relative and target.offset > endex:
                add(f"{target} is after ENDEX (T+{format_duration(endex)})", where, name)
            elif not target.relative and inject is not None and target.offset < inject.at.offset:
                add(f"{target} is before its inject is delivered ({inject.at})", where, name)
        if expectation.before is not None and not expectation.must_not:
            add("goes only with must_not = true (the window in which it would be a breach); "
                "use by for a target", where, "before")
        if expectation.by is not None and expectation.must_not:
            add("a must_not has no target; give its window with before, or leave it out for the whole exercise",
                where, "by")
        when = expectation.when
        if when.tag is not None and scenario.roster is not None and when.tag not in tags:
            add(f"{when.tag!r} is not a tag of a [[roster.person]] (tags: {', '.join(tags) or 'none'})",
                where, "when.tag")
        if when.tag is not None and scenario.roster is None:
            add(f"{when.tag!r} names a roster person, but the file has no [roster]", where, "when.tag")
        if when.imported and scenario.roster is None and not any(i.attachment for i in scenario.injects):
            add("no inject brings a list to import: add a [roster] and attachment = \"roster\"", where,
                "when.imported")
    for objective in objective_ids:
        if objective not in served:
            add("no expectation names this objective, so it could never be rated", f"objective {objective!r}",
                "id")

    header = scenario.scenario
    for item, count in Counter(header.playbooks).items():
        if count > 1:
            add(f"{item!r} is listed {count} times", "scenario", "playbooks")
    if scenario.incident is not None and scenario.incident.aware_at.offset > timedelta(0):
        add(f"{scenario.incident.aware_at} is after STARTEX; the incident exists at STARTEX, so use T+0:00 or "
            "earlier (players open later incidents themselves)", "incident", "aware_at")
    if scenario.roster is not None:
        problems += _roster_problems(scenario.roster, file=file)
    return problems


def _roster_problems(roster: Roster, *, file: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(message: str, field: str, where: str = "roster") -> None:
        problems.append(Problem(file, message, where=where, field=field))

    size = roster.size
    funding = roster.funding_mix
    if roster.funding and sum(funding.values()) != size:
        add(f"the counts add up to {sum(funding.values())}, not size = {size}", "funding")
    if roster.rag is not None and sum(roster.rag.values()) != size:
        add(f"red + amber + green is {sum(roster.rag.values())}, not size = {size}", "rag")
    if roster.fnc_total > size:
        add(f"{roster.fnc_total} is more than size = {size}", "fnc")
    if isinstance(roster.fnc, dict):
        for key, count in roster.fnc.items():
            if key == "nhs-chc":
                add("CHC people have no FNC: the NHS already pays for all their care", f"fnc.{key}")
            elif key not in funding:
                add(f"{key!r} is not a key of funding", f"fnc.{key}")
            elif count > funding[key]:
                add(f"{count} is more than the {funding[key]} people funded by {key}", f"fnc.{key}")
    chc_or_fnc = funding.get("nhs-chc", 0) + roster.fnc_total
    if sum(roster.icbs.values()) > chc_or_fnc:
        add(f"{sum(roster.icbs.values())} people with another ICB, but only {chc_or_fnc} are CHC or FNC", "icbs")
    elsewhere = sum(roster.elsewhere_total(k) for k in roster.lives_elsewhere)
    if roster.lives_elsewhere and roster.service not in _AT_HOME:
        add(f"is for care at home; a {roster.service.value} is one place (the home's site decides the duty)",
            "lives_elsewhere")
    if elsewhere > size:
        add(f"{elsewhere} people live elsewhere, more than size = {size}", "lives_elsewhere")
    for place, value in roster.lives_elsewhere.items():
        if isinstance(value, dict):
            for key, count in value.items():
                if key not in funding:
                    add(f"{key!r} is not a key of funding", f"lives_elsewhere.{place}.{key}")
                elif count > funding[key]:
                    add(f"{count} is more than the {funding[key]} people funded by {key}",
                        f"lives_elsewhere.{place}.{key}")
    if sum(roster.time_critical.values()) > size:
        add(f"{sum(roster.time_critical.values())} time-critical people, more than size = {size}", "time_critical")
    if roster.calls_per_day and sum(roster.calls_per_day.values()) != 100:
        add(f"the percentages add up to {sum(roster.calls_per_day.values())}, not 100", "calls_per_day")
    if roster.couples * 2 > size:
        add(f"{roster.couples} couples need {roster.couples * 2} people, more than size = {size}", "couples")
    for key in ("time_critical", "calls_per_day", "key_safe"):
        if getattr(roster, key) and roster.service not in _AT_HOME:
            add(f"is for care at home, not a {roster.service.value}", key)
    if len(roster.person) > size:
        add(f"{len(roster.person)} special cases, more than size = {size}", "person")
    for tag, count in Counter(p.tag for p in roster.person).items():
        if count > 1:
            add(f"the tag {tag!r} is used {count} times; each special case needs its own", "tag",
                f"roster person {tag!r}")
    for person in roster.person:
        if person.funding is not None and person.funding in FUNDING_KEYS and person.funding not in funding:
            add(f"{person.funding!r} is not in the roster's funding mix", "funding", f"roster person {person.tag!r}")
        if person.date_of_birth is not None:
            try:
                parse_uk_date(person.date_of_birth)
            except BadDate as exc:
                add(str(exc), "date_of_birth", f"roster person {person.tag!r}")
    missing_dob = sum(d.count for d in roster.defects if d.kind is DefectKind.MISSING_DOB)
    if missing_dob > size:
        add(f"missing-dob:{missing_dob} is more than size = {size}", "defects")
    return problems


_AT_HOME = frozenset({ServiceKind.HOME_CARE, ServiceKind.SUPPORTED_LIVING, ServiceKind.EXTRA_CARE,
                      ServiceKind.SHARED_LIVES})


# --- references: pure checks against lookups the service layer supplies ------------------------------------

Resolver = Callable[[str], Any]  # returns the thing, or raises LookupError with a message


def reference_problems(scenario: Scenario, *, file: str, authority: Resolver, icb: Resolver,
                       steps: Mapping[str, Iterable[str]], attachments: Iterable[str] = ()) -> list[Problem]:
    """Every authority and ICB name resolvable, every playbook and step reference real, every attached file
    present. `authority`/`icb` resolve a name or raise LookupError; `steps` maps playbook id -> step ids;
    `attachments` is the names of the files beside the scenario file."""
    problems: list[Problem] = []
    step_sets = {k: set(v) for k, v in steps.items()}

    def add(message: str, where: str | None, field: str | None) -> None:
        problems.append(Problem(file, message, where=where, field=field))

    def check(name: str, where: str | None, field: str, *, as_funding: bool = False) -> Any:
        try:
            return authority(name)
        except LookupError as exc:
            text = exc.args[0] if exc.args else f"{name!r} is not an authority"
            if as_funding:
                text = f"{name!r} is neither a funding key ({', '.join(FUNDING_KEYS)}) nor an authority: {text}"
            add(text, where, field)
            return None

    host = check(scenario.scenario.host_authority, "scenario", "host_authority")
    if host is not None and getattr(host, "nation", None) is not None and host.nation.value != "England":
        add(f"{host.nice_name} is in {host.nation.value}; the Care Act 2014 s.48 duty is an English council's, "
            "so the host must be an English council", "scenario", "host_authority")
    for playbook in scenario.scenario.playbooks:
        if playbook not in step_sets:
            add(f"{playbook!r} is not a loaded playbook ({', '.join(sorted(step_sets))})", "scenario", "playbooks")
    if scenario.incident is not None:
        check(scenario.incident.area, "incident", "area")
    roster = scenario.roster
    if roster is not None:
        for field, name in roster.authority_names():
            check(name, "roster", field, as_funding=field.startswith(("funding.", "fnc.")) or field.count(".") > 1)
        for name in roster.icbs:
            try:
                icb(name)
            except LookupError as exc:
                add(exc.args[0] if exc.args else f"{name!r} is not an ICB", "roster", f"icbs.{name}")
        for defect in roster.defects:
            if defect.kind is DefectKind.AUTHORITY_TYPO:
                try:
                    found = authority(defect.text)
                except LookupError:
                    continue
                add(f"authority-typo:{defect.text} resolves to {getattr(found, 'nice_name', found)}, so the "
                    "importer would not flag it; misspell it so it does not", "roster", "defects")
        for person in roster.person:
            where = f"roster person {person.tag!r}"
            if person.funding is not None and person.funding not in FUNDING_KEYS:
                check(person.funding, where, "funding", as_funding=True)
            if person.lives_in is not None:
                check(person.lives_in, where, "lives_in")
            if person.icb is not None:
                try:
                    icb(person.icb)
                except LookupError as exc:
                    add(exc.args[0] if exc.args else f"{person.icb!r} is not an ICB", where, "icb")
    present = set(attachments)
    for inject in scenario.injects:
        if inject.attachment not in (None, "roster") and inject.attachment not in present:
            add(f"{inject.attachment!r} is not a file beside the scenario file", f"inject {inject.id!r}",
                "attachment")
    for inject, expectation in scenario.all_expectations():
        where = (f"inject {inject.id!r} " if inject else "") + f"expectation {expectation.id!r}"
        when = expectation.when
        for key, ref in (("step", when.step), ("person_item", when.person_item)):
            if ref is None:
                continue
            if ref.playbook not in step_sets:
                add(f"{str(ref)!r}: {ref.playbook!r} is not a loaded playbook", where, f"when.{key}")
            elif ref.step not in step_sets[ref.playbook]:
                add(f"{str(ref)!r}: {ref.playbook} has no step {ref.step!r}", where, f"when.{key}")
        letter = when.letter
        if letter is not None and letter.body and not letter.any_body:
            resolver = authority if letter.to is LetterTo.LA else icb
            try:
                resolver(letter.body)
            except LookupError as exc:
                add(exc.args[0] if exc.args else f"{letter.body!r} is not known", where, "when.letter")
    return problems
