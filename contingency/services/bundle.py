"""The incident bundle: what a council keeps for audit and a cold debrief, readable without the app.

One folder, and a zip of it: a JSON file per table scoped to the incident with a README of its fields;
CSVs of the roster, costs and claims (formula-safe); every generated letter, claim document and
handover pack copied with the SHA-256 the store recorded (a file whose hash no longer matches is
flagged, never silently copied); the log's entries for the incident with the chain head and the result
of `log verify`.

`for_body` ("la:CODE" or "icb:CODE") writes only what concerns that body's people, as its letters do
(the same notification plan picks them): their minimum-data roster rows, the cost shares recoverable
from it, its claims and its letters. No decisions, no log entries (they name other people): the chain
head and the verify result only.

An exercise bundle is marked in its folder name, its README and every file name. Files are 0600 and
folders 0700; the folder is built under a temporary name and renamed into place whole, as is the zip.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from contingency.rules.authorities import AuthorityNotResolved
from contingency.rules.notifications import EXERCISE_MARK
from contingency.rules.safe_text import csv_row
from contingency.rules.times import LONDON, format_local, to_utc_iso
from contingency.services.errors import BadInput
from contingency.services.notifications import EXERCISE_FILE_PREFIX
from contingency.services.output import output_folder
from contingency.services.progress import CancelCheck, Cancelled, Progress
from contingency.store import Store
from contingency.store.files import OWNER_FILE, ensure_private_dir, new_private_file
from contingency.store.handover import HandoverRepo, TableDump

BUNDLE_ENTITY = "incident-bundle"

# Fields a body's bundle carries of each of its people: what its letter says of them, and no more.
_BODY_PERSON_FIELDS = ("id", "incident_id", "provider_ref", "first_name", "last_name", "preferred_name",
                       "date_of_birth", "nhs_number", "service_address", "service_kind", "weekly_cost_pence",
                       "funding", "funding_body", "icb_code", "or_code", "or_status", "basis", "status",
                       "status_detail", "merged_into")

ROSTER_COLUMNS = ("person_id", "provider_ref", "first_name", "last_name", "date_of_birth", "nhs_number",
                  "service_address", "home_postcode", "funding", "funding_body", "icb_code", "or_code", "basis",
                  "rag", "status", "status_detail", "notify", "flags")
BODY_ROSTER_COLUMNS = ("person_id", "provider_ref", "first_name", "last_name", "date_of_birth", "nhs_number",
                       "service_address", "funding", "basis", "status", "status_detail")
COSTS_COLUMNS = ("line_id", "allocation_id", "supplier", "category", "period_start", "period_end", "unit",
                 "rate_pence", "person_id", "person", "route", "recover_from", "amount_pence", "amount_pounds",
                 "reverses", "decision_id")
CLAIMS_COLUMNS = ("reference", "kind", "recipient_ref", "recipient", "period_start", "period_end", "total_pence",
                  "balance_pence", "status", "submitted_on", "submitted_to", "exercise")

# What the README says of a field; any other is described by its name and type.
FIELD_NOTES = {
    "id": "the record's number in the store",
    "incident_id": "the incident it belongs to",
    "person_id": "the person (people.id) it is about",
    "aware_at": "when the council became aware: the duty starts here (s.52(1)); UTC",
    "classification": "section-48-active, monitoring, urgent-need, warning or not-our-duty",
    "reasons": "the classification's or determination's reasons, in words (JSON list)",
    "basis": "the council's legal basis for the person: s48, s48+s49, existing-s18, nhs-icb, urgent-s19, "
             "not-our-duty, none-yet",
    "notify": "the bodies to tell about the person (JSON list of la:/icb: refs)",
    "flags": "what an officer must decide or fix (JSON list)",
    "rag": "RED, AMBER or GREEN risk rating",
    "status": "where the record stands now",
    "merged_into": "set when the record was merged into another (the kept record's id)",
    "amount_pence": "money in whole pence (integer)",
    "total_pence": "money in whole pence (integer)",
    "rate_pence": "money in whole pence (integer)",
    "weekly_cost_pence": "money in whole pence (integer)",
    "route": "the legal route of a cost share: s48(7), s49(3), s48(5), s49(3)(d), s14, nhs, absorbed",
    "recover_from": "the body a share is recovered from (la:GSS or icb:GSS)",
    "sha256": "SHA-256 of the file when it was made",
    "reference": "the document's reference",
    "decided_at": "when the decision was made; UTC",
    "logged_at": "when it was recorded; UTC",
    "late_reason": "why it was recorded late or dated before the incident",
    "evidence": "what was recorded to complete the step (JSON)",
    "created_at": "when it was recorded; UTC",
    "as_at": "the time the handover pack describes; UTC",
}


@dataclass(frozen=True)
class Document:
    kind: str  # letter, claim, handover-pack
    reference: str
    name: str
    sha256: str  # as the store recorded it
    status: str  # copied, hash-differs, not-found
    found_at: str = ""


@dataclass(frozen=True)
class BundleResult:
    folder: Path
    zip_path: Path
    zip_sha256: str
    files: tuple[tuple[str, str], ...]  # (name inside the folder, sha256)
    documents: tuple[Document, ...]
    head: str  # the chain head, N:HASH (full hash)
    verified: bool
    problem: str
    for_ref: str | None
    people: int
    exercise: bool

    @property
    def flagged(self) -> list[Document]:
        return [d for d in self.documents if d.status != "copied"]


@dataclass
class _Writer:
    """Writes files into the staging folder: 0600, and every file's hash kept for SHA256SUMS."""

    root: Path
    prefix: str
    written: list[tuple[str, str]] = field(default_factory=list)

    def name(self, name: str) -> str:
        return name if name.startswith(self.prefix) else f"{self.prefix}{name}"

    def bytes(self, relative: str, data: bytes) -> str:
        parts = relative.split("/")
        parts[-1] = self.name(parts[-1])
        relative = "/".join(parts)
        path = self.root / relative
        ensure_private_dir(path.parent)
        new_private_file(path)
        path.write_bytes(data)
        self.written.append((relative, hashlib.sha256(data).hexdigest()))
        return relative

    def json(self, relative: str, value: Any) -> str:
        return self.bytes(relative, (json.dumps(value, ensure_ascii=False, indent=1, default=str) + "\n")
                          .encode("utf-8"))

    def csv(self, relative: str, columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(csv_row(list(columns)))
        for row in rows:
            writer.writerow(csv_row(list(row)))
        return self.bytes(relative, out.getvalue().encode("utf-8"))


def resolve_body(store: Store, text: str) -> tuple[str, str]:
    """'la:CODE' or 'icb:CODE' (a code or name the app resolves) as (ref, name)."""
    kind, colon, code = text.strip().partition(":")
    kind = kind.lower()
    if not colon or kind not in ("la", "icb") or not code.strip():
        raise BadInput(f"for {text!r}: write la:CODE or icb:CODE, e.g. la:Bradford or icb:QWO")
    try:
        if kind == "la":
            found = store.authorities.resolve(code)
            return found.ref, found.name
        icb = store.icbs.resolve(code)
        return icb.ref, icb.name
    except (AuthorityNotResolved, LookupError) as exc:
        raise BadInput(f"for {text}: {exc}") from None


def default_folder(incident_id: int) -> str:
    return f"~/contingency-bundles/INC{incident_id}"


def export(store: Store, incident_id: int, out_dir: Path | str, *, for_body: str | None = None,
           letter_dirs: Iterable[Path | str] = (), progress: Progress | None = None,
           cancelled: CancelCheck | None = None) -> BundleResult:
    from contingency.services.notifications import roster

    incident = store.incidents.get(incident_id)
    out_dir = output_folder(out_dir, "the bundle")
    body_ref, body_name = resolve_body(store, for_body) if for_body else (None, "")
    repo = HandoverRepo(store)
    now = store.clock()
    exercise = store.is_exercise
    prefix = EXERCISE_FILE_PREFIX if exercise else ""

    people_ids: set[int] | None = None
    if body_ref is not None:
        plan = roster(store, incident_id).plan(body_ref)
        if plan is None:
            raise BadInput(f"nobody on incident {incident_id}'s roster is for {body_name} now: there is nothing "
                           "to hand to it")
        people_ids = set(plan.person_ids)

    tables = repo.incident_tables(incident_id)
    if body_ref is not None:
        tables = _for_body(tables, body_ref, people_ids)
    documents = _documents(store, repo, incident_id, body_ref, letter_dirs)
    total = len(tables) + 3 + len(documents) + 3
    done = 0

    def step() -> None:
        nonlocal done
        if cancelled is not None and cancelled():
            raise Cancelled("stopped before the bundle was finished; nothing was kept", 0)
        done += 1
        if progress is not None:
            progress(done, total)

    stamp = now.astimezone(LONDON).strftime("%Y%m%d-%H%M")
    suffix = f"-for-{body_ref.replace(':', '-')}" if body_ref else ""
    name = _free_name(out_dir, f"{prefix}INC{incident_id}-bundle-{stamp}{suffix}")
    staging = out_dir / f".{name}.part"
    if staging.exists():
        shutil.rmtree(staging)
    ensure_private_dir(staging)
    zip_staging: Path | None = None
    try:
        writer = _Writer(staging, prefix)
        mark = EXERCISE_MARK if exercise else None
        for dump in tables:
            writer.json(f"tables/{dump.table}.json", {
                "exercise": mark, "table": dump.table, "incident_id": incident_id, "scope": dump.scope,
                "columns": [{"name": c.name, "type": c.type} for c in dump.columns], "rows": list(dump.rows)})
            step()
        _csvs(store, writer, incident_id, body_ref, people_ids)
        for _ in range(3):
            step()
        for document in documents:
            if document.found_at:
                writer.bytes(f"documents/{document.name}", Path(document.found_at).read_bytes())
            step()
        writer.json("documents.json", {"exercise": mark, "documents": [d.__dict__ for d in documents]})
        verification = store.verify_log()
        head = f"{verification.entries}:{verification.head}"
        log = {"exercise": mark, "incident_id": incident_id, "chain_head": head,
               "anchor": str(store.log_head()), "entries_in_log": verification.entries,
               "verify": {"ok": verification.ok, "problem": verification.problem,
                          "first_bad_seq": verification.first_bad_seq},
               "entries": [] if body_ref else repo.log_for_incident(incident_id)}
        if body_ref:
            log["left_out"] = "the log's entries name people of every body: only the chain head is given"
        writer.json("log.json", log)
        step()
        readme = _readme(store, incident, tables, documents, log, body_ref, body_name, people_ids, now, writer)
        writer.bytes("README.md", readme.encode("utf-8"))
        sums = "".join(f"{digest}  {relative}\n" for relative, digest in writer.written)
        writer.bytes("SHA256SUMS", sums.encode("utf-8"))
        step()
        zip_staging = new_private_file(out_dir / f".{name}.zip.part")
        with zipfile.ZipFile(zip_staging, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for relative, _digest in sorted(writer.written):
                info = zipfile.ZipInfo(f"{name}/{relative}", date_time=now.astimezone(LONDON).timetuple()[:6])
                info.external_attr = (OWNER_FILE | 0o100000) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, (staging / relative).read_bytes())
        zip_sha = hashlib.sha256(zip_staging.read_bytes()).hexdigest()
        folder, zip_path = out_dir / name, out_dir / f"{name}.zip"
        with store.write(f"incident bundle for incident {incident_id} exported"
                         + (f" for {body_name}" if body_ref else "")) as tx:
            tx.record(BUNDLE_ENTITY, incident_id, "export", incident_id=incident_id, after={
                "folder": str(folder), "zip": zip_path.name, "zip_sha256": zip_sha, "for": body_ref,
                "files": len(writer.written), "chain_head": head, "verified": verification.ok,
                "documents_flagged": [d.name for d in documents if d.status != "copied"]})
        os.replace(staging, folder)
        os.replace(zip_staging, zip_path)
        step()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if zip_staging is not None:
            zip_staging.unlink(missing_ok=True)
        raise
    return BundleResult(folder=folder, zip_path=zip_path, zip_sha256=zip_sha, files=tuple(writer.written),
                        documents=tuple(documents), head=head, verified=verification.ok,
                        problem=verification.problem, for_ref=body_ref,
                        people=len(people_ids) if people_ids is not None else incident.people_count,
                        exercise=exercise)


def _free_name(out_dir: Path, name: str) -> str:
    candidate, number = name, 1
    while (out_dir / candidate).exists() or (out_dir / f"{candidate}.zip").exists():
        number += 1
        candidate = f"{name}-{number}"
    return candidate


# --- a body's share of the tables ------------------------------------------------------------------------


def _for_body(tables: list[TableDump], ref: str, people: set[int]) -> list[TableDump]:
    by_name = {t.table: t for t in tables}

    def keep(name: str, scope: str, rows: list[dict[str, Any]], fields: Iterable[str] | None = None) -> TableDump:
        dump = by_name[name]
        columns = dump.columns if fields is None else tuple(c for c in dump.columns if c.name in fields)
        names = [c.name for c in columns]
        return TableDump(name, scope, columns, tuple({k: r[k] for k in names} for r in rows))

    out = []
    if "incidents" in by_name:
        out.append(by_name["incidents"])
    if "people" in by_name:
        out.append(keep("people", f"the people {ref}'s letter covers, minimum fields",
                        [r for r in by_name["people"].rows if r["id"] in people], _BODY_PERSON_FIELDS))
    notifications = [r for r in by_name.get("notifications", _EMPTY).rows if r["recipient_ref"] == ref]
    if "notifications" in by_name:
        out.append(keep("notifications", f"letters to {ref}", notifications))
    note_ids = {r["id"] for r in notifications}
    if "notification_documents" in by_name:
        out.append(keep("notification_documents", f"documents of the letters to {ref}",
                        [r for r in by_name["notification_documents"].rows if r["notification_id"] in note_ids]))
    shares = [r for r in by_name.get("cost_allocations", _EMPTY).rows if r["recover_from"] == ref]
    if "cost_allocations" in by_name:
        out.append(keep("cost_allocations", f"cost shares recoverable from {ref}", shares))
    line_ids = {r["line_id"] for r in shares}
    if "cost_lines" in by_name:
        lines = [r for r in by_name["cost_lines"].rows if r["id"] in line_ids]
        # A line's description is free text that may name anyone; its supplier, period and rate stay.
        out.append(keep("cost_lines", "the cost lines of those shares (without their free-text description)",
                        lines, [c.name for c in by_name["cost_lines"].columns if c.name != "description"]))
    claims = [r for r in by_name.get("claims", _EMPTY).rows if r["recipient_ref"] == ref]
    if "claims" in by_name:
        out.append(keep("claims", f"claims to {ref}", claims))
    claim_ids = {r["id"] for r in claims}
    for child in ("claim_lines", "claim_payments", "claim_events"):
        if child in by_name:
            out.append(keep(child, f"{child.replace('_', ' ')} of the claims to {ref}",
                            [r for r in by_name[child].rows if r.get("claim_id") in claim_ids]))
    return out


_EMPTY = TableDump("", "", (), ())


# --- CSVs -------------------------------------------------------------------------------------------------


def _csvs(store: Store, writer: _Writer, incident_id: int, body_ref: str | None, people_ids: set[int] | None) -> None:
    from contingency.services.costs import ledger

    people = store.people.all(incident_id, provenance=False)
    if people_ids is not None:
        people = [p for p in people if p.id in people_ids]
        writer.csv("roster.csv", BODY_ROSTER_COLUMNS, (
            [p.id, p.facts.provider_ref, p.facts.first_name, p.facts.last_name,
             p.facts.date_of_birth.isoformat() if p.facts.date_of_birth else "", p.facts.nhs_number or "",
             p.facts.service_address, p.facts.funding.value, p.determination.basis.value, p.facts.status.value,
             p.facts.status_detail] for p in people))
    else:
        writer.csv("roster.csv", ROSTER_COLUMNS, (
            [p.id, p.facts.provider_ref, p.facts.first_name, p.facts.last_name,
             p.facts.date_of_birth.isoformat() if p.facts.date_of_birth else "", p.facts.nhs_number or "",
             p.facts.service_address, p.facts.home_postcode, p.facts.funding.value, p.facts.funding_body or "",
             p.facts.icb_code or "", p.facts.or_code or "", p.determination.basis.value,
             p.facts.rag.value if p.facts.rag else "", p.facts.status.value, p.facts.status_detail,
             " ".join(p.determination.notify), " ".join(f.value for f in p.determination.flags)] for p in people))
    book = ledger(store, incident_id)
    rows = []
    for row in book.rows:
        share, line = row.allocation, row.line
        if body_ref is not None and share.recover_from != body_ref:
            continue
        rows.append([line.id, share.id, line.supplier, line.category.value, line.period_start.isoformat(),
                     line.period_end.isoformat(), line.unit.value, line.rate_pence, share.person_id, row.person_name,
                     share.route.value, share.recover_from or "", share.amount_pence, _pounds(share.amount_pence),
                     share.reverses or "", line.decision_id])
    writer.csv("costs.csv", COSTS_COLUMNS, rows)
    claims = [c for c in store.claims.for_incident(incident_id) if body_ref is None or c.recipient_ref == body_ref]
    writer.csv("claims.csv", CLAIMS_COLUMNS, (
        [c.reference, c.kind.value, c.recipient_ref, c.recipient_name, c.period_start.isoformat(),
         c.period_end.isoformat(), c.total_pence, c.balance_pence, c.status.value,
         c.submitted_on.isoformat() if c.submitted_on else "", c.submitted_to, int(c.exercise)] for c in claims))


def _pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


# --- documents ------------------------------------------------------------------------------------------


def _documents(store: Store, repo: HandoverRepo, incident_id: int, body_ref: str | None,
               letter_dirs: Iterable[Path | str]) -> list[Document]:
    """Every document the store recorded for the incident, looked for where it was likely written."""
    given = [Path(d).expanduser() for d in letter_dirs]
    letters_home = [*given, Path(f"~/contingency-letters/INC{incident_id}").expanduser()]
    claims_home = [*given, Path(f"~/contingency-claims/INC{incident_id}").expanduser()]
    found: list[Document] = []
    for row in repo.letter_documents(incident_id):
        if body_ref is not None and row["recipient_ref"] != body_ref:
            continue
        found.append(_look("letter", row["reference"], row["file_name"], row["sha256"], letters_home))
    claims = {c.reference: c for c in store.claims.for_incident(incident_id)}
    for export_ in repo.claim_exports(incident_id):
        claim = claims.get(export_["reference"])
        if body_ref is not None and (claim is None or claim.recipient_ref != body_ref):
            continue
        for file in export_["files"]:
            found.append(_look("claim", export_["reference"], file["name"], file["sha256"], claims_home))
    if body_ref is None:
        for pack in repo.for_incident(incident_id):
            home = [Path(pack.path).parent, *given]
            for file in pack.files:
                found.append(_look("handover-pack", f"pack {pack.id} as at {format_local(pack.as_at)}",
                                   file["name"], file["sha256"], home))
    # One copy of each file: a letter regenerated with the same bytes is recorded twice.
    unique: dict[tuple[str, str], Document] = {}
    for document in found:
        unique.setdefault((document.name, document.sha256), document)
    return list(unique.values())


def _look(kind: str, reference: str, name: str, sha256: str, folders: list[Path]) -> Document:
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        return Document(kind, reference, name, sha256, "not-found")
    seen_other = ""
    for folder in folders:
        path = folder / name
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest == sha256:
                return Document(kind, reference, name, sha256, "copied", str(path))
            seen_other = seen_other or str(path)
    if seen_other:
        return Document(kind, reference, name, sha256, "hash-differs", seen_other)
    return Document(kind, reference, name, sha256, "not-found")


# --- README -----------------------------------------------------------------------------------------------


def _readme(store: Store, incident, tables: list[TableDump], documents: list[Document], log: dict[str, Any],
            body_ref: str | None, body_name: str, people_ids: set[int] | None, now: datetime,
            writer: _Writer) -> str:
    lines = []
    if store.is_exercise:
        lines += [f"**{EXERCISE_MARK}**", "", ("Every file in this bundle is from an EXERCISE store; its name starts "
                  f"with {EXERCISE_FILE_PREFIX}. Nothing in it is a real person or a real debt."), ""]
    facts = incident.facts
    lines += [f"# Incident bundle: {facts.provider_name}, incident {incident.id}", "",
              f"- Classification: {incident.classification.label}",
              f"- Duty started: {format_local(facts.aware_at)} (Europe/London)",
              f"- Exported: {format_local(now)} (Europe/London) by {store.officer}; {to_utc_iso(now)} UTC"]
    if body_ref:
        lines += [(f"- **For {body_name} ({body_ref}) only**: {len(people_ids or ())} people, the ones its letter "
                  "covers, with the fields its letter gives; the cost shares recoverable from it, its claims and "
                  "its letters. Decisions, the log's entries, other bodies' people and handover packs are left out.")]
    verify = log["verify"]
    lines += [(f"- Event log: chain head {log['chain_head']} (anchor {log['anchor']}); "
              f"`log verify`: {'OK' if verify['ok'] else 'FAILED: ' + verify['problem']}"),
              "", ("Check this store against the bundle later with `contingency log verify --head "
              f"{log['anchor']}`."), "",
              "## Files", "",
              ("- `tables/*.json`: one file per table, the rows that belong to this incident "
              "(`columns`, `rows`; times are UTC ISO, money whole pence)"),
              (f"- `{writer.name('roster.csv')}`, `{writer.name('costs.csv')}`, `{writer.name('claims.csv')}`: "
              "spreadsheets; a text cell starting =, +, - or @ is prefixed with ' so no formula runs"),
              (f"- `documents/`: copies of the generated documents; `{writer.name('documents.json')}` lists each "
              "with the SHA-256 the store recorded and whether the copy matches"),
              (f"- `{writer.name('log.json')}`: the log's entries for the incident (before and after each change), "
              "the chain head and the result of `log verify`"),
              f"- `{writer.name('SHA256SUMS')}`: the SHA-256 of every file (`sha256sum -c`)", "",
              "Key-safe codes are never exported.", "", "## Documents", ""]
    if documents:
        lines += ["| Kind | Reference | File | Recorded SHA-256 | Copy |", "|---|---|---|---|---|"]
        words = {"copied": "copied, matches", "hash-differs": ("**HASH DIFFERS: the file was changed after "
                                                                    "it was made**"), "not-found": "**not found**"}
        for d in documents:
            lines.append(f"| {d.kind} | {_md(d.reference)} | {_md(d.name)} | {d.sha256} | {words[d.status]} |")
        lines.append("")
        if any(d.status == "hash-differs" for d in documents):
            lines += [("A file whose hash differs is still copied, so it can be examined, but it is not the "
                      "document the store recorded."), ""]
    else:
        lines += ["No documents were generated for this incident.", ""]
    lines += ["## Tables and their fields", ""]
    for dump in tables:
        lines += [f"### {dump.table} ({len(dump.rows)} rows)", "", f"Rows: {dump.scope}.", "",
                  "| Field | Type | Meaning |", "|---|---|---|"]
        for column in dump.columns:
            lines.append(f"| {column.name} | {column.type or '-'} | {FIELD_NOTES.get(column.name, '')} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
