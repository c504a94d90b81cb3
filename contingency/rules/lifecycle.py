"""Incident lifecycle: warning -> monitoring -> active -> stepping down -> closed (brief rules 7, 23)."""

from __future__ import annotations

from contingency.models import Classification, IncidentStatus

S = IncidentStatus

ALLOWED: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.WARNING: frozenset({S.MONITORING, S.ACTIVE, S.CLOSED}),
    S.MONITORING: frozenset({S.WARNING, S.ACTIVE, S.CLOSED}),
    S.ACTIVE: frozenset({S.STEPPING_DOWN, S.MONITORING}),
    S.STEPPING_DOWN: frozenset({S.ACTIVE, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# Where a freshly classified incident starts.
INITIAL_STATUS: dict[Classification, IncidentStatus] = {
    Classification.WARNING: S.WARNING,
    Classification.MONITORING: S.MONITORING,
    Classification.NOT_OUR_DUTY: S.MONITORING,
    Classification.SECTION_48_ACTIVE: S.ACTIVE,
    Classification.URGENT_NEED: S.ACTIVE,
}

_ORDER = [S.WARNING, S.MONITORING, S.ACTIVE, S.STEPPING_DOWN, S.CLOSED]


class BadTransition(ValueError):
    pass


def check_transition(current: IncidentStatus, new: IncidentStatus, reason: str) -> None:
    if not reason.strip():
        raise BadTransition("a status change needs a reason (brief rule 7)")
    if new == current:
        raise BadTransition(f"the incident is already {current.value}")
    if new not in ALLOWED[current]:
        allowed = ", ".join(s.value for s in _ORDER if s in ALLOWED[current]) or "nothing (closed)"
        raise BadTransition(f"an incident that is {current.value} can move to {allowed}, not {new.value}")


def needs_decision(current: IncidentStatus, new: IncidentStatus) -> bool:
    """Ending an active duty needs an end reason and a decision entry (brief rule 7), whether it is
    closed or dropped back to monitoring (the duty ends either way)."""
    return current in (S.STEPPING_DOWN, S.ACTIVE) and new in (S.CLOSED, S.MONITORING)


def escalation_for(current: IncidentStatus, classification: Classification) -> IncidentStatus | None:
    """When facts change, move an incident forward (never back, never closed) to match its classification."""
    target = INITIAL_STATUS[classification]
    if current is S.CLOSED or _ORDER.index(target) <= _ORDER.index(current):
        return None
    if target not in ALLOWED[current]:
        return None
    return target
