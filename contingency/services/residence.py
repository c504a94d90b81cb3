"""Whose area the people on a roster live in: the split the incident overview shows (brief rule 5, case 3)."""

from __future__ import annotations

from collections import Counter

from contingency.models import ServiceKind
from contingency.rules.geography import DELIVERED_AT_HOME, where_they_live
from contingency.services.incidents import require_settings
from contingency.store import Store

NOT_KNOWN = "not known"


def where_people_live(store: Store, incident_id: int) -> list[tuple[str, int]]:
    """[("ours", 412), ("Warwickshire", 14), ("not known", 2)]: ours first, then most people first. Care at
    home counts the council of the person's home; a care home counts the home's council (brief rule 5)."""
    ours = require_settings(store).authority_code
    incident = store.incidents.get(incident_id)
    site = store.authorities.get(incident.facts.area_code)
    geography = store.geography.index
    counts: Counter[str] = Counter()
    for kind, postcode, council, n in store.geography.home_addresses(incident_id):
        kind = ServiceKind(kind) if kind else incident.facts.service_kind
        if kind in DELIVERED_AT_HOME:
            place = where_they_live(postcode, council, geography, store.authorities).authority
        else:
            place = site
        if place is None:
            counts[NOT_KNOWN] += n
        else:
            counts["ours" if place.code == ours else place.nice_name] += n
    order = sorted(counts.items(), key=lambda item: (item[0] != "ours", item[0] == NOT_KNOWN, -item[1], item[0]))
    return order
