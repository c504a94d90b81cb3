"""Commands for the roster: import, list, show, add, edit and status."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from contingency.commands.base import EXIT_OK, Commands, emit, record_id, store_for
from contingency.person import Person
from contingency.rules.columns import mask_secret
from contingency.rules.times import to_utc_iso
from contingency.rules.words import plural
from contingency.services.errors import BadInput
from contingency.services.tabular import MAX_COLUMNS, MAX_ROWS, Limits


def register(cmds: Commands) -> None:
    people = cmds.group("people", "the roster of affected people")
    importer = people.add("import", "import the provider's list (CSV or XLSX); nobody is dropped", cmd_people_import)
    importer.add_argument("incident", type=record_id)
    importer.add_argument("file", type=Path)
    importer.add_argument("--map", help="a TOML/JSON file {'Header in file' = 'field'}, or a saved mapping's name")
    importer.add_argument("--save-map", help="save the --map mapping under this name for next time")
    importer.add_argument("--sheet", help="XLSX sheet name (default: the sheet whose header row is most recognised)")
    importer.add_argument("--header-row", type=int, metavar="N",
                          help="the row number holding the column headers (default: the row most like one)")
    importer.add_argument("--max-rows", type=int, default=MAX_ROWS, metavar="N",
                          help=f"refuse a list longer than N rows, header and lines above it included "
                               f"(default {MAX_ROWS:,})")
    importer.add_argument("--max-columns", type=int, default=MAX_COLUMNS, metavar="N",
                          help=f"refuse a list wider than N columns (default {MAX_COLUMNS})")
    importer.add_argument("--dry-run", action="store_true",
                          help="show the header row, each column's field and the first rows as they would be "
                               "stored, with their flags; write nothing")
    lister = people.add("list", "list people with their determination", cmd_people_list)
    lister.add_argument("incident", type=record_id)
    lister.add_argument("--basis", help="s48, s48+s49, existing-s18, nhs-icb, urgent-s19, not-our-duty, none-yet")
    lister.add_argument("--authority", help="people a body must be told about: council or ICB code or name")
    lister.add_argument("--rag", help="RED, AMBER, GREEN or none")
    lister.add_argument("--status", help="with-provider, alternative-arranged, moved, ...")
    lister.add_argument("--flag", help="a flag key, or 'any'")
    lister.add_argument("--search", default="", help="name, NHS number, provider ref or date of birth")
    shower = people.add("show", "show one person, their determination and history", cmd_people_show)
    shower.add_argument("person", type=record_id)
    shower.add_argument("--reveal-key-safe", action="store_true", help="print the key-safe code (masked otherwise); who looked, and when, is logged")
    adder = people.add("add", "add one person (FIELD=VALUE ...)", cmd_people_add)
    adder.add_argument("incident", type=record_id)
    adder.add_argument("values", nargs="+", metavar="FIELD=VALUE")
    adder.add_argument("--reason")
    editor = people.add("edit", "change fields of one person (FIELD=VALUE ...)", cmd_people_edit)
    editor.add_argument("person", type=record_id)
    editor.add_argument("values", nargs="+", metavar="FIELD=VALUE")
    editor.add_argument("--reason")
    merger = people.add("merge", "fold a duplicate record into another (nothing is deleted)", cmd_people_merge)
    merger.add_argument("keep", type=record_id, help="the record to keep")
    merger.add_argument("duplicate", type=record_id, help="the record merged into it")
    merger.add_argument("--reason", required=True)
    stat = people.add("status", "record where a person is now", cmd_people_status)
    stat.add_argument("person", type=record_id)
    stat.add_argument("new_status", help="with-provider, alternative-arranged, moved, in-hospital, deceased, "
                      "own-arrangements, care-resumed")
    stat.add_argument("--detail", default="", help="e.g. where they moved to")
    stat.add_argument("--reason")



def person_json(person: Person) -> dict[str, Any]:
    facts = person.facts.model_dump(mode="json")
    # A key-safe code opens the person's front door: never in output unless asked for by name.
    facts["key_safe_code"] = mask_secret(person.facts.key_safe_code)
    det = person.determination
    return {
        "id": person.id, "incident_id": person.incident_id, "merged_into": person.merged_into, **facts,
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
    from contingency.services.importer import (
        import_file,
        load_mapping,
        preview_file,
        save_mapping,
    )

    limits = Limits(rows=args.max_rows, columns=args.max_columns)
    store = store_for(args)
    mapping = load_mapping(store, args.map)
    if args.dry_run:
        if args.save_map:
            raise BadInput("--dry-run writes nothing, so it cannot --save-map; drop one of them")
        store.incidents.get(args.incident)
        preview = preview_file(store, args.incident, args.file, mapping=mapping, sheet=args.sheet,
                               header_row=args.header_row, limits=limits)
        emit(args, preview.as_json(), preview.sentence())
        return EXIT_OK
    if args.save_map:
        save_mapping(store, args.save_map, mapping)
    summary = import_file(store, args.incident, args.file, mapping=mapping, sheet=args.sheet,
                          header_row=args.header_row, limits=limits)
    emit(args, summary.as_json(), summary.sentence())
    return EXIT_OK


def cmd_people_list(args: argparse.Namespace) -> int:
    from contingency.store.people import RosterQuery

    store = store_for(args)
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
    lines.append(plural(len(people), "person", "people"))
    emit(args, [person_json(p) for p in people], "\n".join(lines))
    return EXIT_OK


def cmd_people_show(args: argparse.Namespace) -> int:
    from contingency.services.people import reveal_key_safe

    store = store_for(args)
    person = store.people.get(args.person)
    history = [
        {"seq": e.seq, "at": to_utc_iso(e.at), "officer": e.officer, "action": e.action, "reason": e.reason}
        for e in store.log.for_entity("person", person.id)
    ]
    det = person.determination
    merged = ([f"  MERGED into person {person.merged_into}: this record is kept for its history; use person "
               f"{person.merged_into} ('contingency people show {person.merged_into}')"]
              if person.merged_into is not None else [])
    # Shown only after the look is logged (who, when, whose door; never the code), as on the person screen.
    revealed = (reveal_key_safe(store, person.id, via="people show --reveal-key-safe")
                if args.reveal_key_safe and person.facts.key_safe_code else "")
    key_safe = revealed or (f"{mask_secret(person.facts.key_safe_code)} (--reveal-key-safe shows it)"
                            if person.facts.key_safe_code else "")
    text = "\n".join([
        f"Person {person.id}: {person.facts.display_name} (incident {person.incident_id})",
        *merged,
        f"  basis {det.basis.label}; notify {', '.join(det.notify) or 'nobody'}; recover from "
        f"{det.recover_from or 'nobody'}; charge {det.charge_route.value if det.charge_route else 'no charge'}",
        f"  flags: {', '.join(f.label for f in det.flags) or 'none'}",
        *(f"  - {r}" for r in det.reasons),
        *(f"  issue: {i.field} {i.value!r}: {i.message}" for i in person.facts.issues),
        *([f"  key safe code: {key_safe}"] if key_safe else []),
        "  history:",
        *(f"    {h['at']} {h['officer']}: {h['action']}" + (f" ({h['reason']})" if h["reason"] else "") for h in history),
    ])
    shown = {**person_json(person), "history": history}
    if revealed:
        shown["key_safe_code"] = revealed
    emit(args, shown, text)
    return EXIT_OK


def cmd_people_add(args: argparse.Namespace) -> int:
    from contingency.services.people import add_person, parse_changes

    store = store_for(args)
    person = add_person(store, args.incident, parse_changes(store, _field_values(args.values)), reason=args.reason)
    emit(args, person_json(person), str(person.id))
    return EXIT_OK


def cmd_people_edit(args: argparse.Namespace) -> int:
    from contingency.services.people import edit_person, parse_changes

    store = store_for(args)
    person = edit_person(store, args.person, parse_changes(store, _field_values(args.values)), reason=args.reason)
    emit(args, person_json(person), f"person {person.id} updated; basis {person.determination.basis.value}")
    return EXIT_OK


def cmd_people_status(args: argparse.Namespace) -> int:
    from contingency.services.people import set_status

    store = store_for(args)
    person = set_status(store, args.person, args.new_status, args.detail, args.reason)
    emit(args, person_json(person), f"person {person.id} is now {person.facts.status.label}")
    return EXIT_OK




def cmd_people_merge(args: argparse.Namespace) -> int:
    from contingency.services.costs import plan_merge
    from contingency.services.people import differences_text, merge_people

    store = store_for(args)
    keep, other = store.people.get(args.keep), store.people.get(args.duplicate)
    # Read before merging: afterwards the kept record has filled its gaps from the other and they look alike.
    differences = differences_text(keep, other)
    plan = plan_merge(store, keep, other)
    person = merge_people(store, args.keep, args.duplicate, args.reason)
    emit(args, {**person_json(person), "costs": plan.sentence()},
         f"person {args.duplicate} merged into person {person.id}; {plan.sentence()}\n{differences}")
    return EXIT_OK
