"""Shared fixtures: a frozen clock, a fresh LIVE store for Leeds, a way to open incidents, and the real
command line run as a subprocess on a private demo store.

No test may depend on today's date. Two seams make that checkable:
- `CONTINGENCY_NOW` pins the app's clock in the subprocesses that work on the demo (an EXERCISE
  store), so their dates are fixed (`DEMO_NOW`);
- `CONTINGENCY_TEST_TRAVEL` (an ISO time) sends the whole test run, and every command-line
  subprocess it starts, to that moment with time-machine, the clock still ticking. `.ci/run` uses it
  for its second pass, a year and a half ahead at 00:30 London time, where the UTC and London dates
  differ in summer. time-machine rather than freezegun: it moves only the wall clock (Textual and
  asyncio keep their monotonic time, so the app's timers still run) and it is fast enough to leave on
  for the whole suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contingency.clock import Clock, fixed_clock
from contingency.models import Incident, StoreKind
from contingency.services.incidents import build_facts, open_incident
from contingency.services.setup import setup_council
from contingency.store import Store, open_store

# 01:40 on a November night (GMT, so London time is the same as UTC).
NOW = datetime(2026, 11, 23, 1, 40, tzinfo=UTC)
OFFICER = "Sam Patel"
REPO = Path(__file__).resolve().parents[1]
TRAVEL_VARIABLE = "CONTINGENCY_TEST_TRAVEL"
# The demo's "now" for command-line tests: the same instant as tests.tui_support.DEMO_NOW.
DEMO_NOW_TEXT = "2026-11-23T02:00:00+00:00"
# Settings from the developer's own shell must not leak into the tests (a pinned clock would make every
# live store refuse to open; a CONTINGENCY_DB would point commands at a real store).
_HERMETIC = ("CONTINGENCY_NOW", "CONTINGENCY_DB", "CONTINGENCY_OFFICER", "CONTINGENCY_PLAYBOOKS",
             "CONTINGENCY_TEMPLATES")


def pytest_configure(config: pytest.Config) -> None:
    for name in _HERMETIC:
        os.environ.pop(name, None)
    travel = os.environ.get(TRAVEL_VARIABLE)
    if travel:
        import time_machine

        destination = datetime.fromisoformat(travel)
        time_machine.travel(destination, tick=True).start()
        print(f"time travel: this run believes it is {destination.isoformat()}", file=sys.stderr)


# --- the real command line -----------------------------------------------------------------------------

def cli_command() -> list[str]:
    """`python -m contingency`, or, on a time-travelling run, the same entry point started at the moment
    this process has reached, so parent and child agree on the date."""
    if not os.environ.get(TRAVEL_VARIABLE):
        return [sys.executable, "-m", "contingency"]
    return [sys.executable, str(REPO / "tests" / "travelling_cli.py"), datetime.now(UTC).isoformat()]


def cli_environment(home: Path, *, pinned: bool = False, extra: dict[str, str] | None = None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONTINGENCY_")}
    environment.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    if pinned:
        environment["CONTINGENCY_NOW"] = DEMO_NOW_TEXT
    environment.update(extra or {})
    return environment


def make_runner(home: Path, *, pinned: bool = False, db: Path | None = None, timeout: int = 300):
    """A function that runs the real script: `run("people", "list", "1", db=path, env={...})`."""

    def run(*args: str, db: Path | None = db, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        command = [*cli_command(), *(["--db", str(db)] if db is not None else []), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False,
                              env=cli_environment(home, pinned=pinned, extra=env))

    return run


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def as_json(result: subprocess.CompletedProcess):
    return json.loads(ok(result).stdout)


def refused(result: subprocess.CompletedProcess) -> str:
    """Bad input: exit 2 with one line that starts 'contingency: ', never a traceback."""
    assert result.returncode == 2, f"exit {result.returncode}: {result.stdout} {result.stderr}"
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("contingency: ")
    return result.stderr


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory) -> Path:
    """A HOME for the subprocesses, so nothing ever touches the real user data folder."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def demo_cli(cli_home):
    """Runs the script with the clock pinned at DEMO_NOW; for work on demo (EXERCISE) stores."""
    return make_runner(cli_home, pinned=True)


@pytest.fixture(scope="session")
def demo_template(demo_cli, tmp_path_factory) -> Path:
    """The demo store made once by the real `contingency demo`; tests work on copies (`demo_db`)."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite"
    ok(demo_cli("demo", "--no-tui", "--db", str(path)))
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    """This test's own copy of the demo store, so no test depends on what another did first."""
    path = tmp_path / "demo" / "demo.sqlite"
    path.parent.mkdir(mode=0o700)
    for suffix in ("", "-wal"):
        if Path(f"{demo_template}{suffix}").exists():
            shutil.copy2(f"{demo_template}{suffix}", f"{path}{suffix}")
    return path


@pytest.fixture
def clock() -> Clock:
    return fixed_clock(NOW)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where the fixture store lives: inside a folder the store creates itself."""
    return tmp_path / "data" / "contingency.sqlite"


@pytest.fixture
def store(store_path: Path, clock: Clock) -> Iterator[Store]:
    """A fresh LIVE store set up for Leeds, opened by Sam Patel."""
    store = open_store(store_path, officer=OFFICER, clock=clock, create=StoreKind.LIVE)
    setup_council(store, authority="Leeds", team="EDT", officer=OFFICER)
    yield store
    store.close()


@pytest.fixture
def make_incident(store: Store) -> Callable[..., Incident]:
    """Open an incident through the service layer; any build_facts argument can be overridden.

    Defaults: a care home in Leeds whose provider had a winding-up order, nobody carrying on.
    """

    def make(**overrides) -> Incident:
        args = {
            "provider": "Meadowbrook Care Homes Ltd",
            "service": "care-home",
            "area": "Leeds",
            "event": "winding-up-order",
            "aware_at": NOW,
        }
        args.update(overrides)
        return open_incident(store, build_facts(store, **args))

    return make
