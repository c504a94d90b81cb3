"""The command line: thin wrappers over services. Exit 0 ok, 1 check failed, 2 bad input, 3 store unavailable.

Never prints a traceback for anything an officer can cause; the TUI is imported only to run it.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence

from contingency import collector
from contingency.clock import ClockPinError
from contingency.commands.base import (
    EXIT_BAD_INPUT,
    EXIT_STORE,
    ArgumentError,
    Commands,
    Parser,
    common_options,
)
from contingency.rules.safe_text import printable
from contingency.services.errors import BadInput
from contingency.store.errors import (
    NotFound,
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreMissing,
)

# The modules under contingency.commands, each registering its commands.
AREAS = ("incidents", "people", "playbooks", "notify", "costs", "callround", "placements", "handover", "exercise")
# Each area's top-level commands with their help, so that only the module of the command asked for is
# imported (issue 12: importing all of them, with pydantic and sqlite-utils, took as long as a whole bare
# Textual app before anything was shown). tests/test_lazy_cli.py checks this against the modules' own
# register(); an area missing here is simply imported every time.
COMMANDS = {
    "demo": ("incidents", "open the EXERCISE demo store, making it the first time (synthetic incidents and people)"),
    "setup": ("incidents", "record the operating council and its letterhead"),
    "incident": ("incidents", "open, list, show and change incidents"),
    "events": ("incidents", "list the trigger events with their citations"),
    "log": ("incidents", "the event log"),
    "people": ("people", "the roster of affected people"),
    "playbook": ("playbooks", "playbooks: the steps to work through for an incident"),
    "notify": ("notify", "the bodies and people to tell, and where each letter stands"),
    "letters": ("notify", "write the letters for an incident as PDF and/or DOCX and print their paths"),
    "costs": ("costs", "the cost ledger: every penny by person, period, legal route and decision"),
    "claims": ("costs", "reimbursement claims to bodies and charges to people"),
    "disputes": ("costs", "ordinary-residence disputes and their referral dates"),
    "callround": ("callround", "the welfare call-round: who to ring, in order, and what each call found"),
    "vacancies": ("placements", "offers of beds and care hours from other providers"),
    "move": ("placements", "moving a person to a new placement: match, decide, checklist"),
    "handover": ("handover", "write the shift handover pack (Markdown, PDF, DOCX) and complete the handover step"),
    "export": ("handover", ("write the incident bundle for audit: tables as JSON, CSVs, documents with their "
                            "SHA-256, the log and its chain head; a folder and a zip")),
    "exercise": ("exercise", "tabletop exercises: scenario files, the exercise clock and the report"),
}


class _Only(Commands):
    """Registers the one command asked for; the rest of an area's commands go to a parser nobody reads."""

    def __init__(self, subparsers, wanted: str):
        super().__init__(subparsers)
        self.wanted = wanted

    def add(self, name, help_text, handler):
        if name == self.wanted:
            return super().add(name, help_text, handler)
        return argparse.ArgumentParser(add_help=False)

    def group(self, name, help_text):
        if name == self.wanted:
            return super().group(name, help_text)
        return Commands(argparse.ArgumentParser(add_help=False).add_subparsers())


def _area(name: str):
    import importlib

    return importlib.import_module(f"contingency.commands.{name}")


def _command_in(argv: Sequence[str] | None) -> str | None:
    """The command word of `argv` (after any common options), or None if there is none or it cannot tell."""
    probe = argparse.ArgumentParser(add_help=False)
    common_options(probe, top=True)
    try:
        _, rest = probe.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    except (SystemExit, argparse.ArgumentError):
        return None
    return rest[0] if rest and not rest[0].startswith("-") else None


def build_parser(argv: Sequence[str] | None = None, *, everything: bool = True) -> argparse.ArgumentParser:
    """The whole parser; or, with everything=False, one that imports only the module of the command in
    `argv` and names the others for --help from COMMANDS."""
    parser = Parser(prog="contingency", description=__doc__.splitlines()[0])
    common_options(parser, top=True)
    subparsers = parser.add_subparsers(dest="command", parser_class=Parser)
    cmds = Commands(subparsers)
    wanted = None if everything else _command_in(argv)
    listed = {module for module, _ in COMMANDS.values()}
    if not everything and wanted is not None and wanted not in COMMANDS:
        everything = True  # a typo, or an area not listed: argparse's own message names every command
    for area in AREAS:
        if everything or area not in listed:
            _area(area).register(cmds)
            continue
        for name, (module, help_text) in COMMANDS.items():
            if module != area:
                continue
            if name == wanted:
                _area(area).register(_Only(subparsers, wanted))
            else:
                placeholder = subparsers.add_parser(name, help=help_text, description=help_text)
                common_options(placeholder)
    return parser


def _warn_if_others_can_list(out: object) -> None:
    """Every file the app writes is the owner's only (0600) and every folder it makes is 0700; a folder the
    officer already had keeps its mode (changing it would surprise them), so they are told when others can
    list it, because file names show an incident's number and whether it is an exercise."""
    from pathlib import Path

    if isinstance(out, Path):
        from contingency.store.files import open_folder_warning, open_to_others

        folder = out.expanduser()
        if folder.is_dir() and open_to_others(folder):
            print(f"contingency: {printable(open_folder_warning(folder))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with collector.paused():  # while the command's modules load: contingency.collector says why
            parser = build_parser(argv, everything=False)
            args = parser.parse_args(argv)
            handler = getattr(args, "handler", None) or _area("incidents").cmd_tui
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, while it can still be handled below, not at exit
        if code == 0:
            _warn_if_others_can_list(getattr(args, "out", None))
        return code
    except (ArgumentError, BadInput, ClockPinError, NotFound, StoreMissing) as exc:
        print(f"contingency: {printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (StoreBusy, StoreCorrupt, StoreError) as exc:
        print(f"contingency: {printable(str(exc))}", file=sys.stderr)
        return EXIT_STORE
    except sqlite3.DatabaseError as exc:
        # A page SQLite read was damaged: stores are not checked whole on every open (issue 12), so a command
        # can be the first to meet the damage. Say what to do, never a traceback.
        if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
            print(f"contingency: {printable(str(StoreBusy()))}", file=sys.stderr)
            return EXIT_STORE
        print(f"contingency: the store may be damaged ({printable(str(exc))}); nothing more was written. Run "
              "'contingency log verify' and, if it fails, restore the newest backup beside the store",
              file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head -1`): nothing is wrong with the command, so say nothing. Python
        # would fail again flushing stdout at exit, so it is pointed at /dev/null first. 141 is what a tool
        # killed by SIGPIPE exits with, so `set -o pipefail` scripts still see the output was cut short.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
