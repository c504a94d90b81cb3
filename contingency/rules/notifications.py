"""Whom to tell about which people, on what legal basis, and by when.

Pure. The roster's per-person `notify` lists (contingency.rules.determination) become one
notification per body, each covering only that body's people (data minimisation), plus CQC and a
letter to each affected person. The law is data below, each line citing the brief
(../shared/domain/care-act-provider-failure.md section 13, rules 10-11, 17-22, 29) and the statute.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from contingency.models import ICB, Authority, Classification, Incident, Nation
from contingency.notification import (
    CoveredPerson,
    HeldBack,
    Notification,
    NotificationKind,
    NotificationPlan,
    NotificationPlans,
    NotificationStatus,
)
from contingency.person import (
    Basis,
    ChargeRoute,
    Flag,
    Funding,
    ORStatus,
    Person,
    PersonFacts,
    PersonStatus,
)
from contingency.rules.authorities import AuthorityIndex, ICBIndex
from contingency.rules.geography import Geography
from contingency.rules.times import format_elapsed, format_local

K = NotificationKind
C = Classification
S = NotificationStatus

# --- reply-by periods -----------------------------------------------------------------------------

REPLY_PERIODS: dict[NotificationKind, timedelta | None] = {
    K.COUNCIL: timedelta(hours=48),
    K.CROSS_BORDER: timedelta(hours=48),
    K.ICB: timedelta(hours=48),
    K.CQC: timedelta(hours=48),
    K.PERSON: None,  # a person is never chased for a reply
}
REPLY_PERIOD_NOTE = (
    "Reply-by periods are working practice, not law: no statute gives another body a time to answer "
    "(brief section 14). Change REPLY_PERIODS if local practice differs."
)

# --- the legal basis each letter cites ------------------------------------------------------------

_S48_COUNCIL = (
    "Care Act 2014 s.48(2): we meet the needs the failed provider was meeting in our area. s.48(7) "
    "[verify numbering]: we co-operate with the council that arranged or paid for the care and may recover "
    "the cost of meeting those needs from it; ss.6-7 (co-operation) (brief rules 18-19)."
)
_S19 = (
    "Care Act 2014 s.19(3): we are meeting urgent needs without first assessing, wherever the person is "
    "ordinarily resident; existing duties continue. There is no general right to recover the cost of urgent "
    "help: agree it, or s.41 (brief rule 25, section 4)."
)
_WARNING = (
    "Care Act 2014 s.56: CQC has warned that the provider is likely to become unable to carry on because of "
    "business failure. No s.48 duty has started; we tell the councils that placed people (brief rule 23)."
)
_NOT_OURS = (
    "Care Act 2014 s.48(2): the duty falls on the council where the service was carried on, which is you "
    "(brief rule 5)."
)
_MONITORING = (
    "Care Act 2014 s.48(1): not triggered while the service is carried on; we are monitoring (brief rule 4)."
)
_S49 = (
    "Care Act 2014 s.49 with s.48(2): a body in Wales, Scotland or Northern Ireland arranged or paid for the "
    "care. We meet the needs, co-operate with you and may recover the cost of the needs you arranged or "
    "funded (s.49(3) [verify]) (brief rules 10, 17)."
)
_ICB = (
    "Care Act 2014 s.22: NHS Continuing Healthcare, and the nursing in NHS-funded nursing care, are the "
    "ICB's responsibility, outside the council's duty; the council never invoices for CHC (brief rules 10-11)."
)
# s.52(9) only reaches an ICB with no part of its area in ours (brief rule 11). Keyed by whether the ICB is
# outside our area: None while that is not known, so the letter puts it as a condition.
_ICB_S52_9: dict[bool | None, str] = {
    None: " s.52(9): an ICB with no part of its area in ours is a relevant partner for co-operation under ss.6-7.",
    True: " s.52(9): no part of your area is in ours, so you are a relevant partner for co-operation under ss.6-7.",
    False: "",
}
_NHS_RESIDENT = (
    "Care Act 2014 s.22: NHS Continuing Healthcare is the ICB's responsibility, outside our duty and yours; we "
    "have told the ICB. We tell you because the person is ordinarily resident in your area (brief rules 10-11, 19)."
)
_OUR_CLIENT_THERE = {
    Nation.ENGLAND: (
        "The people we list as our clients are ones whose care we arrange: our duty to them continues (Care Act 2014 "
        "ss.18-20), we will co-operate with you and arrange their care with you, and we expect your claim for the "
        "cost of meeting their needs (s.48(7) [verify numbering]; brief rules 5, 21)."
    ),
    Nation.WALES: (
        "The people we list as our clients are ones we placed in Wales: you meet their needs under Care Act 2014 "
        "s.50 and may claim the cost from us; we co-operate and stay responsible for them (Sch 1 para 1; brief "
        "rule 21, worked case 15)."
    ),
    Nation.SCOTLAND: (
        "The people we list as our clients are ones we placed in Scotland: you meet their needs under "
        "SI 2014/2839 and may claim the cost from us; we co-operate and stay responsible for them [verify] "
        "(brief rule 21)."
    ),
    Nation.NORTHERN_IRELAND: (
        "The people we list as our clients are ones we placed in Northern Ireland: you meet their needs under "
        "Care Act 2014 s.51 and may claim the cost from us; we co-operate and stay responsible for them [verify] "
        "(brief rule 21)."
    ),
}
_CQC = (
    "Care Act 2014 s.56(3)-(4): CQC may require information from the provider and others in its business "
    "and must pass on what will help councils meet needs. The provider and any insolvency practitioner must "
    "notify CQC (SI 2009/3112 regs 15 and 22)."
)
_PERSON_S48 = (
    "Care Act 2014 s.48(2)-(4): we meet the needs the provider was meeting, without first assessing them; "
    "s.52(4)-(6): we involve the person, any carer and any nominee; s.48(5): any charge covers cost only "
    "and never information or advice (brief rules 9, 14, 16)."
)
_PERSON_S19 = (
    "Care Act 2014 s.19(3): we meet urgent needs without first assessing them; s.14: charging as now "
    "(brief rule 25)."
)

# --- each person's own paragraph, by the basis their determination gives ------------------------------
# A person's letter cites the law that applies to them, not the incident's: our own client's care goes on
# under the duty we already owe, a CHC person's is the NHS's, and someone whose care at home was given in
# another council's area is that council's to keep going.

PERSON_BASIS: dict[Basis, str] = {
    Basis.S48: _PERSON_S48,
    Basis.S48_S49: (
        "Care Act 2014 s.48(2)-(4) with s.49: we meet the needs the provider was meeting, without first assessing "
        "them, and co-operate with the Welsh, Scottish or Northern Ireland body that arranged or paid for the care, "
        "which stays responsible for it; s.52(4)-(6): we involve the person, any carer and any nominee; "
        "s.49(3)(d): any charge from us is only for needs that body did not arrange or fund, and covers cost only "
        "(brief rules 10, 17, 20)."
    ),
    Basis.EXISTING_S18: (
        "Care Act 2014 ss.18-20: we already arrange this care, and our existing duty continues under the current "
        "care and support plan; s.14: any charge continues under the existing financial assessment "
        "(brief rule 10; Explanatory Notes para 304)."
    ),
    Basis.NHS_ICB: (
        "Care Act 2014 s.22: NHS Continuing Healthcare is arranged and paid for by the NHS "
        "(the Integrated Care Board), outside the council's duty. We have told the ICB and, if the person normally "
        "lives in another council's area, that council; we never charge for this care (brief rules 10-11, 19)."
    ),
    Basis.URGENT_S19: _PERSON_S19,
}
# {council} is the council that holds the duty; the s.48 wording only when the incident is a s.48 one.
PERSON_NOT_OURS: dict[Classification, str] = {
    C.SECTION_48_ACTIVE: (
        "Care Act 2014 s.48(2): the duty to keep care going after a provider fails falls on the council for the "
        "area where the care was given; for care at home, that is where the person lives, which is {council}. "
        "We have told {council} (brief rule 5, worked case 3)."
    ),
    C.URGENT_NEED: (
        "Care Act 2014 ss.18-19: the council for the area where the person lives, {council}, is the one to meet "
        "their needs. We have told {council} (brief rules 5, 25)."
    ),
}



class Role(StrEnum):
    """Why a council or cross-border body hears about one person: each role has its own paragraph in the letter,
    and only the people in a role are covered by it (a recovery notice never reaches a council's own residents)."""

    DUTY_YOURS = "duty-yours"  # the service was carried on in their area: the duty is theirs (brief rule 5)
    OUR_CLIENT_THERE = "our-client-there"  # our client, the service failed in their area (brief rule 21)
    RECOVER = "recover"  # they arranged or fund the care; we may recover (brief rules 17-18)
    ARRANGER = "arranger"  # they arranged or fund it; no recovery (urgent need, warning)
    NHS_RESIDENT = "nhs-resident"  # CHC, ordinarily resident there: the ICB's, told anyway (brief rules 11, 19)
    RESIDENT = "resident"  # ordinarily resident there: no recovery on residence alone (brief rules 18-19)
    OTHER = "other"


_ROLE_ORDER = tuple(Role)

# The s.48 paragraphs for a council, one per role present among its people; never the incident's area alone.
_S48_ROLE: dict[Role, str] = {
    Role.DUTY_YOURS: (
        "Care Act 2014 s.48(2): the duty falls on the council for the area where the service was carried on; for "
        "care at home that is where the person lives, whatever the provider's office address. For the people we "
        "list as living in your area that is you: the s.48 duty to them is yours, not ours, and we ask you for "
        "nothing towards the cost of their care (brief rule 5, worked case 3)."
    ),
    Role.OUR_CLIENT_THERE: (
        "Care Act 2014 s.48(2): the s.48 duty falls on the council for the area where the service was carried on "
        "(for care at home, where the person lives), which for the people we list as our clients is you (brief "
        "rule 5)."
    ),
    Role.RECOVER: _S48_COUNCIL,
    Role.ARRANGER: (
        "Care Act 2014 s.48(2): we meet the needs the failed provider was meeting in our area, including for people "
        "whose care you arrange or pay for; ss.6-7 (co-operation) (brief rules 18-19)."
    ),
    Role.RESIDENT: (
        "Care Act 2014 s.48(2)-(3): we meet the needs the failed provider was meeting in our area, wherever the "
        "person is ordinarily resident. Ordinary residence in your area alone gives no right to recover the cost: "
        "we would agree it with you, or s.41 applies; ss.6-7 (co-operation) (brief rules 18-19)."
    ),
    Role.NHS_RESIDENT: _NHS_RESIDENT,
}
_S48_GENERIC = (
    "Care Act 2014 s.48(2): we meet the needs the failed provider was meeting in our area; ss.6-7 (co-operation) "
    "(brief rule 19)."
)
_CROSS_BORDER_ROLE: dict[Role, str] = {
    **_S48_ROLE,
    Role.RECOVER: _S49,
    Role.RESIDENT: (
        "Care Act 2014 s.48(2)-(3): we meet the needs the failed provider was meeting in our area, wherever the "
        "person is ordinarily resident. Ordinary residence in your area alone gives no right to recover the cost: "
        "we would agree it with you (brief rules 18-20)."
    ),
}

_SITUATION = {
    C.SECTION_48_ACTIVE: _S48_COUNCIL,
    C.URGENT_NEED: _S19,
    C.WARNING: _WARNING,
    C.NOT_OUR_DUTY: _NOT_OURS,
    C.MONITORING: _MONITORING,
}

DISPUTE_ROUTES: dict[NotificationKind, str] = {
    K.COUNCIL: (
        "A dispute about ordinary residence or about the application of s.48 goes under SI 2014/2829. It never "
        "delays or interrupts care: the council meeting the needs when it arises leads, and if it is unresolved "
        "after 4 months it is referred to the Secretary of State (brief rule 22)."
    ),
    K.CROSS_BORDER: (
        "A dispute with a Welsh or Scottish council or an NI trust goes under Care Act 2014 Sch 1 para 5 and "
        "SI 2014/2843, not SI 2014/2829. It never delays or interrupts care (brief rules 20, 22)."
    ),
}

_POWER = {C.URGENT_NEED: "s.19(3)", C.WARNING: "s.56"}


def lawful_basis(classification: Classification) -> str:
    """The data-sharing line every letter to a body carries (brief section 13): confirm it with the DPO."""
    power = _POWER.get(classification, "s.48")
    return (
        "We share only the minimum personal data needed to keep these people's care going. Lawful basis: Care Act "
        f"2014 ss.6-7 (co-operation) and {power}; UK GDPR art 6(1)(e) (a task carried out in the public interest) "
        "and art 9(2)(h) (health and social care). Please confirm with your Data Protection Officer if you have any "
        "question about receiving it."
    )


EXERCISE_MARK = "EXERCISE – NOT A REAL INCIDENT"


def basis_for(kind: NotificationKind, classification: Classification, roles: Iterable[Role] | None = None, *,
              nation: Nation = Nation.ENGLAND, icb_outside_our_area: bool | None = None) -> str:
    """The law a letter cites. For a council, `roles` (from `council_role`, one per person it covers) picks one
    paragraph per kind of person, so each is told only the law that applies to them; without roles, the
    incident's own paragraph. Only a s.48 incident cites s.48(2) or s.48(7) for the people covered."""
    if kind is K.ICB:
        return _ICB + _ICB_S52_9[icb_outside_our_area]
    if kind is K.CQC:
        return _CQC
    if kind is K.PERSON:
        return _PERSON_S19 if classification is C.URGENT_NEED else _PERSON_S48
    present = [role for role in _ROLE_ORDER if role in set(roles)] if roles is not None else None
    if present is None:
        lead = _S49 if kind is K.CROSS_BORDER and classification is C.SECTION_48_ACTIVE else _SITUATION[classification]
    elif classification is C.SECTION_48_ACTIVE:
        table = _CROSS_BORDER_ROLE if kind is K.CROSS_BORDER else _S48_ROLE
        lead = " ".join(dict.fromkeys(table.get(role, _S48_GENERIC) for role in present))
        if Role.OUR_CLIENT_THERE in present:
            lead += " " + _OUR_CLIENT_THERE[nation]
    else:
        extra = []
        if Role.OUR_CLIENT_THERE in present and classification is C.NOT_OUR_DUTY:
            extra.append(_OUR_CLIENT_THERE[nation])
        if Role.NHS_RESIDENT in present:
            extra.append(_NHS_RESIDENT)
        lead = " ".join([_SITUATION[classification], *extra])
    if kind is K.CROSS_BORDER:
        return f"{lead} Disputes: Care Act 2014 Sch 1 para 5 and SI 2014/2843, not SI 2014/2829 (brief rule 20)."
    return lead


def person_basis(person: Person, classification: Classification, duty_holder: str = "") -> str:
    """The person's own paragraph (PERSON_BASIS), by their determination; `duty_holder` names the council
    that holds the duty for someone who is not ours."""
    basis = person.determination.basis
    if basis is Basis.NOT_OUR_DUTY:
        text = PERSON_NOT_OURS.get(classification, PERSON_NOT_OURS[C.URGENT_NEED])
        return text.format(council=duty_holder or "the council for the area where the person lives")
    if classification is C.URGENT_NEED and basis not in (Basis.EXISTING_S18, Basis.NHS_ICB):
        return _PERSON_S19
    return PERSON_BASIS.get(basis, _PERSON_S48)


_BRIEF = re.compile(r"\s*\((?:brief|see brief) [^)]*\)")
_VERIFY = re.compile(r"\s*\[verify[^\]]*\]")


def for_letter(text: str) -> str:
    """Law text as a recipient reads it: without our brief's rule numbers or its [verify] notes.

    The officer still sees both on screen (`notify list`, the TUI); the council's lawyer checks the
    [verify] points before live use (brief section 14).
    """
    return _VERIFY.sub("", _BRIEF.sub("", text))


# --- what the person is told about charges (brief rules 16-17; s.117 is free) ---------------------

ADVICE_FREE = "Information and advice from us are always free."


def person_charges(person: Person) -> str:
    """Worded for the person or their representative alike (no "you"), in plain English."""
    facts, det = person.facts, person.determination
    if det.basis is Basis.NHS_ICB:
        text = "NHS Continuing Healthcare is free to the person who receives it. We will not charge for any of this care."
    elif det.basis is Basis.NOT_OUR_DUTY:
        text = ("We will not charge for this care. The council that now arranges it will say whether anything is "
                "charged, under its own arrangements, before any charge is made.")
    elif facts.funding is Funding.S117:
        text = "After-care under section 117 of the Mental Health Act 1983 is free. Nobody will charge for it."
    elif det.charge_route is ChargeRoute.S48_5:
        text = ("We may charge for the care we arrange, but only what it costs us, never more (Care Act 2014 "
                "s.48(5)). We will say how much before any charge is made.")
    elif det.charge_route is ChargeRoute.S49_3D:
        text = ("The council that arranged the care stays responsible for the care it arranged. We may charge only "
                "for care it did not arrange, and only what it costs us (Care Act 2014 s.49(3)(d)).")
    elif det.charge_route is ChargeRoute.S14:
        text = "The care will be charged as it is now, under the existing financial assessment (Care Act 2014 s.14)."
    elif det.recover_from:
        text = ("The council that arranged the care keeps paying for it and will continue any charge under its own "
                "arrangements. We will not charge.")
    elif det.basis in (Basis.S48, Basis.NONE_YET):
        text = ("We do not yet know who pays for the care. Nobody will be charged without being told first, and any "
                "charge from us would cover only what the care costs us (Care Act 2014 s.48(5)).")
    else:
        text = "We do not yet know who pays for the care. Nobody will be charged without being told first."
    return f"{text} {ADVICE_FREE}"


def addressee(facts: PersonFacts) -> tuple[str, bool]:
    """To the person, or to their nominee when capacity is in doubt (s.52(4)-(6)). (name, is representative)"""
    if facts.capacity_concern and facts.nominee_name.strip():
        return facts.nominee_name.strip(), True
    return facts.display_name, False


# --- why this body is told about this person ------------------------------------------------------


def duty_holder(person: Person) -> str | None:
    """The council that holds the duty for a person who is not ours: the determination tells it first
    (contingency.rules.determination, brief rule 5)."""
    if person.determination.basis is not Basis.NOT_OUR_DUTY:
        return None
    return next((ref for ref in person.determination.notify if ref.startswith("la:")), None)


def recipients(person: Person, ours: Authority, authorities: AuthorityIndex) -> tuple[str, ...]:
    """Every body to tell about this person: the determination's list, and the council where a CHC person is
    ordinarily resident. Rule 19 has no exception for CHC: they stay outside our duty and theirs, but the
    home council is still told and asked to co-operate (brief rules 10-11, 19)."""
    refs = list(person.determination.notify)
    facts = person.facts
    if person.determination.basis is Basis.NHS_ICB and facts.or_code:
        home = authorities.get(facts.or_code)
        if home is not None and home.code != ours.code and home.ref not in refs:
            refs.append(home.ref)
    return tuple(refs)


def council_role(ref: str, person: Person, classification: Classification, authorities: AuthorityIndex) -> Role:
    """Why the council `ref` is told about this person, from the person's determination, never from the
    incident's area alone: the same incident can be one council's duty for its residents and a s.48(7)
    recovery for people it placed in ours."""
    facts, det = person.facts, person.determination
    if det.basis is Basis.NOT_OUR_DUTY and ref == duty_holder(person):
        return Role.DUTY_YOURS
    home = authorities.get(facts.or_code) if facts.or_code else None
    # Our client where the service failed in (or, for care at home, lives in) that council's area: the
    # determination tells that council first (brief rules 5, 21).
    first = next((r for r in det.notify if r.startswith("la:")), None)
    if det.basis is Basis.EXISTING_S18 and ref == first and (
            classification is C.NOT_OUR_DUTY or home is None or home.ref != ref):
        return Role.OUR_CLIENT_THERE
    if det.recover_from == ref:
        return Role.RECOVER
    funder = authorities.get(facts.funding_body) if facts.funding_body else None
    if funder is not None and funder.ref == ref:
        return Role.ARRANGER
    if home is not None and home.ref == ref:
        return Role.NHS_RESIDENT if det.basis is Basis.NHS_ICB else Role.RESIDENT
    return Role.OTHER


def _why(ref: str, person: Person, body: Authority | None, authorities: AuthorityIndex,
         classification: Classification = C.SECTION_48_ACTIVE, role: Role | None = None) -> str:
    facts = person.facts
    if ref.startswith("icb:"):
        if facts.funding is Funding.NHS_CHC:
            return "NHS Continuing Healthcare: yours to arrange and fund"
        if facts.funding is Funding.S117:
            return "s.117 after-care: a duty you share"
        if facts.funding is Funding.JOINT:
            return "joint package: the NHS share is yours"
        return "NHS-funded nursing care: the nursing is yours; we meet the other needs"
    cross_border = body is not None and body.nation is not Nation.ENGLAND
    role = role or council_role(ref, person, classification, authorities)
    if role is Role.DUTY_YOURS:
        if classification is C.NOT_OUR_DUTY:
            return "the service was carried on in your area"
        return "lives in your area, where the care was given: the duty to them is yours"
    if role is Role.OUR_CLIENT_THERE:
        return "our client, placed in your area: we stay responsible and co-operate"
    if role is Role.RECOVER:
        route = "s.49(3)" if cross_border else "s.48(7)"
        if facts.funding is Funding.S117:
            return f"s.117 after-care you arranged; we may recover the cost ({route})"
        if facts.funding is Funding.DIRECT_PAYMENT:
            return f"you pay for the care by direct payments; we may recover the cost ({route})"
        return f"you arranged the care; we may recover the cost ({route})"
    if role is Role.ARRANGER:
        return "you arrange or pay for the care"
    if role in (Role.RESIDENT, Role.NHS_RESIDENT):
        status = {ORStatus.DISPUTED: " (disputed)", ORStatus.ASSERTED: " (asserted, not yet accepted)",
                  ORStatus.UNKNOWN: " (not confirmed)"}.get(facts.or_status, "")
        if role is Role.NHS_RESIDENT:
            return f"NHS Continuing Healthcare, the ICB's; ordinarily resident in your area{status}"
        return f"ordinarily resident in your area{status}; no recovery on residence alone"
    return "named on our roster for you"


_COUNCIL_NAME_FIELDS = frozenset({"funding", "funding_body", "or_code"})


def council_hold(facts: PersonFacts) -> str | None:
    """Why this person is left out of councils' letters for now, or None.

    A council name that could not be matched may mean a council we would otherwise tell is the wrong one;
    telling the wrong body about someone breaks data minimisation, so the officer fixes the name first.
    """
    for issue in facts.issues:
        if issue.kind is Flag.AUTHORITY_UNRESOLVED and issue.field in _COUNCIL_NAME_FIELDS:
            return (f"{issue.field.replace('_', ' ')} {issue.value!r} is not a council we can match: fix it on the "
                    "roster, then the right council is told")
    return None


# --- the plan -------------------------------------------------------------------------------------

_PERSON_LETTER_FOR = frozenset({C.SECTION_48_ACTIVE, C.URGENT_NEED})
# Who is written to in an incident that writes to people: everyone but these (see plan_notifications).
PERSON_LETTER_SKIPS = (PersonStatus.DECEASED, Basis.NONE_YET)


def writes_to_people(classification: Classification) -> bool:
    """Whether each affected person gets a letter of their own (brief rules 9, 14, 16, 25)."""
    return classification in _PERSON_LETTER_FOR
PROGRESS_EVERY = 250
_KIND_ORDER = {K.COUNCIL: 0, K.CROSS_BORDER: 1, K.ICB: 2, K.CQC: 3, K.PERSON: 4}


def plan_notifications(incident: Incident, people: Iterable[Person], *, ours: Authority,
                       authorities: AuthorityIndex, icbs: ICBIndex, now: datetime,
                       progress: Callable[[int, int], None] | None = None,
                       geography: Geography | None = None, person_letters: bool = True) -> NotificationPlans:
    """One plan per body to tell, each with only that body's people; CQC; a letter per affected person.

    `progress(done, total)` is told every few hundred people (a big roster takes seconds); it may raise
    to stop the planning, which has changed nothing. `geography` (council to ICB) decides whether an ICB
    letter cites s.52(9); without it the letter states it as a condition. With `person_letters` False, the letters
    to bodies only (the people's own letters are planned when they are wanted)."""
    roster = {person.id: person for person in people}
    covered: dict[str, list[CoveredPerson]] = {}
    roles: dict[str, set[Role]] = {}  # for each council, why it hears about its people (worked out once each)
    held: list[HeldBack] = []
    persons: list[NotificationPlan] = []
    total = len(roster)
    for done, person in enumerate(roster.values()):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        det = person.determination
        hold = council_hold(person.facts)
        if hold:
            held.append(HeldBack(person_id=person.id, name=person.facts.display_name, reason=hold))
        for ref in recipients(person, ours, authorities):
            if ref.startswith("la:") and (hold or ref == ours.ref):
                continue
            body, role = None, None
            if ref.startswith("la:"):
                body = authorities.get(ref.partition(":")[2])
                role = council_role(ref, person, incident.classification, authorities)
                roles.setdefault(ref, set()).add(role)
            covered.setdefault(ref, []).append(CoveredPerson(
                person_id=person.id, why=_why(ref, person, body, authorities, incident.classification, role),
                recover=det.recover_from == ref))
        # Someone whose care at home was in another council's area is told which council that is: they
        # would otherwise hear from nobody until that council writes (brief rule 5).
        if person_letters and incident.classification in _PERSON_LETTER_FOR \
                and person.facts.status is not PersonStatus.DECEASED and det.basis is not Basis.NONE_YET:
            persons.append(_person_plan(incident, person, now, authorities))

    if progress is not None:
        progress(total, total)
    bodies = [_body_plan(incident, ref, tuple(found), roster, authorities, icbs, now, ours, geography,
                         roles.get(ref, set())) for ref, found in covered.items()]
    if incident.facts.regulated:
        bodies.append(_cqc_plan(incident, now))
    bodies.sort(key=lambda plan: (_KIND_ORDER[plan.kind], plan.recipient_name.lower()))
    persons.sort(key=lambda plan: plan.people[0].person_id)
    return NotificationPlans(bodies=tuple(bodies), persons=tuple(persons), held=tuple(held))


def _body_plan(incident: Incident, ref: str, people: tuple[CoveredPerson, ...], roster: dict[int, Person],
               authorities: AuthorityIndex, icbs: ICBIndex, now: datetime, ours: Authority,
               geography: Geography | None, roles: set[Role]) -> NotificationPlan:
    prefix, _, code = ref.partition(":")
    if prefix == "icb":
        kind, name = K.ICB, _icb_name(icbs, code)
        basis = basis_for(kind, incident.classification,
                          icb_outside_our_area=icb_outside_our_area(code, ours, geography))
    else:
        body = authorities.get(code)
        kind = K.COUNCIL if body is None or body.nation is Nation.ENGLAND else K.CROSS_BORDER
        name = body.name if body else ref
        basis = basis_for(kind, incident.classification, roles, nation=body.nation if body else Nation.ENGLAND)
    ordered = tuple(sorted(people, key=lambda p: _sort_name(roster[p.person_id])))
    identity = [[p.person_id, p.why, p.recover, *_identity(roster[p.person_id])] for p in ordered]
    return NotificationPlan(recipient_ref=ref, recipient_name=name, kind=kind, basis=basis, people=ordered,
                            reply_by=reply_by(kind, now), digest=_digest([kind, name, basis, identity]))


def _cqc_plan(incident: Incident, now: datetime) -> NotificationPlan:
    facts = incident.facts
    basis = basis_for(K.CQC, incident.classification)
    # Numbers only, no names; the notice is about the provider, so only its facts make it out of date.
    about = [facts.provider_name, facts.cqc_provider_id, list(facts.cqc_location_ids), facts.event_key,
             str(facts.event_date), incident.classification.value]
    return NotificationPlan(recipient_ref="cqc", recipient_name="Care Quality Commission", kind=K.CQC, basis=basis,
                            people=(), reply_by=reply_by(K.CQC, now), digest=_digest([K.CQC, basis, about]))


def _person_plan(incident: Incident, person: Person, now: datetime, authorities: AuthorityIndex) -> NotificationPlan:
    name, representative = addressee(person.facts)
    holder = duty_holder(person)
    council = authorities.get(holder.partition(":")[2]) if holder else None
    basis = person_basis(person, incident.classification, council.name if council else "")
    why = "you are their nominee or representative" if representative else "this letter is about you"
    charges = person_charges(person)
    return NotificationPlan(
        recipient_ref=f"person:{person.id}", recipient_name=name, kind=K.PERSON, basis=basis,
        people=(CoveredPerson(person_id=person.id, why=why),), reply_by=reply_by(K.PERSON, now),
        digest=_digest([K.PERSON, name, representative, basis, charges, person.facts.service_address,
                        person.determination.basis.value, *_identity(person)]),
    )


def icb_outside_our_area(icb_code: str, ours: Authority, geography: Geography | None) -> bool | None:
    """Whether no part of the ICB's area is in ours, which is when s.52(9) applies (brief rule 11). None when
    the council-to-ICB table does not cover our council: the letter then states s.52(9) as a condition."""
    if geography is None or not geography.council_icbs(ours.gss_code):
        return None
    return not geography.icb_has_area_in(icb_code, ours.gss_code)


def _identity(person: Person) -> list[str]:
    facts = person.facts
    return [facts.display_name, str(facts.date_of_birth or ""), facts.nhs_number or "", facts.provider_ref]


def _sort_name(person: Person) -> tuple[str, str, int]:
    return person.facts.last_name.lower(), person.facts.first_name.lower(), person.id


def _icb_name(icbs: ICBIndex, code: str) -> str:
    try:
        found: ICB = icbs.resolve(code)
    except LookupError:
        return f"ICB {code}"
    return found.name


def _digest(content: list) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode("utf-8")).hexdigest()


# --- references, deadlines and the life of a notification -----------------------------------------


def reference_for(incident_id: int, recipient_ref: str, version: int) -> str:
    """Stable and unique: INC1-LA-E08000032-v1, INC1-ICB-E54000054-v2, INC1-CQC-v1, INC1-PERSON-12-v1."""
    prefix, _, code = recipient_ref.partition(":")
    middle = f"{prefix.upper()}-{code.upper()}" if code else prefix.upper()
    return f"INC{incident_id}-{middle}-v{version}"


def reply_by(kind: NotificationKind, sent_at: datetime) -> datetime | None:
    """Counted from when the letter went, not when it was generated: a letter printed at 02:00 and
    emailed at 09:00 gives the recipient its whole period (issue 9)."""
    period = REPLY_PERIODS[kind]
    return sent_at + period if period else None


def reply_within(kind: NotificationKind) -> str:
    """The reply period in words, for a letter not yet sent and for the letter itself: '48 hours'."""
    period = REPLY_PERIODS[kind]
    if not period:
        return ""
    hours = int(period.total_seconds() // 3600)
    return f"{hours} hours" if hours % 24 or hours <= 48 else f"{hours // 24} days"


def reply_by_words(notification: Notification, now: datetime) -> str:
    """The reply-by column: a time once sent; before then how long the recipient will have from sending."""
    if notification.status in (S.ACKNOWLEDGED, S.CLOSED) and notification.sent_at is None:
        return "-"
    if notification.sent_at is not None and notification.reply_by is not None:
        return format_local(notification.reply_by, now=now)
    within = reply_within(notification.kind)
    return f"{within.replace(' hours', 'h')} from sending" if within else "-"


def overdue(notification: Notification, now: datetime) -> timedelta | None:
    """How long past its reply-by a sent, unacknowledged notification is; None if it is not overdue."""
    if notification.status not in (S.SENT, S.CHASED) or notification.reply_by is None:
        return None
    late = now - notification.reply_by
    return late if late > timedelta(0) else None


def state_words(notification: Notification, now: datetime) -> str:
    """The state in words, never colour alone: OUT OF DATE, OVERDUE 2h 05m, NOT SENT."""
    words = []
    if notification.out_of_date:
        words.append("OUT OF DATE")
    late = overdue(notification, now)
    if late is not None:
        words.append(f"OVERDUE {format_elapsed(late)}")
    unsent = notification.status in (S.DRAFT, S.GENERATED) or (
        notification.status is S.ACKNOWLEDGED and notification.sent_at is None)
    if unsent and notification.kind is not K.PERSON:
        words.append("NOT SENT")
    return ", ".join(words)


class BadTransition(ValueError):
    pass


def check_send(notification: Notification) -> None:
    if notification.out_of_date:
        raise BadTransition(f"{notification.reference} is out of date: the roster changed after it was generated; "
                            "generate the new version and send that instead")
    if notification.issued_at is None and notification.status in (S.DRAFT, S.ACKNOWLEDGED):
        raise BadTransition(f"{notification.reference} has not been generated yet: generate the letter, check it, "
                            "then mark it sent")
    # A body that answered by phone before we wrote still gets the letter, in writing, for the record.
    replied_first = notification.status is S.ACKNOWLEDGED and notification.sent_at is None
    if notification.status is not S.GENERATED and not replied_first:
        when = f" by {notification.sent_by}" if notification.sent_by else ""
        raise BadTransition(f"{notification.reference} is already {notification.status.value}{when}")


def check_close(notification: Notification) -> None:
    if notification.status is S.CLOSED:
        raise BadTransition(f"{notification.reference} is already closed")


def check_reply(notification: Notification, action: str) -> None:
    """Chasing needs a letter that went out and has not been answered or closed."""
    if notification.status not in (S.SENT, S.CHASED):
        raise BadTransition(f"{notification.reference} is {notification.status.value}: only a sent letter that has "
                            f"not been acknowledged can be {action}")


def check_acknowledge(notification: Notification) -> None:
    """A reply can come before our letter does: a council rings back at 03:00 having heard from the provider.
    That is recorded too; the letter is still generated and sent for the record, and never chased."""
    if notification.status is S.ACKNOWLEDGED:
        raise BadTransition(f"{notification.reference} is already acknowledged"
                            + (f" by {notification.acknowledged_by}" if notification.acknowledged_by else ""))
    if notification.status is S.CLOSED:
        raise BadTransition(f"{notification.reference} is closed: nothing more is expected")


def refusal(check: Callable[[Notification], None], notification: Notification) -> str | None:
    """Why `check` refuses this notification, or None: lets a screen grey out a key and say why."""
    try:
        check(notification)
    except BadTransition as exc:
        return str(exc)
    return None
