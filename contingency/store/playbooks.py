"""Playbook runs and their step items: rows <-> models. Every write is logged through Tx."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contingency.engine.plan import Someone
from contingency.engine.runs import ItemNote, ItemState, Run, RunStatus, StepItem
from contingency.person import RAG, Basis, Flag, Funding, PersonStatus
from contingency.rules.times import from_utc_iso, to_utc_iso
from contingency.store.errors import NotFound

if TYPE_CHECKING:
    from contingency.store.store import Store


def _run(row: dict[str, Any]) -> Run:
    return Run(
        **{**row, "started_at": from_utc_iso(row["started_at"]),
           "ended_at": from_utc_iso(row["ended_at"]) if row["ended_at"] else None},
    )


def _item(row: dict[str, Any]) -> StepItem:
    notes = tuple(ItemNote(at=from_utc_iso(n["at"]), by=n["by"], text=n["text"]) for n in json.loads(row["notes"]))
    return StepItem(
        **{**row, "evidence": json.loads(row["evidence"]), "notes": notes,
           "updated_at": from_utc_iso(row["updated_at"])},
    )


def _display_name(first: str, last: str, ref: str, nhs: str | None) -> str:
    # PersonFacts.display_name's rule, without building a whole record for each of 50,000 people.
    name = " ".join(p for p in (first, last) if p)
    return name or (f"ref {ref}" if ref else f"NHS {nhs}")


_SOMEONE = ("SELECT id, first_name, last_name, provider_ref, nhs_number, rag, status, basis, funding, fnc, flags,"
            " capacity_concern, advocate_needed FROM people")
# The columns a person filter tests (engine.plan.person_matches): people alike in all of them are alike to a plan.
# In the order of the people_summary index (db/0017), so grouping by them reads that index alone.
CROWD_COLUMNS = ("rag", "status", "basis", "funding", "fnc", "capacity_concern", "advocate_needed", "flags")
# Names that Python and SQLite put in the same order: SQLite folds the case of ASCII letters only.
_PLAIN_NAMES = "first_name NOT GLOB '*[^ -~]*' AND last_name NOT GLOB '*[^ -~]*'"
_ROSTER_ORDER = ("CASE rag WHEN 'RED' THEN 0 WHEN 'AMBER' THEN 2 WHEN 'GREEN' THEN 3 ELSE 1 END,"
                 " last_name COLLATE NOCASE, first_name COLLATE NOCASE, id")


def _someone(row: tuple) -> Someone:
    (person_id, first, last, ref, nhs, rag, status, basis, funding, fnc, flags, capacity, advocate) = row
    return Someone(
        id=person_id, name=_display_name(first, last, ref, nhs), sort_name=(last.lower(), first.lower()),
        rag=RAG(rag) if rag else None, status=PersonStatus(status), basis=Basis(basis), funding=Funding(funding),
        fnc=bool(fnc), flags=frozenset(Flag(f) for f in json.loads(flags)), capacity_concern=bool(capacity),
        advocate_needed=bool(advocate))


@dataclass(frozen=True)
class Crowd:
    """Live people with nothing recorded in the run who share every column a person filter tests: to a plan
    they are alike, so one stands for all of them. `like` has their columns and an id below zero."""

    like: Someone
    columns: tuple  # the raw values of CROWD_COLUMNS, to find the real people again
    count: int


def _alike(crowds: list[Crowd]) -> tuple[str, list]:
    """SQL true for a person in one of these crowds, on the people_summary index. An unrated person's rag is
    NULL, and a NULL never equals anything in a row value: unrated crowds are matched on the other columns."""
    parts, values = [], []
    for rated in (True, False):
        wanted = [crowd.columns for crowd in crowds if (crowd.columns[0] is not None) is rated]
        if not wanted:
            continue
        columns = CROWD_COLUMNS if rated else CROWD_COLUMNS[1:]
        marks = ", ".join(["(" + ", ".join("?" * len(columns)) + ")"] * len(wanted))
        parts.append(f"({'' if rated else 'rag IS NULL AND '}({', '.join(columns)}) IN (VALUES {marks}))")
        values += [value for row in wanted for value in (row if rated else row[1:])]
    return f"({' OR '.join(parts) or '0'})", values


class PlaybookRepo:
    def __init__(self, store: Store):
        self.store = store

    def crowds(self, incident_id: int, recorded_ids: set[int]) -> tuple[list[Someone], list[Crowd]]:
        """The roster in the few rows a plan's next step needs (issue 12), instead of every person.

        Returned: each person who is not alike to others in the plan's eyes, namely people with something
        recorded in the run (`recorded_ids`) and records merged away (the plan counts those too), in full;
        and everyone else as crowds, one stand-in each. A plan made from these has the same steps, the same
        states and the same due times as one from the whole roster; only which person of a crowd is named
        is left to `first_of`."""
        conn = self.store.conn
        singles = [_someone(row) for row in conn.execute(
            f"{_SOMEONE} WHERE incident_id = ? AND merged_into IS NOT NULL", [incident_id])]
        if recorded_ids:
            singles += [_someone(row) for row in conn.execute(
                f"{_SOMEONE} WHERE incident_id = ? AND merged_into IS NULL"
                " AND id IN (SELECT value FROM json_each(?))", [incident_id, json.dumps(sorted(recorded_ids))])]
        columns = ", ".join(CROWD_COLUMNS)
        rows = conn.execute(
            f"SELECT {columns}, count(*) FROM people WHERE incident_id = ? AND merged_into IS NULL"
            " AND id NOT IN (SELECT value FROM json_each(?)) GROUP BY " + columns,
            [incident_id, json.dumps(sorted(recorded_ids))])
        crowds = []
        for n, (rag, status, basis, funding, fnc, capacity, advocate, flags, count) in enumerate(rows, 1):
            like = _someone((-n, "", "", "", None, rag, status, basis, funding, fnc, flags, capacity, advocate))
            crowds.append(Crowd(like, (rag, status, basis, funding, fnc, capacity, advocate, flags), count))
        return singles, crowds

    def first_of(self, incident_id: int, crowds: list[Crowd], recorded_ids: set[int]) -> Someone | None:
        """The first person of these crowds in the roster's order (RAG, then last and first name, then id),
        exactly as engine.plan orders people: found on the roster index, walking it only until one fits."""
        if not crowds:
            return None
        alike, params = _alike(crowds)
        alike += " AND id NOT IN (SELECT value FROM json_each(?))"
        params = [incident_id, *params, json.dumps(sorted(recorded_ids))]
        conn = self.store.conn
        found = [_someone(row) for row in conn.execute(
            f"{_SOMEONE} WHERE incident_id = ? AND merged_into IS NULL AND {alike} AND {_PLAIN_NAMES}"
            f" ORDER BY {_ROSTER_ORDER} LIMIT 1", params)]
        # Letters beyond ASCII fold differently in SQLite, so those few names are put in order here.
        found += [_someone(row) for row in conn.execute(
            f"{_SOMEONE} WHERE incident_id = ? AND merged_into IS NULL AND {alike}"
            f" AND NOT ({_PLAIN_NAMES})", params)]
        rank = {RAG.RED: 0, None: 1, RAG.AMBER: 2, RAG.GREEN: 3}
        return min(found, key=lambda p: (rank[p.rag], p.sort_name, p.id), default=None)

    def _alike_or(self, incident_id: int, crowds: list[Crowd], ids, recorded_ids: set[int]) -> tuple[str, list]:
        """WHERE for the people of these crowds (live, nothing recorded) and these people by id."""
        recorded = json.dumps(sorted(recorded_ids))
        parts, params = [], [incident_id]
        if crowds:
            alike, values = _alike(crowds)
            parts.append(f"(merged_into IS NULL AND {alike} AND id NOT IN (SELECT value FROM json_each(?)))")
            params += [*values, recorded]
        if ids:
            parts.append("id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(ids)))
        return f"incident_id = ? AND ({' OR '.join(parts) or '0'})", params

    def page_of(self, incident_id: int, crowds: list[Crowd], ids, recorded_ids: set[int], *, limit: int,
                offset: int = 0) -> list[Someone]:
        """A page of the people of these crowds and these people (by id), in the roster's order as SQLite
        sorts it (the roster section's order): `limit` rows however long the roster (issue 12).

        Many of the roster: walked in order on the roster index until the page is full. Few, or a page far
        down: found on the people_summary index and sorted (the '+' keeps SQLite off the order index)."""
        where, params = self._alike_or(incident_id, crowds, ids, recorded_ids)
        found = sum(c.count for c in crowds) + len(ids)
        everyone = max(self._live(incident_id), found, 1)
        walk = (offset + limit) * everyone <= found * found  # rows walked to fill the page <= rows to sort
        return [_someone(row) for row in self.store.conn.execute(
            f"{_SOMEONE} WHERE {where} ORDER BY {'' if walk else '+'}{_ROSTER_ORDER} LIMIT ? OFFSET ?",
            [*params, limit, offset])]

    def _live(self, incident_id: int) -> int:
        return self.store.incidents._people_counts().get(incident_id, 0)

    def place_of(self, incident_id: int, crowds: list[Crowd], ids, recorded_ids: set[int],
                 person_id: int) -> int | None:
        """Where `person_id` stands (from 0) among `page_of`'s people, or None if not among them: the people
        before them in the roster's order, counted (no sort)."""
        where, params = self._alike_or(incident_id, crowds, ids, recorded_ids)
        conn = self.store.conn
        if conn.execute(f"SELECT 1 FROM people WHERE {where} AND id = ?", [*params, person_id]).fetchone() is None:
            return None
        rank = _ROSTER_ORDER.split(",")[0]
        key = conn.execute(f"SELECT {rank}, last_name, first_name FROM people WHERE id = ?", [person_id]).fetchone()
        return conn.execute(
            f"SELECT count(*) FROM people WHERE {where} AND ({rank}, last_name COLLATE NOCASE,"
            " first_name COLLATE NOCASE, id) < (?, ?, ?, ?)", [*params, *key, person_id]).fetchone()[0]

    def roster(self, incident_id: int) -> list[Someone]:
        """The few columns of each person a plan tests, without building whole person records."""
        return [_someone(row) for row in self.store.conn.execute(f"{_SOMEONE} WHERE incident_id = ?",
                                                                  [incident_id])]

    # --- runs -----------------------------------------------------------------------------------

    def start(self, incident_id: int, *, playbook_id: str, version: str, title: str, reason: str,
              replaces: Run | None = None) -> Run:
        """A new active run; the run it replaces is kept, marked superseded by it."""
        with self.store.write(reason) as tx:
            run_id = tx.next_id("playbook_runs")
            if replaces is not None:
                self.supersede(replaces, by=run_id, reason=reason)
            tx.insert("playbook-run", "playbook_runs", {
                "id": run_id, "incident_id": incident_id, "playbook_id": playbook_id, "version": version,
                "title": title, "started_at": tx.at, "started_by": tx.officer, "status": RunStatus.ACTIVE.value,
                "superseded_by": None, "ended_at": None,
            }, incident_id=incident_id, reason=reason)
        return self.run(run_id)

    def supersede(self, run: Run, *, by: int | None, reason: str) -> None:
        with self.store.write(reason) as tx:
            tx.update("playbook-run", "playbook_runs", run.id,
                      {"status": RunStatus.SUPERSEDED.value, "superseded_by": by, "ended_at": tx.at},
                      incident_id=run.incident_id, reason=reason, action="supersede")

    def run(self, run_id: int) -> Run:
        row = next(self.store.query("SELECT * FROM playbook_runs WHERE id = ?", [run_id]), None)
        if row is None:
            raise NotFound(f"there is no playbook run {run_id}")
        return _run(row)

    def active_run(self, incident_id: int) -> Run | None:
        row = next(self.store.query(
            "SELECT * FROM playbook_runs WHERE incident_id = ? AND status = 'active'", [incident_id]), None)
        return _run(row) if row else None

    def runs(self, incident_id: int) -> list[Run]:
        return [_run(row) for row in self.store.query(
            "SELECT * FROM playbook_runs WHERE incident_id = ? ORDER BY id", [incident_id])]

    # --- step items -----------------------------------------------------------------------------

    def items(self, run_id: int) -> list[StepItem]:
        return [_item(row) for row in self.store.query(
            "SELECT * FROM step_items WHERE run_id = ? ORDER BY id", [run_id])]

    def item(self, run_id: int, step_id: str, person_id: int | None) -> StepItem | None:
        row = next(self.store.query(
            "SELECT * FROM step_items WHERE run_id = ? AND step_id = ? AND coalesce(person_id, 0) = ?",
            [run_id, step_id, person_id or 0]), None)
        return _item(row) if row else None

    def set_state(self, run: Run, step_id: str, person_id: int | None, state: ItemState, *, reason: str = "",
                  evidence: dict[str, Any] | None = None, log_reason: str) -> StepItem:
        """Record a state change (and its evidence) on a step item, creating the item the first time."""
        changes = {"state": state.value, "reason": reason, "evidence": json.dumps(evidence or {}, sort_keys=True)}
        with self.store.write(log_reason) as tx:
            existing = self.item(run.id, step_id, person_id)
            changes.update(updated_by=tx.officer, updated_at=tx.at)
            if existing is None:
                item_id = tx.next_id("step_items")
                tx.insert("step-item", "step_items", {
                    "id": item_id, "run_id": run.id, "step_id": step_id, "person_id": person_id, **changes,
                    "notes": "[]", "carried_from": None,
                }, incident_id=run.incident_id, reason=log_reason)
            else:
                item_id = existing.id
                tx.update("step-item", "step_items", item_id, changes, incident_id=run.incident_id,
                          reason=log_reason, action=state.value)
        return self._get(item_id)

    def add_note(self, run: Run, step_id: str, person_id: int | None, text: str) -> StepItem:
        with self.store.write("note added") as tx:
            existing = self.item(run.id, step_id, person_id)
            note = {"at": tx.at, "by": tx.officer, "text": text}
            if existing is None:
                item_id = tx.next_id("step_items")
                tx.insert("step-item", "step_items", {
                    "id": item_id, "run_id": run.id, "step_id": step_id, "person_id": person_id,
                    "state": ItemState.PENDING.value, "reason": "", "evidence": "{}",
                    "notes": json.dumps([note]), "updated_by": tx.officer, "updated_at": tx.at,
                    "carried_from": None,
                }, incident_id=run.incident_id, reason="note added")
            else:
                item_id = existing.id
                notes = [{"at": to_utc_iso(n.at), "by": n.by, "text": n.text} for n in existing.notes] + [note]
                tx.update("step-item", "step_items", item_id, {"notes": json.dumps(notes)},
                          incident_id=run.incident_id, reason="note added", action="note")
        return self._get(item_id)

    def carry_over(self, items: list[StepItem], into: Run, reason: str) -> int:
        """Copy finished items into a new run: who did them and when stays as it was."""
        with self.store.write(reason) as tx:
            for item in items:
                tx.insert("step-item", "step_items", {
                    "id": tx.next_id("step_items"), "run_id": into.id, "step_id": item.step_id,
                    "person_id": item.person_id, "state": item.state.value, "reason": item.reason,
                    "evidence": json.dumps(item.evidence, sort_keys=True),
                    "notes": json.dumps([{"at": to_utc_iso(n.at), "by": n.by, "text": n.text} for n in item.notes]),
                    "updated_by": item.updated_by, "updated_at": to_utc_iso(item.updated_at),
                    "carried_from": item.id,
                }, incident_id=into.incident_id, reason=reason)
        return len(items)

    def _get(self, item_id: int) -> StepItem:
        return _item(next(self.store.query("SELECT * FROM step_items WHERE id = ?", [item_id])))
