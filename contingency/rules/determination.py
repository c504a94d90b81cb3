"""Per-person determination: our legal basis, whom to tell, whom to recover from, how to charge.

Pure. Every reason cites the brief's rule number and the statutory section, so a council's
lawyer can check each line against ../shared/domain/care-act-provider-failure.md (rules 5-25,
worked cases in section 12).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contingency.models import Authority, Classification, Nation
from contingency.person import (
    Basis,
    CarerRole,
    ChargeRoute,
    Determination,
    Flag,
    Funding,
    ORStatus,
    PersonFacts,
)
from contingency.rules.authorities import AuthorityIndex

CROSS_BORDER = {
    Funding.WELSH_COUNCIL: Nation.WALES,
    Funding.SCOTTISH_COUNCIL: Nation.SCOTLAND,
    Funding.NI_TRUST: Nation.NORTHERN_IRELAND,
}


@dataclass
class _Draft:
    basis: Basis
    notify: list[str] = field(default_factory=list)
    recover_from: str | None = None
    charge_route: ChargeRoute | None = None
    flags: list[Flag] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def tell(self, ref: str | None) -> None:
        if ref and ref not in self.notify:
            self.notify.append(ref)

    def flag(self, flag: Flag) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    def done(self) -> Determination:
        return Determination(basis=self.basis, notify=tuple(self.notify), recover_from=self.recover_from,
                             charge_route=self.charge_route, flags=tuple(self.flags), reasons=tuple(self.reasons))


def determine(facts: PersonFacts, *, classification: Classification, area: Authority | None,
              ours: Authority, authorities: AuthorityIndex, duplicate_suspected: bool = False) -> Determination:
    body = authorities.get(facts.funding_body) if facts.funding_body else None
    home = authorities.get(facts.or_code) if facts.or_code else None
    icb_ref = f"icb:{facts.icb_code}" if facts.icb_code else None

    if classification is Classification.NOT_OUR_DUTY:
        draft = _placed_elsewhere(area) if _is_ours(facts, body, ours) else _not_our_duty(area)
    elif classification in (Classification.MONITORING, Classification.WARNING):
        draft = _none_yet(classification, facts, body, ours)
    elif classification is Classification.URGENT_NEED:
        draft = _urgent(facts, body, ours, icb_ref)
    else:
        draft = _section_48(facts, body, ours, icb_ref)

    if draft.basis not in (Basis.NOT_OUR_DUTY, Basis.NONE_YET):
        _ordinary_residence(draft, facts, home, body, ours)
        _fnc(draft, facts, icb_ref)
        _carer(draft, facts)
    _welfare_flags(draft, facts, duplicate_suspected)
    return draft.done()


# --- by classification ------------------------------------------------------------------------------


def _not_our_duty(area: Authority | None) -> _Draft:
    where = area.name if area else "another authority's area"
    draft = _Draft(Basis.NOT_OUR_DUTY)
    draft.tell(area.ref if area else None)
    draft.reasons.append(
        f"Not our duty: the service was carried on in {where}, which holds any s.48 duty "
        "(Care Act 2014 s.48(2); brief rule 5). Track the person and tell that council."
    )
    return draft


def _placed_elsewhere(area: Authority | None) -> _Draft:
    """Our own client in a service that failed in another area: still ours (brief rule 21, case 15)."""
    where = area.name if area else "another area"
    draft = _Draft(Basis.EXISTING_S18, charge_route=ChargeRoute.S14)
    draft.tell(area.ref if area else None)
    if area is not None and area.nation is Nation.WALES:
        draft.reasons.append(
            f"Our client, placed in {where}: the Welsh council meets the needs under Care Act 2014 s.50 and may "
            "claim its costs from us; we co-operate and stay responsible (Sch 1 para 1; brief rule 21, "
            "worked case 15)."
        )
    else:
        draft.reasons.append(
            f"Our client, placed in {where}: that council holds the duty where the service failed; our existing "
            "duty to this person continues, so we co-operate and arrange their care with them "
            "(Care Act 2014 ss.18-20, s.48(7) [verify]; brief rules 5 and 21). Expect their claim for costs."
        )
    return draft


def _none_yet(classification: Classification, facts: PersonFacts, body: Authority | None,
              ours: Authority) -> _Draft:
    draft = _Draft(Basis.NONE_YET)
    if classification is Classification.WARNING:
        draft.reasons.append(
            "No duty yet: a CQC s.56 notice is a warning; plan capacity and tell the authorities that "
            "placed this person (Care Act 2014 s.56; brief rule 23)."
        )
        if body and body.code != ours.code:
            draft.tell(body.ref)
    else:
        draft.reasons.append(
            "No duty yet: the incident is being monitored; s.48 starts only when the provider cannot "
            "carry on because of a business failure (s.48(1); brief rules 1 and 4)."
        )
    return draft


def _urgent(facts: PersonFacts, body: Authority | None, ours: Authority, icb_ref: str | None) -> _Draft:
    if facts.funding is Funding.NHS_CHC:
        return _chc(icb_ref)
    if facts.funding is Funding.S117:
        draft = _Draft(Basis.EXISTING_S18 if body and body.code == ours.code else Basis.URGENT_S19)
        draft.tell(icb_ref)
        if body and body.code != ours.code:
            draft.tell(body.ref)
        draft.reasons.append(
            "s.117 after-care: the s.117 authority and the ICB keep their duty; we act on urgent needs "
            "meanwhile (Care Act 2014 s.19(3); brief rule 25) and tell them. s.117 after-care is free: no "
            "charge to the person (Mental Health Act 1983 s.117)."
        )
        return draft
    if _is_ours(facts, body, ours):
        draft = _Draft(Basis.EXISTING_S18, charge_route=ChargeRoute.S14)
        draft.reasons.append(
            "Existing duty: we already meet this person's needs, so we re-arrange their care under "
            "their current plan (Care Act 2014 ss.18-20; brief rule 25), charging under s.14."
        )
        return draft
    draft = _Draft(Basis.URGENT_S19, charge_route=ChargeRoute.S14)
    draft.reasons.append(
        "Urgent-need power: we may meet needs that appear urgent without an assessment, wherever the "
        "person is ordinarily resident (Care Act 2014 s.19(3); brief rule 25). Charging follows s.14."
    )
    if body and body.code != ours.code:
        draft.tell(body.ref)
        draft.reasons.append(
            f"{body.name} arranged or pays for the care and keeps its own duty: tell them now. There is "
            "no general right to recover the cost of urgent help; agree it or use s.41 (brief section 4)."
        )
    return draft


def _section_48(facts: PersonFacts, body: Authority | None, ours: Authority, icb_ref: str | None) -> _Draft:
    funding = facts.funding
    if funding is Funding.NHS_CHC:
        return _chc(icb_ref)

    if funding is Funding.S117:
        return _s117(facts, body, ours, icb_ref)

    if _is_ours(facts, body, ours):
        draft = _Draft(Basis.EXISTING_S18, charge_route=ChargeRoute.S14)
        draft.reasons.append(
            "Existing duty: we already meet these needs, so our s.18/s.20 duty continues rather than "
            "s.48, which applies only 'in so far as' we are not already required to act "
            "(Care Act 2014 s.48(2); Explanatory Notes para 304; brief rule 10). Still tracked. "
            "Charging stays under s.14."
        )
        if funding is Funding.JOINT:
            draft.tell(icb_ref)
            draft.reasons.append("Joint package: tell the ICB about the NHS share (s.22; brief rule 11).")
        return draft

    if funding in CROSS_BORDER or (body and body.nation is not Nation.ENGLAND and funding in (
            Funding.DIRECT_PAYMENT, Funding.JOINT, Funding.OTHER_ENGLISH_COUNCIL)):
        return _cross_border(facts, body)

    if funding in (Funding.OTHER_ENGLISH_COUNCIL, Funding.DIRECT_PAYMENT, Funding.JOINT):
        return _other_english(facts, body, icb_ref)

    draft = _Draft(Basis.S48)
    draft.reasons.append(
        "Section 48: we must meet the needs the provider was meeting, whoever pays and wherever the "
        "person is ordinarily resident (Care Act 2014 s.48(2)-(3); brief rules 8 and 10)."
    )
    if funding is Funding.UNKNOWN:
        draft.flag(Flag.FUNDING_UNKNOWN)
        draft.reasons.append(
            "Funding is not known: find out who arranged or paid for the care before deciding on "
            "recovery or charges. Care is not delayed for it (s.48(4); brief rule 9)."
        )
    else:
        draft.charge_route = ChargeRoute.S48_5
        draft.reasons.append(
            "The person may be charged, but only the cost we incur and never for information or advice "
            "(Care Act 2014 s.48(5); brief rule 16). Whether the charge is means-tested is local "
            "policy [verify]."
        )
    return draft


def _chc(icb_ref: str | None) -> _Draft:
    draft = _Draft(Basis.NHS_ICB)
    draft.tell(icb_ref)
    draft.reasons.append(
        "NHS Continuing Healthcare: the ICB is responsible, outside our s.48 duty; we never invoice "
        "for this person. Record them and tell the ICB (Care Act 2014 s.22; brief rules 10-11). "
        "If the ICB has no part of its area in ours, cite s.52(9) when asking it to co-operate."
    )
    if not icb_ref:
        draft.flag(Flag.AUTHORITY_UNRESOLVED)
        draft.reasons.append("The ICB is not recorded: find it (usually from the GP practice) so it can be told.")
    return draft


def _s117(facts: PersonFacts, body: Authority | None, ours: Authority, icb_ref: str | None) -> _Draft:
    draft = _Draft(Basis.EXISTING_S18 if body and body.code == ours.code else Basis.S48)
    draft.tell(icb_ref)
    if draft.basis is Basis.EXISTING_S18:
        draft.reasons.append(
            "s.117 after-care that we provide: our existing duty continues (Mental Health Act 1983 s.117; "
            "brief worked case 20 [inference]). Tell the ICB, which shares the duty."
        )
    else:
        draft.reasons.append(
            "s.117 after-care resident: within s.48 [inference] (brief worked case 20). Tell the s.117 "
            "authority and the ICB."
        )
        if body:
            draft.tell(body.ref)
            draft.recover_from = body.ref
            draft.reasons.append(
                f"{body.name} arranged the after-care, so we may recover the cost from it "
                "(Care Act 2014 s.48(7) [verify numbering]; brief rules 17-18)."
            )
        else:
            draft.flag(Flag.AUTHORITY_UNRESOLVED)
            draft.reasons.append("The s.117 authority is not recorded: find it so it can be told.")
    draft.reasons.append("s.117 after-care is free: no charge to the person (Mental Health Act 1983 s.117).")
    return draft


def _cross_border(facts: PersonFacts, body: Authority | None) -> _Draft:
    draft = _Draft(Basis.S48_S49, charge_route=ChargeRoute.S49_3D)
    nation = body.nation.value if body else CROSS_BORDER.get(facts.funding, Nation.WALES).value
    draft.reasons.append(
        f"Section 48 with section 49: a body in {nation} arranged or paid for the care. We meet the "
        "needs now, co-operate with that body and may recover from it the cost of the needs it "
        "arranged or funded (Care Act 2014 s.49(3) [verify]; brief rule 10)."
    )
    draft.reasons.append(
        "The person may be charged only for needs the cross-border body did not arrange or fund; the "
        "s.48(5) route does not apply (s.49(3)(d); brief rule 17). Disputes go to Care Act 2014 Sch 1 "
        "para 5 and SI 2014/2843, not SI 2014/2829 (brief rule 20)."
    )
    if body:
        draft.tell(body.ref)
        draft.recover_from = body.ref
    else:
        draft.flag(Flag.AUTHORITY_UNRESOLVED)
        draft.reasons.append("The cross-border body is not recorded: find it before notifying or claiming.")
    return draft


def _other_english(facts: PersonFacts, body: Authority | None, icb_ref: str | None) -> _Draft:
    draft = _Draft(Basis.S48)
    how = "paid for it by direct payments" if facts.funding is Funding.DIRECT_PAYMENT else "arranged the care"
    if body:
        draft.tell(body.ref)
        draft.recover_from = body.ref
        draft.reasons.append(
            f"Section 48: {body.name} {how}. We meet the needs, co-operate with {body.nice_name} and may "
            "recover the cost of meeting those needs from it; we make the final decision on how needs "
            "are met (Care Act 2014 s.48(7) [verify numbering]; brief rules 17-19)."
        )
        draft.reasons.append(
            f"No s.48(5) charge: the cost is recovered from {body.nice_name}, which charges the person "
            "under its own arrangements (brief rule 18)."
        )
    else:
        draft.flag(Flag.AUTHORITY_UNRESOLVED)
        draft.reasons.append(
            f"Section 48: another council {how}, but which one is not recorded. Find it before "
            "notifying or recovering costs (brief rules 18-19)."
        )
    if facts.funding is Funding.JOINT:
        draft.tell(icb_ref)
        draft.reasons.append("Joint package: tell the ICB about the NHS share (s.22; brief rule 11).")
    return draft


# --- cross-cutting ----------------------------------------------------------------------------------


def _is_ours(facts: PersonFacts, body: Authority | None, ours: Authority) -> bool:
    if facts.funding is Funding.OWN_COUNCIL:
        return True
    return facts.funding in (Funding.DIRECT_PAYMENT, Funding.JOINT) and body is not None and body.code == ours.code


def _ordinary_residence(draft: _Draft, facts: PersonFacts, home: Authority | None, body: Authority | None,
                        ours: Authority) -> None:
    if facts.or_status is ORStatus.DISPUTED:
        draft.flag(Flag.OR_DISPUTED)
        draft.reasons.append(
            "Ordinary residence is disputed: care continues while it is resolved; the council meeting "
            "the needs leads, and it is referred to the Secretary of State if unresolved after 4 months "
            "(SI 2014/2829; brief rule 22)."
        )
    if home is None:
        if facts.or_code:
            draft.flag(Flag.AUTHORITY_UNRESOLVED)
        if facts.or_status is not ORStatus.DISPUTED and draft.basis is not Basis.NHS_ICB:
            draft.flag(Flag.OR_UNKNOWN)
            draft.reasons.append(
                "Ordinary residence is unknown: it does not hold up care (s.48(3); brief rule 8); "
                "establish it for notifications and any recovery (guidance ch.19)."
            )
        return
    if home.code == ours.code or draft.basis is Basis.NHS_ICB:
        return
    if body is None or body.code != home.code:
        draft.tell(home.ref)
        draft.reasons.append(
            f"Ordinarily resident in {home.name}: tell them and co-operate (brief rule 19)."
        )
        if draft.recover_from is None and draft.basis in (Basis.S48, Basis.URGENT_S19):
            draft.flag(Flag.OR_ELSEWHERE)
            draft.reasons.append(
                f"Residence in {home.nice_name} alone gives no right to recover costs under s.48: "
                "agree it or use s.41 (brief rule 18)."
            )


def _fnc(draft: _Draft, facts: PersonFacts, icb_ref: str | None) -> None:
    if not (facts.fnc or facts.funding is Funding.FNC) or draft.basis is Basis.NHS_ICB:
        return
    draft.tell(icb_ref)
    draft.flag(Flag.FNC_ICB_CONSENT)
    draft.reasons.append(
        "FNC: only the nursing is the ICB's; we meet the other needs. Any nursing we arrange urgently "
        "is temporary, with the ICB's consent sought as soon as feasible (Care Act 2014 s.22(4)(b), "
        "(5); brief rules 11-12)."
    )
    if not icb_ref:
        draft.flag(Flag.AUTHORITY_UNRESOLVED)


def _carer(draft: _Draft, facts: PersonFacts) -> None:
    if facts.carer_role is CarerRole.CARER:
        draft.reasons.append(
            "A carer's support needs were being met: involve the carer and their nominee in how they "
            "are met now (Care Act 2014 s.52(5); brief worked case 17)."
        )


def _welfare_flags(draft: _Draft, facts: PersonFacts, duplicate_suspected: bool) -> None:
    if facts.capacity_concern and not facts.nominee_name.strip():
        draft.flag(Flag.IMCA_NEEDED)
        draft.reasons.append(
            "Capacity is in doubt and nobody appropriate is recorded to consult: a move of "
            "accommodation needs an IMCA (Mental Capacity Act 2005 ss.38-39; brief rule 15)."
        )
    if facts.immigration_question:
        draft.flag(Flag.S21_IMMIGRATION)
        draft.reasons.append(
            "Possible s.21 exclusion (needs arising only from destitution, person subject to immigration "
            "control): a manager must decide; it is never applied automatically (s.52(7); brief rule 24)."
        )
    if facts.housing_question:
        draft.flag(Flag.S23_HOUSING)
        draft.reasons.append(
            "Possible s.23 exclusion (something a housing authority must do): a manager must decide "
            "(s.52(7); brief rule 24)."
        )
    if duplicate_suspected:
        draft.flag(Flag.DUPLICATE_SUSPECTED)
        draft.reasons.append("Another person on this roster has the same name and date of birth: check and merge.")
    for issue in facts.issues:
        draft.flag(issue.kind)
    if facts.rag is None and draft.basis is not Basis.NOT_OUR_DUTY:
        draft.flag(Flag.NO_RAG)
