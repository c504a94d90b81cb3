"""Recording a decision the officer states (brief rule 27): what, why, options, powers, when decided.

A decision logged long after it was made, or dated before the incident existed in the store, is not
wrong, but the log must say why: a reason is required, as the JESIP log asks of a late entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from contingency.models import Decision
from contingency.rules.times import format_local
from contingency.services.errors import BadInput
from contingency.store import Store

LATE_AFTER = timedelta(hours=1)
# The same allowance the incident's awareness time has for a laptop clock a little ahead.
FUTURE_SLACK = timedelta(minutes=5)


def why_reason_needed(decided_at: datetime, logged_at: datetime, opened_at: datetime) -> str | None:
    """Why this entry needs a reason for its timing, in words, or None when it needs none."""
    # Times are typed to the minute, so a decision in the minute the incident was opened is not "before" it.
    if decided_at < opened_at.replace(second=0, microsecond=0):
        return (f"it is dated {format_local(decided_at, now=logged_at)}, before this incident was opened "
                f"({format_local(opened_at, now=logged_at)}): say why it is recorded here")
    if logged_at - decided_at > LATE_AFTER:
        return "it is logged over an hour after it was decided: say why it was logged late"
    return None


def record_decision(store: Store, incident_id: int, *, decision: str, rationale: str,
                    decided_at: datetime | None = None, options: tuple[str, ...] = (), powers: str = "",
                    late_reason: str = "") -> Decision:
    """Check and record one decision entry; BadInput says what to fix. `decided_at` None means now."""
    now = store.clock()
    decided_at = decided_at or now
    decision, rationale, late_reason = decision.strip(), rationale.strip(), late_reason.strip()
    if not decision:
        raise BadInput("decision: say what was decided")
    if not rationale:
        raise BadInput("rationale: say why; the rationale is required (brief rule 27)")
    if decided_at > now + FUTURE_SLACK:
        raise BadInput(f"decided_at: {format_local(decided_at, now=now)} is in the future; give when it was decided")
    incident = store.incidents.get(incident_id)
    why = why_reason_needed(decided_at, now, incident.opened_at)
    if why and not late_reason:
        raise BadInput(f"late_reason: {why}")
    return store.decisions.add(incident_id=incident_id, decision=decision, rationale=rationale,
                               decided_at=decided_at, options=tuple(o for o in options if o.strip()),
                               powers=powers.strip(), late_reason=late_reason)


def decision_times(entry: Decision, now: datetime | None = None) -> str:
    """Both times a decision log shows: when it was decided and when it was recorded, and why they differ."""
    decided, logged = format_local(entry.decided_at, now=now), format_local(entry.logged_at, now=now)
    words = f"decided {decided}" + ("" if decided == logged else f" · recorded {logged}")
    return words + (f" · late: {entry.late_reason}" if entry.late_reason else "")


def get_decision(store: Store, decision_id: int) -> Decision:
    """One decision entry."""
    return store.decisions.get(decision_id)


def decisions_for(store: Store, incident_id: int) -> list[Decision]:
    """An incident's decision entries, oldest first."""
    return store.decisions.for_incident(incident_id)


def decision_log_text(store: Store, incident_id: int, now: datetime) -> str:
    """Every decision entry with both its times, for a read-only view (the TUI's DetailDialog)."""
    entries = decisions_for(store, incident_id)
    if not entries:
        return "No decisions recorded yet: d records one."
    lines: list[str] = []
    for entry in entries:
        lines += [f"{entry.id}. {entry.decision}", f"   {decision_times(entry, now)} · by {entry.author}",
                  f"   why: {entry.rationale}"]
        if entry.options:
            lines.append(f"   options considered: {'; '.join(entry.options)}")
        if entry.powers:
            lines.append(f"   powers: {entry.powers}")
        if entry.corrects:
            lines.append(f"   corrects decision {entry.corrects}")
        lines.append("")
    return "\n".join(lines).rstrip()
