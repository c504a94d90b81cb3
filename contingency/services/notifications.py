"""Notifications: keep the register in step with the roster, generate the letters, record what happened.

Every change goes through the event log. A letter that has been generated is never changed: when
the roster moves on, it is marked out of date and the next generation makes a new version with a
new reference, keeping the old one and the SHA-256 of every document made from it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from contingency import collector
from contingency.letters.context import letter_context
from contingency.letters.render import Letter, build
from contingency.models import Incident
from contingency.notification import (
    DocumentFormat,
    HeldBack,
    Notification,
    NotificationKind,
    NotificationPlan,
    NotificationPlans,
    NotificationStatus,
)
from contingency.person import Person
from contingency.rules import notifications as rules
from contingency.rules.authorities import AuthorityNotResolved
from contingency.rules.times import format_local
from contingency.services.errors import BadInput
from contingency.services.incidents import require_settings
from contingency.services.output import output_folder
from contingency.services.progress import CancelCheck, Cancelled, Progress, tick
from contingency.store import Store
from contingency.store.files import new_private_file

S = NotificationStatus
EXERCISE_FILE_PREFIX = "EXERCISE-NOT-A-REAL-INCIDENT_"


@dataclass(frozen=True)
class Roster:
    """An incident's people and what they mean for notifications, read once per operation."""

    incident: Incident
    people: dict[int, Person]
    plans: NotificationPlans
    by_ref: dict[str, NotificationPlan]
    persons_planned: bool = True  # False: bodies only, and the register's letters to people are left as they are
    basis_counts: dict[str, int] | None = None  # everyone on the roster by basis, for the notice that names nobody

    def plan(self, recipient_ref: str) -> NotificationPlan | None:
        return self.by_ref.get(recipient_ref)


def roster(store: Store, incident_id: int, *, progress: Progress | None = None,
           cancelled: CancelCheck | None = None, persons: bool = True) -> Roster:
    """`progress` hears (people planned, people on the roster); `cancelled` is asked every few hundred.
    With `persons` False, only the letters to bodies are planned (`Roster.persons_planned` says so)."""
    settings = require_settings(store)
    incident = store.incidents.get(incident_id)
    step = tick(progress, cancelled, message="stopped before the register was brought up to date; nothing changed")
    with collector.paused():  # tens of thousands of objects made and all kept (a quarter of the time at 50,000)
        # Only what the letters read; for bodies only, only the people a body may be told about.
        people = store.people.for_letters(incident_id, bodies_only=not persons)
        plans = rules.plan_notifications(incident, people, ours=store.authorities.get(settings.authority_code),
                                         authorities=store.authorities, icbs=store.icbs, now=store.clock(),
                                         geography=store.geography.index,
                                         progress=step if progress or cancelled else None, person_letters=persons)
    return Roster(incident=incident, people={p.id: p for p in people}, plans=plans,
                  by_ref={plan.recipient_ref: plan for plan in plans.all}, persons_planned=persons,
                  basis_counts=store.people.basis_counts(incident_id))


# --- keeping the register in step with the roster ---------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    created: tuple[Notification, ...]
    redrafted: tuple[Notification, ...]
    out_of_date: tuple[Notification, ...]
    held: tuple[HeldBack, ...]


def sync(store: Store, incident_id: int, current: Roster | None = None, *, progress: Progress | None = None,
         cancelled: CancelCheck | None = None) -> SyncResult:
    """Create a notification for every new recipient; a draft follows the roster; a generated letter
    whose people or details changed is marked out of date (it is never rewritten).

    Stopping (`cancelled`) is possible only while the roster is read, before anything is written.
    The register then records which roster change it follows (`followed`), so a screen can tell it is
    current without planning it again from the whole roster."""
    version = store.notifications.roster_version(incident_id)  # before the roster is read: never too new
    current = current or roster(store, incident_id, progress=progress, cancelled=cancelled)
    work = _work(store, incident_id, current)
    created, redrafted, stale = [], [], []
    if work or _followed_moves(store, incident_id, version, current.persons_planned):
        with store.write("notifications follow the roster") as tx:
            # Looked at again under the write lock: another window may have synced meanwhile.
            work = _work(store, incident_id, current)
            if _followed_moves(store, incident_id, version, current.persons_planned):
                store.notifications.mark_followed(tx, incident_id, version, persons=current.persons_planned)
            created = store.notifications.add_many(tx, incident_id, [plan for _, plan, n in work if n is None])
            for _ref, plan, notification in work:
                if notification is None:
                    continue
                if plan is not None and notification.roster_digest == plan.digest:
                    store.notifications.change(tx, notification, "up-to-date", "the roster matches the letter again",
                                               out_of_date=False)
                elif notification.issued_at is None and plan is not None:
                    redrafted.append(store.notifications.redraft(tx, notification, plan))
                elif notification.issued_at is None:
                    store.notifications.change(tx, notification, "close", "nobody on the roster is for this "
                                               "recipient now", status=S.CLOSED)
                else:
                    stale.append(store.notifications.change(
                        tx, notification, "out-of-date", "the roster changed after the letter was generated",
                        out_of_date=True))
    return SyncResult(created=tuple(created), redrafted=tuple(redrafted), out_of_date=tuple(stale),
                      held=current.plans.held)


def _followed_moves(store: Store, incident_id: int, version: int, persons: bool) -> bool:
    was = store.notifications.followed(incident_id)
    return was is None or was[0] < version or (was[0] == version and persons and not was[1])


@dataclass(frozen=True)
class RegisterState:
    """What a screen needs to know to show the register without reading the roster."""

    roster_version: int  # the last logged change to the incident or its people
    people: int  # on the roster
    current: bool  # the register follows that change (for the letters to people too, when asked)
    checked: bool  # it was ever brought up to date


def register_state(store: Store, incident_id: int, *, persons: bool) -> RegisterState:
    """Bounded reads: the log's last roster change against the last one the register followed."""
    from contingency.store.people import RosterQuery

    version = store.notifications.roster_version(incident_id)
    was = store.notifications.followed(incident_id)
    current = was is not None and was[0] >= version and (was[1] or not persons)
    return RegisterState(roster_version=version, people=store.people.count(RosterQuery(incident_id)),
                         current=current, checked=was is not None)


def person_letters_due(store: Store, incident_id: int) -> int:
    """How many people the incident writes to, counted in SQL (their letters are registered when generated)."""
    if not rules.writes_to_people(store.incidents.get(incident_id).classification):
        return 0
    status, basis = rules.PERSON_LETTER_SKIPS
    return store.notifications.person_letters_due(incident_id, skip_status=status.value, skip_basis=basis.value)


def _work(store: Store, incident_id: int, current: Roster
          ) -> list[tuple[str, NotificationPlan | None, Notification | None]]:
    plans = current.by_ref
    # Planned for bodies only: the letters to people are brought up to date when they are wanted (the
    # register, the people's letters), not on every run of the bodies' letters (50,000 rows at 50,000 people).
    existing = {n.recipient_ref: n
                for n in store.notifications.latest(incident_id, bodies_only=not current.persons_planned)}
    work = [(ref, plans.get(ref), existing.get(ref)) for ref in [*plans, *(r for r in existing if r not in plans)]]
    return [item for item in work if _needs_change(item[1], item[2])]


def _needs_change(plan: NotificationPlan | None, notification: Notification | None) -> bool:
    if notification is None:
        return plan is not None
    if plan is not None and notification.roster_digest == plan.digest:
        return notification.out_of_date
    if notification.issued_at is None:
        return plan is not None or notification.status is not S.CLOSED
    return not notification.out_of_date


# --- finding a notification from what an officer types -------------------------------------------------


def find(store: Store, incident_id: int, text: str) -> Notification:
    """A reference (INC1-LA-E08000032-v1), a reference without its version (the current one), or a
    recipient: council or ICB code or name, 'cqc', or 'person:ID'."""
    value = text.strip()
    if not value:
        raise BadInput("say which letter: its reference, or the recipient's code")
    found = store.notifications.by_reference(value)
    if found is None and not re.search(r"-v\d+$", value, re.IGNORECASE):
        latest = {n.reference.rsplit("-v", 1)[0].upper(): n for n in store.notifications.latest(incident_id)}
        found = latest.get(value.upper())
    if found is None and not re.match(r"INC\d+-", value, re.IGNORECASE):
        found = store.notifications.latest_for(incident_id, recipient_ref(store, value))
    if found is None or found.incident_id != incident_id:
        raise BadInput(f"incident {incident_id} has no letter {value!r}; "
                       f"'contingency notify list {incident_id}' shows the references")
    return found


def recipient_ref(store: Store, text: str) -> str:
    value = text.strip()
    lowered = value.lower()
    if lowered == "cqc":
        return "cqc"
    person = re.fullmatch(r"(?:person[:\s]*|p)(\d+)", lowered)
    if person:
        return f"person:{int(person.group(1))}"
    if lowered.startswith(("la:", "icb:")):
        return lowered.split(":", 1)[0] + ":" + value.split(":", 1)[1].upper()
    try:
        return store.authorities.resolve(value).ref
    except AuthorityNotResolved as council_problem:
        try:
            return store.icbs.resolve(value).ref
        except LookupError:
            raise BadInput(f"recipient: {council_problem}") from None


# --- generating letters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedFile:
    notification: Notification
    format: DocumentFormat
    path: Path
    sha256: str
    # Set when the PDF cannot print some of the letter (a name in Chinese, say): "... send the DOCX".
    warning: str = ""


def preview(store: Store, incident_id: int, text: str, *, progress: Progress | None = None,
            cancelled: CancelCheck | None = None) -> str:
    """The letter as the next generation would write it, as text for the terminal. Writes nothing."""
    current = roster(store, incident_id, progress=progress, cancelled=cancelled)
    sync(store, incident_id, current)
    notification = find(store, incident_id, text)
    plan = current.plan(notification.recipient_ref)
    draft, replaces = notification, None
    if notification.out_of_date:
        replaces = notification
        draft = notification.model_copy(update={
            "version": notification.version + 1, "issued_at": None, "out_of_date": False,
            "reference": rules.reference_for(incident_id, notification.recipient_ref, notification.version + 1)})
    elif notification.version > 1:
        replaces = store.notifications.versions(incident_id, notification.recipient_ref)[-2]
    issued_at = draft.issued_at or store.clock()
    _, text_out = _render(store, current, draft, plan, issued_at, replaces)
    return text_out


PERSON_LETTERS_IN_TUI = 2_000  # beyond this, per-person letters are a print run for the CLI


def person_letters_message(incident_id: int, count: int) -> str:
    return (f"{count:,} letters to people is a print run: use 'contingency letters {incident_id} --out FOLDER' "
            "for per-person letters at this size; here, generate the letters to bodies")


def generate(store: Store, incident_id: int, out_dir: Path, *, formats: Iterable[DocumentFormat] = (DocumentFormat.PDF,),
             recipients: Iterable[str] | None = None, include_people: bool = True, progress: Progress | None = None,
             cancelled: CancelCheck | None = None, max_person_letters: int | None = None) -> list[GeneratedFile]:
    """Write each letter as PDF and/or DOCX into `out_dir` and record every document's SHA-256.

    With `recipients`, just those letters; otherwise every current letter to a body, and to each
    person unless `include_people` is False. An out-of-date letter becomes a new version first.
    `progress` hears (letters written, letters to write); `cancelled` stops between letters, keeping
    (and having logged) those already written. Files are the owner's only (0600, new folders 0700).
    """
    formats = tuple(dict.fromkeys(formats))
    if not formats:
        raise BadInput("choose at least one format: pdf or docx")
    out_dir = output_folder(out_dir, "the letters")
    current = roster(store, incident_id, cancelled=cancelled, persons=recipients is not None or include_people)
    sync(store, incident_id, current)
    if recipients is not None:
        targets = [find(store, incident_id, text) for text in recipients]
        for notification in targets:
            if current.plan(notification.recipient_ref) is None:
                raise BadInput(_vanished(notification))
    else:
        targets = [n for n in store.notifications.latest(incident_id, bodies_only=not include_people)
                   if current.plan(n.recipient_ref) is not None and n.status is not S.CLOSED
                   and (include_people or n.kind is not NotificationKind.PERSON)]
    people = sum(1 for n in targets if n.kind is NotificationKind.PERSON)
    if max_person_letters is not None and people > max_person_letters:
        raise BadInput(person_letters_message(incident_id, people))
    written: list[GeneratedFile] = []
    for done, notification in enumerate(targets):
        if cancelled is not None and cancelled():
            raise Cancelled(f"stopped after {done} of {len(targets)} letters; those written are kept and recorded"
                            if done else "stopped before any letter was written", done)
        if progress is not None:
            progress(done, len(targets))
        written += _generate_one(store, current, notification, out_dir, formats)
    if progress is not None:
        progress(len(targets), len(targets))
    return written


def _generate_one(store: Store, current: Roster, notification: Notification, out_dir: Path,
                  formats: tuple[DocumentFormat, ...]) -> list[GeneratedFile]:
    plan = current.plan(notification.recipient_ref)
    incident_id = notification.incident_id
    replaces = None
    if notification.out_of_date:
        with store.write(f"new version of {notification.reference}: the roster changed") as tx:
            replaces = notification
            notification = store.notifications.add(tx, incident_id, plan, version=notification.version + 1)
    elif notification.version > 1:
        replaces = store.notifications.versions(incident_id, notification.recipient_ref)[-2]
    first_issue = notification.issued_at is None
    issued_at = notification.issued_at or store.clock()
    if first_issue:
        notification = notification.model_copy(update={"issued_at": issued_at})
    letter, _ = _render(store, current, notification, plan, issued_at, replaces)
    from contingency.letters.pdf import warning_for

    warning = warning_for(letter) if DocumentFormat.PDF in formats else ""
    # Recorded before any file takes its real name: a crash can leave a stray ".part" file, or a
    # recorded hash with no file, but never a letter under its real name that the store does not know.
    staged: list[tuple[DocumentFormat, Path, Path, str]] = []
    try:
        for fmt in formats:
            staging = _stage(letter, out_dir, fmt)
            data = staging.read_bytes()
            staged.append((fmt, staging, _target(store, out_dir, letter.stem, fmt, data),
                           hashlib.sha256(data).hexdigest()))
        with store.write(f"{notification.reference} generated") as tx:
            if first_issue:
                stored = store.notifications.get(notification.id)
                # A reply that came before the letter stays recorded; the letter still goes, for the record.
                status = S.ACKNOWLEDGED if stored.status is S.ACKNOWLEDGED else S.GENERATED
                notification = store.notifications.change(
                    tx, stored, "generate", f"{notification.reference} generated", status=status,
                    issued_at=issued_at, reply_by=None)
            for fmt, _staging, path, digest in staged:
                store.notifications.add_document(tx, notification, fmt, path.name, digest)
    except BaseException:
        for _fmt, staging, _path, _digest in staged:
            staging.unlink(missing_ok=True)
        raise
    files = []
    for fmt, staging, path, digest in staged:
        os.replace(staging, path)
        files.append((fmt, path, digest))
    return [GeneratedFile(notification=notification, format=fmt, path=path, sha256=digest,
                          warning=warning if fmt is DocumentFormat.PDF else "")
            for fmt, path, digest in files]


def _vanished(notification: Notification) -> str:
    return (f"nobody on the roster is for {notification.recipient_name} now, so {notification.reference} cannot be "
            f"regenerated; if the letter is no longer needed, close it with a note")


def _render(store: Store, current: Roster, notification: Notification, plan: NotificationPlan | None,
            issued_at: datetime, replaces: Notification | None) -> tuple[Letter, str]:
    if plan is None:
        raise BadInput(_vanished(notification))
    settings = require_settings(store)
    ours = store.authorities.get(settings.authority_code)
    context = letter_context(
        notification=notification, plan=plan, incident=current.incident, people=current.people,
        settings=settings, ours=ours, area=store.authorities.get(current.incident.facts.area_code),
        exercise=store.is_exercise, issued_at=issued_at, replaces=replaces, authorities=store.authorities,
        geography=store.geography.index, basis_counts=current.basis_counts)
    mark = f"{rules.EXERCISE_MARK} · " if store.is_exercise else ""
    return build(f"letter-{notification.kind.value}.md.j2", context, stem=_stem(store, notification),
                 header=f"{mark}{ours.name} · {settings.team}",
                 footer=f"{mark}{notification.reference} · "
                        f"{log_anchor(store, ('notification', notification.id, 'generate'))}",
                 issued_at=issued_at, author=settings.team)


def log_anchor(store: Store, fixed_by: tuple[str, int, str] | None = None) -> str:
    """'log N:HASH' for a document's footer: the paper copy then anchors the event log outside the file
    (`contingency log verify --head N:HASH`). Only the footer carries it, never the roster digest, or
    every write would mark every letter out of date. Once `fixed_by` is in the log, the anchor stays
    the one the document was first made with, so generating an issued letter again gives the same bytes."""
    return f"log {store.log_head(fixed_by)}"


def _stem(store: Store, notification: Notification) -> str:
    # A person's letter is named by reference only: file names travel in folder listings and emails.
    who = "" if notification.kind is NotificationKind.PERSON else "-" + _slug(notification.recipient_name)
    prefix = EXERCISE_FILE_PREFIX if store.is_exercise else ""
    return f"{prefix}{notification.reference}{who}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


def _stage(letter: Letter, out_dir: Path, fmt: DocumentFormat) -> Path:
    """The letter written under a hidden temporary name (0600) beside where it will go."""
    from contingency.letters.docx import write_docx
    from contingency.letters.pdf import write_pdf

    staging = new_private_file(out_dir / f".{letter.stem}.{fmt.value}.part")
    (write_pdf if fmt is DocumentFormat.PDF else write_docx)(letter, staging)
    return staging


def _target(store: Store, out_dir: Path, stem: str, fmt: DocumentFormat, data: bytes) -> Path:
    """The name the letter takes. A file there that the store recorded with other content was issued
    and is kept, the new one numbered; one whose hash the store never recorded was ours, left half-made
    by a run that stopped before recording it, and is replaced. Anything but a plain file is stepped round."""
    number = 1
    while True:
        target = out_dir / (f"{stem}.{fmt.value}" if number == 1 else f"{stem}-{number}.{fmt.value}")
        if not target.exists() and not target.is_symlink():
            return target
        if target.is_file() and not target.is_symlink():
            existing = target.read_bytes()
            if existing == data or not store.notifications.knows_document(hashlib.sha256(existing).hexdigest()):
                return target
        number += 1


# --- what happened to each letter ------------------------------------------------------------------------


def mark_sent(store: Store, incident_id: int, text: str, channel: str, at: datetime | None = None, *,
              exercise_confirmed: bool = False) -> Notification:
    if store.is_exercise and not exercise_confirmed:
        raise BadInput("this is an EXERCISE store: its letters are not real and must never reach a real recipient. "
                       "Confirm it went only to exercise participants (--confirm-exercise, or tick the box)")
    channel = channel.strip()
    if not channel:
        raise BadInput("say how it was sent, e.g. 'secure email to adult.care@bradford.gov.uk'")
    notification = find(store, incident_id, text)
    notification = _checked_against_roster(store, incident_id, notification)
    _check(rules.check_send, notification)
    now = store.clock()
    when = at or now
    if when > now + timedelta(minutes=5):
        raise BadInput(f"{format_local(when)} is in the future; give the time it was sent")
    if notification.issued_at and when < notification.issued_at - timedelta(minutes=1):
        raise BadInput(f"{notification.reference} was generated at {format_local(notification.issued_at)}; it "
                       "cannot have been sent before that")
    reason = f"sent by {channel}" + (" (exercise: confirmed not sent to a real recipient)" if store.is_exercise else "")
    # Already answered (by phone, before we wrote): the letter is on record but nothing is awaited.
    status = S.ACKNOWLEDGED if notification.status is S.ACKNOWLEDGED else S.SENT
    with store.write(reason) as tx:
        return store.notifications.change(tx, notification, "sent", reason, status=status, sent_channel=channel,
                                          sent_at=when, sent_by=store.officer,
                                          reply_by=rules.reply_by(notification.kind, when))


# Up to this many people the register is brought up to date before a letter is marked sent; above it that is
# seconds of reading the roster, so the officer is asked to do it (r in Notifications, or 'notify list').
CHECK_BEFORE_SENDING = 2_000


def _checked_against_roster(store: Store, incident_id: int, notification: Notification) -> Notification:
    """A letter is never marked sent while the roster has changed since the register last followed it: the
    letter may name people who have gone, or miss people who came (sync marks it out of date, and rules
    refuse to send an out-of-date letter)."""
    state = register_state(store, incident_id, persons=notification.kind is NotificationKind.PERSON)
    if state.current:
        return notification
    if state.people > CHECK_BEFORE_SENDING:
        raise BadInput(f"the roster has changed since the letters were last checked against it, so "
                       f"{notification.reference} may be out of date: press r in Notifications (or run "
                       f"'contingency notify list {incident_id}') first, then mark it sent")
    sync(store, incident_id, roster(store, incident_id, persons=notification.kind is NotificationKind.PERSON))
    return find(store, incident_id, notification.reference)


def acknowledge(store: Store, incident_id: int, text: str, summary: str, at: datetime | None = None) -> Notification:
    summary = summary.strip()
    if not summary:
        raise BadInput("summarise the reply: who answered and what they said")
    notification = find(store, incident_id, text)
    _check(rules.check_acknowledge, notification)
    now = store.clock()
    when = at or now
    if when > now + timedelta(minutes=5):
        raise BadInput(f"{format_local(when)} is in the future; give the time they replied")
    before = "" if notification.sent_at else " (before our letter was sent)"
    reason = f"reply{before}: {summary}"
    with store.write(reason) as tx:
        return store.notifications.change(tx, notification, "acknowledged", reason,
                                          status=S.ACKNOWLEDGED, acknowledged_at=when,
                                          acknowledged_by=store.officer, reply_summary=summary)


def chase(store: Store, incident_id: int, text: str) -> Notification:
    notification = find(store, incident_id, text)
    _check(lambda n: rules.check_reply(n, "chased"), notification)
    count = notification.chase_count + 1
    with store.write(f"chased ({count})") as tx:
        return store.notifications.change(tx, notification, "chased", f"chased ({count})", status=S.CHASED,
                                          chase_count=count, last_chased_at=store.clock())


def close(store: Store, incident_id: int, text: str, note: str) -> Notification:
    note = note.strip()
    if not note:
        raise BadInput("say why the letter is closed")
    notification = find(store, incident_id, text)
    _check(rules.check_close, notification)
    with store.write(f"closed: {note}") as tx:
        return store.notifications.change(tx, notification, "close", f"closed: {note}", status=S.CLOSED)


def _check(check, notification: Notification) -> None:
    try:
        check(notification)
    except rules.BadTransition as exc:
        raise BadInput(str(exc)) from None


@dataclass(frozen=True)
class Overdue:
    notification: Notification
    overdue: timedelta


def chase_list(store: Store, now: datetime, incident_id: int | None = None) -> list[Overdue]:
    """Sent letters with no acknowledgement past their reply-by time, most overdue first."""
    found = []
    for notification in store.notifications.awaiting_reply():
        late = rules.overdue(notification, now)
        if late is not None and (incident_id is None or notification.incident_id == incident_id):
            found.append(Overdue(notification=notification, overdue=late))
    return sorted(found, key=lambda item: item.overdue, reverse=True)
