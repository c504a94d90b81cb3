"""Incident classification (brief rules 1-6, 23, 25, 26), worked cases 1 and 3-10, and the lifecycle (rule 7)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contingency.models import (
    Classification,
    IncidentFacts,
    IncidentStatus,
    ServiceKind,
)
from contingency.rules import lifecycle
from contingency.rules.classification import classify
from contingency.rules.events import EVENTS, EventKind, event_by_key
from contingency.services.errors import BadInput
from contingency.services.incidents import change_facts, change_status
from tests.conftest import NOW, OFFICER

C = Classification
S = IncidentStatus
LEEDS = "LDS"


def reference_authorities():
    """The shipped authorities, read from db/ as the store loads them."""
    import csv

    from contingency.models import Authority
    from contingency.paths import resource_dir
    from contingency.rules.authorities import AuthorityIndex

    with (resource_dir("db") / "authorities.csv").open(encoding="utf-8") as handle:
        return AuthorityIndex(Authority(**{**row, "gss_code": row["gss_code"] or None}) for row in csv.DictReader(handle))


def rules_cited(reasons: tuple[str, ...] | list[str]) -> set[int]:
    """Every brief rule number the reasons cite: "brief rule 5", "rules 1-2", "rules 1 and 4", "rules 8-9"."""
    text = " ".join(reasons)
    cited: set[int] = set()
    for match in re.finditer(r"\brules? (\d+)(?:\s*-\s*(\d+)|\s+and\s+(\d+))?", text):
        first = int(match.group(1))
        if match.group(2):
            cited.update(range(first, int(match.group(2)) + 1))
        else:
            cited.add(first)
            if match.group(3):
                cited.add(int(match.group(3)))
    return cited


def facts(event: str, **overrides) -> IncidentFacts:
    data = {
        "provider_name": "Meadowbrook Care Homes Ltd",
        "service_kind": ServiceKind.CARE_HOME,
        "area_code": LEEDS,
        "event_key": event,
        "aware_at": NOW,
    }
    data.update(overrides)
    return IncidentFacts(**data)


def test_rules_cited_helper_reads_ranges_and_pairs():
    assert rules_cited(["(brief rules 1-2)", "brief rule 25", "brief rules 1 and 4"]) == {1, 2, 4, 25}
    assert rules_cited(["no rule here"]) == set()


# --- one row per trigger event (brief section 3; rules 1-2, 23, 25) -------------------------------------

# key -> (citation the brief gives for it, classification when nobody carries the service on, rule cited)
EVENT_TABLE: dict[str, tuple[str, Classification, int]] = {
    # reg 2(2): not an individual. Each is a business failure: s.48 (rules 1-2).
    "administration": ("SI 2015/301 reg 2(2)(a)", C.SECTION_48_ACTIVE, 2),
    "receiver": ("SI 2015/301 reg 2(2)(b)", C.SECTION_48_ACTIVE, 2),
    "administrative-receiver": ("SI 2015/301 reg 2(2)(c)", C.SECTION_48_ACTIVE, 2),
    "creditors-voluntary-winding-up": ("SI 2015/301 reg 2(2)(d)", C.SECTION_48_ACTIVE, 2),
    "winding-up-order": ("SI 2015/301 reg 2(2)(e)", C.SECTION_48_ACTIVE, 2),
    "insolvent-partnership-order": ("SI 2015/301 reg 2(2)(f)", C.SECTION_48_ACTIVE, 2),
    "insolvent-partnership-order-ni": ("SI 2015/301 reg 2(2)(g)", C.SECTION_48_ACTIVE, 2),
    "charity-trustees-unable-to-pay": ("SI 2015/301 reg 2(2)(h)", C.SECTION_48_ACTIVE, 2),
    "partners-bankrupt": ("SI 2015/301 reg 2(2)(i)", C.SECTION_48_ACTIVE, 2),
    "voluntary-arrangement-approved": ("SI 2015/301 reg 2(2)(j)", C.SECTION_48_ACTIVE, 2),
    # reg 2(3): an individual.
    "individual-bankrupt": ("SI 2015/301 reg 2(3)(a)", C.SECTION_48_ACTIVE, 2),
    "individual-voluntary-arrangement": ("SI 2015/301 reg 2(3)(b)", C.SECTION_48_ACTIVE, 2),
    # Not business failure (rules 2-3): the urgent-need route (rule 25).
    "members-voluntary-winding-up": ("reg 2(2)(d) exception", C.URGENT_NEED, 3),
    "cva-proposed-not-approved": ("reg 2(2)(j)", C.URGENT_NEED, 3),
    "holding-company-insolvency": ("brief rule 3", C.URGENT_NEED, 3),
    "sole-trader-death": ("reg 21", C.URGENT_NEED, 3),
    "deregistration": ("s.17", C.URGENT_NEED, 3),
    "planned-closure": ("guidance ch.5", C.URGENT_NEED, 3),
    # An interruption with no business failure (rule 25).
    "service-interruption": ("s.19(3)", C.URGENT_NEED, 25),
    # A CQC s.56 notice is a warning (rule 23).
    "cqc-s56-notice": ("Care Act 2014 s.56", C.WARNING, 23),
    # Worries but no event: s.48 not triggered (rule 1).
    "concern-no-event": ("brief rule 1", C.MONITORING, 1),
}


def test_event_table_covers_the_whole_catalogue():
    assert set(EVENT_TABLE) == {event.key for event in EVENTS}
    assert len(EVENTS) == len({event.key for event in EVENTS}), "event keys must be unique"


@pytest.mark.parametrize(
    "key", list(EVENT_TABLE), ids=[f"{k}-rule-{v[2]}" for k, v in EVENT_TABLE.items()]
)
def test_each_trigger_event_classifies_by_the_brief(key):
    citation, expected, rule = EVENT_TABLE[key]
    event = event_by_key(key)
    assert citation in event.citation
    assert event.business_failure is (expected is C.SECTION_48_ACTIVE)

    result = classify(facts(key), our_code=LEEDS, area=reference_authorities().get("LDS"))

    assert result.classification is expected
    assert rule in rules_cited(result.reasons), result.reasons
    if expected is C.URGENT_NEED:
        # Every non-event goes to the urgent-need route (rule 25), with s.14 charging, never section 48.
        assert 25 in rules_cited(result.reasons)
        assert any("s.19(3)" in r for r in result.reasons)
        assert any("s.14" in r for r in result.reasons)
        assert not any(r.startswith("Section 48 applies") for r in result.reasons)
    if expected is C.SECTION_48_ACTIVE:
        # The reasons quote the limb of reg 2 that triggered the duty, and rules 6 and 9.
        assert any(event.citation in r for r in result.reasons)
        assert {1, 2, 6, 8, 9}.issubset(rules_cited(result.reasons))


def test_unknown_event_key_is_refused_with_a_pointer_to_the_list():
    with pytest.raises(KeyError, match="contingency events"):
        event_by_key("liquidation-ish")


# --- the other rows (rules 1, 4, 5, 23, 26) -------------------------------------------------------------

BUSINESS_FAILURES = [e.key for e in EVENTS if e.kind is EventKind.BUSINESS_FAILURE]
NON_EVENTS = [e.key for e in EVENTS if e.kind in (EventKind.NOT_BUSINESS_FAILURE, EventKind.INTERRUPTION)]

OTHER_ROWS = [
    pytest.param(facts("administration", continuing=True), C.MONITORING, 4, id="continuing-administration-rule-4"),
    pytest.param(facts("winding-up-order", continuing=True), C.MONITORING, 4, id="continuing-winding-up-rule-4"),
    pytest.param(facts("planned-closure", continuing=True), C.MONITORING, 4, id="continuing-non-event-rule-4"),
    pytest.param(facts("cqc-s56-notice"), C.WARNING, 23, id="s56-notice-rule-23"),
    pytest.param(facts("cqc-s56-notice", continuing=True), C.WARNING, 23, id="s56-notice-continuing-rule-23"),
    pytest.param(facts("concern-no-event"), C.MONITORING, 1, id="concern-no-event-rule-1"),
    pytest.param(facts("administration", area_code="BRD"), C.NOT_OUR_DUTY, 5, id="area-not-ours-rule-5"),
    pytest.param(facts("cqc-s56-notice", area_code="BRD"), C.NOT_OUR_DUTY, 5, id="s56-area-not-ours-rule-5"),
    pytest.param(facts("service-interruption", area_code="KIR"), C.NOT_OUR_DUTY, 5,
                 id="interruption-area-not-ours-rule-5"),
    pytest.param(facts("administration", service_kind=ServiceKind.DAY_SERVICE, regulated=False), C.URGENT_NEED,
                 26, id="day-service-not-regulated-rule-26"),
    pytest.param(facts("individual-bankrupt", regulated=False), C.URGENT_NEED, 26, id="not-regulated-rule-26"),
    pytest.param(facts("winding-up-order", registered=False), C.URGENT_NEED, 1, id="not-registered-rule-1"),
]


@pytest.mark.parametrize(("incident", "expected", "rule"), OTHER_ROWS)
def test_other_classification_rows(incident, expected, rule):
    result = classify(incident, our_code=LEEDS)
    assert result.classification is expected
    assert rule in rules_cited(result.reasons), result.reasons
    assert not any(r.startswith("Section 48 applies") for r in result.reasons)


@pytest.mark.parametrize("key", BUSINESS_FAILURES)
def test_every_business_failure_still_carried_on_is_monitoring(key):
    result = classify(facts(key, continuing=True), our_code=LEEDS)
    assert result.classification is C.MONITORING
    assert 4 in rules_cited(result.reasons)


@pytest.mark.parametrize("key", BUSINESS_FAILURES)
def test_business_failure_of_a_non_regulated_service_is_never_section_48(key):
    result = classify(facts(key, service_kind=ServiceKind.DAY_SERVICE, regulated=False), our_code=LEEDS)
    assert result.classification is not C.SECTION_48_ACTIVE
    assert 26 in rules_cited(result.reasons)
    assert any("day service" in r.lower() for r in result.reasons)


def test_not_registered_and_not_regulated_are_both_reported():
    result = classify(facts("administration", registered=False, regulated=False), our_code=LEEDS)
    assert result.classification is C.URGENT_NEED
    gaps = next(r for r in result.reasons if r.startswith("Section 48 cannot apply"))
    assert "not registered with CQC" in gaps
    assert "not a regulated activity" in gaps


def test_not_our_duty_names_the_other_area():
    result = classify(facts("administration", area_code="BRD"), our_code=LEEDS,
                      area=reference_authorities().get("BRD"))
    assert result.classification is C.NOT_OUR_DUTY
    assert "City of Bradford Metropolitan District Council" in result.reasons[0]
    assert "s.48(2)" in result.reasons[0]


def test_classification_is_pure():
    incident = facts("receiver")
    assert classify(incident, our_code=LEEDS) == classify(incident, our_code=LEEDS)


def test_day_service_is_not_regulated_by_default(store):
    from contingency.services.incidents import build_facts

    built = build_facts(store, provider="Sunnyside Day Centre", service="day-service", area="Leeds",
                        event="administration", aware_at=NOW)
    assert built.regulated is False
    assert build_facts(store, provider="X", service="home-care", area="Leeds", event="administration",
                       aware_at=NOW).regulated is True


# --- worked cases 1 and 3-10 (brief section 12) ------------------------------------------------------


WORKED = [
    pytest.param(dict(event="administration", continuing=True), C.MONITORING, S.MONITORING, 4,
                 id="case-1-administration-homes-keep-trading-rule-4"),
    pytest.param(dict(event="administration", service="home-care"), C.SECTION_48_ACTIVE, S.ACTIVE, 2,
                 id="case-3-home-care-stops-after-administration-rules-1-2"),
    pytest.param(dict(event="administration", service="home-care", area="Bradford"), C.NOT_OUR_DUTY, S.MONITORING,
                 5, id="case-3-clients-in-another-area-are-theirs-rule-5"),
    pytest.param(dict(event="holding-company-insolvency", continuing=True), C.MONITORING, S.MONITORING, 4,
                 id="case-4-holding-company-operating-company-trades-on-rule-4"),
    pytest.param(dict(event="holding-company-insolvency"), C.URGENT_NEED, S.ACTIVE, 3,
                 id="case-4-holding-company-alone-never-s48-rule-3"),
    pytest.param(dict(event="members-voluntary-winding-up"), C.URGENT_NEED, S.ACTIVE, 25,
                 id="case-5-members-voluntary-winding-up-rule-25"),
    pytest.param(dict(event="planned-closure"), C.URGENT_NEED, S.ACTIVE, 25,
                 id="case-6-solvent-provider-closes-one-home-rule-25"),
    pytest.param(dict(event="service-interruption", service="day-service", provider="Sunnyside Day Centre"),
                 C.URGENT_NEED, S.ACTIVE, 25, id="case-7-norovirus-shuts-day-centre-rule-25"),
    pytest.param(dict(event="sole-trader-death"), C.URGENT_NEED, S.ACTIVE, 3, id="case-8-sole-trader-dies-rule-3"),
    pytest.param(dict(event="individual-bankrupt"), C.SECTION_48_ACTIVE, S.ACTIVE, 2,
                 id="case-9-sole-trader-bankrupt-rules-1-2"),
    pytest.param(dict(event="cqc-s56-notice", service="home-care", provider="National Home Care Group"),
                 C.WARNING, S.WARNING, 23, id="case-10-s56-notice-warning-only-rule-23"),
]


@pytest.mark.parametrize(("args", "classification", "status", "rule"), WORKED)
def test_worked_cases_about_the_incident(make_incident, args, classification, status, rule):
    incident = make_incident(**args)
    assert incident.classification is classification
    assert incident.status is status
    assert rule in rules_cited(incident.reasons), incident.reasons


def test_case_5_cites_the_members_winding_up_exclusion(make_incident):
    incident = make_incident(event="members-voluntary-winding-up")
    assert any("reg 2(2)(d)" in r for r in incident.reasons)
    assert any("s.19(3)" in r for r in incident.reasons)


def test_case_9_cites_reg_2_3_a(make_incident):
    incident = make_incident(event="individual-bankrupt")
    assert any("reg 2(3)(a)" in r for r in incident.reasons)


def test_case_10_warning_becomes_section_48_only_on_a_real_event(store, make_incident):
    incident = make_incident(event="cqc-s56-notice", service="home-care")
    assert incident.status is S.WARNING
    # A continuing administration is still not s.48 (rule 4): monitoring.
    later = change_facts(store, incident.id, reason="administrators appointed, trading on",
                         event_key="administration", continuing=True)
    assert later.classification is C.MONITORING
    assert later.status is S.MONITORING
    # The service stops: section 48 starts and the status moves forward.
    stopped = change_facts(store, incident.id, reason="agency has stopped all visits", continuing=False)
    assert stopped.classification is C.SECTION_48_ACTIVE
    assert stopped.status is S.ACTIVE
    assert store.verify_log().ok


def test_event_date_and_awareness_are_stored_separately(make_incident):
    """Rule 6: the duty starts at awareness; the insolvency date is kept on its own."""
    aware = NOW - timedelta(minutes=30)
    incident = make_incident(event="administration", aware_at=aware, event_date=(NOW - timedelta(days=2)).date())
    assert incident.facts.aware_at == aware
    assert incident.facts.event_date == (NOW - timedelta(days=2)).date()


# --- lifecycle (rules 7, 23) --------------------------------------------------------------------------

# What the lifecycle should allow: warning -> monitoring -> active -> stepping down -> closed.
EXPECTED_MOVES = {
    S.WARNING: {S.MONITORING, S.ACTIVE, S.CLOSED},
    S.MONITORING: {S.WARNING, S.ACTIVE, S.CLOSED},
    S.ACTIVE: {S.STEPPING_DOWN, S.MONITORING},  # an active duty steps down before it closes
    S.STEPPING_DOWN: {S.ACTIVE, S.CLOSED},
    S.CLOSED: set(),
}
ALL_PAIRS = [(a, b) for a in S for b in S if a is not b]


@pytest.mark.parametrize(("current", "new"), [p for p in ALL_PAIRS if p[1] in EXPECTED_MOVES[p[0]]],
                         ids=lambda s: s.value)
def test_allowed_transitions(current, new):
    lifecycle.check_transition(current, new, "reason given")


@pytest.mark.parametrize(("current", "new"), [p for p in ALL_PAIRS if p[1] not in EXPECTED_MOVES[p[0]]],
                         ids=lambda s: s.value)
def test_refused_transitions(current, new):
    with pytest.raises(lifecycle.BadTransition, match=f"{current.value} can move to .*not {new.value}"):
        lifecycle.check_transition(current, new, "reason given")


@pytest.mark.parametrize("status", list(S))
def test_same_status_is_refused(status):
    with pytest.raises(lifecycle.BadTransition, match="already"):
        lifecycle.check_transition(status, status, "reason")


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_a_status_change_needs_a_reason(reason):
    with pytest.raises(lifecycle.BadTransition, match="needs a reason"):
        lifecycle.check_transition(S.ACTIVE, S.STEPPING_DOWN, reason)


def test_change_status_without_reason_is_bad_input_and_changes_nothing(store, make_incident):
    incident = make_incident()
    entries = store.log.count()
    with pytest.raises(BadInput, match="needs a reason"):
        change_status(store, incident.id, "stepping-down", "  ")
    assert store.incidents.get(incident.id).status is S.ACTIVE
    assert store.log.count() == entries


def test_change_status_rejects_unknown_status(store, make_incident):
    incident = make_incident()
    with pytest.raises(BadInput, match="not one of"):
        change_status(store, incident.id, "finished", "done")


def test_active_cannot_close_without_stepping_down(store, make_incident):
    incident = make_incident()
    with pytest.raises(BadInput, match="stepping-down"):
        change_status(store, incident.id, "closed", "all moved")
    assert store.incidents.get(incident.id).status is S.ACTIVE
    assert store.decisions.for_incident(incident.id) == []


def test_closing_a_stepping_down_incident_records_a_decision(store, make_incident):
    incident = make_incident()
    change_status(store, incident.id, "stepping-down", "all residents have new placements")
    assert store.decisions.for_incident(incident.id) == []
    closed = change_status(store, incident.id, "closed", "last resident moved; duty no longer necessary")
    assert closed.status is S.CLOSED
    decisions = store.decisions.for_incident(incident.id)
    assert len(decisions) == 1
    decision = decisions[0]
    assert decision.author == OFFICER
    assert decision.rationale == "last resident moved; duty no longer necessary"
    assert "stepping-down" in decision.decision
    assert "rule 7" in decision.powers
    assert decision.decided_at == NOW and decision.logged_at == NOW
    # The status change and the decision are both in the log.
    actions = [(e.entity, e.action) for e in store.log.for_incident(incident.id)]
    assert ("decision", "create") in actions and ("incident", "status") in actions
    assert store.verify_log().ok


def test_closed_is_final(store, make_incident):
    incident = make_incident(event="concern-no-event")
    change_status(store, incident.id, "closed", "concern resolved")
    for target in ("monitoring", "active", "warning", "stepping-down"):
        with pytest.raises(BadInput, match="nothing"):
            change_status(store, incident.id, target, "reopen")


def test_closing_a_monitoring_incident_needs_no_decision(store, make_incident):
    incident = make_incident(event="administration", continuing=True)
    change_status(store, incident.id, "closed", "administrator sold the homes as going concerns")
    assert store.decisions.for_incident(incident.id) == []


def test_ending_an_active_duty_by_way_of_monitoring_still_needs_a_decision(store, make_incident):
    """Rule 7: closing a s.48 episode needs an end reason and a decision entry, whatever the route.

    active -> monitoring -> closed is allowed, and neither step records a decision today.
    """
    incident = make_incident()
    assert incident.status is S.ACTIVE
    change_status(store, incident.id, "monitoring", "a new operator is running the home")
    change_status(store, incident.id, "closed", "new operator confirmed")
    assert store.decisions.for_incident(incident.id), "an active s.48 duty was ended with no decision entry"


def test_escalation_moves_forward_only():
    assert lifecycle.escalation_for(S.WARNING, C.SECTION_48_ACTIVE) is S.ACTIVE
    assert lifecycle.escalation_for(S.MONITORING, C.URGENT_NEED) is S.ACTIVE
    assert lifecycle.escalation_for(S.ACTIVE, C.MONITORING) is None
    assert lifecycle.escalation_for(S.CLOSED, C.SECTION_48_ACTIVE) is None
    assert lifecycle.escalation_for(S.STEPPING_DOWN, C.SECTION_48_ACTIVE) is None


@pytest.mark.parametrize(("classification", "status"), [
    (C.WARNING, S.WARNING), (C.MONITORING, S.MONITORING), (C.NOT_OUR_DUTY, S.MONITORING),
    (C.SECTION_48_ACTIVE, S.ACTIVE), (C.URGENT_NEED, S.ACTIVE),
])
def test_initial_status(classification, status):
    assert lifecycle.INITIAL_STATUS[classification] is status


def test_an_event_dated_after_the_inability_does_not_trigger_section_48_yet():
    """Rule 1: s.48 needs a reg 2 event *at or before* the inability. A provider that stopped at 01:40 today
    with administration only due to take effect next week has no s.48 duty yet: "s.48 not triggered (yet)"."""
    incident = facts("administration", event_date=(NOW + timedelta(days=7)).date())
    result = classify(incident, our_code=LEEDS)
    assert result.classification is not C.SECTION_48_ACTIVE


def test_an_event_dated_the_same_day_triggers_section_48():
    incident = facts("administration", event_date=NOW.date())
    assert classify(incident, our_code=LEEDS).classification is C.SECTION_48_ACTIVE


def test_a_stopped_service_whose_event_is_still_to_come_uses_the_urgent_need_route():
    """Nobody is carrying the service on, but the reg 2 event is dated later: s.48 is not triggered yet, and the
    people still need care tonight. That is an interruption without (yet) a business failure: rule 25."""
    incident = facts("administration", event_date=(NOW + timedelta(days=7)).date())
    result = classify(incident, our_code=LEEDS)
    assert result.classification is C.URGENT_NEED
    assert 25 in rules_cited(result.reasons)


@pytest.mark.parametrize(("area", "citation"), [("CRF", "s.50"), ("GLG", "SI 2014/2839"), ("BHSCT", "s.51")],
                         ids=["wales-s50", "scotland-si-2014-2839", "ni-s51"])
def test_worked_case_15_a_failure_outside_england_is_their_duty_under_their_law(area, citation):
    """Rule 21: a provider failing in Wales gives the Welsh council the s.50 duty; we stay responsible for
    anyone we placed there and should expect its claim. Scotland (SI 2014/2839) and NI (s.51) likewise."""
    result = classify(facts("administration", area_code=area), our_code=LEEDS, area=reference_authorities().get(area))
    assert result.classification is C.NOT_OUR_DUTY
    text = " ".join(result.reasons)
    assert citation in text
    assert 21 in rules_cited(result.reasons)


def test_awareness_cannot_be_in_the_future(store):
    """Rule 6: the duty starts when we became aware; a time tomorrow is a typo, not a plan."""
    from contingency.services.incidents import build_facts

    with pytest.raises(BadInput):
        build_facts(store, provider="Meadowbrook Care Homes Ltd", service="care-home", area="Leeds",
                    event="administration", aware_at=NOW + timedelta(days=1))
