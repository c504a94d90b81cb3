"""What every screen shares: the store banner on top, the footer of keys below."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer

from contingency.store import Store
from contingency.tui.widgets.banner import StoreBanner

if TYPE_CHECKING:
    from contingency.tui.app import ContingencyApp


class _StoreScreen:
    """The app's store, and the banner that says whose store it is (EXERCISE in words)."""

    HELP = ""

    @property
    def capp(self) -> ContingencyApp:
        return cast("ContingencyApp", self.app)  # type: ignore[attr-defined]

    @property
    def store(self) -> Store:
        return self.capp.store


class AppScreen(_StoreScreen, Screen):
    def compose_chrome(self) -> ComposeResult:
        yield StoreBanner(self.store)

    def compose_footer(self) -> ComposeResult:
        yield Footer()


class Dialog(_StoreScreen, ModalScreen):
    """A modal form. Escape cancels; the banner and the keys stay in view."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without saving")]

    def compose_chrome(self) -> ComposeResult:
        yield StoreBanner(self.store)
        yield Footer()

    def action_cancel(self) -> None:
        self.dismiss(None)
