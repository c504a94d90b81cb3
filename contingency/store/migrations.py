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


def build_migrations(*, at: str) -> Migrations:
    migrations = Migrations("contingency")
    steps: list[tuple[str, Callable[[Database], None]]] = [
        (path.stem, _sql_migration(path)) for path in resource_dir("db").glob("[0-9][0-9][0-9][0-9]_*.sql")
    ]

    def reference(db: Database) -> None:
        load_reference_data(db, at=at)

    steps.append(("0002_reference_data", reference))
    for name, fn in sorted(steps):
        migrations(name=name)(fn)
    return migrations
