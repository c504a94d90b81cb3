"""Adding, editing and re-determining affected people. Every change goes through the event log."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from contingency.models import Authority, Classification, Incident, LogEntry
from contingency.person import (
    Determination,
    Funding,
    Person,
    PersonFacts,
    PersonStatus,
    Source,
)
from contingency.rules.authorities import AuthorityIndex
from contingency.rules.classification import trigger
from contingency.rules.determination import determine
from contingency.rules.geography import Geography
from contingency.rules.normalise import FieldParser, FieldProblem
from contingency.rules.times import LONDON
from contingency.services.errors import BadInput
from contingency.services.incidents import require_settings
from contingency.store import Store
from contingency.store.people import KEY_SAFE_ACCESS, RosterQuery, RosterRow


@dataclass(frozen=True)
class RosterContext:
    """What the determination needs beyond the person: the incident, who we are, and where people live."""

    incident: Incident
    classification: Classification
    area: Authority | None
    ours: Authority
    authorities: AuthorityIndex
    # The trigger rules alone: for care at home a person living here is ours even when the incident's
    # area is not (brief rule 5, worked case 3), and only a business failure makes a duty (rules 4, 23, 25).
    trigger: Classification | None = None
    geography: Geography | None = None

    def determine(self, facts: PersonFacts, *, duplicate: bool = False) -> Determination:
        return determine(facts, classification=self.classification, area=self.area, ours=self.ours,
                         authorities=self.authorities, duplicate_suspected=duplicate, trigger=self.trigger,
                         service_kind=self.incident.facts.service_kind, geography=self.geography)


def context_for(store: Store, incident_id: int) -> RosterContext:
    settings = require_settings(store)
    incident = store.incidents.get(incident_id)
    return RosterContext(
        incident=incident, classification=incident.classification,
        area=store.authorities.get(incident.facts.area_code),
        ours=store.authorities.get(settings.authority_code), authorities=store.authorities,
        trigger=trigger(incident.facts).classification, geography=store.geography.index,
    )


def field_parser(store: Store) -> FieldParser:
    settings = require_settings(store)
    # The officer's calendar day: at 00:30 in summer the UTC date is still yesterday.
    today = store.clock().astimezone(LONDON).date()
    return FieldParser(store.authorities, store.icbs, ours=settings.authority_code, today=today)


def _validated(data: dict[str, Any]) -> PersonFacts:
    try:
        return PersonFacts.model_validate(data)
    except ValidationError as exc:
        raise BadInput("; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())) from None


def parse_changes(store: Store, raw: dict[str, str]) -> dict[str, Any]:
    """Officer-typed values (field -> text) into typed values; a bad value is an error, not a flag."""
    parser = field_parser(store)
    unknown = set(raw) - set(PersonFacts.model_fields)
    if unknown:
        raise BadInput(f"unknown field(s) {', '.join(sorted(unknown))}; fields are: {', '.join(PersonFacts.model_fields)}")
    changes: dict[str, Any] = {}
    for field, text in raw.items():
        try:
            changes[field] = parser.parse(field, text)
        except FieldProblem as exc:
            raise BadInput(f"{field}: {exc}") from None
    return {k: v for k, v in changes.items() if not (v is None and k in ("or_status", "status", "carer_role"))}


_COUNCIL_FUNDED = frozenset({Funding.OWN_COUNCIL, Funding.OTHER_ENGLISH_COUNCIL, Funding.WELSH_COUNCIL,
                             Funding.SCOTTISH_COUNCIL, Funding.NI_TRUST, Funding.UNKNOWN})
_TAKES_A_BODY = _COUNCIL_FUNDED | {Funding.DIRECT_PAYMENT, Funding.JOINT, Funding.S117, "council"}


def _settle_funding(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    """Funding and the paying council decide each other: 'LA' + Kirklees is another English council."""
    funding, body, problem = field_parser(store).settle_funding(data.get("funding"), data.get("funding_body"))
    if problem:
        raise BadInput(f"funding: {problem}")
    return {**data, "funding": funding, "funding_body": body}


def add_person(store: Store, incident_id: int, changes: dict[str, Any], reason: str | None = None) -> Person:
    context = context_for(store, incident_id)
    origin = Source(origin=f"officer {store.officer}", confirmed=True)
    facts = _validated(_settle_funding(store, {**changes, "sources": {field: origin for field in changes}}))
    with _one_nhs_number(facts.nhs_number), store.write(reason or "person added") as tx:
        # Checked under the write lock: two officers adding the same person at once would both find no one.
        if facts.nhs_number:
            existing = store.people.by_nhs_number(incident_id, facts.nhs_number)
            if existing:
                raise BadInput(f"NHS number {facts.nhs_number} is already on this roster as person {existing.id} "
                               f"({existing.facts.display_name}); edit that record instead")
        twins = store.people.same_name_and_birth(incident_id, facts.first_name, facts.last_name, facts.date_of_birth)
        person_id = store.people.insert(tx, incident_id, facts, context.determine(facts, duplicate=bool(twins)))
        for twin in twins:
            _redetermine(store, context, store.people.get(twin), reason="suspected duplicate of person "
                         f"{person_id}")
    return store.people.get(person_id)


@contextmanager
def _one_nhs_number(nhs_number: str | None) -> Iterator[None]:
    """The store's unique index (db/0013) refuses a second live record with one NHS number; say so plainly.
    The checks under the write lock should get there first, so this is the backstop."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "nhs_number" not in str(exc):
            raise
        raise BadInput(f"NHS number {nhs_number} is already on this roster; look the person up and edit "
                       "that record instead") from None


def edit_person(store: Store, person_id: int, changes: dict[str, Any], reason: str | None = None) -> Person:
    """Change fields. The needs snapshot changes only with a reason, through a decision entry (rule 13).

    The record is read, checked and written under one write lock, so another officer's edit of other fields
    in between is built on, never reverted."""
    context = context_for(store, store.people.get(person_id).incident_id)
    with _one_nhs_number(changes.get("nhs_number")), store.write(reason) as tx:
        person = store.people.get(person_id)
        facts = _edited(store, person, changes, reason)
        if facts.nhs_number and facts.nhs_number != person.facts.nhs_number:
            existing = store.people.by_nhs_number(person.incident_id, facts.nhs_number)
            if existing and existing.id != person_id:
                raise BadInput(f"NHS number {facts.nhs_number} already belongs to person {existing.id}; "
                               "merge them instead")
        if "needs_snapshot" in changes and person.facts.needs_snapshot and \
                changes["needs_snapshot"] != person.facts.needs_snapshot:
            store.decisions.add(
                incident_id=person.incident_id, decided_at=store.clock(),
                decision=f"Change the recorded needs of person {person_id} ({facts.display_name})",
                rationale=reason or "", powers="Care Act 2014 s.48(1); brief rule 13",
            )
        twins = store.people.same_name_and_birth(person.incident_id, facts.first_name, facts.last_name,
                                                 facts.date_of_birth, exclude=person_id)
        store.people.update(tx, person, facts, context.determine(facts, duplicate=bool(twins)), reason=reason)
    return store.people.get(person_id)


def _edited(store: Store, person: Person, changes: dict[str, Any], reason: str | None) -> PersonFacts:
    if "needs_snapshot" in changes and changes["needs_snapshot"] != person.facts.needs_snapshot \
            and person.facts.needs_snapshot and not (reason or "").strip():
        raise BadInput("changing the needs met 'immediately before' the failure needs a reason; it is logged "
                       "as a decision (brief rule 13)")
    origin = Source(origin=f"officer {store.officer}", confirmed=True)
    sources = {**person.facts.sources, **{field: origin for field in changes}}
    fixed = set(changes)
    issues = tuple(i for i in person.facts.issues if i.field not in fixed)
    merged = {**person.facts.model_dump(), **changes, "issues": issues, "sources": sources}
    if "funding" in changes or "funding_body" in changes:
        if "funding_body" not in changes and changes["funding"] not in _TAKES_A_BODY:
            merged["funding_body"] = None  # e.g. now self-funded: the old council no longer pays
        if "funding" not in changes and person.facts.funding in _COUNCIL_FUNDED:
            merged["funding"] = "council"  # the new body decides which kind of council
        merged = _settle_funding(store, merged)
        fixed.add("funding")
        merged["issues"] = tuple(i for i in person.facts.issues if i.field not in fixed)
    return _validated(merged)


def confirm_fields(store: Store, person_id: int, fields: list[str], reason: str | None = None) -> Person:
    def confirmed(person: Person) -> PersonFacts:
        sources = dict(person.facts.sources)
        for field in fields:
            origin = sources.get(field, Source(origin=f"officer {store.officer}"))
            sources[field] = Source(origin=origin.origin, confirmed=True)
        return person.facts.model_copy(update={"sources": sources})

    return _write_facts(store, person_id, confirmed, reason or f"confirmed {', '.join(fields)}")


def reveal_key_safe(store: Store, person_id: int, *, via: str) -> str:
    """The key-safe code, for an officer who asked for it. The look is logged before the code is handed over, so
    a code is never seen without a record of who saw it and when (brief section 8: held securely)."""
    person = store.people.get(person_id)
    if not person.facts.key_safe_code:
        raise BadInput(f"no key-safe code is held for {person.facts.display_name}")
    with store.write(f"key-safe code shown ({via})") as tx:
        store.people.log_key_safe_access(tx, person, via=via)
    return person.facts.key_safe_code


def set_status(store: Store, person_id: int, status: str, detail: str = "", reason: str | None = None) -> Person:
    try:
        new = PersonStatus(status)
    except ValueError:
        raise BadInput(f"status {status!r} is not one of: {', '.join(s.value for s in PersonStatus)}") from None
    if new is PersonStatus.MOVED and not detail.strip():
        raise BadInput("say where the person moved to")
    return _write_facts(store, person_id,
                        lambda person: person.facts.model_copy(update={"status": new, "status_detail": detail.strip()}),
                        reason or f"status: {new.label}", action="status")


def _write_facts(store: Store, person_id: int, change: Callable[[Person], PersonFacts], reason: str | None,
                 action: str = "update") -> Person:
    """`change` is given the record as it stands under the write lock, so what it builds on is what is stored."""
    context = context_for(store, store.people.get(person_id).incident_id)
    with store.write(reason) as tx:
        person = store.people.get(person_id)
        facts = change(person)
        twins = store.people.same_name_and_birth(person.incident_id, facts.first_name, facts.last_name,
                                                 facts.date_of_birth, exclude=person.id)
        store.people.update(tx, person, facts, context.determine(facts, duplicate=bool(twins)), reason=reason,
                            action=action)
    return store.people.get(person_id)


def _redetermine(store: Store, context: RosterContext, person: Person, reason: str) -> None:
    twins = store.people.same_name_and_birth(person.incident_id, person.facts.first_name,
                                             person.facts.last_name, person.facts.date_of_birth, exclude=person.id)
    det = context.determine(person.facts, duplicate=bool(twins))
    if det != person.determination:
        with store.write(reason) as tx:
            store.people.update(tx, person, person.facts, det, reason=reason, action="redetermine")


def redetermine_incident(store: Store, incident_id: int, reason: str) -> int:
    """After the incident's classification or our settings change, bring every determination up to date."""
    context = context_for(store, incident_id)
    changed = 0
    with store.write(reason):
        for person in store.people.all(incident_id):
            before = person.determination
            _redetermine(store, context, person, reason)
            changed += store.people.get(person.id).determination != before
    return changed


def fold_facts(kept: PersonFacts, incoming: PersonFacts, source: str) -> PersonFacts:
    """The same person twice: fill the gaps from `incoming`; keep conflicting values and note them."""
    updates: dict[str, Any] = {}
    conflicts: list[str] = []
    defaults = PersonFacts.model_fields
    for name in PersonFacts.model_fields:
        if name in ("issues", "sources", "notes"):
            continue
        new, old = getattr(incoming, name), getattr(kept, name)
        if new in (None, "", defaults[name].default) or new == old:
            continue
        if old in (None, "", defaults[name].default):
            updates[name] = new
        elif name == "key_safe_code":  # notes are shown and exported; the secret is not repeated there
            conflicts.append("a different key safe code (not shown; check with the provider)")
        else:
            conflicts.append(f"{name} {new!s}")
    note = f"merged {source}"
    if conflicts:
        note += f"; it also said: {', '.join(conflicts)}"
    sources = {**kept.sources, **{k: v for k, v in incoming.sources.items() if k in updates}}
    return kept.model_copy(update={
        **updates, "sources": sources, "issues": kept.issues + incoming.issues,
        "notes": "; ".join(filter(None, [kept.notes, note])),
    })


def merge_people(store: Store, keep_id: int, drop_id: int, reason: str) -> Person:
    """Fold a suspected duplicate into the record kept. The other record stays, marked as merged."""
    if not reason.strip():
        raise BadInput("say why these are the same person; the merge is logged")
    from contingency.services.costs import merge_refusal, move_merged_shares, plan_merge

    try:
        with store.write(reason) as tx:
            # Read, check and plan under the write lock: a claim built or a merge made by another officer in
            # between would otherwise be charged twice or moved twice.
            keep, drop = store.people.get(keep_id), store.people.get(drop_id)
            if keep_id == drop_id or keep.incident_id != drop.incident_id:
                raise BadInput("a person can be merged only with another record on the same incident's roster")
            for person in (keep, drop):
                if person.merged_into is not None:
                    raise BadInput(f"person {person.id} was already merged into person {person.merged_into}")
            plan = plan_merge(store, keep, drop)
            if plan.blocked_by:
                raise BadInput(merge_refusal(plan, drop))
            differ = keep.facts.nhs_number and drop.facts.nhs_number and keep.facts.nhs_number != drop.facts.nhs_number
            note = (f"; NHS numbers differ ({drop.facts.nhs_number} on the merged record): check which is right"
                    if differ else "")
            merged = fold_facts(keep.facts, drop.facts, f"person {drop.id} ({reason.strip()}){note}")
            context = context_for(store, keep.incident_id)
            # The pair is no longer a suspected duplicate once merged; a third twin still is.
            twins = set(store.people.same_name_and_birth(keep.incident_id, merged.first_name, merged.last_name,
                                                         merged.date_of_birth, exclude=keep.id)) - {drop.id}
            # An NHS number the kept record takes from the other is written only once the other is merged away:
            # until then two live records would hold it, which the store refuses (db/0013).
            taken = merged.nhs_number if merged.nhs_number != keep.facts.nhs_number else None
            first = merged.model_copy(update={"nhs_number": keep.facts.nhs_number}) if taken else merged
            det = context.determine(merged, duplicate=bool(twins))
            store.people.update(tx, keep, first, det, reason=reason, action="merge")
            # Costs move before the record is marked merged: the store takes no new cost for a merged record.
            move_merged_shares(store, tx, plan, store.people.get(keep.id), reason.strip())
            settled = context.determine(drop.facts, duplicate=False)
            if settled != drop.determination:
                store.people.update(tx, drop, drop.facts, settled, reason=f"merged into person {keep.id}",
                                    action="redetermine")
            store.people.mark_merged(tx, drop, keep.id, reason)
            if taken:
                store.people.update(tx, store.people.get(keep.id), merged, det, reason=reason, action="merge")
    except sqlite3.IntegrityError as exc:
        raise BadInput(f"the merge was not saved: {exc}; look at both records again and retry") from None
    return store.people.get(keep_id)


@dataclass(frozen=True)
class Difference:
    what: str
    kept: str
    other: str


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "not recorded"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if hasattr(value, "label"):
        return str(value.label)
    return str(value.value if hasattr(value, "value") else value)


_COMPARED = (
    ("NHS number", lambda f: f.nhs_number), ("Date of birth", lambda f: f.date_of_birth),
    ("Provider ref", lambda f: f.provider_ref), ("Where care is given", lambda f: f.service_address),
    ("Home postcode", lambda f: f.home_postcode),
    ("Funding", lambda f: f.funding.label + (f" ({f.funding_body})" if f.funding_body else "")),
    ("FNC", lambda f: "yes" if f.fnc else "no"), ("ICB", lambda f: f.icb_code),
    ("Ordinary residence", lambda f: f"{f.or_code or 'not recorded'} ({f.or_status.value})"),
    ("Status", lambda f: f.status), ("RAG", lambda f: f.rag.value if f.rag else None),
    ("Needs immediately before", lambda f: f.needs_snapshot), ("Nominee", lambda f: f.nominee_name),
    ("Carer role", lambda f: f.carer_role),
)


def merge_differences(keep: Person, other: Person) -> list[Difference]:
    """Where two records of the same name and birth date disagree, for the officer to check before merging.
    The kept record's value wins; the other's is noted on it (fold_facts)."""
    out = []
    for what, read in _COMPARED:
        kept, theirs = _shown(read(keep.facts)), _shown(read(other.facts))
        if kept != theirs:
            out.append(Difference(what, kept, theirs))
    basis_kept, basis_other = keep.determination.basis.label, other.determination.basis.label
    if basis_kept != basis_other:
        out.append(Difference("Legal basis", basis_kept, basis_other))
    return out


def differences_text(keep: Person, other: Person) -> str:
    found = merge_differences(keep, other)
    if not found:
        return f"#{keep.id} and #{other.id} agree on NHS number, birth date, address, funding and residence."
    return "\n".join([f"Where #{keep.id} (kept) and #{other.id} differ: the kept value stays, the other is noted",
                       *(f"  {d.what}: {d.kept}  |  {d.other}" for d in found)])


# --- reads for the screens (issue 12: the TUI reads through services, a page at a time) --------------------


def get_person(store: Store, person_id: int) -> Person:
    """One person's record."""
    return store.people.get(person_id)


def everyone_on(store: Store, incident_id: int) -> list[Person]:
    """Every person on an incident's roster (for a choice among them; not for a paged screen)."""
    return store.people.all(incident_id)


def roster_count(store: Store, query: RosterQuery) -> int:
    """How many people match (counted in SQL)."""
    return store.people.count(query)


def roster_rows(store: Store, query: RosterQuery, *, offset: int = 0, limit: int = 100) -> list[RosterRow]:
    """One page of the roster, as the lines a list shows."""
    return store.people.rows(query, offset=offset, limit=limit)


def roster_rows_by_id(store: Store, incident_id: int, person_ids: list[int]) -> list[RosterRow]:
    """The lines for these people, those on this incident only."""
    return store.people.rows_by_id(incident_id, person_ids)


def person_ids(store: Store, incident_id: int) -> list[int]:
    """The id of everyone on an incident's roster."""
    return store.people.ids(incident_id)


def possible_duplicates(store: Store, person: Person) -> list[Person]:
    """Other records on the same roster with this person's name and date of birth."""
    facts = person.facts
    ids = store.people.same_name_and_birth(person.incident_id, facts.first_name, facts.last_name,
                                           facts.date_of_birth, exclude=person.id)
    return [store.people.get(i) for i in ids]


def person_history(store: Store, person_id: int) -> list[LogEntry]:
    """Every change to the record and every look at its key-safe code, oldest first: both are who did what
    to this record."""
    return sorted([*store.log.for_entity("person", person_id), *store.log.for_entity(KEY_SAFE_ACCESS, person_id)],
                  key=lambda e: e.seq)
