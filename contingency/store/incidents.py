"""Incidents: rows <-> models. Classification is computed by the service, stored here with its reasons."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contingency.models import (
    Classification,
    ClassificationResult,
    Incident,
    IncidentFacts,
    IncidentStatus,
)
from contingency.rules.times import from_utc_iso, to_utc_iso
from contingency.store.errors import NotFound

if TYPE_CHECKING:
    from contingency.store.store import Store

_FACT_COLUMNS = (
    "provider_name", "service_kind", "area_code", "event_key", "aware_at", "event_date", "continuing",
    "regulated", "registered", "cqc_provider_id", "cqc_location_ids", "lead_officer", "insolvency_practitioner",
    "warning_aware_at",
)


def _facts_row(facts: IncidentFacts) -> dict[str, Any]:
    data = facts.model_dump(mode="json")
    data["aware_at"] = to_utc_iso(facts.aware_at)
    data["warning_aware_at"] = to_utc_iso(facts.warning_aware_at) if facts.warning_aware_at else None
    data["cqc_location_ids"] = json.dumps(list(facts.cqc_location_ids))
    for flag in ("continuing", "regulated", "registered"):
        data[flag] = int(data[flag])
    return {column: data[column] for column in _FACT_COLUMNS}


def _incident(row: dict[str, Any], people_count: int = 0) -> Incident:
    facts = IncidentFacts(
        **{column: row[column] for column in _FACT_COLUMNS
           if column not in ("aware_at", "warning_aware_at", "cqc_location_ids")},
        aware_at=from_utc_iso(row["aware_at"]),
        warning_aware_at=from_utc_iso(row["warning_aware_at"]) if row.get("warning_aware_at") else None,
        cqc_location_ids=tuple(json.loads(row["cqc_location_ids"])),
    )
    return Incident(
        id=row["id"],
        facts=facts,
        classification=Classification(row["classification"]),
        reasons=tuple(json.loads(row["reasons"])),
        status=IncidentStatus(row["status"]),
        opened_at=from_utc_iso(row["opened_at"]),
        people_count=people_count,
    )


class IncidentRepo:
    def __init__(self, store: Store):
        self.store = store
        self._counted: tuple[tuple[int, int], dict[int, int]] | None = None

    def add(self, facts: IncidentFacts, result: ClassificationResult, status: IncidentStatus) -> Incident:
        with self.store.write() as tx:
            incident_id = tx.next_id("incidents")
            row = {
                "id": incident_id,
                **_facts_row(facts),
                "classification": result.classification.value,
                "reasons": json.dumps(list(result.reasons)),
                "status": status.value,
                "opened_at": tx.at,
            }
            tx.insert("incident", "incidents", row, incident_id=incident_id)
        return self.get(incident_id)

    def update_facts(self, incident_id: int, facts: IncidentFacts, result: ClassificationResult,
                     reason: str | None) -> Incident:
        with self.store.write(reason) as tx:
            tx.update(
                "incident", "incidents", incident_id,
                {**_facts_row(facts), "classification": result.classification.value,
                 "reasons": json.dumps(list(result.reasons))},
                incident_id=incident_id, reason=reason,
            )
        return self.get(incident_id)

    def set_status(self, incident_id: int, status: IncidentStatus, reason: str) -> Incident:
        with self.store.write(reason) as tx:
            tx.update("incident", "incidents", incident_id, {"status": status.value},
                      incident_id=incident_id, action="status", reason=reason)
        return self.get(incident_id)

    def get(self, incident_id: int) -> Incident:
        row = next(self.store.query("SELECT * FROM incidents WHERE id = ?", [incident_id]), None)
        if row is None:
            raise NotFound(f"there is no incident {incident_id}; 'contingency incident list' shows them")
        return _incident(row, self._people_counts().get(incident_id, 0))

    def list(self) -> list[Incident]:
        counts = self._people_counts()
        rows = self.store.query("SELECT * FROM incidents ORDER BY status = 'closed', aware_at DESC")
        return [_incident(row, counts.get(row["id"], 0)) for row in rows]

    def _people_counts(self) -> dict[int, int]:
        """Live people by incident. Counting reads every person's index entry, and a screen asks for an incident
        many times a paint (issue 12): counted again only after a write, by anyone (store.version)."""
        store = self.store
        writing = store._tx is not None or store.conn.in_transaction  # uncommitted rows: count them, keep nothing
        version = None if writing else store.version
        if version is not None and self._counted is not None and self._counted[0] == version:
            return self._counted[1]
        if not store.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'people'").fetchone():
            return {}
        counts = dict(store.conn.execute(
            "SELECT incident_id, count(*) FROM people WHERE merged_into IS NULL GROUP BY incident_id"))
        self._counted = (version, counts) if version is not None else None
        return counts
