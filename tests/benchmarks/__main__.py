"""The issue 12 benchmarks: every row of its table, each figure beside a baseline measured in the same run.

    .venv/bin/python -m tests.benchmarks                      # 5,000, 20,000 and 50,000 people (an hour or more)
    .venv/bin/python -m tests.benchmarks --quick              # 5,000 people only
    .venv/bin/python -m tests.benchmarks --sizes 5k,50k --rows a,c,d --stores /tmp/bench-stores

Rows (goals from issue 12; a figure that misses its goal, or a row that fails, makes the exit code 1):
  a  start and show the home screen, vs a bare Textual app (Header, Static, Footer)       <= 1.5x
  b  start, open the incident, roster shown, vs a bare Textual app with a 20-row DataTable <= 2x
  c  `contingency people import` of a 10-column CSV, vs `sqlite-utils insert --csv`       <= 2x; peak <= 150 MiB
  d  roster search, keystroke to repainted table (Pilot), 40 keystrokes                   median <= 30 ms, p95 <= 60 ms
  e  letters to every body, PDF + DOCX, fresh process                                     <= 5 s
  f  memory with the incident open (VmRSS), over the bare 20-row DataTable app (row b's runs)  <= +50 MiB
  g  visit every section 1-7: key to the section's tables filled and painted               each <= 0.5 s

Every app runs in a fresh process (`tests/benchmarks/child.py`), headless at 80x24; times are the child's wall
time seen from here, memory is the child's own (ru_maxrss from wait4, or VmRSS it reports). Medians of 5; the
slow rows run fewer times at 20,000 people and up, and the output says so. The stores are made with the real
`contingency demo --people N --no-tui`; runs that write (letters, sections) get a fresh copy each time.
Not collected by pytest, not run in CI: too slow and too noisy on a shared machine. Ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOW_TEXT = "2026-11-23T02:00:00+00:00"  # the demo's pinned night (tests.tui_support.DEMO_NOW)
CARE_HOME = 1  # the demo's 50,000-person incident is the first it opens
IMPORT_COLUMNS = ["provider_ref", "first_name", "last_name", "date_of_birth", "nhs_number", "service_address",
                  "home_postcode", "funding", "or_code", "rag"]
MIB = 1024 * 1024


@dataclass
class Run:
    seconds: float
    code: int
    maxrss_kib: int
    stdout: str
    stderr: str

    @property
    def result(self) -> dict:
        """The JSON a child prints on its last `RESULT` line (empty if none)."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT "):])
        return {}

    def check(self, what: str) -> dict:
        found = self.result
        if self.code != 0 or "error" in found:
            tail = found.get("error") or (self.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise RuntimeError(f"{what} exited {self.code}: {tail[:300]}")
        return found


@dataclass
class Line:
    label: str
    figure: str
    baseline: str
    ratio: str
    goal: str
    ok: bool | None  # None: for information, no goal


@dataclass
class Context:
    size: int
    folder: Path
    pristine: Path
    work: Path
    env: dict[str, str]
    timeout: float
    max_repeats: int
    cache: dict = field(default_factory=dict)

    def repeats(self, slow: bool) -> int:
        """5 runs; 3 for a slow row at 20,000 people and up; never more than --repeats."""
        wanted = 3 if slow and self.size >= 20_000 else 5
        return max(1, min(wanted, self.max_repeats))

    def scratch(self) -> Path:
        """A fresh copy of the store as the demo made it, for a run that writes."""
        target = self.folder / "scratch.sqlite"
        copy_store(self.pristine, target)
        return target


def copy_store(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    for suffix in ("", "-wal"):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(target) + suffix)


def run_child(argv: list[str], env: dict[str, str], timeout: float, cwd: Path | None = None) -> Run:
    """Run one process; its wall time and its own peak memory (wait4's ru_maxrss, KiB on Linux)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   cwd=cwd or REPO)
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = -9
                out.seek(0)
                err.seek(0)
                raise TimeoutError(f"{' '.join(argv[2:5])} still running after {timeout:.0f} s; killed "
                                   f"(stderr: {err.read()[-300:].strip()})")
            time.sleep(0.002)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, process.returncode, usage.ru_maxrss, out.read(), err.read())


def child(ctx: Context, scenario: str, db: Path | None = None) -> Run:
    argv = [sys.executable, "-m", "tests.benchmarks.child", scenario]
    if db is not None:
        argv += ["--db", str(db), "--incident", str(CARE_HOME)]
    return run_child(argv, ctx.env, ctx.timeout)


def contingency(ctx: Context, *args: str) -> Run:
    return run_child([sys.executable, "-m", "contingency", *args], ctx.env, ctx.timeout)


def paired(ctx: Context, slow: bool, ours: Callable[[], Run], base: Callable[[], Run], what: str):
    """Alternate the two so a busy moment on the machine falls on both; medians of each."""
    n = ctx.repeats(slow)
    mine, theirs = [], []
    for _ in range(n):
        theirs.append(base())
        theirs[-1].check(f"{what} baseline")
        mine.append(ours())
        mine[-1].check(what)
    return mine, theirs, n


def med(values) -> float:
    return statistics.median(values)


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def times_note(n: int) -> str:
    return "" if n == 5 else f" [{n} runs]"


# --- the rows -----------------------------------------------------------------------------------------------

def row_a(ctx: Context) -> list[Line]:
    mine, bare, n = paired(ctx, False, lambda: child(ctx, "home", ctx.work), lambda: child(ctx, "bare-home"),
                           "home screen")
    ours, base = med(r.seconds for r in mine), med(r.seconds for r in bare)
    return [Line("start and show the home screen" + times_note(n), seconds(ours), f"bare app {seconds(base)}",
                 f"{ours / base:.2f}x", "<= 1.5x", ours / base <= 1.5)]


def open_runs(ctx: Context):
    if "open" not in ctx.cache:
        ctx.cache["open"] = paired(ctx, False, lambda: child(ctx, "open", ctx.work),
                                   lambda: child(ctx, "bare-table"), "open the incident")
    return ctx.cache["open"]


def row_b(ctx: Context) -> list[Line]:
    mine, bare, n = open_runs(ctx)
    ours, base = med(r.seconds for r in mine), med(r.seconds for r in bare)
    return [Line("start, open the incident, roster shown" + times_note(n), seconds(ours),
                 f"bare 20-row table {seconds(base)}", f"{ours / base:.2f}x", "<= 2x", ours / base <= 2)]


def row_f(ctx: Context) -> list[Line]:
    mine, bare, n = open_runs(ctx)
    ours = med(r.result["memory"]["VmRSS"] for r in mine) * 1024
    base = med(r.result["memory"]["VmRSS"] for r in bare) * 1024
    peak = med(r.maxrss_kib for r in mine) * 1024
    over = ours - base
    return [Line("memory with the incident open (VmRSS)" + times_note(n), f"{ours / MIB:.0f} MiB",
                 f"bare 20-row table {base / MIB:.0f} MiB", f"+{over / MIB:.0f} MiB", "<= +50 MiB", over <= 50 * MIB),
            Line("  its peak on the way (ru_maxrss)", f"{peak / MIB:.0f} MiB", "", "", "", None)]


def import_files(ctx: Context) -> tuple[Path, Path]:
    """A 10-column resident CSV of `size` rows, and an empty EXERCISE store with one incident to import into.
    Made by a process of its own: a child's peak memory (ru_maxrss) counts what it inherited from this process
    when it was forked, so this one stays small, or every child's peak would read as this one's size."""
    if "import" not in ctx.cache:
        made = run_child([sys.executable, "-c", "import sys; from tests.benchmarks.__main__ import make_import_files; "
                          "make_import_files(int(sys.argv[1]), sys.argv[2])", str(ctx.size), str(ctx.folder)],
                         ctx.env, ctx.timeout)
        if made.code != 0:
            raise RuntimeError(f"making the import files exited {made.code}: {made.stderr.strip()[-300:]}")
        ctx.cache["import"] = ctx.folder / f"residents-{ctx.size}.csv", ctx.folder / "empty.sqlite"
    return ctx.cache["import"]


def make_import_files(size: int, folder: str) -> None:
    from contingency.clock import fixed_clock
    from contingency.models import StoreKind
    from contingency.rules.columns import CANONICAL
    from contingency.services.demo import generate_people
    from contingency.services.incidents import build_facts, open_incident
    from contingency.services.setup import setup_council
    from contingency.services.tabular import write_csv
    from contingency.store import open_store

    now = datetime.fromisoformat(NOW_TEXT)
    table = generate_people(size, seed=7, service="care-home", today=now.date())
    where = [list(CANONICAL).index(name) for name in IMPORT_COLUMNS]
    write_csv(Path(folder) / f"residents-{size}.csv", [CANONICAL[name] for name in IMPORT_COLUMNS],
              [[values[i] for i in where] for _, values in table.rows])
    store = open_store(Path(folder) / "empty.sqlite", officer="Bench", clock=fixed_clock(now),
                       create=StoreKind.EXERCISE)
    setup_council(store, authority="Leeds", team="Bench", officer="Bench")
    open_incident(store, build_facts(store, provider="Bench Care Ltd", service="care-home", area="Leeds",
                                     event="administration", aware_at=now))
    store.close()


def row_c(ctx: Context) -> list[Line]:
    csv_path, empty = import_files(ctx)
    target = ctx.folder / "import.sqlite"
    raw = ctx.folder / "raw.sqlite"

    def ours() -> Run:
        copy_store(empty, target)
        return contingency(ctx, "people", "import", "1", str(csv_path), "--db", str(target), "--officer", "Bench")

    def base() -> Run:
        for suffix in ("", "-wal", "-shm"):
            Path(str(raw) + suffix).unlink(missing_ok=True)
        return run_child([sys.executable, "-m", "sqlite_utils", "insert", str(raw), "people", str(csv_path), "--csv"],
                         ctx.env, ctx.timeout)

    mine, bare, n = paired(ctx, True, ours, base, "people import")
    ours_s, base_s = med(r.seconds for r in mine), med(r.seconds for r in bare)
    peak = max(r.maxrss_kib for r in mine) * 1024
    base_peak = max(r.maxrss_kib for r in bare) * 1024
    return [Line(f"import {ctx.size:,} rows x 10 columns" + times_note(n), seconds(ours_s),
                 f"sqlite-utils {seconds(base_s)}", f"{ours_s / base_s:.2f}x", "<= 2x", ours_s / base_s <= 2),
            Line("  its peak memory (ru_maxrss)", f"{peak / MIB:.0f} MiB", f"sqlite-utils {base_peak / MIB:.0f} MiB",
                 f"{peak / base_peak:.2f}x", "<= 150 MiB", peak <= 150 * MIB)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def row_d(ctx: Context) -> list[Line]:
    bare = child(ctx, "bare-search").check("bare search")["keystrokes"]
    mine = child(ctx, "search", ctx.work).check("roster search")["keystrokes"]
    m, p, top = med(mine), percentile(mine, 0.95), max(mine)
    bm, bp = med(bare), percentile(bare, 0.95)
    return [Line(f"search, {len(mine)} keystrokes: median (one run)", seconds(m), f"bare table {seconds(bm)}",
                 f"{m / bm:.2f}x", "<= 30 ms", m <= 0.030),
            Line("  p95", seconds(p), f"bare table {seconds(bp)}", f"{p / bp:.2f}x", "<= 60 ms", p <= 0.060),
            Line("  max", seconds(top), "", "", "", None)]


def row_e(ctx: Context) -> list[Line]:
    out = ctx.folder / "letters"
    runs = []
    n = ctx.repeats(True)
    for _ in range(n):
        db = ctx.scratch()  # every run meets the register as the demo left it: nothing yet written
        shutil.rmtree(out, ignore_errors=True)
        runs.append(contingency(ctx, "letters", str(CARE_HOME), "--out", str(out), "--bodies-only", "--format",
                                "pdf,docx", "--db", str(db), "--officer", "Bench"))
        runs[-1].check("letters")
    files = len(list(out.iterdir())) if out.exists() else 0
    s = med(r.seconds for r in runs)
    return [Line(f"letters to every body, PDF + DOCX ({files} files)" + times_note(n), seconds(s), "goal 5 s",
                 f"{s / 5:.2f}x goal", "<= 5 s", s <= 5)]


def row_g(ctx: Context) -> list[Line]:
    found = child(ctx, "sections", ctx.scratch()).check("sections")["sections"]
    slowest = max(found, key=lambda name: found[name]["painted"])
    worst = found[slowest]["painted"]
    lines = [Line(f"slowest section: {slowest} (one visit each)", seconds(worst), "", "", "<= 0.5 s", worst <= 0.5)]
    for name, t in found.items():
        painted = t["painted"]
        lines.append(Line(f"  section {name}", seconds(painted), f"settled {seconds(t['settled'])}",
                          "", "<= 0.5 s", painted <= 0.5))
    return lines


ROWS: dict[str, tuple[str, Callable[[Context], list[Line]]]] = {
    "a": ("start + home screen vs bare app", row_a),
    "b": ("start + incident + roster vs bare 20-row table", row_b),
    "c": ("people import vs sqlite-utils insert --csv", row_c),
    "d": ("roster search keystroke to repaint", row_d),
    "e": ("letters to every body, fresh process", row_e),
    "f": ("memory with the incident open over bare app", row_f),
    "g": ("visit every section 1-7", row_g),
}


# --- running them ---------------------------------------------------------------------------------------------

def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        sizes.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    if not sizes or any(s < 50 for s in sizes):
        raise argparse.ArgumentTypeError("sizes are numbers of people, e.g. 5k,20k,50k or 5000")
    return sizes


def build_store(size: int, stores: Path, env: dict[str, str], timeout: float) -> Path:
    """The demo store of `size` people, made with the real script (kept in --stores for the next run)."""
    path = stores / f"demo-{size}.sqlite"
    if path.exists():
        if open_once(path, env, timeout) is None:
            print(f"  reusing {path}", flush=True)
            return path
        print(f"  {path} does not open with this code (its schema moved on): making it again", flush=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    made = run_child([sys.executable, "-m", "contingency", "demo", "--people", str(size), "--no-tui", "--db",
                      str(path)], env, max(timeout, 3600))
    if made.code != 0:
        path.unlink(missing_ok=True)
        raise RuntimeError(f"contingency demo --people {size} exited {made.code}: {made.stderr.strip()[-300:]}")
    print(f"  built the {size:,}-person demo in {time.perf_counter() - started:.0f} s "
          f"(peak {made.maxrss_kib / 1024:.0f} MiB)", flush=True)
    problem = open_once(path, env, timeout)
    if problem:
        raise RuntimeError(f"opening {path} failed: {problem}")
    return path


def open_once(path: Path, env: dict[str, str], timeout: float) -> str | None:
    """Open the store once before anything is timed, so a migration added since it was made is not in a
    figure; what went wrong, or None."""
    warm = run_child([sys.executable, "-m", "contingency", "--db", str(path), "incident", "list"], env, timeout)
    if warm.code == 0:
        return None
    return warm.stderr.strip()[-300:] or f"exit {warm.code}"


def print_line(size: int, key: str, line: Line) -> None:
    verdict = {True: "ok", False: "MISSED", None: ""}[line.ok]
    print(f"  {size // 1000:>3}k {key}  {line.label:<52} {line.figure:>9}  {line.baseline:<26} {line.ratio:>10}  "
          f"{line.goal:<20} {verdict}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("5k,20k,50k"),
                        help="numbers of people, e.g. 5k,20k,50k (the default)")
    parser.add_argument("--quick", action="store_true", help="5,000 people only")
    parser.add_argument("--rows", default="abcdefg", help="which rows, e.g. a,b,c (default all: a-g)")
    parser.add_argument("--repeats", type=int, default=5, help="at most this many runs a figure (default 5)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before one run is killed (default 900)")
    parser.add_argument("--stores", type=Path,
                        help="keep the demo stores in this folder and reuse them next time (default: made afresh)")
    args = parser.parse_args(argv)
    sizes = [5000] if args.quick else args.sizes
    rows = [key for key in args.rows.replace(",", "").lower() if key in ROWS]
    if not rows:
        parser.error("--rows: choose from a-g")
    print(f"issue 12 benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on {os.cpu_count()} CPUs "
          f"(load {os.getloadavg()[0]:.1f}); sizes {', '.join(f'{s:,}' for s in sizes)}; rows {''.join(rows)}",
          flush=True)
    # As installing it does: no run pays for compiling contingency's modules, even where PYTHONDONTWRITEBYTECODE
    # keeps a run from caching them itself (Textual's and the other libraries' were compiled when installed).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "contingency")], check=True,
                   stdout=subprocess.DEVNULL)
    missed: list[str] = []
    summary: dict[str, dict[int, str]] = {key: {} for key in rows}
    with tempfile.TemporaryDirectory(prefix="contingency-bench-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir(mode=0o700)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTINGENCY_")}
        env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), CONTINGENCY_NOW=NOW_TEXT,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])))
        stores = args.stores or Path(tmp) / "stores"
        stores.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            print(f"\n{size:,} people", flush=True)
            folder = Path(tmp) / f"work-{size}"
            folder.mkdir()
            try:
                pristine = build_store(size, stores, env, args.timeout)
                work = folder / "work.sqlite"
                copy_store(pristine, work)
            except Exception as exc:  # noqa: BLE001 - every row of this size fails, the next size is tried
                print(f"  FAILED to make the store: {exc}", flush=True)
                for key in rows:
                    summary[key][size] = "FAILED"
                    missed.append(f"{size}:{key}")
                continue
            ctx = Context(size=size, folder=folder, pristine=pristine, work=work, env=env, timeout=args.timeout,
                          max_repeats=args.repeats)
            for key in rows:
                started = time.perf_counter()
                try:
                    lines = ROWS[key][1](ctx)
                except Exception as exc:  # noqa: BLE001 - one row's failure is reported, the rest still run
                    message = str(exc) or type(exc).__name__
                    print(f"  {size // 1000:>3}k {key}  {ROWS[key][0]:<52} FAILED: {message}", flush=True)
                    if os.environ.get("BENCH_TRACEBACK"):
                        traceback.print_exc()
                    summary[key][size] = "FAILED"
                    missed.append(f"{size}:{key}")
                    continue
                for line in lines:
                    print_line(size, key, line)
                bad = [line for line in lines if line.ok is False]
                if bad:
                    missed.append(f"{size}:{key}")
                summary[key][size] = ("MISSED " if bad else "ok ") + lines[0].ratio if lines[0].ratio else \
                    ("MISSED " if bad else "ok ") + lines[0].figure
                print(f"       ({time.perf_counter() - started:.0f} s)", flush=True)
    print("\nsummary (first figure of each row; ratio where there is a baseline)")
    print("  row  " + "".join(f"{s // 1000:>3}k{'':<14}" for s in sizes))
    for key in rows:
        print(f"  {key}    " + "".join(f"{summary[key].get(s, ''):<18}" for s in sizes) + f"  {ROWS[key][0]}")
    if missed:
        print(f"\ngoals missed or rows failed: {', '.join(missed)}")
        return 1
    print("\nevery goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
