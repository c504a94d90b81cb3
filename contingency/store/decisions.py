"""Decision entries (brief rule 27): written once, never edited; a correction is a new linked entry."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from contingency.models import Decision
from contingency.rules.times import from_utc_iso, to_utc_iso

if TYPE_CHECKING:
    from contingency.store.store import Store


class DecisionRepo:
    def __init__(self, store: Store):
        self.store = store

    def add(self, *, incident_id: int, decision: str, rationale: str, decided_at: datetime,
            options: tuple[str, ...] = (), powers: str = "", corrects: int | None = None,
            late_reason: str = "") -> Decision:
        with self.store.write() as tx:
            decision_id = tx.next_id("decisions")
            tx.insert("decision", "decisions", {
                "id": decision_id, "incident_id": incident_id, "author": tx.officer,
                "decided_at": to_utc_iso(decided_at), "logged_at": tx.at, "decision": decision,
                "rationale": rationale, "options": json.dumps(list(options)), "powers": powers,
                "corrects": corrects, "late_reason": late_reason,
            }, incident_id=incident_id)
        return self.get(decision_id)

    def get(self, decision_id: int) -> Decision:
        row = next(self.store.query("SELECT * FROM decisions WHERE id = ?", [decision_id]))
        return _decision(row)

    def for_incident(self, incident_id: int) -> list[Decision]:
        rows = self.store.query("SELECT * FROM decisions WHERE incident_id = ? ORDER BY id", [incident_id])
        return [_decision(row) for row in rows]


def _decision(row: dict) -> Decision:
    return Decision(
        **{**row, "decided_at": from_utc_iso(row["decided_at"]), "logged_at": from_utc_iso(row["logged_at"]),
           "options": tuple(json.loads(row["options"]))}
    )
