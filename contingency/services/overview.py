"""What an incident's overview shows: its facts in words, and the counts of its people; and the bodies the
roster's 'tell' filter offers. Read here so the screens never reach into the store (issue 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contingency.models import Incident
from contingency.rules.events import event_by_key
from contingency.rules.times import format_local
from contingency.services.residence import where_people_live
from contingency.store import Store

# An incident with more people than this is counted by a worker after the screen is up (issue 12).
COUNT_HERE = 2000


def _event_words(key: str) -> str:
    try:
        return event_by_key(key).title
    except KeyError:
        return key  # an event since dropped from the catalogue: its key is all there is


def facts_lines(store: Store, incident: Incident, now: datetime) -> list[str]:
    """The incident's facts and why it is classified so, one line each."""
    facts = incident.facts
    area = store.authorities.get(facts.area_code)
    return [
        f"Provider: {facts.provider_name}" + (f" (CQC {facts.cqc_provider_id})" if facts.cqc_provider_id else ""),
        f"Service: {facts.service_kind.label} in {area.name if area else facts.area_code}"
        + ("" if facts.regulated else " (not a regulated activity)"),
        f"Trigger: {_event_words(facts.event_key)}" + (f" on {facts.event_date:%d/%m/%Y}" if facts.event_date else "")
        + (" · someone is carrying the service on" if facts.continuing else ""),
        f"Became aware: {format_local(facts.aware_at, now=now)}   Status: {incident.status.value}",
        *([f"Warning known since: {format_local(facts.warning_aware_at, now=now)} (the duty started when the "
           "failure became known, s.52(1))"] if facts.warning_aware_at else []),
        f"Lead officer: {facts.lead_officer or 'not recorded'}",
        "",
        f"{incident.classification.label}: why",
        *(f"• {r}" for r in incident.reasons),
    ]


@dataclass(frozen=True)
class Counts:
    summary: dict[str, Any]  # total, basis, rag, status, notify, flags, people_with_flags
    lives_in: list[tuple[str, int]]  # ("ours", 412), ("Warwickshire", 14) ...


def counts(store: Store, incident_id: int) -> Counts:
    """The roster counted by basis, RAG, status, bodies to tell and flags, and where people live. Care at home
    is the duty of the council where each person lives (brief rule 5, worked case 3)."""
    return Counts(store.people.summary(incident_id), where_people_live(store, incident_id))


def body_name(store: Store, ref: str) -> str:
    """A body to tell by its name, never its key: 'la:WAR' is Warwickshire, 'icb:E54000054' West Yorkshire ICB."""
    kind, _, code = ref.partition(":")
    if kind == "la":
        found = store.authorities.get(code)
        return found.nice_name if found else code
    try:
        return store.icbs.resolve(code).name.removeprefix("NHS ").removesuffix(" Integrated Care Board") + " ICB"
    except LookupError:
        return f"ICB {code}"


def bodies_to_tell(store: Store, incident_id: int) -> list[tuple[str, str]]:
    """(name, ref) of every body someone on the roster is to be told about, most people first."""
    return [(body_name(store, ref), ref) for ref in store.people.notify_counts(incident_id)]
