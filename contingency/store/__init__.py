"""The store: one SQLite file, owning every SQL statement in the project."""

from typing import TYPE_CHECKING

from contingency.store.errors import StoreBusy, StoreCorrupt, StoreError, StoreMissing

if TYPE_CHECKING:
    from contingency.store.store import Store, open_store


def __getattr__(name: str):
    # Store and open_store (and with them sqlite-utils) are loaded when first used, so that importing an
    # error class, or `contingency --help`, does not pay for them (issue 12).
    if name in ("Store", "open_store"):
        from contingency.store import store

        return getattr(store, name)
    raise AttributeError(f"module 'contingency.store' has no attribute {name!r}")

__all__ = ["Store", "StoreBusy", "StoreCorrupt", "StoreError", "StoreMissing", "open_store"]
