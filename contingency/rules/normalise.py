"""Turn what a provider's spreadsheet or an officer writes into typed person fields, or say why not.

Pure: takes the reference indexes, returns values or raises FieldProblem. Import keeps a
problem as a flag on the person (nobody is dropped); the CLI and the forms show it as an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from datetime import date
from decimal import Decimal
from typing import Any

from contingency.models import Nation, ServiceKind
from contingency.person import RAG, CarerRole, Flag, Funding, ORStatus, PersonStatus
from contingency.rules.authorities import (
    AuthorityIndex,
    ICBIndex,
    normalise,
)
from contingency.rules.columns import (
    FUNDING_WORDS,
    PROVIDER_RATINGS,
    RAG_WORDS,
    SERVICE_PHRASES,
    SERVICE_WORDS,
    header_key,
)
from contingency.rules.identifiers import BadIdentifier, normalise_nhs_number
from contingency.rules.safe_text import csv_cell_read
from contingency.rules.times import BadDate, parse_uk_date


class FieldProblem(ValueError):
    def __init__(self, kind: Flag, message: str):
        self.kind = kind
        super().__init__(message)


# A list repeats the same few words (funding, status, RAG) in every row: each is normalised once.
word_key = lru_cache(maxsize=8192)(normalise)

# The value tables are data in contingency.rules.columns, beside the headers they belong to.
_FUNDING_WORDS = FUNDING_WORDS
_SERVICE_WORDS = SERVICE_WORDS

_STATUS_WORDS: dict[str, PersonStatus] = {
    **{s.value.replace("-", " "): s for s in PersonStatus},
    **dict.fromkeys(["resident", "current", "in home", "with provider", "active"], PersonStatus.WITH_PROVIDER),
    **dict.fromkeys(["hospital", "in hospital", "admitted"], PersonStatus.IN_HOSPITAL),
    **dict.fromkeys(["died", "deceased", "rip"], PersonStatus.DECEASED),
}

# No care package costs this much a week; a bigger figure is a typo (or pence typed as pounds).
MAX_WEEKLY_POUNDS = 100_000

_TRUE = {"y", "yes", "true", "1", "x", "✓"}
_FALSE = {"n", "no", "false", "0", ""}


def _enum(mapping: dict[str, Any], what: str, choices: str) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        key = word_key(raw)
        if key in mapping:
            return mapping[key]
        raise FieldProblem(Flag.BAD_VALUE, f"{what} {raw!r} is not recognised; use one of: {choices}")
    return parse


_SERVICE_PHRASES = tuple((re.compile(rf"\b{phrase}\b"), kind) for phrase, kind in SERVICE_PHRASES)
_PARTS = re.compile(r"[,;/|+&]| and ")


def parse_service_kind(raw: str) -> ServiceKind:
    """A service cell: a known word or phrase ("Care home service with nursing", "Homecare agencies"). A
    cell naming two kinds (a home registered for both) is not guessed."""
    key = word_key(raw)
    if key in SERVICE_WORDS:
        return SERVICE_WORDS[key]
    found = set()
    for part in _PARTS.split(raw):
        part_key = normalise(part)
        if not part_key:
            continue
        kind = SERVICE_WORDS.get(part_key) or SERVICE_WORDS.get(header_key(part))
        if kind is None:
            kind = next((k for phrase, k in _SERVICE_PHRASES if phrase.search(part_key)), None)
        if kind is None:
            break
        found.add(kind)
    else:
        if len(found) == 1:
            return found.pop()
        if found:
            kinds = " and ".join(sorted(k.value for k in found))
            raise FieldProblem(Flag.BAD_VALUE, f"service {raw!r} names more than one kind ({kinds}); choose one")
    choices = ", ".join(k.value for k in ServiceKind)
    raise FieldProblem(Flag.BAD_VALUE, f"service kind {raw!r} is not recognised; use one of: {choices}")


def parse_rag(raw: str) -> RAG:
    key = word_key(raw)
    if key in RAG_WORDS:
        return RAG_WORDS[key]
    if key in PROVIDER_RATINGS:
        return PROVIDER_RATINGS[key]
    raise FieldProblem(Flag.BAD_VALUE, f"risk rating {raw!r} is not recognised; use one of: RED, AMBER, GREEN "
                       "(or the provider's High, Medium, Low)")


def parse_bool(raw: str) -> bool:
    key = raw.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise FieldProblem(Flag.BAD_VALUE, f"{raw!r} is not yes or no")


# Pounds as a list writes them: 850, 850.5, 1,234.56 or 1 234.56 (separators only in threes), ASCII digits
# only. Anything looser ("1,2,3", "1 0 0", Arabic-Indic digits, NaN, Infinity) was once read as another figure.
_MONEY = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+")


def parse_money_pence(raw: str) -> int:
    text = raw.replace("\xa0", " ").strip()
    negative = text.startswith("-")
    text = text.removeprefix("-").strip().removeprefix("£").strip()
    negative = negative or text.startswith("-")
    text = text.removeprefix("-").strip()
    if not _MONEY.fullmatch(text):
        raise FieldProblem(Flag.BAD_VALUE, f"{raw!r} is not an amount of money; write it like 1234.56 or £1,234.56 "
                           "(digits 0-9; commas or spaces only between thousands)")
    if negative:
        raise FieldProblem(Flag.BAD_VALUE, f"{raw!r} is negative; a weekly cost cannot be")
    pounds = Decimal(text.replace(",", "").replace(" ", ""))
    if pounds > MAX_WEEKLY_POUNDS:
        raise FieldProblem(Flag.BAD_VALUE, f"weekly cost {raw!r} is over £{MAX_WEEKLY_POUNDS:,}; check the figure")
    pence = pounds * 100
    if pence != pence.to_integral_value():
        raise FieldProblem(Flag.BAD_VALUE, f"{raw!r} has fractions of a penny")
    return int(pence)


def parse_number(raw: str, *, integer: bool, what: str, high: float) -> float | int:
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        raise FieldProblem(Flag.BAD_VALUE, f"{what} {raw!r} is not a number") from None
    if not 0 <= value <= high:
        raise FieldProblem(Flag.BAD_VALUE, f"{what} {raw!r} is out of range (0 to {high:g})")
    return value


# The usual 23/11/1943, read as parse_uk_date reads it without its other forms (a list of 50,000 has 50,000).
_USUAL_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", re.ASCII)


def parse_date_of_birth(raw: str | date | int | float, *, today: date) -> date:
    usual = _USUAL_DATE.fullmatch(raw) if type(raw) is str else None
    try:
        value = date(int(usual[3]), int(usual[2]), int(usual[1])) if usual else None
    except ValueError:
        value = None  # not a real date: parse_uk_date says why
    if value is None:
        try:
            value = parse_uk_date(raw, today=today, bounded=False)  # the 120 years below are tighter
        except BadDate as exc:
            raise FieldProblem(Flag.BAD_VALUE, f"date of birth: {exc}") from None
    if value > today:
        raise FieldProblem(Flag.BAD_VALUE, f"date of birth {raw!r} is in the future")
    if value.year < today.year - 120:
        raise FieldProblem(Flag.BAD_VALUE, f"date of birth {raw!r} is more than 120 years ago")
    return value


# How many distinct council or ICB wordings one parser remembers.
_CACHE_SIZE = 4096

_COUNCIL_KINDS = frozenset({Funding.OTHER_ENGLISH_COUNCIL, Funding.WELSH_COUNCIL, Funding.SCOTTISH_COUNCIL,
                            Funding.NI_TRUST})


class FieldParser:
    """Parses one person field at a time, given the reference data and our authority."""

    def __init__(self, authorities: AuthorityIndex, icbs: ICBIndex, *, ours: str, today: date):
        self.authorities = authorities
        self.icbs = icbs
        self.ours = ours
        self.today = today
        self._authorities: dict[str, str | FieldProblem] = {}
        self._icbs: dict[str, str | FieldProblem] = {}
        self.parsers: dict[str, Callable[[str], Any]] = {
            "date_of_birth": lambda raw: parse_date_of_birth(raw, today=today),
            "nhs_number": self.nhs_number,
            "service_kind": parse_service_kind,
            "hours_per_week": lambda raw: parse_number(raw, integer=False, what="hours per week", high=168),
            "visits_per_week": lambda raw: parse_number(raw, integer=True, what="visits per week", high=200),
            "weekly_cost_pence": parse_money_pence,
            "funding": self.funding_word,
            "funding_body": self.authority,
            "or_code": self.authority,
            "home_council_code": self.authority,
            "icb_code": self.icb,
            "or_status": _enum({s.value: s for s in ORStatus}, "ordinary residence status",
                               ", ".join(s.value for s in ORStatus)),
            "carer_role": _enum({r.value.replace("-", " "): r for r in CarerRole}, "carer role",
                                ", ".join(r.value for r in CarerRole)),
            "rag": parse_rag,
            "status": _enum(_STATUS_WORDS, "status", ", ".join(s.value for s in PersonStatus)),
            **dict.fromkeys(["fnc", "capacity_concern", "advocate_needed", "immigration_question",
                             "housing_question", "nursing_arranged_urgently"], parse_bool),
        }

    def parse(self, field: str, raw: Any) -> Any:
        text = "" if raw is None else str(raw).strip()
        if field == "date_of_birth" and isinstance(raw, (date, int, float)) and not isinstance(raw, bool):
            return parse_date_of_birth(raw, today=self.today)  # a spreadsheet date cell or Excel serial
        parser = self.parsers.get(field)
        if parser is None:
            return text
        if not text and field not in ("fnc", "capacity_concern", "advocate_needed", "immigration_question",
                                      "housing_question", "nursing_arranged_urgently"):
            return None
        return parser(text)

    def nhs_number(self, raw: str) -> str:
        try:
            return normalise_nhs_number(raw.removesuffix(".0"))
        except BadIdentifier as exc:
            raise FieldProblem(Flag.BAD_VALUE, str(exc)) from None

    def authority(self, raw: str) -> str:
        return self._resolved(self._authorities, raw, lambda: self.authorities.resolve(raw).code)

    def icb(self, raw: str) -> str:
        return self._resolved(self._icbs, raw, lambda: self.icbs.resolve(raw).gss_code)

    def _resolved(self, cache: dict[str, Any], raw: str, resolve: Callable[[], str]) -> str:
        # A list names a dozen councils 50,000 times: each wording is resolved once (the answer or the problem).
        found = cache.get(raw)
        if found is None:
            try:
                found = resolve()
            except LookupError as exc:  # AuthorityNotResolved is one
                found = FieldProblem(Flag.AUTHORITY_UNRESOLVED, str(exc))
            self._remember(cache, raw, found)
        if isinstance(found, FieldProblem):
            raise FieldProblem(found.kind, str(found))
        return found

    @staticmethod
    def _remember(cache: dict[str, Any], raw: str, found: Any) -> None:
        if len(cache) < _CACHE_SIZE:  # a list of a different council in every row is not kept whole
            cache[raw] = found

    def funding_word(self, raw: str) -> Funding | str:
        """A funding kind, or "council" when the sheet says only that a council pays (which one comes
        from the placing authority column; see `settle_funding`)."""
        key = word_key(raw)
        if key in _FUNDING_WORDS:
            return _FUNDING_WORDS[key]
        try:  # "Funding: Kirklees" names the paying council itself
            return "council:" + self.authority(raw)
        except FieldProblem:
            pass
        choices = "LA/Council, Private/Self, DP, CHC, FNC, Joint, S117, Unknown, or a council's name"
        raise FieldProblem(Flag.BAD_VALUE, f"funding {raw!r} is not recognised; use {choices}")

    def settle_funding(self, word: Funding | str | None, body_code: str | None) -> tuple[Funding, str | None, str]:
        """Combine a funding word with the placing/paying authority into (funding, body, problem)."""
        if isinstance(word, str) and word.startswith("council:"):
            body_code = body_code or word.split(":", 1)[1]
            word = "council"
        if word == "council" or (word in (None, Funding.UNKNOWN) and body_code):
            if not body_code:
                return Funding.UNKNOWN, None, "funding says a council pays but not which; fill in the placing authority"
            return self.council_funding(body_code), body_code, ""
        if word is None:
            return Funding.UNKNOWN, body_code, ""
        if word in _COUNCIL_KINDS and body_code:
            return self.council_funding(body_code), body_code, ""
        if word is Funding.OWN_COUNCIL:
            return Funding.OWN_COUNCIL, self.ours, ""
        return word, body_code, ""

    def council_funding(self, code: str) -> Funding:
        if code == self.ours:
            return Funding.OWN_COUNCIL
        authority = self.authorities.get(code)
        return {
            Nation.WALES: Funding.WELSH_COUNCIL,
            Nation.SCOTLAND: Funding.SCOTTISH_COUNCIL,
            Nation.NORTHERN_IRELAND: Funding.NI_TRUST,
        }.get(authority.nation if authority else Nation.ENGLAND, Funding.OTHER_ENGLISH_COUNCIL)


_ODD_SPACE = re.compile(r"\s{2,}|[\t\r\n\xa0]")
_SPACES = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    text = "" if value is None else str(value)
    # Printable text holds no whitespace but the space (tabs, breaks and U+00A0 are not printable), so only a
    # run of spaces can need the search, or text that is not printable.
    if ("  " in text or not text.isprintable()) and _ODD_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    text = text.strip()
    # Only a leading "'" can be a formula guard to take off: the call is spared for nearly every cell.
    return csv_cell_read(text) if text.startswith("'") else text
