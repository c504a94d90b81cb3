"""What is owed by whom and how old it is: the incident's claims (to bodies) and charges (to people),
with status, total, balance and age in words, or one row per body with its ageing buckets (v).

Ages count from the submission date: 0-30, 31-60, 61-90, over 90 days. A claim carrying someone whose
ordinary residence is disputed is marked with * and the summary says when the referral is due.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from contingency.ledger import Claim, ClaimKind, ClaimStatus
from contingency.rules import costs as cost_rules
from contingency.rules.costs import AGE_BUCKETS, format_pounds
from contingency.rules.safe_text import printable
from contingency.rules.times import format_local
from contingency.rules.words import plural
from contingency.services import claim_documents as documents
from contingency.services import claims as service
from contingency.services import lookups
from contingency.services.costs import pounds
from contingency.services.errors import BadInput
from contingency.services.people import everyone_on
from contingency.store import Store
from contingency.tui.literal import cell
from contingency.tui.dialogs.money import (
    ActionDialog,
    Ask,
    DetailDialog,
    read_date,
)

BUCKET_HEADERS = ("0-30 days", "31-60 days", "61-90 days", "90+ days")


def short_name(store: Store, claim: Claim) -> str:
    kind, _, code = claim.recipient_ref.partition(":")
    if kind == "la":
        body = lookups.authority(store, code)
        return body.nice_name if body else claim.recipient_name
    return claim.recipient_name


def _age_cell(claim: Claim, today: date) -> Text:
    """Age in words, short enough for 80 columns: not sent, 0-30 days ... 90+ DAYS (paid or written off: -)."""
    if claim.status in (ClaimStatus.PAID, ClaimStatus.WRITTEN_OFF):
        return Text("-")
    words = service.age_words(claim, today)
    if words == AGE_BUCKETS[-1]:
        return Text("90+ DAYS", style="bold red")
    return Text(words, style="bold" if words == AGE_BUCKETS[-2] else "")


class ClaimsView(Vertical):
    DEFAULT_CSS = """
    ClaimsView { height: 1fr; }
    ClaimsView #claims-summary { height: auto; max-height: 4; padding: 0 1; margin: 1 0 0 0; }
    ClaimsView DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("b", "build", "Build", id="claims-build", tooltip="Draft claims from the ledger for a period"),
        Binding("m", "submit", "Sent", id="claims-submit", tooltip="Record that the claim was submitted, to whom"),
        Binding("p", "payment", "Paid", id="claims-paid", tooltip="Record a payment (part-paid or paid)"),
        Binding("x", "dispute", "Dispute", id="claims-dispute", tooltip="The recipient disputes it: care continues"),
        Binding("v", "toggle_view", "By body", id="claims-view",
                tooltip="One row per body with its ageing, or one per claim"),
        Binding("a", "acknowledge", "Ack", id="claims-ack", tooltip="The recipient acknowledged the claim"),
        Binding("w", "write_off", "Write off", id="claims-writeoff", tooltip="Write off the balance, with a decision"),
        Binding("g", "documents", "Documents", id="claims-documents",
                tooltip="Write the claim letter and schedule (PDF, DOCX) and the CSV for finance"),
        Binding("o", "or_dispute", "OR dispute", id="claims-or-dispute",
                tooltip="Record that an authority disputes a person's ordinary residence"),
        # Help and the palette list it; the footer keeps its room for the claim keys of every day.
        Binding("r", "resolve_or_dispute", "Resolve OR", id="claims-or-resolve", show=False,
                tooltip="Record how an ordinary-residence dispute was resolved (agreed, withdrawn, determined)"),
    ]

    def __init__(self, store: Store, incident_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.incident_id = incident_id
        self.by_body = False

    def compose(self) -> ComposeResult:
        yield Static("", id="claims-summary", markup=False)
        yield DataTable(id="claims-table", cursor_type="row", zebra_stripes=True)

    def on_show(self) -> None:
        self.reload()
        # The section's tab may still be hidden when the screen asks for focus: take it once shown.
        self.call_after_refresh(self.focus_table)

    @property
    def today(self) -> date:
        return service.today(self.store)

    def reload(self) -> None:
        today = self.today
        claims = service.claims_for_incident(self.store, self.incident_id)
        marked = service.disputed_claims(self.store, self.incident_id)
        table = self.query_one("#claims-table", DataTable)
        selected = self._selected_key()
        table.clear(columns=True)
        if self.by_body:
            self._by_body(table, today)
        else:
            self._by_claim(table, claims, marked, today)
        self.query_one("#claims-summary", Static).update(printable(self._summary(claims, marked, today)))
        if selected is not None and selected in [str(k.value) for k in table.rows]:
            table.move_cursor(row=table.get_row_index(selected))

    def _summary(self, claims: list[Claim], marked: dict, today: date) -> str:
        open_claims = [c for c in claims if c.status in cost_rules.OPEN and c.balance_pence > 0]
        owed = sum(c.balance_pence for c in open_claims)
        oldest = max((service.age_words(c, today) for c in open_claims), key=AGE_BUCKETS.index, default="")
        drafts = [c for c in claims if c.status is ClaimStatus.DRAFT]
        unclaimed = service.unclaimed_pence(self.store, self.incident_id)
        lines = [f"Owed to us {format_pounds(owed)} on {len(open_claims)} sent "
                 f"{'claim' if len(open_claims) == 1 else 'claims'}" + (f", oldest {oldest}" if oldest else ""),
                 f"Not sent: {format_pounds(sum(c.total_pence for c in drafts))} in {len(drafts)} drafts · not yet "
                 f"claimed: {format_pounds(unclaimed)}" + (" (b builds claims)" if unclaimed else "")]
        disputes = service.open_disputes(self.store, self.incident_id)
        if disputes:
            first = disputes[0]
            body = lookups.authority(self.store, first.authority_ref.partition(":")[2])
            lines.append(f"* OR DISPUTE ({plural(len(marked), 'claim')}): "
                         f"{body.nice_name if body else first.authority_name} {service.referral_words(first, today)}"
                         + (f"; {len(disputes) - 1} more" if len(disputes) > 1 else ""))
        return "\n".join(lines)

    def _by_claim(self, table: DataTable, claims: list[Claim], marked: dict, today: date) -> None:
        table.add_column("To", key="to", width=16)
        table.add_column("Ref", key="ref", width=8)
        table.add_column("Status", key="status", width=12)
        table.add_column("Total", key="total", width=10)
        table.add_column("Balance", key="balance", width=10)
        table.add_column("Age", key="age", width=10)
        names = {claim.id: short_name(self.store, claim) for claim in claims}
        for claim in sorted(claims, key=lambda c: (c.kind is ClaimKind.CHARGE, names[c.id], c.reference)):
            ref = claim.short_reference + ("*" if claim.id in marked else "")
            status = claim.status.value if claim.total_pence >= 0 else f"{claim.status.value} CR"
            table.add_row(cell(names[claim.id]), cell(ref), status, Text(format_pounds(claim.total_pence), justify="right"),
                          Text(format_pounds(claim.balance_pence), justify="right"), _age_cell(claim, today),
                          key=str(claim.id))

    def _by_body(self, table: DataTable, today: date) -> None:
        table.add_column("Owed by", key="who", width=16)
        table.add_column("Balance", key="balance", width=10)
        for header in BUCKET_HEADERS:
            table.add_column(header, key=header, width=10)
        debts = service.owed(self.store, today, self.incident_id)
        names = {}
        for debt in debts:
            body = lookups.authority(self.store, debt.recipient_ref.partition(":")[2])
            names[debt.recipient_ref] = body.nice_name if debt.kind is ClaimKind.REIMBURSEMENT and body \
                else debt.recipient_name
        oldest_first = {bucket: -index for index, bucket in enumerate(AGE_BUCKETS)}
        for debt in sorted(debts, key=lambda d: (oldest_first.get(d.oldest, 1), d.kind is ClaimKind.CHARGE,
                                                 -d.balance_pence, names[d.recipient_ref])):
            name = names[debt.recipient_ref]
            if not debt.balance_pence:
                none = [Text("-", justify="right") for _ in AGE_BUCKETS]
                table.add_row(cell(name), Text("not sent" if debt.draft_pence else "settled", justify="right"), *none,
                              key=debt.recipient_ref)
                continue
            cells = [Text(format_pounds(debt.buckets[b]) if debt.buckets[b] else "-", justify="right",
                          style="bold red" if b == AGE_BUCKETS[-1] and debt.buckets[b] else "")
                     for b in AGE_BUCKETS]
            table.add_row(cell(name), Text(format_pounds(debt.balance_pence), justify="right"), *cells,
                          key=debt.recipient_ref)

    def _selected_key(self) -> str | None:
        table = self.query_one("#claims-table", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def selected(self) -> Claim | None:
        key = self._selected_key()
        if self.by_body:
            self.app.notify("Press v to list the claims, then choose one", title="Choose a claim")
            return None
        if key is None:
            self.app.notify("No claim selected: b builds claims from the ledger", severity="warning")
            return None
        return service.get_claim(self.store, int(key))

    def focus_table(self) -> None:
        self.query_one("#claims-table", DataTable).focus()

    @on(DataTable.RowSelected, "#claims-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        if self.by_body:
            ref = str(event.row_key.value)
            self.by_body = False
            self.reload()
            table = self.query_one("#claims-table", DataTable)
            first = next((c for c in service.claims_for_incident(self.store, self.incident_id)
                          if c.recipient_ref == ref), None)
            if first is not None:
                table.move_cursor(row=table.get_row_index(str(first.id)))
            return
        claim = self.selected()
        if claim is not None:
            self.app.push_screen(DetailDialog(f"Claim {claim.reference}", claim_text(self.store, claim, self.today)))

    # --- actions ------------------------------------------------------------------------------------

    def _form(self, title: str, asks: list[Ask], act, *, hint: str = "", button: str = "Save") -> None:
        self.app.push_screen(ActionDialog(title, asks, act, hint=hint, button=button), lambda _: self.reload())

    def _on(self, values: dict) -> date | None:
        text = str(values.get("on", ""))
        return read_date(text, self.today, "date") if text else None

    def action_toggle_view(self) -> None:
        self.by_body = not self.by_body
        self.reload()

    def action_build(self) -> None:
        def act(values: dict) -> str:
            text = str(values["period"])
            period = None
            if text:
                try:
                    period = cost_rules.parse_period(text, today=self.today)
                except ValueError as exc:
                    raise BadInput(str(exc)) from None
            result = service.build(self.store, self.incident_id, period)
            if not result.claims:
                raise BadInput("nothing new to claim" + (": " + "; ".join(result.nothing_new[:2])
                                                          if result.nothing_new else ""))
            total = sum(c.total_pence for c in result.claims)
            left = sum(result.left_out.values())
            return (f"{len(result.claims)} draft claims, {format_pounds(total)}"
                    + (f"; {plural(left, 'line')} left out (already claimed or outside the period)" if left else ""))

        self._form("Build claims from the ledger", [Ask("period", "Period (blank = all)",
                                                        placeholder="01/11/2026..30/11/2026")], act,
                   hint="One claim per body we recover from, one charge per person we may charge. A line goes on a "
                        "claim only when all of its period falls inside; nothing is ever claimed twice.",
                   button="Build")

    def action_submit(self) -> None:
        claim = self.selected()
        if claim is None:
            return
        asks = [Ask("to", "To whom, and how", placeholder="e.g. accounts payable, by secure email"),
                Ask("on", "Date (blank = today)", placeholder="e.g. 24/11/2026")]
        if claim.exercise:
            asks.append(Ask("exercise", "EXERCISE: it went only to exercise participants, never a real finance team",
                            kind="check"))

        def act(values: dict) -> str:
            done = service.submit(self.store, claim.reference, str(values["to"]), self._on(values),
                                  exercise_confirmed=bool(values.get("exercise")))
            return f"{done.reference} submitted to {done.submitted_to} on {done.submitted_on:%d/%m/%Y}"

        self._form(f"Submitted: {claim.reference} to {claim.recipient_name}", asks, act)

    def action_acknowledge(self) -> None:
        claim = self.selected()
        if claim is None:
            return

        def act(values: dict) -> str:
            done = service.acknowledge(self.store, claim.reference, self._on(values), str(values["note"]))
            return f"{done.reference} acknowledged"

        self._form(f"Acknowledged: {claim.reference}", [Ask("on", "Date (blank = today)"), Ask("note", "Note")], act)

    def action_payment(self) -> None:
        claim = self.selected()
        if claim is None:
            return

        def act(values: dict) -> str:
            done = service.record_payment(self.store, claim.reference, pounds(str(values["amount"])),
                                          self._on(values), str(values["note"]))
            return f"{done.reference} is {done.status.value}: {format_pounds(done.balance_pence)} still owed"

        self._form(f"Payment on {claim.reference} ({format_pounds(claim.balance_pence)} owed)",
                   [Ask("amount", "Amount (£)", value=f"{claim.balance_pence / 100:.2f}" if claim.balance_pence > 0
                        else ""),
                    Ask("on", "Date paid (blank = today)"), Ask("note", "Remittance ref")], act)

    def action_dispute(self) -> None:
        claim = self.selected()
        if claim is None:
            return

        def act(values: dict) -> str:
            return service.dispute(self.store, claim.reference, str(values["reason"]))[1]

        self._form(f"Disputed: {claim.reference} by {claim.recipient_name}",
                   [Ask("reason", "What and why", placeholder="e.g. Bradford say she was self-funding")], act,
                   hint=service.CARE_CONTINUES)

    def action_write_off(self) -> None:
        claim = self.selected()
        if claim is None:
            return

        def act(values: dict) -> str:
            done = service.write_off(self.store, claim.reference, str(values["reason"]), str(values["rationale"]))
            return f"{done.reference} written off ({format_pounds(done.written_off_pence)}; decision " \
                   f"{done.writeoff_decision_id})"

        self._form(f"Write off {format_pounds(claim.balance_pence)} of {claim.reference}",
                   [Ask("reason", "Reason"), Ask("rationale", "Rationale")], act,
                   hint="A written-off claim's lines are never claimed again. The write-off is a decision entry.",
                   button="Write off")

    def action_documents(self) -> None:
        from contingency.tui.dialogs.claim_documents import ClaimDocumentsDialog

        # Many claims make many PDFs: written in a thread with a count, so the screen never freezes.
        k = None if self.by_body else self._selected_key()
        claim = service.get_claim(self.store, int(k)) if k else None
        self.app.push_screen(ClaimDocumentsDialog(self.incident_id, claim), lambda _: self.reload())

    def action_or_dispute(self) -> None:
        k = None if self.by_body else self._selected_key()
        claim = service.get_claim(self.store, int(k)) if k else None
        people = sorted(everyone_on(self.store, self.incident_id), key=lambda p: p.facts.display_name)
        on_claim = service.people_on_claim(self.store, claim.id) if claim else set()
        first = sorted(people, key=lambda p: p.id not in on_claim)
        options = tuple((f"{p.facts.display_name} ({p.id})", str(p.id)) for p in first)
        authority = short_name(self.store, claim) if claim and claim.kind is ClaimKind.REIMBURSEMENT else ""

        def act(values: dict) -> str:
            return service.add_or_dispute(self.store, int(str(values["person"])), str(values["authority"]),
                                          str(values["reason"]), self._on(values)).message

        self._form("Ordinary residence disputed", [
            Ask("person", "Person", kind="select", options=options),
            Ask("authority", "Disputed by", value=authority, placeholder="council name or code"),
            Ask("reason", "What they say"), Ask("on", "Arose on (blank = today)")], act,
            hint=f"{service.CARE_CONTINUES} Refer to the Secretary of State if unresolved after 4 months.")

    def action_resolve_or_dispute(self) -> None:
        disputes = service.open_disputes(self.store, self.incident_id)
        if not disputes:
            self.app.notify("No ordinary-residence dispute on this incident is open.", title="Nothing to resolve",
                            markup=False)
            return
        names = {p.id: p.facts.display_name for p in everyone_on(self.store, self.incident_id)}
        options = tuple((f"{d.id}: {d.authority_name}, {names.get(d.person_id, d.person_id)} "
                         f"({service.referral_words(d, self.today)})", str(d.id)) for d in disputes)

        def act(values: dict) -> str:
            dispute = service.resolve_or_dispute(self.store, int(str(values["dispute"])), str(values["resolution"]),
                                                 self._on(values))
            return f"Dispute {dispute.id} resolved on {dispute.resolved_on:%d/%m/%Y}: {dispute.resolution}"

        self._form("Ordinary-residence dispute resolved", [
            Ask("dispute", "Dispute", kind="select", options=options),
            Ask("resolution", "How", placeholder="agreed, withdrawn, determined by the Secretary of State ..."),
            Ask("on", "Resolved on (blank = today)")], act,
            hint="This closes the dispute and its referral date. The person's record still says disputed: set "
                 "their ordinary residence and its status there (e on the person).")


def claim_text(store: Store, claim: Claim, today: date) -> str:
    """One claim for the officer: who, what, how much, where it stands, every line and every step."""
    lines = service.claim_lines(store, claim.id)
    disputes = service.disputed_claims(store, claim.incident_id).get(claim.id, [])
    text = [
        f"{claim.kind.value.capitalize()} to {claim.recipient_name} · {claim.status.value} · "
        f"{service.age_words(claim, today)}" + (" · EXERCISE – NOT A REAL INCIDENT" if claim.exercise else ""),
        f"Period {claim.period_start:%d/%m/%Y} to {claim.period_end:%d/%m/%Y} · {plural(len(lines), 'line')}",
        f"Total {format_pounds(claim.total_pence)} · paid {format_pounds(claim.paid_pence)} · written off "
        f"{format_pounds(claim.written_off_pence)} · balance {format_pounds(claim.balance_pence)}",
    ]
    if claim.submitted_on:
        text.append(f"Submitted {claim.submitted_on:%d/%m/%Y} to {claim.submitted_to}")
    if claim.dispute_reason:
        text.append(f"Disputed: {claim.dispute_reason} (care continues)")
    if claim.excluded_note:
        text.append(f"Left out when built: {claim.excluded_note}")
    for dispute in disputes:
        text.append(f"* OR DISPUTE {dispute.id}: {dispute.authority_name}: {dispute.reason}; "
                    f"{service.referral_words(dispute, today)}")
    text += ["", "Lines:"]
    text += [f"  {format_pounds(line.amount_pence):>11}  {line.route.value:<9} {line.person_name}: "
             f"{documents.describe(line)}, {documents.period_words(line.period_start, line.period_end)}"
             for line in lines]
    text += ["", "History:"]
    text += [f"  {format_local(e.at)} {e.officer}: {e.action} -> {e.status_to.value}"
             + (f" ({format_pounds(e.amount_pence)})" if e.amount_pence is not None else "") + f" {e.reason}"
             for e in service.claim_events(store, claim.id)]
    return "\n".join(text)
