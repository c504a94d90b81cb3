"""The playbook section of the demo's section 48 incident at 80x24 (frozen clock, fixed seed).

Update deliberately with `pytest tests/test_playbooks_snapshots.py --snapshot-update` after reading
snapshot_report.html.
"""

from __future__ import annotations

import pytest

from contingency.tui.app import ContingencyApp
from tests.tui_support import OPEN_CARE_HOME, SIZE, demo_store


@pytest.fixture(autouse=True)
def shipped_playbooks_only(monkeypatch):
    monkeypatch.delenv("CONTINGENCY_PLAYBOOKS", raising=False)


def test_playbook_section_of_the_care_home_incident(snap_compare, tmp_path):
    assert snap_compare(ContingencyApp(demo_store(tmp_path)), terminal_size=SIZE,
                        press=[*OPEN_CARE_HOME, "wait:200", "4", "wait:200"])
