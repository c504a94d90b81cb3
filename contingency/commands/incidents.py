"""Commands for the store, its council, incidents, the demo and the event log."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from contingency import collector
from contingency.clock import process_clock
from contingency.commands.base import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    Commands,
    emit,
    record_id,
    store_for,
)
from contingency.models import Incident, StoreKind
from contingency.rules.events import EVENTS
from contingency.rules.times import (
    BadDate,
    format_local,
    parse_local_datetime,
    parse_uk_date,
    to_utc_iso,
)
from contingency.services.errors import BadInput
from contingency.store import Store


def register(cmds: Commands) -> None:
    demo = cmds.add("demo", "open the EXERCISE demo store, making it the first time (synthetic incidents and people)",
                    cmd_demo)
    demo.add_argument("--fresh", action="store_true",
                      help="delete the demo store and make it anew (the TUI asks first; --no-tui does not)")
    demo.add_argument("--people", type=int, default=None,
                      help="residents in the care-home incident when the store is made (default 48)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (the demo is deterministic)")
    demo.add_argument("--no-tui", action="store_true", help="make or open the store and print its path only")

    setup = cmds.add("setup", "record the operating council and its letterhead", cmd_setup)
    setup.add_argument("--authority", required=True, help="GSS code, short code or name, e.g. 'Leeds'")
    setup.add_argument("--team", required=True)
    setup.add_argument("--address", default="")
    setup.add_argument("--phone", default="")
    setup.add_argument("--email", default="")
    setup.add_argument("--exercise", action="store_true", help="make a new store an EXERCISE store")

    incident = cmds.group("incident", "open, list, show and change incidents")
    opener = incident.add("open", "open an incident", cmd_incident_open)
    opener.add_argument("--provider", required=True)
    opener.add_argument("--service", required=True, help="care-home, care-home-nursing, home-care, ...")
    opener.add_argument("--area", required=True, help="the authority where the service was carried on")
    opener.add_argument("--event", required=True, help="trigger key; see 'contingency events'")
    opener.add_argument("--aware-at", help="when we became aware (default now), e.g. 01:40 or 23/11/2026 01:40")
    opener.add_argument("--event-date", help="the date of the event itself, day first")
    opener.add_argument("--continuing", action="store_true", help="an administrator or anyone else carries it on")
    opener.add_argument("--not-regulated", action="store_true", help="not a regulated activity (SI 2014/2936)")
    opener.add_argument("--not-registered", action="store_true", help="the provider is not CQC-registered")
    opener.add_argument("--cqc-provider-id")
    opener.add_argument("--cqc-location-id", action="append", default=[])
    opener.add_argument("--lead-officer", default="")
    opener.add_argument("--insolvency-practitioner", default="")
    incident.add("list", "list incidents", cmd_incident_list)
    show = incident.add("show", "show one incident with its classification reasons", cmd_incident_show)
    show.add_argument("id", type=record_id)
    status = incident.add("status", "move an incident through its lifecycle", cmd_incident_status)
    status.add_argument("id", type=record_id)
    status.add_argument("new_status", help="warning, monitoring, active, stepping-down, closed")
    status.add_argument("--reason", required=True)
    facts = incident.add("facts", "change an incident's facts; the classification is recomputed", cmd_incident_facts)
    facts.add_argument("id", type=record_id)
    facts.add_argument("--event")
    facts.add_argument("--continuing", dest="continuing", action="store_true", default=None)
    facts.add_argument("--not-continuing", dest="continuing", action="store_false")
    facts.add_argument("--area")
    facts.add_argument("--aware-at", help="when we became aware of the business failure (UK style, e.g. "
                       "'06/03/2027 00:05'); a warning that becomes s.48 takes now unless given (s.52(1))")
    facts.add_argument("--reason", required=True)

    cmds.add("events", "list the trigger events with their citations", cmd_events)

    log = cmds.group("log", "the event log")
    verify = log.add("verify", "check the event log's hash chain and that records match it", cmd_log_verify)
    verify.add_argument("--head", metavar="N:HASH",
                        help="an anchor written down earlier (a letter's footer says 'log N:HASH'): exit 1 unless "
                             "entry N is still there with that hash")


def incident_json(store: Store, incident: Incident) -> dict[str, Any]:
    facts = incident.facts
    area = store.authorities.get(facts.area_code)
    return {
        "id": incident.id,
        "status": incident.status.value,
        "classification": incident.classification.value,
        "reasons": list(incident.reasons),
        "provider": facts.provider_name,
        "service_kind": facts.service_kind.value,
        "area_code": facts.area_code,
        "area_name": area.name if area else None,
        "event_key": facts.event_key,
        "event_date": facts.event_date.isoformat() if facts.event_date else None,
        "aware_at": to_utc_iso(facts.aware_at),
        "warning_aware_at": to_utc_iso(facts.warning_aware_at) if facts.warning_aware_at else None,
        "continuing": facts.continuing,
        "regulated": facts.regulated,
        "registered": facts.registered,
        "cqc_provider_id": facts.cqc_provider_id,
        "cqc_location_ids": list(facts.cqc_location_ids),
        "lead_officer": facts.lead_officer,
        "insolvency_practitioner": facts.insolvency_practitioner,
        "opened_at": to_utc_iso(incident.opened_at),
        "people_count": incident.people_count,
    }


def incident_text(store: Store, incident: Incident) -> str:
    facts = incident.facts
    area = store.authorities.get(facts.area_code)
    lines = [
        f"Incident {incident.id}: {facts.provider_name}",
        f"  {incident.classification.label} · status {incident.status.value}",
        f"  service: {facts.service_kind.label} in {area.name if area else facts.area_code}",
        f"  trigger: {facts.event_key}" + (f" on {facts.event_date:%d/%m/%Y}" if facts.event_date else ""),
        f"  duty start (aware): {format_local(facts.aware_at)}",
        *([f"  warning known since: {format_local(facts.warning_aware_at)}"] if facts.warning_aware_at else []),
        f"  people: {incident.people_count}",
        "  why:",
        *(f"   - {reason}" for reason in incident.reasons),
    ]
    return "\n".join(lines)


# --- commands --------------------------------------------------------------------------------------


def cmd_setup(args: argparse.Namespace) -> int:
    from contingency.services.setup import setup_council

    if not args.officer:
        raise BadInput("--officer is required for setup: the name of the officer setting it up")
    wanted = StoreKind.EXERCISE if args.exercise else StoreKind.LIVE
    store = store_for(args, create=wanted)
    if args.exercise and store.kind is not wanted:
        raise BadInput(f"{store.path} is a {store.kind.value} store; an exercise needs a new file (give another --db)")
    settings = setup_council(store, authority=args.authority, team=args.team, officer=args.officer,
                             address=args.address, phone=args.phone, email=args.email)
    authority = store.authorities.get(settings.authority_code)
    emit(args, {**settings.model_dump(), "store": str(store.path), "kind": store.kind.value},
          f"{store.kind.value} store {store.path} belongs to {authority.name} ({settings.team})")
    return EXIT_OK


def cmd_incident_open(args: argparse.Namespace) -> int:
    from contingency.services.incidents import build_facts, open_incident

    store = store_for(args)
    now = store.clock()
    try:
        aware_at = parse_local_datetime(args.aware_at, now=now) if args.aware_at else now
        event_date = parse_uk_date(args.event_date) if args.event_date else None
    except BadDate as exc:
        raise BadInput(str(exc)) from None
    facts = build_facts(
        store, provider=args.provider, service=args.service, area=args.area, event=args.event,
        aware_at=aware_at, event_date=event_date, continuing=args.continuing,
        regulated=False if args.not_regulated else None, registered=not args.not_registered,
        cqc_provider_id=args.cqc_provider_id, cqc_location_ids=tuple(args.cqc_location_id),
        lead_officer=args.lead_officer, insolvency_practitioner=args.insolvency_practitioner,
    )
    incident = open_incident(store, facts)
    if args.json:
        emit(args, incident_json(store, incident), "")
    else:
        print(incident.id)
    return EXIT_OK


def cmd_incident_list(args: argparse.Namespace) -> int:
    store = store_for(args)
    incidents = store.incidents.list()
    now = store.clock()
    lines = [f"{'ID':>4}  {'STATUS':<13} {'CLASSIFICATION':<19} {'AWARE':<16} {'PEOPLE':>6}  PROVIDER"]
    lines += [
        f"{i.id:>4}  {i.status.value:<13} {i.classification.label:<19} {format_local(i.facts.aware_at, now=now):<16}"
        f" {i.people_count:>6}  {i.facts.provider_name}"
        for i in incidents
    ]
    emit(args, [incident_json(store, i) for i in incidents], "\n".join(lines) if incidents else "no incidents")
    return EXIT_OK


def cmd_incident_show(args: argparse.Namespace) -> int:
    store = store_for(args)
    incident = store.incidents.get(args.id)
    emit(args, incident_json(store, incident), incident_text(store, incident))
    return EXIT_OK


def cmd_incident_status(args: argparse.Namespace) -> int:
    from contingency.services.incidents import change_status

    store = store_for(args)
    incident = change_status(store, args.id, args.new_status, args.reason)
    emit(args, incident_json(store, incident), f"incident {incident.id} is now {incident.status.value}")
    return EXIT_OK


def cmd_incident_facts(args: argparse.Namespace) -> int:
    from contingency.services.incidents import build_facts, change_facts

    store = store_for(args)
    current = store.incidents.get(args.id).facts
    changes: dict[str, Any] = {}
    if args.event is not None or args.area is not None:
        checked = build_facts(store, provider=current.provider_name, service=current.service_kind.value,
                              area=args.area or current.area_code, event=args.event or current.event_key,
                              aware_at=current.aware_at)
        changes.update(event_key=checked.event_key, area_code=checked.area_code)
    if args.continuing is not None:
        changes["continuing"] = args.continuing
    if args.aware_at is not None:
        try:
            changes["aware_at"] = parse_local_datetime(args.aware_at, now=store.clock())
        except BadDate as exc:
            raise BadInput(f"--aware-at: {exc}") from None
        if changes["aware_at"] > store.clock():
            raise BadInput("--aware-at is in the future; give when we became aware (brief rule 6)")
    if not changes:
        raise BadInput("nothing to change: give --event, --area, --aware-at, --continuing or --not-continuing")
    incident = change_facts(store, args.id, reason=args.reason, **changes)
    emit(args, incident_json(store, incident), incident_text(store, incident))
    return EXIT_OK


def cmd_events(args: argparse.Namespace) -> int:
    data = [
        {"key": e.key, "title": e.title, "citation": e.citation, "business_failure": e.business_failure,
         "kind": e.kind.value, "note": e.note}
        for e in EVENTS
    ]
    width = max(len(e.key) for e in EVENTS)
    text = "\n".join(
        f"{e.key:<{width}}  {'BUSINESS FAILURE' if e.business_failure else e.kind.value:<20}  {e.title} ({e.citation})"
        for e in EVENTS
    )
    emit(args, data, text)
    return EXIT_OK


def cmd_log_verify(args: argparse.Namespace) -> int:
    from contingency.store.eventlog import parse_anchor

    try:
        anchor = parse_anchor(args.head) if args.head is not None else None
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    from contingency.rules.safe_text import printable
    from contingency.store.store import check_integrity, damaged_message

    store = store_for(args)
    # The whole file, page by page and every index against its table: opening a store no longer does this
    # on every command (issue 12), so the officer's check does all of it.
    damaged = check_integrity(store.conn, full=True)
    result = store.verify_log(anchor)
    data = {"ok": result.ok and not damaged, "entries": result.entries, "head": result.head,
            "problem": result.problem, "first_bad_seq": result.first_bad_seq,
            "anchor": str(anchor) if anchor else None, "integrity": damaged or ["ok"]}
    if damaged and not args.json:
        print(f"store DAMAGED: {printable(damaged_message(store.path, damaged))}", file=sys.stderr)
    if result.ok and not damaged:
        matched = f"; entry {anchor.seq} matches {anchor}" if anchor else ""
        emit(args, data, f"event log OK: {result.entries} entries; chain head {result.head}{matched}")
        return EXIT_OK
    if args.json:
        emit(args, data, "")
    elif not result.ok:
        print(f"event log BROKEN: {result.problem}", file=sys.stderr)
    return EXIT_CHECK_FAILED


def cmd_demo(args: argparse.Namespace) -> int:
    """Reopen the demo store as the exercise left it; make it only the first time or with --fresh."""
    from contingency.paths import default_store_path
    from contingency.services.demo import build_demo, open_demo, what_a_fresh_demo_loses

    path = args.db or default_store_path().with_name("demo-exercise.sqlite")
    officer = args.officer or "Demo Officer"
    clock = process_clock()
    if path.exists() and not args.fresh:
        if args.people is not None:
            raise BadInput(f"the demo store {path} already exists; add --fresh to make it anew with "
                           f"{args.people} people (that deletes the exercise's work in it)")
        store = open_demo(path, officer=officer, clock=clock)
    else:
        if path.exists() and not args.no_tui:
            existing = open_demo(path, officer=officer, clock=clock)
            lost = what_a_fresh_demo_loses(existing)
            existing.close()
            if not confirm_fresh_demo(path, lost):
                print("contingency: kept the demo store as it was; run 'contingency demo' to open it",
                      file=sys.stderr)
                return EXIT_OK
        store = build_demo(path, seed=args.seed, people=args.people, replace_default=True, officer=officer,
                           clock=clock)
    if args.no_tui:
        emit(args, {"store": str(path), "incidents": [incident_json(store, i) for i in store.incidents.list()]},
              str(path))
        return EXIT_OK
    return run_tui(store)


def confirm_fresh_demo(path, lost: str) -> bool:
    from contingency.tui.confirm_app import ConfirmApp

    return bool(ConfirmApp(
        "Make the demo afresh?",
        f"This deletes the exercise store {path} with {lost}, and makes a new demo in its place.",
        yes="Delete and make afresh", no="Keep it",
    ).run())


def run_tui(store: Store) -> int:
    # The collector waits until the first screen is up, when the app resumes it (contingency.collector).
    with collector.paused():
        from contingency.tui.app import ContingencyApp

        ContingencyApp(store).run()
    return EXIT_OK


def cmd_tui(args: argparse.Namespace) -> int:
    with collector.paused():
        store = store_for(args, create=StoreKind.LIVE)
        return run_tui(store)


