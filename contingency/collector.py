"""Python's cyclic garbage collector, paused while the program makes a great many objects that it keeps.

Each collection walks every object made since the last, to find cycles no longer used. Work that makes
tens of thousands of objects and throws away almost none paid for the walks again and again, to find
nothing. Memory is still freed as ever by reference counting; only cycles wait until collection resumes.

- **Start** (issue 12): modules, classes, pydantic's validators, Textual's styles and widgets, all living
  as long as the program: about 100 ms of a 700 ms start to the home screen. The command line pauses the
  collector while it reads its arguments and imports the command; a command resumes it before it does its
  work, and the TUI once its first screen is up (gc.freeze then moves what is alive into a generation that
  later collections skip, as it lives as long as the app).
- **Bulk work** (`paused`): reading and planning a whole roster for letters, importing a list of people, and
  the letters a command writes before it ends (`keep`).
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
def paused(*, keep: bool = False) -> Iterator[None]:
    """Paused inside, unless something within resumes it first (the TUI's first screen); nested, only the
    outermost gives collection back. With `keep`, what is alive at the end is kept until the program ends
    (a command's last work): frozen out of later collections rather than walked when collection resumes."""
    mine = pause()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if mine:
            resume()
