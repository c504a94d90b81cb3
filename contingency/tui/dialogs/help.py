"""Help: the keys that work on the screen you came from, in words, this screen's own keys first."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, Static

from contingency.tui.commands import APP, STOCK, screen_actions
from contingency.tui.base import Dialog


def _heading(rank: int) -> str:
    return {APP: "Everywhere", STOCK: "Moving around"}.get(rank, "On this screen")


class HelpScreen(Dialog):
    def __init__(self, about: Screen) -> None:
        super().__init__()
        self.about = about
        # (heading, keys, what it does): the officer's keys before Textual's stock ones (cursor, tab).
        self.rows: list[tuple[str, str, str]] = []
        for action in screen_actions(about):
            if not action.description:
                continue
            heading = _heading(action.rank)
            what = f"{action.description}: {action.tooltip}" if action.tooltip else action.description
            self.rows.append((heading, action.keys, what + ("" if action.enabled else " (not available now)")))

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        title = getattr(self.about, "TITLE", None) or self.about.__class__.__name__.removesuffix("Screen")
        with VerticalScroll(id="dialog"):
            yield Markdown("\n".join([f"# Help: {title}", getattr(self.about, "HELP", "") or ""]))
            yield Static(self._keys_table(), id="help-keys")
            yield Markdown("`ctrl+p` opens the command palette: type a word (decision, letter, import) to find any "
                           "action on this screen. Press `escape` to close this help.")

    def _keys_table(self) -> Group:
        # A grid per heading, so the long names of Textual's stock keys (ctrl+pagedown) do not widen
        # the key column of the officer's own.
        grids: list = []
        for row_heading, keys, what in self.rows:
            if not grids or grids[-1][0] != row_heading:
                table = Table.grid(padding=(0, 2))
                table.add_column(no_wrap=True)
                table.add_column(ratio=1)
                grids.append((row_heading, table))
            grids[-1][1].add_row(Text(keys, style="bold"), Text(what))
        parts: list = []
        for heading, table in grids:
            parts += [Text(heading, style="bold underline"), table, Text("")]
        return Group(*parts)
