"""Letters benchmark: figures, not a pass/fail test (pytest does not collect bench_*.py).

    python -m tests.benchmarks.bench_letters [--people 50000] [--person-letters 1000] [--db PATH]

1. Builds a demo store of N people with the real script (`contingency demo --people N --no-tui`).
2. Times reading the roster into notification plans, and syncing the register.
3. Times `contingency letters --bodies-only` (every council, cross-border body, ICB and CQC) as PDF,
   then as DOCX, each as a fresh process, as an officer would run it.
4. Times the letters to the first M people (PDF and DOCX) separately: 50,000 of those is a print run,
   not something an officer waits for at 2 a.m.
Target (issue 5): every authority's letters for a 50,000-person incident in seconds, not minutes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from contingency.notification import DocumentFormat, NotificationKind
from contingency.services import notifications as service
from contingency.store import open_store


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"{label:<58} {seconds:8.2f} s", flush=True)
    return result, seconds


def plan_and_sync(store) -> None:
    current, _ = timed("read the roster and plan every notification", lambda: service.roster(store, 1))
    timed("sync the register (first time: every recipient)", lambda: service.sync(store, 1, current))
    bodies = current.plans.bodies
    listed = sum(len(p.people) for p in bodies)
    print(f"  {len(bodies)} bodies to tell, listing {listed:,} people; {len(current.plans.persons):,} person "
          f"letters; {len(current.plans.held)} held back")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--person-letters", type=int, default=1_000)
    parser.add_argument("--db", type=Path, help="reuse this demo store (built here if it does not exist)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = args.db or root / "bench.sqlite"
        if not path.exists():
            timed(f"build the demo store ({args.people:,} people)", lambda: subprocess.run(
                [sys.executable, "-m", "contingency", "demo", "--people", str(args.people), "--db", str(path),
                 "--no-tui"], check=True, capture_output=True))
        store = open_store(path, officer="Bench")
        plan_and_sync(store)
        for fmt in ("pdf", "docx"):
            out = root / f"bodies-{fmt}"
            # As an officer runs it: a fresh process that opens the store, reads the roster and writes the letters.
            timed(f"contingency letters --bodies-only --format {fmt}", lambda fmt=fmt, out=out: subprocess.run(
                [sys.executable, "-m", "contingency", "letters", "1", "--out", str(out), "--bodies-only", "--format",
                 fmt, "--db", str(path), "--officer", "Bench"], check=True, capture_output=True))
            biggest = max(out.iterdir(), key=lambda f: f.stat().st_size)
            print(f"  {len(list(out.iterdir()))} files; largest {biggest.name[:60]} "
                  f"({biggest.stat().st_size / 1e6:.1f} MB)")
        persons = [n.reference for n in store.notifications.latest(1) if n.kind is NotificationKind.PERSON]
        chosen = persons[: args.person_letters]
        for fmt in (DocumentFormat.PDF, DocumentFormat.DOCX):
            _, seconds = timed(f"{len(chosen):,} person letters as {fmt.value.upper()} (in process)",
                               lambda fmt=fmt: service.generate(store, 1, root / "people", formats=(fmt,),
                                                                recipients=chosen))
            print(f"  {seconds / max(len(chosen), 1) * 1000:.0f} ms a letter; all {len(persons):,} would take about "
                  f"{seconds / max(len(chosen), 1) * len(persons) / 60:.0f} min")
        store.close()


if __name__ == "__main__":
    main()
