"""Reading the event log (writing it is Tx's job alone)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from contingency.models import LogEntry
from contingency.rules.times import from_utc_iso
from contingency.store.eventlog import BULK_CREATE

if TYPE_CHECKING:
    from contingency.store.store import Store


class LogRepo:
    def __init__(self, store: Store):
        self.store = store

    def for_incident(self, incident_id: int, limit: int = 500) -> list[LogEntry]:
        rows = self.store.query(
            "SELECT * FROM event_log WHERE incident_id = ? ORDER BY seq DESC LIMIT ?", [incident_id, limit]
        )
        return [_entry(row) for row in rows]

    def for_entity(self, entity: str, entity_id: str | int) -> list[LogEntry]:
        """Its own entries, and the bulk entry of the import that created it (one entry for many rows)."""
        rows = list(self.store.query(
            "SELECT * FROM event_log WHERE entity = ? AND entity_id = ? ORDER BY seq", [entity, str(entity_id)]
        ))
        if isinstance(entity_id, int) or str(entity_id).isdigit():
            key = int(entity_id)
            rows += self.store.query(
                "SELECT * FROM event_log WHERE entity = ? AND action = ? AND json_extract(after, '$.first_id') <= ?"
                " AND json_extract(after, '$.last_id') >= ?", [entity, BULK_CREATE, key, key])
        return [_entry(row) for row in sorted(rows, key=lambda row: row["seq"])]

    def count(self) -> int:
        return self.store.conn.execute("SELECT count(*) FROM event_log").fetchone()[0]


def _entry(row: dict) -> LogEntry:
    return LogEntry(
        seq=row["seq"], at=from_utc_iso(row["at"]), officer=row["officer"], entity=row["entity"],
        entity_id=row["entity_id"], action=row["action"],
        before=json.loads(row["before"]) if row["before"] else None,
        after=json.loads(row["after"]) if row["after"] else None,
        reason=row["reason"], prev_hash=row["prev_hash"], hash=row["hash"],
    )
