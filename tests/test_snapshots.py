"""Snapshots at a pinned terminal size of a deterministic demo store (frozen clock, fixed seed).

Update deliberately with `pytest --snapshot-update` after reading snapshot_report.html.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from contingency.tui.app import ContingencyApp
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch):
    # A blinking cursor would make every snapshot flaky.
    monkeypatch.setattr(Input, "cursor_blink", False)


def test_home_screen(snap_compare, tmp_path):
    assert snap_compare(ContingencyApp(demo_store(tmp_path)), terminal_size=SIZE)


def test_roster_of_the_care_home_incident(snap_compare, tmp_path):
    assert snap_compare(ContingencyApp(demo_store(tmp_path)), terminal_size=SIZE, press=[*OPEN_CARE_HOME, "wait:200"])
