"""Handover packs and what the incident bundle reads: every SQL statement for both lives here.

A pack is written once (db/0016) and logged as entity "handover-pack". The bundle reads each table
scoped to one incident; a table another migration adds later is found by its columns (an incident_id,
or a key to a table that has one), so the bundle never leaves a new table out silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contingency.rules.times import from_utc_iso, to_utc_iso

if TYPE_CHECKING:
    from contingency.store.store import Store
    from contingency.store.tx import Tx

PACK_ENTITY = "handover-pack"


@dataclass(frozen=True)
class HandoverPack:
    id: int
    incident_id: int
    as_at: datetime
    since: datetime
    log_seq: int
    log_head: str
    officer: str
    note: str
    path: str
    sha256: str
    files: tuple[dict[str, str], ...]
    created_at: datetime


def _pack(row: dict[str, Any]) -> HandoverPack:
    return HandoverPack(
        id=row["id"], incident_id=row["incident_id"], as_at=from_utc_iso(row["as_at"]),
        since=from_utc_iso(row["since"]), log_seq=row["log_seq"], log_head=row["log_head"], officer=row["officer"],
        note=row["note"], path=row["path"], sha256=row["sha256"], files=tuple(json.loads(row["files"])),
        created_at=from_utc_iso(row["created_at"]))


# Tables that are never an incident's own data: reference data, the store's own records, the log
# (written separately, with its chain head).
_NOT_INCIDENT_DATA = frozenset({
    "store_meta", "authorities", "icbs", "settings", "postcode_sectors", "council_icb_areas", "column_maps",
    "event_log", "_sqlite_migrations",
})
# How a table without an incident_id reaches one: its column -> (parent table, parent key).
_PARENT_KEYS = (
    ("person_id", "people"), ("claim_id", "claims"), ("notification_id", "notifications"),
    ("run_id", "playbook_runs"), ("line_id", "cost_lines"), ("import_id", "imports"), ("pack_id", "handover_packs"),
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool


@dataclass(frozen=True)
class TableDump:
    table: str
    scope: str  # how the rows were chosen, in words (for the README)
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]


class HandoverRepo:
    def __init__(self, store: Store):
        self.store = store

    # --- packs ---------------------------------------------------------------------------------------

    def add(self, tx: Tx, *, incident_id: int, as_at: datetime, since: datetime, log_seq: int, log_head: str,
            note: str, path: str, sha256: str, files: list[dict[str, str]]) -> HandoverPack:
        pack_id = tx.next_id("handover_packs")
        tx.insert(PACK_ENTITY, "handover_packs", {
            "id": pack_id, "incident_id": incident_id, "as_at": to_utc_iso(as_at), "since": to_utc_iso(since),
            "log_seq": log_seq, "log_head": log_head, "officer": tx.officer, "note": note, "path": path,
            "sha256": sha256, "files": json.dumps(files, sort_keys=True), "created_at": tx.at,
        }, incident_id=incident_id, reason=f"handover pack for incident {incident_id} generated")
        return self.get(pack_id)

    def get(self, pack_id: int) -> HandoverPack:
        row = next(self.store.query("SELECT * FROM handover_packs WHERE id = ?", [pack_id]))
        return _pack(row)

    def for_incident(self, incident_id: int) -> list[HandoverPack]:
        rows = self.store.query("SELECT * FROM handover_packs WHERE incident_id = ? ORDER BY as_at, id",
                                   [incident_id])
        return [_pack(row) for row in rows]

    def latest(self, incident_id: int) -> HandoverPack | None:
        packs = self.for_incident(incident_id)
        return packs[-1] if packs else None

    # --- the log -----------------------------------------------------------------------------------

    def log_for_incident(self, incident_id: int, *, since: datetime | None = None) -> list[dict[str, Any]]:
        """The incident's log entries, oldest first, with before and after decoded (secrets are already
        redacted in the log itself)."""
        sql = ("SELECT seq, at, officer, entity, entity_id, action, before, after, reason, incident_id, prev_hash,"
               " hash FROM event_log WHERE incident_id = ?")
        params: list[Any] = [incident_id]
        if since is not None:
            sql += " AND at > ?"
            params.append(to_utc_iso(since))
        rows = []
        for row in self.store.query(sql + " ORDER BY seq", params):
            row["before"] = json.loads(row["before"]) if row["before"] else None
            row["after"] = json.loads(row["after"]) if row["after"] else None
            rows.append(row)
        return rows

    def log_count(self) -> int:
        return self.store.conn.execute("SELECT count(*) FROM event_log").fetchone()[0]

    def claim_exports(self, incident_id: int) -> list[dict[str, Any]]:
        """Every claim export the log recorded for the incident: (seq, at, reference, files with sha256)."""
        rows = self.store.query(
            "SELECT seq, at, after FROM event_log WHERE incident_id = ? AND entity = 'claim-export'"
            " AND action = 'export' ORDER BY seq", [incident_id])
        found = []
        for row in rows:
            after = json.loads(row["after"]) if row["after"] else {}
            found.append({"seq": row["seq"], "at": row["at"], "reference": after.get("reference", ""),
                          "files": after.get("files", [])})
        return found

    def letter_documents(self, incident_id: int) -> list[dict[str, Any]]:
        """Every letter document generated for the incident, with its notification's reference and recipient."""
        return list(self.store.query(
            "SELECT d.id, d.notification_id, d.version, d.format, d.file_name, d.sha256, d.generated_at,"
            " d.generated_by, n.reference, n.recipient_ref, n.recipient_name, n.kind FROM notification_documents d"
            " JOIN notifications n ON n.id = d.notification_id WHERE n.incident_id = ? ORDER BY d.id",
            [incident_id]))

    # --- the incident's tables, for the bundle -------------------------------------------------------

    def incident_tables(self, incident_id: int) -> list[TableDump]:
        """Each table's rows that belong to the incident. A key-safe code never leaves the store."""
        conn = self.store.conn
        names = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        info = {name: conn.execute(f"PRAGMA table_info({_quoted(name)})").fetchall() for name in names}
        columns = {name: [c[1] for c in rows] for name, rows in info.items()}
        dumps = []
        for name in names:
            if name in _NOT_INCIDENT_DATA:
                continue
            where, scope = self._scope(name, columns)
            if where is None:
                continue
            cols = tuple(Column(c[1], c[2], bool(c[3])) for c in info[name] if c[1] not in _SECRET_COLUMNS)
            picked = ", ".join(_quoted(c.name) for c in cols)
            order = "id" if "id" in columns[name] else "rowid"
            cursor = conn.execute(f"SELECT {picked} FROM {_quoted(name)} WHERE {where} ORDER BY {order}",
                                  [incident_id])
            keys = [c.name for c in cols]
            dumps.append(TableDump(name, scope, cols, tuple(dict(zip(keys, values)) for values in cursor)))
        return dumps

    def _scope(self, name: str, columns: dict[str, list[str]]) -> tuple[str | None, str]:
        if name == "incidents":
            return "id = ?", "the incident itself"
        if "incident_id" in columns[name]:
            return "incident_id = ?", "rows whose incident_id is the incident"
        for key, parent in _PARENT_KEYS:
            if key in columns[name] and parent in columns and "incident_id" in columns[parent]:
                return (f"{_quoted(key)} IN (SELECT id FROM {_quoted(parent)} WHERE incident_id = ?)",
                        f"rows whose {key} is one of the incident's {parent}")
        return None, ""


_SECRET_COLUMNS = frozenset({"key_safe_code"})


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
