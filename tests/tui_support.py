"""Helpers for the Textual tests: a deterministic demo store at a pinned size."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from contingency.clock import fixed_clock
from contingency.services.demo import build_demo
from contingency.store import Store

DEMO_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SIZE = (80, 24)
# Keys that open the demo's care-home incident from home: it is second, because Brightpath's home-care
# incident is the more overdue at DEMO_NOW and home lists the most overdue first.
OPEN_CARE_HOME = ("down", "enter")


def demo_store(tmp_path: Path, people: int | None = None) -> Store:
    return build_demo(tmp_path / "demo.sqlite", seed=2026, people=people, replace_default=False,
                      officer="Demo Officer", clock=fixed_clock(DEMO_NOW))
