"""Where the app writes files an officer asked for (letters, claims, packs, bundles, reports)."""

from __future__ import annotations

from pathlib import Path

from contingency.services.errors import BadInput
from contingency.store.files import ensure_private_dir


def output_folder(out_dir: Path | str, what: str) -> Path:
    """The folder to write `what` into: made where missing, owner-only (0700); a folder the officer already
    had keeps its mode (the CLI tells them when others can list it). BadInput, in plain words, if it cannot
    be used."""
    folder = Path(out_dir).expanduser()
    try:
        ensure_private_dir(folder)
    except OSError as exc:
        raise BadInput(f"cannot use {folder} for {what}: {exc.strerror}") from None
    if not folder.is_dir():
        raise BadInput(f"cannot use {folder} for {what}: it is a file, not a folder")
    return folder
