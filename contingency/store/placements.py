"""Vacancies, placement facts about people, moves and their checklists (migration 0015). Every SQL statement
for them is here; writes run inside `store.write` and are logged by the Tx."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contingency.rules.placements import (
    CareType,
    Gender,
    ItemState,
    Move,
    MoveItem,
    Vacancy,
)
from contingency.rules.times import from_utc_iso, to_utc_iso
from contingency.store.errors import NotFound

if TYPE_CHECKING:
    from contingency.store.store import Store
    from contingency.store.tx import Tx

PROFILE_FIELDS = ("sex", "partner_person_id", "shares_room", "friends", "family_postcode")


def _time(text: str | None):
    return from_utc_iso(text) if text else None


def _vacancy(row: dict[str, Any]) -> Vacancy:
    return Vacancy(
        id=row["id"], provider=row["provider"], care_types=frozenset(CareType(t) for t in json.loads(row["care_types"])),
        location=row["location"], postcode=row["postcode"], gender=Gender(row["gender"]), places=row["places"],
        weekly_rate_pence=row["weekly_rate_pence"], available_from=_time(row["available_from"]),
        held_until=_time(row["held_until"]), contact=row["contact"], notes=row["notes"], source=row["source"],
        incident_id=row["incident_id"], created_by=row["created_by"], created_at=_time(row["created_at"]))


def vacancy_row(vacancy: Vacancy) -> dict[str, Any]:
    """A vacancy as its row (without the id, made by the store, and who and when, from the transaction)."""
    return {
        "incident_id": vacancy.incident_id, "provider": vacancy.provider, "location": vacancy.location,
        "postcode": vacancy.postcode,
        "care_types": json.dumps([t.value for t in CareType if t in vacancy.care_types]),
        "gender": vacancy.gender.value, "places": vacancy.places, "weekly_rate_pence": vacancy.weekly_rate_pence,
        "available_from": to_utc_iso(vacancy.available_from) if vacancy.available_from else None,
        "held_until": to_utc_iso(vacancy.held_until) if vacancy.held_until else None,
        "contact": vacancy.contact, "notes": vacancy.notes, "source": vacancy.source,
    }


def _move(row: dict[str, Any]) -> Move:
    return Move(id=row["id"], incident_id=row["incident_id"], person_id=row["person_id"],
                vacancy_id=row["vacancy_id"], decision_id=row["decision_id"],
                decided_at=from_utc_iso(row["decided_at"]), status=row["status"], superseded_by=row["superseded_by"])


def _item(row: dict[str, Any]) -> MoveItem:
    return MoveItem(id=row["id"], move_id=row["move_id"], key=row["item"], position=row["position"],
                    state=ItemState(row["state"]), note=row["note"], updated_by=row["updated_by"],
                    updated_at=_time(row["updated_at"]))


class PlacementRepo:
    def __init__(self, store: Store):
        self.store = store

    # --- vacancies --------------------------------------------------------------------------------------

    def add_vacancy(self, tx: Tx, vacancy: Vacancy, *, reason: str | None = None) -> int:
        vacancy_id = tx.next_id("vacancies")
        tx.insert("vacancy", "vacancies", {"id": vacancy_id, **vacancy_row(vacancy), "created_by": tx.officer,
                                           "created_at": tx.at},
                  incident_id=vacancy.incident_id, reason=reason)
        return vacancy_id

    def record_import(self, tx: Tx, *, file_name: str, sha256: str, data_rows: int, imported: int,
                      rejects: list[tuple[int, str, str]]) -> int:
        import_id = tx.next_id("vacancy_imports")
        tx.insert("vacancy-import", "vacancy_imports", {
            "id": import_id, "file_name": file_name, "sha256": sha256, "data_rows": data_rows,
            "imported": imported, "rejected": len(rejects), "at": tx.at})
        first = tx.next_id("vacancy_import_rejects")
        tx.insert_many("vacancy-import-reject", "vacancy_import_rejects", [
            {"id": first + n, "import_id": import_id, "row_number": row, "reason": reason, "raw": raw}
            for n, (row, reason, raw) in enumerate(rejects)])
        return import_id

    def vacancy(self, vacancy_id: int) -> Vacancy:
        row = next(self.store.query("SELECT * FROM vacancies WHERE id = ?", [vacancy_id]), None)
        if row is None:
            raise NotFound(f"there is no vacancy {vacancy_id}")
        return _vacancy(row)

    def vacancies(self, incident_id: int | None = None) -> list[Vacancy]:
        """Every offer (for one incident: those made for it and those made for none), oldest first."""
        if incident_id is None:
            rows = self.store.query("SELECT * FROM vacancies ORDER BY id")
        else:
            rows = self.store.query("SELECT * FROM vacancies WHERE incident_id IS NULL OR incident_id = ?"
                                       " ORDER BY id", [incident_id])
        return [_vacancy(row) for row in rows]

    def taken(self) -> dict[int, int]:
        """Places promised by planned moves, by vacancy id."""
        rows = self.store.conn.execute("SELECT vacancy_id, count(*) FROM moves WHERE status = 'planned'"
                                       " GROUP BY vacancy_id")
        return {vacancy_id: count for vacancy_id, count in rows}

    def import_rejects(self, import_id: int) -> list[tuple[int, str]]:
        rows = self.store.conn.execute("SELECT row_number, reason FROM vacancy_import_rejects WHERE import_id = ?"
                                       " ORDER BY row_number", [import_id])
        return [(row, reason) for row, reason in rows]

    # --- placement facts about a person -----------------------------------------------------------------

    def profile(self, person_id: int) -> dict[str, Any]:
        row = next(self.store.query("SELECT * FROM placement_people WHERE person_id = ?", [person_id]), None)
        if row is None:
            return {"person_id": person_id, "sex": None, "partner_person_id": None, "shares_room": False,
                    "friends": [], "family_postcode": ""}
        return {**row, "shares_room": bool(row["shares_room"]), "friends": json.loads(row["friends"])}

    def partner_of(self, person_id: int) -> int | None:
        """The partner, recorded on either record."""
        row = self.store.conn.execute(
            "SELECT partner_person_id FROM placement_people WHERE person_id = ? AND partner_person_id IS NOT NULL"
            " UNION SELECT person_id FROM placement_people WHERE partner_person_id = ? LIMIT 1",
            [person_id, person_id]).fetchone()
        return row[0] if row else None

    def set_profile(self, tx: Tx, person_id: int, incident_id: int, changes: dict[str, Any], *,
                    reason: str | None = None) -> None:
        row = {k: v for k, v in changes.items() if k in PROFILE_FIELDS}
        if "shares_room" in row:
            row["shares_room"] = int(bool(row["shares_room"]))
        if "friends" in row:
            row["friends"] = json.dumps(sorted(set(row["friends"])))
        exists = self.store.conn.execute("SELECT 1 FROM placement_people WHERE person_id = ?",
                                         [person_id]).fetchone()
        if exists:
            tx.update("placement-person", "placement_people", person_id, row, pk="person_id",
                      incident_id=incident_id, reason=reason)
        else:
            tx.insert("placement-person", "placement_people", {"person_id": person_id, **row}, pk="person_id",
                      incident_id=incident_id, reason=reason)

    # --- moves ------------------------------------------------------------------------------------------

    def add_move(self, tx: Tx, *, incident_id: int, person_id: int, vacancy_id: int, decision_id: int,
                 item_keys: list[str], reason: str | None = None) -> int:
        move_id = tx.next_id("moves")
        tx.insert("move", "moves", {"id": move_id, "incident_id": incident_id, "person_id": person_id,
                                    "vacancy_id": vacancy_id, "decision_id": decision_id, "decided_at": tx.at},
                  incident_id=incident_id, reason=reason)
        first = tx.next_id("move_items")
        tx.insert_many("move-item", "move_items", [
            {"id": first + n, "move_id": move_id, "item": key, "position": n, "state": ItemState.OPEN.value,
             "note": "", "updated_by": None, "updated_at": None}
            for n, key in enumerate(item_keys)], incident_id=incident_id, reason=reason)
        return move_id

    def supersede(self, tx: Tx, move: Move, by: int | None, *, reason: str | None = None) -> None:
        tx.update("move", "moves", move.id, {"status": "superseded", "superseded_by": by},
                  incident_id=move.incident_id, reason=reason, action="superseded")

    def current_move(self, person_id: int) -> Move | None:
        row = next(self.store.query("SELECT * FROM moves WHERE person_id = ? AND status = 'planned'",
                                       [person_id]), None)
        return _move(row) if row else None

    def moves(self, incident_id: int | None = None) -> list[Move]:
        """Planned moves (of one incident, or all), in the order decided."""
        if incident_id is None:
            rows = self.store.query("SELECT * FROM moves WHERE status = 'planned' ORDER BY id")
        else:
            rows = self.store.query("SELECT * FROM moves WHERE status = 'planned' AND incident_id = ?"
                                       " ORDER BY id", [incident_id])
        return [_move(row) for row in rows]

    def items(self, move_id: int) -> list[MoveItem]:
        rows = self.store.query("SELECT * FROM move_items WHERE move_id = ? ORDER BY position", [move_id])
        return [_item(row) for row in rows]

    def planned_items(self) -> list[tuple[Move, MoveItem]]:
        """Every item of every planned move (for What's next)."""
        rows = self.store.query(
            "SELECT i.*, m.incident_id AS m_incident, m.person_id AS m_person, m.vacancy_id AS m_vacancy,"
            " m.decision_id AS m_decision, m.decided_at AS m_decided, m.status AS m_status"
            " FROM move_items i JOIN moves m ON m.id = i.move_id"
            " WHERE m.status = 'planned' ORDER BY m.id, i.position")
        found = []
        moves: dict[int, Move] = {}
        for row in rows:
            move = moves.setdefault(row["move_id"], Move(
                id=row["move_id"], incident_id=row["m_incident"], person_id=row["m_person"],
                vacancy_id=row["m_vacancy"], decision_id=row["m_decision"], decided_at=from_utc_iso(row["m_decided"]),
                status=row["m_status"]))
            found.append((move, _item(row)))
        return found

    def set_item(self, tx: Tx, move: Move, item: MoveItem, state: ItemState, note: str, *,
                 reason: str | None = None) -> None:
        tx.update("move-item", "move_items", item.id,
                  {"state": state.value, "note": note, "updated_by": tx.officer, "updated_at": tx.at},
                  incident_id=move.incident_id, reason=reason, action=state.value)
