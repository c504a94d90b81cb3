"""What every screen shares: the store banner on top, the footer of keys below."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer

from contingency.tui.widgets.banner import StoreBanner

if TYPE_CHECKING:
    from contingency.tui.app import ContingencyApp


class AppScreen(Screen):
    HELP = ""

    @property
    def capp(self) -> ContingencyApp:
        return cast("ContingencyApp", self.app)

    @property
    def store(self):
        return self.capp.store

    def compose_chrome(self) -> ComposeResult:
        yield StoreBanner(self.store)

    def compose_footer(self) -> ComposeResult:
        yield Footer()


class Dialog(ModalScreen):
    """A modal form. Escape cancels; the banner's words stay visible through the dimmed screen."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without saving")]
    HELP = ""

    @property
    def capp(self) -> ContingencyApp:
        return cast("ContingencyApp", self.app)

    @property
    def store(self):
        return self.capp.store

    def compose_chrome(self) -> ComposeResult:
        yield StoreBanner(self.store)
        yield Footer()

    def action_cancel(self) -> None:
        self.dismiss(None)
