"""The contingency app: a thin shell that owns the store and the screen stack."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from contingency.paths import error_log_path
from contingency.store import Store, StoreError
from contingency.tui.commands import ScreenActions


class ContingencyApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "contingency"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ScreenActions}
    # Help before quit: when the footer is short of room it keeps the key that explains the others.
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", tooltip="What the keys on this screen do"),
        Binding("question_mark", "help", "Help", show=False, id="help-alt", tooltip="What the keys on this screen do"),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave contingency (everything is already saved)"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.theme = "textual-dark"

    @property
    def clock(self):
        return self.store.clock

    def on_mount(self) -> None:
        if self.store.is_exercise:
            self.sub_title = "EXERCISE"
        from contingency.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        if self.store.settings() is None:
            from contingency.tui.screens.setup import SetupScreen

            self.push_screen(SetupScreen())

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Verify the event log", "Check the hash chain and that every record matches it",
                            self.action_verify_log)
        yield SystemCommand("Help for this screen", "Show the keys for this screen", self.action_help)
        yield SystemCommand("What's next", "Playbook steps overdue or due in the next 12 hours, every open incident",
                            self.action_whats_next)

    def action_verify_log(self) -> None:
        result = self.store.verify_log()
        if result.ok:
            self.notify(f"Event log OK: {result.entries} entries; head {result.head[:16]}…", title="Verified")
        else:
            self.notify(f"Event log BROKEN: {result.problem}", title="Verification failed", severity="error",
                        timeout=30)

    def action_whats_next(self) -> None:
        from contingency.tui.screens.whats_next import WhatsNextScreen

        if not isinstance(self.screen, WhatsNextScreen):
            self.push_screen(WhatsNextScreen())

    def action_help(self) -> None:
        from contingency.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def report(self, error: Exception) -> None:
        """Show an officer-fixable error without losing their place."""
        from contingency.tui.plain import plain

        self.notify(plain(str(error)), title="Not saved", severity="error", timeout=10, markup=False)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        # Notices quote names, references and service messages from the store; none of them is markup,
        # and "[/]" in a surname must not crash the screen that reports it.
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _handle_exception(self, error: Exception) -> None:
        # A busy or broken store is reported, not a crash: the officer can try again.
        if isinstance(error, StoreError):
            self.report(error)
            return
        # Textual would print a traceback with its locals: people's names and details on a shared screen.
        # The details go to a private file; the terminal gets a plain sentence.
        self._return_code = 1
        if self._exception is None:  # Pilot re-raises the first error, so tests still see it
            self._exception = error
            self._exception_event.set()
        where = _write_error_log(error)
        saved = f"The details are in {where}" if where else "The details could not be written to a file"
        self.bell()
        self._exit_renderables.append(Text(
            f"contingency stopped on an unexpected error ({type(error).__name__}). Everything saved before it "
            f"is kept. {saved}; send that file to whoever supports contingency, not a photo of the screen."))
        self._close_messages_no_wait()


def _write_error_log(error: BaseException) -> Path | None:
    """Append the traceback (no locals) to a file only this user can read; None if it cannot be written."""
    path = error_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(path, 0o600)  # an older file may have been made with the umask's wider mode
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')}\n")
            handle.write("".join(traceback.format_exception(error)))
    except OSError:
        return None
    return path
