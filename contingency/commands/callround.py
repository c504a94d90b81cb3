"""Commands for the welfare call-round: the list in the order to ring, recording a call, a bridge's cover."""

from __future__ import annotations

import argparse

from contingency.commands.base import EXIT_OK, Commands, emit, record_id, store_for
from contingency.rules.callround import OUTCOME_LABELS, UNCOVERED_HORIZON
from contingency.rules.times import format_local


def register(cmds: Commands) -> None:
    area = cmds.group("callround", "the welfare call-round: who to ring, in order, and what each call found")
    lister = area.add("list", "everyone whose safety is not yet confirmed: RED first, then the next missed "
                              "visit, then time-critical needs", cmd_list)
    lister.add_argument("incident", type=record_id)
    lister.add_argument("--all", action="store_true", help="also list the people confirmed or settled, with why")
    outcomes = "; ".join(f"{o.value} ({label})" for o, label in OUTCOME_LABELS.items())
    record = area.add("record", "record one welfare call (written once, logged)", cmd_record)
    record.add_argument("person", type=record_id)
    record.add_argument("--outcome", required=True, help=f"one of: {outcomes}")
    record.add_argument("--note", default="", help="what was found or agreed (needed unless no-answer)")
    record.add_argument("--called", default="", help="who was rung (default: the person), e.g. 'daughter'")
    record.add_argument("--next-action", default="", help="what happens next, e.g. 'ring back'")
    record.add_argument("--next-at", default="", help="when the next action is due, e.g. 02:30 (a bare time is "
                                                      "the next one)")
    record.add_argument("--at", default="", help="when the call was made, if not just now")
    record.add_argument("--by", default="", help="who made the call (default: the officer)")
    cover = area.add("cover", "record a bridge: a provider or team covering visits from a time", cmd_cover)
    cover.add_argument("incident", type=record_id)
    cover.add_argument("--by", required=True, dest="covered_by", metavar="PROVIDER", help="the provider or team")
    cover.add_argument("--from", required=True, dest="starts", metavar="WHEN",
                       help="from when, e.g. 06:00 or 24/11/2026 06:00 (a bare time is the nearer one)")
    cover.add_argument("--until", default="", metavar="WHEN", help="until when (default: until further notice)")
    cover.add_argument("--visits", default="", help="only these visit times, e.g. 'breakfast, 12:00' (default: all)")
    cover.add_argument("--people", default="", help="only these people: ids or provider refs, comma separated "
                                                    "(default: everyone on the incident)")
    cover.add_argument("--note", default="")


def cmd_list(args: argparse.Namespace) -> int:
    from contingency.services.callround import (
        call_round,
        cover_words,
        due_words,
        outcome_words,
        row_json,
        visit_words,
    )

    store = store_for(args)
    view = call_round(store, args.incident)
    now = view.now
    data = {
        "incident_id": view.incident.id, "as_at": now.isoformat(),
        "to_confirm": len(view.rows), "confirmed_or_settled": len(view.off),
        "rows": [row_json(r, now) for r in view.rows],
        "uncovered_time_critical": {
            "hours": int(UNCOVERED_HORIZON.total_seconds() // 3600), "count": len(view.uncovered),
            "visits": [{"person_id": r.person_id, "name": r.name, "at": m.isoformat(),
                        "time_critical": [c.value for c in r.critical]} for r, m in view.uncovered]},
        "covers": [{"id": c.id, "covered_by": c.cover.covered_by, "from": c.cover.starts_at.isoformat(),
                    "until": c.cover.ends_at.isoformat() if c.cover.ends_at else None,
                    "people": sorted(c.cover.people),
                    "visit_times": [f"{m // 60:02d}:{m % 60:02d}" for m in sorted(c.cover.minutes)]}
                   for c in view.covers],
    }
    if args.all:
        data["off_list"] = [row_json(r, now) for r in view.off]
    title = f"Call-round for incident {view.incident.id} ({view.incident.facts.provider_name}) as at {format_local(now)}"
    lines = [title, view.counts_line(), ""]
    header = f"{'id':>5}  {'person':<24} {'RAG':<6} {'next visit':<15} {'time-critical':<22} {'last outcome':<18} next"
    lines.append(header)
    for row in view.rows:
        nxt = ""
        if row.next is not None:
            nxt = f"{due_words(row.next, now)}: {row.next.what}"
        lines.append(f"{row.person_id:>5}  {row.name[:24]:<24} {(row.rag.value if row.rag else 'none'):<6} "
                     f"{visit_words(row.next_missed, now):<15} {', '.join(c.label for c in row.critical)[:22]:<22} "
                     f"{outcome_words(row)[:18]:<18} {nxt}")
    if not view.rows:
        lines.append("  nobody: everyone's safety is confirmed or settled")
    if view.uncovered:
        lines += ["", "Uncovered time-critical visits:"]
        lines += [f"  {format_local(m, now=now)}  {r.name} ({', '.join(c.label for c in r.critical)})"
                  for r, m in view.uncovered]
    if view.critical_without_times:
        lines += ["", "Time-critical, but no visit times known (ask the provider):"]
        lines += [f"  {r.person_id:>5}  {r.name}" for r in view.critical_without_times]
    if view.covers:
        lines += ["", "Bridges:"] + [f"  {cover_words(c, now)}" for c in view.covers]
    if args.all and view.off:
        lines += ["", "Confirmed or settled:"] + [f"  {r.person_id:>5}  {r.name}: {r.off_list_because}"
                                                 for r in view.off]
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_record(args: argparse.Namespace) -> int:
    from contingency.services.callround import call_round, due_words, record_call

    store = store_for(args)
    call = record_call(store, args.person, outcome=args.outcome, note=args.note, called=args.called,
                       next_action_text=args.next_action, next_at=args.next_at, called_by=args.by,
                       called_at=args.at)
    now = store.clock()
    view = call_round(store, call.incident_id, now=now)
    row = next((r for r in view.rows + view.off if r.person_id == call.person_id), None)
    nxt = row.next if row else None
    data = {"call_id": call.id, "person_id": call.person_id, "incident_id": call.incident_id,
            "outcome": call.outcome.value, "off_list": call.off_list, "called_at": call.called_at.isoformat(),
            "called_by": call.called_by, "next_action": nxt.what if nxt else None,
            "next_action_due": nxt.due.isoformat() if nxt else None, "escalation": bool(nxt and nxt.escalation)}
    text = (f"call {call.id} recorded: {row.name if row else call.person_id}: {call.outcome.label}"
            + (" (off the call-round)" if call.off_list else " (still on the call-round)"))
    if nxt is not None:
        text += f"\nnext: {nxt.what}, due {format_local(nxt.due, now=now)} ({due_words(nxt, now)})"
    emit(args, data, text)
    return EXIT_OK


def cmd_cover(args: argparse.Namespace) -> int:
    from contingency.services.callround import call_round, cover_words, record_cover

    store = store_for(args)
    stored = record_cover(store, args.incident, covered_by=args.covered_by, starts=args.starts, ends=args.until,
                          visits=args.visits, people=args.people, note=args.note)
    view = call_round(store, args.incident)
    data = {"cover_id": stored.id, "covered_by": stored.cover.covered_by,
            "from": stored.cover.starts_at.isoformat(),
            "until": stored.cover.ends_at.isoformat() if stored.cover.ends_at else None,
            "people": sorted(stored.cover.people),
            "visit_times": [f"{m // 60:02d}:{m % 60:02d}" for m in sorted(stored.cover.minutes)],
            "uncovered_time_critical": len(view.uncovered)}
    emit(args, data, f"cover {stored.id} recorded: {cover_words(stored, view.now)}\n{view.counts_line()}")
    return EXIT_OK

