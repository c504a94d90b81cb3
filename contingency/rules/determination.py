"""Per-person determination: our legal basis, whom to tell, whom to recover from, how to charge.

Pure. Every reason cites the brief's rule number and the statutory section, so a council's
lawyer can check each line against ../shared/domain/care-act-provider-failure.md (rules 5-25,
worked cases in section 12).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contingency.models import Authority, Classification, Nation, ServiceKind
from contingency.person import (
    Basis,
    CarerRole,
    ChargeRoute,
    Determination,
    Flag,
    Funding,
    ORStatus,
    PersonFacts,
    PersonStatus,
)
from contingency.rules.authorities import AuthorityIndex
from contingency.rules.classification import FOREIGN_DUTY
from contingency.rules.geography import (
    ACCOMMODATION_WITH_CARE,
    DELIVERED_AT_HOME,
    CouncilICB,
    Found,
    Geography,
    Residence,
    where_they_live,
)

C = Classification

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
              ours: Authority, authorities: AuthorityIndex, duplicate_suspected: bool = False,
              trigger: Classification | None = None, service_kind: ServiceKind | None = None,
              geography: Geography | None = None) -> Determination:
    """`trigger` is what the trigger rules alone give (classification.trigger); without it a NOT_OUR_DUTY
    incident is taken to be a business failure elsewhere. `service_kind` is the incident's, for a person whose
    own is not recorded. `geography` lets the home address decide the duty for care at home and gives a
    likely ICB; without it the incident's area decides, as for a care home."""
    body = authorities.get(facts.funding_body) if facts.funding_body else None
    home = authorities.get(facts.or_code) if facts.or_code else None
    found = trigger or (C.SECTION_48_ACTIVE if classification is C.NOT_OUR_DUTY else classification)
    kind = facts.service_kind or service_kind

    # Rule 5 after the trigger rules: where the care was given decides whose duty it is, and only once
    # there is a duty or a power to act (brief rules 4, 5, 23, 25).
    residence = None
    if kind in DELIVERED_AT_HOME and geography is not None and found in (C.SECTION_48_ACTIVE, C.URGENT_NEED):
        residence = where_they_live(facts.home_postcode, facts.home_council_code, geography, authorities)
    if residence is not None and residence.authority is not None:
        place: Authority | None = residence.authority
        elsewhere = place.code != ours.code
    else:
        elsewhere = classification is C.NOT_OUR_DUTY
        place = area if elsewhere else (area or ours)
    # The council whose area they live in, for a likely ICB: the home's council for a care home.
    lives_in = residence.authority if residence is not None else (None if kind in DELIVERED_AT_HOME else place)

    icb_ref = f"icb:{facts.icb_code}" if facts.icb_code else None
    assumed = None
    if icb_ref is None and geography is not None and lives_in is not None and \
            (facts.funding in (Funding.NHS_CHC, Funding.FNC) or facts.fnc):
        assumed = geography.main_icb(lives_in.gss_code)
        icb_ref = assumed.ref if assumed else None
    out_of_area = (not geography.icb_has_area_in(icb_ref, ours.gss_code)
                   if geography is not None and len(geography) and icb_ref else None)

    if found in (C.MONITORING, C.WARNING):
        draft = _none_yet(found, facts, body, ours)
        if classification is C.NOT_OUR_DUTY:
            _none_yet_elsewhere(draft, area)
    elif elsewhere:
        lives_there = residence is not None and residence.authority is not None
        if _is_ours(facts, body, ours):
            draft = _placed_elsewhere(place, found, lives_there=lives_there)
        else:
            draft = _not_our_duty(place, found, lives_there=lives_there)
    elif facts.funding is Funding.NHS_CHC:
        draft = _chc(icb_ref, out_of_area)
    elif found is C.URGENT_NEED:
        draft = _urgent(facts, body, ours, icb_ref)
    else:
        draft = _section_48(facts, body, ours, icb_ref)

    if draft.basis not in (Basis.NOT_OUR_DUTY, Basis.NONE_YET):
        _ordinary_residence(draft, facts, home, body, ours)
        _fnc(draft, facts, icb_ref)
        _icb_assumed(draft, assumed, lives_in)
        _carer(draft, facts)
    if residence is not None:
        _where_they_live(draft, facts, residence, ours)
    _welfare_flags(draft, facts, duplicate_suspected, kind)
    return draft.done()


# --- by classification ------------------------------------------------------------------------------


def _not_our_duty(area: Authority | None, found: Classification = C.SECTION_48_ACTIVE, *,
                  lives_there: bool = False) -> _Draft:
    where = area.name if area else "another authority's area"
    draft = _Draft(Basis.NOT_OUR_DUTY)
    draft.tell(area.ref if area else None)
    if found is C.URGENT_NEED:
        draft.reasons.append(
            f"Not ours: the service in {where} stopped without a business failure, so nobody holds a "
            f"section 48 duty; {where} may meet urgent needs there and whoever arranges the care keeps its "
            "duty (Care Act 2014 s.19(3); brief rules 5 and 25). Track the person and tell that council."
        )
    elif lives_there and area is not None and area.nation in FOREIGN_DUTY:
        draft.reasons.append(
            f"Not our duty: the person lives in {where} ({area.nation.value}), where the care was delivered; "
            f"the duty there falls under {FOREIGN_DUTY[area.nation]} (brief rules 5 and 21, worked case 3). "
            "Tell that council."
        )
    elif lives_there:
        draft.reasons.append(
            f"Not our duty: the person lives in {where}, where the care was delivered, so {where} holds the "
            "s.48 duty whatever the provider's office address (Care Act 2014 s.48(2); brief rule 5, worked "
            "case 3). Tell that council the duty is theirs."
        )
    else:
        draft.reasons.append(
            f"Not our duty: the service was carried on in {where}, which holds any s.48 duty "
            "(Care Act 2014 s.48(2); brief rule 5). Track the person and tell that council."
        )
    if lives_there and found is not C.URGENT_NEED:
        draft.reasons.append(
            "No s.48(5) charge and no recovery by us: the duty, and any charge for meeting it, is theirs "
            "(brief rules 5 and 16)."
        )
    return draft


def _placed_elsewhere(area: Authority | None, found: Classification = C.SECTION_48_ACTIVE, *,
                      lives_there: bool = False) -> _Draft:
    """Our own client in a service that failed in another area: still ours (brief rules 10 and 21, case 15)."""
    where = area.name if area else "another area"
    draft = _Draft(Basis.EXISTING_S18, charge_route=ChargeRoute.S14)
    draft.tell(area.ref if area else None)
    there = "living in" if lives_there else "placed in"
    if found is C.URGENT_NEED:
        draft.reasons.append(
            f"Our client, {there} {where}: the service stopped without a business failure, so there is no "
            "s.48 duty; our existing duty continues and we re-arrange their care, telling that council "
            "(Care Act 2014 ss.18-20; brief rules 10 and 25). Charging stays under s.14."
        )
    elif area is not None and area.nation is Nation.WALES:
        draft.reasons.append(
            f"Our client, {there} {where}: the Welsh council meets the needs under Care Act 2014 s.50 and may "
            "claim its costs from us; we co-operate and stay responsible (Sch 1 para 1; brief rule 21, "
            "worked case 15)."
        )
    elif lives_there:
        draft.reasons.append(
            f"Our client, living in {where}, where the care was delivered: {where} holds the s.48 duty there, "
            "but we already meet this person's needs, so our existing duty continues and we co-operate with "
            f"{where} (Care Act 2014 s.48(2), ss.18-20; brief rules 5 and 10, worked case 3). Charging stays "
            "under s.14."
        )
    else:
        draft.reasons.append(
            f"Our client, placed in {where}: that council holds the duty where the service failed; our existing "
            "duty to this person continues, so we co-operate and arrange their care with them "
            "(Care Act 2014 ss.18-20, s.48(7) [verify]; brief rules 5 and 21). Expect their claim for costs."
        )
    return draft


def _none_yet_elsewhere(draft: _Draft, area: Authority | None) -> None:
    where = area.name if area else "another council's area"
    draft.reasons.append(
        f"The service is carried on in {where}: if the provider fails, that council holds the duty for people "
        "there, and our existing duty to our own clients continues (brief rules 5 and 10)."
    )


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


def _chc(icb_ref: str | None, out_of_area: bool | None = None) -> _Draft:
    draft = _Draft(Basis.NHS_ICB)
    draft.tell(icb_ref)
    draft.reasons.append(
        "NHS Continuing Healthcare: the ICB is responsible, outside our s.48 duty; we never invoice "
        "for this person. Record them and tell the ICB (Care Act 2014 s.22; brief rules 10-11)."
    )
    # s.52(9) makes an ICB with no part of its area in ours a relevant partner (brief section 2, rule 11).
    if out_of_area is True:
        draft.reasons.append("The ICB has no part of its area in ours: cite s.52(9) when asking it to "
                             "co-operate (Care Act 2014 ss.6-7; brief rule 11).")
    elif out_of_area is False:
        draft.reasons.append("The ICB has part of its area in ours, so it is already a relevant partner: ask it "
                             "to co-operate under Care Act 2014 ss.6-7, without s.52(9) (brief rule 11).")
    else:
        draft.reasons.append("If the ICB has no part of its area in ours, cite s.52(9) when asking it to "
                             "co-operate (brief rule 11).")
    if not icb_ref:
        draft.flag(Flag.AUTHORITY_UNRESOLVED)
        draft.reasons.append("The ICB is not recorded: find it (usually from the GP practice) so it can be told.")
    return draft


# Case 20 puts s.117 after-care in s.48 scope only by inference; where a Welsh, Scottish or NI body arranged
# it, s.49 replaces s.48(7) for recovery, as for any cross-border placement (rule 10) [verify].
S117_CROSS_BORDER = (
    "s.117 after-care arranged by a body in {nation}: section 48 with section 49. We meet the needs, "
    "co-operate with {name} and may recover from it the cost of the after-care it arranged (Care Act 2014 "
    "s.49(3) [verify]; brief rules 10 and 20, worked case 20 [inference]). Disputes go to Sch 1 para 5 and "
    "SI 2014/2843."
)


def _s117(facts: PersonFacts, body: Authority | None, ours: Authority, icb_ref: str | None) -> _Draft:
    if body is not None and body.nation is not Nation.ENGLAND:
        draft = _Draft(Basis.S48_S49)
        draft.tell(icb_ref)
        draft.tell(body.ref)
        draft.recover_from = body.ref
        draft.reasons.append(S117_CROSS_BORDER.format(nation=body.nation.value, name=body.name))
        draft.reasons.append("s.117 after-care is free: no charge to the person (Mental Health Act 1983 s.117).")
        return draft
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
    if home.code == ours.code:
        return
    if draft.basis is Basis.NHS_ICB:
        # Rule 19 is unconditional: the home council hears about a CHC person too, who stays outside our duty.
        draft.tell(home.ref)
        draft.reasons.append(
            f"Ordinarily resident in {home.name}: tell them (brief rule 19). NHS Continuing Healthcare keeps "
            "the person outside our duty, so there is nothing to recover or agree (brief rules 10-11)."
        )
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
    if draft.basis is Basis.NHS_ICB:
        return
    if not (facts.fnc or facts.funding is Funding.FNC):
        if facts.nursing_arranged_urgently:
            # Recorded but not acted on: say so rather than drop it silently (brief rule 24's spirit).
            draft.reasons.append(
                "Nursing we arranged urgently is recorded, but not FNC: if the ICB funds their nursing, record FNC "
                "so the consent task follows (Care Act 2014 s.22(4)(b), (5); brief rule 12)."
            )
        return
    draft.tell(icb_ref)
    draft.reasons.append(
        "FNC: only the nursing is the ICB's; we meet the other needs (Care Act 2014 s.22; brief rules 11-12)."
    )
    # Rule 12: the consent task is owed only where WE arranged the nursing urgently. An FNC person whose
    # nursing the home or the ICB still provides needs no consent from us, so no flag (and no task) for them.
    if facts.nursing_arranged_urgently:
        draft.flag(Flag.FNC_ICB_CONSENT)
        draft.reasons.append(
            "We arranged registered nursing urgently: temporary; ICB consent to be sought as soon as feasible "
            "(Care Act 2014 s.22(4)(b), (5); brief rule 12)."
        )
    else:
        draft.reasons.append(
            "If we arrange nursing for them urgently, record it: it may only be temporary, with the ICB's "
            "consent sought as soon as feasible (Care Act 2014 s.22(4)(b), (5); brief rule 12)."
        )
    if not icb_ref:
        draft.flag(Flag.AUTHORITY_UNRESOLVED)


def _icb_assumed(draft: _Draft, assumed: CouncilICB | None, lives_in: Authority | None) -> None:
    if assumed is None or assumed.ref not in draft.notify:
        return
    draft.flag(Flag.ICB_ASSUMED)
    where = lives_in.name if lives_in else "the council where they live"
    share = "" if assumed.share >= 1 else f" ({assumed.share:.0%} of its residents)"
    draft.reasons.append(
        f"ICB assumed from address: {assumed.icb_name} covers {where}{share}. A person's ICB follows their GP "
        "practice, so confirm it from the practice before relying on it; the ICB is told meanwhile "
        "(brief rules 11-12)."
    )


def _where_they_live(draft: _Draft, facts: PersonFacts, residence: Residence, ours: Authority) -> None:
    """Care at home: whose area the person lives in decides the duty (brief rule 5, worked case 3)."""
    name = facts.display_name
    if residence.found is Found.SPLIT:
        draft.flag(Flag.HOME_AREA_LIKELY)
        rest = ", ".join(f"{n} ({share:.0%})" for n, share in residence.others)
        draft.reasons.append(
            f"Likely {residence.likely()}; confirm the address: the postcode sector {residence.sector} is split "
            f"with {rest}, and where the care was delivered decides whose duty it is (brief rule 5, worked "
            "case 3)."
        )
    elif residence.found is Found.SECTOR and residence.authority is not None:
        whose = "our area" if residence.authority.code == ours.code else residence.authority.name
        draft.reasons.append(
            f"{name} lives in {whose} (postcode sector {residence.sector}), where the care was delivered; "
            "that decides whose duty it is (brief rule 5, worked case 3)."
        )
    elif residence.found is Found.NAMED and residence.authority is not None:
        draft.reasons.append(
            f"{name} lives in {residence.authority.name} as the provider's list says; there is no postcode to "
            "check it against (brief rule 5, worked case 3)."
        )
    else:
        draft.flag(Flag.HOME_AREA_UNKNOWN)
        why = {
            Found.NORTHERN_IRELAND: f"the postcode {residence.postcode} is in Northern Ireland, which the "
                                    "postcode data does not cover: ask which HSC trust's area it is",
            Found.UNKNOWN_POSTCODE: f"the postcode {residence.postcode!r} is not a known Great Britain postcode",
            Found.MISSING: "no home postcode is recorded",
        }[residence.found]
        draft.reasons.append(
            f"Where {name} lives is not known: {why}. For care at home the council where the care was "
            "delivered holds the duty, so ask; meanwhile the incident's area is used (brief rule 5, worked "
            "case 3)."
        )


def _carer(draft: _Draft, facts: PersonFacts) -> None:
    if facts.carer_role is CarerRole.CARER:
        draft.reasons.append(
            "A carer's support needs were being met: involve the carer and their nominee in how they "
            "are met now (Care Act 2014 s.52(5); brief worked case 17)."
        )


def _welfare_flags(draft: _Draft, facts: PersonFacts, duplicate_suspected: bool,
                   kind: ServiceKind | None = None) -> None:
    # Rule 15 is about a move of accommodation: care at home keeps the person's home (worked case 13), and a
    # kind not recorded cannot rule a move out.
    move = facts.status is PersonStatus.MOVED or kind is None or kind in ACCOMMODATION_WITH_CARE
    if facts.advocate_needed:
        draft.flag(Flag.IMCA_NEEDED)
        draft.reasons.append(
            "An advocate or IMCA is recorded as needed: instruct one before any move, and involve them in how "
            "needs are met (Mental Capacity Act 2005 ss.38-39; Care Act 2014 s.52(4)-(6); brief rules 14-15)."
        )
    elif move and facts.capacity_concern and not facts.nominee_name.strip():
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
