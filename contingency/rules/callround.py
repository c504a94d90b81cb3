"""The welfare call-round after a home-care collapse: visit times, who to ring first, when "no answer" escalates.

Pure data and functions, no I/O. Practice, not statute (brief s.8, "Home care failure"): obtain the visit
schedules, prioritise time-critical calls (insulin, Parkinson's, end of life) and people with no informal support,
bridge with other agencies. The duty being met is s.48 (or s.19(3)); the call-round is how the officer knows whose
needs tonight are met and whose are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from contingency.person import RAG
from contingency.rules.times import LONDON

# --- visit times ------------------------------------------------------------------------------------------

# A meal word on a provider's schedule -> the time its call window usually opens (local time, minutes after
# midnight). The START of the window, not its middle: a "breakfast" call is never thought due later than it
# might be, so a missed one is seen as missed early rather than late. Councils with other windows change this.
MEAL_WORDS: dict[str, int] = {
    **dict.fromkeys(("breakfast", "morning", "am call", "getting up", "get up"), 7 * 60 + 30),   # 07:30
    **dict.fromkeys(("lunch", "lunchtime", "midday", "noon"), 12 * 60),                          # 12:00
    **dict.fromkeys(("tea", "teatime", "tea time", "evening meal"), 16 * 60 + 30),               # 16:30
    **dict.fromkeys(("bed", "bedtime", "bed time", "night", "evening", "supper", "pm call"), 20 * 60),  # 20:00
}
# Words that name no one time: refused with a reason rather than guessed.
AMBIGUOUS_WORDS: dict[str, str] = {
    "dinner": "'dinner' is lunch in some places and the evening meal in others: give a time or 'lunch'/'tea'",
}
# The label of a provider's column (kept in the person's notes as "Visit times: ...") that holds the schedule.
_LABEL = re.compile(r"\b(?:(?:visit|call)s?\s+(?:times?|schedule|slots?)|times?\s+of\s+(?:visits?|calls?))\s*:\s*",
                    re.IGNORECASE)
_NEXT_LABEL = re.compile(r";\s*[A-Za-z][A-Za-z ()/'&-]{0,40}:(?!\d)")
_AMPM = r"(a\.?m\.?|p\.?m\.?)"
_CLOCK = rf"(\d{{1,2}})(?:[:.](\d{{2}}))?\s*{_AMPM}?"
# "07:30-08:00" or "7.30 to 8": a window, which is one visit, due at its start.
_WINDOW = re.compile(rf"({_CLOCK})\s*(?:-|–|to)\s*{_CLOCK}", re.IGNORECASE)
_TOKEN = re.compile(
    rf"(?P<clock>\b(?P<h>\d{{1,2}})[:.](?P<m>\d{{2}})\s*(?P<ap1>{_AMPM})?(?![\d.:]))"
    rf"|(?P<hour>\b(?P<h2>\d{{1,2}})\s*(?P<ap2>{_AMPM})(?![a-z]))"
    r"|(?P<four>\b(?P<h4>[01]\d|2[0-3])(?P<m4>[0-5]\d)(?:\s*(?:h|hrs))?\b)"
    r"|(?P<word>[a-z][a-z'\-]*(?:\s+(?:time|call|meal|up))?)",
    re.IGNORECASE)
_FILLER = frozenset({"and", "at", "approx", "about", "around", "c", "ca", "calls", "call", "visits", "visit", "daily",
                     "x"})
_SEPARATORS = re.compile(r"[\s;,/&|+]+")


@dataclass(frozen=True)
class VisitTimes:
    """A person's daily visits as minutes after local midnight, earliest first; and what could not be read."""

    minutes: tuple[int, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def words(self) -> str:
        return ", ".join(clock_words(m) for m in self.minutes)


def clock_words(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _hour(hour: int, minute: int, ampm: str | None) -> int | None:
    if minute > 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    elif hour > 23:
        return None
    return hour * 60 + minute


def parse_visit_times(text: str) -> VisitTimes:
    """Read a schedule as providers write it: "07:30", "7.30am", "7pm", "1930", "breakfast", several a day
    separated by ";", ",", "/", "and" or spaces ("07:30; 12:00; 17:30", "breakfast, tea"). A window
    ("07:30-08:00") is one visit at its start. Anything unreadable is named, never silently dropped."""
    text = (text or "").strip()
    if not text:
        return VisitTimes()
    text = _WINDOW.sub(lambda m: m.group(1), text)
    found: set[int] = set()
    problems: list[str] = []
    leftover: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        leftover.append(text[position:match.start()])
        position = match.end()
        token = match.group(0)
        if match.group("clock"):
            value = _hour(int(match.group("h")), int(match.group("m")), match.group("ap1"))
        elif match.group("hour"):
            value = _hour(int(match.group("h2")), 0, match.group("ap2"))
        elif match.group("four"):
            value = _hour(int(match.group("h4")), int(match.group("m4")), None)
        else:
            word = " ".join(token.lower().split())
            if word in MEAL_WORDS:
                value = MEAL_WORDS[word]
            elif word.split()[0] in MEAL_WORDS and word.split()[-1] in ("call", "time", "meal"):
                value = MEAL_WORDS[word.split()[0]]
            elif word in AMBIGUOUS_WORDS:
                problems.append(AMBIGUOUS_WORDS[word])
                continue
            elif word in _FILLER:
                continue
            else:
                problems.append(f"{token!r} is not a time or a meal word (breakfast, lunch, tea, bed)")
                continue
        if value is None:
            problems.append(f"{token!r} is not a time of day")
        else:
            found.add(value)
    leftover.append(text[position:])
    rest = _SEPARATORS.sub("", "".join(leftover))
    if rest:
        problems.append(f"could not read {rest!r} in {text!r}")
    return VisitTimes(tuple(sorted(found)), tuple(problems))


def visit_times_in_notes(notes: str) -> VisitTimes | None:
    """The schedule a provider's list carried in a "Visit times" (or "Call times", "Times of calls") column,
    which the importer keeps in the person's notes as "Visit times: ...". None when the notes hold none.

    Columns the importer does not know are joined into notes with "; ", so the schedule runs to the next
    "Header:" and, within that, for as long as its ";"-separated parts read as times."""
    if not notes:
        return None
    label = _LABEL.search(notes)
    if label is None:
        return None
    body = notes[label.end():]
    stop = _NEXT_LABEL.search(body)
    if stop:
        body = body[:stop.start()]
    minutes: set[int] = set()
    problems: tuple[str, ...] = ()
    for number, part in enumerate(body.split(";")):
        if not part.strip():
            continue
        parsed = parse_visit_times(part)
        if parsed.problems:
            if number == 0:
                problems = parsed.problems
                minutes.update(parsed.minutes)
            break  # free text after the schedule ("...; lives alone")
        minutes.update(parsed.minutes)
    return VisitTimes(tuple(sorted(minutes)), problems)


def occurrences(minutes: Sequence[int], start: datetime, end: datetime) -> list[datetime]:
    """Each daily visit time as a moment between start (inclusive) and end (exclusive), in time order.
    Local (Europe/London) wall-clock times, so a 07:30 call stays at 07:30 across the clock change."""
    if not minutes or end <= start:
        return []
    found: list[datetime] = []
    day: date = start.astimezone(LONDON).date() - timedelta(days=1)
    last = end.astimezone(LONDON).date() + timedelta(days=1)
    while day <= last:
        for m in minutes:
            moment = datetime.combine(day, time(m // 60, m % 60), tzinfo=LONDON)
            if start <= moment < end:
                found.append(moment)
        day += timedelta(days=1)
    return sorted(found)


# A visit missed up to this long ago is still the one to act on ("missed 07:30, 40m ago"); before that the
# next visit is the one that matters. Practice: call windows are about an hour either side of the time.
MISSED_LOOKBACK = timedelta(hours=2)
# How far ahead the call-round looks for a person's next visit, and for uncovered time-critical visits.
NEXT_VISIT_HORIZON = timedelta(hours=48)
UNCOVERED_HORIZON = timedelta(hours=12)


# --- time-critical needs ----------------------------------------------------------------------------------


class TimeCritical(StrEnum):
    """Calls that cannot slip (brief s.8): in priority order, the order the call-round sorts them."""

    INSULIN = "insulin"
    PARKINSONS = "parkinsons"
    END_OF_LIFE = "end-of-life"
    DOUBLE_HANDED = "double-handed"

    @property
    def label(self) -> str:
        return TIME_CRITICAL_LABELS[self]

    @property
    def short(self) -> str:
        return TIME_CRITICAL_SHORT[self]


TIME_CRITICAL_LABELS = {TimeCritical.INSULIN: "insulin", TimeCritical.PARKINSONS: "Parkinson's medication",
                        TimeCritical.END_OF_LIFE: "end of life", TimeCritical.DOUBLE_HANDED: "double-handed"}
# For an 80-column table; the help and the CLI spell them out.
TIME_CRITICAL_SHORT = {TimeCritical.INSULIN: "INS", TimeCritical.PARKINSONS: "PARK",
                       TimeCritical.END_OF_LIFE: "EOL", TimeCritical.DOUBLE_HANDED: "2-H"}
_PRIORITY = list(TimeCritical)

# Words in the needs, RAG reason or notes that mark a time-critical call. The person model has no flag for
# these (they come from whatever the provider wrote), so they are read from the text and shown with it.
TIME_CRITICAL_WORDS: dict[TimeCritical, re.Pattern[str]] = {
    TimeCritical.INSULIN: re.compile(r"\binsulin", re.IGNORECASE),
    TimeCritical.PARKINSONS: re.compile(r"\bparkinson", re.IGNORECASE),
    TimeCritical.END_OF_LIFE: re.compile(r"\bend[\s-]+of[\s-]+life\b|\bpalliative\b|\bsyringe driver|\beol\b",
                                         re.IGNORECASE),
    TimeCritical.DOUBLE_HANDED: re.compile(
        r"\bdouble[\s-]*(?:handed|up)\b|\b(?:two|2)\s*(?:x\s*)?carers\b|\b2\s*:\s*1\b|\btwo[\s-]person\b",
        re.IGNORECASE),
}


def time_critical(*texts: str) -> tuple[TimeCritical, ...]:
    """The time-critical needs named anywhere in these texts, in priority order."""
    joined = "\n".join(t for t in texts if t)
    return tuple(kind for kind in TimeCritical if TIME_CRITICAL_WORDS[kind].search(joined))


# --- outcomes of a call -----------------------------------------------------------------------------------


class Outcome(StrEnum):
    SAFE_WITH_FAMILY = "safe-with-family"
    VISIT_ARRANGED = "visit-arranged"
    NO_ANSWER = "no-answer"
    REFUSED = "refused"
    EMERGENCY_SERVICES = "emergency-services"
    IN_HOSPITAL = "in-hospital"
    DIED = "died"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.SAFE_WITH_FAMILY: "safe with family", Outcome.VISIT_ARRANGED: "visit arranged",
    Outcome.NO_ANSWER: "no answer", Outcome.REFUSED: "refused",
    Outcome.EMERGENCY_SERVICES: "emergency services called", Outcome.IN_HOSPITAL: "in hospital",
    Outcome.DIED: "died",
}

# Outcomes that take a person off the call-round: their needs tonight are known to be met, or no longer ours
# to meet by a visit.
# - safe with family: someone named is with them and will meet tonight's needs (brief s.8: people with
#   informal support come after those with none);
# - visit arranged: a bridging visit meets the need (brief s.8, "bridge with other agencies"); record the cover
#   (`callround cover`) so the visit is not counted as uncovered;
# - in hospital: the NHS meets the need for now (discharge is a separate task, not a welfare call);
# - died: nobody to visit; the death is recorded in the person's history.
# Not off the list:
# - refused: a person may refuse a visit, but the council must still be satisfied they are safe; keep ringing,
#   and consider a safeguarding concern (s.42) if the risk is serious;
# - emergency services called: not confirmed until their outcome is known (then "in hospital" or "safe");
# - no answer: the person's safety is unknown: it escalates (below).
OFF_LIST = frozenset({Outcome.SAFE_WITH_FAMILY, Outcome.VISIT_ARRANGED, Outcome.IN_HOSPITAL, Outcome.DIED})

_OUTCOME_WORDS: dict[str, Outcome] = {
    **{o.value: o for o in Outcome}, **{o.label: o for o in Outcome},
    "safe": Outcome.SAFE_WITH_FAMILY, "family": Outcome.SAFE_WITH_FAMILY, "arranged": Outcome.VISIT_ARRANGED,
    "visit": Outcome.VISIT_ARRANGED, "no reply": Outcome.NO_ANSWER, "noanswer": Outcome.NO_ANSWER,
    "refused visit": Outcome.REFUSED, "declined": Outcome.REFUSED, "emergency": Outcome.EMERGENCY_SERVICES,
    "999": Outcome.EMERGENCY_SERVICES, "police": Outcome.EMERGENCY_SERVICES, "ambulance": Outcome.EMERGENCY_SERVICES,
    "emergency services": Outcome.EMERGENCY_SERVICES, "hospital": Outcome.IN_HOSPITAL, "admitted": Outcome.IN_HOSPITAL,
    "deceased": Outcome.DIED, "dead": Outcome.DIED,
}


def outcome_from_words(text: str) -> Outcome | None:
    key = " ".join(re.sub(r"[_\-]+", " ", (text or "").strip().lower()).split())
    return _OUTCOME_WORDS.get(key) or _OUTCOME_WORDS.get(key.replace(" ", "-"))


# --- "no answer" escalates on a timer ---------------------------------------------------------------------


@dataclass(frozen=True)
class Escalation:
    action: str
    within: timedelta  # from the no-answer call
    within_if_urgent: timedelta  # RED or time-critical: sooner


# The n-th "no answer" in a row (the last step repeats for a third and later). Practice, local policy may
# differ: first try the next of kin (or a neighbour or key holder) within 30 minutes; on a second no answer
# ask the police for a welfare check (or the ambulance service where a medical need is known) within 15
# minutes. For someone RED or with a time-critical call the clock is shorter (brief s.8: prioritise them).
NO_ANSWER_ESCALATION: tuple[Escalation, ...] = (
    Escalation("try the next of kin (or a neighbour or key holder)", timedelta(minutes=30), timedelta(minutes=15)),
    Escalation("ask the police (or ambulance, if a medical need is known) for a welfare check",
               timedelta(minutes=15), timedelta(minutes=10)),
)


def no_answers_in_a_row(outcomes: Sequence[Outcome]) -> int:
    """How many of the latest calls, oldest first in `outcomes`, were "no answer" without a break."""
    count = 0
    for outcome in reversed(outcomes):
        if outcome is not Outcome.NO_ANSWER:
            break
        count += 1
    return count


@dataclass(frozen=True)
class NextAction:
    what: str
    due: datetime
    escalation: bool  # set by the no-answer timer, not by the officer


def next_action(outcomes: Sequence[Outcome], last_called_at: datetime, *, urgent: bool,
                officer_action: str = "", officer_at: datetime | None = None) -> NextAction | None:
    """What to do next for a person after their latest call (outcomes oldest first), and by when.

    After a "no answer" the escalation timer sets the due time; an officer's own next action replaces it only
    if it is due sooner (the timer is the safety net, so a later promise cannot push it back)."""
    officer = NextAction(officer_action or "next action", officer_at, False) if officer_at else None
    streak = no_answers_in_a_row(outcomes)
    if streak == 0:
        return officer
    step = NO_ANSWER_ESCALATION[min(streak, len(NO_ANSWER_ESCALATION)) - 1]
    timer = NextAction(step.action + (f" (no answer {streak} times)" if streak > 2 else ""),
                       last_called_at + (step.within_if_urgent if urgent else step.within), True)
    if officer is not None and officer.due < timer.due:
        return officer
    return timer


# --- the order of the call-round --------------------------------------------------------------------------

# RED first; not yet rated next (it may be RED: rate it), then AMBER, then GREEN (brief s.8 RAG practice).
RAG_ORDER: dict[RAG | None, int] = {RAG.RED: 0, None: 1, RAG.AMBER: 2, RAG.GREEN: 3}


@dataclass(frozen=True)
class RoundEntry:
    """What the order needs to know about one person on the call-round."""

    person_id: int
    name: str
    rag: RAG | None
    next_missed: datetime | None  # the next visit nobody covers (may be a little in the past), or None
    critical: tuple[TimeCritical, ...] = ()


def round_key(entry: RoundEntry) -> tuple:
    far = datetime.max.replace(tzinfo=LONDON)
    critical = min((_PRIORITY.index(c) for c in entry.critical), default=len(_PRIORITY))
    return (RAG_ORDER[entry.rag], entry.next_missed or far, critical, -len(entry.critical),
            entry.name.casefold(), entry.person_id)


def order_round(entries: Iterable[RoundEntry]) -> list[RoundEntry]:
    """RED first; then the next missed visit, soonest (or already missed) first, nobody's missed visit last;
    then time-critical needs (insulin, Parkinson's, end of life, double-handed); then name."""
    return sorted(entries, key=round_key)


# --- visits covered by a bridge ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    """A provider or team covering visits from a time (and until one, if given): for everyone on the incident
    unless people are named, and every visit unless visit times are named."""

    covered_by: str
    starts_at: datetime
    ends_at: datetime | None = None
    people: frozenset[int] = frozenset()
    minutes: frozenset[int] = frozenset()

    def covers(self, person_id: int, moment: datetime) -> bool:
        if moment < self.starts_at or (self.ends_at is not None and moment >= self.ends_at):
            return False
        if self.people and person_id not in self.people:
            return False
        local = moment.astimezone(LONDON)
        return not self.minutes or local.hour * 60 + local.minute in self.minutes


def who_covers(covers: Iterable[Cover], person_id: int, moment: datetime) -> Cover | None:
    return next((c for c in covers if c.covers(person_id, moment)), None)


def uncovered(minutes: Sequence[int], covers: Sequence[Cover], person_id: int, start: datetime,
              end: datetime) -> list[datetime]:
    return [m for m in occurrences(minutes, start, end) if who_covers(covers, person_id, m) is None]


def next_missed_visit(minutes: Sequence[int], covers: Sequence[Cover], person_id: int, *, now: datetime,
                      since: datetime | None = None) -> datetime | None:
    """The first visit nobody covers from MISSED_LOOKBACK ago (never before `since`, the failure) onwards."""
    start = now - MISSED_LOOKBACK
    if since is not None and since > start:
        start = since
    found = uncovered(minutes, covers, person_id, start, now + NEXT_VISIT_HORIZON)
    return found[0] if found else None
