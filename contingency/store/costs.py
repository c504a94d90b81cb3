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

    @property
    def pages(self) -> LedgerPages:
        """Bounded reads for a screen: a page of lines or shares, and totals summed in SQL."""
        return LedgerPages(self.store)

    def line(self, line_id: int) -> CostLine:
        row = next(self.store.query("SELECT * FROM cost_lines WHERE id = ?", [line_id]), None)
        if row is None:
            raise NotFound(f"there is no cost line {line_id}")
        return _line(row, self._allocations("line_id = ?", [line_id]))

    def lines(self, incident_id: int) -> list[CostLine]:
        shares: dict[int, list[Allocation]] = {}
        for allocation in self._allocations(
                "line_id IN (SELECT id FROM cost_lines WHERE incident_id = ?)", [incident_id]):
            shares.setdefault(allocation.line_id, []).append(allocation)
        rows = self.store.query("SELECT * FROM cost_lines WHERE incident_id = ? ORDER BY id", [incident_id])
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
        rows = self.store.query(f"SELECT * FROM cost_allocations WHERE {where} ORDER BY line_id, person_id, id",  # noqa: S608
                                   params)
        return [_allocation(row) for row in rows]


# --- pages and totals for a screen: what is shown, never the whole ledger ------------------------------------


@dataclass(frozen=True)
class LedgerFilter:
    """Which shares a screen shows. `person_id` is one record; `person_search` is the roster's own search
    (name, NHS number, provider reference) over the incident's live records."""

    incident_id: int
    person_id: int | None = None
    person_search: str = ""
    route: str | None = None
    category: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        from contingency.store.people import RosterQuery

        clauses, params = ["l.incident_id = ?"], [self.incident_id]
        if self.category:
            clauses.append("l.category = ?")
            params.append(self.category)
        if self.route:
            clauses.append("a.route = ?")
            params.append(self.route)
        if self.person_id is not None:
            clauses.append("a.person_id = ?")
            params.append(self.person_id)
        if self.person_search.strip():
            roster, more = RosterQuery(self.incident_id, search=self.person_search).where()
            clauses.append(f"a.person_id IN (SELECT id FROM people WHERE {roster})")
            params += more
        return " AND ".join(clauses), params

    @property
    def filtered(self) -> bool:
        return bool(self.person_id is not None or self.person_search.strip() or self.route or self.category)


_SHARES = "FROM cost_allocations a JOIN cost_lines l ON l.id = a.line_id"


@dataclass(frozen=True)
class LedgerTotals:
    lines: int
    shares: int
    total_pence: int


@dataclass(frozen=True)
class LineSummary:
    """One line as the by-line table shows it: its shares that pass the filter, summed in SQL."""

    line: CostLine  # without its allocations: a line can be shared by 50,000 people
    shares: int
    amount_pence: int
    routes: tuple[str, ...]
    reversed_by: int | None


@dataclass(frozen=True)
class ShareRow:
    allocation: Allocation
    line: CostLine  # without its allocations
    person_name: str
    claimed: ClaimedShare | None
    reversed_by: int | None


def _name(first: str, last: str, provider_ref: str, nhs_number: str | None) -> str:
    """As PersonFacts.display_name words it."""
    name = " ".join(p for p in (first, last) if p)
    return name or (f"ref {provider_ref}" if provider_ref else f"NHS {nhs_number}")


class LedgerPages:
    """Reads for the costs screen, each bounded by what it shows (the ledger of a 50,000-person incident
    can hold a line shared by all of them)."""

    def __init__(self, store: Store):
        self.store = store

    def totals(self, where: LedgerFilter) -> LedgerTotals:
        clause, params = where.where()
        lines, shares, total = self.store.conn.execute(
            f"SELECT count(DISTINCT a.line_id), count(*), coalesce(sum(a.amount_pence), 0) {_SHARES} WHERE {clause}",  # noqa: S608
            params).fetchone()
        return LedgerTotals(lines=lines, shares=shares, total_pence=total)

    def _bare_lines(self, line_ids: list[int]) -> dict[int, CostLine]:
        if not line_ids:
            return {}
        marks = ",".join("?" * len(line_ids))
        rows = self.store.query(f"SELECT * FROM cost_lines WHERE id IN ({marks})", line_ids)  # noqa: S608
        return {row["id"]: _line(row, []) for row in rows}

    def _reversals(self, line_ids: list[int]) -> dict[int, int]:
        if not line_ids:
            return {}
        marks = ",".join("?" * len(line_ids))
        return dict(self.store.conn.execute(
            f"SELECT corrects, id FROM cost_lines WHERE corrects IN ({marks})", line_ids).fetchall())  # noqa: S608

    def lines(self, where: LedgerFilter, limit: int) -> list[LineSummary]:
        """The latest `limit` lines with a share passing the filter, oldest first."""
        clause, params = where.where()
        rows = self.store.conn.execute(
            f"SELECT a.line_id, count(*), sum(a.amount_pence), group_concat(DISTINCT a.route) {_SHARES}"  # noqa: S608
            f" WHERE {clause} GROUP BY a.line_id ORDER BY a.line_id DESC LIMIT ?", [*params, limit]).fetchall()
        ids = [row[0] for row in rows]
        lines, reversals = self._bare_lines(ids), self._reversals(ids)
        return [LineSummary(line=lines[line_id], shares=shares, amount_pence=amount,
                            routes=tuple(sorted(set((routes or "").split(",")))), reversed_by=reversals.get(line_id))
                for line_id, shares, amount, routes in reversed(rows)]

    def shares(self, where: LedgerFilter, limit: int) -> list[ShareRow]:
        """The shares of the latest lines passing the filter, at most `limit`, in ledger order."""
        clause, params = where.where()
        rows = list(self.store.query(
            f"SELECT a.*, p.first_name AS p_first, p.last_name AS p_last, p.provider_ref AS p_ref,"  # noqa: S608
            f" p.nhs_number AS p_nhs {_SHARES} JOIN people p ON p.id = a.person_id WHERE {clause}"
            " ORDER BY a.line_id DESC, a.person_id DESC, a.id DESC LIMIT ?", [*params, limit]))
        rows.reverse()
        line_ids = sorted({row["line_id"] for row in rows})
        lines, reversals = self._bare_lines(line_ids), self._reversals(line_ids)
        claimed = self.claimed_of([row["id"] for row in rows])
        out = []
        for row in rows:
            name = _name(row.pop("p_first"), row.pop("p_last"), row.pop("p_ref"), row.pop("p_nhs"))
            allocation = _allocation(row)
            out.append(ShareRow(allocation=allocation, line=lines[allocation.line_id], person_name=name,
                                claimed=claimed.get(allocation.id), reversed_by=reversals.get(allocation.line_id)))
        return out

    def claimed_of(self, allocation_ids: list[int]) -> dict[int, ClaimedShare]:
        if not allocation_ids:
            return {}
        found: dict[int, ClaimedShare] = {}
        for start in range(0, len(allocation_ids), 500):
            chunk = allocation_ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for allocation_id, claim_id, reference, status, kind, sent in self.store.conn.execute(
                    "SELECT l.allocation_id, c.id, c.reference, c.status, c.kind, c.submitted_on IS NOT NULL"  # noqa: S608
                    f" FROM claim_lines l JOIN claims c ON c.id = l.claim_id WHERE l.allocation_id IN ({marks})",
                    chunk):
                found[allocation_id] = ClaimedShare(claim_id, reference, status, kind, bool(sent))
        return found

    def unclaimed_pence(self, incident_id: int, routes: list[str]) -> int:
        """Shares on these routes that no claim carries, leaving out a share a merge moved and its transfer
        (as services.costs.moved_within), summed by SQL."""
        marks = ",".join("?" * len(routes))
        return self.store.conn.execute(
            f"SELECT coalesce(sum(a.amount_pence), 0) {_SHARES} WHERE l.incident_id = ? AND a.route IN ({marks})"  # noqa: S608
            " AND NOT EXISTS (SELECT 1 FROM claim_lines c WHERE c.allocation_id = a.id)"
            " AND NOT EXISTS (SELECT 1 FROM cost_allocations t WHERE t.reverses = a.id AND t.line_id = a.line_id)"
            " AND NOT EXISTS (SELECT 1 FROM cost_allocations o WHERE o.id = a.reverses AND o.line_id = a.line_id)",
            [incident_id, *routes]).fetchone()[0]

    def moved_on_line(self, line_id: int) -> set[int]:
        """As services.costs.moved_within: shares a merge moved on this line, and their transfers."""
        moved: set[int] = set()
        for allocation_id, reverses in self.store.conn.execute(
                "SELECT a.id, a.reverses FROM cost_allocations a WHERE a.line_id = ? AND a.reverses IN"
                " (SELECT id FROM cost_allocations WHERE line_id = ?)", [line_id, line_id]):
            moved |= {allocation_id, reverses}
        return moved

    def route_groups(self, line_ids: list[int]) -> list[tuple[int, str, str, str | None, bool, int]]:
        """For the shares of these lines whose route no decision confirmed (and that reverse nothing): one row
        per distinct set of everything the route rule reads (the line's category, the share's route and
        marking, the person's determination), with one person standing for the group and the line.
        (line id, category, route, recover_from, needs_not_arranged, person id)"""
        if not line_ids:
            return []
        marks = ",".join("?" * len(line_ids))
        return [(line_id, category, route, recover_from, bool(marked), person_id)
                for line_id, category, route, recover_from, marked, person_id in self.store.conn.execute(
                    "SELECT a.line_id, l.category, a.route, a.recover_from, a.needs_not_arranged, min(a.person_id)"  # noqa: S608
                    # The planner prefers each person's whole record by rowid; the index (db/0023) holds only what
                    # the route rule reads: a fifth less time for a line shared by 50,000 people.
                    f" {_SHARES} JOIN people p INDEXED BY people_route_inputs ON p.id = a.person_id"
                    f" WHERE a.line_id IN ({marks})"
                    " AND a.route_decision_id IS NULL AND a.reverses IS NULL"
                    " GROUP BY a.line_id, l.category, a.route, a.recover_from, a.needs_not_arranged, p.basis,"
                    " p.notify, p.recover_from, p.charge_route", line_ids)]

    def people_with_shares(self, incident_id: int, limit: int) -> list[tuple[int, str]]:
        """Up to `limit` people with a share on the incident's ledger, by name."""
        rows = self.store.conn.execute(
            "SELECT p.id, p.first_name, p.last_name, p.provider_ref, p.nhs_number FROM people p WHERE p.id IN"
            f" (SELECT a.person_id {_SHARES} WHERE l.incident_id = ?)"  # noqa: S608
            " ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.id LIMIT ?",
            [incident_id, limit]).fetchall()
        return [(pid, _name(first, last, ref, nhs)) for pid, first, last, ref, nhs in rows]
