"""The provider-list columns and values: canonical headers (the shipped template), the other wordings
providers use for them, and the words recognised in their cells. Data, so it can be reviewed (README,
"Importing the provider's list"); the parsers in contingency.rules.normalise read these tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from contingency.models import ServiceKind
from contingency.person import RAG, Funding
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
    "first_name": ("forename", "forenames", "forename s", "given name", "given names", "first names", "firstname",
                   "christian name"),
    "last_name": ("surname", "last name", "family name", "lastname"),
    "preferred_name": ("known as", "preferred", "aka"),
    "date_of_birth": ("dob", "d o b", "birth date", "date of birth dd mm yyyy", "birthdate"),
    "nhs_number": ("nhs no", "nhs", "nhs num", "nhs no.", "nhsno"),
    "service_address": ("room", "room number", "room no", "rm", "rm no", "address", "address of service",
                        "care address", "service address", "flat", "flat no", "flat number", "bedroom"),
    "home_postcode": ("postcode", "post code", "home post code"),
    "service_kind": ("service type", "care type", "type of care", "placement type", "package", "package type",
                     "care package", "type of service", "service provided", "regulated activity"),
    "hours_per_week": ("hours", "weekly hours", "hours pw", "hrs per week", "hours a week"),
    "visits_per_week": ("visits", "calls per week", "weekly visits", "calls"),
    "weekly_cost_pence": ("weekly fee", "fee", "weekly rate", "cost per week", "rate", "weekly cost gbp",
                          "weekly cost £", "fee per week", "fee £/wk", "fee per wk", "weekly fee £", "fee pw",
                          "weekly charge", "cost pw"),
    "needs_snapshot": ("needs", "care needs", "care and support needs", "support needs", "needs summary"),
    "funding": ("funded by", "funder", "funding type", "funding source", "payer", "funding status", "who pays"),
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
    "rag": ("risk", "rag rating", "risk rating", "priority", "rag status", "risk level", "priority level",
            "priority rating"),
    "rag_reason": ("risk reason", "rag notes", "risk notes", "why"),
    "status": ("current status",),
    "status_detail": ("moved to", "status notes"),
    "notes": ("comments", "note", "other information", "remarks"),
}

# Fields a provider's list may carry that the shipped template (and the person form) leave out.
MORE_FIELDS: dict[str, str] = {
    "home_council_code": "Council area",  # where the person lives; not the funder, not ordinary residence
    "gp_practice": "GP practice",
    "visit_times": "Visit times",  # home care: when the calls are due, for the welfare call-round
    "key_safe_code": "Key safe code",  # a secret: masked everywhere, never logged (contingency.person)
}
MORE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "home_council_code": ("borough", "council area", "local authority area", "la area", "district",
                          "home area", "area lives in"),
    "gp_practice": ("gp", "gp surgery", "gp name", "surgery", "gp details", "registered gp", "doctor"),
    "visit_times": ("call times", "times of calls", "visit schedule", "call schedule", "visit time", "call time",
                    "times of visits", "rota times"),
    "key_safe_code": ("key safe", "keysafe", "key safe no", "key safe number", "key code", "keysafe code",
                      "key safe details", "access code"),
}
IMPORT_FIELDS: dict[str, str] = {**CANONICAL, **MORE_FIELDS}

# "Local authority", "LA" or "Council" right beside an address column names the council area where the
# person lives (the address's council); elsewhere it names the placing or paying council.
AREA_BESIDE_ADDRESS = frozenset({"local authority", "la", "council", "authority", "local council"})
ADDRESS_FIELDS = frozenset({"service_address", "home_postcode"})
# Fields that say who a person is: a list without one of these names nobody.
IDENTITY_FIELDS = frozenset({"first_name", "last_name", "provider_ref", "nhs_number"})

# Spellings that differ only in abbreviation, plural or a format hint: "NHS No." = "NHS number",
# "Forename(s)" = "Forenames", "Date of Birth (dd/mm/yyyy)" = "Date of birth", "Fee £/wk" = "Fee per week".
_SAME_WORD = {"no": "number", "num": "number", "nbr": "number", "tel": "phone", "telephone": "phone",
              "mob": "phone", "mobile": "phone", "wk": "week", "pw": "per week", "rm": "room",
              "nok": "next of kin", "dob": "date of birth", "hrs": "hours", "yr": "year", "gbp": "", "dd": "",
              "mm": "", "yyyy": "", "yy": "", "s": ""}


def _word(word: str) -> str:
    word = _SAME_WORD.get(word, word)
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def header_key(header: str) -> str:
    """How a header is looked up when its exact (normalised) wording is not in the table."""
    return " ".join(w for w in (_word(t) for t in normalise(header).split()) for w in w.split() if w)


_LOOKUP: dict[str, str] = {}
_LOOSE: dict[str, str] = {}
for _field, _header in IMPORT_FIELDS.items():
    for _name in (_field, _field.replace("_", " "), _header, *SYNONYMS.get(_field, ()),
                  *MORE_SYNONYMS.get(_field, ())):
        _LOOKUP.setdefault(normalise(_name), _field)
for _name, _field in list(_LOOKUP.items()):
    _LOOSE.setdefault(header_key(_name), _field)


def field_for_header(header: str) -> str | None:
    key = normalise(header)
    return (_LOOKUP.get(key) or _LOOSE.get(header_key(header))) if key else None


def map_headers(headers: list[str], explicit: Mapping[str, str] | None = None) -> dict[int, str]:
    """Column index -> field. An explicit mapping ({"Header in file": field}) wins; each field is taken by
    its first column, later ones with the same meaning go to notes."""
    chosen = {normalise(k): v for k, v in (explicit or {}).items()}
    fields = [chosen.get(normalise(h)) or field_for_header(h) for h in headers]
    for index, header in enumerate(headers):
        if normalise(header) in AREA_BESIDE_ADDRESS and normalise(header) not in chosen:
            beside = [fields[i] for i in (index - 1, index + 1) if 0 <= i < len(fields)]
            if any(f in ADDRESS_FIELDS for f in beside):
                fields[index] = "home_council_code"
    columns: dict[int, str] = {}
    for index, field in enumerate(fields):
        if field and field not in columns.values():
            columns[index] = field
    return columns


def header_score(cells: Iterable[Any], explicit: Mapping[str, str] | None = None) -> tuple[int, int]:
    """How much a row looks like the header row: (names someone?, columns recognised less cells with digits).

    A person's row can hold words that are also headers ("NHS", "FNC", "LA"), but it also holds dates,
    numbers and references, which headers seldom do."""
    headers = ["" if c is None else str(c).strip() for c in cells]
    found = set(map_headers(headers, explicit).values())
    digits = sum(1 for h in headers if any(c.isdigit() for c in h))
    return (1 if found & IDENTITY_FIELDS else 0, len(found) - digits)


# A line under (or among) the people that is the list's furniture: a total, a count, a footnote.
_FURNITURE = re.compile(
    r"^\s*(?:(?:grand\s+|sub-?\s*)?totals?\b|(?:count|number of \w+( \w+)?)\s*[:=]?\s*\d|"
    r"(?:printed|generated|exported|produced|report run|run)\s+(?:on|by|at)\b|page \d+( of \d+)?\s*$|"
    r"end of (?:list|report)|(?:notes?|nb|key|source|comments?|please note)\s*[:\-]|\*)", re.IGNORECASE)
NAME_FIELDS = frozenset({"first_name", "last_name", "preferred_name", "provider_ref", "nhs_number"})


def furniture_reason(values: list[Any], columns: Mapping[int, str], headers: list[str]) -> str | None:
    """Why a row is not a person but a note or total, or None. Such a row is rejected with this reason and
    kept, never silently dropped."""
    filled: list[tuple[int, str]] = []  # the first two filled cells are all it looks at
    for i, v in enumerate(values):
        text = "" if v is None else str(v).strip()
        if text:
            filled.append((i, text))
            if len(filled) == 2:
                break
    if not filled:
        return None
    index, first = filled[0]
    if _FURNITURE.match(first):
        return f"a total or note, not a person: {first!r}"
    if len(filled) > 1:
        return None
    field = columns.get(index)
    where = f"in {headers[index]!r}" if index < len(headers) and headers[index] else f"in column {index + 1}"
    if field not in NAME_FIELDS:
        return f"a note, not a person: one value ({first!r}) {where}, and no name"
    words = first.split()
    if ":" in first or len(words) > 4 or (field in ("first_name", "last_name") and any(c.isdigit() for c in first)):
        return f"a note, not a person: one value ({first!r}) {where}, which does not read as a name"
    return None


# --- values -------------------------------------------------------------------------------------------

# What a funding column says -> a funding kind, or "council" when it says only that a council pays (the
# placing authority column says which).
FUNDING_WORDS: dict[str, Funding | str] = {
    **dict.fromkeys(["la", "council", "local authority", "la funded", "council funded", "local authority funded",
                     "placed", "la placement", "social services", "ssd", "la funding", "council funding",
                     "local authority funding", "adult social care", "asc"], "council"),
    **dict.fromkeys(["own", "own council", "our council", "host"], Funding.OWN_COUNCIL),
    **dict.fromkeys(["private", "self", "self funded", "self funder", "sf", "full cost", "privately funded",
                     "private pay", "full fee payer", "self funding", "self pay", "self paying", "private funded",
                     "private client", "private funding"], Funding.SELF_FUNDED),
    **dict.fromkeys(["dp", "direct payment", "direct payments", "pb", "personal budget dp"], Funding.DIRECT_PAYMENT),
    **dict.fromkeys(["chc", "nhs chc", "continuing healthcare", "continuing health care", "nhs",
                     "nhs continuing healthcare", "fully funded nhs", "nhs funded", "chc funded"], Funding.NHS_CHC),
    **dict.fromkeys(["fnc", "funded nursing care", "nhs funded nursing care", "nursing contribution"], Funding.FNC),
    **dict.fromkeys(["joint", "jointly funded", "joint funded", "joint health and social care"], Funding.JOINT),
    **dict.fromkeys(["s117", "117", "section 117", "s 117", "mha s117", "aftercare", "after care"], Funding.S117),
    **dict.fromkeys(["unknown", "not known", "tbc", "?", "n k", "nk"], Funding.UNKNOWN),
    **dict.fromkeys(["other council", "other la", "out of area", "ooa"], Funding.OTHER_ENGLISH_COUNCIL),
    **dict.fromkeys(["welsh council", "wales"], Funding.WELSH_COUNCIL),
    **dict.fromkeys(["scottish council", "scotland"], Funding.SCOTTISH_COUNCIL),
    **dict.fromkeys(["ni", "hsc trust", "ni trust", "northern ireland"], Funding.NI_TRUST),
}
FUNDING_WORDS.update({f.value.replace("-", " "): f for f in Funding})

# A whole service cell -> kind: the project's words, CQC's service types and the CQC directory's headings.
SERVICE_WORDS: dict[str, ServiceKind] = {
    **dict.fromkeys(["residential", "care home", "residential care", "res", "residential home", "residential homes",
                     "care home service without nursing", "care home without nursing"], ServiceKind.CARE_HOME),
    **dict.fromkeys(["nursing", "nursing home", "nursing homes", "care home with nursing", "nursing care home",
                     "care home service with nursing", "nursing care"], ServiceKind.CARE_HOME_NURSING),
    **dict.fromkeys(["home care", "domiciliary", "domiciliary care", "dom care", "homecare",
                     "domiciliary care service", "homecare agency", "homecare agencies", "home care agency"],
                    ServiceKind.HOME_CARE),
    **dict.fromkeys(["supported living", "sl", "supported living service", "supported housing"],
                    ServiceKind.SUPPORTED_LIVING),
    **dict.fromkeys(["extra care", "extra care housing", "extra care housing service", "extra care housing services",
                     "housing with care"], ServiceKind.EXTRA_CARE),
    **dict.fromkeys(["shared lives", "adult placement", "shared lives scheme"], ServiceKind.SHARED_LIVES),
    **dict.fromkeys(["day service", "day centre", "day care"], ServiceKind.DAY_SERVICE),
}
SERVICE_WORDS.update({k.value.replace("-", " "): k for k in ServiceKind})
# Wording inside a longer cell, tried in this order: "without nursing" before "nursing", which it contains.
SERVICE_PHRASES: tuple[tuple[str, ServiceKind], ...] = (
    ("without nursing", ServiceKind.CARE_HOME),
    ("with nursing", ServiceKind.CARE_HOME_NURSING),
    ("nursing", ServiceKind.CARE_HOME_NURSING),
    ("domiciliary", ServiceKind.HOME_CARE),
    ("homecare", ServiceKind.HOME_CARE),
    ("home care", ServiceKind.HOME_CARE),
    ("supported living", ServiceKind.SUPPORTED_LIVING),
    ("supported housing", ServiceKind.SUPPORTED_LIVING),
    ("extra care", ServiceKind.EXTRA_CARE),
    ("shared lives", ServiceKind.SHARED_LIVES),
    ("residential", ServiceKind.CARE_HOME),
    ("care home", ServiceKind.CARE_HOME),
    ("day centre", ServiceKind.DAY_SERVICE),
    ("day service", ServiceKind.DAY_SERVICE),
)

RAG_WORDS: dict[str, RAG] = {"red": RAG.RED, "r": RAG.RED, "amber": RAG.AMBER, "a": RAG.AMBER,
                             "green": RAG.GREEN, "g": RAG.GREEN}
# A provider's own scale. Its rating is their reason ("provider rated High"), which the officer can replace.
PROVIDER_RATINGS: dict[str, RAG] = {"high": RAG.RED, "h": RAG.RED, "medium": RAG.AMBER, "med": RAG.AMBER,
                                    "m": RAG.AMBER, "low": RAG.GREEN, "l": RAG.GREEN}


def provider_rating_reason(raw: Any) -> str | None:
    """"provider rated High" for a High/Medium/Low rating; None for RED/AMBER/GREEN, which need a reason."""
    return _rating_reason("" if raw is None else str(raw).strip())


@lru_cache(maxsize=256)  # a list writes its ratings a handful of ways, once a row
def _rating_reason(text: str) -> str | None:
    return f"provider rated {text}" if normalise(text) in PROVIDER_RATINGS else None


def mask_secret(value: str | None) -> str:
    """How a key-safe code is shown anywhere it is not deliberately revealed."""
    return "••••" if value else ""

# Words a provider writes in an "arranged by" column that name no council: kept as text, not flagged.
NOT_A_COUNCIL = frozenset({"self", "family", "person", "private", "own", "resident", "relative", "relatives",
                           "nhs", "icb", "chc", "n a", "na", "none", "self funded", "family arranged", "friend"})
