"""Numbered schema migrations from db/, applied with sqlite-utils' built-in Migrations.

Each `db/NNNN_name.sql` file is one migration; reference data loads are Python migrations
numbered in the same sequence. They apply in number order, each in its own transaction.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from contingency.paths import resource_dir
from contingency.store.errors import StoreError
from contingency.store.eventlog import LogWriter, reference_digest

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

SYSTEM = "system"
MIGRATION_SET = "contingency"
REFERENCE_DATA = "0002_reference_data"  # a Python migration: the councils and ICBs from data/


def _sql_migration(path: Path) -> Callable[[Database], None]:
    def apply(db: Database) -> None:
        db.executescript(path.read_text(encoding="utf-8"))

    apply.__name__ = path.stem
    return apply


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(db: Database, *, at: str) -> None:
    """Authorities and ICBs from db/ (sources and licences in db/REFERENCE.md)."""
    folder = resource_dir("db")
    authorities = _read_csv(folder / "authorities.csv")
    icbs = _read_csv(folder / "icbs.csv")
    db.conn.executemany(
        "INSERT OR REPLACE INTO authorities (code, gss_code, name, nice_name, nation, kind)"
        " VALUES (:code, nullif(:gss_code, ''), :name, :nice_name, :nation, :kind)",
        authorities,
    )
    db.conn.executemany(
        "INSERT OR REPLACE INTO icbs (gss_code, ods_code, name) VALUES (:gss_code, :ods_code, :name)", icbs
    )
    log = LogWriter(db.conn)
    log.append(at=at, officer=SYSTEM, entity="reference", entity_id="authorities+icbs", action="load",
               before=None, after={"authorities": len(authorities), "icbs": len(icbs),
                                   "sha256": reference_digest(db.conn)},
               reason="reference data shipped with contingency", incident_id=None)
    log.flush()


def load_geography(db: Database, *, at: str) -> None:
    """Postcode sectors and council-ICB areas from db/ (sources and licences in db/REFERENCE.md), loaded
    like the authorities: they decide whose duty care at home is (brief rule 5) and a likely ICB (rule 11)."""
    folder = resource_dir("db")
    sectors = _read_csv(folder / "postcode_sectors.csv")
    icb_areas = _read_csv(folder / "la_icb_2026.csv")
    db.conn.executemany(
        "INSERT OR REPLACE INTO postcode_sectors (sector, la_gss_code, la_name, share, main)"
        " VALUES (:sector, :la_gss_code, :la_name, CAST(:share AS REAL), :main = 'yes')",
        sectors,
    )
    db.conn.executemany(
        "INSERT OR REPLACE INTO council_icb_areas (la_gss_code, la_name, icb_code, icb_gss_code, icb_name, share,"
        " main, confirmed, source, note) VALUES (:la_gss_code, :la_name, :icb_code, :icb_gss_code, :icb_name,"
        " CAST(:share AS REAL), :main = 'yes', :confirmed = 'yes', :source, :note)",
        icb_areas,
    )
    log = LogWriter(db.conn)
    log.append(at=at, officer=SYSTEM, entity="reference", entity_id="postcode_sectors+council_icb_areas",
               action="load", before=None,
               after={"postcode_sectors": len(sectors), "council_icb_areas": len(icb_areas),
                      "sha256": reference_digest(db.conn)},
               reason="reference data shipped with contingency", incident_id=None)
    log.flush()


def unique_nhs_number_index(db: Database, *, at: str) -> None:
    """db/0013's unique index, made even on a store that already holds two live records with one NHS number.

    Refusing to open such a store would lock the officers out mid-incident, and the records cannot be merged
    here: a merge is an officer's decision, logged with their reason. So every such record but the first (the
    one the app already finds by that number) is left out of the index by id, and the pairs are logged for
    an officer to merge; once merged away they are out of the index anyway. Every other record, and every
    record made from now on, is covered."""
    sql = (resource_dir("db") / "0013_one_live_record_per_nhs_number.sql").read_text(encoding="utf-8")
    groups = db.conn.execute(
        "SELECT incident_id, nhs_number, group_concat(id) FROM (SELECT incident_id, nhs_number, id FROM people"
        " WHERE nhs_number IS NOT NULL AND merged_into IS NULL ORDER BY id)"
        " GROUP BY incident_id, nhs_number HAVING count(*) > 1 ORDER BY incident_id, nhs_number").fetchall()
    if not groups:
        db.executescript(sql)
        return
    found = [{"incident_id": incident_id, "nhs_number": nhs_number, "people": [int(i) for i in ids.split(",")]}
             for incident_id, nhs_number, ids in groups]
    spared = sorted(i for group in found for i in group["people"][1:])
    where = "merged_into IS NULL;"
    if sql.count(where) != 1:
        raise RuntimeError("db/0013 no longer ends its index with the clause the tolerant migration extends")
    db.executescript(sql.replace(where, f"merged_into IS NULL AND id NOT IN ({', '.join(map(str, spared))});"))
    log = LogWriter(db.conn)
    log.append(at=at, officer=SYSTEM, entity="migration", entity_id="0013_one_live_record_per_nhs_number",
               action="duplicates-found", before=None, after={"same_nhs_number": found, "left_out_of_index": spared},
               reason="live records share an NHS number: merge each set (people merge) so the roster holds "
                      "each person once", incident_id=None)
    log.flush()


def check_record(db: Database, migrations: Migrations, pending: list) -> None:
    """Refuse a store whose schema is ahead of its record of migrations, before anything (even a backup).

    Migrations are numbered in order, so one still pending below the newest recorded one means the
    record lost a row (edited by hand, or a partial restore); running it again would fail half way on
    tables that already exist."""
    applied = [m.name for m in migrations.applied(db)]
    behind = [m.name for m in pending if applied and m.name < max(applied)]
    if behind:
        raise StoreError(_AHEAD.format(names=", ".join(behind)))


def apply_migrations(db: Database, migrations: Migrations, pending: list) -> None:
    # The newest migration's row lost passes check_record; re-running it is what shows the schema has it.
    try:
        migrations.apply(db)
    except sqlite3.OperationalError as exc:
        if "already exists" not in str(exc) and "duplicate column" not in str(exc):
            raise
        raise StoreError(_AHEAD.format(names=", ".join(m.name for m in pending))) from None


_AHEAD = ("this store's schema is ahead of its record of migrations (_sqlite_migrations lacks {names}, but "
          "the schema already has it); it has been left as it is. Restore the newest backup beside it, or "
          "ask your administrator to repair the record")


def migration_names() -> set[str]:
    """Every migration a store of this version of contingency has, by name."""
    return {path.stem for path in resource_dir("db").glob("[0-9][0-9][0-9][0-9]_*.sql")} | {REFERENCE_DATA}


def up_to_date(conn: sqlite3.Connection, names: set[str]) -> bool:
    """Whether every migration named is recorded as applied: read with plain SQL, so opening a store that
    needs nothing done does not import sqlite-utils' table machinery (a sixth of the app's start; issue 12)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'").fetchone():
        return False
    applied = {name for (name,) in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                                                  [MIGRATION_SET])}
    return names <= applied


def build_migrations(*, at: str) -> Migrations:
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    steps: list[tuple[str, Callable[[Database], None]]] = [
        (path.stem, _sql_migration(path)) for path in resource_dir("db").glob("[0-9][0-9][0-9][0-9]_*.sql")
    ]

    def sectors_and_icb_areas(db: Database) -> None:
        # Tables and rows in one migration, so a store never has the tables without the data that fills them.
        _sql_migration(resource_dir("db") / "0011_postcode_sectors_and_icb_areas.sql")(db)
        load_geography(db, at=at)

    def one_live_nhs_number(db: Database) -> None:
        unique_nhs_number_index(db, at=at)

    special = {"0011_postcode_sectors_and_icb_areas": sectors_and_icb_areas,
               "0013_one_live_record_per_nhs_number": one_live_nhs_number}
    steps = [(name, special.get(name, fn)) for name, fn in steps]

    def reference(db: Database) -> None:
        load_reference_data(db, at=at)

    steps.append((REFERENCE_DATA, reference))
    for name, fn in sorted(steps):
        migrations(name=name)(fn)
    return migrations
