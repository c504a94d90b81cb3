"""The store file on disk: owner-only permissions, integrity check and backups."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

OWNER_FILE = 0o600
OWNER_DIR = 0o700


def ensure_private_dir(folder: Path) -> None:
    """Make the folders that are missing owner-only (0700); folders the officer already had, such as their
    home, are left as they are."""
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for created in reversed(missing):
        created.mkdir(mode=OWNER_DIR)
        os.chmod(created, OWNER_DIR)


def open_to_others(folder: Path) -> bool:
    """Whether other users of this computer can list or enter `folder` (the officer's own, chosen for output).
    Files written there are still 0600, but their names show; the app never changes the mode of a folder it
    did not make, so the officer is told instead."""
    try:
        return bool(folder.stat().st_mode & 0o077)
    except OSError:
        return False


def open_folder_warning(folder: Path) -> str:
    return (f"note: other users of this computer can list {folder}; the files written there are yours only "
            f"(0600), but their names show. To keep those private too, use a folder only you can open "
            f"(chmod 700 {folder}).")


def create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only, before SQLite ever touches it."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_FILE)
    os.close(fd)
    os.chmod(path, OWNER_FILE)  # whatever the umask said


def new_private_file(path: Path) -> Path:
    """An empty owner-only file (0600) at `path`, replacing any leftover, for a writer to fill and then move
    into place: the mode survives both the writer's truncating open and the rename."""
    ensure_private_dir(path.parent)
    path.unlink(missing_ok=True)
    create_private_file(path)
    return path


def backup_path_for(path: Path, at: datetime) -> Path:
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix or '.sqlite'}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.backup-{stamp}-{n}{path.suffix or '.sqlite'}")
    return candidate


def backup(conn: sqlite3.Connection, path: Path, at: datetime) -> Path:
    """Copy the open database with SQLite's online backup API to a timestamped file beside it."""
    target = backup_path_for(path, at)
    create_private_file(target)
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    return target


def newest_backup(path: Path) -> Path | None:
    # Several backups can share a second; the file written last is the newest.
    backups = sorted(path.parent.glob(f"{path.stem}.backup-*"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return backups[-1] if backups else None
