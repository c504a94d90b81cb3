"""The append-only event log and its SHA-256 chain.

Each entry's hash is SHA-256 over the previous entry's hash followed by the entry's own canonical
content (its sequence number, time, officer, entity, id, action, before, after, reason). Editing,
deleting, inserting or reordering any row outside the app breaks the chain at that row.

Entries are written only by `Tx` in the same transaction as the change they record.

A bulk import is one entry (action BULK_CREATE) naming the range of ids it inserted and a digest over
those rows as they stood when it was written (`bulk_after`). `verify` recomputes the digest: from the row
itself while nothing later was logged for it, else from the `before` image of the first later entry for
it (the row as imported, as the app read it when it changed it). A row edited, deleted or added in the
range outside the app changes the digest, whether or not it was edited in the app since.

A chain cannot see its own tail cut off, a forged entry appended with fresh hashes, or the whole file
swapped for an older copy: each of those leaves a chain that is whole. An anchor written down outside
the file (N:HASH, printed in the footer of every letter and claim document) catches them: `verify`
with the anchor fails unless entry N is still there with that hash.
"""

from __future__ import annotations

import hashlib
import json
import operator
import sqlite3
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

# Tables whose rows must match the last after-image the log holds for them.
ENTITY_TABLES: dict[str, tuple[str, str]] = {
    "store-meta": ("store_meta", "key"),
    "settings": ("settings", "id"),
    "incident": ("incidents", "id"),
    "decision": ("decisions", "id"),
    "person": ("people", "id"),
    "import": ("imports", "id"),
    "import-reject": ("import_rejects", "id"),
    "column-map": ("column_maps", "name"),
    "playbook-run": ("playbook_runs", "id"),
    "step-item": ("step_items", "id"),
    "notification": ("notifications", "id"),
    "notification-document": ("notification_documents", "id"),
    "cost-line": ("cost_lines", "id"),
    "cost-allocation": ("cost_allocations", "id"),
    "claim": ("claims", "id"),
    "claim-line": ("claim_lines", "id"),
    "claim-payment": ("claim_payments", "id"),
    "claim-event": ("claim_events", "id"),
    "or-dispute": ("or_disputes", "id"),
    "handover-pack": ("handover_packs", "id"),  # shift handover packs (db/0016)
    # The welfare call-round (db/0014).
    "callround-call": ("callround_calls", "id"),
    "callround-cover": ("callround_covers", "id"),
    # Placements and moves (db/0015).
    "vacancy": ("vacancies", "id"),
    "vacancy-import": ("vacancy_imports", "id"),
    "vacancy-import-reject": ("vacancy_import_rejects", "id"),
    "placement-person": ("placement_people", "person_id"),
    "move": ("moves", "id"),
    "move-item": ("move_items", "id"),
    # A tabletop exercise in play (db/0018, db/0019).
    "exercise-clock": ("exercise_clock", "id"),
    "exercise-run": ("exercise_runs", "id"),
    "exercise-inject": ("exercise_deliveries", "inject_id"),
    "exercise-mark": ("exercise_marks", "id"),
    "exercise-debrief": ("exercise_debrief", "id"),
    "exercise-improvement": ("exercise_improvements", "id"),
}


# Fields whose values never enter the log (a key-safe code opens someone's front door). The log says
# only whether one is held and whether it changed; the check against the record compares just that.
SECRET_FIELDS: dict[str, tuple[str, ...]] = {"person": ("key_safe_code",)}
SECRET_HELD = "[secret: held]"
SECRET_CHANGED = "[secret: changed]"


def redact(entity: str, before: Any, after: Any) -> tuple[Any, Any]:
    secrets = SECRET_FIELDS.get(entity, ())
    if not secrets:
        return before, after
    old = dict(before) if isinstance(before, dict) else before
    new = dict(after) if isinstance(after, dict) else after
    for name in secrets:
        was = old.get(name) if isinstance(old, dict) else None
        now = new.get(name) if isinstance(new, dict) else None
        if isinstance(old, dict) and name in old:
            old[name] = SECRET_HELD if was else None
        if isinstance(new, dict) and name in new:
            new[name] = (SECRET_CHANGED if was and was != now else SECRET_HELD) if now else None
    return old, new


# One entry for a whole import's rows: after = {"first_id", "last_id", "count", "digest", ...}.
BULK_CREATE = "bulk-create"


def _feed(digest: Any, key: int, image: dict[str, Any] | None) -> None:
    # Empty values are left out, as a column added by a later migration is NULL (see _differs). The image
    # holds its own id; a missing row is fed as its id alone.
    if image is None:
        text = f'["missing",{key}]'
    else:
        text = _IMAGE_ENCODER.encode({k: v for k, v in image.items() if v is not None})
    digest.update(text.encode("utf-8", "surrogatepass"))


# `json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)`, made once.
_IMAGE_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
# The same for an image whose keys are already in sorted order and whose values are plain.
_ROW_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


# How a bulk entry's digest reads each row, named in the entry as "form" (no form is form 1):
# 1. the JSON object Python writes for the row's (redacted) image, without its empty columns;
# 2. SQLite's json_array of the (redacted) columns the entry lists, in that order. The same rows and the same
#    values, written out by SQLite rather than row by row in Python: 0.14 s for 20,000 people, not 0.42 s.
# Entries keep the form they were written in, so `verify` reads stores logged before form 2 as ever.
BULK_FORM = 2


def bulk_after(conn: sqlite3.Connection, entity: str, first: int, last: int) -> dict[str, Any]:
    """The after-image of a BULK_CREATE entry for the rows first..last just inserted: the range and its digest."""
    columns = _columns(conn, entity)
    return {"first_id": first, "last_id": last, "count": last - first + 1, "form": BULK_FORM, "columns": columns,
            "digest": _rows_digest(conn, entity, first, last, columns)}


def logged_bulk_digest(conn: sqlite3.Connection, entity: str, after: dict[str, Any],
                       as_imported: dict[int, str | None] | None = None) -> str:
    """The digest of a bulk entry's rows as they stand now, in the entry's own form (what `verify` compares
    with the digest the entry holds). `as_imported`: see `bulk_digest`."""
    first, last = after["first_id"], after["last_id"]
    if after.get("form", 1) == 1:
        return bulk_digest(conn, entity, first, last, as_imported)
    return _rows_digest(conn, entity, first, last, after["columns"], as_imported)


def _columns(conn: sqlite3.Connection, entity: str) -> list[str]:
    table, _ = ENTITY_TABLES[entity]
    return sorted(row[1] for row in conn.execute(f"PRAGMA table_info({table})"))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows_digest(conn: sqlite3.Connection, entity: str, first: int, last: int, columns: list[str],
                 as_imported: dict[int, str | None] | None = None) -> str:
    """Form 2 of `bulk_digest`. "" when a column the entry lists is no longer in the table, which no digest
    matches (and the names, read from the log, go into SQL only once they are known to be the table's)."""
    table, pk = ENTITY_TABLES[entity]
    if not isinstance(columns, list) or not set(columns) <= set(_columns(conn, entity)):
        return ""
    as_imported = as_imported or {}
    secrets = SECRET_FIELDS.get(entity, ())
    held = "'" + SECRET_HELD.replace("'", "''") + "'"
    # A secret only as held or not, as in the log (never a hash of it: a 4-digit code's hash is its code).
    shown = [f"CASE WHEN {_quoted(n)} IS NULL OR {_quoted(n)} = '' THEN NULL ELSE {held} END" if n in secrets
             else _quoted(n) for n in columns]
    rows = conn.execute(f"SELECT {_quoted(pk)}, json_array({', '.join(shown)}) FROM {table} "  # noqa: S608
                        f"WHERE {_quoted(pk)} BETWEEN ? AND ? ORDER BY {_quoted(pk)}", [first, last])
    as_array = f"SELECT json_array({', '.join('?' * len(columns))})"  # noqa: S608 - placeholders only
    digest = hashlib.sha256()

    def feed(key: int, text: str | None) -> None:
        if key in as_imported:  # the row as it was imported, from the image logged before its first change
            image = json.loads(as_imported[key]) if as_imported[key] else None
            if image is None:
                text = None
            else:
                values = [(SECRET_HELD if image.get(n) else None) if n in secrets else image.get(n) for n in columns]
                (text,) = conn.execute(as_array, values).fetchone()
        digest.update((f'["missing",{key}]' if text is None else text).encode("utf-8", "surrogatepass"))

    expected = first
    for key, text in rows:
        if not isinstance(key, int):
            continue  # a text id in an integer range cannot be the app's; the missing id is fed below
        for gap in range(expected, key):
            feed(gap, None)
        feed(key, text)
        expected = key + 1
    for gap in range(expected, last + 1):
        feed(gap, None)
    return digest.hexdigest()


def bulk_digest(conn: sqlite3.Connection, entity: str, first: int, last: int,
                as_imported: dict[int, str | None] | None = None) -> str:
    """Form 1: SHA-256 over the rows with ids first..last in id order, each as its (redacted) image.
    `as_imported` gives, for rows changed since, the image they had before their first logged change (JSON)."""
    table, pk = ENTITY_TABLES[entity]
    as_imported = as_imported or {}
    digest = hashlib.sha256()
    cursor = conn.execute(f"SELECT * FROM {table} WHERE {pk} BETWEEN ? AND ? ORDER BY {pk}",  # noqa: S608
                          [first, last])
    columns = [d[0] for d in cursor.description]
    at_key = columns.index(pk)
    # Each row is fed as `_feed` would feed its image, redacted: a secret only as held or not (never a hash of
    # it: a 4-digit code's hash is its code). Its columns are put in sorted order once, not sorted again for
    # each of 50,000 rows (the same text as sort_keys gives; a row's values are plain SQL values).
    secrets = [name for name in SECRET_FIELDS.get(entity, ()) if name in columns]
    names = sorted(columns)
    in_order = operator.itemgetter(*(columns.index(name) for name in names))
    expected = first

    def earlier(key: int) -> dict[str, Any] | None:
        text = as_imported[key]
        return json.loads(text) if text else None

    for values in cursor:
        key = values[at_key]
        if not isinstance(key, int):
            continue  # a text id in an integer range cannot be the app's; the missing id is fed below
        for gap in range(expected, key):
            _feed(digest, gap, earlier(gap) if gap in as_imported else None)
        if key in as_imported:
            _feed(digest, key, earlier(key))
        else:
            image = {name: value for name, value in zip(names, in_order(values)) if value is not None}
            for name in secrets:
                if name in image:
                    if image[name]:
                        image[name] = SECRET_HELD
                    else:
                        del image[name]
            digest.update(_ROW_ENCODER.encode(image).encode("utf-8", "surrogatepass"))
        expected = key + 1
    for gap in range(expected, last + 1):
        _feed(digest, gap, earlier(gap) if gap in as_imported else None)
    return digest.hexdigest()


def to_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    fields = [row["seq"], row["at"], row["officer"], row["entity"], row["entity_id"], row["action"],
              row["before"], row["after"], row["reason"], row["incident_id"]]
    if row.get("wall_at"):  # only entries made on an exercise clock carry one; every older hash stays as it was
        fields.append(row["wall_at"])
    content = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


class LogWriter:
    """Appends entries within the caller's open transaction, keeping the chain head in hand."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        last = conn.execute("SELECT seq, hash FROM event_log ORDER BY seq DESC LIMIT 1").fetchone()
        self.seq, self.head = (last[0], last[1]) if last else (0, GENESIS)
        self._pending: list[tuple] = []

    def append(self, *, at: str, officer: str, entity: str, entity_id: str, action: str,
               before: Any, after: Any, reason: str | None, incident_id: int | None,
               wall_at: str | None = None) -> int:
        """`wall_at`: the real time, when `at` is an exercise clock's."""
        self.seq += 1
        before, after = redact(entity, before, after)
        row = {
            "seq": self.seq, "at": at, "officer": officer, "entity": entity,
            "entity_id": str(entity_id), "action": action, "before": to_json(before),
            "after": to_json(after), "reason": reason, "incident_id": incident_id, "wall_at": wall_at,
        }
        row["prev_hash"] = self.head
        row["hash"] = self.head = entry_hash(self.head, row)
        self._pending.append(tuple(row.values()))
        if len(self._pending) >= 2000:
            self.flush()
        return self.seq

    def flush(self) -> None:
        if not self._pending:
            return
        if any(row[10] is not None for row in self._pending):
            self.conn.executemany(
                "INSERT INTO event_log (seq, at, officer, entity, entity_id, action, before, after,"
                " reason, incident_id, wall_at, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                self._pending,
            )
        else:  # also before db/0022 gave the log its wall_at column (the migrations that log, 0002-0013)
            self.conn.executemany(
                "INSERT INTO event_log (seq, at, officer, entity, entity_id, action, before, after,"
                " reason, incident_id, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [row[:10] + row[11:] for row in self._pending],
            )
        self._pending.clear()


# What goes on paper: enough of the hash that forging a match is out of reach, short enough to copy by hand.
ANCHOR_HEX = 16
ANCHOR_MIN_HEX = 12


@dataclass(frozen=True)
class Anchor:
    """Entry `seq` had a hash starting `prefix` when someone wrote it down."""

    seq: int
    prefix: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.prefix}"


def parse_anchor(text: str) -> Anchor:
    """'N:HASH' as written on paper: the whole hash or its first 12 or more hex digits."""
    seq_text, colon, hash_text = text.strip().partition(":")
    prefix = hash_text.strip().lower()
    if not colon or not (seq_text.strip().isascii() and seq_text.strip().isdigit()) or int(seq_text) < 1:
        raise ValueError(f"'{text}' is not an anchor: write it as N:HASH, e.g. 120:3f9a0c2b7d41e685")
    if not (ANCHOR_MIN_HEX <= len(prefix) <= 64) or any(c not in "0123456789abcdef" for c in prefix):
        raise ValueError(f"'{text}' is not an anchor: the hash after the colon must be {ANCHOR_MIN_HEX} to 64 "
                         "hexadecimal digits")
    return Anchor(int(seq_text), prefix)


def head(conn: sqlite3.Connection, fixed_by: tuple[str, str, str] | None = None) -> Anchor:
    """The newest entry as an anchor, read without walking the chain (every letter asks for it).

    `fixed_by` (entity, id, action) names the entry that fixed a document (a letter's generation, a
    claim's submission); once it exists, the anchor is the entry before it, the head the document was
    first made with, so making it again gives the same bytes."""
    last = None
    if fixed_by is not None:
        last = conn.execute(
            "SELECT seq, hash FROM event_log WHERE seq < (SELECT min(seq) FROM event_log WHERE entity = ?"
            " AND entity_id = ? AND action = ?) ORDER BY seq DESC LIMIT 1", list(fixed_by)).fetchone()
    last = last or conn.execute("SELECT seq, hash FROM event_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, hash_ = (last[0], last[1]) if last else (0, GENESIS)
    return Anchor(seq, hash_[:ANCHOR_HEX])


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head: str
    problem: str = ""
    first_bad_seq: int | None = None


def verify(conn: sqlite3.Connection, anchor: Anchor | None = None) -> Verification:
    """Walk the chain, then check every record still matches what the log last said of it.

    With an anchor, entry `anchor.seq` must also still be there with that hash. A break in the chain
    before it is reported first, since it says more exactly where the log was touched."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    reference: str | None = None
    wall = ", wall_at" if any(c[1] == "wall_at" for c in conn.execute("PRAGMA table_info(event_log)")) else ""
    cursor = conn.execute(
        "SELECT seq, at, officer, entity, entity_id, action, before, after, reason, incident_id,"
        f" prev_hash, hash{wall} FROM event_log ORDER BY seq"  # noqa: S608 - no input in it
    )
    columns = [d[0] for d in cursor.description]
    latest: dict[tuple[str, str], Any] = {}
    bulks: list[tuple[int, str, dict[str, Any]]] = []  # (seq, entity, after-image)
    as_imported: dict[tuple[str, str], str | None] = {}  # a bulk row's image before its first later change
    for values in cursor:
        row = dict(zip(columns, values))
        seq = row["seq"]
        if seq != expected_seq:
            what = "deleted" if seq > expected_seq else "inserted or reordered"
            return _broken(count, prev_hash, seq, f"entry {seq} follows {expected_seq - 1}: an entry was {what}")
        if row["prev_hash"] != prev_hash:
            return _broken(count, prev_hash, seq, f"entry {seq} does not follow from entry {seq - 1}: "
                           "an entry was inserted, deleted or reordered")
        if entry_hash(prev_hash, row) != row["hash"]:
            return _broken(count, prev_hash, seq, f"entry {seq} was edited after it was written")
        if anchor is not None and seq == anchor.seq and not row["hash"].startswith(anchor.prefix):
            return _broken(count, prev_hash, seq, f"entry {seq} has hash {row['hash'][:len(anchor.prefix)]}, not "
                           f"{anchor.prefix}: the log was rewritten or replaced since {anchor} was written down")
        if row["action"] == BULK_CREATE:
            bulk = json.loads(row["after"])
            bulks.append((seq, row["entity"], bulk))
            for key in range(bulk["first_id"], bulk["last_id"] + 1):
                latest[(row["entity"], str(key))] = _BULK
        else:
            key = (row["entity"], row["entity_id"])
            if latest.get(key) is _BULK:
                as_imported[key] = row["before"]
            latest[key] = row["after"]
        if row["entity"] == "reference":
            reference = json.loads(row["after"])["sha256"]
        prev_hash, expected_seq, count = row["hash"], expected_seq + 1, count + 1
    if anchor is not None and anchor.seq > count:
        return _broken(count, prev_hash, anchor.seq, f"entry {anchor.seq} is missing: the log ends at entry {count}, "
                       f"so it was cut short or rolled back to an older copy since {anchor} was written down")
    if reference is not None and reference != reference_digest(conn):
        return Verification(False, count, prev_hash, "the reference data (authorities, ICBs, postcode sectors) was "
                            "changed outside the app: notifications and claims would go to the wrong bodies")
    for seq, entity, bulk in bulks:
        first, last = bulk["first_id"], bulk["last_id"]
        changed = {int(key): before for (kind, key), before in as_imported.items()
                   if kind == entity and first <= int(key) <= last}
        if logged_bulk_digest(conn, entity, bulk, changed) != bulk["digest"]:
            return Verification(False, count, prev_hash, f"the {entity} records {first} to {last}, imported in entry "
                                f"{seq}, no longer match the digest logged for them: one was changed, deleted or "
                                "added outside the app")
    drift = _first_drift(conn, latest)
    if drift:
        return Verification(False, count, prev_hash, drift)
    return Verification(True, count, prev_hash)


def reference_digest(conn: sqlite3.Connection) -> str:
    """SHA-256 over the reference tables, in a fixed order. The postcode and council-ICB tables decide whose
    duty care at home is (brief rule 5), so they are covered once migration 0011 has made them."""
    digest = hashlib.sha256()
    for table, key in (("authorities", "code"), ("icbs", "gss_code")):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY {key}"):  # noqa: S608 - names are ours
            digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # 13,000 rows: one encoding per table, not per row, keeps opening a new store quick.
    for table, key in (("postcode_sectors", "sector, la_gss_code"), ("council_icb_areas", "la_gss_code, icb_gss_code")):
        if table in present:
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()  # noqa: S608 - names are ours
            digest.update(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def _broken(count: int, head: str, seq: int, problem: str) -> Verification:
    return Verification(False, count, head, problem, seq)


# Stands in `latest` for a row whose last logged state is a bulk entry's digest, checked in `verify`.
_BULK = object()


def _first_drift(conn: sqlite3.Connection, latest: dict[tuple[str, str], Any]) -> str:
    for entity, (table, pk) in ENTITY_TABLES.items():
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608 - names are ours
        columns = [d[0] for d in cursor.description]
        seen = set()
        for values in cursor:
            row = dict(zip(columns, values))
            key = (entity, str(row[pk]))
            seen.add(key)
            logged = latest.get(key)
            if logged is _BULK:
                continue
            if logged is None:
                return f"{entity} {row[pk]} has no entry in the event log: it was written outside the app"
            if _differs(json.loads(logged), row, SECRET_FIELDS.get(entity, ())):
                return f"{entity} {row[pk]} differs from its last logged state: it was changed outside the app"
        for (kind, entity_id), after in latest.items():
            if kind == entity and after is not None and after is not _BULK and (kind, entity_id) not in seen:
                return f"{entity} {entity_id} is in the event log but missing: it was deleted outside the app"
    return ""


def _differs(logged: dict[str, Any], row: dict[str, Any], secrets: tuple[str, ...] = ()) -> bool:
    """A column added by a later migration is absent from older log entries: it must still be empty.
    A secret is logged only as held or not, so only that is compared."""
    if any(bool(row.get(key)) != bool(logged.get(key)) for key in secrets if key in logged):
        return True
    if any(row.get(key, _MISSING) != value for key, value in logged.items() if key not in secrets):
        return True
    return any(value is not None for key, value in row.items() if key not in logged)


_MISSING = object()
