"""The built-in demo: a seeded, deterministic EXERCISE store with synthetic incidents and people.

Names are obviously fictional and NHS numbers come from the 999 test range. The same generator
builds large incidents for benchmarks (`contingency demo --people 50000 --db PATH --no-tui`).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from contingency.clock import Clock
from contingency.engine.runs import Answer
from contingency.models import StoreKind
from contingency.rules.columns import CANONICAL, IMPORT_FIELDS
from contingency.rules.identifiers import nhs_check_digit
from contingency.rules.times import LONDON
from contingency.rules.words import plural
from contingency.services.errors import BadInput
from contingency.services.importer import import_table
from contingency.services.incidents import build_facts, open_incident
from contingency.services.playbooks import complete
from contingency.services.setup import setup_council
from contingency.services.tabular import Table
from contingency.store import Store, open_store

OUR_COUNCIL = "Leeds"
OTHER_ENGLISH = ["Bradford", "Kirklees", "Wakefield", "North Yorkshire", "Calderdale"]
HOME_ICB = "E54000054"  # NHS West Yorkshire ICB
OTHER_ICB = "E54000051"  # NHS Humber and North Yorkshire ICB

FIRST_NAMES = ["Ada", "Albert", "Alice", "Arthur", "Beryl", "Bernard", "Dorothy", "Donald", "Edith", "Ernest",
               "Florence", "Frank", "Gladys", "George", "Hilda", "Harold", "Irene", "Jack", "Joan", "Kenneth",
               "Lilian", "Leonard", "Margaret", "Norman", "Olive", "Peter", "Phyllis", "Ronald", "Sylvia",
               "Stanley", "Vera", "Walter", "Winifred", "Wilfred", "Maureen", "Dennis", "Brenda", "Keith"]
# Surnames no real family carries, so nobody can mistake a demo person for a real one.
SURNAMES = ["Exampleton", "Samplewood", "Testwell", "Demoford", "Mockridge", "Fictionby", "Placeholt",
            "Dummersby", "Trialbank", "Specimore", "Pretendale", "Notrealson", "Madeupworth", "Sandboxley",
            "Imaginby", "Fakenham-Test", "Drillsworth", "Rehearsal", "Exercisely", "Tabletopper"]
NEEDS = [
    "Help with washing, dressing and continence; hoist for transfers (two carers).",
    "Prompting with meals and medication; supervision at night because of dementia.",
    "Full support with personal care; pressure care two-hourly; soft diet.",
    "Help with mobility (frame) and bathing; reassurance when anxious in the evening.",
    "Insulin twice daily given by staff; diabetic diet; help with dressing.",
    "End-of-life care; syringe driver reviewed by district nurses; family visiting daily.",
    "Parkinson's medication at fixed times; falls risk; help with all transfers.",
    "Support to eat and drink (thickened fluids); catheter care; repositioning.",
]
RED_REASONS = ["End of life: syringe driver, needs nursing tonight", "Insulin-dependent: evening dose due 21:00",
               "Time-critical Parkinson's medication", "No family or advocate; safeguarding enquiry open",
               "Complex clinical needs: PEG feeding"]
AMBER_REASONS = ["Dementia with night-time distress; familiar staff matter", "High falls risk",
                 "Double-handed care for all transfers", "Recently discharged from hospital"]
GREEN_REASONS = ["Stable; family able to help", "Independent with most daily living", "Stable; low needs"]
ROOMS = ["Rowan", "Beech", "Willow", "Larch", "Hazel", "Cedar"]
# Home-care visit schedules by calls a day, in the formats providers use (contingency.rules.callround).
DEMO_VISIT_TIMES = {
    1: ("08:30", "breakfast", "6.45am"),
    2: ("07:00; 17:30", "breakfast, tea", "9am and 6pm"),
    3: ("06:30; 12:30; 17:30", "breakfast, lunch, tea", "8.15am, 1pm, 6.30pm"),
    4: ("07:00; 12:00; 16:30; 20:30", "breakfast, lunch, tea, bed", "0600 1230 1700 2100"),
}


def nhs_test_number(rng: random.Random, used: set[str]) -> str:
    """A valid NHS number from the 999 range, which is never issued to a real patient."""
    while True:
        body = "999" + f"{rng.randrange(10**6):06d}"
        check = nhs_check_digit(body)
        if check is None:
            continue
        number = body + check
        if number not in used:
            used.add(number)
            return number


def _profile(rng: random.Random, index: int, count: int) -> dict[str, Any]:
    """Funding and residence for the index-th person: a fixed cast first, then a realistic mix."""
    cast = [
        {"funding": "Private", "or": ""},  # ordinary residence unknown
        {"funding": "CHC", "icb": HOME_ICB, "or": OUR_COUNCIL},
        {"funding": "CHC", "icb": OTHER_ICB, "or": "North Yorkshire"},
        {"funding": "FNC", "icb": HOME_ICB, "or": OUR_COUNCIL},
        {"funding": "LA", "placing": "Cardiff", "or": "Cardiff"},  # s.49
        {"funding": "DP", "placing": "Kirklees", "or": "Kirklees"},
        {"funding": "LA", "placing": "Warks CC", "or": "Warwickshire"},  # an officer must fix the name
        {"funding": "S117", "placing": "Bradford", "icb": HOME_ICB, "or": "Bradford"},
        {"funding": "Private", "or": "Wakefield", "or_status": "disputed"},
        {"funding": "LA", "placing": "Glasgow City", "or": "Glasgow City"},  # s.49, Scotland
    ]
    if index < len(cast) and count >= 40:
        return cast[index]
    roll = rng.random()
    if roll < 0.36:
        return {"funding": "LA", "placing": OUR_COUNCIL, "or": OUR_COUNCIL}
    if roll < 0.58:
        other = rng.choice(OTHER_ENGLISH)
        return {"funding": "LA", "placing": other, "or": other}
    if roll < 0.86:
        return {"funding": "Private", "or": OUR_COUNCIL if rng.random() < 0.8 else rng.choice(OTHER_ENGLISH)}
    if roll < 0.92:
        return {"funding": "FNC", "icb": HOME_ICB, "or": OUR_COUNCIL}
    if roll < 0.96:
        return {"funding": "CHC", "icb": HOME_ICB, "or": OUR_COUNCIL}
    return {"funding": "DP", "placing": OUR_COUNCIL, "or": OUR_COUNCIL}


# Postcode sectors wholly in Leeds (db/postcode_sectors.csv), so the demo's people live where it says; the unit
# letters are made up ("ZZ"), as no real address is ever used.
LEEDS_SECTORS = ["LS1 1", "LS1 2", "LS1 3", "LS2 7", "LS2 8", "LS2 9", "LS3 1", "LS4 2", "LS5 2", "LS5 3", "LS6 1",
                 "LS6 2", "LS6 3", "LS6 4", "LS7 1", "LS7 2", "LS7 3", "LS7 4", "LS8 1", "LS8 2", "LS8 3", "LS8 4",
                 "LS8 5", "LS9 6", "LS9 7", "LS9 8", "LS10 1"]
# One home-care client lives over the boundary in Bradford: the duty for her is Bradford's (brief rule 5, case 3).
ACROSS_THE_BOUNDARY = "BD3 9"


def _demo_postcode(rng: random.Random, home_care: bool, index: int) -> str:
    # Two draws, as the demo always made: the same seed keeps giving the same people.
    district, sector_digit = rng.randrange(1, 29), rng.randrange(1, 10)
    sector = LEEDS_SECTORS[(district * 10 + sector_digit) % len(LEEDS_SECTORS)]
    if home_care and index == 3:
        sector = ACROSS_THE_BOUNDARY
    return f"{sector}ZZ"


def generate_people(count: int, *, seed: int, service: str, today: date) -> Table:
    """Rows as a provider might send them, under the template's canonical headers."""
    rng = random.Random(seed)
    used: set[str] = set()
    # A home-care list carries its visit times, which the welfare call-round reads (outside the template).
    fields = [*CANONICAL, "visit_times"] if service == "home-care" else list(CANONICAL)
    headers = [IMPORT_FIELDS[field] for field in fields]
    rows: list[tuple[int, list[Any]]] = []
    for index in range(count):
        profile = _profile(rng, index, count)
        rag_roll = rng.random()
        rag, reason = (("RED", rng.choice(RED_REASONS)) if rag_roll < 0.15 else
                       ("AMBER", rng.choice(AMBER_REASONS)) if rag_roll < 0.55 else
                       ("GREEN", rng.choice(GREEN_REASONS)) if rag_roll < 0.95 else ("", ""))
        dob = date(1926, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        capacity = rng.random() < 0.3
        has_nok = not capacity or rng.random() < 0.8
        home_care = service == "home-care"
        visits = rng.choice([7, 14, 21, 28]) if home_care else None
        values = {
            "provider_ref": f"{'HC' if home_care else 'MB'}{index + 1:05d}",
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(SURNAMES),
            "date_of_birth": dob.strftime("%d/%m/%Y"),
            "nhs_number": nhs_test_number(rng, used),
            "service_address": (f"{rng.randrange(1, 200)} Example Street, Leeds" if home_care
                                else f"{rng.choice(ROOMS)} wing, room {index + 1}"),
            "home_postcode": _demo_postcode(rng, home_care, index),
            "service_kind": service,
            "visits_per_week": visits,
            "hours_per_week": round(visits * rng.choice([0.5, 0.75, 1.0]), 2) if visits else None,
            "weekly_cost_pence": (f"{visits * 19.5:.2f}" if visits else f"{rng.randrange(850, 1450)}.00"),
            "needs_snapshot": rng.choice(NEEDS),
            "funding": profile["funding"],
            "funding_body": profile.get("placing", ""),
            "icb_code": profile.get("icb", ""),
            "or_code": profile.get("or", ""),
            "or_status": profile.get("or_status", "asserted" if profile.get("or") else ""),
            "capacity_concern": "yes" if capacity else "no",
            "nominee_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}" if has_nok else "",
            "nominee_relationship": rng.choice(["daughter", "son", "niece", "friend", "spouse"]) if has_nok else "",
            "nominee_phone": f"07700 900{rng.randrange(1000):03d}" if has_nok else "",  # Ofcom drama range
            "rag": rag,
            "rag_reason": reason,
            "status": "with provider",
            # Home care: the visit schedule, written as providers write it (contingency.rules.callround).
            "visit_times": DEMO_VISIT_TIMES[visits // 7][index % 3] if visits else "",
        }
        rows.append((index + 2, [values.get(field, "") for field in fields]))
    if count >= 40:  # one suspected duplicate pair: same name and birth date, different NHS numbers
        twin = list(rows[12][1])
        twin[fields.index("nhs_number")] = nhs_test_number(rng, used)
        twin[fields.index("provider_ref")] = "MB-DUP"
        rows.append((len(rows) + 2, twin))
    return Table(headers=headers, rows=rows, blank_rows=0, encoding="utf-8")


def build_demo(path: Path, *, seed: int, people: int | None, replace_default: bool, officer: str,
               clock: Clock) -> Store:
    path = Path(path)
    if path.exists():
        if not replace_default:
            raise BadInput(f"{path} already exists; the demo makes a fresh store, so give a new --db path")
        _remove_previous_demo(path)
    store = open_store(path, officer=officer, clock=clock, create=StoreKind.EXERCISE)
    setup_council(store, authority=OUR_COUNCIL, team="Emergency Duty Team (EXERCISE)", officer=officer,
                  address="Exercise Room 1, Civic Hall, Leeds LS1 1UR", phone="0113 496 0000",
                  email="edt.exercise@example.gov.uk")
    now = clock()
    aware_at = now - timedelta(hours=1, minutes=20)
    # The officer's calendar, not UTC's: between midnight and 01:00 in summer the two disagree, and the
    # administrators' notice is dated the London day the officer became aware.
    today = aware_at.astimezone(LONDON).date()
    care_home = open_incident(store, build_facts(
        store, provider="Meadowbrook Care Homes Ltd (Meadowbrook House)", service="care-home", area=OUR_COUNCIL,
        event="administration", aware_at=aware_at, event_date=today,
        cqc_provider_id="1-101999001", cqc_location_ids=("1-109999001",), lead_officer=officer,
        insolvency_practitioner="Exemplar Restructuring LLP (joint administrators)",
    ))
    count = people if people is not None else 48
    import_table(store, care_home.id, generate_people(count, seed=seed, service="care-home", today=today),
                 file_name="meadowbrook-residents.xlsx", sha256="demo", mapping={})
    _first_steps_done(store, care_home.id, {
        "confirm-trigger": Answer(decision="1", rationale="Joint administrators' notice emailed to EDT at 00:52; "
                                  "appointment checked on Companies House"),
        "check-continuing": Answer(decision="1", rationale="Administrators will not fund wages after tonight; "
                                   "the manager says day staff have been told not to come in"),
        "open-decision-log": Answer(note="On-call manager told at 01:05; duty officer leads until 08:00"),
        "request-people-list": Answer(count=len(store.people.ids(care_home.id)),
                                      note="Resident list from the home manager as a spreadsheet"),
    })
    home_care = open_incident(store, build_facts(
        store, provider="Brightpath Home Support Ltd", service="home-care", area=OUR_COUNCIL,
        event="service-interruption", aware_at=now - timedelta(hours=5), cqc_provider_id="1-101999002",
        lead_officer=officer,
    ))
    import_table(store, home_care.id, generate_people(12, seed=seed + 1, service="home-care", today=today),
                 file_name="brightpath-clients.csv", sha256="demo", mapping={})
    _first_steps_done(store, home_care.id, {
        "confirm-route": Answer(decision="1", rationale="Staff off sick with norovirus; the company is trading"),
        "judge-jeopardy": Answer(decision="2", rationale="Brightpath can cover two thirds of tonight's calls"),
        "request-people-list": Answer(count=len(store.people.ids(home_care.id)), note="Client list from the agency"),
    })
    _urgent_nursing(store, care_home.id)
    _demo_calls(store, home_care.id)
    _demo_costs(store, care_home.id)
    _demo_placements(store, care_home.id)
    return store


def _demo_calls(store: Store, incident_id: int) -> None:
    """The welfare call-round under way: the first person to ring did not answer 25 minutes ago (so the
    escalation to the next of kin is due), the second is safe with family, and the third has a breakfast
    visit arranged with the reablement team, which covers it."""
    from contingency.services.callround import call_round, record_call, record_cover

    now = store.clock()
    rows = call_round(store, incident_id, now=now).rows
    if len(rows) < 3:
        return
    record_call(store, rows[0].person_id, outcome="no-answer", called="the person",
                called_at=now - timedelta(minutes=25))
    record_call(store, rows[1].person_id, outcome="safe-with-family", called="next of kin",
                note="Daughter is staying tonight and will give the morning medication",
                called_at=now - timedelta(minutes=15))
    record_cover(store, incident_id, covered_by="Leeds Reablement Team (EXERCISE)", starts=now,
                 people=[rows[2].person_id], note="Reablement can take this client's calls until Brightpath recovers")
    record_call(store, rows[2].person_id, outcome="visit-arranged", called="the person",
                note="Reablement team will visit at each call time from the morning",
                next_action_text="confirm the first visit happened", next_at=now + timedelta(hours=7),
                called_at=now - timedelta(minutes=5))


def _urgent_nursing(store: Store, incident_id: int) -> None:
    """Tonight EDT booked nursing for one FNC resident itself, so the ICB's consent is to be sought (brief rule 12)
    and the playbook shows its 24-hour task."""
    from contingency.person import Funding
    from contingency.services.people import edit_person, parse_changes

    fnc = next((p for p in sorted(store.people.all(incident_id), key=lambda p: p.id)
                if p.facts.funding is Funding.FNC), None)
    if fnc is not None:
        edit_person(store, fnc.id, parse_changes(store, {"nursing_arranged_urgently": "yes"}),
                    reason="Agency nurse booked by EDT for tonight: the home's nurses have left")


def _demo_costs(store: Store, incident_id: int) -> None:
    """What the first night cost and who owes it: agency staff for everyone in the home, interim places for
    four residents moved (one each placed by Bradford and Cardiff, a self-funder and one of ours), their
    transport, a mattress Cardiff did not arrange (s.49(3)(d)) and free advice. Each line has its decision."""
    from contingency.person import Basis
    from contingency.services.costs import add_line

    night = store.incidents.get(incident_id).facts.aware_at.astimezone(LONDON).date()
    four_weeks = night + timedelta(days=27)
    people = store.people.all(incident_id)

    def first(test) -> int | None:
        return next((p.id for p in sorted(people, key=lambda p: p.id) if test(p)), None)

    bradford = first(lambda p: p.determination.recover_from == "la:E08000032")
    cardiff = first(lambda p: p.determination.recover_from == "la:W06000015")
    self_funder = first(lambda p: p.determination.charge_route == "s48(5)")
    ours = first(lambda p: p.determination.basis is Basis.EXISTING_S18)
    movers = [pid for pid in (bradford, cardiff, self_funder, ours) if pid is not None]
    add_line(store, incident_id, supplier="Nightingale Nursing Agency (EXERCISE)", category="agency-staff",
             unit="per-hour", rate="28.50", quantity="48", period_start=night, period_end=night,
             person_ids=[p.id for p in people], description="Night shift cover: 4 carers x 12 hours",
             decision_text="Bridge tonight's night shift at Meadowbrook House with agency staff",
             rationale="The administrators will not fund wages after tonight; agency staff keep every resident "
                       "safe while moves are planned")
    if not movers:
        return
    placements = add_line(
        store, incident_id, supplier="Oakfield Lodge (EXERCISE)", category="care-home-placement", unit="per-week",
        rate="1050", period_start=night, period_end=four_weeks, person_ids=movers[:1],
        description="Interim placement, Oakfield Lodge",
        decision_text="Move four residents with the highest needs to interim placements at Oakfield Lodge",
        rationale="Meadowbrook cannot staff nursing-level care beyond tonight; Oakfield has four vacancies and "
                  "families agreed")
    for person_id in movers[1:]:
        add_line(store, incident_id, supplier="Oakfield Lodge (EXERCISE)", category="care-home-placement",
                 unit="per-week", rate="1050", period_start=night, period_end=four_weeks, person_ids=[person_id],
                 description="Interim placement, Oakfield Lodge", decision_id=placements.decision_id)
    add_line(store, incident_id, supplier="Leeds Accessible Transport (EXERCISE)", category="transport",
             unit="one-off", rate="180", period_start=night, period_end=night, person_ids=movers,
             description="Wheelchair-accessible transfer to Oakfield Lodge", decision_id=placements.decision_id)
    if cardiff is not None:
        add_line(store, incident_id, supplier="Medequip Hire (EXERCISE)", category="equipment", unit="per-week",
                 rate="35", period_start=night, period_end=four_weeks, person_ids=[cardiff],
                 description="Pressure-relieving mattress hire", needs_not_arranged=True,
                 decision_text="Hire a pressure-relieving mattress at Oakfield Lodge",
                 rationale="Pressure care need found on moving; not part of the care Cardiff arranged, so "
                           "chargeable to the person under s.49(3)(d)")
    if self_funder is not None:
        add_line(store, incident_id, supplier="Leeds Care Advice Line (in-house)", category="information-advice",
                 unit="one-off", rate="60", period_start=night, period_end=night, person_ids=[self_funder],
                 description="Advice to the family on choosing a permanent home",
                 decision_text="Give the family an hour of advice on choosing a permanent home",
                 rationale="They asked for help; information and advice are free (s.48(5))")


def _demo_placements(store: Store, incident_id: int) -> None:
    """Offers from the brokerage team (one already expired) and a couple sharing a room, so a new user can match
    a resident, decide a move and work its checklist (issue 13)."""
    from contingency.person import PersonStatus
    from contingency.services.placements import add_vacancy, set_placement_facts

    now = store.clock()
    hold = (now + timedelta(hours=30)).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")
    gone = (now - timedelta(hours=3)).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")
    for values in (
        {"provider": "Oakfield Lodge (EXERCISE)", "type": "residential, nursing, dementia", "postcode": "LS6 2ZZ",
         "places": "4", "rate": "1,050.00", "held_until": hold, "contact": "Brokerage: 0113 496 0101"},
        {"provider": "Elm Court (EXERCISE)", "type": "residential", "postcode": "LS7 3ZZ", "places": "2",
         "rate": "895.00", "held_until": hold, "gender": "female"},
        {"provider": "Willow Bank Nursing (EXERCISE)", "type": "nursing, bariatric", "postcode": "LS8 2ZZ",
         "places": "1", "rate": "1,240.00", "held_until": hold},
        {"provider": "Rowan House (EXERCISE)", "type": "residential, dementia", "postcode": "BD3 9ZZ",
         "places": "2", "rate": "980.00", "held_until": gone, "notes": "Offer lapsed: not confirmed in time"},
    ):
        add_vacancy(store, values, incident_id=incident_id)
    residents = [p for p in sorted(store.people.all(incident_id), key=lambda p: p.id)
                 if p.merged_into is None and p.facts.status is PersonStatus.WITH_PROVIDER]
    if len(residents) >= 2:
        set_placement_facts(store, residents[-2].id, partner_id=residents[-1].id, shares_room=True,
                            reason="Married couple sharing a room at Meadowbrook House")


def _first_steps_done(store: Store, incident_id: int, answers: dict[str, Answer]) -> None:
    """The demo starts part-way through the night: the first steps are already recorded."""
    for step_id, answer in answers.items():
        complete(store, incident_id, step_id, answer)


def open_demo(path: Path, *, officer: str, clock: Clock) -> Store:
    """Reopen an earlier demo as it was left: the exercise's work is never wiped without asking."""
    store = open_store(path, officer=officer, clock=clock)
    if not store.is_exercise:
        store.close()
        raise BadInput(f"{path} is a LIVE store, not a demo; open it with 'contingency --db {path}'")
    return store


def what_a_fresh_demo_loses(store: Store) -> str:
    """In words, what rebuilding this demo store would delete."""
    incidents = store.incidents.list()
    people = sum(len(store.people.ids(i.id)) for i in incidents)
    entries = store.log.count()
    return (f"{plural(len(incidents), 'incident')}, {plural(people, 'person', 'people')} and "
            f"{plural(entries, 'event log entry', 'event log entries')}")


def _remove_previous_demo(path: Path) -> None:
    """Only ever an earlier demo: a live store is never deleted."""
    try:
        previous = open_store(path, officer="demo")
    except Exception:
        raise BadInput(f"{path} exists and is not an earlier demo store; move it or give --db") from None
    kind = previous.kind
    previous.close()
    if kind is not StoreKind.EXERCISE:
        raise BadInput(f"{path} is a LIVE store; the demo will not replace it")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
