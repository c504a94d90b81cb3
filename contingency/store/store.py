"""Open a store safely and hand out its repositories. Every write goes through `Store.write`."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contingency.clock import (
    PIN_VARIABLE,
    Clock,
    ExerciseClock,
    is_invented,
    process_clock,
)
from contingency.models import ICB, Authority, Settings, StoreKind
from contingency.rules.authorities import AuthorityIndex, ICBIndex
from contingency.rules.times import to_utc_iso
from contingency.store import files
from contingency.store.errors import (
    ClockRefused,
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreMissing,
)
from contingency.store.eventlog import Anchor, LogWriter, Verification, head, verify
from contingency.store.migrations import (
    SYSTEM,
    apply_migrations,
    build_migrations,
    check_record,
    migration_names,
    up_to_date,
)
from contingency.store.tx import Tx

if TYPE_CHECKING:
    from sqlite_utils import Database

DEFAULT_BUSY_TIMEOUT_MS = 5000


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


@contextmanager
def busy_as_store_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            raise StoreBusy() from None
        raise


def open_store(path: str | Path, *, officer: str = "", clock: Clock | None = None,
               create: StoreKind | None = None, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Store:
    """Open a store, or make a new one of kind `create` if there is none: WAL, foreign keys, busy
    timeout, migrations (with an integrity check and a backup first). An existing store keeps its kind.

    The whole-file check (PRAGMA quick_check) is not run on every open: it reads every page, 0.4 s at
    50,000 people, on every command and every worker's connection (issue 12). SQLite checks each page it
    reads, so a damaged page that is read is reported here (StoreCorrupt, naming the newest backup) or
    by the command (cli.py); the whole file is checked before migrations change it, by the TUI in the
    background once its first screen is up (`integrity_problem`), and by `contingency log verify`.

    Without a clock the process's own is used (`contingency.clock.process_clock`); a pinned clock is
    refused on a live store before anything is written to it."""
    clock = clock or process_clock()
    if isinstance(clock, ExerciseClock):
        clock = clock.wall  # another store's exercise clock: this store reads its own exercise row
    path = Path(path).expanduser()
    is_new = not path.exists()
    if is_new and create is None:
        raise StoreMissing(
            f"there is no store at {path}; run 'contingency setup' to make one "
            "(or 'contingency demo' for an exercise)"
        )
    if is_invented(clock) and (is_new or path.stat().st_size == 0) and create is not StoreKind.EXERCISE:
        raise ClockRefused(_PINNED_ON_LIVE)  # before even WAL mode touches the file
    if is_new:
        files.create_private_file(path)
    conn = _connect(path, busy_timeout_ms)
    try:
        store = _open(conn, path, clock=clock, officer=officer, create=create)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            raise
        conn.close()
        raise StoreCorrupt(_corrupt_message(path, str(exc))) from None
    if store.kind is StoreKind.EXERCISE:
        # Story time once an exercise starts on this store; the wall (or pinned) clock until then.
        store.clock = ExerciseClock(store.exercise_clock.get, lambda: store.version, wall=clock)
    return store


def _open(conn: sqlite3.Connection, path: Path, *, clock: Clock, officer: str, create: StoreKind | None) -> Store:
    tables = _table_names(conn)
    if tables and "store_meta" not in tables:
        conn.close()
        raise StoreError(f"{path} is a database that was not made by contingency; it has been left untouched")
    if is_invented(clock):
        with busy_as_store_error():
            kind = _stored_kind(conn) if tables else create
        if kind is not StoreKind.EXERCISE:
            conn.close()
            raise ClockRefused(_PINNED_ON_LIVE)
    with busy_as_store_error():
        if not up_to_date(conn, migration_names()):
            _migrate(conn, path, clock=clock, tables=tables)
        kind = _ensure_kind(conn, create, at=to_utc_iso(clock()), officer=officer)
    return Store(conn=conn, path=path, kind=kind, officer=officer, clock=clock)


def _migrate(conn: sqlite3.Connection, path: Path, *, clock: Clock, tables: list[str]) -> None:
    """Apply the migrations still pending, after checking the record of those applied and, for a store that
    has data, the whole file, then taking a backup."""
    from sqlite_utils import Database

    db = Database(conn, execute_plugins=False)  # no third-party plugin gets a hook into our connection
    migrations = build_migrations(at=to_utc_iso(clock()))
    pending = migrations.pending(db)
    check_record(db, migrations, pending)
    if pending and tables:
        problems = check_integrity(conn)  # never migrate (or back up) a damaged file
        if problems:
            conn.close()
            raise StoreCorrupt(_corrupt_message(path, "; ".join(problems[:3])))
        files.backup(conn, path, clock())
    apply_migrations(db, migrations, pending)


def _table_names(conn: sqlite3.Connection) -> list[str]:
    return [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def check_integrity(conn: sqlite3.Connection, *, full: bool = False) -> list[str]:
    """What SQLite finds wrong with the file, page by page; [] when it is sound. `full` also checks that
    every index matches its table (PRAGMA integrity_check), which `log verify` does."""
    pragma = "integrity_check" if full else "quick_check"
    result = [row[0] for row in conn.execute(f"PRAGMA {pragma}").fetchall()]
    return [] if result == ["ok"] else result


def integrity_problem(path: Path) -> str | None:
    """The whole-file check on a read-only connection of its own (for a background thread): None when the
    store is sound, else what to tell the officer, naming the newest backup."""
    return IntegrityCheck(path).run()


class IntegrityCheck:
    """The whole-file check of `integrity_problem`, which another thread may stop: quitting the app never waits
    for a check of a large file to finish (0.3-0.7 s at 50,000 people). A check stopped early reports nothing;
    the next start checks again."""

    # A backstop for a stop that lands between the check's connection opening and its statement starting,
    # which sqlite3_interrupt does not see (it only ends statements already running). SQLite asks the progress
    # handler only between the check's steps, not while it walks a table's pages, so it alone can take 0.1 s
    # or more to stop a check of a 280 MB file; the interrupt ends one within a millisecond. Each call takes
    # the GIL from the screen's thread: every 10,000 steps it did so 652 times in one check at 50,000 people,
    # and the check took 318 ms; every million, 6 times and 236 ms.
    STEPS = 1_000_000

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.stopped = False
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # the connection is never interrupted while it is being closed

    def run(self) -> str | None:
        try:
            with self._lock:
                if self.stopped:
                    return None
                conn = self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            try:
                conn.set_progress_handler(lambda: self.stopped, self.STEPS)
                problems = check_integrity(conn)
            finally:
                with self._lock:
                    self._conn = None
                    conn.close()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and (_is_busy(exc) or self.stopped):
                return None  # another process is mid-checkpoint, or the app is closing: the next start checks again
            problems = [str(exc)]
        return _corrupt_message(self.path, "; ".join(problems[:3])) if problems else None

    def stop(self) -> None:
        """From any thread: end a running check at once, or one not yet started before it starts."""
        with self._lock:
            self.stopped = True
            if self._conn is not None:
                self._conn.interrupt()  # sqlite3_interrupt is safe from any thread


def _connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000)
    try:
        with busy_as_store_error():
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            raise
        conn.close()
        raise StoreCorrupt(_corrupt_message(path, str(exc))) from None
    return conn


_PINNED_ON_LIVE = (f"{PIN_VARIABLE} pins the clock, which is only for tests and exercises: a live store's log must "
                   f"never carry invented times. Unset {PIN_VARIABLE} to use this store")


def _stored_kind(conn: sqlite3.Connection) -> StoreKind | None:
    row = conn.execute("SELECT value FROM store_meta WHERE key = 'kind'").fetchone()
    return StoreKind(row[0]) if row else None


def damaged_message(path: Path, problems: list[str]) -> str:
    """What to tell an officer about a store that failed its check: what SQLite found and the newest backup."""
    return _corrupt_message(path, "; ".join(problems[:3]))


def _corrupt_message(path: Path, detail: str) -> str:
    newest = files.newest_backup(path)
    restore = f"the newest backup is {newest}" if newest else "no backup was found beside it"
    return f"the store {path} failed its integrity check ({detail}); {restore}"


def _ensure_kind(conn: sqlite3.Connection, create: StoreKind | None, *, at: str, officer: str) -> StoreKind:
    kind = _stored_kind(conn)
    if kind is None:
        if create is None:
            raise StoreError("this store has no live/exercise marker; it was not made by contingency")
        with conn:  # one transaction: committed, or rolled back on an error
            conn.execute("INSERT INTO store_meta (key, value) VALUES ('kind', ?)", [create.value])
            log = LogWriter(conn)
            log.append(at=at, officer=officer or SYSTEM, entity="store-meta", entity_id="kind", action="create",
                       before=None, after={"key": "kind", "value": create.value}, reason="new store", incident_id=None)
            log.flush()
        return create
    return kind


class Store:
    def __init__(self, *, conn: sqlite3.Connection, path: Path | None, kind: StoreKind, officer: str, clock: Clock):
        self.conn = conn
        self.path = path
        self.kind = kind
        self.officer = officer
        self.clock = clock
        self._tx: Tx | None = None
        self._commits = 0

    @property
    def version(self) -> tuple[int, int]:
        """Changes whenever anything is written, by this store or by another process on the same file,
        so views can skip rebuilding what has not changed."""
        return self._commits, self.conn.execute("PRAGMA data_version").fetchone()[0]

    @cached_property
    def db(self) -> Database:
        """sqlite-utils over the store's connection, made when a repository first needs its table helpers (it
        is not imported for a store that is only read)."""
        from sqlite_utils import Database

        return Database(self.conn, execute_plugins=False)  # no third-party plugin gets a hook into our connection

    def query(self, sql: str, params: list[Any] | tuple[Any, ...] | dict[str, Any] | None = None) -> Iterator[dict]:
        """Rows as dicts, as sqlite-utils' `Database.query` gives them."""
        cursor = self.conn.execute(sql, params or [])
        keys = [column[0] for column in cursor.description]
        for row in cursor:
            yield dict(zip(keys, row, strict=True))

    @property
    def is_exercise(self) -> bool:
        return self.kind is StoreKind.EXERCISE

    def close(self) -> None:
        self.conn.close()

    def set_busy_timeout(self, busy_timeout_ms: int) -> None:
        """How long a write waits for another process's lock before StoreBusy. An interactive caller
        wants it short and retries itself, so the screen never freezes behind someone else's write."""
        with busy_as_store_error():
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")

    @contextmanager
    def write(self, reason: str | None = None) -> Iterator[Tx]:
        """One transaction; every change inside it is logged in it. Re-entrant."""
        if self._tx is not None:
            yield self._tx
            return
        if not self.officer.strip():
            raise StoreError("who is writing? set the officer's name (--officer, CONTINGENCY_OFFICER or setup)")
        with busy_as_store_error():
            self.conn.execute("BEGIN IMMEDIATE")
        clock = self.clock
        wall = clock.wall() if isinstance(clock, ExerciseClock) and clock.state() is not None else None
        self._tx = Tx(self.conn, officer=self.officer, at=to_utc_iso(clock()), reason=reason,
                      wall_at=to_utc_iso(wall) if wall is not None else None)
        try:
            yield self._tx
            self._tx.log.flush()
            with busy_as_store_error():
                self.conn.execute("COMMIT")
            self._commits += 1
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._tx = None

    # --- the operating council -------------------------------------------------------------------

    def settings(self) -> Settings | None:
        row = self.conn.execute(
            "SELECT authority_code, team, officer, address, phone, email FROM settings WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        keys = ("authority_code", "team", "officer", "address", "phone", "email")
        return Settings(**dict(zip(keys, row)))

    def save_settings(self, settings: Settings, reason: str | None = None) -> None:
        row = settings.model_dump()
        with self.write(reason) as tx:
            if self.settings() is None:
                tx.insert("settings", "settings", {"id": 1, **row})
            else:
                tx.update("settings", "settings", 1, row)

    # --- reference data --------------------------------------------------------------------------

    @cached_property
    def authorities(self) -> AuthorityIndex:
        rows = self.query("SELECT code, gss_code, name, nice_name, nation, kind FROM authorities ORDER BY code")
        return AuthorityIndex(Authority(**row) for row in rows)

    @cached_property
    def icbs(self) -> ICBIndex:
        return ICBIndex(ICB(**row) for row in self.query("SELECT gss_code, ods_code, name FROM icbs"))

    # --- repositories ----------------------------------------------------------------------------

    @cached_property
    def exercises(self):
        from contingency.store.exercises import ExerciseRepo

        return ExerciseRepo(self)

    def exercise_started(self) -> bool:
        """Whether an exercise was ever started on this store, without the exercise repository, whose
        module (five record classes) every start of the demo would otherwise load to learn only this."""
        return self.conn.execute("SELECT 1 FROM exercise_runs WHERE id = 1").fetchone() is not None

    @cached_property
    def exercise_clock(self):
        from contingency.store.exercise_clock import ExerciseClockRepo

        return ExerciseClockRepo(self)

    @cached_property
    def incidents(self):
        from contingency.store.incidents import IncidentRepo

        return IncidentRepo(self)

    @cached_property
    def people(self):
        from contingency.store.people import PeopleRepo

        return PeopleRepo(self)

    @cached_property
    def decisions(self):
        from contingency.store.decisions import DecisionRepo

        return DecisionRepo(self)

    @cached_property
    def notifications(self):
        from contingency.store.notifications import NotificationRepo

        return NotificationRepo(self)

    @cached_property
    def playbooks(self):
        from contingency.store.playbooks import PlaybookRepo

        return PlaybookRepo(self)

    @cached_property
    def costs(self):
        from contingency.store.costs import CostRepo

        return CostRepo(self)

    @cached_property
    def claims(self):
        from contingency.store.claims import ClaimRepo

        return ClaimRepo(self)

    @cached_property
    def disputes(self):
        from contingency.store.claims import DisputeRepo

        return DisputeRepo(self)

    @cached_property
    def geography(self):
        from contingency.store.geography import GeographyRepo

        return GeographyRepo(self)

    @cached_property
    def log(self):
        from contingency.store.logrepo import LogRepo

        return LogRepo(self)

    def verify_log(self, anchor: Anchor | None = None) -> Verification:
        return verify(self.conn, anchor)

    def log_head(self, fixed_by: tuple[str, str | int, str] | None = None) -> Anchor:
        if fixed_by is not None:
            fixed_by = (fixed_by[0], str(fixed_by[1]), fixed_by[2])
        return head(self.conn, fixed_by)
