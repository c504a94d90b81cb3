"""Commands for placements and moves: vacancies (offers of beds and care hours), matching a person to them,
deciding a move, and its checklist."""

from __future__ import annotations

import argparse
from pathlib import Path

from contingency.commands.base import EXIT_OK, Commands, emit, record_id, store_for


def register(cmds: Commands) -> None:
    vacancies = cmds.group("vacancies", "offers of beds and care hours from other providers")
    adder = vacancies.add("add", "record one offer", cmd_vacancies_add)
    adder.add_argument("--provider", required=True, help="the home or agency offering")
    adder.add_argument("--type", default="residential",
                       help="residential, nursing, dementia, bariatric (several with commas) or home-care")
    adder.add_argument("--location", default="", help="the home's name and address")
    adder.add_argument("--postcode", default="")
    adder.add_argument("--gender", default="any", help="any, female or male")
    adder.add_argument("--places", default="1", help="beds, or hours a week for home care (default 1)")
    adder.add_argument("--rate", default="", help="weekly rate in pounds, e.g. 1,050.00")
    adder.add_argument("--from", dest="available_from", default="", help="available from (UK time, e.g. 24/11/2026 09:00)")
    adder.add_argument("--until", dest="held_until", default="",
                       help="held until (UK time; a date alone means the end of that day)")
    adder.add_argument("--contact", default="")
    adder.add_argument("--notes", default="")
    adder.add_argument("--incident", type=record_id, help="the incident it was offered for (default: any)")
    importer = vacancies.add("import", "import offers from a CSV or XLSX list; rows not read are kept with reasons",
                             cmd_vacancies_import)
    importer.add_argument("file", type=Path)
    importer.add_argument("--incident", type=record_id, help="the incident they were offered for (default: any)")
    importer.add_argument("--sheet", help="XLSX sheet name")
    importer.add_argument("--header-row", type=int, metavar="N", help="the row number holding the headers")
    lister = vacancies.add("list", "list offers: EXPIRED in words once their hold has passed", cmd_vacancies_list)
    lister.add_argument("--incident", type=record_id, help="offers for this incident (and those for any)")
    lister.add_argument("--current", action="store_true", help="leave out expired offers")

    move = cmds.group("move", "moving a person to a new placement: match, decide, checklist")
    matcher = move.add("match", "offers that suit a person, best first", cmd_move_match)
    matcher.add_argument("person", type=record_id)
    decider = move.add("decide", "choose a vacancy for a person: a decision entry with the options considered",
                       cmd_move_decide)
    decider.add_argument("person", type=record_id)
    decider.add_argument("--vacancy", type=record_id, required=True)
    decider.add_argument("--reason", required=True, help="why this place (the rationale)")
    decider.add_argument("--split-reason", default="",
                         help="why a couple sharing a room is parted (required when the move does that)")
    checker = move.add("checklist", "the move's checklist: due, overdue, done, N/A", cmd_move_checklist)
    checker.add_argument("person", type=record_id)
    ticker = move.add("tick", "mark a checklist item done or not applicable, with a note", cmd_move_tick)
    ticker.add_argument("person", type=record_id)
    ticker.add_argument("item", help="the item's key, as 'move checklist' shows it (e.g. medicines)")
    state = ticker.add_mutually_exclusive_group(required=True)
    state.add_argument("--done", action="store_true")
    state.add_argument("--na", action="store_true", help="not applicable")
    ticker.add_argument("--note", required=True)
    facts = move.add("facts", "record what a placement needs: sex, partner, shared room, friends, family postcode",
                     cmd_move_facts)
    facts.add_argument("person", type=record_id)
    facts.add_argument("--sex", help="female or male")
    partner = facts.add_mutually_exclusive_group()
    partner.add_argument("--partner", type=record_id, help="the partner's person id (recorded on both)")
    partner.add_argument("--no-partner", action="store_true",
                         help="no partner: undo one recorded in error (neither record names the other any more)")
    facts.add_argument("--shares-room", choices=["yes", "no"], help="the couple share a room")
    facts.add_argument("--friends", help="person ids of friends from the same home, with commas")
    facts.add_argument("--family-postcode")


def cmd_vacancies_add(args: argparse.Namespace) -> int:
    from contingency.services.placements import add_vacancy, offers, vacancy_json

    store = store_for(args)
    values = {k: getattr(args, k) for k in ("provider", "type", "location", "postcode", "gender", "places", "rate",
                                            "available_from", "held_until", "contact", "notes")}
    vacancy = add_vacancy(store, values, incident_id=args.incident)
    offer = next(o for o in offers(store) if o.vacancy.id == vacancy.id)
    emit(args, vacancy_json(offer), f"vacancy {vacancy.id}: {_offer_line(offer)}")
    return EXIT_OK


def cmd_vacancies_import(args: argparse.Namespace) -> int:
    from contingency.services.placements import import_vacancies

    store = store_for(args)
    summary = import_vacancies(store, args.file, incident_id=args.incident, sheet=args.sheet,
                               header_row=args.header_row)
    emit(args, summary.as_json(), summary.sentence())
    return EXIT_OK


def _offer_line(offer) -> str:
    v = offer.vacancy
    gender = "" if v.gender.value == "any" else f" · {v.gender.value} only"
    where = " ".join(p for p in (v.location, v.postcode) if p)
    return (f"{v.provider}{(' · ' + where) if where else ''} · {v.types_words}{gender} · {offer.left} of "
            f"{v.places_words} left · {offer.rate_words} · {offer.when}")


def cmd_vacancies_list(args: argparse.Namespace) -> int:
    from contingency.services.placements import offers, vacancy_json

    store = store_for(args)
    found = [o for o in offers(store, args.incident) if not (args.current and o.expired)]
    lines = [f"{len(found)} offer(s); {sum(o.expired for o in found)} EXPIRED"]
    lines += [f"  {o.vacancy.id:>4}  {_offer_line(o)}" for o in found]
    emit(args, [vacancy_json(o) for o in found], "\n".join(lines))
    return EXIT_OK


def cmd_move_match(args: argparse.Namespace) -> int:
    from contingency.services.placements import match, match_json

    store = store_for(args)
    found = match(store, args.person)
    name = found.person.facts.display_name
    lines = [f"{name} (person {found.person.id}) needs: {found.needs_words()}"
             + (f"; partner {found.seeker.partner_name}" if found.seeker.partner_name else "")]
    if found.current is not None:
        lines.append(f"  move already decided: vacancy {found.current.vacancy_id} (decision {found.current.decision_id})")
    lines.append(f"{len(found.matches)} suitable, best first:")
    for n, m in enumerate(found.matches, 1):
        rate = f"£{m.vacancy.weekly_rate_pence / 100:,.2f}/wk" if m.vacancy.weekly_rate_pence is not None else "rate ?"
        lines.append(f"  {n}. vacancy {m.vacancy.id}  {m.vacancy.provider} {m.vacancy.postcode} · {rate} · {m.words}")
    if found.unsuitable:
        lines.append(f"{len(found.unsuitable)} not suitable:")
        lines += [f"  vacancy {u.vacancy.id}  {u.vacancy.provider}: {u.reason}" for u in found.unsuitable]
    data = {"person_id": found.person.id, "name": name, "needs": sorted(t.value for t in found.seeker.needs),
            "partner": found.seeker.partner_name or None,
            "current_move": ({"vacancy_id": found.current.vacancy_id, "decision_id": found.current.decision_id}
                             if found.current else None),
            "matches": [match_json(m) for m in found.matches],
            "unsuitable": [{"vacancy_id": u.vacancy.id, "provider": u.vacancy.provider, "reason": u.reason}
                           for u in found.unsuitable]}
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_move_decide(args: argparse.Namespace) -> int:
    from contingency.services.placements import decide_move

    store = store_for(args)
    move, entry = decide_move(store, args.person, args.vacancy, rationale=args.reason, split_reason=args.split_reason)
    emit(args, {"move_id": move.id, "person_id": move.person_id, "vacancy_id": move.vacancy_id,
                "decision_id": entry.id, "decision": entry.decision, "options": list(entry.options)},
         f"decision {entry.id}: {entry.decision}\nmove {move.id}: checklist made ('contingency move checklist "
         f"{move.person_id}')")
    return EXIT_OK


def cmd_move_checklist(args: argparse.Namespace) -> int:
    from contingency.services.placements import checklist, checklist_json

    store = store_for(args)
    now = store.clock()
    view = checklist(store, args.person)
    lines = [f"{view.person.facts.display_name}: move to {view.vacancy.provider} (decision {view.move.decision_id})"
             f" · {view.open_count} open, {view.overdue_count} OVERDUE"]
    for row in view.rows:
        note = f" · {row.item.note}" if row.item.note else ""
        lines.append(f"  {row.item.key:<12} {row.due_words(now):<18} {row.rule.title}{note}")
    emit(args, checklist_json(view, now), "\n".join(lines))
    return EXIT_OK


def cmd_move_tick(args: argparse.Namespace) -> int:
    from contingency.services.placements import checklist_json, tick

    store = store_for(args)
    view, did = tick(store, args.person, args.item, done=args.done, note=args.note)
    row = next(r for r in view.rows if r.item.key == args.item)
    data = {**checklist_json(view, store.clock()), "ticked": args.item, "also": did}
    emit(args, data, "\n".join([f"{row.rule.title}: {row.item.state.label} · {view.open_count} open", *did]))
    return EXIT_OK


def cmd_move_facts(args: argparse.Namespace) -> int:
    from contingency.services.errors import BadInput
    from contingency.services.placements import set_placement_facts

    store = store_for(args)
    friends = None
    if args.friends is not None:
        try:
            friends = [int(f) for f in args.friends.replace(" ", "").split(",") if f]
        except ValueError:
            raise BadInput("--friends: give person ids separated by commas, e.g. 12,15") from None
    profile = set_placement_facts(store, args.person, sex=args.sex, partner_id=args.partner,
                                  no_partner=args.no_partner,
                                  shares_room=None if args.shares_room is None else args.shares_room == "yes",
                                  friends=friends, family_postcode=args.family_postcode)
    emit(args, profile, f"person {args.person}: " + ", ".join(f"{k} {v}" for k, v in profile.items()
                                                              if k != "person_id" and v not in (None, "", [])))
    return EXIT_OK
