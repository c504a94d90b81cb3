"""Where things are: the default store, and the shipped playbooks, templates and db folders.

Installed, the shipped folders live in the package under _resources; in a checkout they sit at
the repository root. Nothing here runs at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation")


def default_store_path() -> Path:
    configured = os.environ.get("CONTINGENCY_DB")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("contingency", appauthor=False) / "contingency.sqlite"


def error_log_path() -> Path:
    """Where the TUI writes what it cannot show: beside the default store, in the user's own folder."""
    return default_store_path().with_name("contingency-errors.log")
