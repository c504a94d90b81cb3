"""One measured run in a fresh process, started by `python -m tests.benchmarks` (never by pytest).

    python -m tests.benchmarks.child SCENARIO [--db PATH] [--incident ID]

Every scenario runs a Textual app headless at 80x24 through `App.run(auto_pilot=...)` and prints one JSON
line: what it timed inside the process, and its resident memory (VmRSS now, VmHWM peak) when the thing it
was asked to show was on screen. The parent times the whole process from outside (start-up included).

contingency runs through its real entry point (`contingency.cli.main(["--db", PATH])`), with only
`App.run` wrapped to make it headless and steer it: nothing in the app is changed.

Scenarios: bare-home, bare-table, bare-search (the baselines: plain Textual apps), home, open, search,
sections (contingency).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import textual._wait
from textual import events
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

SIZE = (80, 24)
SEARCH_WORDS = ["exam", "ada ", "dril", "vera", "test"]  # typed, then erased: 40 keystrokes
SECTION_KEYS = [("1", "overview"), ("2", "people"), ("3", "log"), ("4", "playbook"), ("5", "notifications"),
                ("6", "costs"), ("7", "claims")]
WAIT_LIMIT = 600.0
# Pilot's pause waits until the app looks idle, judged by the CPU time of the whole process: a thread working
# in the background (contingency's integrity check, on a connection of its own) made every pause wait for it
# to end, long after the screen was painted. The UI thread's own CPU time says when the screen is idle; for
# the bare apps, which have no other thread, the two are the same.
textual._wait.process_time = time.thread_time
# Workers that fill nothing on screen, which "settled" does not wait for: the whole-file integrity check runs
# on a thread and a connection of its own once the first screen is up (issue 12 moved it there), and the app
# stops it when it quits. Waiting for it would time the check, not the screen; what it costs the screen while
# it runs alongside is still in every figure.
BACKGROUND = {"store-check"}


def memory() -> dict[str, int]:
    """This process's resident set now and at its peak, in KiB (Linux /proc)."""
    found = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


# --- what the screen shows and when it was painted --------------------------------------------------------

class Marks:
    """Timestamps of every compositor refresh (a paint) and of every change to a DataTable's rows."""

    def __init__(self) -> None:
        self.paints: list[float] = []
        self.table_changes: list[float] = []

    def install(self) -> None:
        original_refresh = Screen._compositor_refresh

        def refresh(screen) -> None:
            original_refresh(screen)
            self.paints.append(time.perf_counter())

        Screen._compositor_refresh = refresh
        for name in ("clear", "add_row", "add_rows", "remove_row", "update_cell", "update_cell_at", "sort"):
            original = getattr(DataTable, name)

            def changed(table, *args, __original=original, **kwargs):
                result = __original(table, *args, **kwargs)
                self.table_changes.append(time.perf_counter())
                return result

            setattr(DataTable, name, changed)

    def first_paint_after(self, moment: float) -> float | None:
        return next((t for t in self.paints if t >= moment), None)

    def last_change_after(self, moment: float) -> float | None:
        later = [t for t in self.table_changes if t >= moment]
        return later[-1] if later else None


MARKS = Marks()


async def settle(pilot, limit: float = WAIT_LIMIT) -> None:
    """Until the app is idle: no worker running (but the BACKGROUND ones), nothing left to paint."""
    app = pilot.app
    deadline = time.perf_counter() + limit
    await pilot.pause()
    while time.perf_counter() < deadline:
        running = [w for w in app.workers if not w.is_finished and w.group not in BACKGROUND]
        if not running:
            break
        await app.workers.wait_for_complete(running)
        await pilot.pause()
    await pilot.pause()


async def wait_until(pilot, test: Callable[[], bool], what: str, limit: float = WAIT_LIMIT) -> None:
    deadline = time.perf_counter() + limit
    while not test():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no {what} after {limit:.0f} s (screen: {type(pilot.app.screen).__name__})")
        await asyncio.sleep(0.002)


def screen_named(app: App, name: str) -> bool:
    return type(app.screen).__name__ == name


def roster_rows(app: App) -> int:
    """Rows in the roster's table (by id; any visible DataTable if a refactor renamed it)."""
    screen = app.screen
    tables = list(screen.query("#roster-table").results(DataTable)) or [
        t for t in screen.query(DataTable).results(DataTable) if t.display and t.region.area]
    return max((t.row_count for t in tables), default=0)


def home_row(app: App, incident_id: int) -> DataTable | None:
    """The home screen's table once it lists the incident (keyed by incident id)."""
    if not screen_named(app, "HomeScreen"):
        return None
    for table in app.screen.query(DataTable).results(DataTable):
        if str(incident_id) in [str(key.value) for key in table.rows]:
            return table
    return None


async def open_incident(pilot, incident_id: int) -> None:
    """From home, open the incident by its own row as an officer would: the cursor on it, then enter.

    Each step waits for just what it needs, polled every 2 ms (`wait_until`), not for Pilot's idle detector:
    its 20 ms sleeps (at least two in each pause, two more in each press) were some 150 ms of every run
    counted as the app's time, and the bare apps, which press nothing, had none of them. The key goes in
    as Pilot sends it, and waits its turn behind whatever the home screen still had to do."""
    app = pilot.app
    await wait_until(pilot, lambda: home_row(app, incident_id) is not None, f"incident {incident_id} on the home screen")
    table = home_row(app, incident_id)
    assert table is not None
    # The home table is ordered by what is most overdue, which the clock decides: the incident's own row.
    table.focus()
    table.move_cursor(row=table.get_row_index(str(incident_id)))
    app._driver.send_message(events.Key("enter", "\r"))
    await wait_until(pilot, lambda: screen_named(app, "IncidentScreen"), "incident screen")
    opened = getattr(app.screen, "incident_id", incident_id)
    if opened != incident_id:
        raise RuntimeError(f"enter opened incident {opened}, not {incident_id}")
    await wait_until(pilot, lambda: roster_rows(app) > 0, "roster rows")
    await settle(pilot)


# --- the scenarios ---------------------------------------------------------------------------------------------

class BareHome(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("A bare Textual app: a header, a line of text and a footer.")
        yield Footer()


class BareTable(App[None]):
    ROWS = tuple((f"MB{i:05d}", f"Person {i}", "Exampleton", "01/02/1940", "999 000 0000", "RED", "with provider")
                 for i in range(1, 21))

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="roster-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Ref", "First", "Last", "Born", "NHS", "RAG", "Status")
        table.add_rows(self.ROWS)


class BareSearch(App[None]):
    """Search as you type over an in-memory list, repainting a 20-row table: the floor for the roster."""

    NAMES = tuple(f"{first} {last}" for first in ("Ada", "Vera", "Walter", "Edith", "Testy")
                  for last in ("Exampleton", "Drillsworth", "Testwell", "Samplewood")) * 50

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(id="search")
        yield DataTable(id="roster-table", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("#", "Name")
        self.fill("")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    def fill(self, text: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        needle = text.strip().lower()
        table.add_rows([(str(i), name) for i, name in enumerate(self.NAMES) if needle in name.lower()][:20])


async def search_timings(pilot, focus: Callable[[], Awaitable[None]]) -> list[float]:
    """Keystroke to repainted table, in seconds: from just before the key is sent to the first paint after
    the last change to a table's rows that the key caused (or the first paint, if no row changed)."""
    await focus()
    await settle(pilot)
    timings = []
    for word in SEARCH_WORDS:
        for key in [("space" if ch == " " else ch) for ch in word] + ["backspace"] * len(word):
            # No gc.collect() here: the collector's pauses in the app's heap are part of what the officer feels.
            started = time.perf_counter()
            await pilot.press(key)
            await settle(pilot)
            changed = MARKS.last_change_after(started)
            painted = MARKS.first_paint_after(changed if changed is not None else started)
            if painted is not None:
                timings.append(painted - started)
    return timings


def run_contingency(db: str, pilot_script: Callable, result: dict) -> None:
    """contingency's own entry point, headless at 80x24, steered by `pilot_script`."""
    original_run = App.run

    def run(self, *args, **kwargs):
        async def autopilot(pilot) -> None:
            try:
                await pilot_script(pilot, result)
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which prints FAILED and carries on
                result["error"] = f"{type(exc).__name__}: {exc}"
            pilot.app.exit()

        kwargs.update(headless=True, size=SIZE, auto_pilot=autopilot)
        return original_run(self, *args, **kwargs)

    App.run = run
    from contingency.cli import main

    code = main(["--db", db])
    if code and "error" not in result:
        result["error"] = f"contingency exited {code}"


def run_bare(app: App, pilot_script: Callable, result: dict) -> None:
    async def autopilot(pilot) -> None:
        try:
            await pilot_script(pilot, result)
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            result["error"] = f"{type(exc).__name__}: {exc}"
        pilot.app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=autopilot)


def main() -> None:
    parser = argparse.ArgumentParser(description="one benchmark run in a fresh process")
    parser.add_argument("scenario", choices=["bare-home", "bare-table", "bare-search", "home", "open", "search",
                                             "sections"])
    parser.add_argument("--db")
    parser.add_argument("--incident", type=int, default=1)
    args = parser.parse_args()
    MARKS.install()
    result: dict = {}

    async def painted(pilot, result) -> None:
        await settle(pilot)
        gc.collect()  # memory is read after a collection in every scenario, ours and the baselines alike
        result["memory"] = memory()

    async def home(pilot, result) -> None:
        await wait_until(pilot, lambda: screen_named(pilot.app, "HomeScreen"), "home screen")
        await painted(pilot, result)

    async def opened(pilot, result) -> None:
        await open_incident(pilot, args.incident)
        gc.collect()
        result["memory"] = memory()

    async def search(pilot, result) -> None:
        await open_incident(pilot, args.incident)
        result["keystrokes"] = await search_timings(pilot, lambda: pilot.press("slash"))

    async def bare_search(pilot, result) -> None:
        result["keystrokes"] = await search_timings(pilot, lambda: pilot.click("#search"))

    async def sections(pilot, result) -> None:
        await open_incident(pilot, args.incident)
        result["sections"] = {}
        for key, name in SECTION_KEYS:
            started = time.perf_counter()
            await pilot.press(key)
            await settle(pilot)
            settled = time.perf_counter()
            first = MARKS.first_paint_after(started)
            changed = MARKS.last_change_after(started)
            painted = MARKS.first_paint_after(changed) if changed is not None else first
            result["sections"][name] = {"first_paint": (first - started) if first else None,
                                        "painted": (painted - started) if painted else settled - started,
                                        "settled": settled - started}
            print(json.dumps({"progress": name, **result["sections"][name]}), file=sys.stderr, flush=True)
        result["memory"] = memory()

    if args.scenario == "bare-home":
        run_bare(BareHome(), painted, result)
    elif args.scenario == "bare-table":
        run_bare(BareTable(), painted, result)
    elif args.scenario == "bare-search":
        run_bare(BareSearch(), bare_search, result)
    else:
        script = {"home": home, "open": opened, "search": search, "sections": sections}[args.scenario]
        run_contingency(args.db, script, result)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
