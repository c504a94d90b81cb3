"""Help: the keys that work on the screen you came from, in words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown

from contingency.tui.screens.base import Dialog


class HelpScreen(Dialog):
    def __init__(self, about: Screen) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        bindings = [
            f"| `{b.key_display or b.key}` | {b.description} | {b.tooltip or ''} |"
            for (_, b, enabled, _tip) in self.about.active_bindings.values()
            if b.description and enabled
        ]
        text = "\n".join([
            f"# Help: {getattr(self.about, 'TITLE', None) or self.about.__class__.__name__.removesuffix('Screen')}",
            getattr(self.about, "HELP", "") or "",
            "",
            "| key | does | detail |",
            "| --- | --- | --- |",
            *bindings,
            "",
            "`ctrl+p` opens the command palette: every action is there. `escape` goes back or closes.",
            "",
            "Press `escape` to close this help.",
        ])
        with VerticalScroll(id="dialog"):
            yield Markdown(text)
