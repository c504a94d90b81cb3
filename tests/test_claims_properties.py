"""Properties of the ledger and claims under any sequence of officer actions (hypothesis, stateful):

- no cost line share is ever claimed twice, however often claims are built and lines reversed;
- no person is ever charged more than the recorded cost of their share (brief rule 16);
- information and advice is never charged, and CHC people never invoiced (rules 16, 11);
- every line's shares add up to its total, and every claim's lines to the claim's total;
- the event log verifies after every step.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from contingency.clock import fixed_clock
from contingency.ledger import Category, Unit
from contingency.services import claims as claim_service
from contingency.services import costs as cost_service
from contingency.services.errors import BadInput
from contingency.store import open_store
from tests.tui_support import DEMO_NOW, demo_store

NIGHT = DEMO_NOW.date()


class LedgerMachine(RuleBasedStateMachine):
    demo_file: Path  # one demo store (49 residents of every kind of funding), copied for each run
    workdir: Path

    @initialize()
    def open(self) -> None:
        self.path = Path(tempfile.mkdtemp(dir=self.workdir)) / "demo.sqlite"
        shutil.copy(self.demo_file, self.path)
        self.store = open_store(self.path, officer="Finance Officer", clock=fixed_clock(DEMO_NOW))
        self.people = self.store.people.ids(1)

    def teardown(self) -> None:
        if hasattr(self, "store"):
            self.store.close()
            shutil.rmtree(self.path.parent, ignore_errors=True)

    @rule(data=st.data(), category=st.sampled_from(list(Category)), unit=st.sampled_from(list(Unit)),
          rate=st.integers(min_value=1, max_value=200_000), quantity=st.integers(min_value=1, max_value=50_000),
          start=st.integers(min_value=0, max_value=40), length=st.integers(min_value=0, max_value=60),
          not_arranged=st.booleans())
    def add_line(self, data, category, unit, rate, quantity, start, length, not_arranged) -> None:
        people = data.draw(st.lists(st.sampled_from(self.people), min_size=1, max_size=8, unique=True))
        first = NIGHT + timedelta(days=start)
        last = first if unit is Unit.ONE_OFF else first + timedelta(days=length)
        try:
            cost_service.add_line(
                self.store, 1, supplier="Prop Supplies", category=category.value, unit=unit.value, rate=rate,
                quantity=f"{quantity / 1000}", period_start=first, period_end=last, person_ids=people,
                decision_text="Property test", rationale="any sequence of actions", needs_not_arranged=not_arranged)
        except BadInput as exc:
            assert not_arranged and "rule 17" in str(exc), exc

    @precondition(lambda self: bool(self.store.costs.lines(1)))
    @rule(data=st.data())
    def reverse(self, data) -> None:
        line = data.draw(st.sampled_from(self.store.costs.lines(1)))
        try:
            cost_service.reverse_line(self.store, line.id, "wrong")
        except BadInput as exc:
            assert "reversal" in str(exc) or "already reversed" in str(exc), exc

    @rule(data=st.data())
    def build(self, data) -> None:
        period = data.draw(st.none() | st.tuples(st.integers(0, 50), st.integers(0, 80)).map(
            lambda p: (NIGHT + timedelta(days=min(p)), NIGHT + timedelta(days=max(p)))))
        claim_service.build(self.store, 1, period)

    @precondition(lambda self: bool(self.store.costs.lines(1)))
    @rule(data=st.data())
    def reroute(self, data) -> None:
        line = data.draw(st.sampled_from(self.store.costs.lines(1)))
        share = data.draw(st.sampled_from(line.allocations))
        route = data.draw(st.sampled_from(["absorbed", "s48(5)", "s48(7)", "s49(3)", "s49(3)(d)", "s14", "nhs"]))
        try:
            cost_service.change_route(self.store, share.id, route, decision_text="Re-route", rationale="test")
        except BadInput:
            pass  # refused by a rule or because it is claimed, reversed or unchanged: checked below

    @invariant()
    def nothing_claimed_twice(self) -> None:
        if not hasattr(self, "store"):
            return
        counts = Counter(r[0] for r in self.store.conn.execute("SELECT allocation_id FROM claim_lines"))
        assert not counts or max(counts.values()) == 1

    @invariant()
    def no_charge_exceeds_cost_and_no_advice_or_chc_is_charged(self) -> None:
        if not hasattr(self, "store"):
            return
        charged: Counter = Counter()
        for row in self.store.db.query(
                "SELECT coalesce(a.reverses, a.id) AS share, l.category, p.basis, cl.amount_pence, c.kind"
                " FROM claim_lines cl JOIN claims c ON c.id = cl.claim_id JOIN cost_allocations a"
                " ON a.id = cl.allocation_id JOIN cost_lines l ON l.id = a.line_id"
                " JOIN people p ON p.id = a.person_id"):
            assert row["category"] != "information-advice"
            assert row["basis"] != "nhs-icb"
            if row["kind"] == "charge":
                charged[row["share"]] += row["amount_pence"]
        cost = dict(self.store.conn.execute("SELECT id, amount_pence FROM cost_allocations"))
        for share, pence in charged.items():
            assert pence <= cost[share], "a charge never exceeds the recorded cost"

    @invariant()
    def totals_add_up(self) -> None:
        if not hasattr(self, "store"):
            return
        for line in self.store.costs.lines(1):
            assert sum(a.amount_pence for a in line.allocations) == line.total_pence
        for claim in self.store.claims.for_incident(1):
            assert sum(line.amount_pence for line in self.store.claims.lines(claim.id)) == claim.total_pence

    @invariant()
    def log_verifies(self) -> None:
        if hasattr(self, "store"):
            assert self.store.verify_log().ok


def test_any_sequence_of_actions_keeps_the_ledger_sound(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    demo_store(folder).close()
    LedgerMachine.demo_file = folder / "demo.sqlite"
    LedgerMachine.workdir = tmp_path_factory.mktemp("runs")
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=20, stateful_step_count=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]))
