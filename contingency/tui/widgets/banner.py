"""The line at the top of every screen saying whose store this is, and shouting if it is an exercise."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Static

from contingency.store import Store

EXERCISE_TEXT = "▲ EXERCISE – NOT A REAL INCIDENT ▲"


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
        super().__init__(banner_text(store), markup=False, classes="-exercise" if store.is_exercise else "")

    def refresh_text(self) -> None:
        """Read the store again: after setup names the council and the officer, the banner must say so."""
        self.update(banner_text(self.store))


def banner_text(store: Store) -> str:
    settings = store.settings()
    council = ""
    if settings:
        authority = store.authorities.get(settings.authority_code)
        council = authority.name if authority else settings.authority_code
    if store.is_exercise:
        return f"{EXERCISE_TEXT}  {council}"
    return f"LIVE · {council or 'not set up'} · officer: {store.officer or '?'}"


def refresh_banners(app: App) -> None:
    """Every screen on the stack keeps its banner, so each is told, not just the one in front."""
    for screen in app.screen_stack:
        for banner in screen.query(StoreBanner):
            banner.refresh_text()
