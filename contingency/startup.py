"""Starting without Python's cyclic garbage collector, until the program is ready for the officer.

A start makes some hundreds of thousands of objects that live as long as the program (modules, classes,
pydantic's validators, Textual's styles and widgets) and throws almost none away. The collector walked
them all again and again as they were made, to find nothing: about 100 ms of a 700 ms start to the home
screen (issue 12). Memory is still freed as ever by reference counting; only cycles wait.

The command line pauses the collector while it reads its arguments and imports the command; a command
resumes it before it does its work, and the TUI when its first screen is up (gc.freeze then moves what is
alive into a generation that later collections skip, as it will live as long as the app).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False


def pause() -> bool:
    """Stop collecting until `resume`; True if this call stopped it, False if it was already off (paused
    already, or by a caller's own choice, which `resume` then leaves alone)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True
        return True
    return False


def resume() -> None:
    """Collect again if `pause` stopped it; safe to call any number of times, from any caller."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    """Paused inside, unless something within resumes it first (the TUI's first screen); nested, only the
    outermost gives collection back."""
    mine = pause()
    try:
        yield
    finally:
        if mine:
            resume()
