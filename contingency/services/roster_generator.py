"""The exercise roster: a realistic provider list made from a scenario's [roster], the same seed giving the
same people (design/exercises.md section 2).

Two copies come out. The FILE copy is what the provider sends: its own messy headers (or the app's template),
with the listed defects (a staff row, duplicates, missing dates of birth, misspelt councils, a resident known
only by room). The TRUE copy is the facilitator's: who each person really is, who really pays, where they
really live. Defects spoil the file only, never the true copy.

Synthetic identities only: NHS numbers in 999 000 0000-999 999 9999 with a valid Modulus 11 check digit,
Ofcom drama numbers 07700 900xxx, `.invalid` e-mail addresses. No store writes: the reference data comes in
as an argument (services.scenarios.reference()), and the only file written is the one asked for.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from contingency.models import Authority, Nation, ServiceKind
from contingency.person import Funding
from contingency.rules.columns import CANONICAL, MORE_FIELDS
from contingency.rules.identifiers import format_nhs_number, nhs_check_digit
from contingency.rules.safe_text import csv_cell, csv_row
from contingency.rules.scenario import (
    FUNDING_KEYS,
    DefectKind,
    Roster,
    RosterPerson,
    tag_reference,
)
from contingency.rules.times import LONDON, format_uk_date, parse_uk_date
from contingency.services.scenarios import Reference
from contingency.store.files import ensure_private_dir, new_private_file

VISIT_TIMES_HEADER = "Visit times"
STAFF_ROW_TEXT = "Staff on duty tonight: 4 (2 agency)"

_AT_HOME = frozenset({ServiceKind.HOME_CARE, ServiceKind.SUPPORTED_LIVING, ServiceKind.EXTRA_CARE,
                      ServiceKind.SHARED_LIVES})
_FIRST = ["Ada", "Agnes", "Albert", "Alfred", "Alice", "Arthur", "Audrey", "Barbara", "Beryl", "Bernard", "Betty", "Brenda", "Cecil", "Clara", "Colin", "Cyril", "Dennis", "Doreen", "Dorothy", "Douglas", "Edith", "Edna", "Eileen", "Elsie", "Ernest", "Ethel", "Eric", "Florence", "Frank", "Freda", "Geoffrey", "Gladys", "Gordon", "Gwen", "Harold", "Hazel", "Henry", "Hilda", "Ida", "Irene", "Ivy", "Jack", "Jean", "Joan", "John", "Joyce", "Kathleen", "Kenneth", "Leonard", "Lilian", "Mabel", "Margaret", "Marjorie", "Maureen", "Mavis", "Norman", "Olive", "Patricia", "Peggy", "Percy", "Phyllis", "Ralph", "Raymond", "Reginald", "Rita", "Ronald", "Rose", "Sidney", "Stanley", "Sylvia", "Thomas", "Vera", "Violet", "Walter", "Wilfred", "Winifred"]
_LAST = ["Ashdown", "Barlowe", "Beckwith", "Birchall", "Blakemore", "Brackley", "Bramhall", "Callow", "Carrow", "Chalcott", "Copeland", "Crossley", "Dallimore", "Denholm", "Dunmore", "Eastwood", "Ellery", "Fairbrother", "Farrow", "Fenwick", "Garside", "Gilmore", "Greaves", "Hallam", "Hambleton", "Harrop", "Hartwell", "Haslam", "Heywood", "Holloway", "Horsfall", "Ingram", "Kershaw", "Kilburn", "Lambourne", "Latimer", "Lomas", "Lowther", "Marchbank", "Mellor", "Midgley", "Mossop", "Nettleton", "Oakley", "Ollerton", "Padgett", "Pemberton", "Pickles", "Quarmby", "Ramsden", "Redfern", "Ridgway", "Rowbotham", "Sagar", "Shackleton", "Shepley", "Sowerby", "Stansfield", "Sugden", "Tattersall", "Thwaite", "Tillotson", "Umpleby", "Varley", "Wadsworth", "Walmsley", "Whiteley", "Wilkinshaw", "Woodhead", "Yeadon"]
_STREETS = ["Oak Road", "Elm Grove", "Station Street", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road", "Albert Street", "Meadow Close", "Orchard Way", "The Crescent", "Beech Drive", "Holly Bank", "Queens Road", "Willow Walk"]
_RELATIONS = ("son", "daughter", "niece", "nephew", "friend", "granddaughter", "grandson")
_NEEDS_HOME = ("Nursing care; pressure area care; hoist for transfers", "Dementia; help with all personal care",
               "Nursing care; PEG feed", "Falls risk; help with washing and dressing", "Nursing care; diabetes",
               "Stroke; two carers for transfers", "End of life care", "Parkinson's; help with medication")
_NEEDS_HOME_CARE = ("Help with washing and dressing", "Meal preparation and medication prompts",
                    "Two carers: hoist transfers", "Help to get up and go to bed", "Medication and continence care",
                    "Shopping, meals and a welfare check", "Dementia: prompts and company")
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
_TIME_CRITICAL = {"insulin": "Insulin", "parkinsons": "Parkinson's medication", "end_of_life": "End of life care"}
_CALL_PATTERNS = {1: (("08:00",), ("09:00",)), 2: (("08:00", "18:00"), ("07:30", "17:30")),
                  3: (("07:30", "12:30", "17:30"), ("08:00", "13:00", "18:00")),
                  4: (("07:30", "12:00", "17:00", "21:00"), ("08:00", "12:30", "17:30", "21:30")),
                  5: (("07:00", "10:00", "13:00", "17:00", "21:00"),),
                  6: (("07:00", "09:30", "12:30", "15:30", "18:00", "21:30"),)}


class RosterError(ValueError):
    """The roster cannot be made as described (e.g. a special case wants a funding the mix lacks)."""


@dataclass
class TruePerson:
    """One person as the facilitator knows them (the true copy)."""

    ref: str
    tag: str | None
    first_name: str
    last_name: str
    date_of_birth: str  # dd/mm/yyyy
    nhs_number: str
    funding_key: str  # as the scenario wrote it: a funding key, or the funding authority's code
    funding: str  # the app's funding vocabulary
    funding_body: str | None  # authority code that places or pays, if any
    ordinary_residence: str | None  # authority code
    lives_in: str  # authority code: where the care is delivered
    address: str = ""
    postcode: str = ""
    icb: str | None = None  # ODS code, for CHC / FNC / joint
    fnc: bool = False
    rag: str | None = None
    rag_reason: str = ""
    capacity_concern: bool = False
    time_critical: str | None = None
    calls_per_day: int | None = None
    visit_times: str = ""
    key_safe: str | None = None
    needs: str = ""
    next_of_kin: str = ""
    relationship: str = ""
    phone: str = ""
    email: str = ""
    couple_with: str | None = None
    notes: str = ""
    in_file: list[str] = field(default_factory=list)  # how the file copy differs ("dob missing", ...)


@dataclass(frozen=True)
class GeneratedRoster:
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]  # the FILE copy's data rows (with the defects)
    people: tuple[TruePerson, ...]  # the TRUE copy
    above: tuple[str, ...] = ()  # lines above the header row (a provider's title)
    merged: int = 0  # rows the import should merge (duplicates)
    rejected: int = 0  # rows the import should reject (staff rows)

    @property
    def data_rows(self) -> int:
        return len(self.rows)

    def true_copy(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.people]

    def expected_import(self) -> dict[str, int]:
        """What the normal import should report: rows in = imported + merged + rejected."""
        return {"data_rows": self.data_rows, "imported": len(self.people), "merged": self.merged,
                "rejected": self.rejected}


# --- making the people -----------------------------------------------------------------------------------------

def generate(roster: Roster, *, host: Authority, ref: Reference, startex: date,
             provider: str = "") -> GeneratedRoster:
    """The roster for a scenario: deterministic for its seed (and the same reference data)."""
    rng = random.Random(roster.seed)
    size = roster.size
    at_home = roster.service in _AT_HOME

    def resolve(name: str) -> Authority:
        try:
            return ref.authorities.resolve(name)
        except LookupError as exc:
            raise RosterError(str(exc)) from None

    def funding_key(name: str) -> str:
        if name in FUNDING_KEYS:
            return name
        found = resolve(name)
        return "own-council" if found.code == host.code else found.code

    slots = [funding_key(k) for k, n in roster.funding_mix.items() for _ in range(n)]
    rng.shuffle(slots)
    people: list[dict[str, Any]] = [{"funding_key": key} for key in slots]
    free = set(range(size))
    special: dict[int, RosterPerson] = {}
    for person in roster.person:
        wanted = funding_key(person.funding) if person.funding else None
        pool = sorted(i for i in free if wanted is None or people[i]["funding_key"] == wanted)
        if not pool:
            raise RosterError(f"roster person {person.tag!r}: no one left in the funding mix with {person.funding!r}")
        index = rng.choice(pool)
        free.discard(index)
        special[index] = person

    def pick(count: int, pool: list[int], what: str, taken: set[int]) -> list[int]:
        pool = [i for i in pool if i not in taken]
        if count > len(pool):
            raise RosterError(f"{what}: {count} wanted but only {len(pool)} people fit")
        chosen = rng.sample(sorted(pool), count)
        taken.update(chosen)
        return chosen

    def pinned(attribute: str) -> dict[int, Any]:
        return {i: getattr(p, attribute) for i, p in special.items() if getattr(p, attribute) is not None}

    # FNC: among anyone not CHC-funded, or split by funding; special cases pinned.
    fixed = pinned("fnc")
    fnc_taken = set(fixed)
    fnc_people = {i for i, v in fixed.items() if v}
    not_chc = [i for i in range(size) if people[i]["funding_key"] != "nhs-chc"]
    if isinstance(roster.fnc, int):
        fnc_people |= set(pick(max(0, roster.fnc - len(fnc_people)), not_chc, "fnc", fnc_taken))
    else:
        for key, count in roster.fnc.items():
            key = funding_key(key)
            already = sum(1 for i in fnc_people if people[i]["funding_key"] == key)
            pool = [i for i in not_chc if people[i]["funding_key"] == key]
            fnc_people |= set(pick(max(0, count - already), pool, f"fnc.{key}", fnc_taken))
    for i in range(size):
        people[i]["fnc"] = i in fnc_people

    # ICBs: the host's main ICB unless placed with another (CHC first, then FNC).
    host_icb = ref.main_icb(host)
    health = [i for i in range(size) if people[i]["funding_key"] in ("nhs-chc", "joint") or people[i]["fnc"]]
    for i in health:
        people[i]["icb"] = host_icb.ods_code if host_icb else None
    icb_taken: set[int] = set()
    for i, name in pinned("icb").items():
        people[i]["icb"] = ref.icbs.resolve(name).ods_code
        icb_taken.add(i)
    chc_first = sorted(health, key=lambda i: (people[i]["funding_key"] != "nhs-chc", i))
    for name, count in roster.icbs.items():
        other = ref.icbs.resolve(name)
        count -= sum(1 for i in icb_taken if people[i]["icb"] == other.ods_code)  # special cases count
        pool = [i for i in chc_first if i not in icb_taken]
        if count > len(pool):
            raise RosterError(f"icbs.{name}: {count} wanted but only {len(pool)} CHC or FNC people")
        for i in pool[:max(0, count)]:  # CHC first, as the file says
            people[i]["icb"] = other.ods_code
            icb_taken.add(i)

    # Where they live: the home's site for a care home; for care at home, some live across the border.
    for i in range(size):
        people[i]["lives_in"] = host
    lives_taken: set[int] = set()
    for i, name in pinned("lives_in").items():
        people[i]["lives_in"] = resolve(name)
        lives_taken.add(i)
    for place, value in roster.lives_elsewhere.items():
        where = resolve(place)
        already = sum(1 for i in lives_taken if people[i]["lives_in"].code == where.code)
        if isinstance(value, int):
            chosen = pick(max(0, value - already), list(range(size)), f"lives_elsewhere.{place}", lives_taken)
        else:
            chosen = []
            for key, count in value.items():
                key = funding_key(key)
                pool = [i for i in range(size) if people[i]["funding_key"] == key]
                already = sum(1 for i in lives_taken if people[i]["lives_in"].code == where.code
                              and people[i]["funding_key"] == key)
                chosen += pick(max(0, count - already), pool, f"lives_elsewhere.{place}.{key}", lives_taken)
        for i in chosen:
            people[i]["lives_in"] = where

    # RAG: the counts given, special cases taking theirs from the pool.
    ratings: list[str | None] = [None] * size
    if roster.rag is not None:
        pool = [colour.upper() for colour, n in roster.rag.items() for _ in range(n)]
        for i, rag in pinned("rag").items():
            if rag.value not in pool:
                raise RosterError(f"roster person {special[i].tag!r}: no {rag.value} left in the rag counts")
            pool.remove(rag.value)
            ratings[i] = rag.value
        rng.shuffle(pool)
        for i in range(size):
            if ratings[i] is None and pool:
                ratings[i] = pool.pop()
    else:
        for i, rag in pinned("rag").items():
            ratings[i] = rag.value

    capacity = {i for i, v in pinned("capacity_concern").items() if v}
    capacity_taken = set(pinned("capacity_concern"))
    capacity |= set(pick(max(0, round(size * roster.capacity_concern / 100) - len(capacity)), list(range(size)),
                         "capacity_concern", capacity_taken))

    critical: dict[int, str] = dict(pinned("time_critical"))
    critical_taken = set(critical)
    for kind, count in roster.time_critical.items():
        already = sum(1 for v in critical.values() if v == kind)
        for i in pick(max(0, count - already), list(range(size)), f"time_critical.{kind}", critical_taken):
            critical[i] = kind

    calls: dict[int, int] = {}
    if roster.calls_per_day:
        counts = _largest_remainder(roster.calls_per_day, size)
        pool = [n for n, c in counts.items() for _ in range(c)]
        rng.shuffle(pool)
        calls = dict(enumerate(pool))

    key_safes = set(rng.sample(range(size), round(size * roster.key_safe / 100))) if roster.key_safe else set()

    # Identities, addresses, next of kin.
    nhs_seen: set[str] = set()
    phones = rng.sample(range(1000), min(size, 1000))
    result: list[TruePerson] = []
    prefix = "".join(w[0] for w in (provider or "Provider").split()[:2]).upper() or "P"
    for i in range(size):
        p = people[i]
        person = special.get(i)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        age = rng.randint(68, 101) if not at_home else rng.randint(45, 99)
        born = _birthday(startex, age, rng)
        nhs = _nhs_number(rng, nhs_seen)
        lives: Authority = p["lives_in"]
        key = p["funding_key"]
        funding, body, residence = _funding_truth(key, host, ref)
        address, postcode = _address(i, lives, ref, rng, at_home)
        nok_first, nok_rel = rng.choice(_FIRST), rng.choice(_RELATIONS)
        has_nok = rng.random() > 0.1
        phone = f"07700 900{phones[i % len(phones)]:03d}"
        needs_pool = _NEEDS_HOME_CARE if at_home else _NEEDS_HOME
        needs = rng.choice(needs_pool)
        kind = critical.get(i)
        visit_times = ""
        per_day = calls.get(i) if at_home else None
        if at_home:
            per_day = per_day or (3 if kind else None)
            if per_day:
                visit_times = "; ".join(rng.choice(_CALL_PATTERNS[per_day]))
        if kind:
            first_visit = visit_times.split("; ")[0] if visit_times else "07:30"
            needs = f"{needs}; {_TIME_CRITICAL[kind]} {first_visit}" if at_home else f"{needs}; {_TIME_CRITICAL[kind]}"
        key_safe = None
        if i in key_safes:
            key_safe = f"{rng.randint(0, 9999):04d}" if rng.random() > 0.2 else "ask family"
        rag = ratings[i]
        true = TruePerson(
            ref=tag_reference(person.tag) if person else f"{prefix}{i + 1:03d}",
            tag=person.tag if person else None,
            first_name=first, last_name=last, date_of_birth=format_uk_date(born),
            nhs_number=format_nhs_number(nhs), funding_key=key, funding=funding.value, funding_body=body,
            ordinary_residence=residence, lives_in=lives.code, address=address, postcode=postcode,
            icb=p.get("icb"), fnc=p["fnc"], rag=rag, rag_reason=_rag_reason(rag, needs) if rag else "",
            capacity_concern=i in capacity, time_critical=kind, calls_per_day=per_day, visit_times=visit_times,
            key_safe=key_safe, needs=needs,
            next_of_kin=f"{nok_first} {last}" if has_nok else "", relationship=nok_rel if has_nok else "",
            phone=phone if has_nok else "",
            email=f"{nok_first.lower()}.{last.lower()}@family.invalid" if has_nok and rng.random() > 0.4 else "",
        )
        if person is not None:
            true = _apply_special(true, person)
        result.append(true)

    _pair_couples(result, roster.couples, rng, at_home, special_rows=set(special))
    return _file_copy(roster, result, host=host, ref=ref, rng=rng, provider=provider)


def _largest_remainder(percent: dict[int, int], size: int) -> dict[int, int]:
    exact = {k: size * v / 100 for k, v in percent.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: (-(exact[k] - counts[k]), k))[: size - sum(counts.values())]:
        counts[k] += 1
    return counts


def _birthday(startex: date, age: int, rng: random.Random) -> date:
    year = startex.year - age - 1
    return date(year, 1, 1) + timedelta(days=rng.randint(0, 364))


def _nhs_number(rng: random.Random, seen: set[str]) -> str:
    """A 999-range NHS number (never issued) with a valid Modulus 11 check digit."""
    while True:
        body = str(rng.randint(999_000_000, 999_999_999))
        check = nhs_check_digit(body)
        if check is None:
            continue
        digits = body + check
        if digits not in seen:
            seen.add(digits)
            return digits


def _funding_truth(key: str, host: Authority, ref: Reference) -> tuple[Funding, str | None, str | None]:
    """(the app's funding kind, the body that places or pays, ordinary residence) for a funding key."""
    if key in ("own-council", "direct-payment", "s117", "joint"):
        funding = {"own-council": Funding.OWN_COUNCIL, "direct-payment": Funding.DIRECT_PAYMENT,
                   "s117": Funding.S117, "joint": Funding.JOINT}[key]
        return funding, host.code, host.code
    if key in ("self-funded", "nhs-chc", "unknown"):
        return Funding(key), None, None
    body = ref.authorities.resolve(key)
    kind = {Nation.ENGLAND: Funding.OTHER_ENGLISH_COUNCIL, Nation.WALES: Funding.WELSH_COUNCIL,
            Nation.SCOTLAND: Funding.SCOTTISH_COUNCIL, Nation.NORTHERN_IRELAND: Funding.NI_TRUST}[body.nation]
    return kind, body.code, body.code


def _address(index: int, lives: Authority, ref: Reference, rng: random.Random, at_home: bool) -> tuple[str, str]:
    if not at_home:
        return f"Room {index + 1}", ""
    sectors = ref.sectors_of(lives)
    street = f"{rng.randint(1, 180)} {rng.choice(_STREETS)}"
    if not sectors:
        return street, ""
    sector = rng.choice(sectors)
    return street, f"{sector}{rng.choice(_INWARD)}{rng.choice(_INWARD)}"


def _rag_reason(rag: str, needs: str) -> str:
    lead = {"RED": "High risk", "AMBER": "Some risk", "GREEN": "Stable"}[rag]
    return f"{lead}: {needs.split(';')[0].lower()}"


def _apply_special(true: TruePerson, person: RosterPerson) -> TruePerson:
    changes: dict[str, Any] = {}
    for name in ("first_name", "last_name", "rag_reason", "needs", "notes", "visit_times"):
        value = getattr(person, name)
        if value is not None:
            changes[name] = value
    if person.date_of_birth is not None:
        changes["date_of_birth"] = format_uk_date(parse_uk_date(person.date_of_birth))
    if person.next_of_kin is not None:
        changes["next_of_kin"] = person.next_of_kin
        if not person.next_of_kin:
            changes.update(relationship="", phone="", email="")
    if person.key_safe is False:
        changes["key_safe"] = None
    elif person.key_safe and not true.key_safe:
        changes["key_safe"] = "1234"
    if person.time_critical and person.time_critical not in true.needs:
        changes.setdefault("needs", f"{true.needs}; {_TIME_CRITICAL[person.time_critical]}")
    return replace(true, **changes)


def _pair_couples(people: list[TruePerson], couples: int, rng: random.Random, at_home: bool,
                  special_rows: set[int]) -> None:
    pool = [i for i in range(len(people)) if i not in special_rows]
    chosen = rng.sample(pool, min(couples * 2, len(pool) - len(pool) % 2))
    for a, b in zip(chosen[::2], chosen[1::2]):
        first, second = people[a], people[b]
        people[b] = replace(second, last_name=first.last_name, address=first.address, postcode=first.postcode,
                            lives_in=first.lives_in, couple_with=first.ref,
                            next_of_kin=f"{first.first_name} {first.last_name}", relationship="spouse",
                            phone=first.phone, email="")
        people[a] = replace(first, couple_with=second.ref,
                            notes=("shares a room with " if not at_home else "lives with ") + second.first_name)
        people[b].notes = ("shares a room with " if not at_home else "lives with ") + first.first_name


# --- the file copy ---------------------------------------------------------------------------------------------

_PROVIDER_CARE_HOME = {
    "service_address": "Rm", "last_name": "Surname", "first_name": "Forename(s)", "date_of_birth": "D.O.B.",
    "nhs_number": "NHS No.", "service_kind": "Care type", "funding": "Funded by", "funding_body": "Placing LA",
    "or_code": "Home LA", "icb_code": "CCG", "fnc": "FNC", "weekly_cost_pence": "Weekly Fee (£)",
    "rag": "Priority", "capacity_concern": "MCA concern", "needs_snapshot": "Needs", "nominee_name": "NOK",
    "nominee_relationship": "Relationship to resident", "nominee_phone": "NOK Tel", "nominee_email": "NOK email",
    "provider_ref": "Client ID", "notes": "Comments",
}
_PROVIDER_HOME_CARE = {
    "provider_ref": "Client ID", "last_name": "Surname", "first_name": "Forename", "date_of_birth": "DOB",
    "nhs_number": "NHS Number", "service_address": "Address", "home_postcode": "Postcode",
    "service_kind": "Package type", "funding": "Funder", "funding_body": "Commissioning authority",
    "icb_code": "Health funder", "hours_per_week": "Hours pw", "visits_per_week": "Calls per week",
    "visit_times": VISIT_TIMES_HEADER, "needs_snapshot": "Care needs", "rag": "Risk rating",
    "capacity_concern": "Lacks capacity", "key_safe_code": "Key safe", "nominee_name": "NOK",
    "nominee_phone": "NOK Tel", "nominee_email": "NOK email", "notes": "Comments",
}
_PROVIDER_FUNDING = {"own-council": "LA", "direct-payment": "DP", "self-funded": "Private", "nhs-chc": "CHC",
                     "joint": "Joint funded", "s117": "S117", "unknown": "TBC"}
_CANONICAL_FUNDING = {"own-council": "LA", "direct-payment": "Direct payment", "self-funded": "Self-funded",
                      "nhs-chc": "NHS CHC", "joint": "Joint", "s117": "s117", "unknown": "Unknown"}
_PROVIDER_RAG = {"RED": "High", "AMBER": "Medium", "GREEN": "Low"}
_PROVIDER_SERVICE = {ServiceKind.CARE_HOME: "Residential", ServiceKind.CARE_HOME_NURSING: "Nursing",
                     ServiceKind.HOME_CARE: "Dom care", ServiceKind.SUPPORTED_LIVING: "Supported living",
                     ServiceKind.EXTRA_CARE: "Extra care", ServiceKind.SHARED_LIVES: "Shared lives"}


def _columns(roster: Roster) -> dict[str, str]:
    at_home = roster.service in _AT_HOME
    if roster.columns == "provider":
        return dict(_PROVIDER_HOME_CARE if at_home else _PROVIDER_CARE_HOME)
    columns = dict(CANONICAL)
    if at_home:
        columns["key_safe_code"] = MORE_FIELDS["key_safe_code"]
        columns["visit_times"] = VISIT_TIMES_HEADER
    return columns


def _file_copy(roster: Roster, people: list[TruePerson], *, host: Authority, ref: Reference, rng: random.Random,
               provider: str) -> GeneratedRoster:
    provider_style = roster.columns == "provider"
    at_home = roster.service in _AT_HOME
    columns = _columns(roster)
    icb_names = {icb.ods_code: icb.name for icb in ref.icbs.icbs}

    def authority_text(code: str | None) -> str:
        if not code:
            return ""
        body = ref.authorities.get(code)
        if body is None:
            return code
        return body.nice_name if provider_style else body.name

    def icb_text(code: str | None) -> str:
        name = icb_names.get(code or "", "")
        if provider_style and name:
            return name.removeprefix("NHS ").replace(" Integrated Care Board", " ICB").replace(" and ", " & ")
        return name

    def cells(p: TruePerson) -> dict[str, Any]:
        key = p.funding_key
        words = _PROVIDER_FUNDING if provider_style else _CANONICAL_FUNDING
        funding = words.get(key, "LA")
        yes, no = ("Y", "N") if provider_style else ("yes", "no")
        values = {
            "provider_ref": p.ref, "first_name": p.first_name, "last_name": p.last_name,
            "date_of_birth": p.date_of_birth, "nhs_number": p.nhs_number,
            "service_address": p.address, "home_postcode": p.postcode,
            "service_kind": _PROVIDER_SERVICE.get(roster.service, roster.service.value) if provider_style
            else roster.service.label,
            "funding": funding,
            "funding_body": authority_text(p.funding_body) if key not in ("self-funded", "nhs-chc", "unknown") else "",
            "or_code": authority_text(p.ordinary_residence) if p.funding_body and p.funding_body != host.code else "",
            "icb_code": icb_text(p.icb) if p.icb else "",
            "fnc": yes if p.fnc else ("" if provider_style else no),
            "weekly_cost_pence": "" if at_home else f"{rng.choice((895, 950, 1040, 1125, 1260, 1385))}.00",
            "hours_per_week": f"{(p.calls_per_day or 1) * 7 * 0.5:g}" if at_home else "",
            "visits_per_week": str((p.calls_per_day or 1) * 7) if at_home and p.calls_per_day else "",
            "visit_times": p.visit_times,
            "needs_snapshot": p.needs,
            "rag": (_PROVIDER_RAG[p.rag] if provider_style else p.rag) if p.rag else "",
            "rag_reason": p.rag_reason,
            "capacity_concern": yes if p.capacity_concern else no,
            "key_safe_code": p.key_safe or "",
            "nominee_name": p.next_of_kin, "nominee_relationship": p.relationship, "nominee_phone": p.phone,
            "nominee_email": p.email, "notes": p.notes, "status": "" if provider_style else "with provider",
        }
        return values

    rows: list[dict[str, Any]] = [cells(p) for p in people]
    order = list(range(len(people)))
    untouched = [i for i, p in enumerate(people) if p.tag is None and p.couple_with is None]
    rng.shuffle(untouched)
    merged = rejected = 0
    extra_rows: list[tuple[int, dict[str, Any]]] = []
    for defect in roster.defects:
        if defect.kind is DefectKind.MISSING_DOB:
            for i in _take(untouched, defect.count):
                rows[i]["date_of_birth"] = ""
                people[i].in_file.append("date of birth missing")
        elif defect.kind is DefectKind.NAME_UNKNOWN:
            for i in _take(untouched, 1):
                rows[i]["first_name"], rows[i]["last_name"] = "", defect.text
                people[i].in_file.append(f"named only as {defect.text!r}")
        elif defect.kind is DefectKind.AUTHORITY_TYPO:
            placed = [i for i in untouched if people[i].funding_body not in (None, host.code)] or \
                     [i for i in untouched if people[i].funding_body]
            # The typo of a council most like it: "Warks CC" is written for a Warwickshire placement.
            stem = defect.text.strip().lower()[:3]
            placed.sort(key=lambda i: not authority_text(people[i].funding_body).lower().startswith(stem))
            for i in _take(placed, 1):
                untouched.remove(i)
                rows[i]["funding_body"] = defect.text
                people[i].in_file.append(f"placing authority written {defect.text!r}")
        elif defect.kind is DefectKind.DUPLICATE:
            for i in _take(untouched, defect.count):
                extra_rows.append((rng.randint(i + 1, len(people)), dict(rows[i])))
                people[i].in_file.append("listed twice")
                merged += 1
        elif defect.kind is DefectKind.STAFF_ROW:
            for _ in range(defect.count):
                first_column = next(iter(columns))
                extra_rows.append((rng.randint(1, len(people)), {first_column: STAFF_ROW_TEXT}))
                rejected += 1
    lines: list[tuple[float, dict[str, Any]]] = [(float(i), rows[i]) for i in order]
    lines += [(position - 0.5, row) for position, row in extra_rows]
    lines.sort(key=lambda item: item[0])
    fields = list(columns)
    table = tuple(tuple(row.get(f, "") for f in fields) for _, row in lines)
    above = (f"{provider or 'Provider'} - {'client' if at_home else 'resident'} list",) if provider_style else ()
    return GeneratedRoster(headers=tuple(columns.values()), rows=table, people=tuple(people), above=above,
                           merged=merged, rejected=rejected)


def _take(pool: list[int], count: int) -> list[int]:
    taken, pool[:] = pool[:count], pool[count:]
    return taken


# --- writing -------------------------------------------------------------------------------------------------

def write(generated: GeneratedRoster, path: Path, *, file_format: str = "csv") -> Path:
    """Write the FILE copy to `path` (owner-only, 0600): CSV through the spreadsheet-safe writer, or XLSX."""
    ensure_private_dir(path.parent)
    staging = new_private_file(path.with_name(f".{path.name}.part"))
    lines: list[list[Any]] = [[line] for line in generated.above]
    if generated.above:
        lines.append([])
    lines.append(list(generated.headers))
    lines += [list(row) for row in generated.rows]
    if file_format == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Residents"
        for line in lines:
            # Only "=" starts a formula in a workbook cell; a leading "'" keeps such text as text.
            sheet.append([csv_cell(v) if isinstance(v, str) and v.startswith("=") else v for v in line])
        book.save(staging)
    else:
        with open(staging, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            for line in lines:
                writer.writerow(csv_row(line))
    os.replace(staging, path)
    return path


def startex_date(moment: Any) -> date:
    """The story's local date at STARTEX (ages are worked out from it)."""
    return moment.astimezone(LONDON).date()
