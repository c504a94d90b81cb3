"""The store: one SQLite file, owning every SQL statement in the project."""

from contingency.store.errors import StoreBusy, StoreCorrupt, StoreError, StoreMissing
from contingency.store.store import Store, open_store

__all__ = ["Store", "StoreBusy", "StoreCorrupt", "StoreError", "StoreMissing", "open_store"]
