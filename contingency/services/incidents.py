"""Opening incidents, changing their facts and moving them through their lifecycle."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from contingency.models import (
    Classification,
    ClassificationResult,
    Incident,
    IncidentFacts,
    IncidentStatus,
    ServiceKind,
    Settings,
)
from contingency.rules import lifecycle
from contingency.rules.authorities import AuthorityNotResolved
from contingency.rules.classification import classify, trigger
from contingency.rules.events import event_by_key
from contingency.rules.identifiers import (
    BadIdentifier,
    check_cqc_location_id,
    check_cqc_provider_id,
)
from contingency.services.errors import BadInput
from contingency.services.playbooks import start_matching
from contingency.store import Store


def require_settings(store: Store) -> Settings:
    settings = store.settings()
    if settings is None:
        raise BadInput("this store has no operating council yet; run 'contingency setup --authority ...' first")
    return settings


def build_facts(store: Store, *, provider: str, service: str, area: str, event: str,
                aware_at: datetime, event_date: date | None = None, continuing: bool = False,
                regulated: bool | None = None, registered: bool = True, cqc_provider_id: str | None = None,
                cqc_location_ids: tuple[str, ...] = (), lead_officer: str = "",
                insolvency_practitioner: str = "") -> IncidentFacts:
    """Check and normalise what an officer typed into incident facts, or raise BadInput saying why."""
    try:
        kind = ServiceKind(service)
    except ValueError:
        raise BadInput(f"service kind {service!r} is not one of: {', '.join(k.value for k in ServiceKind)}") from None
    try:
        event_by_key(event)
    except KeyError as exc:
        raise BadInput(exc.args[0]) from None
    try:
        authority = store.authorities.resolve(area)
    except AuthorityNotResolved as exc:
        raise BadInput(f"area: {exc}") from None
    try:
        provider_id = check_cqc_provider_id(cqc_provider_id) if cqc_provider_id else None
        locations = tuple(check_cqc_location_id(loc) for loc in cqc_location_ids)
    except BadIdentifier as exc:
        raise BadInput(str(exc)) from None
    if aware_at > store.clock() + timedelta(minutes=5):
        raise BadInput("the awareness time is in the future; the duty starts when we became aware (brief rule 6)")
    try:
        return IncidentFacts(
            provider_name=provider, service_kind=kind, area_code=authority.code, event_key=event,
            aware_at=aware_at, event_date=event_date, continuing=continuing,
            regulated=kind.regulated_by_default if regulated is None else regulated,
            registered=registered, cqc_provider_id=provider_id, cqc_location_ids=locations,
            lead_officer=lead_officer.strip(), insolvency_practitioner=insolvency_practitioner.strip(),
        )
    except ValidationError as exc:
        raise BadInput("; ".join(err["msg"].removeprefix("Value error, ") for err in exc.errors())) from None


def classify_for(store: Store, facts: IncidentFacts) -> ClassificationResult:
    settings = require_settings(store)
    area = store.authorities.get(facts.area_code)
    return classify(facts, our_code=settings.authority_code, area=area)


def open_incident(store: Store, facts: IncidentFacts) -> Incident:
    result = classify_for(store, facts)
    incident = store.incidents.add(facts, result, lifecycle.INITIAL_STATUS[result.classification])
    start_matching(store, incident, "incident opened")
    return incident


def change_facts(store: Store, incident_id: int, reason: str | None = None, **changes: Any) -> Incident:
    """Change facts, recompute the classification, and move the status forward if it now calls for it."""
    incident = store.incidents.get(incident_id)
    try:
        facts = incident.facts.model_copy(update=changes)
        facts = IncidentFacts.model_validate(facts.model_dump())
    except ValidationError as exc:
        raise BadInput("; ".join(err["msg"] for err in exc.errors())) from None
    facts, result = classify_change(store, incident, facts, aware_at_given="aware_at" in changes)
    with store.write(reason):
        updated = store.incidents.update_facts(incident_id, facts, result, reason)
        target = lifecycle.escalation_for(updated.status, result.classification)
        if target is not None:
            updated = store.incidents.set_status(
                incident_id, target, f"classification is now {result.classification.label}"
            )
        if result.classification is not incident.classification:
            from contingency.services.people import redetermine_incident

            redetermine_incident(store, incident_id, f"classification is now {result.classification.label}")
            start_matching(store, updated, f"classification is now {result.classification.label}")
        elif trigger(facts).classification is not trigger(incident.facts).classification or \
                facts.service_kind is not incident.facts.service_kind:
            # Elsewhere the classification stays "not our duty" while the trigger moves (a warning becomes a
            # failure), and the service kind says whether addresses decide: people read both (brief rule 5).
            from contingency.services.people import redetermine_incident

            redetermine_incident(store, incident_id, "the incident's trigger or service changed")
    return updated


def classify_change(store: Store, incident: Incident, facts: IncidentFacts, *,
                    aware_at_given: bool) -> tuple[IncidentFacts, ClassificationResult]:
    """The facts as they will be saved and their classification, for a change to an existing incident. A warning
    (or monitoring) incident is judged at the awareness time the failure would take (now, unless the officer
    typed another): an administration dated today is not 'after the provider stopped' just because the s.56
    warning came weeks ago (s.52(1), brief rule 6; SI 2015/301 reg 2(1)(b))."""
    result = classify_for(store, facts)
    told = aware_at_given and facts.aware_at != incident.facts.aware_at
    if (not told and result.classification is not Classification.SECTION_48_ACTIVE
            and incident.classification in (Classification.WARNING, Classification.MONITORING)):
        at_failure = classify_for(store, facts.model_copy(update={"aware_at": store.clock()}))
        if at_failure.classification is Classification.SECTION_48_ACTIVE:
            result = at_failure
    return _failure_awareness(store, incident, facts, result, aware_at_given=aware_at_given), result


def _failure_awareness(store: Store, incident: Incident, facts: IncidentFacts, result: ClassificationResult, *,
                       aware_at_given: bool) -> IncidentFacts:
    """A warning (or monitoring) that becomes s.48 takes a new awareness time: the duty starts when we became
    aware of the business failure (s.52(1), brief rule 6), not when the warning came. Unless the officer gave
    one that differs from the warning's, it is now; the warning's own time is kept beside it."""
    became_failure = (result.classification is Classification.SECTION_48_ACTIVE
                      and incident.classification in (Classification.WARNING, Classification.MONITORING))
    if not became_failure:
        return facts
    told = aware_at_given and facts.aware_at != incident.facts.aware_at
    return facts.model_copy(update={
        "aware_at": facts.aware_at if told else store.clock(),
        "warning_aware_at": incident.facts.warning_aware_at or incident.facts.aware_at,
    })


def change_status(store: Store, incident_id: int, new: str, reason: str) -> Incident:
    incident = store.incidents.get(incident_id)
    try:
        status = IncidentStatus(new)
    except ValueError:
        raise BadInput(f"status {new!r} is not one of: {', '.join(s.value for s in IncidentStatus)}") from None
    try:
        lifecycle.check_transition(incident.status, status, reason)
    except lifecycle.BadTransition as exc:
        raise BadInput(str(exc)) from None
    with store.write(reason):
        if lifecycle.needs_decision(incident.status, status):
            store.decisions.add(
                incident_id=incident_id,
                decision=f"End the active duty: {incident.status.value} to {status.value}",
                rationale=reason, decided_at=store.clock(), powers="Care Act 2014 s.48(2); brief rule 7",
            )
        return store.incidents.set_status(incident_id, status, reason)


# --- reads for the screens (issue 12: the TUI reads through services) -----------------------------------------


def get_incident(store: Store, incident_id: int) -> Incident:
    """One incident."""
    return store.incidents.get(incident_id)


def list_incidents(store: Store) -> list[Incident]:
    """Every incident in the store."""
    return store.incidents.list()
