"""Shared fixtures: a frozen clock, a fresh LIVE store for Leeds, and a way to open incidents.

Kept small on purpose: the Textual tests reuse `clock`, `store_path` and `store`.
"""

from __future__ import annotations

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
