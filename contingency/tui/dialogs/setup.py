"""First run: which council this store belongs to, and how its letters are signed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static

from contingency.rules.authorities import AuthorityNotResolved
from contingency.services import lookups
from contingency.services.errors import BadInput
from contingency.services.setup import setup_council
from contingency.tui.base import Dialog
from contingency.tui.widgets.banner import refresh_banners
from contingency.tui.widgets.fields import Field


class SetupScreen(Dialog):
    HELP = "Say which council this store belongs to. Everything later (whose area, who is 'home', who signs letters) reads from it."
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the council's details")]

    _officer_from_form: bool | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            if lookups.settings(self.store) is None:
                yield Static("Set up: your council", classes="dialog-title")
                yield Static("contingency needs to know whose duty it is. You can change the team and the "
                             "letterhead later (ctrl+p, council).", classes="hint")
            else:
                yield Static("Your council and letterhead", classes="dialog-title")
                yield Static("Letters written from now on use these. The council stays as it is once the store "
                             "holds an incident.", classes="hint")
            yield Field("Council (name or code)", Input(placeholder="e.g. Leeds, LDS or E08000035", id="authority"),
                        hint="An English council with adult social care duties", id="f-authority")
            yield Field("Team", Input(placeholder="e.g. Emergency Duty Team", id="team"), id="f-team")
            yield Field("Your name", Input(placeholder="as it should appear in the log", id="officer"), id="f-officer")
            yield Field("Address for letters", Input(id="address"), id="f-address")
            yield Field("Phone", Input(id="phone"), id="f-phone")
            yield Field("Email", Input(id="email"), id="f-email")
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def on_mount(self) -> None:
        settings = lookups.settings(self.store)
        if settings is not None:
            for name, value in settings.model_dump().items():
                widget = "authority" if name == "authority_code" else name
                self.query_one(f"#{widget}", Input).value = value or ""
            self._officer_from_form = False  # the store's officer is already known
        self.query_one("#authority", Input).focus()

    def action_cancel(self) -> None:
        if lookups.settings(self.store) is None:
            self.notify("contingency needs your council before it can be used; press ctrl+q to quit",
                        severity="warning")
            return
        super().action_cancel()

    @on(Input.Changed, "#authority")
    def check_authority(self, event: Input.Changed) -> None:
        field = self.query_one("#f-authority", Field)
        if not event.value.strip():
            field.show(None)
            return
        try:
            authority = lookups.resolve_authority(self.store, event.value)
        except AuthorityNotResolved as exc:
            field.show(str(exc))
        else:
            field.show(None, f"{authority.name} ({authority.code}, {authority.nation.value})")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = {name: self.query_one(f"#{name}", Input).value for name in
                  ("authority", "team", "officer", "address", "phone", "email")}
        # A store opened with no officer takes the name typed here; kept in step with every attempt, so a
        # name corrected after a refused save is the one the log records.
        if self._officer_from_form is None:
            self._officer_from_form = not self.store.officer
        if self._officer_from_form:
            self.store.officer = values["officer"].strip()
        try:
            setup_council(self.store, **values)
        except BadInput as exc:
            field_name = str(exc).split(":", 1)[0]
            if self.query(f"#f-{field_name}"):
                self.query_one(f"#f-{field_name}", Field).show(str(exc).split(":", 1)[1].strip())
                self.focus_first_error()
            self.report(exc)
            return
        refresh_banners(self.app)
        self.notify("Council saved")
        self.dismiss(True)
