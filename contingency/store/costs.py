"""The cost ledger: lines and their allocations, rows <-> models. Lines are written once, never changed;
an allocation's route changes only with the decision that changed it (the schema enforces both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from contingency.ledger import Allocation, CostLine
from contingency.rules.costs import RouteChoice
from contingency.rules.times import from_utc_iso
from contingency.store.errors import NotFound

if TYPE_CHECKING:
    from contingency.store.store import Store
    from contingency.store.tx import Tx


def _allocation(row: dict[str, Any]) -> Allocation:
    return Allocation(**{**row, "needs_not_arranged": bool(row["needs_not_arranged"])})


def _line(row: dict[str, Any], allocations: list[Allocation]) -> CostLine:
    return CostLine(**{
        **row, "period_start": date.fromisoformat(row["period_start"]),
        "period_end": date.fromisoformat(row["period_end"]), "created_at": from_utc_iso(row["created_at"]),
        "allocations": tuple(allocations),
    })


@dataclass(frozen=True)
class NewAllocation:
    person_id: int
    amount_pence: int
    choice: RouteChoice
    needs_not_arranged: bool = False
    reverses: int | None = None
    route_decision_id: int | None = None  # a share moved by a merge keeps the decision that chose its route


@dataclass(frozen=True)
class ClaimedShare:
    """Where an allocation was claimed: which claim, and the claim's status."""

    claim_id: int
    reference: str
    status: str
    kind: str = "reimbursement"
    sent: bool = False  # submitted at some point (a draft written off was never sent)


class CostRepo:
    def __init__(self, store: Store):
        self.store = store

    # --- writes (always inside store.write) --------------------------------------------------------

    def add_line(self, tx: Tx, *, incident_id: int, supplier: str, category: str, description: str,
                 period_start: date, period_end: date, unit: str, rate_pence: int, quantity_milli: int,
                 total_pence: int, decision_id: int, corrects: int | None,
                 allocations: list[NewAllocation], reason: str) -> int:
        line_id = tx.next_id("cost_lines")
        tx.insert("cost-line", "cost_lines", {
            "id": line_id, "incident_id": incident_id, "supplier": supplier, "category": category,
            "description": description, "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(), "unit": unit, "rate_pence": rate_pence,
            "quantity_milli": quantity_milli, "total_pence": total_pence, "decision_id": decision_id,
            "corrects": corrects, "created_by": tx.officer, "created_at": tx.at,
        }, incident_id=incident_id, reason=reason)
        self.add_allocations(tx, line_id=line_id, incident_id=incident_id, allocations=allocations, reason=reason)
        return line_id

    def add_allocations(self, tx: Tx, *, line_id: int, incident_id: int, allocations: list[NewAllocation],
                        reason: str) -> None:
        """Shares of a line. Beyond the line's first shares, only a transfer that nets to nothing is added (a
        merge moving a share between records), so the line's total never changes."""
        first = tx.next_id("cost_allocations")
        tx.insert_many("cost-allocation", "cost_allocations", [{
            "id": first + index, "line_id": line_id, "person_id": share.person_id,
            "amount_pence": share.amount_pence, "route": share.choice.route.value,
            "recover_from": share.choice.recover_from, "needs_not_arranged": int(share.needs_not_arranged),
            "route_reason": share.choice.why, "route_decision_id": share.route_decision_id,
            "reverses": share.reverses,
        } for index, share in enumerate(allocations)], incident_id=incident_id, reason=reason)

    def reroute(self, tx: Tx, allocation: Allocation, choice: RouteChoice, *, needs_not_arranged: bool,
                decision_id: int, incident_id: int, reason: str) -> Allocation:
        tx.update("cost-allocation", "cost_allocations", allocation.id, {
            "route": choice.route.value, "recover_from": choice.recover_from,
            "needs_not_arranged": int(needs_not_arranged), "route_reason": choice.why,
            "route_decision_id": decision_id,
        }, incident_id=incident_id, reason=reason, action="route")
        return self.allocation(allocation.id)

    # --- reads --------------------------------------------------------------------------------------

    def line(self, line_id: int) -> CostLine:
        row = next(self.store.db.query("SELECT * FROM cost_lines WHERE id = ?", [line_id]), None)
        if row is None:
            raise NotFound(f"there is no cost line {line_id}")
        return _line(row, self._allocations("line_id = ?", [line_id]))

    def lines(self, incident_id: int) -> list[CostLine]:
        shares: dict[int, list[Allocation]] = {}
        for allocation in self._allocations(
                "line_id IN (SELECT id FROM cost_lines WHERE incident_id = ?)", [incident_id]):
            shares.setdefault(allocation.line_id, []).append(allocation)
        rows = self.store.db.query("SELECT * FROM cost_lines WHERE incident_id = ? ORDER BY id", [incident_id])
        return [_line(row, shares.get(row["id"], [])) for row in rows]

    def allocation(self, allocation_id: int) -> Allocation:
        found = self._allocations("id = ?", [allocation_id])
        if not found:
            raise NotFound(f"there is no cost allocation {allocation_id}")
        return found[0]

    def reversal_of(self, line_id: int) -> int | None:
        """The id of the line that reverses this one, if any."""
        row = self.store.conn.execute("SELECT id FROM cost_lines WHERE corrects = ?", [line_id]).fetchone()
        return row[0] if row else None

    def claimed(self, incident_id: int) -> dict[int, ClaimedShare]:
        """allocation id -> the claim that carries it, for every claimed allocation of the incident."""
        rows = self.store.conn.execute(
            "SELECT l.allocation_id, c.id, c.reference, c.status, c.kind, c.submitted_on IS NOT NULL"
            " FROM claim_lines l JOIN claims c ON c.id = l.claim_id WHERE c.incident_id = ?", [incident_id])
        return {allocation_id: ClaimedShare(claim_id, reference, status, kind, bool(sent))
                for allocation_id, claim_id, reference, status, kind, sent in rows}

    def of_person(self, person_id: int) -> list[Allocation]:
        """Every share recorded against one person, across the lines of their incident."""
        return self._allocations("person_id = ?", [person_id])

    def _allocations(self, where: str, params: list[Any]) -> list[Allocation]:
        rows = self.store.db.query(f"SELECT * FROM cost_allocations WHERE {where} ORDER BY line_id, person_id, id",  # noqa: S608
                                   params)
        return [_allocation(row) for row in rows]
