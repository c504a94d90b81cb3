"""Numbered schema migrations from db/, applied with sqlite-utils' built-in Migrations.

Each `db/NNNN_name.sql` file is one migration; reference data loads are Python migrations
numbered in the same sequence. They apply in number order, each in its own transaction.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database, Migrations

from contingency.paths import resource_dir
from contingency.store.eventlog import LogWriter, reference_digest

SYSTEM = "system"


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


def build_migrations(*, at: str) -> Migrations:
    migrations = Migrations("contingency")
    steps: list[tuple[str, Callable[[Database], None]]] = [
        (path.stem, _sql_migration(path)) for path in resource_dir("db").glob("[0-9][0-9][0-9][0-9]_*.sql")
    ]

    def sectors_and_icb_areas(db: Database) -> None:
        # Tables and rows in one migration, so a store never has the tables without the data that fills them.
        _sql_migration(resource_dir("db") / "0011_postcode_sectors_and_icb_areas.sql")(db)
        load_geography(db, at=at)

    steps = [(name, sectors_and_icb_areas if name == "0011_postcode_sectors_and_icb_areas" else fn)
             for name, fn in steps]

    def reference(db: Database) -> None:
        load_reference_data(db, at=at)

    steps.append(("0002_reference_data", reference))
    for name, fn in sorted(steps):
        migrations(name=name)(fn)
    return migrations
