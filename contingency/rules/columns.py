"""The provider-list columns: canonical headers (the shipped template) and the synonyms recognised."""

from __future__ import annotations

from contingency.rules.authorities import normalise

# field -> canonical header, in template order.
CANONICAL: dict[str, str] = {
    "provider_ref": "Provider ref",
    "first_name": "First name",
    "last_name": "Last name",
    "preferred_name": "Preferred name",
    "date_of_birth": "Date of birth",
    "nhs_number": "NHS number",
    "service_address": "Room or address",
    "home_postcode": "Home postcode",
    "service_kind": "Service",
    "hours_per_week": "Hours per week",
    "visits_per_week": "Visits per week",
    "weekly_cost_pence": "Weekly cost",
    "needs_snapshot": "Needs immediately before",
    "funding": "Funding",
    "funding_body": "Placing authority",
    "icb_code": "ICB",
    "fnc": "FNC",
    "arranged_by": "Who arranged",
    "or_code": "Ordinary residence",
    "or_status": "OR status",
    "carer_role": "Carer role",
    "capacity_concern": "Capacity concern",
    "nominee_name": "Next of kin",
    "nominee_relationship": "Relationship",
    "nominee_phone": "Next of kin phone",
    "nominee_email": "Next of kin email",
    "advocate_needed": "Advocate needed",
    "immigration_question": "Immigration question",
    "housing_question": "Housing question",
    "rag": "RAG",
    "rag_reason": "RAG reason",
    "status": "Status",
    "status_detail": "Status detail",
    "notes": "Notes",
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "provider_ref": ("ref", "reference", "client id", "client ref", "resident id", "service user id", "su id",
                     "id", "provider reference", "client number"),
    "first_name": ("forename", "forenames", "given name", "first names", "firstname", "christian name"),
    "last_name": ("surname", "last name", "family name", "lastname"),
    "preferred_name": ("known as", "preferred", "aka"),
    "date_of_birth": ("dob", "d o b", "birth date", "date of birth dd mm yyyy", "birthdate"),
    "nhs_number": ("nhs no", "nhs", "nhs num", "nhs no.", "nhsno"),
    "service_address": ("room", "room number", "room no", "address", "address of service", "care address",
                        "service address", "flat"),
    "home_postcode": ("postcode", "post code", "home post code"),
    "service_kind": ("service type", "care type", "type of care", "placement type"),
    "hours_per_week": ("hours", "weekly hours", "hours pw", "hrs per week", "hours a week"),
    "visits_per_week": ("visits", "calls per week", "weekly visits", "calls"),
    "weekly_cost_pence": ("weekly fee", "fee", "weekly rate", "cost per week", "rate", "weekly cost gbp",
                          "weekly cost £", "fee per week"),
    "needs_snapshot": ("needs", "care needs", "care and support needs", "support needs", "needs summary"),
    "funding": ("funded by", "funder", "funding type", "funding source", "payer"),
    "funding_body": ("arranged by", "arranged by authority", "placing la", "placing council", "commissioning authority",
                     "funding authority", "paying authority", "la", "local authority", "council"),
    "icb_code": ("ccg", "icb name", "integrated care board", "health funder"),
    "fnc": ("funded nursing care", "fnc nursing"),
    "arranged_by": ("arranger", "arranged via"),
    "or_code": ("or", "ordinary residence", "home authority", "home la", "home council", "or authority",
                "responsible authority"),
    "or_status": ("or status", "ordinary residence status"),
    "carer_role": ("carer", "carer status"),
    "capacity_concern": ("capacity", "lacks capacity", "capacity concerns", "mca concern"),
    "nominee_name": ("nok", "next of kin", "next of kin name", "nominated person", "nominee", "family contact",
                     "contact name", "representative"),
    "nominee_relationship": ("nok relationship", "relationship to resident", "relation"),
    "nominee_phone": ("nok phone", "nok tel", "contact phone", "next of kin tel", "nok telephone", "telephone"),
    "nominee_email": ("nok email", "contact email"),
    "advocate_needed": ("advocate", "imca", "advocacy"),
    "immigration_question": ("immigration", "nrpf", "no recourse to public funds"),
    "housing_question": ("housing",),
    "rag": ("risk", "rag rating", "risk rating", "priority"),
    "rag_reason": ("risk reason", "rag notes", "risk notes", "why"),
    "status": ("current status",),
    "status_detail": ("moved to", "status notes"),
    "notes": ("comments", "note", "other information", "remarks"),
}

_LOOKUP: dict[str, str] = {}
for _field, _header in CANONICAL.items():
    for _name in (_field, _field.replace("_", " "), _header, *SYNONYMS.get(_field, ())):
        _LOOKUP.setdefault(normalise(_name), _field)


def field_for_header(header: str) -> str | None:
    return _LOOKUP.get(normalise(header))

# Words a provider writes in an "arranged by" column that name no council: kept as text, not flagged.
NOT_A_COUNCIL = frozenset({"self", "family", "person", "private", "own", "resident", "relative", "relatives",
                           "nhs", "icb", "chc", "n a", "na", "none", "self funded", "family arranged", "friend"})
