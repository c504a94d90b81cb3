"""Where a person lives, and which ICB covers a council: the reference data the duty rules read.

Pure: built from rows the store reads out of db/postcode_sectors.csv and db/la_icb_2026.csv (sources,
licences and limits in db/REFERENCE.md). A postcode sector or a council map gives only the *likely*
answer, so every guess made here is reported with its share for an officer to confirm.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contingency.models import Authority, ServiceKind
from contingency.rules.authorities import AuthorityIndex

# Care given where the person lives: the duty sits with the council where the care was delivered, so the
# person's own address decides it, whatever the agency's office address (Care Act 2014 s.48(2); brief
# section 2 "Who" [inference], rule 5, worked case 3). For care homes the home's site decides (rule 5).
DELIVERED_AT_HOME = frozenset({
    ServiceKind.HOME_CARE, ServiceKind.SUPPORTED_LIVING, ServiceKind.EXTRA_CARE, ServiceKind.SHARED_LIVES,
})

# Kinds where the person's accommodation goes with the failed service, so a move of accommodation is
# being considered (brief rule 15). Supported living and extra care keep the tenancy (worked case 13).
# Shared Lives is included because the person lives in the carer's home [inference]. An unknown or
# "other" kind cannot rule a move out, so it counts as one.
ACCOMMODATION_WITH_CARE = frozenset({
    ServiceKind.CARE_HOME, ServiceKind.CARE_HOME_NURSING, ServiceKind.SHARED_LIVES, ServiceKind.OTHER,
})

# Code-Point Open covers Great Britain only: Northern Ireland (BT) has no sectors, and a trust must be
# asked for (db/REFERENCE.md, postcode_sectors.csv "Limits").
NORTHERN_IRELAND_AREA = "BT"

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})?$")


@dataclass(frozen=True)
class SectorShare:
    sector: str
    la_gss_code: str
    la_name: str
    share: float
    main: bool


@dataclass(frozen=True)
class CouncilICB:
    la_gss_code: str
    icb_code: str  # ODS
    icb_gss_code: str
    icb_name: str
    share: float
    main: bool
    confirmed: bool = True

    @property
    def ref(self) -> str:
        return f"icb:{self.icb_gss_code}"


def postcode_sector(postcode: str) -> str | None:
    """'cv8 1ab', 'CV81AB' or 'CV8 1' -> 'CV8 1'; None if it is not a UK postcode shape."""
    text = re.sub(r"\s+", " ", (postcode or "").strip().upper())
    compact = text.replace(" ", "")
    if len(compact) >= 5 and compact[-2:].isalpha() and compact[-3].isdigit():
        text = f"{compact[:-3]} {compact[-3:]}"
    match = _POSTCODE.match(text)
    return f"{match.group(1)} {match.group(2)}" if match else None


class Geography:
    """Postcode sector -> councils with shares; council -> ICBs with shares."""

    def __init__(self, sectors: Iterable[SectorShare | tuple[str, str, str, float, Any]] = (),
                 council_icbs: Iterable[CouncilICB] = ()):
        """`sectors` as SectorShares, or as rows (sector, council GSS code, council name, share, main) that
        become SectorShares only when their sector is asked for: an import asks for a few hundred of the
        13,000, and making them all was 40 ms of every command that reads the reference data."""
        self._rows: dict[str, list[SectorShare | tuple[str, str, str, float, Any]]] = defaultdict(list)
        for row in sectors:
            self._rows[row.sector if isinstance(row, SectorShare) else row[0]].append(row)
        self._sectors: dict[str, tuple[SectorShare, ...]] = {}
        self._icbs: dict[str, list[CouncilICB]] = defaultdict(list)
        for row in council_icbs:
            self._icbs[row.la_gss_code.upper()].append(row)
        for rows in self._icbs.values():
            rows.sort(key=lambda r: (not r.main, -r.share))

    def __len__(self) -> int:
        return len(self._rows)

    def sector_shares(self, sector: str) -> tuple[SectorShare, ...]:
        """Main council first."""
        found = self._sectors.get(sector)
        if found is None:  # made once; two threads asking at once make the same answer
            shares = [row if isinstance(row, SectorShare) else SectorShare(*row[:4], main=bool(row[4]))
                      for row in self._rows.get(sector, ())]
            shares.sort(key=lambda r: (not r.main, -r.share, r.la_gss_code))
            found = self._sectors[sector] = tuple(shares)
        return found

    def council_icbs(self, la_gss_code: str | None) -> tuple[CouncilICB, ...]:
        """Main ICB first."""
        return tuple(self._icbs.get((la_gss_code or "").upper(), ()))

    def main_icb(self, la_gss_code: str | None) -> CouncilICB | None:
        """The ICB covering most of the council's residents: a likely ICB only, since a person's ICB follows
        their GP practice (NHS England, Who Pays?; db/REFERENCE.md la_icb_2026.csv "Limits")."""
        rows = self.council_icbs(la_gss_code)
        return rows[0] if rows else None

    def icb_has_area_in(self, icb: str, la_gss_code: str | None) -> bool:
        """Whether any part of the ICB's area (ODS or GSS code) lies in the council's area. s.52(9) makes an
        ICB with no part of its area in ours a relevant partner, so cite it only when this is False
        (brief section 2 "NHS Continuing Healthcare", rule 11)."""
        wanted = icb.strip().upper().removeprefix("ICB:")
        return any(wanted in (row.icb_code.upper(), row.icb_gss_code.upper())
                   for row in self.council_icbs(la_gss_code))


def icb_has_area_in(geography: Geography, icb: str, la_gss_code: str | None) -> bool:
    return geography.icb_has_area_in(icb, la_gss_code)


class Found(StrEnum):
    SECTOR = "sector"  # the whole sector is in one council
    SPLIT = "split"  # the main council of a sector split between councils: likely only
    NAMED = "named"  # no usable postcode; the provider's list named the council
    NORTHERN_IRELAND = "northern-ireland"
    UNKNOWN_POSTCODE = "unknown-postcode"
    MISSING = "missing"


@dataclass(frozen=True)
class Residence:
    """The council whose area the person lives in, and how sure that is."""

    found: Found
    authority: Authority | None = None
    share: float | None = None
    others: tuple[tuple[str, float], ...] = ()  # (council name, share) of the rest of a split sector
    sector: str | None = None
    postcode: str = ""

    def likely(self) -> str:
        """'Warwickshire (94%)'."""
        name = self.authority.nice_name if self.authority else "unknown"
        return f"{name} ({self.share:.0%})" if self.share is not None else name


def where_they_live(postcode: str, named_council: str | None, geography: Geography,
                    authorities: AuthorityIndex) -> Residence:
    """The home postcode decides; the council the provider's list names is used only when the postcode
    does not settle it (missing, not found, or Northern Ireland)."""
    postcode = (postcode or "").strip()
    named = authorities.get(named_council) if named_council else None
    sector = postcode_sector(postcode) if postcode else None
    if sector:
        rows = geography.sector_shares(sector)
        main = authorities.get(rows[0].la_gss_code) if rows else None
        if main is not None:
            if len(rows) == 1:
                return Residence(Found.SECTOR, main, 1.0, sector=sector, postcode=postcode)
            others = tuple((r.la_name, r.share) for r in rows[1:])
            return Residence(Found.SPLIT, main, rows[0].share, others, sector, postcode)
    if named is not None:
        return Residence(Found.NAMED, named, postcode=postcode, sector=sector)
    if sector and sector.startswith(NORTHERN_IRELAND_AREA) and not sector[2].isalpha():
        return Residence(Found.NORTHERN_IRELAND, sector=sector, postcode=postcode)
    if postcode:
        return Residence(Found.UNKNOWN_POSTCODE, sector=sector, postcode=postcode)
    return Residence(Found.MISSING)
