"""Import the provider's list of people. Nobody is dropped; the import lands whole or not at all.

imported + merged + rejected = data rows, always. A bad field is kept as a flag quoting the value;
only a row with nothing to identify a person, or a total or note among the rows, is rejected, and it
is kept with its reason. A key-safe code is never written into a rejected row, notes or the log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from contingency import collector
from contingency.person import DataIssue, Flag, Funding, PersonFacts, Source
from contingency.rules.authorities import normalise
from contingency.rules.columns import (
    IDENTITY_FIELDS,
    IMPORT_FIELDS,
    NOT_A_COUNCIL,
    field_for_header,
    furniture_reason,
    header_score,
    map_headers,
    mask_secret,
    provider_rating_reason,
)
from contingency.rules.normalise import FieldParser, FieldProblem, clean_text, word_key
from contingency.rules.words import plural
from contingency.services.errors import BadInput
from contingency.services.people import (
    RosterContext,
    context_for,
    field_parser,
    fold_facts,
)
from contingency.services.progress import CancelCheck, Progress, tick
from contingency.services.tabular import (
    CELL_LIMIT,
    Limits,
    Table,
    read_table,
    write_csv,
)
from contingency.store import Store
from contingency.store.files import new_private_file
from contingency.store.people import person_row

# What a mapping may say of a column besides naming a field: not read at all, or kept in the person's
# notes as "Header: value" (what happens to a column nobody recognises).
IGNORE = "ignore"
KEEP = "keep"
MAPPING_VALUES = (IGNORE, KEEP)


@dataclass
class ImportSummary:
    file_name: str
    data_rows: int
    blank_rows: int
    imported: int = 0
    merged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    flags: Counter[str] = field(default_factory=Counter)
    unmapped_headers: list[str] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    rejects_problem: str | None = None  # why the rejects file could not be written, and where they are instead
    import_id: int | None = None
    header: str = ""  # which row (and sheet) held the headers, and why that one
    header_row: int | None = None
    sheet: str | None = None
    above_header: list[str] = field(default_factory=list)  # what was above the headers, not read as people

    @property
    def balanced(self) -> bool:
        return self.imported + self.merged + len(self.rejected) == self.data_rows

    def as_json(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id, "file": self.file_name, "data_rows": self.data_rows,
            "blank_rows": self.blank_rows, "imported": self.imported, "merged": self.merged,
            "rejected": self.rejected, "flags": dict(self.flags), "unmapped_headers": self.unmapped_headers,
            "ignored_headers": self.ignored_headers, "rejects_file": self.rejects_file,
            "rejects_problem": self.rejects_problem, "balanced": self.balanced, "header": self.header,
            "header_row": self.header_row, "sheet": self.sheet, "above_header": self.above_header,
        }

    def sentence(self) -> str:
        flag_text = ", ".join(f"{n} {k}" for k, n in self.flags.most_common()) or "none"
        lines = [self.header] if self.header else []
        lines += [
            f"{self.file_name}: {self.data_rows} data rows = {self.imported} imported + {self.merged} merged "
            f"+ {len(self.rejected)} rejected" + (" (checked)" if self.balanced else " (DOES NOT ADD UP)"),
            f"flags to fix: {flag_text}",
        ]
        if self.above_header:
            shown = ", ".join(repr(text[:60]) for text in self.above_header[:4])
            more = f" and {len(self.above_header) - 4} more" if len(self.above_header) > 4 else ""
            lines.append(f"{plural(len(self.above_header), 'line')} above the headers not read as people: {shown}{more}")
        if self.blank_rows:
            lines.append(f"{plural(self.blank_rows, 'blank line')} ignored")
        if self.unmapped_headers:
            lines.append(f"columns not recognised (kept in notes): {', '.join(self.unmapped_headers)}")
        if self.ignored_headers:
            lines.append(f"columns ignored as asked (not imported): {', '.join(self.ignored_headers)}")
        for reject in self.rejected:
            lines.append(f"rejected row {reject['row']}: {reject['reason']}")
        if self.rejects_file:
            lines.append(f"rejected rows written to {self.rejects_file}")
        if self.rejects_problem:
            lines.append(self.rejects_problem)
        return "\n".join(lines)


def load_mapping(store: Store, spec: str | None) -> dict[str, str]:
    """A header mapping from a TOML/JSON file ({"Header in file" = "field"}) or one saved by name."""
    if not spec:
        return {}
    path = Path(spec)
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text("utf-8")) if path.suffix == ".toml" else json.loads(path.read_text("utf-8"))
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise BadInput(f"mapping file {path}: {exc}") from None
        if not isinstance(data, dict):
            raise BadInput(f"mapping file {path} holds a {type(data).__name__}, not a mapping; write it as "
                           '{"Header in file": "field", ...} (JSON) or "Header in file" = "field" lines (TOML)')
        mapping = {str(k): str(v) for k, v in data.items()}
    else:
        saved = store.people.saved_mapping(spec)
        if saved is None:
            raise BadInput(f"{spec!r} is neither a mapping file nor a saved mapping")
        mapping = saved
    bad = {v for v in mapping.values() if v not in IMPORT_FIELDS and v not in MAPPING_VALUES}
    if bad:
        raise BadInput(f"mapping names unknown field(s) {', '.join(sorted(bad))}; "
                       f"fields are: {', '.join(IMPORT_FIELDS)}; or {IGNORE!r} (not imported) or "
                       f"{KEEP!r} (kept in notes)")
    return mapping


def save_mapping(store: Store, name: str, mapping: dict[str, str]) -> None:
    with store.write(f"column mapping {name!r} saved") as tx:
        store.people.save_mapping(tx, name, mapping)


def import_file(store: Store, incident_id: int, path: Path, *, mapping: dict[str, str] | None = None,
                sheet: str | None = None, header_row: int | None = None, write_rejects: bool = True,
                progress: Progress | None = None, cancelled: CancelCheck | None = None,
                limits: Limits | None = None) -> ImportSummary:
    """`progress` hears (rows read, data rows); `cancelled` stops the import, which then lands not at all.
    The header row (and sheet) is found by how many headers it has that we know, unless given.
    A file past `limits` is refused whole while it is read, before the store's write lock is asked for."""
    # Each row makes a few hundred objects, all freed by reference counting: the collector found nothing in
    # them, and walking them was 7 % of a 50,000-row import.
    with collector.paused():
        table = _read(path, mapping or {}, sheet, header_row, limits)
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest = digest.hexdigest()
        summary = import_table(store, incident_id, table, file_name=path.name, sha256=digest,
                               mapping=mapping or {}, progress=progress, cancelled=cancelled)
    if summary.rejected and write_rejects:
        _write_rejects(summary, path.with_name(f"{path.stem}.rejects.csv"), table.headers)
    return summary


def _write_rejects(summary: ImportSummary, rejects: Path, headers: list[str]) -> None:
    """The rejected rows, owner-only like the store, beside the provider's file.

    By now the import has landed with its rejected rows in the store, so this file is a copy for the
    officer: failing to write it must not make a landed import look failed, so the failure is told, not
    raised. It is written under a temporary name and renamed, which never follows a link at its name."""
    problem = None
    if rejects.is_symlink():
        problem = "that name is a symbolic link, which is not followed or replaced"
    elif rejects.is_dir():
        problem = "that name is a folder"
    else:
        staging = rejects.with_name(f".{rejects.name}.part")
        try:
            new_private_file(staging)
            write_csv(staging, ["row", "reason", *headers],
                      [[r["row"], r["reason"], *r["values"]] for r in summary.rejected])
            os.replace(staging, rejects)
        except OSError as exc:
            problem = exc.strerror or str(exc)
            try:
                staging.unlink(missing_ok=True)
            except OSError:
                pass  # the folder that refused the file may refuse this too; only a hidden .part is left
    if problem is None:
        summary.rejects_file = str(rejects)
    else:
        summary.rejects_problem = (f"the rejected rows are kept in the store (import {summary.import_id}, "
                                   f"'import_rejects'), but could not be written to {rejects}: {problem}")


# People are determined and written this many at a time: memory stays flat however long the list is.
CHUNK = 1000
# A list of at least this many people, more than the table holds already, is written with the table's plain
# indexes set aside and made again after (store.people.indexes_set_aside).
REMAKE_INDEXES_FROM = 1000


def import_table(store: Store, incident_id: int, table: Table, *, file_name: str, sha256: str,
                 mapping: dict[str, str], progress: Progress | None = None,
                 cancelled: CancelCheck | None = None) -> ImportSummary:
    context = context_for(store, incident_id)
    parser = field_parser(store)
    columns, ignored = _map_columns(table.headers, mapping)
    total = len(table.rows)
    summary = ImportSummary(file_name=file_name, data_rows=total, blank_rows=table.blank_rows,
                            unmapped_headers=[h for i, h in enumerate(table.headers)
                                              if i not in columns and i not in ignored and h],
                            ignored_headers=[table.headers[i] for i in sorted(ignored)],
                            header=_header_sentence(table, columns), header_row=table.header_row,
                            sheet=table.sheet, above_header=[text for _n, text in table.above])
    secret_columns = _secret_columns(table.headers, columns, ignored)
    builder = _RowBuilder(parser, columns, table.headers, file_name, ignored)
    reason = f"imported from {file_name}"
    with store.write(f"import of {file_name}") as tx:
        # Who is already on the roster is read under the write lock: the same list imported twice at once
        # must find the first import's people, not a roster read before they landed.
        on_roster = store.people.nhs_numbers(incident_id)
        batch = _Batch(store, tx, context, incident_id, tx.next_id("people"), file_name)
        step = tick(progress, cancelled, message=f"stopped: nothing from {file_name} was imported")
        big = total >= REMAKE_INDEXES_FROM and total > store.people.size()
        with store.people.indexes_set_aside(tx) if big else nullcontext():
            for done, (number, values) in enumerate(table.rows):
                if done % 200 == 0 and (progress or cancelled):
                    step(done, total)
                values = _storable(values)
                facts, reject = builder.build(number, values)
                if facts is None:
                    summary.rejected.append({"row": number, "reason": reject, "values": [
                        mask_secret(clean_text(v)) if i in secret_columns else _plain(v)
                        for i, v in enumerate(values)]})
                    continue
                if facts.nhs_number:
                    if batch.fold(facts.nhs_number, facts, f"{file_name} row {number} (same NHS number)"):
                        summary.merged += 1
                        continue
                    existing = store.people.get(on_roster[facts.nhs_number]) if facts.nhs_number in on_roster else None
                    if existing is not None:
                        merged = fold_facts(existing.facts, facts, f"{file_name} row {number} (same NHS number)")
                        store.people.update(tx, existing, merged, context.determine(merged),
                                            reason=f"merged with {file_name} row {number} (same NHS number)",
                                            action="merge")
                        summary.merged += 1
                        continue
                batch.add(facts)
            batch.finish()
        summary.imported = batch.next_id - batch.first_id
        summary.flags.update(store.people.flag_counts(batch.first_id, batch.next_id - 1))
        _record_import(tx, store, incident_id, summary, sha256)
        store.people.log_imported(tx, incident_id, batch.first_id, batch.next_id - 1, import_id=summary.import_id,
                                  file_name=file_name, reason=reason)
        batch.flag_twins_already_on_roster()
    if summary.merged:
        summary.flags["merged-by-nhs-number"] = summary.merged
    return summary


class _Batch:
    """The new people of one import, written CHUNK at a time with ids in file order. What is kept for the
    whole file is small: NHS number -> id, and (name, date of birth) -> first id, to find the same person
    twice and suspected duplicates (same name and birth date, in the file or on the roster already).

    A row already written may still change: a later row with its NHS number is folded into it, or a later
    twin makes it a suspected duplicate. Those few are rewritten before the import's one log entry is made,
    whose digest covers every row as it finally stands."""

    def __init__(self, store: Store, tx: Any, context: RosterContext, incident_id: int, first_id: int,
                 file_name: str):
        self.store, self.tx, self.context, self.incident_id = store, tx, context, incident_id
        self.first_id = self.next_id = first_id
        self.file_name = file_name
        self.pending: dict[int, PersonFacts] = {}
        self.by_nhs: dict[str, int] = {}
        self.twins: dict[tuple[str, str, str], int] = {}  # key -> first id with it; TWINS once there are two
        self.on_roster = store.people.birth_keys(incident_id)
        self.roster_twins: set[int] = set()  # people already on the roster with a twin in the file
        self.amend: set[int] = set()  # new people written before a later row changed them

    def fold(self, nhs_number: str, facts: PersonFacts, source: str) -> bool:
        target = self.by_nhs.get(nhs_number)
        if target is None:
            return False
        if target in self.pending:
            self.pending[target] = fold_facts(self.pending[target], facts, source)
        else:
            person = self.store.people.get(target)  # written earlier in this transaction
            folded = fold_facts(person.facts, facts, source)
            self.store.people.amend_imported(self.tx, person_row(target, self.incident_id, folded,
                                                                 person.determination))
            self.amend.add(target)
        return True

    def add(self, facts: PersonFacts) -> None:
        if facts.nhs_number:
            self.by_nhs[facts.nhs_number] = self.next_id
        self.pending[self.next_id] = facts
        self.next_id += 1
        if len(self.pending) >= CHUNK:
            self.flush()

    def _duplicate(self, person_id: int, facts: PersonFacts) -> bool:
        if not facts.date_of_birth:
            return False
        key = _twin_key(facts)
        self.roster_twins.update(self.on_roster.get(key, ()))
        if facts.first_name or facts.last_name:
            first = self.twins.get(key)
            if first is None:
                self.twins[key] = person_id
            elif first != person_id:
                if first != _TWINS:
                    self.amend.add(first)  # written before its twin was seen
                    self.twins[key] = _TWINS
                return True
            elif first == _TWINS:
                return True
        return key in self.on_roster

    def flush(self) -> None:
        rows = [person_row(person_id, self.incident_id, facts,
                           self.context.determine(facts, duplicate=self._duplicate(person_id, facts)))
                for person_id, facts in self.pending.items()]
        self.store.people.insert_imported(self.tx, rows)
        self.pending.clear()

    def finish(self) -> None:
        self.flush()
        for person_id in sorted(self.amend):
            person = self.store.people.get(person_id)
            key = _twin_key(person.facts) if person.facts.date_of_birth else None
            duplicate = key is not None and (key in self.on_roster or (
                bool(person.facts.first_name or person.facts.last_name) and self.twins.get(key) not in (None, person_id)))
            det = self.context.determine(person.facts, duplicate=duplicate)
            if det != person.determination:
                self.store.people.amend_imported(self.tx, person_row(person_id, self.incident_id, person.facts, det))

    def flag_twins_already_on_roster(self) -> None:
        """Someone already on the roster whose twin arrives in this file is a suspected duplicate too."""
        for twin_id in sorted(self.roster_twins):
            if twin_id >= self.first_id:
                continue
            twin = self.store.people.get(twin_id)
            det = self.context.determine(twin.facts, duplicate=True)
            if det != twin.determination:
                self.store.people.update(self.tx, twin, twin.facts, det, action="redetermine",
                                         reason=f"suspected duplicate of a person in {self.file_name}")


_TWINS = -1


def _read(path: Path, mapping: dict[str, str], sheet: str | None, header_row: int | None,
          limits: Limits | None = None) -> Table:
    fields = _fields_only(mapping)
    return read_table(path, sheet=sheet, header_row=header_row, score=lambda cells: header_score(cells, fields),
                      limits=limits)


def _fields_only(mapping: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if v not in MAPPING_VALUES}


def _map_columns(headers: list[str], mapping: dict[str, str]) -> tuple[dict[int, str], set[int]]:
    """Column index -> field, and the columns the mapping says to ignore."""
    columns, ignored = _columns_and_ignored(headers, mapping)
    if not set(columns.values()) & IDENTITY_FIELDS:
        raise BadInput(
            "no column identifies people (expected e.g. 'Surname', 'First name', 'NHS number' or 'Provider ref'); "
            f"the headers are: {', '.join(h for h in headers if h)}. Use --map to say which column is which"
        )
    return columns, ignored


def _columns_and_ignored(headers: list[str], mapping: dict[str, str]) -> tuple[dict[int, str], set[int]]:
    told = {normalise(k): v for k, v in mapping.items()}
    # A column to ignore or keep in notes is hidden from the header matcher, so no field is guessed for it
    # and a later column with that meaning can still take the field.
    hidden = ["" if told.get(normalise(h)) in MAPPING_VALUES else h for h in headers]
    columns = map_headers(hidden, _fields_only(mapping))
    ignored = {i for i, h in enumerate(headers) if h and told.get(normalise(h)) == IGNORE}
    return columns, ignored


def _secret_columns(headers: list[str], columns: dict[int, str], ignored: set[int]) -> set[int]:
    # An ignored key-safe column is still a key-safe column: a rejected row must not keep its code.
    return {i for i, f in columns.items() if f == "key_safe_code"} | {
        i for i in ignored if field_for_header(headers[i]) == "key_safe_code"}


def _header_sentence(table: Table, columns: dict[int, str], *, on_screen: bool = False) -> str:
    # On screen the officer names another row or sheet in the import form, not with options.
    if on_screen:
        row_or_sheet, sheet_only = ("escape and give a header row or sheet to read another",
                                    "escape and give a sheet to read another")
    else:
        row_or_sheet, sheet_only = ("--header-row N or --sheet NAME reads another", "--sheet NAME reads another")
    where = f"header row {table.header_row}" + (f" of sheet {table.sheet!r}" if table.sheet else "")
    named = sum(1 for h in table.headers if h)
    why = {
        "given": " (as asked)",
        "best": f" (the row most like a header; {row_or_sheet})",
        "first": "",
    }[table.chosen_by]
    if table.chosen_by == "first" and table.other_sheets and table.sheet:
        why = f" (the sheet most like a list of people; {sheet_only})"
    others = f"; other sheets not read: {', '.join(repr(n) for n in table.other_sheets)}" if table.other_sheets else ""
    return f"{where}: {len(columns)} of {named} columns recognised{why}{others}"


class _RowBuilder:
    def __init__(self, parser: FieldParser, columns: dict[int, str], headers: list[str], file_name: str,
                 ignored: set[int] | None = None):
        self.parser = parser
        self.columns = columns
        self.headers = headers
        self.file_name = file_name
        self.ignored = ignored or set()
        self._header_keys = [normalise(h) if h else "" for h in headers]
        self._named = sum(1 for h in headers if h)

    def build(self, number: int, values: list[Any]) -> tuple[PersonFacts | None, str]:
        oversized = None
        try:  # a CSV's cells are all text: one pass in C says none is too long
            too_long = max(map(len, values), default=0) > CELL_LIMIT
        except TypeError:  # a workbook's numbers, dates and empty cells
            too_long = True
        if too_long:
            oversized = next((i for i, v in enumerate(values) if isinstance(v, str) and len(v) > CELL_LIMIT), None)
        if oversized is not None:
            return None, (f"{self._column(oversized)} holds {len(values[oversized]):,} characters, more than any "
                          f"real entry (limit {CELL_LIMIT:,}); check the file, fix that cell and import this row again")
        if self._header_again(values):
            return None, "the header row again (a list pasted below another); nothing to import"
        furniture = furniture_reason(values, self.columns, self.headers)
        if furniture:
            return None, furniture
        raw: dict[str, Any] = {}
        extras: list[str] = []
        for index, value in enumerate(values):
            if value is None or (isinstance(value, str) and not value.strip()) or index in self.ignored:
                continue
            if index in self.columns:
                raw[self.columns[index]] = value
            elif index < len(self.headers) and self.headers[index]:
                extras.append(f"{self.headers[index]}: {clean_text(value)}")
            else:
                extras.append(clean_text(value))
        data: dict[str, Any] = {}
        issues: list[DataIssue] = []
        for field_name, value in raw.items():
            if field_name == "funding_body" and word_key(str(value)) in NOT_A_COUNCIL:
                data.setdefault("arranged_by", clean_text(value))
                continue
            try:
                parsed = self.parser.parse(field_name, value)
            except FieldProblem as problem:
                issues.append(_issue(problem.kind, field_name, clean_text(value), str(problem)))
                continue
            if parsed is not None:
                data[field_name] = clean_text(parsed) if type(parsed) is str else parsed
            if field_name == "rag" and parsed is not None and not clean_text(raw.get("rag_reason", "")):
                provider_reason = provider_rating_reason(value)
                if provider_reason:
                    data["rag_reason"] = provider_reason
        funding, body, problem = self.parser.settle_funding(data.pop("funding", None), data.get("funding_body"))
        data["funding"] = funding
        if body:
            data["funding_body"] = body
        if problem and not any(i.field == "funding_body" for i in issues):
            issues.append(_issue(Flag.BAD_VALUE, "funding", clean_text(raw.get("funding", "")), problem))
        if funding is Funding.FNC:
            data["fnc"] = True
        if "rag" in data and not data.get("rag_reason"):
            rating = data["rag"].value
            issues.append(_issue(Flag.BAD_VALUE, "rag", rating, f"{rating} rating with no reason; add why (brief rule 28)"))
            data.pop("rag")
        if extras:
            data["notes"] = "; ".join(filter(None, [data.get("notes", ""), *extras]))
        if not any(data.get(k) for k in ("first_name", "last_name", "provider_ref", "nhs_number")) and not any(
                i.field == "nhs_number" for i in issues):
            return None, "nothing identifies a person: no name, provider reference or NHS number"
        origin = Source(origin=f"{self.file_name} row {number}")
        data["sources"] = {name: origin for name in data if name != "sources"}
        data["issues"] = tuple(issues)
        try:
            return PersonFacts.model_validate(data), ""
        except ValidationError as exc:  # the model's cross-field rules; keep the person, flag the problem
            message = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            return None, f"could not be read: {message}"

    def _column(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return f"column {index + 1} ({header})" if header else f"column {index + 1}"

    def _header_again(self, values: list[Any]) -> bool:
        """Every filled cell is its own column's header: the headers repeated mid-file, not a person."""
        # Cell by cell, stopping at the first that is not its header (almost always the first cell).
        keys = self._header_keys
        filled = 0
        for i, v in enumerate(values):
            if v is None or not str(v).strip():
                continue
            if not (i < len(keys) and keys[i] and normalise(str(v)) == keys[i]):
                return False
            filled += 1
        return bool(filled) and filled >= min(2, self._named)


@lru_cache(maxsize=4096)
def _issue(kind: Flag, field_name: str, value: str, message: str) -> DataIssue:
    # An issue is frozen, so one made once serves every row with the same problem: 50,000 rows without a
    # reason beside their RAG rating share three.
    return DataIssue(kind=kind, field=field_name, value=value, message=message)


def _twin_key(facts: PersonFacts) -> tuple[str, str, str]:
    return (facts.first_name.lower(), facts.last_name.lower(),
            facts.date_of_birth.isoformat() if facts.date_of_birth else "")


def _record_import(tx: Any, store: Store, incident_id: int, summary: ImportSummary, sha256: str) -> None:
    import_id = tx.next_id("imports")
    tx.insert("import", "imports", {
        "id": import_id, "incident_id": incident_id, "file_name": summary.file_name, "sha256": sha256,
        "data_rows": summary.data_rows, "imported": summary.imported, "merged": summary.merged,
        "rejected": len(summary.rejected), "at": tx.at,
    }, incident_id=incident_id)
    for reject in summary.rejected:
        tx.insert("import-reject", "import_rejects", {
            "import_id": import_id, "row_number": reject["row"], "reason": reject["reason"],
            "raw": json.dumps(reject["values"], ensure_ascii=False),
        }, incident_id=incident_id)
    summary.import_id = import_id


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _storable(values: list[Any]) -> list[Any]:
    # A lone surrogate (from a damaged workbook, or text handed in directly) cannot be written as UTF-8,
    # and would fail the whole import at the database; it becomes the usual replacement mark instead.
    # (An ASCII cell, nearly every one, cannot hold one: only the others are searched.)
    return [_SURROGATE.sub("\ufffd", v) if isinstance(v, str) and not v.isascii() else v for v in values]


# A rejected row is kept in the store and the rejects file; an oversized cell is kept only in part,
# enough for the officer to find it in the provider's file.
_KEPT_OF_OVERSIZED = 200


def _plain(value: Any) -> Any:
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        return f"{value[:_KEPT_OF_OVERSIZED]}… ({len(value):,} characters, cut)"
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- the preview: what an import would do, before it does it ----------------------------------------------

PREVIEW_ROWS = 5


@dataclass(frozen=True)
class PreviewColumn:
    index: int
    header: str
    field: str | None  # the field it is read into; None when ignored or kept in notes
    choice: str  # the field, IGNORE or KEEP: what a saved mapping records for this header
    how: str  # why, in words: "recognised", "saved mapping 'X'", "your choice", "not recognised"

    @property
    def reads_as(self) -> str:
        if self.choice == IGNORE:
            return "ignore (not imported)"
        if self.choice == KEEP:
            return "kept in notes"
        return f"{IMPORT_FIELDS[self.choice]} ({self.choice})"


@dataclass(frozen=True)
class PreviewValue:
    header: str  # the file's header for the column
    label: str  # the field's own name, as the template heads it
    value: str  # as it will be stored and shown; a flagged value is quoted as given
    flag: str = ""  # why it will be flagged; empty when it is accepted


@dataclass(frozen=True)
class PreviewRow:
    number: int  # the row number in the file or sheet
    values: list[PreviewValue]
    rejected: str = ""  # why the row would be rejected (and kept with the reason)
    flags: list[str] = field(default_factory=list)  # what the roster will flag on the person, in words

    @property
    def flagged(self) -> list[PreviewValue]:
        return [v for v in self.values if v.flag]


@dataclass
class ImportPreview:
    """What `import_file` would do with the same file, mapping and header row; nothing is written."""

    file_name: str
    header: str
    header_on_screen: str  # the same, naming the form's fields rather than the command's options
    header_row: int
    sheet: str | None
    above_header: list[str]
    columns: list[PreviewColumn]
    rows: list[PreviewRow]
    data_rows: int
    blank_rows: int
    would_import: int
    would_merge: int
    would_reject: int
    saved_mapping: str | None = None  # the saved mapping applied because its headers are the file's
    same_headers: str | None = None  # a saved mapping with the file's headers, applied or not
    table: Table | None = None  # kept so a changed mapping is previewed without reading the file again

    @property
    def mapping(self) -> dict[str, str]:
        """The whole mapping, every header named: what is saved, and what the import is given."""
        return {c.header: c.choice for c in self.columns if c.header}

    @property
    def balanced(self) -> bool:
        return self.would_import + self.would_merge + self.would_reject == self.data_rows

    def mapping_line(self) -> str:
        if self.saved_mapping:
            return f"using saved mapping {self.saved_mapping!r} (same headers)"
        if self.same_headers:
            return (f"saved mapping {self.same_headers!r} has the same headers; "
                    f"--map {self.same_headers!r} uses it")
        return ""

    def counts_line(self) -> str:
        return (f"{self.data_rows} data rows = {self.would_import} to import + {self.would_merge} to merge "
                f"+ {self.would_reject} to reject" + (" (checked)" if self.balanced else " (DOES NOT ADD UP)"))

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file_name, "header": self.header, "header_row": self.header_row, "sheet": self.sheet,
            "above_header": self.above_header, "saved_mapping": self.saved_mapping,
            "same_headers": self.same_headers, "mapping": self.mapping,
            "columns": [{"column": c.index + 1, "header": c.header, "field": c.field, "choice": c.choice,
                         "how": c.how} for c in self.columns],
            "rows": [{"row": r.number, "rejected": r.rejected or None, "flags": r.flags,
                      "values": [{"header": v.header, "field_label": v.label, "value": v.value,
                                  "flag": v.flag or None} for v in r.values]} for r in self.rows],
            "data_rows": self.data_rows, "blank_rows": self.blank_rows, "would_import": self.would_import,
            "would_merge": self.would_merge, "would_reject": self.would_reject, "balanced": self.balanced,
            "written": False,
        }

    def sentence(self) -> str:
        lines = [f"{self.file_name} (dry run: nothing written)", self.header]
        if self.above_header:
            lines.append("not read, above the headers: " + ", ".join(repr(t[:60]) for t in self.above_header[:4]))
        if self.mapping_line():
            lines.append(self.mapping_line())
        lines.append("columns:")
        width = max((len(c.header) for c in self.columns), default=0)
        lines += [f"  {c.index + 1:>2} {c.header or '(no header)':<{width}} → {c.reads_as}  [{c.how}]"
                  for c in self.columns]
        lines.append(f"first {len(self.rows)} rows as they will be stored:")
        for row in self.rows:
            lines += ["  " + line for line in row_lines(row)]
        lines.append(self.counts_line())
        return "\n".join(lines)


def row_lines(row: PreviewRow) -> list[str]:
    """One preview row in words: its values, then each flagged value with ✗ and the reason."""
    if row.rejected:
        return [f"row {row.number}: ✗ rejected: {row.rejected}"]
    shown = "; ".join(f"{v.label}: {v.value}" for v in row.values if v.value and not v.flag)
    lines = [f"row {row.number}: {shown or '(no values)'}"]
    lines += [f"  ✗ {v.label} {v.value!r} ({v.header}): {v.flag}" for v in row.flagged]
    if row.flags:
        lines.append(f"  flags: {', '.join(row.flags)}")
    return lines


def preview_file(store: Store, incident_id: int, path: Path, *, mapping: dict[str, str] | None = None,
                 sheet: str | None = None, header_row: int | None = None, use_saved: bool = False,
                 rows: int = PREVIEW_ROWS, limits: Limits | None = None) -> ImportPreview:
    """Read the file, find its header row, propose the mapping and show the first rows as the import
    would store them, flags and all. Nothing is written. With `use_saved` and no mapping given, a saved
    mapping whose headers are exactly the file's is applied (the officer is told which)."""
    table = _read(path, mapping or {}, sheet, header_row, limits)
    saved = store.people.mapping_for_headers([h for h in table.headers if h])
    applied = None
    if not mapping and use_saved and saved is not None:
        applied, mapping = saved
    return preview_table(store, incident_id, table, file_name=path.name, mapping=mapping or {}, rows=rows,
                         saved_mapping=applied, same_headers=saved[0] if saved else None)


def preview_table(store: Store, incident_id: int, table: Table, *, file_name: str, mapping: dict[str, str],
                  rows: int = PREVIEW_ROWS, saved_mapping: str | None = None,
                  same_headers: str | None = None) -> ImportPreview:
    """The preview for a table already read: for a mapping changed on screen, the file is not read again."""
    context = context_for(store, incident_id)
    columns, ignored = _map_columns(table.headers, mapping)
    told = {normalise(k) for k in mapping}
    builder = _RowBuilder(field_parser(store), columns, table.headers, file_name, ignored)
    on_roster = store.people.nhs_numbers(incident_id)
    seen: set[str] = set()
    shown: list[PreviewRow] = []
    imported = merged = rejected = 0
    for number, values in table.rows:
        facts, reason = builder.build(number, values)
        if facts is None:
            rejected += 1
        elif facts.nhs_number and (facts.nhs_number in seen or facts.nhs_number in on_roster):
            merged += 1
        else:
            imported += 1
            if facts.nhs_number:
                seen.add(facts.nhs_number)
        if len(shown) < rows:
            shown.append(_preview_row(number, facts, reason, columns, table.headers, context))
    how_told = f"saved mapping {saved_mapping!r}" if saved_mapping else "as mapped"
    preview_columns = []
    for index, header in enumerate(table.headers):
        if not header and index not in columns:
            continue
        choice = columns.get(index) or (IGNORE if index in ignored else KEEP)
        if normalise(header) in told:
            how = how_told
        elif index in columns:
            how = "recognised"
        else:
            how = "not recognised"
        preview_columns.append(PreviewColumn(index, header, columns.get(index), choice, how))
    return ImportPreview(
        file_name=file_name, header=_header_sentence(table, columns),
        header_on_screen=_header_sentence(table, columns, on_screen=True), header_row=table.header_row,
        sheet=table.sheet, above_header=[text for _n, text in table.above], columns=preview_columns,
        rows=shown, data_rows=len(table.rows), blank_rows=table.blank_rows, would_import=imported,
        would_merge=merged, would_reject=rejected, saved_mapping=saved_mapping, same_headers=same_headers,
        table=table)


def _preview_row(number: int, facts: PersonFacts | None, reason: str, columns: dict[int, str],
                 headers: list[str], context: RosterContext) -> PreviewRow:
    if facts is None:
        return PreviewRow(number, [], rejected=reason)
    issues = {i.field: i for i in facts.issues}
    stored = facts.model_dump()
    values = []
    for index, field_name in sorted(columns.items()):
        header = headers[index] if index < len(headers) else ""
        issue = issues.get(field_name)
        if issue is not None:
            values.append(PreviewValue(header, IMPORT_FIELDS[field_name], issue.value, issue.message))
            continue
        text = _shown(field_name, stored.get(field_name))
        if field_name == "rag" and text and facts.rag_reason:
            text = f"{text} ({facts.rag_reason})"
        values.append(PreviewValue(header, IMPORT_FIELDS[field_name], text))
    if facts.notes and "notes" not in columns.values():
        values.append(PreviewValue("", IMPORT_FIELDS["notes"], facts.notes))
    flags = [f.label for f in context.determine(facts).flags if f is not Flag.BAD_VALUE]
    return PreviewRow(number, values, flags=flags)


def _shown(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field_name == "key_safe_code":
        return mask_secret(value)
    if field_name == "weekly_cost_pence" and isinstance(value, int):
        return f"£{value / 100:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(getattr(value, "value", value))
