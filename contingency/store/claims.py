"""Claims, their lines, payments and status events, and ordinary-residence disputes: rows <-> models.

What a claim claims (its lines, total, recipient and period) is written once; only its status and
dates move on, each step recorded as a claim event with its reason. The schema enforces both.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from contingency.ledger import (
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimStatus,
    ORDispute,
    Payment,
)
from contingency.rules.times import from_utc_iso
from contingency.store.errors import NotFound

if TYPE_CHECKING:
    from contingency.store.store import Store
    from contingency.store.tx import Tx

_CLAIM_DATES = ("period_start", "period_end", "submitted_on", "acknowledged_on")
_CLAIM_SELECT = ("SELECT c.*, coalesce((SELECT sum(amount_pence) FROM claim_payments p WHERE p.claim_id = c.id), 0)"
                 " AS paid_pence FROM claims c")


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _claim(row: dict[str, Any]) -> Claim:
    data = dict(row)
    for name in _CLAIM_DATES:
        data[name] = _day(data[name])
    data["exercise"] = bool(data["exercise"])
    data["created_at"] = from_utc_iso(data["created_at"])
    return Claim(**data)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class ClaimRepo:
    def __init__(self, store: Store):
        self.store = store

    # --- writes (always inside store.write) --------------------------------------------------------

    def add(self, tx: Tx, *, incident_id: int, reference: str, kind: str, recipient_ref: str, recipient_name: str,
            period: tuple[date, date], lines: list[tuple[int, str, int]], excluded_count: int, excluded_note: str,
            exercise: bool, reason: str) -> Claim:
        """A draft claim and its lines: (allocation id, route, amount in pence) each."""
        claim_id = tx.next_id("claims")
        tx.insert("claim", "claims", {
            "id": claim_id, "incident_id": incident_id, "reference": reference, "kind": kind,
            "recipient_ref": recipient_ref, "recipient_name": recipient_name,
            "period_start": period[0].isoformat(), "period_end": period[1].isoformat(),
            "total_pence": sum(amount for _, _, amount in lines), "status": ClaimStatus.DRAFT.value,
            "excluded_count": excluded_count, "excluded_note": excluded_note, "exercise": int(exercise),
            "created_by": tx.officer, "created_at": tx.at, "submitted_on": None, "submitted_to": "",
            "acknowledged_on": None, "dispute_reason": "", "written_off_pence": 0, "writeoff_decision_id": None,
        }, incident_id=incident_id, reason=reason)
        for allocation_id, route, amount in lines:
            tx.insert("claim-line", "claim_lines", {
                "id": tx.next_id("claim_lines"), "claim_id": claim_id, "allocation_id": allocation_id,
                "route": route, "amount_pence": amount,
            }, incident_id=incident_id, reason=reason)
        self._event(tx, claim_id, incident_id, action="build", status_from=None, status_to=ClaimStatus.DRAFT,
                    reason=reason)
        return self.get(claim_id)

    def change(self, tx: Tx, claim: Claim, *, action: str, status: ClaimStatus, reason: str,
               on_date: date | None = None, amount_pence: int | None = None, decision_id: int | None = None,
               **fields: Any) -> Claim:
        changes = {name: _iso(value) for name, value in fields.items()}
        changes["status"] = status.value
        tx.update("claim", "claims", claim.id, changes, incident_id=claim.incident_id, reason=reason, action=action)
        self._event(tx, claim.id, claim.incident_id, action=action, status_from=claim.status, status_to=status,
                    reason=reason, on_date=on_date, amount_pence=amount_pence, decision_id=decision_id)
        return self.get(claim.id)

    def add_payment(self, tx: Tx, claim: Claim, *, amount_pence: int, paid_on: date, note: str) -> None:
        tx.insert("claim-payment", "claim_payments", {
            "id": tx.next_id("claim_payments"), "claim_id": claim.id, "amount_pence": amount_pence,
            "paid_on": paid_on.isoformat(), "note": note, "recorded_by": tx.officer, "recorded_at": tx.at,
        }, incident_id=claim.incident_id, reason=f"payment on {claim.reference}")

    def _event(self, tx: Tx, claim_id: int, incident_id: int, *, action: str, status_from: ClaimStatus | None,
               status_to: ClaimStatus, reason: str, on_date: date | None = None, amount_pence: int | None = None,
               decision_id: int | None = None) -> None:
        tx.insert("claim-event", "claim_events", {
            "id": tx.next_id("claim_events"), "claim_id": claim_id, "at": tx.at, "officer": tx.officer,
            "action": action, "status_from": status_from.value if status_from else None,
            "status_to": status_to.value, "reason": reason, "on_date": _iso(on_date),
            "amount_pence": amount_pence, "decision_id": decision_id,
        }, incident_id=incident_id, reason=reason)

    # --- reads --------------------------------------------------------------------------------------

    def get(self, claim_id: int) -> Claim:
        row = next(self.store.query(f"{_CLAIM_SELECT} WHERE c.id = ?", [claim_id]), None)  # noqa: S608
        if row is None:
            raise NotFound(f"there is no claim {claim_id}")
        return _claim(row)

    def by_reference(self, reference: str) -> Claim | None:
        row = next(self.store.query(f"{_CLAIM_SELECT} WHERE c.reference = ? COLLATE NOCASE",  # noqa: S608
                                       [reference.strip()]), None)
        return _claim(row) if row else None

    def for_incident(self, incident_id: int | None = None) -> list[Claim]:
        """Claims of one incident (or all), by incident, recipient and reference."""
        where, params = ("WHERE c.incident_id = ?", [incident_id]) if incident_id is not None else ("", [])
        rows = self.store.query(f"{_CLAIM_SELECT} {where} ORDER BY c.incident_id, c.kind DESC,"  # noqa: S608
                                   " c.recipient_name, c.reference", params)
        return [_claim(row) for row in rows]

    def count_for(self, incident_id: int, recipient_ref: str) -> int:
        return self.store.conn.execute("SELECT count(*) FROM claims WHERE incident_id = ? AND recipient_ref = ?",
                                       [incident_id, recipient_ref]).fetchone()[0]

    def lines(self, claim_id: int) -> list[ClaimLine]:
        rows = self.store.query(
            "SELECT cl.id, cl.claim_id, cl.allocation_id, a.line_id, a.person_id,"
            " trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')) AS person_name,"
            " p.provider_ref, l.category, l.description, l.supplier, l.period_start, l.period_end, cl.route,"
            " cl.amount_pence, l.corrects AS reversal_of"
            " FROM claim_lines cl JOIN cost_allocations a ON a.id = cl.allocation_id"
            " JOIN cost_lines l ON l.id = a.line_id JOIN people p ON p.id = a.person_id"
            " WHERE cl.claim_id = ? ORDER BY a.line_id, a.person_id, cl.id", [claim_id])
        out = []
        for row in rows:
            provider_ref = row.pop("provider_ref")
            fallback = f"ref {provider_ref}" if provider_ref else f"person {row['person_id']}"
            row["person_name"] = row["person_name"] or fallback
            row["period_start"] = date.fromisoformat(row["period_start"])
            row["period_end"] = date.fromisoformat(row["period_end"])
            out.append(ClaimLine(**row))
        return out

    def payments(self, claim_id: int) -> list[Payment]:
        rows = self.store.query("SELECT * FROM claim_payments WHERE claim_id = ? ORDER BY id", [claim_id])
        return [Payment(**{**row, "paid_on": date.fromisoformat(row["paid_on"]),
                           "recorded_at": from_utc_iso(row["recorded_at"])}) for row in rows]

    def events(self, claim_id: int) -> list[ClaimEvent]:
        rows = self.store.query("SELECT * FROM claim_events WHERE claim_id = ? ORDER BY id", [claim_id])
        return [ClaimEvent(**{**row, "at": from_utc_iso(row["at"]), "on_date": _day(row["on_date"])}) for row in rows]

    def people_on(self, claim_id: int) -> set[int]:
        return {r[0] for r in self.store.conn.execute(
            "SELECT DISTINCT a.person_id FROM claim_lines cl JOIN cost_allocations a ON a.id = cl.allocation_id"
            " WHERE cl.claim_id = ?", [claim_id])}

    def claims_for_person(self, person_id: int) -> list[Claim]:
        rows = self.store.query(
            f"{_CLAIM_SELECT} WHERE c.id IN (SELECT cl.claim_id FROM claim_lines cl"  # noqa: S608
            " JOIN cost_allocations a ON a.id = cl.allocation_id WHERE a.person_id = ?) ORDER BY c.reference",
            [person_id])
        return [_claim(row) for row in rows]


def _dispute(row: dict[str, Any]) -> ORDispute:
    return ORDispute(**{**row, "raised_on": date.fromisoformat(row["raised_on"]),
                        "refer_by": date.fromisoformat(row["refer_by"]), "resolved_on": _day(row["resolved_on"]),
                        "created_at": from_utc_iso(row["created_at"])})


class DisputeRepo:
    """Ordinary-residence disputes (brief rule 22): recorded, referred if unresolved, never deleted."""

    def __init__(self, store: Store):
        self.store = store

    def add(self, tx: Tx, *, incident_id: int, person_id: int, authority_ref: str, authority_name: str,
            reason: str, raised_on: date, refer_by: date) -> ORDispute:
        dispute_id = tx.next_id("or_disputes")
        tx.insert("or-dispute", "or_disputes", {
            "id": dispute_id, "incident_id": incident_id, "person_id": person_id, "authority_ref": authority_ref,
            "authority_name": authority_name, "reason": reason, "raised_on": raised_on.isoformat(),
            "refer_by": refer_by.isoformat(), "resolved_on": None, "resolution": "", "created_by": tx.officer,
            "created_at": tx.at,
        }, incident_id=incident_id, reason=f"ordinary residence disputed: {reason}")
        return self.get(dispute_id)

    def resolve(self, tx: Tx, dispute: ORDispute, *, resolved_on: date, resolution: str) -> ORDispute:
        tx.update("or-dispute", "or_disputes", dispute.id, {"resolved_on": resolved_on.isoformat(),
                                                            "resolution": resolution},
                  incident_id=dispute.incident_id, reason=f"dispute resolved: {resolution}", action="resolve")
        return self.get(dispute.id)

    def get(self, dispute_id: int) -> ORDispute:
        row = next(self.store.query("SELECT * FROM or_disputes WHERE id = ?", [dispute_id]), None)
        if row is None:
            raise NotFound(f"there is no dispute {dispute_id}")
        return _dispute(row)

    def for_incident(self, incident_id: int | None = None, *, open_only: bool = False) -> list[ORDispute]:
        clauses, params = [], []
        if incident_id is not None:
            clauses.append("incident_id = ?")
            params.append(incident_id)
        if open_only:
            clauses.append("resolved_on IS NULL")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.store.query(f"SELECT * FROM or_disputes {where} ORDER BY refer_by, id", params)  # noqa: S608
        return [_dispute(row) for row in rows]

