"""Recording the operating council: whose store this is and who signs its letters."""

from __future__ import annotations

from contingency.models import Nation, Settings
from contingency.rules.authorities import AuthorityNotResolved
from contingency.services.errors import BadInput
from contingency.store import Store


def setup_council(store: Store, *, authority: str, team: str, officer: str, address: str = "",
                  phone: str = "", email: str = "") -> Settings:
    try:
        found = store.authorities.resolve(authority)
    except AuthorityNotResolved as exc:
        raise BadInput(f"authority: {exc}") from None
    if found.nation is not Nation.ENGLAND:
        raise BadInput(
            f"{found.name} is in {found.nation.value}: contingency encodes the Care Act 2014, which binds "
            "English councils only"
        )
    if not team.strip():
        raise BadInput("team: give the team's name as it should appear on letters")
    if not officer.strip():
        raise BadInput("officer: give the name of the officer setting this up")
    if email and "@" not in email:
        raise BadInput(f"email {email!r} does not look like an email address")
    before = store.settings()
    if before is not None and before.authority_code != found.code:
        incidents = len(store.incidents.list())
        if incidents:
            # Whose duty each person falls under, and who is 'another council', were worked out for the
            # council set up before: another council's incidents belong in a store of its own.
            raise BadInput(f"authority: this store holds {incidents} incident{'s' if incidents != 1 else ''} "
                           f"worked as {store.authorities.resolve(before.authority_code).name}; for "
                           f"{found.name}, use a new store (--db NEW.db)")
    settings = Settings(authority_code=found.code, team=team.strip(), officer=officer.strip(),
                        address=address.strip(), phone=phone.strip(), email=email.strip())
    store.save_settings(settings, reason="operating council set up" if before is None
                        else "operating council's details changed")
    return settings
