"""The line at the top of every screen saying whose store this is, and shouting if it is an exercise.

While an exercise is in play the same line carries the exercise clock in words and the players' unread
injects ("▲ EXERCISE – NOT REAL ▲ T+1:10 PAUSED · 2 new injects (f2 inbox)"): one line, so no screen loses a row at
80x24, and words as well as colour. The app's exercise watch (tui/screens/exercise_inbox.py) tells it.
"""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static

from contingency.services import lookups
from contingency.store import Store

EXERCISE_TEXT = "▲ EXERCISE – NOT A REAL INCIDENT ▲"
PLAY_MARK = "▲ EXERCISE – NOT REAL ▲"


class StoreBanner(Static):
    DEFAULT_CSS = """
    StoreBanner {
        dock: top;
        height: 1;
        width: 100%;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    StoreBanner.-exercise {
        background: $warning;
        color: $text;
        text-style: bold;
        content-align: center middle;
    }
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.play: str | None = None
        super().__init__(banner_text(store), markup=False, classes="-exercise" if store.is_exercise else "")

    def on_mount(self) -> None:
        watch = getattr(self.app, "exercise_watch", None)
        if watch is not None:
            self.show_play(watch.line())

    def refresh_text(self) -> None:
        """Read the store again: after setup names the council and the officer, the banner must say so."""
        self.update(banner_text(self.store, self.play))

    def show_play(self, line: str | None) -> None:
        """The exercise clock and unread injects (None: no exercise in play, the plain banner)."""
        if line != self.play:
            self.play = line
            self.refresh_text()


def banner_text(store: Store, play: str | None = None) -> str:
    if store.is_exercise and play:
        return f"{PLAY_MARK} {play}"
    settings = lookups.settings(store)
    council = ""
    if settings:
        authority = lookups.authority(store, settings.authority_code)
        council = authority.name if authority else settings.authority_code
    if store.is_exercise:
        return f"{EXERCISE_TEXT}  {council}"
    return f"LIVE · {council or 'not set up'} · officer: {store.officer or '?'}"


def refresh_banners(app: App) -> None:
    """Every screen on the stack keeps its banner, so each is told, not just the one in front."""
    for screen in app.screen_stack:
        for banner in screen.query(StoreBanner):
            banner.refresh_text()
