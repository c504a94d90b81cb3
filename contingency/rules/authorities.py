"""Resolve what an officer or a spreadsheet calls a council to one authority, or say why not.

Accepts the GSS code, the short code, the official name or the short name, ignoring case and
punctuation and the usual council words ("Leeds", "Leeds City Council", "LEEDS CC"). Never
guesses: an ambiguous or unknown name is reported with suggestions.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable

from contingency.models import ICB, Authority

# ONS re-coded Barnsley and Sheffield in 2025; older spreadsheets still carry the old codes
# (shared/data/README.md, "Changes from the source" 1).
FORMER_GSS_CODES = {"E08000016": "E08000038", "E08000019": "E08000039"}

# Words that say what kind of council it is rather than which one.
_COUNCIL_WORDS = frozenset(
    """council city county borough metropolitan district london royal of the and corporation
    cc mbc bc cbc mdc lbc lb rb ucc dc hsc health social care trust comhairle nan""".split()
)


class AuthorityNotResolved(LookupError):
    def __init__(self, text: str, candidates: tuple[Authority, ...] = (), suggestions: tuple[str, ...] = ()):
        self.text = text
        self.candidates = candidates
        self.suggestions = suggestions
        if candidates:
            names = "; ".join(f"{a.name} ({a.code})" for a in candidates)
            message = f"{text!r} could be more than one authority: {names}; use the code"
        else:
            hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
            message = f"{text!r} is not a UK authority with adult social care duties{hint}"
        super().__init__(message)


_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    text = text.lower().replace("&", " and ")
    text = _NOT_ALPHANUMERIC.sub(" ", text)
    return " ".join(text.split())


def _strip_council_words(normalised: str) -> str:
    return " ".join(w for w in normalised.split() if w not in _COUNCIL_WORDS)


class AuthorityIndex:
    def __init__(self, authorities: Iterable[Authority]):
        self.authorities = tuple(authorities)
        self._by_code: dict[str, Authority] = {}
        self._exact: dict[str, set[str]] = defaultdict(set)
        self._loose: dict[str, set[str]] = defaultdict(set)
        for authority in self.authorities:
            self._by_code[authority.code.upper()] = authority
            if authority.gss_code:
                self._by_code[authority.gss_code.upper()] = authority
            for label in (authority.name, authority.nice_name):
                exact = normalise(label)
                self._exact[exact].add(authority.code)
                loose = _strip_council_words(exact)
                if loose:
                    self._loose[loose].add(authority.code)
        for old, new in FORMER_GSS_CODES.items():
            if new in self._by_code:
                self._by_code[old] = self._by_code[new]

    def get(self, code: str) -> Authority | None:
        """By short code or GSS code only (no name matching)."""
        return self._by_code.get(code.strip().upper())

    def resolve(self, text: str) -> Authority:
        value = str(text).strip()
        if not value:
            raise AuthorityNotResolved(value)
        by_code = self.get(value)
        if by_code:
            return by_code
        exact = normalise(value)
        for table, key in ((self._exact, exact), (self._loose, _strip_council_words(exact))):
            codes = table.get(key)
            if codes and len(codes) == 1:
                return self._by_code[next(iter(codes))]
            if codes:
                raise AuthorityNotResolved(
                    value, candidates=tuple(sorted((self._by_code[c] for c in codes), key=lambda a: a.name))
                )
        raise AuthorityNotResolved(value, suggestions=self._suggest(exact))

    def _suggest(self, normalised: str) -> tuple[str, ...]:
        names = {normalise(a.nice_name): a.nice_name for a in self.authorities}
        loose = _strip_council_words(normalised) or normalised
        close = difflib.get_close_matches(loose, list(names), n=3, cutoff=0.6)
        return tuple(names[c] for c in close)


class ICBIndex:
    def __init__(self, icbs: Iterable[ICB]):
        self.icbs = tuple(icbs)
        self._by_code = {}
        for icb in self.icbs:
            self._by_code[icb.gss_code.upper()] = icb
            self._by_code[icb.ods_code.upper()] = icb
        self._by_name = {self._key(icb.name): icb for icb in self.icbs}

    @staticmethod
    def _key(text: str) -> str:
        words = normalise(text).split()
        return " ".join(w for w in words if w not in {"nhs", "integrated", "care", "board", "icb", "and"})

    def resolve(self, text: str) -> ICB:
        value = str(text).strip()
        found = self._by_code.get(value.upper()) or self._by_name.get(self._key(value))
        if not found:
            raise LookupError(f"{value!r} is not a current ICB (36 since 1 April 2026); use its ODS or GSS code")
        return found
