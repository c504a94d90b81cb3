"""Roster benchmark: figures, not a pass/fail test (pytest does not collect bench_*.py).

    python -m tests.benchmarks.bench_roster [--people 50000]

1. Builds a CSV of N synthetic people with the demo generator.
2. Times `contingency people import` (through the service: parsing, checks, determinations,
   event log) against `sqlite-utils insert --csv` of the same file into a fresh database.
3. Times the roster's search, keystroke to repaint, in a headless Pilot run (median and p95).
Targets (issue 3): import within 2x the raw insert; search repaint median <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from contingency.clock import fixed_clock
from contingency.models import StoreKind
from contingency.services.demo import generate_people
from contingency.services.importer import import_file
from contingency.services.incidents import build_facts, open_incident
from contingency.services.setup import setup_council
from contingency.services.tabular import write_csv
from contingency.store import open_store

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def build_csv(folder: Path, people: int) -> Path:
    table = generate_people(people, seed=7, service="care-home", today=NOW.date())
    path = folder / f"people-{people}.csv"
    write_csv(path, table.headers, [values for _, values in table.rows])
    return path


def time_raw_insert(folder: Path, csv_path: Path) -> float:
    target = folder / "raw.sqlite"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sqlite_utils", "insert", str(target), "people", str(csv_path), "--csv"],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def time_import(folder: Path, csv_path: Path):
    store = open_store(folder / "store.sqlite", officer="Bench", clock=fixed_clock(NOW), create=StoreKind.EXERCISE)
    setup_council(store, authority="Leeds", team="Bench", officer="Bench")
    incident = open_incident(store, build_facts(store, provider="Bench Care Ltd", service="care-home", area="Leeds",
                                                event="administration", aware_at=NOW))
    started = time.perf_counter()
    summary = import_file(store, incident.id, csv_path)
    return time.perf_counter() - started, summary, store, incident.id


async def time_search(store, incident_id: int, rounds: int = 8) -> list[float]:
    """Keystroke to repaint, measured inside the app: from the key event reaching the app to the end of
    the first screen refresh after the roster holds the new rows (the Pilot's own waiting, and the
    later repaint when the deferred count arrives, are not counted)."""
    from textual import events
    from textual.screen import Screen

    from contingency.tui.app import ContingencyApp
    from contingency.tui.screens.incident import IncidentScreen

    from contingency.tui.widgets.roster import RosterView

    marks: dict[str, float | None] = {"key": None, "filled": None, "paint": None}
    original = Screen._compositor_refresh
    original_fill = RosterView._fill

    def timed_refresh(self) -> None:
        original(self)
        if marks["filled"] is not None and marks["paint"] is None:
            marks["paint"] = time.perf_counter()

    def timed_fill(self, people) -> None:
        original_fill(self, people)
        marks["filled"] = time.perf_counter()

    def hook(message) -> None:
        if isinstance(message, events.Key) and marks["key"] is None:
            marks["key"] = time.perf_counter()

    timings: list[float] = []
    Screen._compositor_refresh = timed_refresh
    RosterView._fill = timed_fill
    try:
        app = ContingencyApp(store)
        async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
            app.push_screen(IncidentScreen(incident_id))
            await pilot.pause()
            await pilot.press("slash")
            await pilot.pause()
            for word in ["exam", "ada ", "dril"] * rounds:
                for ch in word:
                    marks.update(key=None, filled=None, paint=None)
                    await pilot.press("space" if ch == " " else ch)
                    await pilot.pause()
                    timings.append(marks["paint"] - marks["key"])
                for _ in word:
                    await pilot.press("backspace")
                await pilot.pause()
    finally:
        Screen._compositor_refresh = original
        RosterView._fill = original_fill
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = build_csv(folder, args.people)
        raw = time_raw_insert(folder, csv_path)
        ours, summary, store, incident_id = time_import(folder, csv_path)
        timings = asyncio.run(time_search(store, incident_id))
        verified = store.verify_log()
        store.close()
    ms = sorted(t * 1000 for t in timings)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(f"people in file:                 {args.people:,} ({summary.imported:,} imported, {summary.merged} merged, "
          f"{len(summary.rejected)} rejected)")
    print(f"sqlite-utils insert --csv:      {raw:6.2f} s")
    print(f"contingency people import:      {ours:6.2f} s  ({ours / raw:.2f}x the raw insert; target <= 2x)")
    print(f"roster search keystroke->paint: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms over "
          f"{len(ms)} keystrokes (target median <= 50 ms)")
    print(f"event log after import:         {'verified' if verified.ok else 'BROKEN: ' + verified.problem}, "
          f"{verified.entries:,} entries")


if __name__ == "__main__":
    main()
