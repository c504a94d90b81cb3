"""The line at the top of every screen saying whose store this is, and shouting if it is an exercise."""

from __future__ import annotations

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
        settings = store.settings()
        council = ""
        if settings:
            authority = store.authorities.get(settings.authority_code)
            council = authority.name if authority else settings.authority_code
        if store.is_exercise:
            text = f"{EXERCISE_TEXT}  {council}"
        else:
            text = f"LIVE · {council or 'not set up'} · officer: {store.officer or '?'}"
        super().__init__(text, markup=False, classes="-exercise" if store.is_exercise else "")
