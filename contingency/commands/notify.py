"""Commands for notifications and letters: list, generate, and record sent, acknowledged, chased, closed."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

from contingency import collector
from contingency.commands.base import EXIT_OK, Commands, emit, record_id, store_for
from contingency.notification import DocumentFormat, Notification, NotificationKind
from contingency.rules import notifications as rules
from contingency.rules.times import (
    BadDate,
    format_elapsed,
    format_local,
    parse_local_datetime,
    to_utc_iso,
)
from contingency.rules.words import plural
from contingency.services.errors import BadInput
from contingency.store import Store


def register(cmds: Commands) -> None:
    notify = cmds.group("notify", "the bodies and people to tell, and where each letter stands")
    lister = notify.add("list", "every letter for an incident: recipient, people, status, reply-by, overdue",
                        cmd_notify_list)
    lister.add_argument("incident", type=record_id)
    lister.add_argument("--people", action="store_true", help="list each person's letter too (text output)")
    sent = notify.add("sent", "record that a letter was sent", cmd_notify_sent)
    sent.add_argument("incident", type=record_id)
    sent.add_argument("ref", help="the letter's reference (or the recipient's code)")
    sent.add_argument("--channel", required=True, help="how, e.g. 'secure email to adult.care@bradford.gov.uk'")
    sent.add_argument("--at", help="when it was sent (default now), e.g. 02:15 or 23/11/2026 02:15")
    sent.add_argument("--confirm-exercise", action="store_true",
                      help="on an EXERCISE store: confirm it went only to exercise participants")
    ack = notify.add("ack", "record the recipient's acknowledgement or reply", cmd_notify_ack)
    ack.add_argument("incident", type=record_id)
    ack.add_argument("ref")
    ack.add_argument("--summary", required=True, help="who replied and what they said")
    ack.add_argument("--at", help="when they replied (default now)")
    chase = notify.add("chase", "record that an unanswered letter was chased", cmd_notify_chase)
    chase.add_argument("incident", type=record_id)
    chase.add_argument("ref")
    close = notify.add("close", "close a letter that needs nothing more", cmd_notify_close)
    close.add_argument("incident", type=record_id)
    close.add_argument("ref")
    close.add_argument("--note", required=True, help="why nothing more is needed")
    chase_list = notify.add("chase-list", "sent letters with no reply past their reply-by time, most overdue first",
                            cmd_notify_chase_list)
    chase_list.add_argument("--incident", type=record_id, help="only this incident")

    letters = cmds.add("letters", "write the letters for an incident as PDF and/or DOCX and print their paths",
                       cmd_letters)
    letters.add_argument("incident", type=record_id)
    letters.add_argument("--out", type=Path, required=True, help="the folder to write them to")
    letters.add_argument("--format", default="pdf", help="pdf, docx or pdf,docx (default pdf)")
    letters.add_argument("--recipient", action="append", metavar="CODE",
                         help="only this recipient: council or ICB code or name, 'cqc', 'person:ID', or a "
                              "reference (repeatable); without it, every body and every person")
    letters.add_argument("--bodies-only", action="store_true",
                         help="every council, cross-border body, ICB and CQC, but no letters to people")


def notification_json(store: Store, notification: Notification, now: datetime) -> dict[str, Any]:
    late = rules.overdue(notification, now)

    def when(moment: datetime | None) -> str | None:
        return to_utc_iso(moment) if moment else None

    return {
        "reference": notification.reference, "incident_id": notification.incident_id,
        "recipient_ref": notification.recipient_ref, "recipient": notification.recipient_name,
        "kind": notification.kind.value, "version": notification.version, "basis": notification.basis,
        "people_count": len(notification.people), "people": list(notification.people),
        "status": notification.status.value, "out_of_date": notification.out_of_date,
        "issued_at": when(notification.issued_at), "reply_by": when(notification.reply_by),
        "overdue": late is not None, "overdue_seconds": int(late.total_seconds()) if late else 0,
        "sent_channel": notification.sent_channel, "sent_at": when(notification.sent_at),
        "sent_by": notification.sent_by, "acknowledged_at": when(notification.acknowledged_at),
        "acknowledged_by": notification.acknowledged_by, "reply_summary": notification.reply_summary,
        "chase_count": notification.chase_count, "last_chased_at": when(notification.last_chased_at),
        "documents": [{"format": d.format.value, "file_name": d.file_name, "sha256": d.sha256,
                       "generated_at": to_utc_iso(d.generated_at), "generated_by": d.generated_by}
                      for d in store.notifications.documents(notification.id)],
    }


def _row(notification: Notification, now: datetime) -> str:
    reply = rules.reply_by_words(notification, now)
    people = str(len(notification.people)) if notification.kind is not NotificationKind.CQC else "numbers"
    return (f"{notification.reference:<24} {notification.recipient_name[:34]:<34} {people:>7}  "
            f"{notification.status.value:<12} {reply:<16} {rules.state_words(notification, now)}")


def cmd_notify_list(args: argparse.Namespace) -> int:
    from contingency.services.notifications import sync

    store = store_for(args)
    result = sync(store, args.incident)
    now = store.clock()
    notifications = store.notifications.latest(args.incident)
    bodies = [n for n in notifications if n.kind is not NotificationKind.PERSON]
    persons = [n for n in notifications if n.kind is NotificationKind.PERSON]
    lines = [f"{'REFERENCE':<24} {'RECIPIENT':<34} {'PEOPLE':>7}  {'STATUS':<12} {'REPLY BY':<16} NOTE"]
    lines += [_row(n, now) for n in (bodies + persons if args.people else bodies)]
    if persons and not args.people:
        counts: dict[str, int] = {}
        for n in persons:
            counts[n.status.value] = counts.get(n.status.value, 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        lines.append(f"{plural(len(persons), 'letter')} to people ({summary}); --people lists them")
    for held in result.held:
        lines.append(f"HELD BACK from councils' letters: {held.name} (person {held.person_id}): {held.reason}")
    data = {"notifications": [notification_json(store, n, now) for n in notifications],
            "held_back": [h.model_dump() for h in result.held]}
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def _formats(text: str) -> list[DocumentFormat]:
    formats = []
    for part in text.split(","):
        try:
            formats.append(DocumentFormat(part.strip().lower()))
        except ValueError:
            raise BadInput(f"--format {part.strip()!r} is not pdf or docx") from None
    return formats


def cmd_letters(args: argparse.Namespace) -> int:
    from contingency.services.notifications import generate

    store = store_for(args)
    if args.recipient and args.bodies_only:
        raise BadInput("give --recipient or --bodies-only, not both")
    # A bounded run (the bodies, or the letters named) in a process that ends with it: Python's cycle collector
    # would walk the roster's tens of thousands of objects again and again while the letters are drawn (a fifth
    # of the time at 50,000 people), to find next to no garbage; reference counting still frees what is done
    # with. A print run of letters to every person keeps it: that many letters' leftovers would add up.
    # What the run left behind is kept until the command ends: set aside rather than scanned (a third of a
    # second at 50,000 people when the collector first looks again).
    bounded = args.bodies_only or bool(args.recipient)
    with collector.paused(keep=True) if bounded else nullcontext():
        files = generate(store, args.incident, args.out, formats=_formats(args.format), recipients=args.recipient,
                         include_people=not args.bodies_only)
    data = [{"reference": f.notification.reference, "recipient": f.notification.recipient_name,
             "format": f.format.value, "path": str(f.path), "sha256": f.sha256, "warning": f.warning} for f in files]
    emit(args, data, "\n".join(str(f.path) for f in files) if files else "no letters to write")
    for f in files:
        if f.warning:  # on stderr: stdout stays one path a line for scripts
            print(f"contingency: {f.path.name}: {f.warning}", file=sys.stderr)
    return EXIT_OK


def _time(text: str | None, store: Store) -> datetime | None:
    if not text:
        return None
    try:
        return parse_local_datetime(text, now=store.clock())
    except BadDate as exc:
        raise BadInput(str(exc)) from None


def cmd_notify_sent(args: argparse.Namespace) -> int:
    from contingency.services.notifications import mark_sent

    store = store_for(args)
    notification = mark_sent(store, args.incident, args.ref, args.channel, _time(args.at, store),
                             exercise_confirmed=args.confirm_exercise)
    emit(args, notification_json(store, notification, store.clock()),
         f"{notification.reference} sent by {notification.sent_channel}; reply by "
         f"{format_local(notification.reply_by) if notification.reply_by else 'no reply needed'}")
    return EXIT_OK


def cmd_notify_ack(args: argparse.Namespace) -> int:
    from contingency.services.notifications import acknowledge

    store = store_for(args)
    notification = acknowledge(store, args.incident, args.ref, args.summary, _time(args.at, store))
    emit(args, notification_json(store, notification, store.clock()), f"{notification.reference} acknowledged")
    return EXIT_OK


def cmd_notify_chase(args: argparse.Namespace) -> int:
    from contingency.services.notifications import chase

    store = store_for(args)
    notification = chase(store, args.incident, args.ref)
    emit(args, notification_json(store, notification, store.clock()),
         f"{notification.reference} chased ({notification.chase_count} so far)")
    return EXIT_OK


def cmd_notify_close(args: argparse.Namespace) -> int:
    from contingency.services.notifications import close

    store = store_for(args)
    notification = close(store, args.incident, args.ref, args.note)
    emit(args, notification_json(store, notification, store.clock()), f"{notification.reference} closed")
    return EXIT_OK


def cmd_notify_chase_list(args: argparse.Namespace) -> int:
    from contingency.services.notifications import chase_list

    store = store_for(args)
    now = store.clock()
    items = chase_list(store, now, args.incident)
    lines = [f"{'INCIDENT':>8}  {'REFERENCE':<24} {'RECIPIENT':<34} {'OVERDUE':>9}  CHASED"]
    lines += [f"{i.notification.incident_id:>8}  {i.notification.reference:<24} {i.notification.recipient_name[:34]:<34}"
              f" {format_elapsed(i.overdue):>9}  {i.notification.chase_count}" for i in items]
    data = [{**notification_json(store, i.notification, now), "overdue_by": format_elapsed(i.overdue)} for i in items]
    emit(args, data, "\n".join(lines) if items else "nothing to chase: every sent letter is answered or within its "
         "reply-by time")
    return EXIT_OK
