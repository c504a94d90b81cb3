"""The notification register: rows <-> models. Versions and documents are added, never overwritten."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contingency.notification import (
    DocumentFormat,
    Notification,
    NotificationDocument,
    NotificationPlan,
    NotificationStatus,
)
from contingency.rules.notifications import reference_for
from contingency.rules.times import from_utc_iso, to_utc_iso
from contingency.store.errors import NotFound
from contingency.store.eventlog import BULK_CREATE, bulk_after

if TYPE_CHECKING:
    from contingency.store.store import Store
    from contingency.store.tx import Tx

# From this many new letters at once (a roster's letters to people), one bulk log entry, not one each.
BULK_FROM = 50
# The log entity that says up to which roster change the register was last brought up to date (not a table).
FOLLOWED = "notification-register"
_TIMES = ("created_at", "issued_at", "reply_by", "sent_at", "acknowledged_at", "last_chased_at")
_LATEST = ("version = (SELECT max(version) FROM notifications m"
           " WHERE m.incident_id = n.incident_id AND m.recipient_ref = n.recipient_ref)")


def _column(name: str, value: Any) -> Any:
    if name in _TIMES:
        return to_utc_iso(value) if value is not None else None
    if name == "people":
        return json.dumps(list(value))
    if name == "out_of_date":
        return int(value)
    if hasattr(value, "value"):
        return value.value
    return value


def _new_row(notification_id: int, incident_id: int, plan: NotificationPlan, version: int, at: str) -> dict[str, Any]:
    """Every column, as SQLite will hold it: a bulk insert logs exactly this as the row's first state."""
    return {
        "id": notification_id, "incident_id": incident_id, "recipient_ref": plan.recipient_ref,
        "recipient_name": plan.recipient_name, "kind": plan.kind.value, "basis": plan.basis,
        "reference": reference_for(incident_id, plan.recipient_ref, version), "version": version,
        "people": json.dumps(list(plan.person_ids)), "roster_digest": plan.digest,
        "status": NotificationStatus.DRAFT.value, "created_at": at, "issued_at": None,
        "reply_by": None, "sent_channel": "", "sent_at": None,  # reply-by is counted from sending
        "sent_by": "", "acknowledged_at": None, "acknowledged_by": "", "reply_summary": "", "chase_count": 0,
        "last_chased_at": None, "out_of_date": 0,
    }


def _notification(row: dict[str, Any]) -> Notification:
    data = dict(row)
    for name in _TIMES:
        data[name] = from_utc_iso(data[name]) if data[name] else None
    data["people"] = tuple(json.loads(data["people"]))
    data["out_of_date"] = bool(data["out_of_date"])
    return Notification(**data)


def _document(row: dict[str, Any]) -> NotificationDocument:
    return NotificationDocument(**{**row, "generated_at": from_utc_iso(row["generated_at"])})


class NotificationRepo:
    def __init__(self, store: Store):
        self.store = store

    # --- writes (always inside store.write) --------------------------------------------------------

    def add(self, tx: Tx, incident_id: int, plan: NotificationPlan, version: int) -> Notification:
        row = _new_row(tx.next_id("notifications"), incident_id, plan, version, tx.at)
        tx.insert("notification", "notifications", row, incident_id=incident_id,
                  reason=tx.reason or f"{plan.recipient_name} to be told")
        return self.get(row["id"])

    def add_many(self, tx: Tx, incident_id: int, plans: list[NotificationPlan]) -> list[Notification]:
        """Version 1 for each new recipient, in one bulk insert (an incident may have 50,000 people).

        A few rows are logged one entry each; more are logged as ONE bulk entry whose digest covers every row
        inserted, which `log verify` recomputes (store.eventlog), as an import logs its people."""
        if not plans:
            return []
        first = tx.next_id("notifications")
        rows = [_new_row(first + n, incident_id, plan, 1, tx.at) for n, plan in enumerate(plans)]
        if len(rows) < BULK_FROM:
            tx.insert_many("notification", "notifications", rows, incident_id=incident_id)
            return [_notification(row) for row in rows]
        columns = list(rows[0])
        tx.conn.executemany(
            f"INSERT INTO notifications ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
            [[row[c] for c in columns] for row in rows])
        last = rows[-1]["id"]
        tx.record("notification", f"{first}..{last}", BULK_CREATE, incident_id=incident_id,
                  reason=tx.reason or f"{len(rows):,} letters to be written",
                  after=bulk_after(tx.conn, "notification", first, last))
        return [_notification(row) for row in rows]

    def mark_followed(self, tx: Tx, incident_id: int, roster_version: int, *, persons: bool) -> None:
        """Record that the register now follows the roster as of `roster_version` (see `followed`): a log entry,
        not a row, so showing the register need not plan it again from the whole roster to know it is current."""
        tx.record(FOLLOWED, incident_id, "followed", incident_id=incident_id,
                  reason="the letters were checked against the roster",
                  after={"roster_version": roster_version, "persons": persons})

    def change(self, tx: Tx, notification: Notification, action: str, reason: str | None = None,
               **fields: Any) -> Notification:
        changes = {name: _column(name, value) for name, value in fields.items()}
        tx.update("notification", "notifications", notification.id, changes, incident_id=notification.incident_id,
                  reason=reason, action=action)
        return self.get(notification.id)

    def redraft(self, tx: Tx, notification: Notification, plan: NotificationPlan) -> Notification:
        """A letter nobody has seen yet simply follows the roster (and reopens if it had been closed)."""
        # A reply taken by phone before the letter was written still stands.
        replied = notification.status is NotificationStatus.ACKNOWLEDGED
        return self.change(tx, notification, "redraft", "the roster changed before the letter was generated",
                           status=NotificationStatus.ACKNOWLEDGED if replied else NotificationStatus.DRAFT,
                           recipient_name=plan.recipient_name, basis=plan.basis, people=plan.person_ids,
                           roster_digest=plan.digest, reply_by=None)

    def add_document(self, tx: Tx, notification: Notification, fmt: DocumentFormat, file_name: str,
                     sha256: str) -> NotificationDocument:
        document_id = tx.next_id("notification_documents")
        tx.insert("notification-document", "notification_documents", {
            "id": document_id, "notification_id": notification.id, "version": notification.version,
            "format": fmt.value, "file_name": file_name, "sha256": sha256, "generated_at": tx.at,
            "generated_by": tx.officer,
        }, incident_id=notification.incident_id, reason=f"{notification.reference} generated as {fmt.value}")
        return _document(next(self.store.db.query("SELECT * FROM notification_documents WHERE id = ?",
                                                  [document_id])))

    # --- reads --------------------------------------------------------------------------------------

    def get(self, notification_id: int) -> Notification:
        row = next(self.store.db.query("SELECT * FROM notifications WHERE id = ?", [notification_id]), None)
        if row is None:
            raise NotFound(f"there is no notification {notification_id}")
        return _notification(row)

    def by_reference(self, reference: str) -> Notification | None:
        row = next(self.store.db.query("SELECT * FROM notifications WHERE reference = ? COLLATE NOCASE",
                                       [reference.strip()]), None)
        return _notification(row) if row else None

    def latest(self, incident_id: int, *, bodies_only: bool = False) -> list[Notification]:
        """The current version for each recipient of an incident, in the order they were first planned
        (with `bodies_only`, leaving out the letters to people)."""
        bodies = " AND kind != 'person'" if bodies_only else ""
        rows = self.store.db.query(
            f"SELECT * FROM notifications n WHERE incident_id = ?{bodies} AND {_LATEST} ORDER BY id", [incident_id])  # noqa: S608
        return [_notification(row) for row in rows]

    def listing(self, incident_id: int, person_rows: int) -> tuple[list[Notification], list[Notification], int]:
        """For a screen: the current letters to bodies, the first `person_rows` to people, and how many
        people's letters there are in all, without reading 50,000 of them."""
        bodies = [_notification(row) for row in self.store.db.query(
            f"SELECT * FROM notifications n WHERE incident_id = ? AND kind != 'person' AND {_LATEST} ORDER BY id",  # noqa: S608
            [incident_id])]
        persons = [_notification(row) for row in self.store.db.query(
            f"SELECT * FROM notifications n WHERE incident_id = ? AND kind = 'person' AND {_LATEST} ORDER BY id"  # noqa: S608
            " LIMIT ?", [incident_id, person_rows])]
        count = self.store.conn.execute(
            "SELECT count(DISTINCT recipient_ref) FROM notifications WHERE incident_id = ? AND kind = 'person'",
            [incident_id]).fetchone()[0]
        return bodies, persons, count

    def followed(self, incident_id: int) -> tuple[int, bool] | None:
        """(roster version, whether the letters to people were checked too) the register last followed, or None."""
        row = self.store.conn.execute(
            "SELECT after FROM event_log WHERE entity = ? AND entity_id = ? ORDER BY seq DESC LIMIT 1",
            [FOLLOWED, str(incident_id)]).fetchone()
        if row is None:
            return None
        after = json.loads(row[0])
        return after["roster_version"], after["persons"]

    def person_letters_due(self, incident_id: int, *, skip_status: str, skip_basis: str) -> int:
        """How many people on the roster are each written to (rules.notifications decides who is skipped): a
        count for a screen, without registering 50,000 letters to show it."""
        return self.store.conn.execute(
            "SELECT count(*) FROM people WHERE incident_id = ? AND merged_into IS NULL AND status != ?"
            " AND basis != ?", [incident_id, skip_status, skip_basis]).fetchone()[0]

    def latest_for(self, incident_id: int, recipient_ref: str) -> Notification | None:
        row = next(self.store.db.query(
            "SELECT * FROM notifications WHERE incident_id = ? AND recipient_ref = ? ORDER BY version DESC LIMIT 1",
            [incident_id, recipient_ref]), None)
        return _notification(row) if row else None

    def versions(self, incident_id: int, recipient_ref: str) -> list[Notification]:
        rows = self.store.db.query(
            "SELECT * FROM notifications WHERE incident_id = ? AND recipient_ref = ? ORDER BY version",
            [incident_id, recipient_ref])
        return [_notification(row) for row in rows]

    def awaiting_reply(self) -> list[Notification]:
        """Current versions, across incidents, that went out and have had no acknowledgement."""
        rows = self.store.db.query(
            f"SELECT * FROM notifications n WHERE status IN ('sent', 'chased') AND {_LATEST}"  # noqa: S608
            " ORDER BY reply_by, id")
        return [_notification(row) for row in rows]

    def covering(self, person_id: int) -> list[Notification]:
        """Every version of every notification that names this person."""
        rows = self.store.db.query(
            "SELECT n.* FROM notifications n, json_each(n.people) j WHERE j.value = ? ORDER BY n.id", [person_id])
        return [_notification(row) for row in rows]

    def roster_version(self, incident_id: int) -> int:
        """The last logged change to this incident's facts or people: unchanged means no need to re-sync."""
        row = self.store.conn.execute(
            "SELECT max(seq) FROM event_log WHERE incident_id = ? AND entity IN ('incident', 'person')",
            [incident_id]).fetchone()
        return row[0] or 0

    def knows_document(self, sha256: str) -> bool:
        """Whether any letter document with this SHA-256 was ever recorded."""
        return self.store.conn.execute(
            "SELECT 1 FROM notification_documents WHERE sha256 = ? LIMIT 1", [sha256]).fetchone() is not None

    def documents(self, notification_id: int) -> list[NotificationDocument]:
        rows = self.store.db.query(
            "SELECT * FROM notification_documents WHERE notification_id = ? ORDER BY id", [notification_id])
        return [_document(row) for row in rows]
