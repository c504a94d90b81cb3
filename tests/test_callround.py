"""The welfare call-round (issue 13): visit times in the formats providers write, the order to ring, "no answer"
escalating on the pinned clock, the bridge that covers visits, every call logged, and the CLI."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from contingency.person import RAG
from contingency.rules.callround import (
    NO_ANSWER_ESCALATION,
    Cover,
    Outcome,
    RoundEntry,
    TimeCritical,
    next_missed_visit,
    order_round,
    outcome_from_words,
    parse_visit_times,
    time_critical,
    visit_times_in_notes,
)
from contingency.services.callround import (
    call_round,
    calls_due,
    record_call,
    record_cover,
)
from contingency.services.errors import BadInput
from contingency.services.importer import import_file
from contingency.services.people import add_person
from tests.conftest import NOW, as_json, ok, refused


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.mark.parametrize(("text", "expected"), [
    ("07:30", ["07:30"]),
    ("7:30", ["07:30"]),
    ("7.30am", ["07:30"]),
    ("7.30 a.m.", ["07:30"]),
    ("7pm", ["19:00"]),
    ("12pm", ["12:00"]),
    ("12am", ["00:00"]),
    ("1930", ["19:30"]),
    ("0730 1230 1700 2100", ["07:30", "12:30", "17:00", "21:00"]),
    ("breakfast", ["07:30"]),
    ("Lunch", ["12:00"]),
    ("tea", ["16:30"]),
    ("bed", ["20:00"]),
    ("tea time / bedtime", ["16:30", "20:00"]),
    ("07:30; 12:00; 17:30", ["07:30", "12:00", "17:30"]),
    ("breakfast, tea", ["07:30", "16:30"]),
    ("8am and 6pm", ["08:00", "18:00"]),
    ("07:30-08:00, 12:00 to 12:30", ["07:30", "12:00"]),  # a window is one visit, due at its start
    ("tea, 07:30, tea", ["07:30", "16:30"]),  # the same visit twice is one visit
    ("", []),
])
def test_visit_times_are_read_in_every_format_providers_write(text, expected):
    parsed = parse_visit_times(text)
    assert parsed.problems == ()
    assert list(parsed.minutes) == [hm(t) for t in expected]


@pytest.mark.parametrize(("text", "problem"), [
    ("dinner", "lunch in some places"),
    ("25:00", "not a time of day"),
    ("13pm", "not a time of day"),
    ("elevenses", "not a time or a meal word"),
])
def test_unreadable_visit_times_are_named_never_guessed(text, problem):
    parsed = parse_visit_times(text)
    assert parsed.minutes == ()
    assert any(problem in p for p in parsed.problems)


def test_visit_times_are_found_in_the_notes_the_importer_keeps():
    assert visit_times_in_notes("Lives alone; Visit times: 07:30; 12:00; 17:30; Medication: insulin").minutes == (
        hm("07:30"), hm("12:00"), hm("17:30"))
    assert visit_times_in_notes("Call times: breakfast, tea; lives alone").minutes == (hm("07:30"), hm("16:30"))
    assert visit_times_in_notes("Times of visits: 7.30am").minutes == (hm("07:30"),)
    assert visit_times_in_notes("Key holder: neighbour at no. 4") is None
    assert visit_times_in_notes("") is None


def test_time_critical_needs_are_read_from_the_words_in_priority_order():
    assert time_critical("Hoist for transfers (two carers)", "Insulin twice daily", "") == (
        TimeCritical.INSULIN, TimeCritical.DOUBLE_HANDED)
    assert time_critical("End-of-life care; syringe driver") == (TimeCritical.END_OF_LIFE,)
    assert time_critical("Parkinson's medication at fixed times") == (TimeCritical.PARKINSONS,)
    assert time_critical("Help with washing") == ()


def test_outcomes_read_from_the_words_officers_type():
    assert outcome_from_words("no answer") is Outcome.NO_ANSWER
    assert outcome_from_words("No_Answer") is Outcome.NO_ANSWER
    assert outcome_from_words("emergency services called") is Outcome.EMERGENCY_SERVICES
    assert outcome_from_words("safe") is Outcome.SAFE_WITH_FAMILY
    assert outcome_from_words("maybe") is None


def test_the_order_is_red_then_next_missed_visit_then_time_critical_needs():
    at = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    entries = [
        RoundEntry(1, "Green soon", RAG.GREEN, at - timedelta(hours=1)),
        RoundEntry(2, "Amber late", RAG.AMBER, at + timedelta(hours=5)),
        RoundEntry(3, "Amber double", RAG.AMBER, at, (TimeCritical.DOUBLE_HANDED,)),
        RoundEntry(4, "Amber insulin", RAG.AMBER, at, (TimeCritical.INSULIN,)),
        RoundEntry(5, "Red no visits", RAG.RED, None),
        RoundEntry(6, "Red later", RAG.RED, at + timedelta(hours=2)),
        RoundEntry(7, "Amber covered", RAG.AMBER, None, (TimeCritical.INSULIN,)),
        RoundEntry(8, "Unrated", None, at + timedelta(hours=9)),
    ]
    assert [e.person_id for e in order_round(entries)] == [6, 5, 8, 4, 3, 2, 7, 1]


def test_the_next_missed_visit_looks_back_two_hours_but_not_before_the_failure():
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # GMT: London time is UTC
    minutes = (hm("05:30"), hm("07:00"), hm("12:00"))
    assert next_missed_visit(minutes, [], 1, now=now) == now.replace(hour=7)  # missed an hour ago
    assert next_missed_visit(minutes, [], 1, now=now, since=now.replace(hour=7, minute=30)) == now.replace(hour=12)
    morning = Cover("Reablement", starts_at=now - timedelta(hours=4), minutes=frozenset({hm("07:00")}))
    assert next_missed_visit(minutes, [morning], 1, now=now) == now.replace(hour=12)
    someone_else = Cover("Reablement", starts_at=now - timedelta(hours=4), people=frozenset({2}))
    assert next_missed_visit(minutes, [someone_else], 1, now=now) == now.replace(hour=7)


def test_a_visit_stays_at_its_london_time_across_the_clock_change():
    # 29/03/2026: clocks go forward at 01:00 GMT; a 07:30 visit is 06:30 UTC that day.
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert next_missed_visit((hm("07:30"),), [], 1, now=now) == datetime(2026, 3, 29, 6, 30, tzinfo=UTC)


# --- on a store ---------------------------------------------------------------------------------------------

CSV = """Client ref,Forename,Surname,Service,RAG,RAG reason,Needs,Visit times,Notes
H1,Harold,Exampleton,home care,Red,Lives alone,Help to wash,01:15,
B1,Beryl,Samplewood,home care,Red,No family nearby,Help to dress,tea,
D1,Dennis,Testwell,home care,Amber,Falls risk,Meals,0600 1800,Key holder next door
E1,Edith,Demoford,home care,Amber,Diabetic,Insulin twice daily,"breakfast, tea",
C1,Cyril,Mockridge,home care,Amber,Dementia,Prompting,7.30am,
G1,Gladys,Fictionby,home care,Amber,Frail,Lunch,00:30; 12:00,
A1,Arthur,Placeholt,home care,Amber,Anxious,Bedtime call,bed,
F1,Florence,Dummersby,home care,Green,Stable,Hoist (two carers),01:00,
"""
ORDER = ["Harold", "Beryl", "Dennis", "Edith", "Cyril", "Gladys", "Arthur", "Florence"]


@pytest.fixture
def home_care(store, make_incident, tmp_path):
    """A home-care collapse the council learnt of at 00:40, its list imported with mixed visit-time formats;
    the clock stands at 01:40 (GMT)."""
    incident = make_incident(provider="Brightpath Home Support Ltd", service="home-care",
                             event="service-interruption", aware_at=NOW - timedelta(hours=1))
    path = tmp_path / "clients.csv"
    path.write_text(CSV, encoding="utf-8")
    import_file(store, incident.id, path)
    return incident


def _ids(store, incident_id) -> dict[str, int]:
    return {p.facts.first_name: p.id for p in store.people.all(incident_id)}


def test_an_imported_list_is_ordered_red_first_then_next_missed_visit_then_time_critical(store, home_care):
    view = call_round(store, home_care.id)
    assert [r.person.facts.first_name for r in view.rows] == ORDER
    by_name = {r.person.facts.first_name: r for r in view.rows}
    # 01:15 has passed since the failure and nobody covers it: missed.
    assert by_name["Harold"].next_missed == NOW.replace(hour=1, minute=15)
    # 00:30 was before the council knew; the next visit is lunch.
    assert by_name["Gladys"].next_missed == NOW.replace(hour=12, minute=0)
    assert by_name["Edith"].critical == (TimeCritical.INSULIN,)
    assert by_name["Florence"].critical == (TimeCritical.DOUBLE_HANDED,)
    # In the next 12 hours (to 13:40): Edith's insulin at 07:30 (her 16:30 is later; Florence's
    # double-handed 01:00 is tomorrow's).
    assert [(r.person.facts.first_name, m.strftime("%H:%M")) for r, m in view.uncovered] == [("Edith", "07:30")]


def test_a_bridge_covers_visits_and_the_uncovered_count_falls(store, home_care):
    ids = _ids(store, home_care.id)
    cover = record_cover(store, home_care.id, covered_by="Leeds Reablement Team", starts="06:00",
                         visits="breakfast", people=f"{ids['Edith']}, D1")
    assert cover.cover.starts_at == NOW.replace(hour=6, minute=0)  # the nearer 06:00: this morning
    view = call_round(store, home_care.id)
    by_name = {r.person.facts.first_name: r for r in view.rows}
    assert view.uncovered == []
    assert by_name["Edith"].next_missed == NOW.replace(hour=16, minute=30)
    assert by_name["Dennis"].next_missed == NOW.replace(hour=6, minute=0)  # 06:00 is not a breakfast visit (07:30)
    with pytest.raises(BadInput, match="visits:"):
        record_cover(store, home_care.id, covered_by="Team", starts="06:00", visits="dinner")
    with pytest.raises(BadInput, match="people:"):
        record_cover(store, home_care.id, covered_by="Team", starts="06:00", people="999")


def test_no_answer_escalates_to_next_of_kin_then_a_welfare_check_on_the_pinned_clock(store, home_care):
    ids = _ids(store, home_care.id)
    cyril, harold = ids["Cyril"], ids["Harold"]  # AMBER with nothing time-critical; RED
    first, second = NO_ANSWER_ESCALATION
    record_call(store, cyril, outcome="no answer")
    record_call(store, harold, outcome="no-answer")
    rows = {r.person_id: r for r in call_round(store, home_care.id).rows}
    assert rows[cyril].next.due == NOW + first.within == NOW + timedelta(minutes=30)
    assert rows[cyril].next.what.startswith("try the next of kin")
    assert rows[harold].next.due == NOW + first.within_if_urgent == NOW + timedelta(minutes=15)
    assert [d.row.person_id for d in calls_due(store, now=NOW)] == [harold, cyril]
    assert calls_due(store, now=NOW)[0].late_by(NOW) is None
    assert calls_due(store, now=NOW + timedelta(minutes=20))[0].late_by(NOW + timedelta(minutes=20)) == \
        timedelta(minutes=5)

    later = NOW + timedelta(minutes=25)
    store.clock = lambda: later
    # A later promise cannot push the timer back; the second no answer asks for a welfare check.
    record_call(store, cyril, outcome="no-answer", called="daughter", next_action_text="ring again",
                next_at="04:00")
    row = next(r for r in call_round(store, home_care.id).rows if r.person_id == cyril)
    assert row.no_answers == 2
    assert row.next.due == later + second.within and row.next.escalation
    assert "welfare check" in row.next.what
    # An officer's own sooner time wins.
    record_call(store, cyril, outcome="no-answer", next_action_text="police on the way, ring them",
                next_at=later + timedelta(minutes=5))
    row = next(r for r in call_round(store, home_care.id).rows if r.person_id == cyril)
    assert (row.next.what, row.next.due, row.next.escalation) == ("police on the way, ring them",
                                                                  later + timedelta(minutes=5), False)
    # Found safe with family: off the list, and no longer escalating.
    record_call(store, cyril, outcome="safe-with-family", called="daughter", note="Daughter is with him")
    view = call_round(store, home_care.id)
    assert cyril not in [r.person_id for r in view.rows]
    off = next(r for r in view.off if r.person_id == cyril)
    assert off.off_list_because.startswith("safe with family") and off.next is None
    assert cyril not in [d.row.person_id for d in calls_due(store, now=later)]


@pytest.mark.parametrize(("outcome", "off"), [
    ("safe-with-family", True), ("visit-arranged", True), ("in-hospital", True), ("died", True),
    ("refused", False), ("emergency-services", False), ("no-answer", False),
])
def test_which_outcomes_take_a_person_off_the_list(store, home_care, outcome, off):
    person = _ids(store, home_care.id)["Beryl"]
    call = record_call(store, person, outcome=outcome, note="spoke to them")
    assert call.off_list is off
    assert (person not in [r.person_id for r in call_round(store, home_care.id).rows]) is off


def test_a_call_refuses_what_cannot_be_right(store, home_care):
    person = _ids(store, home_care.id)["Beryl"]
    with pytest.raises(BadInput, match="outcome: 'fine' is not an outcome"):
        record_call(store, person, outcome="fine", note="x")
    with pytest.raises(BadInput, match="note:"):
        record_call(store, person, outcome="refused")
    with pytest.raises(BadInput, match="next_at:"):
        record_call(store, person, outcome="refused", note="x", next_action_text="ring back")
    with pytest.raises(BadInput, match="called_at:.*future"):
        record_call(store, person, outcome="refused", note="x", called_at=NOW + timedelta(hours=1))
    with pytest.raises(BadInput, match="next_at: 'soonish' is not a date"):
        record_call(store, person, outcome="refused", note="x", next_action_text="x", next_at="soonish")
    other = add_person(store, home_care.id, {"first_name": "Beryl", "last_name": "Samplewood"})
    from contingency.services.people import merge_people

    merge_people(store, person, other.id, reason="same person")
    with pytest.raises(BadInput, match="merged into"):
        record_call(store, other.id, outcome="refused", note="x")


def test_every_call_and_cover_is_logged_and_a_call_is_never_edited(store, home_care):
    person = _ids(store, home_care.id)["Beryl"]
    call = record_call(store, person, outcome="visit-arranged", note="Agency visit at tea")
    record_cover(store, home_care.id, covered_by="Agency", starts="16:00", people=[person])
    entities = [row[0] for row in store.conn.execute(
        "SELECT entity FROM event_log WHERE entity LIKE 'callround-%' ORDER BY seq")]
    assert entities == ["callround-call", "callround-cover"]
    assert store.verify_log().ok
    with pytest.raises(sqlite3.IntegrityError, match="never edited"):
        store.conn.execute("UPDATE callround_calls SET outcome = 'died' WHERE id = ?", [call.id])
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        store.conn.execute("DELETE FROM callround_calls WHERE id = ?", [call.id])


# --- the command line ---------------------------------------------------------------------------------------


def test_cli_lists_records_and_covers(demo_cli, demo_db):
    listing = as_json(demo_cli("callround", "list", "2", "--json", db=demo_db))
    rows = listing["rows"]
    assert rows and {"person_id", "name", "rag", "next_visit", "time_critical", "last_outcome",
                     "escalation_due_words"} <= set(rows[0])
    # The demo's call-round is under way: the first to ring did not answer and is escalating.
    assert rows[0]["last_outcome"] == "no-answer" and rows[0]["escalation"]
    assert listing["confirmed_or_settled"] == 2
    rags = [r["rag"] for r in rows]
    assert rags == sorted(rags, key=lambda r: {"RED": 0, None: 1, "AMBER": 2, "GREEN": 3}[r])
    for rag in set(rags):
        visits = [r["next_visit"] for r in rows if r["rag"] == rag and r["next_visit"]]
        assert visits == sorted(visits)

    person = str(rows[0]["person_id"])
    text = ok(demo_cli("callround", "record", person, "--outcome", "no answer", "--called", "son",
                       "--by", "Pat Jones", db=demo_db)).stdout
    assert "no answer" in text and "welfare check" in text
    done = as_json(demo_cli("callround", "record", person, "--outcome", "in-hospital", "--note",
                            "Admitted to LGI overnight", "--json", db=demo_db))
    assert done["off_list"] is True
    after = as_json(demo_cli("callround", "list", "2", "--json", db=demo_db))
    assert int(person) not in [r["person_id"] for r in after["rows"]]

    covered = as_json(demo_cli("callround", "cover", "2", "--by", "Leeds Reablement Team", "--from", "06:00",
                               "--json", db=demo_db))
    assert covered["uncovered_time_critical"] == 0
    assert "every visit" in ok(demo_cli("callround", "list", "2", db=demo_db)).stdout

    assert "is not an outcome" in refused(demo_cli("callround", "record", person, "--outcome", "fine",
                                                   db=demo_db))
    assert "next_at" in refused(demo_cli("callround", "record", person, "--outcome", "refused", "--note", "x",
                                         "--next-action", "ring back", db=demo_db))
    assert "visits" in refused(demo_cli("callround", "cover", "2", "--by", "X", "--from", "06:00",
                                        "--visits", "dinner", db=demo_db))
    refused(demo_cli("callround", "list", "999", db=demo_db))


def test_a_visit_times_column_is_its_own_field_and_orders_the_round(store, home_care):
    """The list's "Visit times" column is the person's visit times, not a line in the notes, and the round reads
    it; a person imported before that field existed (schedule only in the notes) is still placed by it."""
    people = store.people.all(home_care.id)
    assert all(p.facts.visit_times and "Visit times" not in p.facts.notes for p in people)
    harold = next(p for p in people if p.facts.first_name == "Harold")
    older = add_person(store, home_care.id, {"first_name": "Olive", "last_name": "Exampleton",
                                             "notes": f"Visit times: {harold.facts.visit_times}"})
    rows = {r.person.id: r for r in call_round(store, home_care.id).rows}
    assert rows[older.id].next_missed == rows[harold.id].next_missed
