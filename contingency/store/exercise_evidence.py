"""When did it first hold? The store's own timestamps for each key of a scenario's `when` (exercises.md §2).

Every time here is the exercise time the store recorded (the exercise clock stamps every row and log entry),
so a score is the same whether or not a facilitator's screen was open while it happened. Each function
returns the earliest time at or after `since` (UTC ISO text), or None if it has not held.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contingency.store.store import Store


class EvidenceRepo:
    def __init__(self, store: Store):
        self.store = store

    def _first(self, sql: str, params: list[object]) -> str | None:
        row = self.store.conn.execute(sql, params).fetchone()
        return row[0] if row and row[0] is not None else None

    def classification(self, key: str, since: str) -> str | None:
        """An incident took classification `key` (created so, or reclassified)."""
        return self._first(
            "SELECT min(at) FROM event_log WHERE entity = 'incident' AND at >= ? "
            "AND json_extract(after, '$.classification') = ?", [since, key])

    def decision(self, words: str, since: str) -> str | None:
        """A decision entry recorded whose decision, options or rationale contain `words` (any case). When it
        was recorded, not when it says it was decided: a late entry is late."""
        return self._first(
            "SELECT min(logged_at) FROM decisions WHERE logged_at >= ? AND instr(lower(decision || ' ' || options "
            "|| ' ' || rationale), lower(?)) > 0", [since, words.strip()])

    def letter(self, refs: list[str], since: str) -> str | None:
        """A letter generated to a recipient whose reference matches one of `refs` (LIKE patterns such as
        'la:E08000026', 'la:%', 'icb:QWU', 'cqc', 'person:%')."""
        if not refs:
            return None
        matches = " OR ".join("n.recipient_ref LIKE ?" for _ in refs)
        return self._first(
            "SELECT min(d.generated_at) FROM notification_documents d JOIN notifications n "
            f"ON n.id = d.notification_id WHERE d.generated_at >= ? AND ({matches})", [since, *refs])  # noqa: S608

    def cost_route(self, route: str, since: str) -> str | None:
        return self._first(
            "SELECT min(at) FROM event_log WHERE entity = 'cost-allocation' AND at >= ? "
            "AND json_extract(after, '$.route') = ?", [since, route])

    def imported_whole(self, since: str) -> str | None:
        """A list imported with every row accounted for: rows in = imported + merged + rejected."""
        return self._first(
            "SELECT min(at) FROM imports WHERE at >= ? AND data_rows = imported + merged + rejected", [since])

    def handover(self, since: str) -> str | None:
        return self._first("SELECT min(created_at) FROM handover_packs WHERE created_at >= ?", [since])

    def marked_met(self, expectation_id: str, since: str) -> str | None:
        return self._first(
            "SELECT min(at) FROM exercise_marks WHERE expectation_id = ? AND kind = 'met' AND at >= ?",
            [expectation_id, since])

    def people_by_tag(self, references: list[str]) -> list[int]:
        """Live records whose provider reference is one of `references` (the tag as the file carried it)."""
        marks = ", ".join("?" * len(references))
        return [r[0] for r in self.store.conn.execute(
            f"SELECT id FROM people WHERE merged_into IS NULL AND provider_ref IN ({marks}) ORDER BY id",  # noqa: S608
            references)]

    def basis_since(self, basis: str, person_ids: list[int] | None, since: str) -> str | None:
        """When some person (of `person_ids`, or anyone) first had determination basis `basis`. A bulk import
        logs one entry for all its rows, so a person's first basis is the `before` of their first logged
        change, or their basis now if it never changed."""
        where, params = ("", []) if person_ids is None else (
            f" AND id IN ({', '.join('?' * len(person_ids))})", list(person_ids))
        if person_ids == []:
            return None
        best: str | None = None
        people = self.store.conn.execute(
            f"SELECT id, basis FROM people WHERE merged_into IS NULL{where}", params).fetchall()  # noqa: S608
        for person_id, basis_now in people:
            found = self._person_basis_since(person_id, basis_now, basis, since)
            if found is not None and (best is None or found < best):
                best = found
        return best

    def _person_basis_since(self, person_id: int, basis_now: str, basis: str, since: str) -> str | None:
        changes = self.store.conn.execute(
            "SELECT at, action, before, after FROM event_log WHERE entity = 'person' AND entity_id = ? ORDER BY seq",
            [str(person_id)]).fetchall()
        first_basis = basis_now
        for _at, _action, before, _after in changes:
            if before:
                first_basis = json.loads(before).get("basis", first_basis)
                break
        if first_basis == basis:
            created = self._created_at(person_id, changes)
            if created is not None and created >= since:
                return created
        for at, _action, _before, after in changes:
            if at >= since and after and json.loads(after).get("basis") == basis:
                return at
        return None

    def _created_at(self, person_id: int, changes: list[tuple]) -> str | None:
        for at, action, _before, _after in changes:
            if action == "create":
                return at
        # Imported: the bulk entry covering this id ("first..last").
        return self._first(
            "SELECT min(at) FROM event_log WHERE entity = 'person' AND action = 'bulk-create' "
            "AND CAST(json_extract(after, '$.first_id') AS INTEGER) <= ? "
            "AND CAST(json_extract(after, '$.last_id') AS INTEGER) >= ?", [person_id, person_id])
