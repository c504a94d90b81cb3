"""Open an incident, or change its facts: inline checks and a live preview of the classification."""

from __future__ import annotations

from datetime import date, datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Checkbox, Input, Select, Static

from contingency.models import Classification, Incident, ServiceKind
from contingency.rules.events import EVENTS
from contingency.rules.times import (
    BadDate,
    format_local,
    parse_local_datetime,
    parse_uk_date,
)
from contingency.services import lookups
from contingency.services.errors import BadInput
from contingency.services.incidents import (
    build_facts,
    change_facts,
    classify_change,
    classify_for,
    open_incident,
)
from contingency.tui.plain import plain
from contingency.tui.base import Dialog
from contingency.tui.widgets.fields import Field, TickBox

# The title alone in the list: with its citation it ran to three lines at 80 columns. The citation is shown
# beneath the choice instead.
EVENT_OPTIONS = [(e.title, e.key) for e in EVENTS]
CITATIONS = {e.key: e.citation for e in EVENTS}
SERVICE_OPTIONS = [(k.label, k.value) for k in ServiceKind]


class IncidentForm(Dialog):
    """Dismisses with the incident's id when saved, None when cancelled."""

    HELP = ("Record what happened. The classification below updates as you type: it says whether section 48 "
            "applies and why. Times are UK local; dates day first.")
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the incident")]

    def __init__(self, incident: Incident | None = None) -> None:
        super().__init__()
        self.incident = incident

    def compose(self) -> ComposeResult:
        facts = self.incident.facts if self.incident else None
        now = self.capp.clock()
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Change the incident's facts" if facts else "New incident", classes="dialog-title")
            yield Field("Provider (legal entity and service)",
                        Input(value=facts.provider_name if facts else "", id="provider",
                              placeholder="e.g. Meadowbrook Care Homes Ltd"), id="f-provider")
            yield Field("Service kind", Select(SERVICE_OPTIONS, value=facts.service_kind.value if facts else
                                               ServiceKind.CARE_HOME.value, allow_blank=False, id="service"))
            yield Field("Where the service was carried on (council)",
                        Input(value=facts.area_code if facts else self._our_code(), id="area"),
                        hint="For home care: where people live, not the agency's office", id="f-area")
            event = facts.event_key if facts else "administration"
            yield Field("What happened (trigger)", Select(EVENT_OPTIONS, value=event, allow_blank=False, id="event"),
                        hint=CITATIONS[event], id="f-event", stacked=True)
            yield TickBox("Someone is carrying the service on", value=facts.continuing if facts else False,
                           id="continuing", compact=True)
            yield TickBox("Not a regulated activity", value=not facts.regulated if facts else False,
                           id="not-regulated", compact=True)
            yield Field("When we became aware (the duty starts here)",
                        Input(value=format_local(facts.aware_at if facts else now), id="aware-at"),
                        hint=self._aware_hint(), id="f-aware-at")
            yield Field("Date of the event itself (optional)",
                        Input(value=facts.event_date.strftime("%d/%m/%Y") if facts and facts.event_date else "",
                              id="event-date", placeholder="dd/mm/yyyy"), id="f-event-date")
            yield Field("CQC provider ID (optional)",
                        Input(value=(facts.cqc_provider_id or "") if facts else "", id="cqc",
                              placeholder="1-101234567"), id="f-cqc")
            yield Field("Lead officer", Input(value=facts.lead_officer if facts else self.store.officer,
                                              id="lead"), id="f-lead")
            if facts:
                yield Field("Why are the facts changing?", Input(id="reason"), id="f-reason")
            yield Static("", id="preview", markup=False)
            yield Button("Save (ctrl+s)", variant="primary", id="save")

    def _aware_hint(self) -> str:
        if self.incident is not None and self.incident.classification in (Classification.WARNING,
                                                                           Classification.MONITORING):
            return ("if this becomes s.48, the duty starts when we learnt of the failure: now, unless you type "
                    "that time here; this first awareness time is kept (s.52(1))")
        return "e.g. 01:40 or 23/11/2026 01:40"

    def _our_code(self) -> str:
        settings = lookups.settings(self.store)
        return settings.authority_code if settings else ""

    def on_mount(self) -> None:
        self.query_one("#provider", Input).focus()
        self.preview()

    @on(Select.Changed, "#event")
    def show_citation(self) -> None:
        field = self.query_one("#f-event", Field)
        field.hint = CITATIONS.get(str(self.query_one("#event", Select).value), "")
        field.show(None)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def preview(self) -> None:
        preview = self.query_one("#preview", Static)
        try:
            facts = self._facts(quiet=False)
        except BadInput as exc:
            preview.update(f"Classification: not yet: {plain(exc)}")
            return
        if self.incident is None:
            result = classify_for(self.store, facts)
        else:
            result = classify_change(self.store, self.incident, facts,
                                     aware_at_given=facts.aware_at != self.incident.facts.aware_at)[1]
        preview.update("Classification: " + result.classification.label + "\n" +
                       "\n".join(f"• {r}" for r in result.reasons))

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def _facts(self, *, quiet: bool = True):
        fields = {"provider": None, "area": None, "aware-at": None, "event-date": None, "cqc": None}
        now = self.capp.clock()
        aware_at: datetime = now
        event_date: date | None = None
        problems: list[str] = []
        try:
            aware_at = parse_local_datetime(self._value("aware-at"), now=now)
        except BadDate as exc:
            fields["aware-at"] = str(exc)
        if self._value("event-date").strip():
            try:
                event_date = parse_uk_date(self._value("event-date"))
            except BadDate as exc:
                fields["event-date"] = str(exc)
        if not self._value("provider").strip():
            fields["provider"] = "the provider's name is needed"
        area_text = self._value("area")
        try:
            area = lookups.resolve_authority(self.store, area_text)
            self.query_one("#f-area", Field).show(None, area.name)
        except LookupError as exc:
            fields["area"] = str(exc)
        for key, message in fields.items():
            if key in ("area",) and not message:
                continue
            self.query_one(f"#f-{key}", Field).show(message)
            if message:
                problems.append(message)
        if problems:
            raise BadInput(problems[0])
        try:
            facts = build_facts(
                self.store, provider=self._value("provider"), service=str(self.query_one("#service", Select).value),
                area=area_text, event=str(self.query_one("#event", Select).value), aware_at=aware_at,
                event_date=event_date, continuing=self.query_one("#continuing", Checkbox).value,
                regulated=False if self.query_one("#not-regulated", Checkbox).value else None,
                cqc_provider_id=self._value("cqc").strip() or None, lead_officer=self._value("lead"),
                # Facts the form does not show are kept as they are, not reset to their defaults.
                **self._facts_not_on_the_form(),
            )
        except BadInput as exc:
            if "CQC" in str(exc):
                self.query_one("#f-cqc", Field).show(str(exc))
            raise
        return facts

    def _facts_not_on_the_form(self) -> dict:
        if self.incident is None:
            return {}
        facts = self.incident.facts
        return {"registered": facts.registered, "cqc_location_ids": facts.cqc_location_ids,
                "insolvency_practitioner": facts.insolvency_practitioner}

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            facts = self._facts()
            if self.incident is None:
                incident = open_incident(self.store, facts)
            else:
                reason = self._value("reason").strip()
                if not reason:
                    self.query_one("#f-reason", Field).show("say why the facts are changing; it goes in the log")
                    self.focus_first_error()
                    return
                changes = {k: v for k, v in facts.model_dump().items() if getattr(self.incident.facts, k) != v}
                incident = change_facts(self.store, self.incident.id, reason=reason, **changes)
        except BadInput as exc:
            if self.query(".-error"):
                self.focus_first_error()
            self.place_error(exc, {"area": "f-area"})
            return
        self.notify(f"Incident {incident.id}: {incident.classification.label}")
        self.dismiss(incident.id)
