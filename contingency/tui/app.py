"""The contingency app: a thin shell that owns the store and the screen stack."""

from __future__ import annotations

import gc
import os
import traceback
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen

from contingency import collector
from contingency.paths import error_log_path
from contingency.rules.safe_text import printable
from contingency.store import Store, StoreBusy, StoreError
from contingency.tui.commands import ScreenActions

# A write waits this long for another process's lock, then the screen says so and retries on a timer:
# the store's usual 5 s would freeze every key for the whole wait.
TUI_BUSY_TIMEOUT_MS = 250


class ContingencyApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "contingency"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ScreenActions}
    # Help before quit: when the footer is short of room it keeps the key that explains the others.
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", tooltip="What the keys on this screen do"),
        Binding("question_mark", "help", "Help", show=False, id="help-alt", tooltip="What the keys on this screen do"),
        # EXERCISE only, while one is in play (check_action); F-keys, as ctrl+i is tab and an Input eats letters.
        Binding("f2", "exercise_inbox", "Inbox", id="exercise-inbox",
                tooltip="EXERCISE: the injects delivered so far, as cards"),
        Binding("f3", "exercise_facilitator", "Facilitator", id="exercise-facilitator",
                tooltip="EXERCISE: the facilitator's screen: clock, injects, live scores"),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave contingency (everything is already saved)"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        store.set_busy_timeout(TUI_BUSY_TIMEOUT_MS)
        self.theme = "textual-dark"
        self.exercise_watch = None  # tui/screens/exercise_inbox.ExerciseWatch while an exercise is in play
        self._store_check = None  # store.store.IntegrityCheck, once the first screen is up

    @property
    def clock(self):
        return self.store.clock

    def on_mount(self) -> None:
        if self.store.is_exercise:
            self.sub_title = "EXERCISE"
            from contingency.services.lookups import has_run

            if self.store.path is not None and has_run(self.store):
                # Only then: the inbox module and what it imports cost a plain demo's start a third of a second.
                from contingency.tui.screens.exercise_inbox import ExerciseWatch

                self.exercise_watch = ExerciseWatch.start_if_in_play(self)
        from contingency.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        from contingency.services.lookups import settings

        if settings(self.store) is None:
            from contingency.tui.dialogs.setup import SetupScreen

            self.push_screen(SetupScreen())
        self.call_after_refresh(self._check_store)

    def _check_store(self) -> None:
        """The whole-file integrity check, once the first screen is up: a thread of its own with its own
        read-only connection, so a 500 MB store opens at once (issue 12). A failure is said loudly."""
        # What is alive now (modules, classes, the first screen) lives as long as the app: the collector need
        # not walk it again on every full collection, the pauses behind a slow keystroke (issue 12). It was
        # paused until now (contingency.collector).
        gc.freeze()
        collector.resume()
        path = self.store.path
        if path is None:
            return

        from contingency.store.store import IntegrityCheck

        check = self._store_check = IntegrityCheck(path)

        def run() -> None:
            problem = check.run()
            if problem:
                self.call_from_thread(self.store_damaged, problem)

        self.run_worker(run, thread=True, group="store-check", exit_on_error=False)

    def on_unmount(self) -> None:
        if self._store_check is not None:
            self._store_check.stop()  # quitting never waits for the check of a large file

    def store_damaged(self, problem: str) -> None:
        from contingency.tui.dialogs.money import DetailDialog

        self.bell()
        self.notify("The store may be damaged: read what to do", title="Integrity check failed",
                    severity="error", timeout=60)
        self.push_screen(DetailDialog("THE STORE MAY BE DAMAGED", "\n\n".join([
            f"The check of the whole store file found a problem: {problem}.",
            "What is saved so far is still there, but more work written into a damaged file may be lost.",
            ("What to do: finish or write down what you are doing on paper, quit (ctrl+q), run "
             "'contingency log verify' to see what it finds, and restore the newest backup named above "
             "(copy it over the store while contingency is closed), or call whoever supports contingency."),
        ])))

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Verify the event log", "Check the hash chain and that every record matches it",
                            self.action_verify_log)
        yield SystemCommand("Help for this screen", "Show the keys for this screen", self.action_help)
        yield SystemCommand("What's next", "Playbook steps overdue or due in the next 12 hours, every open incident",
                            self.action_whats_next)
        yield SystemCommand("Council and letterhead", "Your council, team, and how letters are signed",
                            self.action_council)
        if self.exercise_in_play():
            yield SystemCommand("EXERCISE inbox", "The injects delivered so far, as cards (f2)",
                                self.action_exercise_inbox)
            yield SystemCommand("EXERCISE facilitator", "Clock, injects, live scores; pause, jump, deliver, mark (f3)",
                                self.action_exercise_facilitator)

    def action_council(self) -> None:
        from contingency.tui.dialogs.setup import SetupScreen

        if not isinstance(self.screen, SetupScreen):
            self.push_screen(SetupScreen())

    def exercise_in_play(self) -> bool:
        watch = self.exercise_watch
        return watch is not None and watch.last is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("exercise_inbox", "exercise_facilitator"):
            return self.exercise_in_play()
        return True

    def action_exercise_inbox(self) -> None:
        from contingency.tui.screens.exercise_inbox import open_inbox

        if self.exercise_in_play():
            open_inbox(self)

    def action_exercise_facilitator(self) -> None:
        from contingency.tui.screens.exercise_facilitator import open_facilitator

        if self.exercise_in_play():
            open_facilitator(self)

    def action_verify_log(self) -> None:
        from contingency.services.eventlog import verify_log

        result = verify_log(self.store)
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
        from contingency.tui.dialogs.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def report(self, error: Exception) -> None:
        """Show an officer-fixable error without losing their place."""
        from contingency.tui.plain import plain

        self.notify(plain(str(error)), title="Not saved", severity="error", timeout=10, markup=False)

    def store_refused(self, error: StoreError, where: object, *, again: Callable[[], object] | None,
                      attempt: Hashable) -> None:
        """A store error out of an action or a screen's handler: a form's save that found the store busy is
        retried (`again`) with the form kept as typed; anything else is reported."""
        from contingency.tui.base import Dialog

        if isinstance(error, StoreBusy) and isinstance(where, Dialog) and again is not None:
            where.store_busy(again, attempt)
        else:
            self.report(error)

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        # Textual ends the message loop an action fails in, and a key binding's is the app's own: a busy store
        # once quit contingency with exit code 0 and the typed form gone (issue 11). So store errors stop here.
        from contingency.tui.base import Dialog

        try:
            handled = await super()._dispatch_action(namespace, action_name, params)
        except StoreError as error:
            self.store_refused(error, namespace, attempt=("action", action_name),
                               again=lambda: self._dispatch_action(namespace, action_name, params))
            return True
        if isinstance(namespace, Dialog):
            namespace.store_free(("action", action_name))
        return handled

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        # Notices quote names, references and service messages from the store; none of them is markup,
        # and "[/]" in a surname must not crash the screen that reports it.
        super().notify(printable(message), title=printable(title), severity=severity, timeout=timeout,
                       markup=False)

    def _handle_exception(self, error: Exception) -> None:
        # Only from paths Textual carries on after (a screen's result callback, a timer): actions and screens'
        # handlers meet store errors themselves (_dispatch_action, _StoreScreen._on_message), because Textual
        # stops the loop that raised and returning here would leave a dead screen, or a silently ended app.
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
