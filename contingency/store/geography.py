"""Postcode sectors and council-ICB areas (migration 0011): read once per store, handed out as a pure index."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from contingency.rules.geography import CouncilICB, Geography

if TYPE_CHECKING:
    from contingency.store.store import Store


# Per store file, for the life of the process: a worker thread opens its own Store on the same file, and
# 13,000 postcode sectors read again for each would cost more than the work it was sent to do.
_INDEXES: dict[str, Geography] = {}
_INDEXES_LOCK = threading.Lock()


class GeographyRepo:
    def __init__(self, store: Store):
        self.store = store

    @cached_property
    def index(self) -> Geography:
        """Reference data changes only with a migration (and only from the package's own files), so one
        read serves every Store on this file for the life of the process."""
        key = str(self.store.path.resolve()) if self.store.path is not None else None
        if key is not None:
            with _INDEXES_LOCK:
                found = _INDEXES.get(key)
            if found is not None:
                return found
        index = self._read()
        if key is not None:
            with _INDEXES_LOCK:
                _INDEXES.setdefault(key, index)
        return index

    def _read(self) -> Geography:
        # 13,000 sectors: read as tuples, not as dicts, on every command that needs them (issue 12).
        conn = self.store.conn
        sectors = conn.execute("SELECT sector, la_gss_code, la_name, share, main FROM postcode_sectors")
        icbs = (
            CouncilICB(la_gss_code=la, icb_code=code, icb_gss_code=gss, icb_name=name, share=share, main=bool(main),
                       confirmed=bool(confirmed))
            for la, code, gss, name, share, main, confirmed in conn.execute(
                "SELECT la_gss_code, icb_code, icb_gss_code, icb_name, share, main, confirmed FROM council_icb_areas")
        )
        return Geography(sectors, icbs)

    def home_addresses(self, incident_id: int) -> list[tuple[str | None, str, str | None, int]]:
        """(service kind, home postcode, council the list named, people) for the live roster, grouped so a
        large roster is summed in SQL rather than read person by person."""
        rows = self.store.conn.execute(
            "SELECT service_kind, coalesce(home_postcode, ''), home_council_code, count(*) FROM people"
            " WHERE incident_id = ? AND merged_into IS NULL GROUP BY 1, 2, 3", [incident_id])
        return [(kind, postcode, council, count) for kind, postcode, council, count in rows]
