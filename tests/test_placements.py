"""Placements and moves (issue 13): the ranking table, offers expiring on a pinned clock, a couple never split
without a reason, the move checklist completing the playbook's per-person move steps, and the command line
on real files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contingency.engine.runs import ItemState as StepState
from contingency.models import ServiceKind
from contingency.person import Funding, PersonFacts
from contingency.rules.geography import Geography, SectorShare
from contingency.rules.placements import (
    CareType,
    Gender,
    Nearness,
    Seeker,
    Vacancy,
    checklist_for,
    is_expired,
    needs_of,
    offer_words,
    rank_vacancies,
)
from contingency.services import playbooks
from contingency.services.errors import BadInput
from contingency.services.people import add_person
from contingency.services.placements import (
    add_vacancy,
    checklist,
    decide_move,
    due_checklist_items,
    match,
    offers,
    set_placement_facts,
    tick,
)
from tests.conftest import NOW, as_json, ok, refused

GEO = Geography([SectorShare("LS6 2", "E08000035", "Leeds", 1.0, True),
                 SectorShare("LS6 3", "E08000035", "Leeds", 1.0, True),
                 SectorShare("LS7 1", "E08000035", "Leeds", 1.0, True),
                 SectorShare("BD3 9", "E08000032", "Bradford", 1.0, True)])


def offer(vid: int, types: str = "residential", postcode: str = "LS7 1AA", **kw) -> Vacancy:
    return Vacancy(id=vid, provider=f"Home {vid}", care_types=frozenset(CareType(t) for t in types.split(",")),
                   postcode=postcode, **kw)


SEEKER = Seeker(person_id=1, name="Ada", needs=frozenset({CareType.RESIDENTIAL, CareType.NURSING}),
                postcodes=("LS6 2ZZ",), sex="female", funding=Funding.OWN_COUNCIL, current_weekly_pence=100_000)


@pytest.mark.parametrize(("vacancies", "order", "unsuitable"), [
    # Nearness: same sector, then district, then council, then another council.
    ([offer(1, "residential,nursing", "BD3 9AA"), offer(2, "residential,nursing", "LS7 1AA"),
      offer(3, "residential,nursing", "LS6 3AA"), offer(4, "residential,nursing", "LS6 2AB")], [4, 3, 2, 1], {}),
    # A need not met, a gender restriction, an expired hold and no place left rule an offer out, with the reason.
    ([offer(1, "residential"), offer(2, "nursing", gender=Gender.MALE),
      offer(3, "nursing", held_until=NOW - timedelta(minutes=1)), offer(4, "nursing", places=0),
      offer(5, "nursing")], [5],
     {1: "needs nursing", 2: "male only", 3: "EXPIRED", 4: "no place left"}),
    # At the same distance, no top-up question first, then the cheaper.
    ([offer(1, "nursing", weekly_rate_pence=120_000), offer(2, "nursing", weekly_rate_pence=99_000),
      offer(3, "nursing", weekly_rate_pence=95_000)], [3, 2, 1], {}),
    # Home-care hours never suit a care-home resident.
    ([offer(1, "home-care"), offer(2, "nursing")], [2], {1: "not a bed"}),
])
def test_ranking_table(vacancies, order, unsuitable):
    found, ruled_out = rank_vacancies(SEEKER, vacancies, taken={}, now=NOW, geography=GEO)
    assert [m.vacancy.id for m in found] == order
    assert {u.vacancy.id for u in ruled_out} == set(unsuitable)
    for u in ruled_out:
        assert unsuitable[u.vacancy.id] in u.reason


def test_ranking_flags_top_up_couples_and_friends():
    couple = Seeker(person_id=1, name="Ada", needs=frozenset({CareType.RESIDENTIAL}), postcodes=("LS6 2ZZ",),
                    funding=Funding.OWN_COUNCIL, current_weekly_pence=90_000, partner_name="Bert", shares_room=True,
                    friends_moving={("home 3", "LS73AA"): ("Cyril",)})
    found, _ = rank_vacancies(couple, [offer(1, postcode="LS6 2AA", weekly_rate_pence=100_000),
                                       offer(2, places=2, postcode="BD3 9AA"),
                                       offer(3, postcode="LS7 3AA")], taken={}, now=NOW, geography=GEO)
    by_id = {m.vacancy.id: m for m in found}
    assert found[0].vacancy.id == 2, "room for both partners comes first, even further away"
    assert "room for Bert (partner) too" in by_id[2].words
    assert "TOP-UP QUESTION: £100.00/wk above the old rate" in by_id[1].words
    assert "SPLITS the couple" in by_id[1].words
    assert "friend moving here: Cyril" in by_id[3].words
    assert by_id[1].nearness is Nearness.SECTOR


def test_needs_come_from_the_record():
    facts = PersonFacts(first_name="Ada", service_kind=ServiceKind.CARE_HOME, fnc=True,
                        needs_snapshot="Supervision at night because of dementia")
    assert needs_of(facts) == {CareType.RESIDENTIAL, CareType.NURSING, CareType.DEMENTIA}
    assert needs_of(PersonFacts(first_name="Bo", service_kind=ServiceKind.HOME_CARE)) == {CareType.HOME_CARE}


def test_imca_item_only_where_capacity_is_in_doubt_and_nobody_is_there_to_consult():
    keys = lambda facts: {i.key for i in checklist_for(facts)}
    assert "imca" in keys(PersonFacts(first_name="A", capacity_concern=True))
    assert "imca" not in keys(PersonFacts(first_name="A", capacity_concern=True, nominee_name="Son"))
    assert "imca" not in keys(PersonFacts(first_name="A"))
    assert {"medicines", "dols", "belongings", "money", "transport", "arrival", "review-72h"} <= keys(
        PersonFacts(first_name="A"))


def test_an_offer_expires_visibly_on_the_pinned_clock(store):
    vacancy = add_vacancy(store, {"provider": "Oakfield Lodge", "type": "nursing", "rate": "£1,050.00",
                                  "held_until": "23/11/2026 06:00"})
    assert vacancy.weekly_rate_pence == 105_000
    assert offer_words(vacancy, NOW) == "held until 06:00"
    later = NOW + timedelta(hours=5)
    assert is_expired(vacancy, later) and offer_words(vacancy, later) == "EXPIRED 06:00"
    assert [o.expired for o in offers(store, now=later)] == [True]
    whole_day = add_vacancy(store, {"provider": "Elm Court", "held_until": "24/11/2026"})
    assert offer_words(whole_day, NOW) == "held until 24/11/2026 23:59"
    with pytest.raises(BadInput, match="rate"):
        add_vacancy(store, {"provider": "X", "rate": "£1,2,3"})
    with pytest.raises(BadInput, match=r"^type: 'teleport' is not one of: residential"):
        add_vacancy(store, {"provider": "X", "type": "teleport"})
    with pytest.raises(BadInput, match=r"^type: an offer is either beds"):
        add_vacancy(store, {"provider": "X", "type": "nursing, home care"})
    with pytest.raises(BadInput, match=r"^gender: gender restriction 'monks' is not one of"):
        add_vacancy(store, {"provider": "X", "gender": "monks"})


@pytest.fixture
def home(store, make_incident):
    incident = make_incident(service="care-home")
    people = {name: add_person(store, incident.id, {"first_name": name, "last_name": "Exampleton",
                                                     "home_postcode": "LS6 2ZZ", "service_kind": "care-home",
                                                     "funding": "self-funded", "weekly_cost_pence": "900",
                                                     "rag": "AMBER", "rag_reason": "frail",
                                                     "capacity_concern": "yes" if name == "Cyril" else "no"})
              for name in ("Ada", "Bert", "Cyril")}
    return incident, {name: p.id for name, p in people.items()}


def test_a_couple_sharing_a_room_is_never_split_without_a_reason(store, home):
    incident, ids = home
    set_placement_facts(store, ids["Ada"], partner_id=ids["Bert"], shares_room=True)
    single = add_vacancy(store, {"provider": "Elm Court", "postcode": "LS6 2AB", "places": "1"})
    double = add_vacancy(store, {"provider": "Oakfield Lodge", "postcode": "LS7 1AB", "places": "2"})
    with pytest.raises(BadInput, match="splits a couple"):
        decide_move(store, ids["Ada"], single.id, rationale="nearest")
    assert checklist_raises(store, ids["Ada"])
    move, entry = decide_move(store, ids["Ada"], double.id, rationale="room for both")
    assert "apart" not in entry.decision
    assert match(store, ids["Bert"]).matches[0].vacancy.id == double.id, "the partner's home comes first"
    with pytest.raises(BadInput, match="split_reason"):
        decide_move(store, ids["Bert"], single.id, rationale="nearer his sister")
    _, split = decide_move(store, ids["Bert"], single.id, rationale="nearer his sister",
                           split_reason="Bert asked to live near his sister; Ada agreed")
    assert "apart from their partner" in split.decision
    assert "Why the couple is split: Bert asked" in split.rationale
    assert any(o.startswith(f"vacancy {double.id}") for o in split.options), "the options considered are kept"
    assert store.verify_log().ok


def test_a_partner_recorded_in_error_is_undone_or_replaced_on_both_records(store, home):
    from contingency.services.placements import repo

    incident, ids = home
    ada, bert, cyril = ids["Ada"], ids["Bert"], ids["Cyril"]
    set_placement_facts(store, ada, partner_id=bert, shares_room=True)
    assert repo(store).partner_of(bert) == ada and repo(store).profile(bert)["shares_room"]

    set_placement_facts(store, ada, partner_id=cyril)  # Ada's partner is Cyril, not Bert
    assert repo(store).partner_of(ada) == cyril and repo(store).partner_of(cyril) == ada
    assert repo(store).partner_of(bert) is None and not repo(store).profile(bert)["shares_room"]

    set_placement_facts(store, bert, partner_id=cyril)  # and then Cyril's is Bert: Ada is left with nobody
    assert repo(store).partner_of(ada) is None and repo(store).partner_of(cyril) == bert

    set_placement_facts(store, cyril, no_partner=True)
    assert repo(store).partner_of(cyril) is None and repo(store).partner_of(bert) is None
    assert match(store, bert).seeker.partner_name == ""
    with pytest.raises(BadInput, match="not both"):
        set_placement_facts(store, ada, partner_id=bert, no_partner=True)
    with pytest.raises(BadInput, match="only a couple shares a room"):
        set_placement_facts(store, ada, no_partner=True, shares_room=True)
    assert store.verify_log().ok


def checklist_raises(store, person_id) -> bool:
    with pytest.raises(BadInput, match="no move has been decided"):
        checklist(store, person_id)
    return True


def test_the_checklist_completes_the_playbooks_per_person_move_steps(store, home):
    incident, ids = home
    vacancy = add_vacancy(store, {"provider": "Oakfield Lodge", "postcode": "LS7 1AB", "places": "3"})
    decide_move(store, ids["Cyril"], vacancy.id, rationale="nearest with a room")
    view = checklist(store, ids["Cyril"])
    keys = [r.item.key for r in view.rows]
    assert keys[0] == "imca", "Cyril lacks capacity with nobody to consult (rule 15)"
    plan = playbooks.incident_playbook(store, incident.id).plan
    assert plan.item("arrange-each-person", ids["Cyril"]).state is StepState.DONE
    assert plan.item("prepare-move", ids["Cyril"]).is_open
    with pytest.raises(BadInput, match="arrival cannot be confirmed"):
        tick(store, ids["Cyril"], "arrival", done=True, note="arrived")
    with pytest.raises(BadInput, match="note"):
        tick(store, ids["Cyril"], "dols", done=False, note=" ")
    before = [k for k in keys if k not in ("arrival", "review-72h")]
    for key in before[:-1]:
        tick(store, ids["Cyril"], key, done=key != "lpa-deputy", note=f"{key} sorted")
    assert playbooks.incident_playbook(store, incident.id).plan.item("prepare-move", ids["Cyril"]).is_open
    _, did = tick(store, ids["Cyril"], before[-1], done=True, note="taxi with his keyworker")
    assert did == ["playbook step 'Prepare this person's move' completed"]
    prepared = playbooks.incident_playbook(store, incident.id).plan.item("prepare-move", ids["Cyril"])
    assert prepared.state is StepState.DONE and "N/A: LPA" in prepared.recorded.evidence["note"]
    _, did = tick(store, ids["Cyril"], "arrival", done=True, note="Oakfield rang at 14:00")
    assert "playbook step 'Confirm arrival' completed" in did
    assert store.people.get(ids["Cyril"]).facts.status.value == "moved"
    _, did = tick(store, ids["Cyril"], "review-72h", done=True, note="settled, eating well")
    assert did == ["playbook step 'Review after the move' completed"]
    assert checklist(store, ids["Cyril"]).open_count == 0
    assert store.verify_log().ok


def test_overdue_checklist_items_are_in_whats_next(store, home):
    _, ids = home
    vacancy = add_vacancy(store, {"provider": "Oakfield Lodge", "places": "3"})
    decide_move(store, ids["Ada"], vacancy.id, rationale="nearest")
    assert due_checklist_items(store, now=NOW) == []
    later = NOW + timedelta(hours=25)
    due = due_checklist_items(store, now=later)
    assert due and due[0].overdue and due[0].person_name == "Ada Exampleton"
    assert all(d.due_at <= later + timedelta(hours=12) for d in due)
    assert not any("72-hour" in d.title for d in due), "the review counts from arrival"


def test_the_command_line_on_real_files(demo_cli, demo_db, tmp_path):
    offers_csv = tmp_path / "offers.csv"
    offers_csv.write_text(
        "Offers from the brokerage team, printed 23/11/2026\n"
        "Home,Postcode,Type,Beds,Weekly rate,Held until,Gender\n"
        "Oakfield Lodge,LS6 2AB,\"Nursing, dementia\",2,\"1,050.00\",25/11/2026,any\n"
        "Elm Court,LS7 1AB,residential,1,\"£1,2,3\",25/11/2026,female\n"
        "Willow House,LS8 1AB,residential,1,850,22/11/2026 12:00,\n"
        "=cmd|' /C calc'!A0,LS8 1AB,teleport,1,850,,\n", encoding="utf-8")
    db = ["--db", str(demo_db)]
    summary = as_json(demo_cli(*db, "vacancies", "import", str(offers_csv), "--json"))
    assert len(summary["imported"]) == 2 and len(summary["rejected"]) == 2
    assert any("rate" in r["reason"] and r["row"] == 4 for r in summary["rejected"])
    listed = as_json(demo_cli(*db, "vacancies", "list", "--json"))
    assert [v["expired"] for v in listed if v["source"].startswith("offers.csv")] == [False, True]
    text = ok(demo_cli(*db, "vacancies", "list")).stdout
    assert "EXPIRED 22/11/2026 12:00" in text
    people = as_json(demo_cli(*db, "people", "list", "1", "--json"))
    person = next(p for p in people if p["status"] == "with-provider" and p["service_kind"] == "care-home")
    found = as_json(demo_cli(*db, "move", "match", str(person["id"]), "--json"))
    assert found["matches"], found
    vacancy_id = found["matches"][0]["vacancy_id"]
    refused(demo_cli(*db, "move", "decide", str(person["id"]), "--vacancy", "999", "--reason", "x"))
    decided = as_json(demo_cli(*db, "move", "decide", str(person["id"]), "--vacancy", str(vacancy_id),
                               "--reason", "Nearest to the family", "--json"))
    assert decided["options"]
    items = as_json(demo_cli(*db, "move", "checklist", str(person["id"]), "--json"))["items"]
    assert items[0]["state"] == "open"
    ticked = as_json(demo_cli(*db, "move", "tick", str(person["id"]), "medicines", "--done",
                              "--note", "MAR chart went with the escort", "--json"))
    assert next(i for i in ticked["items"] if i["item"] == "medicines")["state"] == "done"
    refused(demo_cli(*db, "move", "tick", str(person["id"]), "no-such-item", "--na", "--note", "x"))
    other = next(p for p in people if p["id"] != person["id"])
    facts = as_json(demo_cli(*db, "move", "facts", str(person["id"]), "--partner", str(other["id"]),
                             "--shares-room", "yes", "--json"))
    assert (facts["partner_person_id"], facts["shares_room"]) == (other["id"], True)
    refused(demo_cli(*db, "move", "facts", str(person["id"]), "--partner", str(other["id"]), "--no-partner"))
    undone = as_json(demo_cli(*db, "move", "facts", str(other["id"]), "--no-partner", "--json"))
    assert (undone["partner_person_id"], undone["shares_room"]) == (None, False)
    ok(demo_cli(*db, "log", "verify"))


def test_the_placements_screen_finds_a_person_as_the_roster_does(tmp_path):
    from contingency.services.placements import find_person
    from tests.tui_support import demo_store

    store = demo_store(tmp_path)
    incident_id = next(i.id for i in store.incidents.list() if i.facts.service_kind.value == "care-home")
    person = next(p for p in store.people.all(incident_id) if p.facts.nhs_number and p.merged_into is None)
    assert find_person(store, incident_id, person.facts.nhs_number) == (person.id, "")
    assert find_person(store, incident_id, str(person.id)) == (person.id, "")
    none, why = find_person(store, incident_id, "zzzz-nobody")
    assert none is None and "Nobody on this incident matches" in why
    many, why = find_person(store, incident_id, person.facts.last_name[:2])
    assert many is None and "people match" in why and "Type more, or the id" in why


def test_an_offers_import_stopped_imports_nothing(store, tmp_path):
    from contingency.services.placements import import_vacancies, offers
    from contingency.services.progress import Cancelled

    listed = tmp_path / "offers.csv"
    listed.write_text("Home,Beds\nOakfield Lodge,2\nElm Court,1\n", encoding="utf-8")
    seen = []
    with pytest.raises(Cancelled, match="no offer was imported"):
        import_vacancies(store, listed, progress=lambda done, total: seen.append((done, total)),
                         cancelled=lambda: len(seen) == 1)
    assert seen == [(0, 2)] and offers(store) == []
    assert len(import_vacancies(store, listed).imported) == 2
