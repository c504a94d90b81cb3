"""The command line: thin wrappers over services. Exit 0 ok, 1 check failed, 2 bad input, 3 store unavailable.

Never prints a traceback for anything an officer can cause; the TUI is imported only to run it.
"""

from __future__ import annotations

import argparse
import os
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
from contingency.rules.safe_text import printable
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
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, while it can still be handled below, not at exit
        return code
    except (ArgumentError, BadInput, ClockPinError, NotFound, StoreMissing) as exc:
        print(f"contingency: {printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (StoreBusy, StoreCorrupt, StoreError) as exc:
        print(f"contingency: {printable(str(exc))}", file=sys.stderr)
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
