"""Helpers for the money tests: a small roster with every kind of funding, and a way to add cost lines."""

from __future__ import annotations

from datetime import date

from contingency.ledger import CostLine
from contingency.services.costs import add_line
from contingency.services.people import add_person, parse_changes
from contingency.store import Store

NIGHT = date(2026, 11, 23)  # the conftest clock's date: 01:40 on 23 November 2026
CAST = {
    "self_funder": {"first_name": "Ada", "last_name": "Selfpay", "funding": "Private", "or_code": "Leeds"},
    "our_client": {"first_name": "Bob", "last_name": "Ourclient", "funding": "LA", "funding_body": "Leeds",
                   "or_code": "Leeds"},
    "bradford": {"first_name": "Cy", "last_name": "Bradplaced", "funding": "LA", "funding_body": "Bradford",
                 "or_code": "Bradford"},
    "cardiff": {"first_name": "Di", "last_name": "Cardplaced", "funding": "LA", "funding_body": "Cardiff",
                "or_code": "Cardiff"},
    "chc": {"first_name": "Ed", "last_name": "Nhsfunded", "funding": "CHC", "icb_code": "E54000054",
            "or_code": "Leeds"},
}


def cast(store: Store, incident_id: int) -> dict[str, int]:
    """One person of each kind on the incident's roster: name -> person id."""
    return {name: add_person(store, incident_id, parse_changes(store, values)).id for name, values in CAST.items()}


def cost(store: Store, incident_id: int, people: list[int], *, rate: str = "100", unit: str = "one-off",
         category: str = "transport", start: date = NIGHT, end: date | None = None, quantity: str | None = None,
         **extra) -> CostLine:
    """A cost line with its own new decision."""
    return add_line(store, incident_id, supplier=extra.pop("supplier", "Acme Taxis"), category=category, unit=unit,
                    rate=rate, quantity=quantity, period_start=start, period_end=end or start, person_ids=people,
                    decision_text=extra.pop("decision_text", "Pay for it"),
                    rationale=extra.pop("rationale", "needed tonight"), **extra)
