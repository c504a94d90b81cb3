"""The command line: thin wrappers over services. Exit 0 ok, 1 check failed, 2 bad input, 3 store unavailable.

Never prints a traceback for anything an officer can cause; the TUI is imported only to run it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from contingency.clock import ClockPinError
from contingency.commands import costs, incidents, notify, people, playbooks
from contingency.commands.base import (
    EXIT_BAD_INPUT,
    EXIT_STORE,
    ArgumentError,
    Commands,
    Parser,
    common_options,
)
from contingency.services.errors import BadInput
from contingency.store import StoreBusy, StoreCorrupt, StoreError, StoreMissing
from contingency.store.errors import NotFound

AREAS = (incidents, people, playbooks, notify, costs)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="contingency", description=__doc__.splitlines()[0])
    common_options(parser, top=True)
    cmds = Commands(parser.add_subparsers(dest="command", parser_class=Parser))
    for area in AREAS:
        area.register(cmds)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler = getattr(args, "handler", None) or incidents.cmd_tui
        return handler(args)
    except (ArgumentError, BadInput, ClockPinError, NotFound, StoreMissing) as exc:
        print(f"contingency: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (StoreBusy, StoreCorrupt, StoreError) as exc:
        print(f"contingency: {exc}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        return 130
