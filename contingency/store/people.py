"""The roster: people rows <-> models, paging and filtering in SQL so 50,000 people stay quick."""

from __future__ import annotations

import functools
import json
import operator
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from contingency.models import ServiceKind
from contingency.person import (
    RAG,
    Basis,
    CarerRole,
    ChargeRoute,
    DataIssue,
    Determination,
    Flag,
    Funding,
    ORStatus,
    Person,
    PersonFacts,
    PersonStatus,
    Source,
)
from contingency.store.errors import NotFound
from contingency.store.eventlog import BULK_CREATE, bulk_after

if TYPE_CHECKING:
    from contingency.store.store import Store
    from contingency.store.tx import Tx

_BOOLS = ("fnc", "capacity_concern", "advocate_needed", "immigration_question", "housing_question",
          "nursing_arranged_urgently")
FACT_COLUMNS = tuple(PersonFacts.model_fields)
# Text columns added by a later migration (db/0010) are NULL when empty, so records logged before it still
# match their last after-image (contingency.store.eventlog._differs).
_NULL_WHEN_EMPTY = ("key_safe_code", "gp_practice", "visit_times")
# A flag added by a later migration (db/0012): 1 when set, NULL (not 0) when not, for the same reason.
_NULL_WHEN_FALSE = ("nursing_arranged_urgently",)
# The log entity of a key-safe code shown to an officer: who, when and whose door, never the code. Its own
# entity, not "person": an entry without an after-image would read to the log check as a deleted record.
KEY_SAFE_ACCESS = "key-safe-access"


def search_text(facts: PersonFacts) -> str:
    dob = facts.date_of_birth
    parts = [facts.first_name, facts.last_name, facts.preferred_name, facts.provider_ref, facts.nhs_number or ""]
    if dob:  # day first as strftime("%d/%m/%Y") writes it, without its cost (50,000 times an import)
        parts += [dob.isoformat(), f"{dob.day:02d}/{dob.month:02d}/{dob.year}"]
    return " ".join(p for p in parts if p).lower()


@lru_cache(maxsize=4096)
def _json_list(values: tuple[str, ...]) -> str:
    # A roster repeats a handful of determinations (the same reasons, flags and bodies to tell) thousands of
    # times: encoded once each, an import of 50,000 people saves some 150,000 encodings.
    return json.dumps(list(values))


@lru_cache(maxsize=4096)
def _flag_list(text: str) -> tuple[str, ...]:
    # A roster has a few dozen distinct sets of flags: each is read once.
    return tuple(json.loads(text))


def person_row(person_id: int, incident_id: int, facts: PersonFacts, det: Determination,
               merged_into: int | None = None) -> dict[str, Any]:
    # Read straight from the (validated) model rather than through `model_dump`: the same values as
    # `model_dump(mode="json")` gives, without building the nested dictionaries an import of 50,000 people
    # would throw away (tests/test_import_speed.py holds the two equal).
    values = facts.__dict__
    row: dict[str, Any] = {"id": person_id, "incident_id": incident_id}
    row.update(zip(FACT_COLUMNS, _FACT_VALUES(values)))
    for column in _ENUM_COLUMNS:
        value = row[column]
        row[column] = _ENUM_VALUES.get(value, value) if value.__hash__ else getattr(value, "value", value)
    dob = row["date_of_birth"]
    if isinstance(dob, date):
        row["date_of_birth"] = dob.isoformat()
    for column in _NULL_WHEN_FALSE:
        row[column] = 1 if row[column] else None
    for column in _PLAIN_BOOLS:
        row[column] = int(row[column])
    for column in _NULL_WHEN_EMPTY:
        row[column] = row[column] or None
    row["issues"] = _issues_json(row["issues"]) if row["issues"] else "[]"
    row["sources"] = _sources_json(row["sources"]) if row["sources"] else "{}"
    row.update(
        basis=_ENUM_VALUES.get(det.basis, det.basis), notify=_json_list(tuple(det.notify)),
        recover_from=det.recover_from, charge_route=_ENUM_VALUES.get(det.charge_route, det.charge_route),
        flags=_flags_json(det.flags), flag_count=len(det.flags),
        reasons=_json_list(tuple(det.reasons)), search_text=search_text(facts), merged_into=merged_into,
    )
    return row


_FACT_VALUES = operator.itemgetter(*FACT_COLUMNS)
_ENUM_COLUMNS = ("service_kind", "funding", "or_status", "carer_role", "rag", "status")
# Each member's value by member (a dictionary look-up is quicker than an enum's `.value`).
_ENUM_VALUES = {member: member.value for kind in (ServiceKind, Funding, ORStatus, CarerRole, RAG, PersonStatus,
                                                  Basis, ChargeRoute) for member in kind}


@lru_cache(maxsize=4096)
def _flags_json(flags: tuple[Flag, ...]) -> str:
    return _json_list(tuple(getattr(f, "value", f) for f in flags))
_PLAIN_BOOLS = tuple(column for column in _BOOLS if column not in _NULL_WHEN_FALSE)


def _issues_json(issues: tuple[DataIssue, ...]) -> str:
    """`json.dumps(issues as JSON, sort_keys=True)`: each issue encoded once however many people have it (a
    list of 50,000 with no reason beside its RAG ratings has the same three issues 50,000 times)."""
    if not all(type(i) is DataIssue for i in issues):
        return json.dumps([i.model_dump(mode="json") if isinstance(i, DataIssue) else i for i in issues],
                          sort_keys=True)
    return "[" + ", ".join(_issue_json(i.field, getattr(i.kind, "value", i.kind), i.message, i.value)
                           for i in issues) + "]"


@lru_cache(maxsize=4096)
def _issue_json(field: str, kind: str, message: str, value: str) -> str:
    return json.dumps({"field": field, "kind": kind, "message": message, "value": value}, sort_keys=True)


def _sources_json(sources: dict[str, Source]) -> str:
    """Where each fact came from, as JSON. An imported person's facts all come from one row of one file: that
    is written once with the names of the facts it gave, {"fields": [...], "shared": {...}}, rather than once
    per fact (720 of a row's 1,600 bytes, an eighth of a 50,000-row import's time). Any other mix is
    `json.dumps(sources as JSON, sort_keys=True)`, field by field, as every record was before."""
    given = list(sources.values())
    first = given[0]
    # One Source for every field (an import shares one object; equal ones compare equal): count() says so.
    if not isinstance(first, Source) or given.count(first) != len(given):
        return json.dumps({k: s.model_dump(mode="json") if isinstance(s, Source) else s for k, s in sources.items()},
                          sort_keys=True)
    return _shared_prefix(tuple(sorted(sources)), first.confirmed) + json.dumps(first.origin) + "}}"


@lru_cache(maxsize=1024)
def _shared_prefix(names: tuple[str, ...], confirmed: bool) -> str:
    return '{"fields": ' + json.dumps(list(names)) + ', "shared": {"confirmed": ' + \
        ("true" if confirmed else "false") + ', "origin": '


def sources_from_json(text: str) -> dict[str, Source]:
    """`_sources_json` read back, in either of its shapes."""
    data = json.loads(text)
    if isinstance(data.get("fields"), list) and isinstance(data.get("shared"), dict):
        shared = Source(**data["shared"])
        return dict.fromkeys(data["fields"], shared)
    return {k: Source(**v) for k, v in data.items()}


def _person(row: dict[str, Any], provenance: bool = True) -> Person:
    facts = {column: row[column] for column in FACT_COLUMNS}
    for column in _BOOLS:
        facts[column] = bool(facts[column])
    for column in _NULL_WHEN_EMPTY:
        facts[column] = facts[column] or ""
    facts["issues"] = tuple(DataIssue(**i) for i in json.loads(row["issues"]))
    facts["sources"] = sources_from_json(row["sources"]) if provenance else {}
    facts["date_of_birth"] = date.fromisoformat(row["date_of_birth"]) if row["date_of_birth"] else None
    det = Determination(
        basis=row["basis"], notify=tuple(json.loads(row["notify"])), recover_from=row["recover_from"],
        charge_route=row["charge_route"], flags=tuple(json.loads(row["flags"])),
        reasons=tuple(json.loads(row["reasons"])),
    )
    return Person(id=row["id"], incident_id=row["incident_id"], facts=PersonFacts.model_validate(facts),
                  determination=det, merged_into=row["merged_into"])


# A person as letters read them: every fact but provenance (`all(provenance=False)`), built without validating
# again what was validated when it was written: 50,000 validations were most of the time of a council's letters.
_LETTER_FACTS = tuple(column for column in FACT_COLUMNS if column != "sources")
# Each enum column's members by stored value (a dictionary look-up, quicker than calling the enum).
_ENUMS = {column: {member.value: member for member in kind} | {None: None}
          for column, kind in (("service_kind", ServiceKind), ("funding", Funding), ("or_status", ORStatus),
                               ("carer_role", CarerRole), ("rag", RAG), ("status", PersonStatus))}


def _letter_person(values: tuple) -> Person:
    """A person from a row of `_LETTER_FACTS` (then basis, notify, recover_from, charge_route, merged_into),
    equal to `_person(row, provenance=False)`."""
    person_id, incident_id, *rest = values
    facts = dict(zip(_LETTER_FACTS, rest))
    for column, members in _ENUMS.items():
        facts[column] = members[facts[column]]
    for column in _BOOLS:
        facts[column] = bool(facts[column])
    for column in _NULL_WHEN_EMPTY:
        facts[column] = facts[column] or ""
    dob = facts["date_of_birth"]
    facts["date_of_birth"] = date.fromisoformat(dob) if dob else None
    issues = facts["issues"]
    facts["issues"] = tuple(DataIssue(**i) for i in json.loads(issues)) if issues != "[]" else ()
    *determination, merged_into = rest[len(_LETTER_FACTS):]
    return Person.model_construct(id=person_id, incident_id=incident_id, facts=_BLANK_FACTS.model_copy(update=facts),
                                  determination=_letter_determination(*determination), merged_into=merged_into)


@functools.lru_cache(maxsize=4096)
def _letter_determination(basis: str, notify: str, recover_from: str | None, charge_route: str | None,
                          flags: str, reasons: str) -> Determination:
    """A roster has a few dozen distinct determinations: each is made once (they are read-only)."""
    return Determination.model_construct(basis=Basis(basis), notify=tuple(json.loads(notify)), recover_from=recover_from,
                                         charge_route=ChargeRoute(charge_route) if charge_route else None,
                                         flags=tuple(Flag(f) for f in json.loads(flags)),
                                         reasons=tuple(json.loads(reasons)))


# Every fact at its default: a letter's person is this with its own columns over it (copying is quicker than
# filling in forty defaults each time).
_BLANK_FACTS = PersonFacts.model_construct()


# An NHS number as people write it, 999-123-4567 or 999 123 4567, whole or part typed. Three digits
# first, so an ISO date (1940-04-03) never looks like one.
_NHS_WRITTEN = re.compile(r"\b\d{3}[ -]\d{1,3}(?:[ -]\d{1,4})?\b")


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_terms(search: str) -> list[tuple[str, ...]]:
    """Each word the officer typed, with the spellings any of which may match. NHS numbers are stored
    as ten bare digits, so a grouped one is looked for without its separators; a provider reference
    that happens to look like one (123-45) is still found as typed."""
    terms: list[tuple[str, ...]] = []
    rest = search.lower()
    for written in _NHS_WRITTEN.findall(rest):
        terms.append(tuple(dict.fromkeys((re.sub(r"[ -]", "", written), written))))
        rest = rest.replace(written, " ", 1)
    terms += [(word,) for word in rest.split()]
    return terms


@dataclass(frozen=True)
class RosterQuery:
    """What the roster screen and `people list` ask for. Every field narrows; None means any."""

    incident_id: int
    search: str = ""
    basis: str | None = None
    authority_ref: str | None = None  # la:... / icb:... in the person's notify list
    rag: str | None = None  # RED / AMBER / GREEN, or "none" for not yet rated
    status: str | None = None
    flag: str | None = None  # a flag key, or "any"

    @property
    def is_everyone(self) -> bool:
        """No search and no filter: an empty answer means the roster itself is empty."""
        return not self.search.strip() and not any((self.basis, self.authority_ref, self.rag, self.status, self.flag))

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["incident_id = ?", "merged_into IS NULL"], [self.incident_id]
        for spellings in _search_terms(self.search):
            clauses.append("(" + " OR ".join(["search_text LIKE ? ESCAPE '\\'"] * len(spellings)) + ")")
            params += ["%" + _like_escape(term) + "%" for term in spellings]
        if self.basis:
            clauses.append("basis = ?")
            params.append(self.basis)
        if self.authority_ref:
            clauses.append("(notify LIKE ? OR recover_from = ?)")
            params += [f'%"{self.authority_ref}"%', self.authority_ref]
        if self.rag == "none":
            clauses.append("rag IS NULL")
        elif self.rag:
            clauses.append("rag = ?")
            params.append(self.rag)
        if self.status:
            clauses.append("status = ?")
            params.append(self.status)
        if self.flag == "any":
            clauses.append("flag_count > 0")
        elif self.flag:
            clauses.append("flags LIKE ?")
            params.append(f'%"{self.flag}"%')
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class RosterRow:
    id: int
    rag: str | None
    first_name: str
    last_name: str
    provider_ref: str
    nhs_number: str | None
    date_of_birth: str | None  # ISO
    basis: str
    status: str
    funding: str
    funding_body: str | None
    or_code: str | None
    flags: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or (f"ref {self.provider_ref}" if self.provider_ref else f"NHS {self.nhs_number}")


# RED first, then unrated (unknown risk is a risk), then AMBER, GREEN; then by name.
_ORDER = ("CASE rag WHEN 'RED' THEN 0 WHEN 'AMBER' THEN 2 WHEN 'GREEN' THEN 3 ELSE 1 END,"
          " last_name COLLATE NOCASE, first_name COLLATE NOCASE, id")


class PeopleRepo:
    def __init__(self, store: Store):
        self.store = store

    # --- writes (always inside store.write) --------------------------------------------------------

    def insert(self, tx: Tx, incident_id: int, facts: PersonFacts, det: Determination,
               reason: str | None = None) -> int:
        person_id = tx.next_id("people")
        tx.insert("person", "people", person_row(person_id, incident_id, facts, det),
                  incident_id=incident_id, reason=reason)
        return person_id

    def insert_many(self, tx: Tx, rows: list[dict[str, Any]], incident_id: int, reason: str | None) -> None:
        tx.insert_many("person", "people", rows, incident_id=incident_id, reason=reason)

    # An import writes its people in chunks without an entry each, then logs them all in ONE entry whose
    # digest covers every row as it then stands (`log_imported`); `log verify` recomputes it (store.eventlog).

    def size(self) -> int:
        """Rows in the table, every incident's (merged people too): what remaking its indexes would read."""
        return self.store.conn.execute("SELECT count(*) FROM people").fetchone()[0]

    @contextmanager
    def indexes_set_aside(self, tx: Tx) -> Iterator[None]:
        """Inside one write: the table's plain indexes dropped, then made again from their own definitions.
        SQLite builds an index over rows already in place by sorting them, far quicker than it keeps seven up
        to date through tens of thousands of inserts in no useful order: for an import that more than doubles
        the table (issue 12). DDL is transactional in SQLite, so if the write fails they come back with
        everything else. The schema is as before, definitions and all; unique indexes stay, as they are rules
        checked row by row. Reads meanwhile should look people up by id only."""
        plain = tx.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'people' AND sql IS NOT NULL"
            " AND sql NOT LIKE 'CREATE UNIQUE %'").fetchall()
        for name, _definition in plain:
            tx.conn.execute(f'DROP INDEX "{name}"')
        yield
        for _name, definition in plain:
            tx.conn.execute(definition)

    def insert_imported(self, tx: Tx, rows: list[dict[str, Any]]) -> None:
        """Complete rows (ids given), to be covered by this import's `log_imported` in the same transaction."""
        if rows:
            columns = list(rows[0])
            values = operator.itemgetter(*columns)
            tx.conn.executemany(
                f"INSERT INTO people ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                [values(row) for row in rows])

    def amend_imported(self, tx: Tx, row: dict[str, Any]) -> None:
        """Rewrite a row inserted by this same import, before its `log_imported`: the digest covers the row
        as it finally stands, so the amendment is part of what the import logs (a later row folded into it,
        a twin found further down the file)."""
        columns = [c for c in row if c != "id"]
        tx.conn.execute(f"UPDATE people SET {', '.join(c + ' = ?' for c in columns)} WHERE id = ?",  # noqa: S608
                        [*(row[c] for c in columns), row["id"]])

    def log_imported(self, tx: Tx, incident_id: int, first_id: int, last_id: int, *, import_id: int | None,
                     file_name: str, reason: str | None) -> None:
        """One log entry for people first_id..last_id, inserted by this transaction's import."""
        if last_id < first_id:
            return
        tx.record("person", f"{first_id}..{last_id}", BULK_CREATE, incident_id=incident_id, reason=reason, after={
            **bulk_after(tx.conn, "person", first_id, last_id), "import_id": import_id, "file": file_name})

    def flag_counts(self, first_id: int, last_id: int) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (flags,) in self.store.conn.execute("SELECT flags FROM people WHERE id BETWEEN ? AND ?",
                                                [first_id, last_id]):
            counts.update(_flag_list(flags))
        return counts

    def update(self, tx: Tx, person: Person, facts: PersonFacts, det: Determination, *,
               reason: str | None = None, action: str = "update") -> None:
        # Only the columns that differ from the image the caller read: a whole row written back would put back
        # every field another officer changed since, and each field changed is all the log should show.
        was = person_row(person.id, person.incident_id, person.facts, person.determination, person.merged_into)
        row = person_row(person.id, person.incident_id, facts, det, person.merged_into)
        changed = {column: value for column, value in row.items() if was[column] != value}
        tx.update("person", "people", person.id, changed, incident_id=person.incident_id, reason=reason,
                  action=action)

    def log_key_safe_access(self, tx: Tx, person: Person, *, via: str) -> None:
        """Record that the key-safe code was shown (the officer and time are the entry's own). Someone's front
        door is opened by it, so every look is accountable; the code itself never enters the log."""
        tx.record(KEY_SAFE_ACCESS, person.id, "reveal", after={"person_id": person.id, "via": via},
                  incident_id=person.incident_id)

    def mark_merged(self, tx: Tx, person: Person, into: int, reason: str) -> None:
        tx.update("person", "people", person.id, {"merged_into": into}, incident_id=person.incident_id,
                  reason=reason, action="merged-away")

    def save_mapping(self, tx: Tx, name: str, mapping: dict[str, str]) -> None:
        """A provider's header mapping, kept by name for their next list."""
        text = json.dumps(mapping, sort_keys=True)
        if self.saved_mapping(name) is None:
            tx.insert("column-map", "column_maps", {"name": name, "mapping": text}, pk="name")
        else:
            tx.update("column-map", "column_maps", name, {"mapping": text}, pk="name")

    # --- reads --------------------------------------------------------------------------------------

    def saved_mapping(self, name: str) -> dict[str, str] | None:
        row = self.store.conn.execute("SELECT mapping FROM column_maps WHERE name = ?", [name]).fetchone()
        return json.loads(row[0]) if row else None

    def mapping_for_headers(self, headers: list[str]) -> tuple[str, dict[str, str]] | None:
        """A saved mapping naming exactly these headers (the same provider's next list), by name."""
        wanted = {h.strip() for h in headers if h.strip()}
        for name, text in self.store.conn.execute("SELECT name, mapping FROM column_maps ORDER BY name"):
            mapping = json.loads(text)
            if wanted and set(mapping) == wanted:
                return name, mapping
        return None

    def get(self, person_id: int) -> Person:
        row = next(self.store.query("SELECT * FROM people WHERE id = ?", [person_id]), None)
        if row is None:
            raise NotFound(f"there is no person {person_id}")
        return _person(row)

    def page(self, query: RosterQuery, *, offset: int = 0, limit: int = 100) -> list[Person]:
        where, params = query.where()
        rows = self.store.query(
            f"SELECT * FROM people WHERE {where} ORDER BY {_ORDER} LIMIT ? OFFSET ?",  # noqa: S608
            [*params, limit, offset],
        )
        return [_person(row) for row in rows]

    def rows(self, query: RosterQuery, *, offset: int = 0, limit: int = 100) -> list[RosterRow]:
        """Just what the roster table shows: cheap enough to run on every keystroke."""
        where, params = query.where()
        cursor = self.store.conn.execute(
            "SELECT id, rag, first_name, last_name, provider_ref, nhs_number, date_of_birth, basis, status,"
            f" funding, funding_body, or_code, flags FROM people WHERE {where} ORDER BY {_ORDER}"  # noqa: S608
            " LIMIT ? OFFSET ?", [*params, limit, offset])
        return [RosterRow(*values[:12], flags=tuple(json.loads(values[12]))) for values in cursor]

    def rows_by_id(self, incident_id: int, person_ids: list[int]) -> list[RosterRow]:
        """The roster rows of these people (on this incident, not merged away), in the order asked for.

        For a picker's few chosen or typed ids; ids that are not on the roster are left out."""
        if not person_ids:
            return []
        marks = ",".join("?" * len(person_ids))
        cursor = self.store.conn.execute(
            "SELECT id, rag, first_name, last_name, provider_ref, nhs_number, date_of_birth, basis, status,"
            f" funding, funding_body, or_code, flags FROM people WHERE id IN ({marks})"  # noqa: S608
            " AND incident_id = ? AND merged_into IS NULL", [*person_ids, incident_id])
        found = {values[0]: RosterRow(*values[:12], flags=tuple(json.loads(values[12]))) for values in cursor}
        return [found[i] for i in dict.fromkeys(person_ids) if i in found]

    def count(self, query: RosterQuery) -> int:
        where, params = query.where()
        return self.store.conn.execute(f"SELECT count(*) FROM people WHERE {where}", params).fetchone()[0]  # noqa: S608

    def all(self, incident_id: int, *, provenance: bool = True) -> list[Person]:
        """Everyone on the roster. provenance=False leaves out where each value came from, which is two
        thirds of the reading time at 50,000 people, for bulk work that never shows it (letters)."""
        if provenance:
            return self.page(RosterQuery(incident_id), limit=-1)
        where, params = RosterQuery(incident_id).where()
        rows = self.store.query(f"SELECT * FROM people WHERE {where} ORDER BY {_ORDER}", params)  # noqa: S608
        return [_person(row, provenance=False) for row in rows]

    def for_letters(self, incident_id: int, *, bodies_only: bool = False) -> list[Person]:
        """The roster as letters need it: without provenance (two thirds of each row at 50,000 people), built
        without validating again what was validated when it was written.
        With `bodies_only`, only the people a body may be told about (someone on a determination's notify
        list, NHS-funded, or with a data issue that may hold them back): a letter to a body names no one else."""
        where, params = RosterQuery(incident_id).where()
        if bodies_only:
            where += " AND (notify != '[]' OR basis = 'nhs-icb' OR issues != '[]')"
        cursor = self.store.conn.execute(
            f"SELECT id, incident_id, {', '.join(_LETTER_FACTS)}, basis, notify, recover_from, charge_route, flags,"  # noqa: S608
            f" reasons, merged_into FROM people WHERE {where} ORDER BY id", params)
        return [_letter_person(values) for values in cursor]

    def notify_counts(self, incident_id: int) -> dict[str, int]:
        """How many people each body is to be told about ('la:WAR': 14), most first."""
        return dict(self.store.conn.execute(
            "SELECT value, count(*) FROM people, json_each(people.notify)"
            " WHERE incident_id = ? AND merged_into IS NULL GROUP BY value ORDER BY 2 DESC, 1", [incident_id]))

    def basis_counts(self, incident_id: int) -> dict[str, int]:
        """How many people on the roster have each basis, most first (a notice that names nobody)."""
        where, params = RosterQuery(incident_id).where()
        return dict(self.store.conn.execute(
            f"SELECT basis, count(*) FROM people WHERE {where} GROUP BY basis ORDER BY 2 DESC, 1", params))  # noqa: S608

    def ids(self, incident_id: int) -> list[int]:
        return [r[0] for r in self.store.conn.execute(
            "SELECT id FROM people WHERE incident_id = ? AND merged_into IS NULL ORDER BY id", [incident_id])]

    def by_nhs_number(self, incident_id: int, nhs_number: str) -> Person | None:
        row = next(self.store.query(
            "SELECT * FROM people WHERE incident_id = ? AND nhs_number = ? AND merged_into IS NULL ORDER BY id LIMIT 1",
            [incident_id, nhs_number]), None)
        return _person(row) if row else None

    def nhs_numbers(self, incident_id: int) -> dict[str, int]:
        """NHS number -> id for the roster, for matching a whole file at once."""
        return dict(self.store.conn.execute(
            "SELECT nhs_number, min(id) FROM people WHERE incident_id = ? AND nhs_number IS NOT NULL"
            " AND merged_into IS NULL GROUP BY nhs_number", [incident_id]))

    def same_name_and_birth(self, incident_id: int, first: str, last: str, dob: date | None,
                            exclude: int | None = None) -> list[int]:
        if not dob or not (first or last):
            return []
        rows = self.store.conn.execute(
            "SELECT id FROM people WHERE incident_id = ? AND date_of_birth = ? AND lower(first_name) = ?"
            " AND lower(last_name) = ? AND id != ? AND merged_into IS NULL",
            [incident_id, dob.isoformat(), first.lower(), last.lower(), exclude or -1],
        )
        return [r[0] for r in rows]

    def birth_keys(self, incident_id: int, exclude: set[int] | None = None) -> dict[tuple[str, str, str], list[int]]:
        """(first, last, date of birth) -> ids, for spotting suspected duplicates in bulk."""
        keys: dict[tuple[str, str, str], list[int]] = {}
        for person_id, first, last, dob in self.store.conn.execute(
                "SELECT id, lower(first_name), lower(last_name), date_of_birth FROM people"
                " WHERE incident_id = ? AND date_of_birth IS NOT NULL AND merged_into IS NULL", [incident_id]):
            if not exclude or person_id not in exclude:
                keys.setdefault((first, last, dob), []).append(person_id)
        return keys

    def summary(self, incident_id: int) -> dict[str, Any]:
        conn = self.store.conn
        by = {}
        for column in ("basis", "rag", "status"):
            by[column] = dict(conn.execute(
                f"SELECT coalesce({column}, 'none'), count(*) FROM people WHERE incident_id = ? AND merged_into IS NULL"  # noqa: S608
                f" GROUP BY 1 ORDER BY 2 DESC", [incident_id]))
        live = "incident_id = ? AND merged_into IS NULL"
        notify = self.notify_counts(incident_id)
        flags = dict(conn.execute(
            f"SELECT value, count(*) FROM people, json_each(people.flags) WHERE {live}"  # noqa: S608
            " GROUP BY value ORDER BY 2 DESC, 1", [incident_id]))
        total = conn.execute("SELECT count(*) FROM people WHERE incident_id = ? AND merged_into IS NULL",
                             [incident_id]).fetchone()[0]
        return {"total": total, **by, "notify": notify, "flags": flags,
                "people_with_flags": conn.execute(
                    "SELECT count(*) FROM people WHERE incident_id = ? AND flag_count > 0 AND merged_into IS NULL",
                    [incident_id]).fetchone()[0]}
