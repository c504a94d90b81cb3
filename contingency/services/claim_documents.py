"""Each claim's documents: a letter and a schedule (PDF and DOCX, through the letters machinery) and a
CSV for finance systems. All three are made from the same claim lines, so they agree to the penny.

On an EXERCISE store every document says EXERCISE – NOT A REAL INCIDENT (header, footer, body, file
name, and a column of the CSV), so none can pass for a live invoice (brief rule 29).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from contingency.ledger import Claim, ClaimKind, ClaimLine, ClaimStatus, Route
from contingency.letters.context import council_context, incident_context
from contingency.letters.render import Letter, build
from contingency.rules.costs import format_pounds, pounds_text
from contingency.rules.notifications import EXERCISE_MARK, addressee, for_letter
from contingency.rules.safe_text import csv_record
from contingency.rules.times import LONDON
from contingency.services.claims import find, today
from contingency.services.errors import BadInput
from contingency.services.incidents import require_settings
from contingency.services.notifications import EXERCISE_FILE_PREFIX, log_anchor
from contingency.services.output import output_folder
from contingency.services.progress import CancelCheck, Cancelled, Progress
from contingency.store import Store
from contingency.store.files import new_private_file

PAYMENT_DAYS = 28  # the playbook chases unpaid claims at 28 days

BASIS = {
    Route.RECOVER_ENGLISH: (
        "Care Act 2014 s.48(7) [verify numbering]: where another local authority arranged or paid for a person's "
        "care, the authority meeting the needs under section 48 may recover from it the cost of meeting them "
        "(brief rule 18)."),
    Route.RECOVER_CROSS_BORDER: (
        "Care Act 2014 s.49(3) [verify]: where a Welsh or Scottish local authority or a Northern Ireland HSC trust "
        "arranged or paid for the care, the authority meeting the needs may recover from it the cost of the needs "
        "it arranged or funded. Disputes go under Care Act 2014 Sch 1 para 5 and SI 2014/2843 (brief rule 20)."),
    Route.CHARGE_S48: (
        "Care Act 2014 s.48(5): we may charge for the care we arranged, but only the cost we incur, and never for "
        "information or advice (brief rule 16)."),
    Route.CHARGE_S49: (
        "Care Act 2014 s.49(3)(d) [verify]: we may charge only for care that the council which arranged your care "
        "did not arrange or fund, and only what it cost us (brief rule 17)."),
    Route.CHARGE_S14: (
        "Care Act 2014 s.14: your care is charged as it is now, under your existing financial assessment."),
}
ROUTE_SHORT = {
    Route.RECOVER_ENGLISH: "s.48(7)", Route.RECOVER_CROSS_BORDER: "s.49(3)", Route.CHARGE_S48: "s.48(5)",
    Route.CHARGE_S49: "s.49(3)(d)", Route.CHARGE_S14: "s.14",
}
CSV_COLUMNS = ("exercise", "claim_reference", "claim_kind", "recipient_ref", "recipient", "claim_status",
               "line_number", "cost_line_id", "allocation_id", "person_id", "person_name", "period_start",
               "period_end", "category", "description", "supplier", "route", "amount_pence", "amount_pounds")


def period_words(start: date, end: date) -> str:
    return f"{start:%d/%m/%Y}" if start == end else f"{start:%d/%m/%Y} to {end:%d/%m/%Y}"


def describe(line: ClaimLine) -> str:
    what = line.description or line.category.label
    credit = f"Credit reversing line {line.reversal_of}: " if line.reversal_of else ""
    supplier = "" if line.supplier.split(" (")[0].lower() in what.lower() else f", {line.supplier}"
    return f"{credit}{what}{supplier} (line {line.line_id})"


def document_rows(lines: list[ClaimLine]) -> list[dict[str, Any]]:
    """The rows every document shows, numbered in the same order."""
    return [{"number": number, "name": line.person_name, "person_id": line.person_id, "line_id": line.line_id,
             "item": (line.description or line.category.label), "description": describe(line),
             "period": period_words(line.period_start, line.period_end), "route": ROUTE_SHORT[line.route],
             "amount_pence": line.amount_pence}
            for number, line in enumerate(lines, start=1)]


def _issued_at(store: Store, claim: Claim) -> datetime:
    """A submitted claim's documents carry its submission date, so exporting again gives the same files."""
    if claim.submitted_on:
        return datetime.combine(claim.submitted_on, time(12, 0), LONDON)
    return store.clock()


def _context(store: Store, claim: Claim, lines: list[ClaimLine], issued_at: datetime) -> dict[str, Any]:
    settings = require_settings(store)
    ours = store.authorities.get(settings.authority_code)
    incident = store.incidents.get(claim.incident_id)
    rows = document_rows(lines)
    routes = list(dict.fromkeys(line.route for line in lines))
    pay_from = claim.submitted_on or issued_at.astimezone(LONDON).date()
    recipient = claim.recipient_name
    context: dict[str, Any] = {
        "exercise": claim.exercise, "exercise_mark": EXERCISE_MARK,
        "council": council_context(settings, ours),
        "incident": incident_context(incident, store.authorities.get(incident.facts.area_code)),
        "letter": {"reference": claim.reference, "date": issued_at, "recipient": recipient,
                   "basis": " ".join(for_letter(BASIS[route]) for route in routes),
                   "reply_by": pay_from + timedelta(days=PAYMENT_DAYS), "replaces": None, "kind": claim.kind.value},
        "claim": {"reference": claim.reference, "kind": claim.kind.value, "period_start": claim.period_start,
                  "period_end": claim.period_end, "lines": rows, "line_count": len(rows),
                  "total_pence": claim.total_pence, "excluded_note": claim.excluded_note},
    }
    if claim.kind is ClaimKind.CHARGE:
        person = store.people.get(int(claim.recipient_ref.removeprefix("person:")))
        name, representative = addressee(person.facts)
        context["person"] = {"name": person.facts.display_name, "addressee": name, "representative": representative,
                             "relationship": person.facts.nominee_relationship}
    return context


def _letters(store: Store, claim: Claim, lines: list[ClaimLine]) -> tuple[Letter, Letter]:
    settings = require_settings(store)
    ours = store.authorities.get(settings.authority_code)
    issued_at = _issued_at(store, claim)
    context = _context(store, claim, lines, issued_at)
    mark = f"{EXERCISE_MARK} · " if claim.exercise else ""
    prefix = EXERCISE_FILE_PREFIX if claim.exercise else ""
    common = {"header": f"{mark}{ours.name} · {settings.team}",
              "footer": f"{mark}{claim.reference} · {log_anchor(store, ('claim', claim.id, 'submit'))}",
              "issued_at": issued_at, "author": settings.team}
    template = "letter-claim-cover.md.j2" if claim.kind is ClaimKind.REIMBURSEMENT else "letter-charge.md.j2"
    letter, _ = build(template, context, stem=f"{prefix}{claim.reference}-letter", **common)
    schedule, _ = build("claim-schedule.md.j2", context, stem=f"{prefix}{claim.reference}-schedule", **common)
    return letter, schedule


def csv_rows(claim: Claim, lines: list[ClaimLine]) -> list[dict[str, Any]]:
    mark = EXERCISE_MARK if claim.exercise else ""
    return [{
        "exercise": mark, "claim_reference": claim.reference, "claim_kind": claim.kind.value,
        "recipient_ref": claim.recipient_ref, "recipient": claim.recipient_name, "claim_status": claim.status.value,
        "line_number": row["number"], "cost_line_id": line.line_id, "allocation_id": line.allocation_id,
        "person_id": line.person_id, "person_name": line.person_name, "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(), "category": line.category.value, "description": row["description"],
        "supplier": line.supplier, "route": line.route.value, "amount_pence": line.amount_pence,
        "amount_pounds": pounds_text(line.amount_pence),
    } for row, line in zip(document_rows(lines), lines)]


@dataclass(frozen=True)
class ClaimFile:
    claim: Claim
    document: str  # letter, schedule or csv
    path: Path
    sha256: str


def export(store: Store, incident_id: int, out_dir: Path, references: Iterable[str] | None = None, *,
           progress: Progress | None = None, cancelled: CancelCheck | None = None) -> list[ClaimFile]:
    """Write each claim's letter and schedule (PDF and DOCX) and CSV into `out_dir`, and log every file's
    SHA-256. Without `references`, every claim of the incident that has not been written off.

    Files are the owner's only (0600; folders made here 0700). `progress` hears (claims written, claims);
    `cancelled` stops between claims, keeping (and having logged) those already written."""
    from contingency.letters.docx import write_docx
    from contingency.letters.pdf import write_pdf

    store.incidents.get(incident_id)
    if references:
        claims = [find(store, ref) for ref in references]
        for claim in claims:
            if claim.incident_id != incident_id:
                raise BadInput(f"{claim.reference} belongs to incident {claim.incident_id}")
    else:
        claims = [c for c in store.claims.for_incident(incident_id) if c.status is not ClaimStatus.WRITTEN_OFF]
    out_dir = output_folder(out_dir, "the claims")
    written: list[ClaimFile] = []
    for finished, claim in enumerate(claims):
        if cancelled is not None and cancelled():
            raise Cancelled(f"stopped after {finished} of {len(claims)} claims; those written are kept and recorded"
                            if finished else "stopped before any claim was written", finished)
        if progress is not None:
            progress(finished, len(claims))
        lines = store.claims.lines(claim.id)
        letter, schedule = _letters(store, claim, lines)
        prefix = EXERCISE_FILE_PREFIX if claim.exercise else ""
        # Logged before any file takes its real name, as letters are: a file under a claim's name is
        # always one whose hash the log holds; a run that stops leaves only ".part" files.
        staged: list[tuple[str, Path, Path]] = []
        try:
            for document, source in (("letter", letter), ("schedule", schedule)):
                staged.append((document, *_stage(out_dir, f"{source.stem}.pdf", lambda p, s=source: write_pdf(s, p))))
                staged.append((document, *_stage(out_dir, f"{source.stem}.docx",
                                                 lambda p, s=source: write_docx(s, p))))
            staged.append(("csv", *_stage(out_dir, f"{prefix}{claim.reference}.csv",
                                          lambda p, c=claim, ls=lines: _write_csv(csv_rows(c, ls), p))))
            done = [ClaimFile(claim=claim, document=doc, path=target,
                              sha256=hashlib.sha256(staging.read_bytes()).hexdigest())
                    for doc, staging, target in staged]
            with store.write(f"{claim.reference} exported") as tx:
                tx.record("claim-export", claim.id, "export", incident_id=claim.incident_id,
                          after={"reference": claim.reference, "total_pence": claim.total_pence, "as_of": today(store),
                                 "files": [{"name": f.path.name, "sha256": f.sha256} for f in done]})
        except BaseException:
            for _doc, staging, _target in staged:
                staging.unlink(missing_ok=True)
            raise
        for _doc, staging, target in staged:
            os.replace(staging, target)
        written += done
    if progress is not None:
        progress(len(claims), len(claims))
    return written


def _stage(out_dir: Path, name: str, write) -> tuple[Path, Path]:
    """(temporary file beside the target, written; the target), so a half-written file never has the real name."""
    staging = new_private_file(out_dir / f".{name}.part")
    write(staging)
    return staging, out_dir / name


def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_record(row) for row in rows)


def summary(files: list[ClaimFile]) -> str:
    claims = {f.claim.reference: f.claim for f in files}
    total = sum(c.total_pence for c in claims.values())
    return (f"{len(files)} files for {len(claims)} {'claim' if len(claims) == 1 else 'claims'}, "
            f"{format_pounds(total)} in all")
