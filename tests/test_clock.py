"""The one clock: CONTINGENCY_NOW pins it for a process, and a pinned clock never writes to a live store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contingency.clock import ClockPinError, PinnedClock, process_clock, system_clock
from contingency.models import StoreKind
from contingency.store import StoreError, open_store

PIN = "2026-11-23T02:00:00+00:00"


def test_the_process_clock_is_the_system_clock_unless_pinned():
    assert process_clock({}) is system_clock
    pinned = process_clock({"CONTINGENCY_NOW": PIN})
    assert pinned() == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    summer = process_clock({"CONTINGENCY_NOW": "2027-06-02T00:30:00+01:00"})
    assert summer() == datetime(2027, 6, 1, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "says"), [("tuesday", "not a time"), ("2026-11-23T02:00:00", "no offset")])
def test_a_pin_that_is_not_a_whole_time_is_refused_with_how_to_write_it(text, says):
    with pytest.raises(ClockPinError, match=says):
        process_clock({"CONTINGENCY_NOW": text})


def test_a_pinned_clock_opens_an_exercise_store(tmp_path):
    store = open_store(tmp_path / "x.sqlite", officer="Facilitator", clock=PinnedClock(datetime.fromisoformat(PIN)),
                       create=StoreKind.EXERCISE)
    assert store.is_exercise and store.clock().isoformat() == PIN
    store.close()


@pytest.mark.parametrize("prepare", ["missing", "empty", "live"])
def test_a_pinned_clock_never_writes_to_a_live_store(tmp_path, prepare):
    path = tmp_path / "live.sqlite"
    if prepare == "empty":
        path.touch()
    if prepare == "live":
        open_store(path, officer="Sam", create=StoreKind.LIVE).close()
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(StoreError, match="invented times"):
        open_store(path, officer="Sam", clock=PinnedClock(datetime.fromisoformat(PIN)), create=StoreKind.LIVE)
    assert (path.read_bytes() if path.exists() else None) == before, "not a byte written"
    assert not (tmp_path / "live.sqlite-wal").exists() or prepare == "live"
