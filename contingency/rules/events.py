"""The trigger catalogue: what can start an incident, as data with its citation.

A council's lawyer should be able to review this file on its own. Keys are stable: they are
stored in incidents and used on the command line.

Business-failure events are SI 2015/301 reg 2(2)(a)-(j) (not an individual) and reg 2(3)(a)-(b)
(an individual). Everything else here is listed so that an officer can record what happened and
be told plainly that it is *not* a business failure (brief section 3, rules 2-3).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    BUSINESS_FAILURE = "business-failure"  # SI 2015/301 reg 2
    NOT_BUSINESS_FAILURE = "not-business-failure"  # listed by the brief as not an event
    INTERRUPTION = "interruption"  # a service stops with no business failure
    WARNING = "warning"  # CQC s.56 notice
    CONCERN = "concern"  # worries, but no event yet


@dataclass(frozen=True)
class TriggerEvent:
    key: str
    title: str
    citation: str
    kind: EventKind
    note: str = ""

    @property
    def business_failure(self) -> bool:
        return self.kind is EventKind.BUSINESS_FAILURE


BF = EventKind.BUSINESS_FAILURE
NOT = EventKind.NOT_BUSINESS_FAILURE

EVENTS: tuple[TriggerEvent, ...] = (
    # --- reg 2(2): a provider that is not an individual (company, LLP, partnership, charity)
    TriggerEvent("administration", "Appointment of an administrator takes effect",
                 "SI 2015/301 reg 2(2)(a)", BF, "Insolvency Act 1986 Sch B1 (or NI equivalent)."),
    TriggerEvent("receiver", "A receiver is appointed", "SI 2015/301 reg 2(2)(b)", BF),
    TriggerEvent("administrative-receiver", "An administrative receiver is appointed",
                 "SI 2015/301 reg 2(2)(c)", BF, "Insolvency Act 1986 s.251 / NI art 5."),
    TriggerEvent("creditors-voluntary-winding-up",
                 "A voluntary winding-up resolution is passed (not a members' voluntary winding up)",
                 "SI 2015/301 reg 2(2)(d)", BF),
    TriggerEvent("winding-up-order", "A winding-up order is made", "SI 2015/301 reg 2(2)(e)", BF),
    TriggerEvent("insolvent-partnership-order",
                 "An order under art 11 of the Insolvent Partnerships Order 1994",
                 "SI 2015/301 reg 2(2)(f)", BF, "Joint bankruptcy petition of the partners."),
    TriggerEvent("insolvent-partnership-order-ni",
                 "An order under the Insolvent Partnerships Order (NI) 1995",
                 "SI 2015/301 reg 2(2)(g)", BF),
    TriggerEvent("charity-trustees-unable-to-pay",
                 "Charity trustees become unable to pay their debts as they fall due",
                 "SI 2015/301 reg 2(2)(h)", BF,
                 "Unincorporated charities; the test in reg 2(4)-(5) [verify the relevant amount]."),
    TriggerEvent("partners-bankrupt", "Every member of the partnership is adjudged bankrupt",
                 "SI 2015/301 reg 2(2)(i)", BF),
    TriggerEvent("voluntary-arrangement-approved",
                 "A company or partnership voluntary arrangement has been approved",
                 "SI 2015/301 reg 2(2)(j)", BF, "Approved, not merely proposed."),
    # --- reg 2(3): a provider who is an individual
    TriggerEvent("individual-bankrupt", "The individual provider is adjudged bankrupt",
                 "SI 2015/301 reg 2(3)(a)", BF),
    TriggerEvent("individual-voluntary-arrangement",
                 "An individual voluntary arrangement is proposed by or entered into",
                 "SI 2015/301 reg 2(3)(b)", BF,
                 "Debt relief orders appear only in the Welsh equivalent [verify]."),
    # --- listed as NOT business failure (brief section 3, rules 2-3)
    TriggerEvent("members-voluntary-winding-up", "Members' voluntary winding up (solvent)",
                 "SI 2015/301 reg 2(2)(d) exception", NOT,
                 "A solvent winding up with a statutory declaration (IA 1986 s.89) is excluded."),
    TriggerEvent("cva-proposed-not-approved", "Voluntary arrangement proposed but not approved",
                 "SI 2015/301 reg 2(2)(j)", NOT, "Only an approved arrangement is an event."),
    TriggerEvent("holding-company-insolvency",
                 "Insolvency of a parent or holding company only (the registered provider trades on)",
                 "SI 2015/301 reg 2; brief rule 3", NOT,
                 "The event must concern the registered provider itself (Four Seasons, 2019)."),
    TriggerEvent("sole-trader-death", "Death of a sole-trader provider",
                 "SI 2015/301 reg 2(3); SI 2009/3112 reg 21", NOT,
                 "The personal representative may carry on for 28 days, extendable by CQC."),
    TriggerEvent("deregistration", "CQC cancels the provider's registration",
                 "Health and Social Care Act 2008 s.17; brief section 3", NOT),
    TriggerEvent("planned-closure", "The provider closes a service voluntarily or by plan",
                 "brief section 3; guidance ch.5", NOT, "Includes a solvent provider closing one home."),
    # --- other routes
    TriggerEvent("service-interruption",
                 "Service interrupted without business failure (staffing, fire, flood, outbreak)",
                 "Care Act 2014 s.19(3); guidance ch.5", EventKind.INTERRUPTION),
    TriggerEvent("cqc-s56-notice", "CQC market oversight notice: provider likely to fail",
                 "Care Act 2014 s.56", EventKind.WARNING, "A warning: the s.48 duty has not started."),
    TriggerEvent("concern-no-event", "Concern about the provider; no event yet",
                 "brief rule 1; guidance ch.5", EventKind.CONCERN,
                 "Cash-flow worries, embargoes, workforce loss, CQC action."),
)

_BY_KEY = {event.key: event for event in EVENTS}


def event_by_key(key: str) -> TriggerEvent:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(
            f"unknown event {key!r}; run 'contingency events' to list the event keys"
        ) from None
