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
    "ICB's responsibility, outside the council's duty; the council never invoices for CHC (brief rules 10-11). "
    "s.52(9): an ICB with no part of its area in ours is a relevant partner for co-operation under ss.6-7."
)
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


def basis_for(kind: NotificationKind, classification: Classification) -> str:
    if kind is K.ICB:
        return _ICB
    if kind is K.CQC:
        return _CQC
    if kind is K.PERSON:
        return _PERSON_S19 if classification is C.URGENT_NEED else _PERSON_S48
    situation = _SITUATION[classification]
    if kind is K.CROSS_BORDER:
        lead = _S49 if classification is C.SECTION_48_ACTIVE else situation
        return f"{lead} Disputes: Care Act 2014 Sch 1 para 5 and SI 2014/2843, not SI 2014/2829 (brief rule 20)."
    return situation


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
    else:
        text = ("We do not yet know who pays for the care. Nobody will be charged without being told first, and any "
                "charge from us would cover only what the care costs us (Care Act 2014 s.48(5)).")
    return f"{text} {ADVICE_FREE}"


def addressee(facts: PersonFacts) -> tuple[str, bool]:
    """To the person, or to their nominee when capacity is in doubt (s.52(4)-(6)). (name, is representative)"""
    if facts.capacity_concern and facts.nominee_name.strip():
        return facts.nominee_name.strip(), True
    return facts.display_name, False


# --- why this body is told about this person ------------------------------------------------------


def _why(ref: str, person: Person, body: Authority | None, authorities: AuthorityIndex) -> str:
    facts, det = person.facts, person.determination
    if ref.startswith("icb:"):
        if facts.funding is Funding.NHS_CHC:
            return "NHS Continuing Healthcare: yours to arrange and fund"
        if facts.funding is Funding.S117:
            return "s.117 after-care: a duty you share"
        if facts.funding is Funding.JOINT:
            return "joint package: the NHS share is yours"
        return "NHS-funded nursing care: the nursing is yours; we meet the other needs"
    cross_border = body is not None and body.nation is not Nation.ENGLAND
    if det.basis is Basis.NOT_OUR_DUTY:
        return "the service was carried on in your area"
    if det.recover_from == ref:
        route = "s.49(3)" if cross_border else "s.48(7)"
        if facts.funding is Funding.S117:
            return f"s.117 after-care you arranged; we may recover the cost ({route})"
        if facts.funding is Funding.DIRECT_PAYMENT:
            return f"you pay for the care by direct payments; we may recover the cost ({route})"
        return f"you arranged the care; we may recover the cost ({route})"
    funder = authorities.get(facts.funding_body) if facts.funding_body else None
    if funder is not None and funder.ref == ref:
        return "you arrange or pay for the care"
    home = authorities.get(facts.or_code) if facts.or_code else None
    if home is not None and home.ref == ref:
        status = {ORStatus.DISPUTED: " (disputed)", ORStatus.ASSERTED: " (asserted, not yet accepted)",
                  ORStatus.UNKNOWN: " (not confirmed)"}.get(facts.or_status, "")
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
PROGRESS_EVERY = 250
_KIND_ORDER = {K.COUNCIL: 0, K.CROSS_BORDER: 1, K.ICB: 2, K.CQC: 3, K.PERSON: 4}


def plan_notifications(incident: Incident, people: Iterable[Person], *, ours: Authority,
                       authorities: AuthorityIndex, icbs: ICBIndex, now: datetime,
                       progress: Callable[[int, int], None] | None = None) -> NotificationPlans:
    """One plan per body to tell, each with only that body's people; CQC; a letter per affected person.

    `progress(done, total)` is told every few hundred people (a big roster takes seconds); it may raise
    to stop the planning, which has changed nothing."""
    roster = {person.id: person for person in people}
    covered: dict[str, list[CoveredPerson]] = {}
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
        for ref in det.notify:
            if ref.startswith("la:") and (hold or ref == ours.ref):
                continue
            body = authorities.get(ref.partition(":")[2]) if ref.startswith("la:") else None
            covered.setdefault(ref, []).append(CoveredPerson(
                person_id=person.id, why=_why(ref, person, body, authorities), recover=det.recover_from == ref))
        if incident.classification in _PERSON_LETTER_FOR and person.facts.status is not PersonStatus.DECEASED \
                and det.basis not in (Basis.NOT_OUR_DUTY, Basis.NONE_YET):
            persons.append(_person_plan(incident, person, now))

    if progress is not None:
        progress(total, total)
    bodies = [_body_plan(incident, ref, tuple(found), roster, authorities, icbs, now) for ref, found in covered.items()]
    if incident.facts.regulated:
        bodies.append(_cqc_plan(incident, now))
    bodies.sort(key=lambda plan: (_KIND_ORDER[plan.kind], plan.recipient_name.lower()))
    persons.sort(key=lambda plan: plan.people[0].person_id)
    return NotificationPlans(bodies=tuple(bodies), persons=tuple(persons), held=tuple(held))


def _body_plan(incident: Incident, ref: str, people: tuple[CoveredPerson, ...], roster: dict[int, Person],
               authorities: AuthorityIndex, icbs: ICBIndex, now: datetime) -> NotificationPlan:
    prefix, _, code = ref.partition(":")
    if prefix == "icb":
        kind, name = K.ICB, _icb_name(icbs, code)
    else:
        body = authorities.get(code)
        kind = K.COUNCIL if body is None or body.nation is Nation.ENGLAND else K.CROSS_BORDER
        name = body.name if body else ref
    basis = basis_for(kind, incident.classification)
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


def _person_plan(incident: Incident, person: Person, now: datetime) -> NotificationPlan:
    name, representative = addressee(person.facts)
    basis = basis_for(K.PERSON, incident.classification)
    why = "you are their nominee or representative" if representative else "this letter is about you"
    charges = person_charges(person)
    return NotificationPlan(
        recipient_ref=f"person:{person.id}", recipient_name=name, kind=K.PERSON, basis=basis,
        people=(CoveredPerson(person_id=person.id, why=why),), reply_by=reply_by(K.PERSON, now),
        digest=_digest([K.PERSON, name, representative, basis, charges, person.facts.service_address,
                        person.determination.basis.value, *_identity(person)]),
    )


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
