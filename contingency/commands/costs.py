"""Commands for money: the cost ledger (costs), claims and charges (claims), and ordinary-residence
disputes (disputes). Dates are day first; money is typed in pounds and kept in pence."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from contingency.commands.base import EXIT_OK, Commands, emit, record_id, store_for
from contingency.ledger import Allocation, Claim, CostLine, ORDispute, Route
from contingency.rules.costs import (
    AGE_BUCKETS,
    format_pounds,
    format_quantity,
    parse_period,
    route_note,
)
from contingency.rules.notifications import EXERCISE_MARK
from contingency.rules.times import LONDON, BadDate, parse_uk_date, to_utc_iso
from contingency.rules.words import plural
from contingency.services.errors import BadInput
from contingency.store import Store


def register(cmds: Commands) -> None:
    costs = cmds.group("costs", "the cost ledger: every penny by person, period, legal route and decision")
    adder = costs.add("add", "record a cost, shared equally between the people it was for", cmd_costs_add)
    adder.add_argument("incident", type=record_id)
    adder.add_argument("--supplier", required=True, help="who supplied it: agency, home, taxi firm, 'in-house'")
    adder.add_argument("--category", required=True, help="care-home-placement, home-care-hours, agency-staff, "
                       "transport, equipment, bridging-payment, information-advice or other")
    adder.add_argument("--unit", required=True, help="per-week, per-day, per-hour, per-visit or one-off")
    adder.add_argument("--rate", required=True, help="in pounds, e.g. 950 or 28.50")
    adder.add_argument("--quantity", help="hours, visits or items (exact, up to 3 decimals); for weekly and daily "
                       "rates how many at that rate (default 1)")
    adder.add_argument("--from", dest="start", help="first day of the period, e.g. 23/11/2026")
    adder.add_argument("--to", dest="end", help="last day of the period (inclusive)")
    adder.add_argument("--on", help="the date of a one-off cost, or of a cost for a single day")
    adder.add_argument("--person", action="append", default=[], metavar="ID", help="a person it was for (repeatable)")
    adder.add_argument("--people", action="append", default=[], metavar="ID,ID", help="people it was for, by id")
    adder.add_argument("--description", default="", help="what it was, e.g. 'interim placement, Oakfield'")
    adder.add_argument("--decision", type=record_id, help="the id of the decision that authorised it")
    adder.add_argument("--decision-text", default="", help="or record the authorising decision now")
    adder.add_argument("--rationale", default="", help="why (with --decision-text)")
    adder.add_argument("--needs-not-arranged", action="store_true",
                       help="for s.49 people: needs the Welsh, Scottish or NI body did not arrange (s.49(3)(d))")
    lister = costs.add("list", "the ledger: each person's share of each line, with route, claim and total",
                       cmd_costs_list)
    lister.add_argument("incident", type=record_id)
    lister.add_argument("--person", type=record_id, help="only this person's shares")
    lister.add_argument("--route", help="only this route: " + ", ".join(r.value for r in Route))
    lister.add_argument("--category", help="only this category")
    correct = costs.add("correct", "reverse a wrong line with a correcting line that cites it", cmd_costs_correct)
    correct.add_argument("line", type=record_id)
    correct.add_argument("--reason", required=True, help="what was wrong with it")
    route = costs.add("route", "change the route of one share, through a logged decision", cmd_costs_route)
    route.add_argument("allocation", type=record_id)
    route.add_argument("--route", required=True, help=", ".join(r.value for r in Route))
    route.add_argument("--decision-text", required=True)
    route.add_argument("--rationale", required=True)

    claims = cmds.group("claims", "reimbursement claims to bodies and charges to people")
    build = claims.add("build", "draft claims for everything not yet claimed (in the period, if given)",
                       cmd_claims_build)
    build.add_argument("incident", type=record_id)
    build.add_argument("--period", help="FROM..TO, e.g. 01/11/2026..30/11/2026 (lines wholly inside it)")
    lister = claims.add("list", "every claim with its status, balance and age; what is owed by whom", cmd_claims_list)
    lister.add_argument("--incident", type=record_id, help="only this incident")
    shower = claims.add("show", "one claim: its lines, events and payments", cmd_claims_show)
    shower.add_argument("ref")
    submit = claims.add("submit", "record that a claim was sent, to whom and when", cmd_claims_submit)
    submit.add_argument("ref")
    submit.add_argument("--to", required=True, help="to whom and how, e.g. 'Bradford accounts payable, secure email'")
    submit.add_argument("--on", help="the date it went (default today)")
    submit.add_argument("--confirm-exercise", action="store_true",
                        help="on an EXERCISE store: confirm it went only to exercise participants")
    ack = claims.add("ack", "record that the recipient acknowledged a claim", cmd_claims_ack)
    ack.add_argument("ref")
    ack.add_argument("--on", help="the date (default today)")
    ack.add_argument("--note", default="")
    paid = claims.add("paid", "record a payment (part-paid until the balance is nil)", cmd_claims_paid)
    paid.add_argument("ref")
    paid.add_argument("--amount", required=True, help="in pounds, e.g. 1234.56")
    paid.add_argument("--on", help="the date it was paid (default today)")
    paid.add_argument("--note", default="", help="e.g. the remittance reference")
    dispute = claims.add("dispute", "record that the recipient disputes a claim (care never pauses)",
                         cmd_claims_dispute)
    dispute.add_argument("ref")
    dispute.add_argument("--reason", required=True)
    writeoff = claims.add("writeoff", "write off what is left of a claim, with the decision", cmd_claims_writeoff)
    writeoff.add_argument("ref")
    writeoff.add_argument("--reason", required=True)
    writeoff.add_argument("--rationale", required=True)
    export = claims.add("export", "write each claim's letter and schedule (PDF, DOCX) and CSV", cmd_claims_export)
    export.add_argument("incident", type=record_id)
    export.add_argument("--out", type=Path, required=True, help="the folder to write them to")
    export.add_argument("--claim", action="append", metavar="REF", help="only this claim (repeatable)")

    disputes = cmds.group("disputes", "ordinary-residence disputes and their referral dates")
    add = disputes.add("add", "record that an authority disputes a person's ordinary residence", cmd_disputes_add)
    add.add_argument("person", type=record_id)
    add.add_argument("--authority", required=True, help="the authority disputing it (code or name)")
    add.add_argument("--reason", required=True)
    add.add_argument("--on", help="the date the dispute arose (default today)")
    lister = disputes.add("list", "disputes with their 4-month referral dates", cmd_disputes_list)
    lister.add_argument("--incident", type=record_id)
    resolve = disputes.add("resolve", "record how a dispute was resolved", cmd_disputes_resolve)
    resolve.add_argument("dispute", type=record_id)
    resolve.add_argument("--resolution", required=True)
    resolve.add_argument("--on", help="the date (default today)")


# --- helpers -------------------------------------------------------------------------------------------------


def _date(text: str | None, store: Store, what: str) -> date | None:
    if not text:
        return None
    try:
        return parse_uk_date(text, today=store.clock().astimezone(LONDON).date())
    except BadDate as exc:
        raise BadInput(f"{what}: {exc}") from None


def _period(args: argparse.Namespace, store: Store) -> tuple[date, date]:
    if args.on and (args.start or args.end):
        raise BadInput("give either --on DATE or --from DATE --to DATE, not both")
    if args.on:
        day = _date(args.on, store, "--on")
        return day, day
    if not (args.start and args.end):
        raise BadInput("say when: --from DATE --to DATE for a period, or --on DATE for a single day or a one-off")
    return _date(args.start, store, "--from"), _date(args.end, store, "--to")


def allocation_json(allocation: Allocation) -> dict[str, Any]:
    return {"id": allocation.id, "person_id": allocation.person_id, "amount_pence": allocation.amount_pence,
            "route": allocation.route.value, "recover_from": allocation.recover_from,
            "needs_not_arranged": allocation.needs_not_arranged, "route_reason": allocation.route_reason,
            "route_decision_id": allocation.route_decision_id, "reverses": allocation.reverses}


def line_json(line: CostLine) -> dict[str, Any]:
    return {"id": line.id, "incident_id": line.incident_id, "supplier": line.supplier,
            "category": line.category.value, "description": line.description,
            "period_start": line.period_start.isoformat(), "period_end": line.period_end.isoformat(),
            "days": line.days, "unit": line.unit.value, "rate_pence": line.rate_pence,
            "quantity": format_quantity(line.quantity_milli), "total_pence": line.total_pence,
            "decision_id": line.decision_id, "corrects": line.corrects, "created_by": line.created_by,
            "created_at": to_utc_iso(line.created_at), "allocations": [allocation_json(a) for a in line.allocations]}


def claim_json(store: Store, claim: Claim, today: date, *, detail: bool = False) -> dict[str, Any]:
    from contingency.services.claims import age_words

    data: dict[str, Any] = {
        "reference": claim.reference, "incident_id": claim.incident_id, "kind": claim.kind.value,
        "recipient_ref": claim.recipient_ref, "recipient": claim.recipient_name,
        "period_start": claim.period_start.isoformat(), "period_end": claim.period_end.isoformat(),
        "status": claim.status.value, "total_pence": claim.total_pence, "paid_pence": claim.paid_pence,
        "written_off_pence": claim.written_off_pence, "balance_pence": claim.balance_pence,
        "age": age_words(claim, today), "exercise": claim.exercise,
        "excluded_count": claim.excluded_count, "excluded_note": claim.excluded_note,
        "submitted_on": claim.submitted_on.isoformat() if claim.submitted_on else None,
        "submitted_to": claim.submitted_to,
        "acknowledged_on": claim.acknowledged_on.isoformat() if claim.acknowledged_on else None,
        "dispute_reason": claim.dispute_reason, "writeoff_decision_id": claim.writeoff_decision_id,
    }
    if detail:
        data["lines"] = [{"allocation_id": line.allocation_id, "cost_line_id": line.line_id,
                          "person_id": line.person_id, "person": line.person_name,
                          "period_start": line.period_start.isoformat(), "period_end": line.period_end.isoformat(),
                          "category": line.category.value, "description": line.description,
                          "route": line.route.value, "amount_pence": line.amount_pence}
                         for line in store.claims.lines(claim.id)]
        data["events"] = [{"at": to_utc_iso(e.at), "officer": e.officer, "action": e.action,
                           "status": e.status_to.value, "reason": e.reason,
                           "on": e.on_date.isoformat() if e.on_date else None, "amount_pence": e.amount_pence,
                           "decision_id": e.decision_id} for e in store.claims.events(claim.id)]
        data["payments"] = [{"amount_pence": p.amount_pence, "paid_on": p.paid_on.isoformat(), "note": p.note}
                            for p in store.claims.payments(claim.id)]
    return data


def dispute_json(dispute: ORDispute, today: date) -> dict[str, Any]:
    from contingency.services.claims import referral_words

    return {"id": dispute.id, "incident_id": dispute.incident_id, "person_id": dispute.person_id,
            "authority_ref": dispute.authority_ref, "authority": dispute.authority_name, "reason": dispute.reason,
            "raised_on": dispute.raised_on.isoformat(), "refer_by": dispute.refer_by.isoformat(),
            "resolved_on": dispute.resolved_on.isoformat() if dispute.resolved_on else None,
            "resolution": dispute.resolution, "due": referral_words(dispute, today)}


def _exercise(claims: list[Claim], lines: list[str]) -> list[str]:
    """Exercise claims are never invoices (brief rule 29): say so above them."""
    if any(claim.exercise for claim in claims):
        return [f"{EXERCISE_MARK}: these claims are not invoices", *lines]
    return lines


def _claim_row(claim: Claim, today: date) -> str:
    from contingency.services.claims import age_words

    return (f"{claim.reference:<20} {claim.recipient_name[:30]:<30} {claim.status.value:<12} "
            f"{format_pounds(claim.total_pence):>12} {format_pounds(claim.balance_pence):>12}  "
            f"{age_words(claim, today)}")


# --- costs -----------------------------------------------------------------------------------------------------


def cmd_costs_add(args: argparse.Namespace) -> int:
    from contingency.services.costs import add_line, parse_people

    store = store_for(args)
    start, end = _period(args, store)
    line = add_line(store, args.incident, supplier=args.supplier, category=args.category, unit=args.unit,
                    rate=args.rate, quantity=args.quantity, period_start=start, period_end=end,
                    person_ids=parse_people([*args.person, *args.people]), description=args.description,
                    decision_id=args.decision, decision_text=args.decision_text, rationale=args.rationale,
                    needs_not_arranged=args.needs_not_arranged)
    routes = sorted({a.route.value for a in line.allocations})
    notes = [f"{route}: {note}" for route in routes if (note := route_note(Route(route)))]
    emit(args, line_json(line), f"cost line {line.id}: {format_pounds(line.total_pence)} shared by "
         f"{len(line.allocations)} {'person' if len(line.allocations) == 1 else 'people'} "
         f"({', '.join(routes)}); authorised by decision {line.decision_id}"
         + "".join(f"\n  {note}" for note in notes))
    return EXIT_OK


def cmd_costs_list(args: argparse.Namespace) -> int:
    from contingency.services.costs import ledger

    store = store_for(args)
    found = ledger(store, args.incident, person_id=args.person, route=args.route, category=args.category)
    lines = [f"{'LINE':>4} {'ALLOC':>5}  {'DATES':<23} {'WHAT':<28} {'PERSON':<22} {'ROUTE':<10} {'AMOUNT':>11}  CLAIM"]
    for row in found.rows:
        line, share = row.line, row.allocation
        dates = (f"{line.period_start:%d/%m/%Y}" if line.days == 1
                 else f"{line.period_start:%d/%m/%Y}-{line.period_end:%d/%m/%Y}")
        what = ("REVERSAL " if line.corrects else "") + f"{line.what} ({line.supplier})"
        note = row.claimed.reference if row.claimed else "-"
        if row.reversed_by:
            note += f" · reversed by line {row.reversed_by}"
        if row.route_now:
            note += f" · CHECK ROUTE: now {row.route_now.route.value}"
        if row.note:
            note += f" · {row.note}"
        lines.append(f"{line.id:>4} {share.id:>5}  {dates:<23} {what[:28]:<28} {row.person_name[:22]:<22} "
                     f"{share.route.value:<10} {format_pounds(share.amount_pence):>11}  {note}")
    lines.append(f"{plural(len(found.rows), 'share')} of {plural(found.line_count, 'line')}; total {format_pounds(found.total_pence)}")
    data = {"total_pence": found.total_pence, "lines": [line_json(line) for line in found.lines
                                                        if line.id in {r.line.id for r in found.rows}],
            "rows": [{"line_id": r.line.id, "allocation_id": r.allocation.id, "person_id": r.allocation.person_id,
                      "person": r.person_name, "route": r.allocation.route.value,
                      "amount_pence": r.allocation.amount_pence, "claim": r.claimed.reference if r.claimed else None,
                      "reversed_by": r.reversed_by, "note": r.note,
                      "route_now": r.route_now.route.value if r.route_now else None} for r in found.rows]}
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_costs_correct(args: argparse.Namespace) -> int:
    from contingency.services.costs import reverse_line

    store = store_for(args)
    reversal = reverse_line(store, args.line, args.reason)
    emit(args, line_json(reversal), f"line {args.line} reversed by line {reversal.id} "
         f"({format_pounds(reversal.total_pence)}); any share already claimed goes on the next claim as a credit. "
         "Add the right cost with 'costs add'.")
    return EXIT_OK


def cmd_costs_route(args: argparse.Namespace) -> int:
    from contingency.services.costs import change_route

    store = store_for(args)
    allocation = change_route(store, args.allocation, args.route, decision_text=args.decision_text,
                              rationale=args.rationale)
    emit(args, allocation_json(allocation), f"allocation {allocation.id} is now {allocation.route.value} "
         f"(decision {allocation.route_decision_id}): {allocation.route_reason}")
    return EXIT_OK


# --- claims ----------------------------------------------------------------------------------------------------


def cmd_claims_build(args: argparse.Namespace) -> int:
    from contingency.services.claims import build, today

    store = store_for(args)
    period = None
    if args.period:
        try:
            period = parse_period(args.period, today=today(store))
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    result = build(store, args.incident, period)
    on = today(store)
    lines = [_claim_row(c, on) + (f"  ({c.excluded_note})" if c.excluded_note else "") for c in result.claims]
    if not result.claims:
        lines.append("no new claims: everything claimable is already claimed" if not result.nothing_new
                     else "no new claims")
    lines += [f"  {text}" for text in result.nothing_new]
    if result.not_claimable:
        lines.append("never claimed: " + ", ".join(
            f"{n} {route}" + (f" ({note})" if (note := route_note(Route(route))) else "")
            for route, n in sorted(result.not_claimable.items())))
    data = {"claims": [claim_json(store, c, on) for c in result.claims], "left_out": result.left_out,
            "nothing_new": list(result.nothing_new), "not_claimable": result.not_claimable,
            "period": [d.isoformat() for d in result.period] if result.period else None}
    emit(args, data, "\n".join(_exercise(list(result.claims), lines)))
    return EXIT_OK


def cmd_claims_list(args: argparse.Namespace) -> int:
    from contingency.services.claims import owed, today

    store = store_for(args)
    on = today(store)
    claims = store.claims.for_incident(args.incident)
    debts = owed(store, on, args.incident)
    lines = [f"{'REFERENCE':<20} {'TO':<30} {'STATUS':<12} {'TOTAL':>12} {'BALANCE':>12}  AGE"]
    lines += [_claim_row(c, on) for c in claims]
    owing = [d for d in debts if d.balance_pence]
    if owing:
        lines += ["", f"{'OWED BY':<30} {'BALANCE':>12} " + " ".join(f"{b:>12}" for b in AGE_BUCKETS)]
        lines += [f"{d.recipient_name[:30]:<30} {format_pounds(d.balance_pence):>12} "
                  + " ".join(f"{format_pounds(d.buckets[b]):>12}" for b in AGE_BUCKETS) for d in owing]
    data = {"claims": [claim_json(store, c, on) for c in claims],
            "owed": [{"recipient_ref": d.recipient_ref, "recipient": d.recipient_name, "kind": d.kind.value,
                      "balance_pence": d.balance_pence, "draft_pence": d.draft_pence, "buckets": d.buckets}
                     for d in debts]}
    emit(args, data, "\n".join(_exercise(claims, lines)) if claims
         else "no claims yet; 'contingency claims build INCIDENT' drafts them")
    return EXIT_OK


def cmd_claims_show(args: argparse.Namespace) -> int:
    from contingency.services.claims import find, today

    store = store_for(args)
    claim = find(store, args.ref)
    data = claim_json(store, claim, today(store), detail=True)
    text = [_claim_row(claim, today(store)), f"period {claim.period_start:%d/%m/%Y} to {claim.period_end:%d/%m/%Y}"]
    if claim.excluded_note:
        text.append(claim.excluded_note)
    text += [f"  {line['person'][:24]:<24} {line['description'] or line['category']:<30} {line['route']:<10} "
             f"{format_pounds(line['amount_pence']):>11}" for line in data["lines"]]
    text += [f"  {e['at'][:10]} {e['action']:<12} {e['status']:<12} {e['reason']}" for e in data["events"]]
    emit(args, data, "\n".join(_exercise([claim], text)))
    return EXIT_OK


def cmd_claims_submit(args: argparse.Namespace) -> int:
    from contingency.services.claims import submit, today

    store = store_for(args)
    claim = submit(store, args.ref, args.to, _date(args.on, store, "--on"), exercise_confirmed=args.confirm_exercise)
    emit(args, claim_json(store, claim, today(store)),
         f"{claim.reference} submitted to {claim.submitted_to} on {claim.submitted_on:%d/%m/%Y}")
    return EXIT_OK


def cmd_claims_ack(args: argparse.Namespace) -> int:
    from contingency.services.claims import acknowledge, today

    store = store_for(args)
    claim = acknowledge(store, args.ref, _date(args.on, store, "--on"), args.note)
    emit(args, claim_json(store, claim, today(store)), f"{claim.reference} acknowledged")
    return EXIT_OK


def cmd_claims_paid(args: argparse.Namespace) -> int:
    from contingency.services.claims import record_payment, today
    from contingency.services.costs import pounds

    store = store_for(args)
    claim = record_payment(store, args.ref, pounds(args.amount, "the amount"), _date(args.on, store, "--on"),
                           args.note)
    emit(args, claim_json(store, claim, today(store)),
         f"{claim.reference} is {claim.status.value}: {format_pounds(claim.balance_pence)} still owed")
    return EXIT_OK


def cmd_claims_dispute(args: argparse.Namespace) -> int:
    from contingency.services.claims import dispute, today

    store = store_for(args)
    claim, message = dispute(store, args.ref, args.reason)
    emit(args, {**claim_json(store, claim, today(store)), "message": message}, message)
    return EXIT_OK


def cmd_claims_writeoff(args: argparse.Namespace) -> int:
    from contingency.services.claims import today, write_off

    store = store_for(args)
    claim = write_off(store, args.ref, args.reason, args.rationale)
    emit(args, claim_json(store, claim, today(store)), f"{claim.reference} written off "
         f"({format_pounds(claim.written_off_pence)}; decision {claim.writeoff_decision_id})")
    return EXIT_OK


def cmd_claims_export(args: argparse.Namespace) -> int:
    from contingency.services.claim_documents import export, summary

    store = store_for(args)
    files = export(store, args.incident, args.out, args.claim)
    data = [{"reference": f.claim.reference, "document": f.document, "path": str(f.path), "sha256": f.sha256}
            for f in files]
    emit(args, data, "\n".join([*(str(f.path) for f in files), summary(files)]) if files else "no claims to export")
    return EXIT_OK


# --- disputes --------------------------------------------------------------------------------------------------


def cmd_disputes_add(args: argparse.Namespace) -> int:
    from contingency.services.claims import add_or_dispute, today

    store = store_for(args)
    result = add_or_dispute(store, args.person, args.authority, args.reason, _date(args.on, store, "--on"))
    emit(args, {**dispute_json(result.dispute, today(store)), "affected_claims": [c.reference for c in result.affected],
                "message": result.message}, result.message)
    return EXIT_OK


def cmd_disputes_list(args: argparse.Namespace) -> int:
    from contingency.services.claims import referral_words, today

    store = store_for(args)
    on = today(store)
    disputes = store.disputes.for_incident(args.incident)
    lines = [f"{d.id:>4}  person {d.person_id:<6} {d.authority_name[:36]:<36} raised {d.raised_on:%d/%m/%Y}  "
             f"{referral_words(d, on)}" for d in disputes]
    emit(args, [dispute_json(d, on) for d in disputes], "\n".join(lines) if disputes else "no disputes recorded")
    return EXIT_OK


def cmd_disputes_resolve(args: argparse.Namespace) -> int:
    from contingency.services.claims import resolve_or_dispute, today

    store = store_for(args)
    dispute = resolve_or_dispute(store, args.dispute, args.resolution, _date(args.on, store, "--on"))
    emit(args, dispute_json(dispute, today(store)), f"dispute {dispute.id} resolved: {dispute.resolution}")
    return EXIT_OK
