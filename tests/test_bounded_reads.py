"""Painting a section of an incident reads a bounded amount of the store, whatever the size of the roster.

Work, not time. Every connection the app opens (its own, and the ones its worker threads open) is made
through a connection class that counts the rows each statement hands to Python, with a trace callback that
counts statements and an SQLite progress handler that counts virtual-machine steps. The same Pilot walk, at
80x24, is made on a demo of SMALL and of LARGE people (5x as many), and for each step of it (home, opening the
incident on its roster, then keys 1 and 3-7):

- rows read and statements run must not grow with the roster (rows: at most ROW_SLACK more at LARGE; statements:
  within GROWTH): a section shows a page, so it reads a page. Reading the roster into Python (to filter, sort, count or loop over it: the
  O(n^2) Costs section of issue 12) or a statement a person (the register sync) fails here;
- the SQL work (VM steps) may grow at most in proportion (GROWTH x 5): totals are SQL's to add up ("with
  totals from SQL", issue 12), but a query that grows faster than the roster (a correlated subquery a row,
  O(n^2) in SQLite) fails.

What opening a connection costs (schema and migration checks, the same at any size) is taken off each
worker's connection: a section may move its reads to a worker above some roster size. Deterministic, on any
machine, however fast or busy. Work done in Python on rows already read is not counted
here: the benchmark's row g times that (`python -m tests.benchmarks`, README "Benchmarks").

Whole-file integrity checks (PRAGMA quick_check) are counted apart: the issue lets one run in the background
after the first paint, so the walk may make one, but no more. `pytest -s` prints every count.

Sections known to read the whole roster today are marked xfail(strict=True) with the cause found; when a
fix lands the test passes, strict xfail turns that into a failure, and whoever fixed it removes the mark.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

import pytest
from textual.widgets import DataTable

from contingency.clock import fixed_clock
from contingency.store import open_store
from contingency.tui.app import ContingencyApp
from contingency.tui.sections import overview as overview_section
from contingency.tui.sections import roster as roster_widget
from tests.tui_support import DEMO_NOW, OPEN_CARE_HOME, SIZE, demo_store

SMALL, LARGE = 1_000, 5_000
GROWTH = 1.5  # LARGE / SMALL is 5: reading a page is flat; reading the roster grows about 5x
ROW_SLACK = (LARGE - SMALL) // 10  # 400 rows: one row for every 10 people added is already "the roster"
STEPS = 1_000  # VM steps between two calls of the progress handler: the unit of the counts
SECTIONS = ("home", "people", "overview", "log", "playbook", "notifications", "costs", "claims")
CARE_HOME = 1  # the demo's large incident (opened first; listed second on home, the home-care one is more overdue)


INTEGRITY_CHECK = re.compile(r"^\s*PRAGMA\s+(\w+\.)?(quick_check|integrity_check)", re.IGNORECASE)


@dataclass
class Phase:
    """The work one step of the walk did, on every connection: rows handed to Python and statements (by
    statement, to name the culprits), VM steps (by the statement last started on that connection), and
    whole-file integrity checks, counted on their own."""

    rows: int = 0
    statements: int = 0
    rows_by_statement: Counter = field(default_factory=Counter)
    runs_by_statement: Counter = field(default_factory=Counter)
    steps: int = 0
    steps_by_statement: Counter = field(default_factory=Counter)
    checks: int = 0
    opens: int = 0  # connections made (a worker's own)

    def net(self, one_open: Phase) -> Phase:
        """Less what opening its connections cost (`one_open` each: the schema and migration checks, the same
        at any size), so a section that moves its reads to a worker above some roster size is not charged
        for the worker's connection, only for what it reads."""

        def less(mine: Counter, theirs: Counter) -> Counter:
            return Counter({k: v - theirs.get(k, 0) * self.opens for k, v in mine.items()
                            if v - theirs.get(k, 0) * self.opens > 0})

        return Phase(rows=max(0, self.rows - one_open.rows * self.opens),
                     statements=max(0, self.statements - one_open.statements * self.opens),
                     rows_by_statement=less(self.rows_by_statement, one_open.rows_by_statement),
                     runs_by_statement=less(self.runs_by_statement, one_open.runs_by_statement),
                     steps=max(0, self.steps - one_open.steps * self.opens),
                     steps_by_statement=less(self.steps_by_statement, one_open.steps_by_statement),
                     checks=self.checks, opens=self.opens)


class Work:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.phase = Phase()
        self.current: dict[int, tuple[str, bool]] = {}  # connection -> (statement it runs, is an integrity check)

    def watch(self, conn: sqlite3.Connection) -> None:
        key = id(conn)

        def traced(sql: str) -> None:
            check = bool(INTEGRITY_CHECK.match(sql))
            shape = _shape(sql)
            with self.lock:
                self.current[key] = (shape, check)
                if check:
                    self.phase.checks += 1
                else:
                    self.phase.statements += 1
                    self.phase.runs_by_statement[shape] += 1

        def stepped() -> int:
            with self.lock:
                shape, check = self.current.get(key, ("?", False))
                if not check:
                    self.phase.steps += STEPS
                    self.phase.steps_by_statement[shape] += STEPS
            return 0  # never interrupt

        conn.set_trace_callback(traced)
        conn.set_progress_handler(stepped, STEPS)

    def read(self, shape: str, rows: int) -> None:
        if rows:
            with self.lock:
                self.phase.rows += rows
                self.phase.rows_by_statement[shape] += rows

    def take(self) -> Phase:
        with self.lock:
            taken, self.phase = self.phase, Phase()
        return taken


def counting_connection(work: Work) -> type[sqlite3.Connection]:
    """A connection class whose cursors tell `work` how many rows each statement handed to Python."""

    class Cursor(sqlite3.Cursor):
        shape = "?"

        def execute(self, sql, parameters=(), /):
            self.shape = _shape(sql)
            return super().execute(sql, parameters)

        def __next__(self):
            row = super().__next__()
            work.read(self.shape, 1)
            return row

        def fetchone(self):
            row = super().fetchone()
            work.read(self.shape, row is not None)
            return row

        def fetchmany(self, *args, **kwargs):
            rows = super().fetchmany(*args, **kwargs)
            work.read(self.shape, len(rows))
            return rows

        def fetchall(self):
            rows = super().fetchall()
            work.read(self.shape, len(rows))
            return rows

    class Connection(sqlite3.Connection):
        def cursor(self, factory=Cursor):
            return super().cursor(factory)

        # sqlite3.Connection.execute makes its cursor in C, past cursor() above.
        def execute(self, sql, parameters=(), /):
            return self.cursor().execute(sql, parameters)

        def executemany(self, sql, parameters, /):
            return self.cursor().executemany(sql, parameters)

    return Connection


def _shape(sql: str) -> str:
    """A statement without its literals, so repeats of one query add up under one name."""
    text = re.sub(r"\s+", " ", sql).strip()
    text = re.sub(r"'(?:[^']|'')*'", "?", text)
    text = re.sub(r"\b\d+\b", "?", text)
    text = re.sub(r"(\?, )+\?", "?…", text)
    return text[:160]


async def _settle(pilot) -> None:
    await pilot.pause()
    while any(not worker.is_finished for worker in pilot.app.workers):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


def _walk(path, work: Work) -> dict[str, Phase]:
    """Start the app on the store at `path`, open the care-home incident and visit each section in turn;
    the work each step took."""
    store = open_store(path, officer="Demo Officer", clock=fixed_clock(DEMO_NOW))
    assert type(store.conn) is not sqlite3.Connection, "the store opened its connection past the counting one"
    work.take()  # opening the store (its integrity check) is not a section's
    found: dict[str, Phase] = {}

    async def run() -> None:
        app = ContingencyApp(store)
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot)
            found["home"] = work.take()
            await pilot.press(*OPEN_CARE_HOME)
            await _settle(pilot)
            if getattr(app.screen, "incident_id", None) != CARE_HOME:  # the order on home changed
                await pilot.press("escape")
                await _settle(pilot)
                await pilot.press("enter")
                await _settle(pilot)
            assert getattr(app.screen, "incident_id", None) == CARE_HOME
            assert any(table.row_count for table in app.screen.query(DataTable)), "the roster shows nobody"
            found["people"] = work.take()  # the incident opens on its roster
            for key, section in (("1", "overview"), ("3", "log"), ("4", "playbook"), ("5", "notifications"),
                                 ("6", "costs"), ("7", "claims")):
                await pilot.press(key)
                await _settle(pilot)
                found[section] = work.take()

    try:
        asyncio.run(run())
    finally:
        store.close()
    return found


def _watched_connect(original, work: Work, connection: type, *args, **kwargs) -> sqlite3.Connection:
    kwargs.setdefault("factory", connection)
    conn = original(*args, **kwargs)
    work.watch(conn)
    database = str(args[0] if args else kwargs.get("database", ""))
    if "mode=ro" not in database:
        # A store opened (open_store: schema and migration checks, what `net` takes off per open). The read-only
        # connection of the background integrity check opens no store: counted as an open, it took a store's
        # opening off whichever section it happened to land in, by timing alone.
        with work.lock:
            work.phase.opens += 1
    return conn


@pytest.fixture(scope="module")
def counts(tmp_path_factory) -> dict[int, dict[str, Phase]]:
    results = {}
    for people in (SMALL, LARGE):
        folder = tmp_path_factory.mktemp(f"bounded-{people}")
        demo_store(folder, people=people).close()
        work = Work()
        with pytest.MonkeyPatch.context() as patch:
            # Worker threads open their own connections (tui/widgets/work.py own_store): watched too.
            patch.setattr(sqlite3, "connect",
                          partial(_watched_connect, sqlite3.connect, work, counting_connection(work)))
            # Both sizes take the large-roster path (counts and summaries in workers, after the first paint), so
            # each section's work falls in the same step of the walk whatever the size.
            patch.setattr(roster_widget, "COUNT_HERE", 0)
            patch.setattr(overview_section, "COUNT_HERE", 0)
            path = folder / "demo.sqlite"
            work.take()
            open_store(path, officer="Demo Officer", clock=fixed_clock(DEMO_NOW)).close()
            one_open = work.take()
            assert one_open.opens == 1
            walk = _walk(path, work)
            results[people] = {section: phase.net(one_open) for section, phase in walk.items()}
    for section in SECTIONS:  # shown with pytest -s
        small, large = results[SMALL][section], results[LARGE][section]
        print(f"{section:<14} {_figures(small)} | {_figures(large)}")
        for unit, counter in (("rows", "rows_by_statement"), ("runs", "runs_by_statement"),
                              ("steps", "steps_by_statement")):
            print(f"    {unit}: {_growth(getattr(small, counter), getattr(large, counter), unit, 2)[:230]}")
    return results


def _figures(phase: Phase) -> str:
    return (f"{phase.rows:>7,} rows {phase.statements:>6,} statements {phase.steps:>10,} steps "
            f"{phase.checks} checks {phase.opens} opens")


def _growth(small: Counter, large: Counter, unit: str, n: int = 3) -> str:
    """The statements whose count grew most from SMALL to LARGE: the ones that read the roster."""
    grew = Counter({sql: large[sql] - small.get(sql, 0) for sql in large})
    return "; ".join(f"+{count:,} {unit} ({large[sql]:,} in all): {sql}" for sql, count in grew.most_common(n)
                     if count > 0) or "nothing grew"


# Sections known to read the whole roster, with what the counts showed (none today: the playbook and
# notifications entries were removed when their fixes landed, 1 Dec 2026). A new entry makes that case a strict xfail.
READS: dict[str, str] = {
}
WORK: dict[str, str] = {}


def _case(section: str, reasons: dict[str, str]):
    reason = reasons.get(section)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(section, marks=marks, id=section)


@pytest.mark.parametrize("section", [_case(s, READS) for s in SECTIONS])
def test_a_section_reads_a_page_not_the_roster(counts, section: str) -> None:
    small, large = counts[SMALL][section], counts[LARGE][section]
    # Differences, not ratios: reference tables read once (12,906 postcode sectors) would hide a row a person.
    assert large.rows - small.rows <= ROW_SLACK, (
        f"{section}: {large.rows:,} rows read at {LARGE:,} people against {small.rows:,} at {SMALL:,}: it reads "
        f"the roster. Grew most: {_growth(small.rows_by_statement, large.rows_by_statement, 'rows')}")
    assert large.statements <= small.statements * GROWTH + 10, (
        f"{section}: {large.statements:,} statements at {LARGE:,} people against {small.statements:,} at "
        f"{SMALL:,}: statements that grow with the roster. Grew most: "
        f"{_growth(small.runs_by_statement, large.runs_by_statement, 'runs')}")


@pytest.mark.parametrize("section", [_case(s, WORK) for s in SECTIONS])
def test_a_sections_sql_work_grows_no_faster_than_the_roster(counts, section: str) -> None:
    small, large = counts[SMALL][section], counts[LARGE][section]
    assert large.steps <= max(small.steps, 10 * STEPS) * GROWTH * LARGE / SMALL, (
        f"{section}: {large.steps:,} VM steps at {LARGE:,} people against {small.steps:,} at {SMALL:,}: more than "
        f"in proportion. Grew most: {_growth(small.steps_by_statement, large.steps_by_statement, 'steps')}")


def test_the_whole_file_is_checked_at_most_once_while_painting(counts) -> None:
    """An integrity check reads every page of the file: at most one, in the background, for the whole walk
    (opening the store before the app starts is not counted)."""
    walk = counts[LARGE]
    where = {section: phase.checks for section, phase in walk.items() if phase.checks}
    assert sum(where.values()) <= 1, f"integrity checks while painting, by section: {where}"
