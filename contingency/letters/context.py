"""What a letter template can use: plain dictionaries built from the models, and nothing else.

Templates see only these fields (the sandbox stops them reaching anything more), so a council writing
its own template can read this module to know what is available.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from contingency.models import Authority, Classification, Incident, Settings
from contingency.notification import Notification, NotificationKind, NotificationPlan
from contingency.person import Basis, Person
from contingency.rules.authorities import AuthorityIndex
from contingency.rules.events import event_by_key
from contingency.rules.geography import Geography
from contingency.rules.identifiers import format_nhs_number
from contingency.rules.notifications import (
    DISPUTE_ROUTES,
    EXERCISE_MARK,
    Role,
    addressee,
    council_role,
    duty_holder,
    for_letter,
    icb_outside_our_area,
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
                   exercise: bool, issued_at: datetime, replaces: Notification | None,
                   authorities: AuthorityIndex | None = None, geography: Geography | None = None,
                   basis_counts: dict[str, int] | None = None) -> dict[str, Any]:
    """`authorities` names the council holding a not-our-duty person's duty and sorts a council's people by
    why it is told; `geography` says whether an ICB letter cites s.52(9). Without them the letter still
    renders: the council is described, not named, and s.52(9) is put as a condition. `basis_counts` (basis
    value: people, the whole roster) gives CQC's numbers when `people` holds only those the letters name."""
    index = authorities or AuthorityIndex(())
    rows = [person_row(people[c.person_id], c.why, c.recover) for c in plan.people]
    body_letter = notification.kind in (NotificationKind.COUNCIL, NotificationKind.CROSS_BORDER)
    for row, covered in zip(rows, plan.people, strict=True):
        row["role"] = (council_role(notification.recipient_ref, people[covered.person_id], incident.classification,
                                    index).value if body_letter else "")
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
        # One list per paragraph of a letter to a council (contingency.rules.notifications.Role): a council's
        # own residents are never in the recovery notice, whatever the incident's area.
        "groups": _groups(rows),
        "s48": incident.classification is Classification.SECTION_48_ACTIVE,
    }
    if notification.kind is NotificationKind.ICB:
        code = notification.recipient_ref.partition(":")[2]
        context["letter"]["icb_outside_our_area"] = icb_outside_our_area(code, ours, geography)
    if notification.kind is NotificationKind.CQC:
        if basis_counts is None:
            by_basis = Counter(p.determination.basis.label for p in people.values()).most_common()
        else:
            by_basis = sorted(((Basis(basis).label, n) for basis, n in basis_counts.items()), key=lambda x: -x[1])
        context["counts"] = {"total": sum(n for _, n in by_basis),
                             "by_basis": [{"label": label, "count": n} for label, n in by_basis]}
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
            "duty_holder": _duty_holder_name(person, index),
        }
    return context


def _groups(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows by role (one pass over thousands), in roster order within each."""
    groups: dict[str, list[dict[str, Any]]] = {role.value: [] for role in Role}
    for row in rows:
        found = groups.get(row["role"])
        if found is not None:
            found.append(row)
    return {role.replace("-", "_"): found for role, found in groups.items()}


def _duty_holder_name(person: Person, authorities: AuthorityIndex) -> str:
    """The council holding the duty for someone who is not ours, by name; '' for everyone else."""
    ref = duty_holder(person)
    if not ref:
        return ""
    council = authorities.get(ref.partition(":")[2])
    return council.name if council else ""
