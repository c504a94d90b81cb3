"""The event log as the screens show it: an incident's latest entries, how many decisions it has, and the check of
the whole hash chain."""

from __future__ import annotations

from contingency.models import LogEntry
from contingency.store import Store


def recent_entries(store: Store, incident_id: int, limit: int) -> list[LogEntry]:
    """The incident's latest `limit` log entries, newest first."""
    return store.log.for_incident(incident_id, limit=limit)


def decision_count(store: Store, incident_id: int) -> int:
    return len(store.decisions.for_incident(incident_id))


def verify_log(store: Store):
    """Every entry's hash checked against the one before it: (ok, entries, head, problem)."""
    return store.verify_log()
