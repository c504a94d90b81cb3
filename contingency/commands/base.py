"""What every command shares: options, the store, output, exit codes and reporting bad input."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contingency.rules.safe_text import printable
from contingency.store.errors import StoreMissing

if TYPE_CHECKING:  # imported when a command runs, not for --help (issue 12)
    from contingency.models import StoreKind
    from contingency.store import Store

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_STORE = 0, 1, 2, 3


class ArgumentError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit; we report like any other bad input
        raise ArgumentError(f"{message} (see '{self.prog} --help')")


def common_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # Sub-commands must not reset what was given before them ("contingency --db X incident list").
    default = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--db", type=Path, help="the store file (default: $CONTINGENCY_DB or the user data folder)",
                        **default)
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout", **default)
    parser.add_argument("--officer", help="your name for the event log (default: $CONTINGENCY_OFFICER or setup's officer)",
                        **default)


class Commands:
    """Adds commands and command groups, each with the common options."""

    def __init__(self, subparsers: Any):
        self.subparsers = subparsers

    def add(self, name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser = self.subparsers.add_parser(name, help=help_text, description=help_text)
        common_options(parser)
        parser.set_defaults(handler=handler)
        return parser

    def group(self, name: str, help_text: str) -> Commands:
        parser = self.subparsers.add_parser(name, help=help_text, description=help_text)
        common_options(parser)
        return Commands(parser.add_subparsers(dest="action", required=True, parser_class=Parser))


def store_for(args: argparse.Namespace, *, create: StoreKind | None = None) -> Store:
    from contingency.paths import default_store_path
    from contingency.store import open_store

    path = args.db or default_store_path()
    if path.expanduser().is_dir():  # sqlite's own word for this is a bare "unable to open database file"
        raise StoreMissing(f"--db {path} is a folder, not a store file; give the file itself, "
                           f"like {path / 'contingency.sqlite'}")
    officer = args.officer or os.environ.get("CONTINGENCY_OFFICER", "")
    store = open_store(path, officer=officer, create=create)
    if not store.officer:
        settings = store.settings()
        store.officer = settings.officer if settings else ""
    return store


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        # Stored names reach the terminal here; an escape sequence in one must not retitle or redraw it.
        print(printable(text))


def record_id(text: str) -> int:
    """An id on the command line: a positive whole number SQLite can hold."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 0 < value < 2**63:
        raise argparse.ArgumentTypeError(f"{text} is not an id (ids are whole numbers from 1)")
    return value
