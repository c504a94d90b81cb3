"""Placements and moves: what an offer of a bed or care hours is, which offers suit a person, and the move
checklist. Pure: no I/O, no clock (every function is given "now").

Sources: brief section 8 ("Care home closure", "Moving day"), rule 15 (IMCA), rule 30 (pence);
*Managing care home closures* (CQC, NHSE, ADASS, LGA, CPA 2016); SCIE, *Short-notice care home closures*
(allocation must be defensible; interim placements allowed while a first choice is awaited).
Nearness uses postcode sectors, districts and councils only: the shipped postcode data has no coordinates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from contingency.models import ServiceKind
from contingency.person import Funding, PersonFacts
from contingency.rules.costs import format_pounds
from contingency.rules.geography import Geography, postcode_sector
from contingency.rules.times import format_local

# --- offers ----------------------------------------------------------------------------------------------


class CareType(StrEnum):
    RESIDENTIAL = "residential"
    NURSING = "nursing"
    DEMENTIA = "dementia"
    BARIATRIC = "bariatric"
    HOME_CARE = "home-care"  # hours of care at home, not a bed


BED_TYPES = frozenset({CareType.RESIDENTIAL, CareType.NURSING, CareType.DEMENTIA, CareType.BARIATRIC})

# How lists and officers write the types.
CARE_TYPE_WORDS: dict[str, CareType] = {
    **{t.value: t for t in CareType},
    **dict.fromkeys(["res", "residential care", "care home", "personal care"], CareType.RESIDENTIAL),
    **dict.fromkeys(["nurs", "nursing care", "nursing home", "with nursing", "en"], CareType.NURSING),
    **dict.fromkeys(["emi", "dementia care", "memory care", "edc"], CareType.DEMENTIA),
    **dict.fromkeys(["bariatric bed", "bariatric care"], CareType.BARIATRIC),
    **dict.fromkeys(["home care", "homecare", "domiciliary", "dom care", "hours", "care hours"], CareType.HOME_CARE),
}


class Gender(StrEnum):
    ANY = "any"
    FEMALE = "female"
    MALE = "male"


GENDER_WORDS: dict[str, Gender] = {
    **dict.fromkeys(["", "any", "none", "mixed", "either", "no restriction", "n/a"], Gender.ANY),
    **dict.fromkeys(["female", "f", "women", "woman", "female only", "women only", "ladies"], Gender.FEMALE),
    **dict.fromkeys(["male", "m", "men", "man", "male only", "men only", "gentlemen"], Gender.MALE),
}


def parse_care_types(text: str) -> frozenset[CareType]:
    """'Nursing, dementia' or 'EMI/nursing' -> {nursing, dementia}; ValueError naming what was not read."""
    words = [w.strip().lower() for w in text.replace("/", ",").replace(";", ",").replace("+", ",").split(",")]
    words = [w for w in words if w]
    if not words:
        raise ValueError("give the type: residential, nursing, dementia, bariatric or home-care")
    found, unknown = set(), []
    for word in words:
        kind = CARE_TYPE_WORDS.get(word)
        if kind is None:
            unknown.append(word)
        else:
            found.add(kind)
    if unknown:
        raise ValueError(f"{', '.join(repr(w) for w in unknown)} is not one of: residential, nursing, "
                         "dementia, bariatric, home-care")
    if CareType.HOME_CARE in found and found & BED_TYPES:
        raise ValueError("an offer is either beds (residential, nursing, dementia, bariatric) or home-care hours, "
                         "not both: record them as two offers")
    return frozenset(found)


def parse_gender(text: str) -> Gender:
    gender = GENDER_WORDS.get(text.strip().lower())
    if gender is None:
        raise ValueError(f"gender restriction {text.strip()!r} is not one of: any, female, male")
    return gender


@dataclass(frozen=True)
class Vacancy:
    id: int
    provider: str
    care_types: frozenset[CareType]
    location: str = ""
    postcode: str = ""
    gender: Gender = Gender.ANY
    places: int = 1  # beds, or hours a week for home care
    weekly_rate_pence: int | None = None
    available_from: datetime | None = None
    held_until: datetime | None = None
    contact: str = ""
    notes: str = ""
    source: str = ""
    incident_id: int | None = None
    created_by: str = ""
    created_at: datetime | None = None

    @property
    def is_home_care(self) -> bool:
        return CareType.HOME_CARE in self.care_types

    @property
    def home_key(self) -> tuple[str, str]:
        """Two offers with this key are the same home (a couple offered two rooms there stays together)."""
        return (" ".join(self.provider.casefold().split()), (self.postcode or "").replace(" ", "").upper())

    @property
    def types_words(self) -> str:
        return ", ".join(t.value for t in CareType if t in self.care_types)

    @property
    def places_words(self) -> str:
        return f"{self.places} h/wk" if self.is_home_care else f"{self.places} bed{'s' if self.places != 1 else ''}"


def is_expired(vacancy: Vacancy, now: datetime) -> bool:
    return vacancy.held_until is not None and vacancy.held_until <= now


def offer_words(vacancy: Vacancy, now: datetime) -> str:
    """How long the offer stands, in words: 'EXPIRED 23/11/2026 18:00', 'held until 18:00', 'from 25/11/2026 09:00'."""
    if is_expired(vacancy, now):
        assert vacancy.held_until is not None
        return f"EXPIRED {format_local(vacancy.held_until, now=now)}"
    parts = []
    if vacancy.available_from is not None and vacancy.available_from > now:
        parts.append(f"from {format_local(vacancy.available_from, now=now)}")
    if vacancy.held_until is not None:
        parts.append(f"held until {format_local(vacancy.held_until, now=now)}")
    return ", ".join(parts) or "open (no hold time given)"


# --- the person's side -----------------------------------------------------------------------------------

_DEMENTIA_WORDS = ("dementia", "alzheimer", "memory loss", "emi")
_BARIATRIC_WORDS = ("bariatric",)


def needs_of(facts: PersonFacts) -> frozenset[CareType]:
    """What kind of place the person needs, from their record: nursing if they were in nursing care or have
    NHS-funded nursing (FNC or CHC); dementia or bariatric if the needs recorded before the failure say so
    (brief rule 13); home care if they had care at home. Residential otherwise."""
    if facts.service_kind in (ServiceKind.HOME_CARE, ServiceKind.SUPPORTED_LIVING, ServiceKind.EXTRA_CARE):
        return frozenset({CareType.HOME_CARE})
    needs = {CareType.RESIDENTIAL}
    if (facts.service_kind is ServiceKind.CARE_HOME_NURSING or facts.fnc or facts.nursing_arranged_urgently
            or facts.funding in (Funding.FNC, Funding.NHS_CHC)):
        needs.add(CareType.NURSING)
    words = f"{facts.needs_snapshot} {facts.rag_reason}".casefold()
    if any(w in words for w in _DEMENTIA_WORDS):
        needs.add(CareType.DEMENTIA)
    if any(w in words for w in _BARIATRIC_WORDS):
        needs.add(CareType.BARIATRIC)
    return frozenset(needs)


def lacks_capacity_with_nobody_to_consult(facts: PersonFacts) -> bool:
    """Brief rule 15 (Mental Capacity Act 2005 ss.38-39): capacity in doubt and nobody recorded to consult."""
    return facts.capacity_concern and not facts.nominee_name.strip()


@dataclass(frozen=True)
class Seeker:
    """A person looking for a place, as the ranking needs them."""

    person_id: int
    name: str
    needs: frozenset[CareType]
    postcodes: tuple[str, ...] = ()  # the current home, then the family's
    sex: str | None = None  # 'female', 'male' or None (not recorded)
    funding: Funding = Funding.UNKNOWN
    current_weekly_pence: int | None = None  # what was paid for the care before the failure
    partner_name: str = ""
    shares_room: bool = False
    partner_home: tuple[str, str] | None = None  # where the partner's move is decided to, if it is
    friends_moving: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # home -> friends


class Nearness(IntEnum):
    SECTOR = 0
    DISTRICT = 1
    COUNCIL = 2
    FURTHER = 3
    UNKNOWN = 4

    @property
    def words(self) -> str:
        return {Nearness.SECTOR: "same sector", Nearness.DISTRICT: "same district",
                Nearness.COUNCIL: "same council", Nearness.FURTHER: "another council",
                Nearness.UNKNOWN: "distance unknown"}[self]


def _district(sector: str) -> str:
    return sector.split(" ")[0]


def _councils(sector: str, geography: Geography) -> set[str]:
    return {s.la_gss_code for s in geography.sector_shares(sector)}


def nearness(a: str, b: str, geography: Geography) -> Nearness:
    """Same postcode sector, then district, then council (any council the two sectors share)."""
    sa, sb = postcode_sector(a), postcode_sector(b)
    if sa is None or sb is None:
        return Nearness.UNKNOWN
    if sa == sb:
        return Nearness.SECTOR
    if _district(sa) == _district(sb):
        return Nearness.DISTRICT
    ca, cb = _councils(sa, geography), _councils(sb, geography)
    if not ca or not cb:
        return Nearness.UNKNOWN
    return Nearness.COUNCIL if ca & cb else Nearness.FURTHER


# --- matching --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    vacancy: Vacancy
    nearness: Nearness
    near_to: str  # "home" or "family"
    flags: tuple[str, ...]
    top_up_pence: int | None  # the offer's rate above what was paid before, when it is above
    places_left: int
    together: bool = False  # the partner is moving to this home, or it has room for both

    @property
    def words(self) -> str:
        near = self.nearness.words + (f" ({self.near_to})" if self.nearness < Nearness.UNKNOWN else "")
        return "; ".join((near, *self.flags))


@dataclass(frozen=True)
class Unsuitable:
    vacancy: Vacancy
    reason: str


def top_up_question(seeker: Seeker, rate: int | None) -> tuple[int | None, str | None]:
    """Whether the offer's weekly rate raises a top-up question, and the words for it.

    Above what was paid before the failure, a council-arranged place needs someone to say who pays the
    difference (a third-party top-up is the person's choice, never a condition: Care and Support and
    Aftercare (Choice of Accommodation) Regulations 2014 (SI 2014/2670); brief section 8) [verify locally]."""
    if rate is None:
        return None, "rate not given: ask"
    if seeker.funding is Funding.NHS_CHC:
        return None, None  # the ICB sets the rate for CHC; no top-up question for the council
    if seeker.current_weekly_pence is None:
        return None, "rate to compare: what was paid before is not recorded"
    above = rate - seeker.current_weekly_pence
    if above <= 0:
        return None, None
    if seeker.funding is Funding.SELF_FUNDED:
        return above, f"{format_pounds(above)}/wk above the old rate: agree with the person"
    return above, f"TOP-UP QUESTION: {format_pounds(above)}/wk above the old rate"


def rank_vacancies(seeker: Seeker, vacancies: Iterable[Vacancy], *, taken: Mapping[int, int], now: datetime,
                   geography: Geography) -> tuple[list[Match], list[Unsuitable]]:
    """Offers that suit the person, best first, and those that do not with the reason.

    Suitable: not expired, a place left, the right kind (beds for a resident, hours for care at home), every
    need covered (nursing, dementia, bariatric), and no gender restriction that rules the person out. Best
    first: where the partner is going (or room for both), then the nearest to the current home or the family
    (sector, district, council), then no top-up question, friends from the same home, available sooner,
    cheaper, and the oldest offer. `taken` counts places already promised by decided moves, by vacancy id."""
    matches: list[tuple[tuple, Match]] = []
    unsuitable: list[Unsuitable] = []
    wants_home_care = CareType.HOME_CARE in seeker.needs
    for vacancy in vacancies:
        left = vacancy.places - taken.get(vacancy.id, 0)
        reason = None
        if is_expired(vacancy, now):
            reason = offer_words(vacancy, now)
        elif left <= 0 and not vacancy.is_home_care:
            reason = "no place left: every place is promised to a decided move"
        elif wants_home_care != vacancy.is_home_care:
            reason = "home-care hours, not a bed" if vacancy.is_home_care else "a bed, not care at home"
        else:
            missing = [n for n in (CareType.NURSING, CareType.DEMENTIA, CareType.BARIATRIC)
                       if n in seeker.needs and n not in vacancy.care_types]
            if missing:
                reason = f"needs {', '.join(m.value for m in missing)} care, which this offer does not give"
            elif vacancy.gender is not Gender.ANY and seeker.sex and seeker.sex != vacancy.gender.value:
                reason = f"{vacancy.gender.value} only"
        if reason is not None:
            unsuitable.append(Unsuitable(vacancy, reason))
            continue
        near, near_to = Nearness.UNKNOWN, "home"
        for index, postcode in enumerate(seeker.postcodes):
            found = nearness(postcode, vacancy.postcode, geography)
            if found < near:
                near, near_to = found, "home" if index == 0 else "family"
        flags: list[str] = []
        together = False
        if seeker.partner_name:
            if seeker.partner_home is not None and seeker.partner_home == vacancy.home_key:
                together = True
                flags.append(f"{seeker.partner_name} (partner) moving here")
            elif seeker.partner_home is None and left >= 2:
                together = True
                flags.append(f"room for {seeker.partner_name} (partner) too")
            elif seeker.shares_room:
                flags.append(f"SPLITS the couple from {seeker.partner_name}: a decision must say why")
        friends = seeker.friends_moving.get(vacancy.home_key, ())
        if friends:
            flags.append(f"friend{'s' if len(friends) > 1 else ''} moving here: {', '.join(friends)}")
        top_up, money_words = top_up_question(seeker, vacancy.weekly_rate_pence)
        if money_words:
            flags.append(money_words)
        if vacancy.gender is not Gender.ANY and not seeker.sex:
            flags.append(f"{vacancy.gender.value} only: check")
        if vacancy.available_from is not None and vacancy.available_from > now:
            flags.append(f"from {format_local(vacancy.available_from, now=now)}")
        ready = vacancy.available_from if vacancy.available_from and vacancy.available_from > now else now
        key = (not together, int(near), top_up is not None, not friends, ready,
               vacancy.weekly_rate_pence if vacancy.weekly_rate_pence is not None else 10**12, vacancy.id)
        matches.append((key, Match(vacancy, near, near_to, tuple(flags), top_up, left, together)))
    matches.sort(key=lambda pair: pair[0])
    return [m for _, m in matches], unsuitable


# --- the move checklist ----------------------------------------------------------------------------------


class Anchor(StrEnum):
    DECIDED = "decided"  # counted from when the move was decided
    ARRIVAL = "arrival"  # counted from when arrival was confirmed


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str  # 60 characters at most: it is a row at 80 columns
    due_after: timedelta
    citation: str
    anchor: Anchor = Anchor.DECIDED
    before_move: bool = True  # done before the person leaves: these together complete "prepare-move"
    only_if_imca: bool = False  # brief rule 15: only where the person lacks capacity with nobody to consult


_MOVING_DAY = "brief section 8 (moving day); Managing care home closures (2016)"

CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("imca", "IMCA instructed (lacks capacity, nobody to consult)", timedelta(hours=24),
                  "Mental Capacity Act 2005 ss.38-39; brief rule 15", only_if_imca=True),
    ChecklistItem("medicines", "Medicines and MAR chart transferred", timedelta(hours=24),
                  f"{_MOVING_DAY}: medicines, MAR chart and prescription route"),
    ChecklistItem("care-plan", "Care plan and risk assessments sent", timedelta(hours=24),
                  f"{_MOVING_DAY}: care plan, risk assessments"),
    ChecklistItem("dols", "DoLS: new home asked to apply for its own", timedelta(hours=48),
                  "Mental Capacity Act 2005 Sch A1; brief section 8 (a DoLS authorisation names the home)"),
    ChecklistItem("lpa-deputy", "LPA attorney or deputy informed", timedelta(hours=24),
                  "Mental Capacity Act 2005 ss.9-10, 16; brief section 10"),
    ChecklistItem("dnacpr", "DNACPR and ReSPECT forms travel with the person", timedelta(hours=24),
                  f"{_MOVING_DAY}: DNACPR/ReSPECT, advance decisions"),
    ChecklistItem("belongings", "Belongings inventoried, signed by two people", timedelta(hours=24),
                  f"{_MOVING_DAY}: belongings inventory signed by two people"),
    ChecklistItem("money", "The person's money reconciled and signed for", timedelta(hours=48),
                  f"{_MOVING_DAY}: resident money held by the home reconciled"),
    ChecklistItem("equipment", "Equipment goes or is ready (mattress, sling)", timedelta(hours=24),
                  f"{_MOVING_DAY}: equipment (mattress, sling)"),
    ChecklistItem("gp-pharmacy", "GP and pharmacy told", timedelta(hours=48),
                  f"{_MOVING_DAY}: GP, pharmacy told"),
    ChecklistItem("told", "Next of kin, home authority and advocate told", timedelta(hours=24),
                  f"{_MOVING_DAY}: family, advocate and home authority told; Care Act 2014 s.52(4)-(6)"),
    ChecklistItem("transport", "Transport booked with a familiar escort", timedelta(hours=24),
                  f"{_MOVING_DAY}: suitable transport and a familiar escort"),
    ChecklistItem("arrival", "Arrival confirmed by the new home", timedelta(hours=48),
                  f"{_MOVING_DAY}; playbook step confirm-arrival", before_move=False),
    ChecklistItem("review-72h", "72-hour review after the move", timedelta(hours=72),
                  f"{_MOVING_DAY}: welfare review after the move; Care Act 2014 s.42",
                  anchor=Anchor.ARRIVAL, before_move=False),
)
CHECKLIST_KEYS = {item.key: item for item in CHECKLIST}
ARRIVAL, REVIEW = "arrival", "review-72h"


def checklist_for(facts: PersonFacts) -> tuple[ChecklistItem, ...]:
    """The items for this person's move: every item, and the IMCA item only where rule 15 asks for it."""
    imca = lacks_capacity_with_nobody_to_consult(facts)
    return tuple(item for item in CHECKLIST if imca or not item.only_if_imca)


def item_due(item: ChecklistItem, decided_at: datetime, arrived_at: datetime | None) -> datetime | None:
    """When an item is due; an item counted from arrival has no due time until arrival is confirmed."""
    if item.anchor is Anchor.ARRIVAL:
        return arrived_at + item.due_after if arrived_at is not None else None
    return decided_at + item.due_after


# --- records of moves ------------------------------------------------------------------------------------


class ItemState(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_APPLICABLE = "not-applicable"

    @property
    def label(self) -> str:
        return {ItemState.OPEN: "to do", ItemState.DONE: "DONE", ItemState.NOT_APPLICABLE: "N/A"}[self]


@dataclass(frozen=True)
class Move:
    id: int
    incident_id: int
    person_id: int
    vacancy_id: int
    decision_id: int
    decided_at: datetime
    status: str = "planned"
    superseded_by: int | None = None


@dataclass(frozen=True)
class MoveItem:
    id: int
    move_id: int
    key: str
    position: int
    state: ItemState
    note: str = ""
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def rule(self) -> ChecklistItem:
        return CHECKLIST_KEYS[self.key]
