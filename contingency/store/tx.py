"""The only way to change a record: a transaction that logs every write in the same breath."""

from __future__ import annotations

import sqlite3
from typing import Any

from contingency.store.eventlog import LogWriter


class Tx:
    def __init__(self, conn: sqlite3.Connection, *, officer: str, at: str, reason: str | None,
                 wall_at: str | None = None):
        self.conn = conn
        self.officer = officer
        self.at = at
        self.wall_at = wall_at  # the real time, when `at` is an exercise clock's
        self.reason = reason
        self.log = LogWriter(conn)

    def _row(self, table: str, pk: str, key: Any) -> dict[str, Any] | None:
        cursor = self.conn.execute(f"SELECT * FROM {table} WHERE {pk} = ?", (key,))  # noqa: S608
        values = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], values)) if values else None

    def record(self, entity: str, entity_id: Any, action: str, *, before: Any = None,
               after: Any = None, incident_id: int | None = None, reason: str | None = None) -> int:
        """Log an event that is not itself a row change (an import summary, a verification)."""
        return self.log.append(
            at=self.at, officer=self.officer, entity=entity, entity_id=str(entity_id), action=action,
            before=before, after=after, reason=reason if reason is not None else self.reason,
            incident_id=incident_id, wall_at=self.wall_at,
        )

    def insert(self, entity: str, table: str, row: dict[str, Any], *, pk: str = "id",
               incident_id: int | None = None, reason: str | None = None) -> int:
        columns = list(row)
        cursor = self.conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
            [row[c] for c in columns],
        )
        key = row.get(pk, cursor.lastrowid)
        after = self._row(table, pk, key)
        self.record(entity, key, "create", after=after, incident_id=incident_id, reason=reason)
        return key

    def insert_many(self, entity: str, table: str, rows: list[dict[str, Any]], *,
                    incident_id: int | None = None, reason: str | None = None) -> list[int]:
        """Bulk insert of complete rows (every column given), logging each as created.

        The caller supplies the ids so the after-image is exactly the row stored.
        """
        if not rows:
            return []
        columns = list(rows[0])
        self.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
            [[row[c] for c in columns] for row in rows],
        )
        for row in rows:
            self.record(entity, row["id"], "create", after=row, incident_id=incident_id, reason=reason)
        return [row["id"] for row in rows]

    def update(self, entity: str, table: str, key: Any, changes: dict[str, Any], *, pk: str = "id",
               incident_id: int | None = None, reason: str | None = None, action: str = "update") -> dict[str, Any]:
        before = self._row(table, pk, key)
        if before is None:
            raise LookupError(f"{entity} {key} does not exist")
        effective = {k: v for k, v in changes.items() if before.get(k) != v}
        if not effective:
            return before
        assignments = ", ".join(f"{column} = ?" for column in effective)
        self.conn.execute(
            f"UPDATE {table} SET {assignments} WHERE {pk} = ?",  # noqa: S608
            [*effective.values(), key],
        )
        after = self._row(table, pk, key)
        self.record(entity, key, action, before=before, after=after, incident_id=incident_id, reason=reason)
        return after

    def next_id(self, table: str) -> int:
        return self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]  # noqa: S608
