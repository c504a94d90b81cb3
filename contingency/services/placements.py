"""Placements and moves: record and import offers, match a person to them, decide a move (a decision entry
with the options considered and the rationale), and work the move's checklist, which completes the
playbook's per-person move steps as it goes.

Couples (brief section 8; Managing care home closures 2016): partners sharing a room are never split without
a decision that says why: `decide_move` refuses a move that parts them unless it is given the reason, and the
decision entry records it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from contingency.engine.runs import Answer
from contingency.engine.runs import ItemState as StepState
from contingency.models import Decision
from contingency.person import Person, PersonStatus
from contingency.rules.costs import format_pounds
from contingency.rules.normalise import FieldProblem, clean_text, parse_money_pence
from contingency.rules.placements import (
    ARRIVAL,
    CHECKLIST_KEYS,
    REVIEW,
    CareType,
    ChecklistItem,
    ItemState,
    Match,
    Move,
    MoveItem,
    Seeker,
    Unsuitable,
    Vacancy,
    checklist_for,
    is_expired,
    item_due,
    needs_of,
    offer_words,
    parse_care_types,
    parse_gender,
    rank_vacancies,
)
from contingency.rules.safe_text import printable
from contingency.rules.times import LONDON, BadDate, format_local, parse_local_datetime
from contingency.services.errors import BadInput
from contingency.services.progress import CancelCheck, Progress
from contingency.store import Store
from contingency.store.placements import PlacementRepo

PREPARE_STEP, ARRIVAL_STEP, REVIEW_STEP, ARRANGE_STEP = (
    "prepare-move", "confirm-arrival", "post-move-review", "arrange-each-person")
MAX_PLACES = 10_000


def repo(store: Store) -> PlacementRepo:
    return PlacementRepo(store)


# --- offers -----------------------------------------------------------------------------------------------


def _when(text: Any, what: str, now: datetime, *, end_of_day: bool) -> datetime | None:
    """A typed or imported time as UK time; a date alone is the start of that day, or its end for a hold."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, datetime):
        moment = text if text.tzinfo else text.replace(tzinfo=LONDON)
        return moment
    if isinstance(text, date):
        day = text
        at = time(23, 59) if end_of_day else time(0, 0)
        return datetime.combine(day, at, tzinfo=LONDON)
    value = str(text).strip()
    try:
        moment = parse_local_datetime(value, now=now)
    except BadDate as exc:
        raise BadInput(f"{what}: {exc}") from None
    if end_of_day and not re.search(r"\d[:.]\d\d|[ap]\.?m", value, re.IGNORECASE):
        moment = moment + timedelta(hours=23, minutes=59)
    return moment


def build_vacancy(store: Store, values: dict[str, Any], *, source: str, incident_id: int | None = None) -> Vacancy:
    """An offer from what an officer typed or a list gave; BadInput says which value is wrong and why."""
    now = store.clock()
    provider = clean_text(values.get("provider"))
    if not provider:
        raise BadInput("provider: say who is offering the place or the hours")
    try:
        types = parse_care_types(clean_text(values.get("type")) or "residential")
    except ValueError as exc:
        raise BadInput(f"type: {exc}") from None
    try:
        gender = parse_gender(clean_text(values.get("gender")))
    except ValueError as exc:
        raise BadInput(f"gender: {exc}") from None
    places_text = clean_text(values.get("places")) or "1"
    if not places_text.isascii() or not places_text.isdigit() or not 0 < int(places_text) <= MAX_PLACES:
        raise BadInput(f"places: {places_text!r} is not a whole number of beds or hours from 1")
    rate_text = clean_text(values.get("rate"))
    rate = None
    if rate_text:
        try:
            rate = parse_money_pence(rate_text)
        except FieldProblem as exc:
            raise BadInput(f"rate: {exc}") from None
    available_from = _when(values.get("available_from"), "available from", now, end_of_day=False)
    held_until = _when(values.get("held_until"), "held until", now, end_of_day=True)
    if available_from and held_until and held_until < available_from:
        raise BadInput("held until: the offer would end before it starts; check the two times")
    if incident_id is not None:
        store.incidents.get(incident_id)
    return Vacancy(id=0, provider=provider, care_types=types, location=clean_text(values.get("location")),
                   postcode=clean_text(values.get("postcode")).upper(), gender=gender, places=int(places_text),
                   weekly_rate_pence=rate, available_from=available_from, held_until=held_until,
                   contact=clean_text(values.get("contact")), notes=clean_text(values.get("notes")), source=source,
                   incident_id=incident_id)


def add_vacancy(store: Store, values: dict[str, Any], *, incident_id: int | None = None) -> Vacancy:
    vacancy = build_vacancy(store, values, source=f"officer {store.officer}", incident_id=incident_id)
    with store.write(f"vacancy offered by {vacancy.provider}") as tx:
        vacancy_id = repo(store).add_vacancy(tx, vacancy)
    return repo(store).vacancy(vacancy_id)


# Headers as offers lists write them -> the field.
VACANCY_HEADERS: dict[str, str] = {
    **dict.fromkeys(["provider", "home", "care home", "provider name", "agency", "organisation", "offered by"],
                    "provider"),
    **dict.fromkeys(["location", "address", "site", "home address"], "location"),
    **dict.fromkeys(["postcode", "post code", "postal code"], "postcode"),
    **dict.fromkeys(["type", "types", "care type", "bed type", "category", "service"], "type"),
    **dict.fromkeys(["gender", "gender restriction", "sex", "male/female"], "gender"),
    **dict.fromkeys(["places", "beds", "vacancies", "number", "hours", "hours per week", "hours a week", "qty"],
                    "places"),
    **dict.fromkeys(["rate", "weekly rate", "weekly fee", "fee", "price", "cost per week", "weekly cost",
                     "rate per week", "£ per week"], "rate"),
    **dict.fromkeys(["available from", "available", "from", "start", "date available"], "available_from"),
    **dict.fromkeys(["held until", "hold until", "held to", "expires", "until", "offer expires", "valid until"],
                    "held_until"),
    **dict.fromkeys(["contact", "contact name", "phone", "telephone"], "contact"),
    **dict.fromkeys(["notes", "note", "comments"], "notes"),
}


def _header_key(text: Any) -> str:
    return " ".join(str(text or "").strip().lower().replace("_", " ").replace(":", "").split())


def _score(cells: list[Any]) -> tuple[int, ...]:
    found = {VACANCY_HEADERS[k] for k in map(_header_key, cells) if k in VACANCY_HEADERS}
    return (1 if "provider" in found else 0, len(found))


@dataclass
class VacancyImport:
    file_name: str
    import_id: int
    header_row: int
    data_rows: int
    imported: list[int] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    unread_columns: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        lines = [f"{self.file_name}: {len(self.imported)} offer(s) imported, {len(self.rejected)} rejected "
                 f"(header row {self.header_row})"]
        if self.unread_columns:
            lines.append(f"  columns not read: {', '.join(self.unread_columns)}")
        lines += [f"  row {row}: {reason}" for row, reason in self.rejected]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file_name, "import_id": self.import_id, "header_row": self.header_row,
                "data_rows": self.data_rows, "imported": self.imported,
                "rejected": [{"row": r, "reason": why} for r, why in self.rejected],
                "unread_columns": self.unread_columns}


def import_vacancies(store: Store, path: Path, *, incident_id: int | None = None, sheet: str | None = None,
                     header_row: int | None = None, progress: Progress | None = None,
                     cancelled: CancelCheck | None = None) -> VacancyImport:
    """Read an offers list (CSV or XLSX, as the people importer reads them); a row that cannot be read is kept,
    with its reason, and never stops the rest. All or nothing: stopped, nothing is imported."""
    from contingency.services.progress import tick as progress_step  # `tick` here is the checklist's
    from contingency.services.tabular import CELL_LIMIT, read_table

    step = progress_step(progress, cancelled, message="stopped before importing: no offer was imported")

    table = read_table(path, sheet=sheet, header_row=header_row, score=_score)
    columns = {i: VACANCY_HEADERS[_header_key(h)] for i, h in enumerate(table.headers)
               if _header_key(h) in VACANCY_HEADERS}
    if "provider" not in columns.values():
        raise BadInput(f"{path.name}: no column names the provider (a 'Provider' or 'Home' column); "
                       f"the headers read were: {', '.join(h for h in table.headers if h) or 'none'}")
    unread = [h for i, h in enumerate(table.headers) if h and i not in columns]
    vacancies: list[tuple[int, Vacancy]] = []
    rejects: list[tuple[int, str, str]] = []
    for done, (row_number, cells) in enumerate(table.rows):
        step(done, len(table.rows))
        raw = json.dumps([("" if c is None else str(c)) for c in cells], ensure_ascii=False, default=str)
        if any(isinstance(c, str) and len(c) > CELL_LIMIT for c in cells):
            rejects.append((row_number, "a cell is over 128 KB: not an offer", raw[:1000]))
            continue
        values = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}
        try:
            vacancy = build_vacancy(store, values, source=f"{path.name} row {row_number}", incident_id=incident_id)
        except BadInput as exc:
            rejects.append((row_number, str(exc), raw))
            continue
        vacancies.append((row_number, vacancy))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    step(len(table.rows), len(table.rows))
    with store.write(f"vacancies imported from {path.name}") as tx:
        ids = [repo(store).add_vacancy(tx, v) for _, v in vacancies]
        import_id = repo(store).record_import(tx, file_name=path.name, sha256=digest, data_rows=len(table.rows),
                                              imported=len(ids), rejects=rejects)
    return VacancyImport(file_name=path.name, import_id=import_id, header_row=table.header_row,
                         data_rows=len(table.rows), imported=ids,
                         rejected=[(row, reason) for row, reason, _ in rejects], unread_columns=unread)


@dataclass(frozen=True)
class Offer:
    vacancy: Vacancy
    left: int
    expired: bool
    when: str  # EXPIRED ..., held until ..., from ...

    @property
    def rate_words(self) -> str:
        rate = self.vacancy.weekly_rate_pence
        return f"{format_pounds(rate)}/wk" if rate is not None else "rate not given"


def offers(store: Store, incident_id: int | None = None, *, now: datetime | None = None) -> list[Offer]:
    """Every offer with what is left of it and whether it still stands; current offers first."""
    now = now or store.clock()
    taken = repo(store).taken()
    found = [Offer(v, v.places - taken.get(v.id, 0), is_expired(v, now), offer_words(v, now))
             for v in repo(store).vacancies(incident_id)]
    return sorted(found, key=lambda o: (o.expired, o.vacancy.id))


def vacancy_json(offer: Offer) -> dict[str, Any]:
    v = offer.vacancy
    return {"id": v.id, "provider": v.provider, "location": v.location, "postcode": v.postcode,
            "types": [t.value for t in CareType if t in v.care_types], "gender": v.gender.value,
            "places": v.places, "left": offer.left, "weekly_rate_pence": v.weekly_rate_pence,
            "available_from": v.available_from.isoformat() if v.available_from else None,
            "held_until": v.held_until.isoformat() if v.held_until else None, "expired": offer.expired,
            "status": offer.when, "contact": v.contact, "notes": v.notes, "source": v.source,
            "incident_id": v.incident_id}


# --- a person's placement facts -----------------------------------------------------------------------


def placement_facts(store: Store, person_id: int) -> dict[str, Any]:
    """What is recorded for matching, with the partner whichever of the pair's records names them."""
    return {**repo(store).profile(person_id), "partner_person_id": repo(store).partner_of(person_id)}


def set_placement_facts(store: Store, person_id: int, *, sex: str | None = None, partner_id: int | None = None,
                        no_partner: bool = False, shares_room: bool | None = None, friends: list[int] | None = None,
                        family_postcode: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Record what only a placement needs: sex, a partner (and whether they share a room), friends from the same
    home, the family's postcode. A partner is recorded on both records; a partner recorded in error is undone
    with `no_partner`, or replaced, and then neither record of the old pair names the other."""
    person = store.people.get(person_id)
    changes: dict[str, Any] = {}
    if no_partner and partner_id is not None:
        raise BadInput("partner: give the partner or say there is none, not both")
    if no_partner:
        changes["partner_person_id"] = None
        changes["shares_room"] = False
    if sex is not None:
        value = sex.strip().lower()
        value = {"f": "female", "m": "male", "": None}.get(value, value)
        if value not in (None, "female", "male"):
            raise BadInput(f"sex: {sex!r} is not female or male (leave it out if not known)")
        changes["sex"] = value
    if partner_id is not None:
        partner = store.people.get(partner_id)
        if partner.incident_id != person.incident_id or partner.id == person.id:
            raise BadInput("partner: give another person on the same incident")
        changes["partner_person_id"] = partner.id
    if shares_room is not None:
        if shares_room and changes.get("partner_person_id", repo(store).partner_of(person.id)) is None:
            raise BadInput("shares a room: only a couple shares a room; record the partner first")
        changes["shares_room"] = shares_room
    if friends is not None:
        for friend in friends:
            if store.people.get(friend).incident_id != person.incident_id:
                raise BadInput(f"friends: person {friend} is not on this incident")
        changes["friends"] = [f for f in friends if f != person_id]
    if family_postcode is not None:
        changes["family_postcode"] = clean_text(family_postcode).upper()
    with store.write(reason or "placement facts recorded") as tx:
        if "partner_person_id" in changes:
            new_partner = changes["partner_person_id"]
            # Whoever either of the new pair was linked to before is no longer anyone's partner here.
            before = {repo(store).partner_of(person.id), new_partner and repo(store).partner_of(new_partner)}
            for left in before - {None, person.id, new_partner}:
                repo(store).set_profile(tx, left, person.incident_id, {"partner_person_id": None,
                                                                        "shares_room": False})
        repo(store).set_profile(tx, person.id, person.incident_id, changes)
        if "partner_person_id" in changes or "shares_room" in changes:
            partner_id = changes.get("partner_person_id") or repo(store).partner_of(person.id)
            if partner_id:
                mirror = {"partner_person_id": person.id}
                if "shares_room" in changes:
                    mirror["shares_room"] = changes["shares_room"]
                repo(store).set_profile(tx, partner_id, person.incident_id, mirror)
    return repo(store).profile(person_id)


# --- matching -------------------------------------------------------------------------------------------


def _seeker(store: Store, person: Person) -> Seeker:
    profile = repo(store).profile(person.id)
    partner_id = profile["partner_person_id"] or repo(store).partner_of(person.id)
    partner_name, partner_home, shares = "", None, bool(profile["shares_room"])
    if partner_id:
        partner = store.people.get(partner_id)
        partner_name = partner.facts.display_name
        shares = shares or bool(repo(store).profile(partner_id)["shares_room"])
        move = repo(store).current_move(partner_id)
        if move is not None:
            partner_home = repo(store).vacancy(move.vacancy_id).home_key
    friends_moving: dict[tuple[str, str], tuple[str, ...]] = {}
    for friend_id in profile["friends"]:
        move = repo(store).current_move(friend_id)
        if move is not None:
            home = repo(store).vacancy(move.vacancy_id).home_key
            friends_moving[home] = (*friends_moving.get(home, ()), store.people.get(friend_id).facts.display_name)
    postcodes = tuple(p for p in (person.facts.home_postcode, profile["family_postcode"]) if p)
    return Seeker(person_id=person.id, name=person.facts.display_name, needs=needs_of(person.facts),
                  postcodes=postcodes, sex=profile["sex"], funding=person.facts.funding,
                  current_weekly_pence=person.facts.weekly_cost_pence, partner_name=partner_name, shares_room=shares,
                  partner_home=partner_home, friends_moving=friends_moving)


@dataclass(frozen=True)
class Matching:
    person: Person
    seeker: Seeker
    matches: list[Match]
    unsuitable: list[Unsuitable]
    current: Move | None

    def needs_words(self) -> str:
        return ", ".join(t.value for t in CareType if t in self.seeker.needs)


def match(store: Store, person_id: int, *, now: datetime | None = None) -> Matching:
    now = now or store.clock()
    person = store.people.get(person_id)
    seeker = _seeker(store, person)
    taken = dict(repo(store).taken())
    current = repo(store).current_move(person_id)
    if current is not None:  # the person's own place is not taken from them
        taken[current.vacancy_id] = taken.get(current.vacancy_id, 0) - 1
    found, unsuitable = rank_vacancies(seeker, repo(store).vacancies(person.incident_id), taken=taken, now=now,
                                       geography=store.geography.index)
    return Matching(person, seeker, found, unsuitable, current)


def match_json(m: Match) -> dict[str, Any]:
    v = m.vacancy
    return {"vacancy_id": v.id, "provider": v.provider, "location": v.location, "postcode": v.postcode,
            "types": [t.value for t in CareType if t in v.care_types], "weekly_rate_pence": v.weekly_rate_pence,
            "nearness": m.nearness.words, "near_to": m.near_to, "places_left": m.places_left,
            "top_up_pence": m.top_up_pence, "together": m.together, "flags": list(m.flags)}


# --- deciding a move ------------------------------------------------------------------------------------


def _option(m: Match) -> str:
    v = m.vacancy
    rate = format_pounds(v.weekly_rate_pence) + "/wk" if v.weekly_rate_pence is not None else "rate not given"
    return f"vacancy {v.id}: {v.provider} {v.postcode}".rstrip() + f" ({m.nearness.words}, {rate})"


def splits_couple(store: Store, person: Person, vacancy: Vacancy, matching: Matching) -> str | None:
    """Words saying how this move parts a couple sharing a room, or None if it does not."""
    partner_id = repo(store).partner_of(person.id)
    if not partner_id or not matching.seeker.shares_room:
        return None
    partner = store.people.get(partner_id)
    if partner.facts.status in (PersonStatus.DECEASED,):
        return None
    partner_move = repo(store).current_move(partner_id)
    name = partner.facts.display_name
    if partner_move is not None:
        if repo(store).vacancy(partner_move.vacancy_id).home_key == vacancy.home_key:
            return None
        return f"{name} (partner, sharing a room) is moving to another home"
    left = next((m.places_left for m in matching.matches if m.vacancy.id == vacancy.id), 0)
    if left >= 2:
        return None  # room for both: the partner's own move keeps them together
    return f"there is no second place here for {name} (partner, sharing a room)"


def decide_move(store: Store, person_id: int, vacancy_id: int, *, rationale: str, split_reason: str = "",
                decided_at: datetime | None = None) -> tuple[Move, Decision]:
    """Record the officer's choice of a vacancy for a person as a decision entry (the options are the offers
    that suited them; brief rule 27), make the move's checklist and mark the person's place as arranged.

    Refused: an offer that does not suit them (expired, no place left, the wrong kind), and a move that parts
    a couple sharing a room without `split_reason`."""
    rationale, split_reason = rationale.strip(), split_reason.strip()
    if not rationale:
        raise BadInput("reason: say why this place (the rationale is required, brief rule 27)")
    person = store.people.get(person_id)
    if person.merged_into is not None:
        raise BadInput(f"person {person_id} was merged into person {person.merged_into}; decide for that record")
    vacancy = repo(store).vacancy(vacancy_id)
    with store.write(f"move decided for {person.facts.display_name}") as tx:
        matching = match(store, person_id)
        chosen = next((m for m in matching.matches if m.vacancy.id == vacancy_id), None)
        if chosen is None:
            why = next((u.reason for u in matching.unsuitable if u.vacancy.id == vacancy_id), "not offered here")
            raise BadInput(f"vacancy {vacancy_id} does not suit {person.facts.display_name}: {why}")
        split = splits_couple(store, person, vacancy, matching)
        if split and not split_reason:
            raise BadInput(f"split_reason: this move splits a couple: {split}. A couple sharing a room is never "
                           "split without a decision that says why: give the reason (--split-reason)")
        decision_text = f"Move {person.facts.display_name} (person {person.id}) to {_option(chosen)}"
        why = rationale
        if split:
            decision_text += f", apart from their partner: {split}"
            why += f". Why the couple is split: {split_reason}"
        options = tuple(_option(m) for m in matching.matches)
        entry = _record(store, person, decision_text, why, options, decided_at)
        earlier = repo(store).current_move(person_id)
        if earlier is not None:  # one planned move a person: the earlier one is kept, marked superseded
            repo(store).supersede(tx, earlier, None, reason=f"replaced by decision {entry.id}")
        item_keys = [item.key for item in checklist_for(person.facts)]
        move_id = repo(store).add_move(tx, incident_id=person.incident_id, person_id=person.id,
                                       vacancy_id=vacancy.id, decision_id=entry.id, item_keys=item_keys)
        if earlier is not None:
            repo(store).supersede(tx, earlier, move_id, reason=f"replaced by decision {entry.id}")
        if person.facts.status is not PersonStatus.MOVED:
            from contingency.services.people import set_status

            set_status(store, person.id, PersonStatus.ALTERNATIVE_ARRANGED.value,
                       detail=f"moving to {vacancy.provider}"[:200], reason=f"move decided (decision {entry.id})")
    return repo(store).current_move(person_id), entry  # type: ignore[return-value]


def _record(store: Store, person: Person, decision_text: str, rationale: str, options: tuple[str, ...],
            decided_at: datetime | None) -> Decision:
    """The decision entry: through the playbook's own per-person step when it is open (so the step is done by the
    same entry), else straight into the decision log."""
    from contingency.services import playbooks
    from contingency.services.decisions import record_decision

    try:
        view = playbooks.incident_playbook(store, person.incident_id)
        item = view.plan.item(ARRANGE_STEP, person.id) if view.plan else None
    except Exception:  # noqa: BLE001 - no playbook is no reason to refuse the move
        item = None
    if item is not None and item.is_open and decided_at is None:
        done = playbooks.complete(store, person.incident_id, ARRANGE_STEP,
                                  Answer(decision=decision_text, options=options, rationale=rationale),
                                  person_id=person.id)
        return store.decisions.get(done.evidence["decision_id"])
    return record_decision(store, person.incident_id, decision=decision_text, rationale=rationale,
                           decided_at=decided_at, options=options, powers="Care Act 2014 s.48(2); s.52(2)")


# --- the checklist --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    item: MoveItem
    rule: ChecklistItem
    due_at: datetime | None
    overdue: bool

    def due_words(self, now: datetime) -> str:
        if self.item.state is not ItemState.OPEN:
            return self.item.state.label
        if self.due_at is None:
            return "after arrival"
        if self.overdue:
            from contingency.rules.times import format_elapsed

            return f"OVERDUE {format_elapsed(now - self.due_at)}"
        return f"due {format_local(self.due_at, now=now)}"


@dataclass(frozen=True)
class Checklist:
    person: Person
    move: Move
    vacancy: Vacancy
    rows: list[CheckRow]

    @property
    def open_count(self) -> int:
        return sum(r.item.state is ItemState.OPEN for r in self.rows)

    @property
    def overdue_count(self) -> int:
        return sum(r.overdue for r in self.rows)


def _rows(move: Move, items: list[MoveItem], now: datetime) -> list[CheckRow]:
    arrival = next((i for i in items if i.key == ARRIVAL and i.state is ItemState.DONE), None)
    arrived_at = arrival.updated_at if arrival else None
    rows = []
    for item in items:
        rule = CHECKLIST_KEYS[item.key]
        due = item_due(rule, move.decided_at, arrived_at)
        rows.append(CheckRow(item, rule, due, item.state is ItemState.OPEN and due is not None and now > due))
    return rows


def checklist(store: Store, person_id: int, *, now: datetime | None = None) -> Checklist:
    now = now or store.clock()
    person = store.people.get(person_id)
    move = repo(store).current_move(person_id)
    if move is None:
        raise BadInput(f"no move has been decided for {person.facts.display_name}: match them to a vacancy and "
                       f"decide the move first (move match {person_id}, then move decide)")
    return Checklist(person, move, repo(store).vacancy(move.vacancy_id), _rows(move, repo(store).items(move.id), now))


def checklist_json(view: Checklist, now: datetime) -> dict[str, Any]:
    return {"person_id": view.person.id, "name": view.person.facts.display_name, "move_id": view.move.id,
            "decision_id": view.move.decision_id, "vacancy_id": view.vacancy.id, "to": view.vacancy.provider,
            "decided_at": view.move.decided_at.isoformat(), "open": view.open_count,
            "overdue": view.overdue_count,
            "items": [{"item": r.item.key, "title": r.rule.title, "state": r.item.state.value, "note": r.item.note,
                       "due_at": r.due_at.isoformat() if r.due_at else None, "overdue": r.overdue,
                       "status": r.due_words(now), "citation": r.rule.citation,
                       "updated_by": r.item.updated_by,
                       "updated_at": r.item.updated_at.isoformat() if r.item.updated_at else None}
                      for r in view.rows]}


def tick(store: Store, person_id: int, key: str, *, done: bool, note: str) -> tuple[Checklist, list[str]]:
    """Mark one checklist item done or not applicable, with a note (kept, and logged). Returns the checklist and
    what else it did: the playbook's per-person move steps it completed, or the person's arrival recorded."""
    note = note.strip()
    state = ItemState.DONE if done else ItemState.NOT_APPLICABLE
    if not note:
        raise BadInput("note: say what was done" if done else "note: say why it does not apply (it is kept in the log)")
    view = checklist(store, person_id)
    row = next((r for r in view.rows if r.item.key == key), None)
    if row is None:
        keys = ", ".join(r.item.key for r in view.rows)
        raise BadInput(f"item {key!r} is not on this checklist; the items are: {keys}")
    if row.item.state is not ItemState.OPEN:
        when = format_local(row.item.updated_at) if row.item.updated_at else "an earlier time"
        raise BadInput(f"{row.rule.title}: already {row.item.state.label} (by {row.item.updated_by}, {when})")
    if key == ARRIVAL and done:
        waiting = [r.rule.title for r in view.rows if r.rule.before_move and r.item.state is ItemState.OPEN]
        if waiting:
            raise BadInput(f"arrival cannot be confirmed while {len(waiting)} item(s) before the move are open "
                           f"(first: {waiting[0]}): tick them done or N/A first")
    if key == REVIEW and done and not _arrived(view):
        raise BadInput("the 72-hour review counts from arrival: confirm the arrival first")
    person = view.person
    did: list[str] = []
    with store.write(f"move checklist for {person.facts.display_name}: {row.rule.title} {state.label}") as tx:
        repo(store).set_item(tx, view.move, row.item, state, note)
        after = checklist(store, person_id)
        did += _follow_playbook(store, after, key, done, note)
    return checklist(store, person_id), did


def _arrived(view: Checklist) -> bool:
    return any(r.item.key == ARRIVAL and r.item.state is ItemState.DONE for r in view.rows)


def _summary(view: Checklist, before_move: bool) -> str:
    rows = [r for r in view.rows if r.rule.before_move == before_move]
    done = sum(r.item.state is ItemState.DONE for r in rows)
    na = [r.rule.title for r in rows if r.item.state is ItemState.NOT_APPLICABLE]
    words = f"Move checklist (move {view.move.id}, to {view.vacancy.provider}): {done} done"
    return words + (f"; N/A: {'; '.join(na)}" if na else "")


def _follow_playbook(store: Store, view: Checklist, key: str, done: bool, note: str) -> list[str]:
    """Complete the playbook's per-person step the checklist has just finished, if it is open."""
    from contingency.services.people import set_status

    did: list[str] = []
    person = view.person
    rule = CHECKLIST_KEYS[key]
    if rule.before_move:
        if all(r.item.state is not ItemState.OPEN for r in view.rows if r.rule.before_move):
            if _complete_step(store, person, PREPARE_STEP, Answer(note=_summary(view, True))):
                did.append("playbook step 'Prepare this person's move' completed")
        return did
    if key == ARRIVAL and done:
        if person.facts.status is not PersonStatus.MOVED:
            set_status(store, person.id, PersonStatus.MOVED.value, detail=f"moved to {view.vacancy.provider}"[:200],
                       reason="arrival confirmed on the move checklist")
            did.append(f"status: moved to {view.vacancy.provider}")
        if _complete_step(store, person, ARRIVAL_STEP, Answer(yes=True, rationale=note)):
            did.append("playbook step 'Confirm arrival' completed")
    elif key == REVIEW and done:
        if _complete_step(store, person, REVIEW_STEP, Answer(note=note)):
            did.append("playbook step 'Review after the move' completed")
    return did


def _complete_step(store: Store, person: Person, step_id: str, answer: Answer) -> bool:
    from contingency.services import playbooks

    view = playbooks.incident_playbook(store, person.incident_id)
    item = view.plan.item(step_id, person.id) if view.plan else None
    if item is None or item.state in (StepState.DONE, StepState.NOT_APPLICABLE):
        return False
    playbooks.complete(store, person.incident_id, step_id, answer, person_id=person.id)
    return True


# --- what's next ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    incident_id: int
    person_id: int
    person_name: str
    title: str
    due_at: datetime
    overdue: bool

    def label(self) -> str:
        return printable(f"{self.person_name}: {self.title}", multiline=False)


def due_checklist_items(store: Store, *, hours: float = 12, now: datetime | None = None) -> list[DueItem]:
    """Open move-checklist items overdue or due within `hours`, across every planned move, most overdue first."""
    now = now or store.clock()
    by_move: dict[int, tuple[Move, list[MoveItem]]] = {}
    for move, item in repo(store).planned_items():
        by_move.setdefault(move.id, (move, []))[1].append(item)
    found = []
    names: dict[int, str] = {}
    for move, items in by_move.values():
        for row in _rows(move, items, now):
            if row.item.state is not ItemState.OPEN or row.due_at is None:
                continue
            if row.due_at - now > timedelta(hours=hours):
                continue
            if move.person_id not in names:
                names[move.person_id] = store.people.get(move.person_id).facts.display_name
            found.append(DueItem(move.incident_id, move.person_id, names[move.person_id],
                                 f"move checklist: {row.rule.title}", row.due_at, row.overdue))
    return sorted(found, key=lambda d: (d.due_at, d.person_id))


def find_person(store: Store, incident_id: int, text: str) -> tuple[int | None, str]:
    """Who the officer means by what they typed on the placements screen: a person id on this incident, or the
    one person whose name, NHS number, provider reference or date of birth matches (as the roster's search).
    (person id, "") when exactly one; (None, what to type instead) otherwise."""
    from contingency.store.errors import NotFound
    from contingency.store.people import RosterQuery

    text = text.strip()
    if not text:
        return None, "Type a name, NHS number, provider reference or person id, then enter."
    if text.isdigit() and len(text) < 10:
        try:
            person = store.people.get(int(text))
        except NotFound:
            person = None
        if person is not None and person.incident_id == incident_id and person.merged_into is None:
            return person.id, ""
    found = store.people.rows(RosterQuery(incident_id, search=text), limit=6)
    if len(found) == 1:
        return found[0].id, ""
    if not found:
        return None, f"Nobody on this incident matches {text!r}."
    names = ", ".join(f"{r.display_name} (id {r.id})" for r in found[:5])
    return None, f"{'More than 5' if len(found) > 5 else len(found)} people match {text!r}: {names}. Type more, or the id."
