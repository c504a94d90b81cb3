"""Classify an incident from its facts (brief rules 1-6, 23, 25, 26; worked cases 1-10).

Pure: the same facts and operating authority always give the same answer and the same reasons.
"""

from __future__ import annotations

from contingency.models import (
    Authority,
    Classification,
    ClassificationResult,
    IncidentFacts,
    Nation,
    ServiceKind,
)
from contingency.rules.events import EventKind, event_by_key
from contingency.rules.times import LONDON

C = Classification

# The same kinds as contingency.rules.geography.DELIVERED_AT_HOME (brief rule 5, case 3); repeated here so
# classification does not import the reference-data module.
_DELIVERED_AT_HOME = frozenset({
    ServiceKind.HOME_CARE, ServiceKind.SUPPORTED_LIVING, ServiceKind.EXTRA_CARE, ServiceKind.SHARED_LIVES,
})


# Where a provider fails outside England, that nation's law gives the duty (brief rule 21).
FOREIGN_DUTY = {
    Nation.WALES: "Care Act 2014 s.50 (the Welsh council meets the needs and may claim from the placing "
                  "English council)",
    Nation.SCOTLAND: "SI 2014/2839 (Scottish councils' business failure duties) [verify]",
    Nation.NORTHERN_IRELAND: "Care Act 2014 s.51 (the HSC trust meets the needs) [verify]",
}


def classify(facts: IncidentFacts, *, our_code: str, area: Authority | None = None) -> ClassificationResult:
    """`area` is the authority where the service was carried on (its code is facts.area_code)."""
    found = trigger(facts)
    if facts.area_code == our_code:
        return found
    # Rule 5 runs after the trigger rules: it says whose duty it is, and only a business failure with
    # inability makes one. A warning, a monitored administration or a plain interruption elsewhere is
    # still not ours to lead, but it is no s.48 duty of theirs either (brief rules 4, 23, 25; case 10).
    return _elsewhere(facts, found, area)


def _elsewhere(facts: IncidentFacts, found: ClassificationResult, area: Authority | None) -> ClassificationResult:
    where = area.name if area else facts.area_code
    at_home = (
        "For care given where people live, each council where they live holds the duty, whatever the office "
        "address: anyone living in our area is ours (brief rule 5, worked case 3)."
        if facts.service_kind in _DELIVERED_AT_HOME else None
    )
    if found.classification is C.SECTION_48_ACTIVE:
        if area is not None and area.nation in FOREIGN_DUTY:
            reasons = (
                f"Not our duty: the service was carried on in {where} ({area.nation.value}), where the duty "
                f"falls under {FOREIGN_DUTY[area.nation]} (brief rules 5 and 21).",
                "Anyone we placed there stays our responsibility (Care Act 2014 Sch 1 para 1): co-operate, "
                f"and expect {where} to claim its costs from us (brief rule 21).",
            )
        else:
            reasons = (
                f"Not our duty: the service was carried on in {where}, so any section 48 duty or "
                f"urgent-need response is theirs (Care Act 2014 s.48(2); brief rule 5).",
                f"Record the incident and tell {where}; our own clients placed there stay under our "
                "existing duties.",
            )
        return ClassificationResult(classification=C.NOT_OUR_DUTY, reasons=reasons + ((at_home,) if at_home else ()))
    if found.classification is C.URGENT_NEED:
        lead = (
            f"Not ours to lead: the service in {where} stopped without a business failure that triggers "
            f"section 48, so nobody holds that duty; {where} may meet urgent needs there "
            "(Care Act 2014 s.19(3); brief rules 5 and 25, section 4)."
        )
        follow = (
            f"Record the incident and tell {where}; our own clients there stay under our existing duties, and "
            "we re-arrange their care (ss.18-20; brief rule 25)."
        )
    else:
        lead = (
            f"Not ours to lead: the service is carried on in {where}, and no duty has started there "
            "(brief rule 5). If the provider fails, the council where the service is carried on holds the duty."
        )
        follow = f"Keep in touch with {where}; plan for our own clients placed there (brief rules 5 and 23)."
    return ClassificationResult(classification=C.NOT_OUR_DUTY, reasons=(*found.reasons, lead, follow))


def trigger(facts: IncidentFacts) -> ClassificationResult:
    """The trigger rules alone, before rule 5 asks whose area it is (brief rules 1-4, 23, 25, 26). The per-person
    determination reads this too: for care at home, people living in our area are ours whatever the
    incident's area (worked case 3)."""
    event = event_by_key(facts.event_key)
    cite = f"{event.title} ({event.citation})"

    if event.kind is EventKind.WARNING:
        return ClassificationResult(
            classification=C.WARNING,
            reasons=(
                f"Warning only: {cite}. The section 48 duty has not started; plan capacity and tell "
                "the authorities that place people with this provider (brief rule 23).",
            ),
        )

    if event.kind is EventKind.CONCERN:
        return ClassificationResult(
            classification=C.MONITORING,
            reasons=(
                "Monitoring: there is no business failure event yet, so section 48 is not triggered "
                "(SI 2015/301 reg 2; brief rule 1).",
            ),
        )

    if facts.continuing:
        return ClassificationResult(
            classification=C.MONITORING,
            reasons=(
                _event_sentence(event.kind, cite),
                "Monitoring: an administrator or someone else is still carrying on the service, so "
                "the provider is not yet unable to carry it on and there is no section 48 duty "
                "(Care Act 2014 s.48(1); brief rule 4). Liaise with them and with CQC.",
            ),
        )

    if event.kind is EventKind.BUSINESS_FAILURE and facts.event_date and \
            facts.event_date > facts.aware_at.astimezone(LONDON).date():
        return ClassificationResult(
            classification=C.URGENT_NEED,
            reasons=(
                f"Section 48 is not triggered yet: {cite} is dated {facts.event_date:%d/%m/%Y}, after the "
                "provider stopped, and s.48 needs the business failure event at or before the inability "
                "(SI 2015/301 reg 2(1)(b); brief rule 1).",
                "Urgent-need route meanwhile: the service has stopped, so meet urgent needs without "
                "assessment, whatever the person's ordinary residence, and re-arrange care for our own "
                "clients (Care Act 2014 s.19(3), ss.18-20; brief rule 25). Charging follows s.14.",
            ),
        )

    if event.kind is EventKind.BUSINESS_FAILURE:
        gaps = _missing_s48_conditions(facts)
        if gaps:
            return ClassificationResult(
                classification=C.URGENT_NEED,
                reasons=(
                    _event_sentence(event.kind, cite),
                    f"Section 48 cannot apply: {'; '.join(gaps)}.",
                    "Use the urgent-need power for anyone whose needs appear urgent, whatever their "
                    "ordinary residence, and our existing duties for our own clients "
                    "(Care Act 2014 s.19(3), ss.18-20; brief rule 25), with s.14 charging.",
                ),
            )
        return ClassificationResult(
            classification=C.SECTION_48_ACTIVE,
            reasons=(
                f"Section 48 applies: the provider cannot continue because of a business failure: "
                f"{cite} (Care Act 2014 s.48(1); brief rules 1-2).",
                "We must meet the needs the provider was meeting immediately before the failure, for "
                "everyone it served here, whoever funds them and wherever they are ordinarily "
                "resident, without waiting for assessments (s.48(3)-(4); brief rules 8-9).",
                "The duty started when we became aware of the failure (s.52(1); brief rule 6) and "
                "lasts for as long as we consider necessary (s.48(2); brief rule 7).",
            ),
        )

    # A non-event or a plain interruption, and nobody is carrying the service on.
    return ClassificationResult(
        classification=C.URGENT_NEED,
        reasons=(
            _event_sentence(event.kind, cite),
            "Urgent-need route: meet urgent needs without assessment, whatever the person's ordinary "
            "residence, and re-arrange care for our own clients under their existing plans "
            "(Care Act 2014 s.19(3), ss.18-20; brief rule 25). Charging follows s.14.",
        ),
    )


def _event_sentence(kind: EventKind, cite: str) -> str:
    if kind is EventKind.BUSINESS_FAILURE:
        return f"Business failure event recorded: {cite} (brief rule 2)."
    if kind is EventKind.NOT_BUSINESS_FAILURE:
        return f"Not a business failure: {cite}. It cannot trigger section 48 (brief rules 2-3)."
    return f"Service interruption without business failure: {cite} (brief rule 25)."


def _missing_s48_conditions(facts: IncidentFacts) -> list[str]:
    gaps = []
    if not facts.registered:
        gaps.append("the provider is not registered with CQC (s.48(1); brief rule 1)")
    if not facts.regulated:
        gaps.append(
            f"{facts.service_kind.label.lower()} is not a regulated activity here "
            "(SI 2014/2936 Sch 1; brief rule 26)"
        )
    return gaps
