"""The command line: thin wrappers over services. Exit 0 ok, 1 check failed, 2 bad input, 3 store unavailable.

Never prints a traceback for anything an officer can cause; the TUI is imported only to run it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from contingency.clock import system_clock
from contingency.models import Incident, StoreKind
from contingency.person import Person
from contingency.rules.events import EVENTS
from contingency.rules.times import BadDate, format_local, parse_local_datetime, parse_uk_date, to_utc_iso
from contingency.services.errors import BadInput
from contingency.store import Store, StoreBusy, StoreCorrupt, StoreError, StoreMissing, open_store
from contingency.store.errors import NotFound

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_STORE = 0, 1, 2, 3


class ArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit; we report like any other bad input
        raise ArgumentError(f"{message} (see '{self.prog} --help')")


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Sub-commands must not reset what was given before them ("contingency --db X incident list").
    default = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--db", type=Path, help="the store file (default: $CONTINGENCY_DB or the user data folder)",
                        **default)
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout", **default)
    parser.add_argument("--officer", help="your name for the event log (default: $CONTINGENCY_OFFICER or setup's officer)",
                        **default)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="contingency", description=__doc__.splitlines()[0])
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, help_text: str, handler: Callable, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        _common(p)
        p.set_defaults(handler=handler)
        return p

    demo = command("demo", "make a fresh EXERCISE store with synthetic incidents and open it", cmd_demo)
    demo.add_argument("--people", type=int, default=None, help="residents in the care-home incident (default 48)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (the demo is deterministic)")
    demo.add_argument("--no-tui", action="store_true", help="build the store and print its path only")

    setup = command("setup", "record the operating council and its letterhead", cmd_setup)
    setup.add_argument("--authority", required=True, help="GSS code, short code or name, e.g. 'Leeds'")
    setup.add_argument("--team", required=True)
    setup.add_argument("--address", default="")
    setup.add_argument("--phone", default="")
    setup.add_argument("--email", default="")
    setup.add_argument("--exercise", action="store_true", help="make a new store an EXERCISE store")

    incident = command("incident", "open, list, show and change incidents", None).add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    opener = command("open", "open an incident", cmd_incident_open, incident)
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
    command("list", "list incidents", cmd_incident_list, incident)
    show = command("show", "show one incident with its classification reasons", cmd_incident_show, incident)
    show.add_argument("id", type=int)
    status = command("status", "move an incident through its lifecycle", cmd_incident_status, incident)
    status.add_argument("id", type=int)
    status.add_argument("new_status", help="warning, monitoring, active, stepping-down, closed")
    status.add_argument("--reason", required=True)
    facts = command("facts", "change an incident's facts; the classification is recomputed", cmd_incident_facts, incident)
    facts.add_argument("id", type=int)
    facts.add_argument("--event")
    facts.add_argument("--continuing", dest="continuing", action="store_true", default=None)
    facts.add_argument("--not-continuing", dest="continuing", action="store_false")
    facts.add_argument("--area")
    facts.add_argument("--reason", required=True)

    command("events", "list the trigger events with their citations", cmd_events)

    people = command("people", "the roster of affected people", None).add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    importer = command("import", "import the provider's list (CSV or XLSX); nobody is dropped", cmd_people_import, people)
    importer.add_argument("incident", type=int)
    importer.add_argument("file", type=Path)
    importer.add_argument("--map", help="a TOML/JSON file {'Header in file' = 'field'}, or a saved mapping's name")
    importer.add_argument("--save-map", help="save the --map mapping under this name for next time")
    importer.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    lister = command("list", "list people with their determination", cmd_people_list, people)
    lister.add_argument("incident", type=int)
    lister.add_argument("--basis", help="s48, s48+s49, existing-s18, nhs-icb, urgent-s19, not-our-duty, none-yet")
    lister.add_argument("--authority", help="people a body must be told about: council or ICB code or name")
    lister.add_argument("--rag", help="RED, AMBER, GREEN or none")
    lister.add_argument("--status", help="with-provider, alternative-arranged, moved, ...")
    lister.add_argument("--flag", help="a flag key, or 'any'")
    lister.add_argument("--search", default="", help="name, NHS number, provider ref or date of birth")
    shower = command("show", "show one person, their determination and history", cmd_people_show, people)
    shower.add_argument("person", type=int)
    adder = command("add", "add one person (FIELD=VALUE ...)", cmd_people_add, people)
    adder.add_argument("incident", type=int)
    adder.add_argument("values", nargs="+", metavar="FIELD=VALUE")
    adder.add_argument("--reason")
    editor = command("edit", "change fields of one person (FIELD=VALUE ...)", cmd_people_edit, people)
    editor.add_argument("person", type=int)
    editor.add_argument("values", nargs="+", metavar="FIELD=VALUE")
    editor.add_argument("--reason")
    stat = command("status", "record where a person is now", cmd_people_status, people)
    stat.add_argument("person", type=int)
    stat.add_argument("new_status", help="with-provider, alternative-arranged, moved, in-hospital, deceased, "
                      "own-arrangements, care-resumed")
    stat.add_argument("--detail", default="", help="e.g. where they moved to")
    stat.add_argument("--reason")

    log = command("log", "the event log", None).add_subparsers(dest="action", required=True, parser_class=_Parser)
    command("verify", "check the event log's hash chain and that records match it", cmd_log_verify, log)
    return parser


# --- plumbing --------------------------------------------------------------------------------------


def _store(args: argparse.Namespace, *, create: StoreKind | None = None) -> Store:
    from contingency.paths import default_store_path

    path = args.db or default_store_path()
    officer = args.officer or os.environ.get("CONTINGENCY_OFFICER", "")
    store = open_store(path, officer=officer, create=create)
    if not store.officer:
        settings = store.settings()
        store.officer = settings.officer if settings else ""
    return store


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        print(text)


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


def _incident_text(store: Store, incident: Incident) -> str:
    facts = incident.facts
    area = store.authorities.get(facts.area_code)
    lines = [
        f"Incident {incident.id}: {facts.provider_name}",
        f"  {incident.classification.label} · status {incident.status.value}",
        f"  service: {facts.service_kind.label} in {area.name if area else facts.area_code}",
        f"  trigger: {facts.event_key}" + (f" on {facts.event_date:%d/%m/%Y}" if facts.event_date else ""),
        f"  duty start (aware): {format_local(facts.aware_at)}",
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
    store = _store(args, create=wanted)
    if args.exercise and store.kind is not wanted:
        raise BadInput(f"{store.path} is a {store.kind.value} store; an exercise needs a new file (give another --db)")
    settings = setup_council(store, authority=args.authority, team=args.team, officer=args.officer,
                             address=args.address, phone=args.phone, email=args.email)
    authority = store.authorities.get(settings.authority_code)
    _emit(args, {**settings.model_dump(), "store": str(store.path), "kind": store.kind.value},
          f"{store.kind.value} store {store.path} belongs to {authority.name} ({settings.team})")
    return EXIT_OK


def cmd_incident_open(args: argparse.Namespace) -> int:
    from contingency.services.incidents import build_facts, open_incident

    store = _store(args)
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
        _emit(args, incident_json(store, incident), "")
    else:
        print(incident.id)
    return EXIT_OK


def cmd_incident_list(args: argparse.Namespace) -> int:
    store = _store(args)
    incidents = store.incidents.list()
    now = store.clock()
    lines = [f"{'ID':>4}  {'STATUS':<13} {'CLASSIFICATION':<19} {'AWARE':<16} {'PEOPLE':>6}  PROVIDER"]
    lines += [
        f"{i.id:>4}  {i.status.value:<13} {i.classification.label:<19} {format_local(i.facts.aware_at, now=now):<16}"
        f" {i.people_count:>6}  {i.facts.provider_name}"
        for i in incidents
    ]
    _emit(args, [incident_json(store, i) for i in incidents], "\n".join(lines) if incidents else "no incidents")
    return EXIT_OK


def cmd_incident_show(args: argparse.Namespace) -> int:
    store = _store(args)
    incident = store.incidents.get(args.id)
    _emit(args, incident_json(store, incident), _incident_text(store, incident))
    return EXIT_OK


def cmd_incident_status(args: argparse.Namespace) -> int:
    from contingency.services.incidents import change_status

    store = _store(args)
    incident = change_status(store, args.id, args.new_status, args.reason)
    _emit(args, incident_json(store, incident), f"incident {incident.id} is now {incident.status.value}")
    return EXIT_OK


def cmd_incident_facts(args: argparse.Namespace) -> int:
    from contingency.services.incidents import build_facts, change_facts

    store = _store(args)
    current = store.incidents.get(args.id).facts
    changes: dict[str, Any] = {}
    if args.event is not None or args.area is not None:
        checked = build_facts(store, provider=current.provider_name, service=current.service_kind.value,
                              area=args.area or current.area_code, event=args.event or current.event_key,
                              aware_at=current.aware_at)
        changes.update(event_key=checked.event_key, area_code=checked.area_code)
    if args.continuing is not None:
        changes["continuing"] = args.continuing
    if not changes:
        raise BadInput("nothing to change: give --event, --area, --continuing or --not-continuing")
    incident = change_facts(store, args.id, reason=args.reason, **changes)
    _emit(args, incident_json(store, incident), _incident_text(store, incident))
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
    _emit(args, data, text)
    return EXIT_OK


def person_json(person: Person) -> dict[str, Any]:
    facts = person.facts.model_dump(mode="json")
    det = person.determination
    return {
        "id": person.id, "incident_id": person.incident_id, **facts,
        "basis": det.basis.value, "notify": list(det.notify), "recover_from": det.recover_from,
        "charge_route": det.charge_route.value if det.charge_route else None,
        "flags": [f.value for f in det.flags], "reasons": list(det.reasons),
    }


def _field_values(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise BadInput(f"{pair!r} should be FIELD=VALUE, e.g. last_name=Exampleton")
        values[name.strip()] = value
    return values


def cmd_people_import(args: argparse.Namespace) -> int:
    from contingency.services.importer import import_file, load_mapping, save_mapping

    store = _store(args)
    mapping = load_mapping(store, args.map)
    if args.save_map:
        save_mapping(store, args.save_map, mapping)
    summary = import_file(store, args.incident, args.file, mapping=mapping, sheet=args.sheet)
    _emit(args, summary.as_json(), summary.sentence())
    return EXIT_OK


def cmd_people_list(args: argparse.Namespace) -> int:
    from contingency.store.people import RosterQuery

    store = _store(args)
    store.incidents.get(args.incident)
    authority_ref = None
    if args.authority:
        try:
            authority_ref = store.authorities.resolve(args.authority).ref
        except LookupError:
            try:
                authority_ref = store.icbs.resolve(args.authority).ref
            except LookupError as exc:
                raise BadInput(f"--authority: {exc}") from None
    query = RosterQuery(args.incident, search=args.search, basis=args.basis, authority_ref=authority_ref,
                        rag=args.rag.upper() if args.rag and args.rag != "none" else args.rag,
                        status=args.status, flag=args.flag)
    people = store.people.page(query, limit=-1)
    lines = [f"{'ID':>6}  {'NAME':<28} {'DOB':<10}  {'RAG':<6} {'BASIS':<13} FLAGS"]
    for p in people:
        f = p.facts
        lines.append(f"{p.id:>6}  {f.display_name[:28]:<28} {f.date_of_birth.strftime('%d/%m/%Y') if f.date_of_birth else '':<10}"
                     f"  {f.rag.value if f.rag else '-':<6} {p.determination.basis.value:<13} "
                     f"{', '.join(fl.value for fl in p.determination.flags)}")
    lines.append(f"{len(people)} people")
    _emit(args, [person_json(p) for p in people], "\n".join(lines))
    return EXIT_OK


def cmd_people_show(args: argparse.Namespace) -> int:
    store = _store(args)
    person = store.people.get(args.person)
    history = [
        {"seq": e.seq, "at": to_utc_iso(e.at), "officer": e.officer, "action": e.action, "reason": e.reason}
        for e in store.log.for_entity("person", person.id)
    ]
    det = person.determination
    text = "\n".join([
        f"Person {person.id}: {person.facts.display_name} (incident {person.incident_id})",
        f"  basis {det.basis.label}; notify {', '.join(det.notify) or 'nobody'}; recover from "
        f"{det.recover_from or 'nobody'}; charge {det.charge_route.value if det.charge_route else 'no charge'}",
        f"  flags: {', '.join(f.label for f in det.flags) or 'none'}",
        *(f"  - {r}" for r in det.reasons),
        *(f"  issue: {i.field} {i.value!r}: {i.message}" for i in person.facts.issues),
        "  history:",
        *(f"    {h['at']} {h['officer']}: {h['action']}" + (f" ({h['reason']})" if h["reason"] else "") for h in history),
    ])
    _emit(args, {**person_json(person), "history": history}, text)
    return EXIT_OK


def cmd_people_add(args: argparse.Namespace) -> int:
    from contingency.services.people import add_person, parse_changes

    store = _store(args)
    person = add_person(store, args.incident, parse_changes(store, _field_values(args.values)), reason=args.reason)
    _emit(args, person_json(person), str(person.id))
    return EXIT_OK


def cmd_people_edit(args: argparse.Namespace) -> int:
    from contingency.services.people import edit_person, parse_changes

    store = _store(args)
    person = edit_person(store, args.person, parse_changes(store, _field_values(args.values)), reason=args.reason)
    _emit(args, person_json(person), f"person {person.id} updated; basis {person.determination.basis.value}")
    return EXIT_OK


def cmd_people_status(args: argparse.Namespace) -> int:
    from contingency.services.people import set_status

    store = _store(args)
    person = set_status(store, args.person, args.new_status, args.detail, args.reason)
    _emit(args, person_json(person), f"person {person.id} is now {person.facts.status.label}")
    return EXIT_OK


def cmd_log_verify(args: argparse.Namespace) -> int:
    store = _store(args)
    result = store.verify_log()
    data = {"ok": result.ok, "entries": result.entries, "head": result.head, "problem": result.problem,
            "first_bad_seq": result.first_bad_seq}
    if result.ok:
        _emit(args, data, f"event log OK: {result.entries} entries; chain head {result.head}")
        return EXIT_OK
    if args.json:
        _emit(args, data, "")
    else:
        print(f"event log BROKEN: {result.problem}", file=sys.stderr)
    return EXIT_CHECK_FAILED


def cmd_demo(args: argparse.Namespace) -> int:
    from contingency.paths import default_store_path
    from contingency.services.demo import build_demo

    path = args.db or default_store_path().with_name("demo-exercise.sqlite")
    store = build_demo(path, seed=args.seed, people=args.people, replace_default=args.db is None,
                       officer=args.officer or "Demo Officer", clock=system_clock)
    if args.no_tui:
        _emit(args, {"store": str(path), "incidents": [incident_json(store, i) for i in store.incidents.list()]},
              str(path))
        return EXIT_OK
    return run_tui(store)


def run_tui(store: Store) -> int:
    from contingency.tui.app import ContingencyApp

    ContingencyApp(store).run()
    return EXIT_OK


def cmd_tui(args: argparse.Namespace) -> int:
    store = _store(args, create=StoreKind.LIVE)
    return run_tui(store)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler = getattr(args, "handler", None) or cmd_tui
        return handler(args)
    except (ArgumentError, BadInput, NotFound, StoreMissing) as exc:
        print(f"contingency: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (StoreBusy, StoreCorrupt, StoreError) as exc:
        print(f"contingency: {exc}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        return 130
