"""What a letter template can use: plain dictionaries built from the models, and nothing else.

Templates see only these fields (the sandbox stops them reaching anything more), so a council writing
its own template can read this module to know what is available.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from contingency.models import Authority, Incident, Settings
from contingency.notification import Notification, NotificationKind, NotificationPlan
from contingency.person import Person
from contingency.rules.events import event_by_key
from contingency.rules.identifiers import format_nhs_number
from contingency.rules.notifications import (
    DISPUTE_ROUTES,
    EXERCISE_MARK,
    addressee,
    for_letter,
    lawful_basis,
    person_charges,
    reply_within,
)


def council_context(settings: Settings, ours: Authority) -> dict[str, Any]:
    return {
        "name": ours.name,
        "short_name": ours.nice_name,
        "team": settings.team,
        "officer": settings.officer,
        "address_lines": [line.strip() for line in settings.address.split(",") if line.strip()],
        "phone": settings.phone,
        "email": settings.email,
    }


def incident_context(incident: Incident, area: Authority | None) -> dict[str, Any]:
    facts = incident.facts
    event = event_by_key(facts.event_key)
    return {
        "provider": facts.provider_name,
        "service": facts.service_kind.label.lower(),
        "area": area.nice_name if area else facts.area_code,
        "event": event.title,
        "event_citation": event.citation,
        "event_date": facts.event_date,
        "aware_at": facts.aware_at,
        "cqc_provider_id": facts.cqc_provider_id or "",
        "cqc_location_ids": ", ".join(facts.cqc_location_ids),
        "insolvency_practitioner": facts.insolvency_practitioner,
        "lead_officer": facts.lead_officer,
        "classification": incident.classification.value,
        "classification_label": incident.classification.label,
    }


def _where_now(person: Person) -> str:
    facts = person.facts
    status = facts.status.label
    return f"{status}: {facts.status_detail}" if facts.status_detail else status


def person_row(person: Person, why: str, recover: bool) -> dict[str, Any]:
    facts = person.facts
    return {
        "id": person.id,
        "name": facts.display_name,
        "born": facts.date_of_birth,
        "nhs_number": format_nhs_number(facts.nhs_number) if facts.nhs_number else "",
        "provider_ref": facts.provider_ref,
        "why": why,
        "recover": recover,
        "weekly_cost_pence": facts.weekly_cost_pence,
        "where_now": _where_now(person),
    }


def letter_context(*, notification: Notification, plan: NotificationPlan, incident: Incident,
                   people: dict[int, Person], settings: Settings, ours: Authority, area: Authority | None,
                   exercise: bool, issued_at: datetime, replaces: Notification | None) -> dict[str, Any]:
    rows = [person_row(people[c.person_id], c.why, c.recover) for c in plan.people]
    context: dict[str, Any] = {
        "exercise": exercise,
        "exercise_mark": EXERCISE_MARK,
        "council": council_context(settings, ours),
        "incident": incident_context(incident, area),
        "letter": {
            "reference": notification.reference,
            "version": notification.version,
            "date": issued_at,
            # No date: the period runs from sending, which comes after the letter is made (issue 9).
            "reply_by": None,
            "reply_within": reply_within(notification.kind),
            "recipient": notification.recipient_name,
            "kind": notification.kind.value,
            "basis": for_letter(notification.basis),
            "dispute_route": for_letter(DISPUTE_ROUTES.get(notification.kind, "")),
            "lawful_basis": lawful_basis(incident.classification),
            "replaces": {"reference": replaces.reference, "date": replaces.issued_at or replaces.created_at}
            if replaces else None,
        },
        "people": rows,
        "recover": [row for row in rows if row["recover"]],
    }
    if notification.kind is NotificationKind.CQC:
        by_basis = Counter(p.determination.basis.label for p in people.values())
        context["counts"] = {"total": len(people),
                             "by_basis": [{"label": label, "count": n} for label, n in by_basis.most_common()]}
    if notification.kind is NotificationKind.PERSON:
        person = people[plan.people[0].person_id]
        name, representative = addressee(person.facts)
        context["person"] = {
            **rows[0],
            "addressee": name,
            "representative": representative,
            "relationship": person.facts.nominee_relationship,
            "service_address": person.facts.service_address,
            "basis": person.determination.basis.value,
            "charges": person_charges(person),
        }
    return context
