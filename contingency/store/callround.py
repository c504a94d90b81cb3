"""The welfare call-round's records: calls made (never edited) and visits covered by a bridge.

Every statement about them is here; each write runs inside `Store.write`, which takes the write lock
(BEGIN IMMEDIATE) and logs it in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contingency.rules.callround import Cover, Outcome
from contingency.rules.times import from_utc_iso, to_utc_iso

if TYPE_CHECKING:
    from contingency.store.store import Store


@dataclass(frozen=True)
class Call:
    id: int
    incident_id: int
    person_id: int
    called: str
    outcome: Outcome
    off_list: bool
    note: str
    next_action: str
    next_at: datetime | None
    called_by: str
    called_at: datetime
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class StoredCover:
    id: int
    incident_id: int
    cover: Cover
    note: str
    recorded_by: str
    recorded_at: datetime


class CallRoundRepo:
    def __init__(self, store: Store):
        self.store = store

    # --- writes ---------------------------------------------------------------------------------------

    def add_call(self, *, incident_id: int, person_id: int, called: str, outcome: Outcome, off_list: bool,
                 note: str, next_action: str, next_at: datetime | None, called_by: str, called_at: datetime,
                 reason: str) -> Call:
        with self.store.write(reason) as tx:
            call_id = tx.next_id("callround_calls")
            tx.insert("callround-call", "callround_calls", {
                "id": call_id, "incident_id": incident_id, "person_id": person_id, "called": called,
                "outcome": outcome.value, "off_list": int(off_list), "note": note, "next_action": next_action,
                "next_at": to_utc_iso(next_at) if next_at else None, "called_by": called_by,
                "called_at": to_utc_iso(called_at), "recorded_by": tx.officer, "recorded_at": tx.at,
            }, incident_id=incident_id)
        return self.call(call_id)

    def add_cover(self, *, incident_id: int, cover: Cover, note: str, reason: str) -> StoredCover:
        with self.store.write(reason) as tx:
            cover_id = tx.next_id("callround_covers")
            tx.insert("callround-cover", "callround_covers", {
                "id": cover_id, "incident_id": incident_id, "covered_by": cover.covered_by,
                "starts_at": to_utc_iso(cover.starts_at),
                "ends_at": to_utc_iso(cover.ends_at) if cover.ends_at else None,
                "people": json.dumps(sorted(cover.people)), "visit_minutes": json.dumps(sorted(cover.minutes)),
                "note": note, "recorded_by": tx.officer, "recorded_at": tx.at,
            }, incident_id=incident_id)
        return self.cover(cover_id)

    # --- reads ----------------------------------------------------------------------------------------

    def call(self, call_id: int) -> Call:
        row = next(self.store.query("SELECT * FROM callround_calls WHERE id = ?", [call_id]))
        return _call(row)

    def calls(self, incident_id: int) -> dict[int, list[Call]]:
        """Every call on the incident by person, oldest first."""
        found: dict[int, list[Call]] = {}
        for row in self.store.query(
                "SELECT * FROM callround_calls WHERE incident_id = ? ORDER BY person_id, called_at, id",
                [incident_id]):
            call = _call(row)
            found.setdefault(call.person_id, []).append(call)
        return found

    def calls_for_person(self, person_id: int) -> list[Call]:
        rows = self.store.query("SELECT * FROM callround_calls WHERE person_id = ? ORDER BY called_at, id",
                                   [person_id])
        return [_call(row) for row in rows]

    def cover(self, cover_id: int) -> StoredCover:
        row = next(self.store.query("SELECT * FROM callround_covers WHERE id = ?", [cover_id]))
        return _cover(row)

    def covers(self, incident_id: int) -> list[StoredCover]:
        rows = self.store.query("SELECT * FROM callround_covers WHERE incident_id = ? ORDER BY starts_at, id",
                                   [incident_id])
        return [_cover(row) for row in rows]

    def incidents_with_calls(self) -> list[int]:
        return [r[0] for r in self.store.conn.execute("SELECT DISTINCT incident_id FROM callround_calls")]


def _when(text: str | None) -> datetime | None:
    return from_utc_iso(text) if text else None


def _call(row: dict[str, Any]) -> Call:
    return Call(id=row["id"], incident_id=row["incident_id"], person_id=row["person_id"], called=row["called"],
                outcome=Outcome(row["outcome"]), off_list=bool(row["off_list"]), note=row["note"],
                next_action=row["next_action"], next_at=_when(row["next_at"]), called_by=row["called_by"],
                called_at=from_utc_iso(row["called_at"]), recorded_by=row["recorded_by"],
                recorded_at=from_utc_iso(row["recorded_at"]))


def _cover(row: dict[str, Any]) -> StoredCover:
    cover = Cover(covered_by=row["covered_by"], starts_at=from_utc_iso(row["starts_at"]),
                  ends_at=_when(row["ends_at"]), people=frozenset(json.loads(row["people"])),
                  minutes=frozenset(json.loads(row["visit_minutes"])))
    return StoredCover(id=row["id"], incident_id=row["incident_id"], cover=cover, note=row["note"],
                       recorded_by=row["recorded_by"], recorded_at=from_utc_iso(row["recorded_at"]))
