"""Small reads the screens make: reference data (councils, ICBs), the operating council's settings, and
letters by id or by page. The TUI asks here rather than reaching into the store's repositories (issue 12:
every read and write through services). Each read is bounded: one row, or the page a screen shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contingency.models import ICB, Authority, Settings
from contingency.rules.authorities import AuthorityIndex
from contingency.store import Store

if TYPE_CHECKING:
    # Named only in annotations: importing its models would cost every start of the app (the home screen
    # reads here) some 35 ms, for letters that screen never shows.
    from contingency.notification import Notification

# --- the operating council --------------------------------------------------------------------------------


def settings(store: Store) -> Settings | None:
    """The council this store works for, or None before setup."""
    return store.settings()


def has_run(store: Store) -> bool:
    """Whether an exercise has been started on this store (in play, paused or over). Here, not with the rest
    of the exercise services, whose imports would cost every start of the app a third of a second."""
    return store.exercise_started()


# --- reference data ---------------------------------------------------------------------------------------


def authorities(store: Store) -> AuthorityIndex:
    """Every council, for rules that choose among them (held in memory once per store)."""
    return store.authorities


def authority(store: Store, code: str) -> Authority | None:
    """The council with this code, or None."""
    return store.authorities.get(code)


def resolve_authority(store: Store, text: str) -> Authority:
    """The council the officer means by a code or name; raises AuthorityNotResolved (a LookupError) saying
    why not."""
    return store.authorities.resolve(text)


def resolve_icb(store: Store, code: str) -> ICB:
    """The ICB with this GSS or ODS code; raises LookupError when there is none."""
    return store.icbs.resolve(code)


# --- letters ----------------------------------------------------------------------------------------------


def notification(store: Store, notification_id: int) -> Notification:
    """One letter by id."""
    return store.notifications.get(notification_id)


def notification_listing(store: Store, incident_id: int,
                         person_rows: int) -> tuple[list[Notification], list[Notification], int]:
    """For a screen: the current letters to bodies, the first `person_rows` letters to people, and how many
    people's letters there are in all."""
    return store.notifications.listing(incident_id, person_rows)


def letters_naming(store: Store, person_id: int) -> list[Notification]:
    """The current letters that name this person."""
    return store.notifications.covering(person_id)
