"""Read whatever list a provider hands over: CSV in any of the encodings Excel writes, or XLSX.

Real lists have a title, a "printed on" line or notes above the headers, a cover sheet before the
residents, and totals below them. The header row is the one that looks most like one (`Score`), on
whichever sheet has the best; the officer can name another (`header_row`, `sheet`).
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import pickle
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from contingency.rules.columns import header_score
from contingency.rules.safe_text import csv_row
from contingency.services.errors import BadInput

# How much a row looks like a header row; higher is better, compared as a tuple.
Score = Callable[[list[Any]], tuple[int, ...]]
# Headers further down than this are not looked for (a 50,000-row list is not scored row by row).
SCAN_ROWS = 100
# No real cell (a name, an address, a note) comes near this; the importer rejects a row holding a bigger one.
# It is csv's own default field limit (128 KB), which would otherwise abort the whole file mid-read.
CELL_LIMIT = 131_072

# Issue 11: a 1 MB workbook once unpacked into 400,000 junk people, 2.9 GB of memory and minutes holding the
# store's write lock. A list longer or wider than these is refused whole, with the option that reads it
# (`people import --max-rows/--max-columns`), never imported in part. Both are far beyond any provider's list:
# twice the 100,000-row benchmark, and several times the columns of the widest real export.
MAX_ROWS = 200_000
MAX_COLUMNS = 200
# Past these a file is not a list of people, and a workbook (a zip) is a zip bomb: refused before it is
# unpacked, and so before the write lock is asked for. Real sheets unpack to 5 to 20 times their packed size
# (deflate's ceiling is about 1,000); a small part (styles, a theme) may pack as well as it likes.
MAX_FILE_BYTES = 1 << 30
MAX_RATIO = 200
RATIO_FROM = 1 << 20
MAX_PARTS = 10_000


@dataclass(frozen=True)
class Limits:
    rows: int = MAX_ROWS  # row numbers in the file or sheet, the header and any lines above it included
    columns: int = MAX_COLUMNS

    def __post_init__(self) -> None:
        for option, value in (("--max-rows", self.rows), ("--max-columns", self.columns)):
            if value < 1:
                raise BadInput(f"{option} {value}: give a whole number from 1")


class Spooled:
    """Rows read once and kept in a private temporary file (owner-only, unlinked as it is made), in
    batches: as many passes as wanted (len, for, and a preview's second look), at flat memory."""

    BATCH = 1000

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="contingency-rows-")
        self._batch: list[Any] = []
        self._count = 0

    def append(self, item: Any) -> None:
        self._batch.append(item)
        self._count += 1
        if len(self._batch) >= self.BATCH:
            self._write()

    def _write(self) -> None:
        if self._batch:
            self._file.seek(0, os.SEEK_END)
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def done(self) -> None:
        self._write()

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        self._write()
        position, end = 0, self._file.seek(0, os.SEEK_END)
        while position < end:
            self._file.seek(position)
            batch = pickle.load(self._file)  # noqa: S301 - our own file, written just above
            position = self._file.tell()
            yield from batch

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            index += self._count
        for number, item in enumerate(self):
            if number == index:
                return item
        raise IndexError(index)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    # (row number in the file, values); blank rows already left out. A list, or the rows of a file as read
    # (Spooled): either way len() and as many passes as wanted.
    rows: Any
    blank_rows: int
    encoding: str
    header_row: int = 1  # row number in the file (or sheet) of the headers
    sheet: str | None = None  # the sheet read, for a workbook
    chosen_by: str = "first"  # "first" non-blank row, "best" match, or "given" by the officer
    above: list[tuple[int, str]] = field(default_factory=list)  # non-blank rows above the headers, as text
    other_sheets: list[str] = field(default_factory=list)  # a workbook's sheets not read


@dataclass(frozen=True)
class _Sheet:
    name: str | None
    rows: list[tuple[int, list[Any]]]  # every row read, blank ones too


def read_table(path: Path, *, sheet: str | None = None, header_row: int | None = None,
               score: Score | None = None, limits: Limits | None = None) -> Table:
    if not path.is_file():
        raise BadInput(f"there is no file at {path}")
    limits = limits or Limits()
    if header_row is not None and header_row < 1:
        raise BadInput(f"--header-row {header_row}: rows are numbered from 1")
    score = score or (lambda cells: header_score(cells))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, header_row, score, limits)
    if suffix == ".xls":
        raise BadInput(f"{path.name} is an old .xls workbook; open it in Excel and save it as .xlsx or CSV")
    if sheet is not None:
        raise BadInput(f"--sheet {sheet!r}: {path.name} is not a workbook, so it has no sheets")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:  # read whole to find its encoding, so refused before it is read
        raise BadInput(f"{path.name} is {size / (1 << 20):,.0f} MB, more than a list of people could be "
                       f"(the limit is {MAX_FILE_BYTES >> 20:,} MB); nothing was imported")
    return _read_csv(path.read_bytes(), header_row, score, limits, path.name)


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM) if it is valid, else Windows-1252 as Excel writes it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _read_csv(data: bytes, header_row: int | None, score: Score, limits: Limits, name: str) -> Table:
    text, encoding = decode(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        # A title or "printed on" line above the table upsets the sniffer's count of separators per line.
        dialect = _commonest_separator(sample)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    # The limit is lifted for the read, so one oversized cell costs its row (see CELL_LIMIT), not the file.
    limit = csv.field_size_limit(max(CELL_LIMIT, len(text) + 1))
    try:
        return _collect(_capped_rows(enumerate(reader, start=1), limits, name, count_rest=True), None, header_row,
                        score, encoding)
    except csv.Error as exc:  # e.g. a NUL byte on an old Python: the file, not one row, is unreadable
        raise BadInput(f"the file could not be read as CSV ({exc}); save it again from Excel as CSV") from None
    finally:
        csv.field_size_limit(limit)


def _collect(rows: Iterator[tuple[int, list[Any]]], sheet_name: str | None, header_row: int | None, score: Score,
             encoding: str) -> Table:
    """One pass over the rows: the top is kept to find the header row, the people after it are spooled to a
    private temporary file (`Spooled`), so a list of any length is never held in memory whole."""
    head: list[tuple[int, list[Any]]] = []
    filled = 0
    for number, row in rows:
        head.append((number, row))
        if header_row is not None:
            if number >= header_row:
                break
        elif not _blank(row):
            filled += 1
            if filled >= SCAN_ROWS:
                break
    index = _header_index(_Sheet(sheet_name, head), header_row, score, required=True)
    return _split(_Sheet(sheet_name, head), index, encoding, given=header_row is not None, rest=rows)


def _capped(rows: Iterator[tuple[int, list[Any]]], limits: Limits, name: str, *,
            count_rest: bool = False) -> list[tuple[int, list[Any]]]:
    return list(_capped_rows(rows, limits, name, count_rest=count_rest))


def _capped_rows(rows: Iterator[tuple[int, list[Any]]], limits: Limits, name: str, *,
                 count_rest: bool = False) -> Iterator[tuple[int, list[Any]]]:
    """The rows up to the row limit, each within the column limit; a list that goes on is refused whole.
    Blank rows past the limit are let go: a sheet's formatting often runs on below its list."""
    for number, row in rows:
        if number <= limits.rows:
            yield number, _within_columns(row, number, limits, name)
        elif not _blank(row):
            if count_rest:  # a CSV is in memory already, so its length can be told; a workbook is not read on
                last = max((n for n, rest in rows if not _blank(rest)), default=number)
                raise BadInput(f"{name} has {last:,} rows, more than the limit of {limits.rows:,}; nothing was "
                               f"imported. If the list really is that long, 'people import --max-rows {last}' "
                               "reads it")
            raise BadInput(f"{name} has more than {limits.rows:,} rows (row {number:,} is not blank), more than "
                           "the limit; nothing was imported. If the list really is that long, "
                           "'people import --max-rows N' reads it")


def _within_columns(row: list[Any], number: int, limits: Limits, name: str) -> list[Any]:
    if len(row) <= limits.columns:
        return row
    last = len(row) - next(i for i, v in enumerate(reversed(row)) if not _blank([v])) if not _blank(row) else 0
    if last <= limits.columns:
        # Excel writes every line as wide as its widest; an empty tail past the limit holds nothing to read.
        return row[:limits.columns]
    raise BadInput(f"row {number:,} of {name} has {last:,} columns, more than the limit of {limits.columns:,}; "
                   "nothing was imported. If the list really is that wide, "
                   f"'people import --max-columns {last}' reads it")


def _commonest_separator(sample: str) -> Any:
    """The separator found the same number of times on the most lines: the table's, not a title's."""
    best, best_lines = ",", 0
    for separator in (",", ";", "\t"):
        counts = Counter(line.count(separator) for line in sample.splitlines() if line.count(separator))
        lines = counts.most_common(1)[0][1] if counts else 0
        if lines > best_lines:
            best, best_lines = separator, lines

    class Dialect(csv.excel):
        delimiter = best

    return Dialect


def _header_index(sheet: _Sheet, header_row: int | None, score: Score, *, required: bool) -> int | None:
    """Where in `sheet.rows` the header row is: the one given, or the best-scoring of the first rows."""
    if header_row is not None:
        for index, (number, row) in enumerate(sheet.rows):
            if number == header_row:
                if _blank(row):
                    raise BadInput(f"--header-row {header_row}{_of(sheet)} is blank; name the row holding the "
                                   "column headers")
                return index
        raise BadInput(f"--header-row {header_row}: {_of(sheet).strip() or 'the file'} has only "
                       f"{sheet.rows[-1][0] if sheet.rows else 0} rows")
    candidates = [i for i, (_n, row) in enumerate(sheet.rows) if not _blank(row)][:SCAN_ROWS]
    if not candidates:
        if required:
            raise BadInput("the file is empty: it has no header row")
        return None
    # max() keeps the first of equals: the earliest of equally good rows.
    return max(candidates, key=lambda i: score(sheet.rows[i][1]))


def _of(sheet: _Sheet) -> str:
    return f" of sheet {sheet.name!r}" if sheet.name else ""


def _check_workbook(path: Path) -> None:
    """Refuse a zip bomb from the sizes its parts declare, before anything is unpacked. A part that lies
    about its size is no way round this: zipfile stops at the declared size and fails the checksum, which
    load_workbook reports as a damaged workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: load_workbook says so in the usual words
    refused = f"{path.name} is not a list of people"
    if len(parts) > MAX_PARTS:
        raise BadInput(f"{refused}: the workbook holds {len(parts):,} parts; nothing was imported")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_FILE_BYTES:
        raise BadInput(f"{refused}: the workbook unpacks to {unpacked / (1 << 20):,.0f} MB (the limit is "
                       f"{MAX_FILE_BYTES >> 20:,} MB); nothing was imported")
    for part in parts:
        if part.file_size >= RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise BadInput(f"{refused}: its part {part.filename} unpacks from {part.compress_size:,} bytes to "
                           f"{part.file_size:,}, which no real sheet does (a 'zip bomb'); nothing was imported")


def _check_dimension(worksheet: Any, limits: Limits, name: str) -> None:
    """The size the sheet says it is, when it says: refused before a row is read."""
    rows, columns = worksheet.max_row, worksheet.max_column
    if rows is not None and rows > limits.rows:
        raise BadInput(f"{name} says it has {rows:,} rows, more than the limit of {limits.rows:,}; nothing was "
                       f"imported. If the list really is that long, 'people import --max-rows {rows}' reads it")
    if columns is not None and columns > limits.columns:
        raise BadInput(f"{name} says it has {columns:,} columns, more than the limit of {limits.columns:,}; "
                       "nothing was imported. If the list really is that wide, "
                       f"'people import --max-columns {columns}' reads it")


def _read_xlsx(path: Path, sheet: str | None, header_row: int | None, score: Score, limits: Limits) -> Table:
    from openpyxl import load_workbook

    _check_workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BadInput(f"{path.name} could not be read as a workbook ({exc.__class__.__name__}); "
                       "save it again from Excel as .xlsx or CSV") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise BadInput(f"{path.name} has no sheet {sheet!r}; its sheets are: {', '.join(book.sheetnames)}")
        if sheet is not None or header_row is not None:
            name = sheet or book.sheetnames[0]  # a row number alone means the first sheet, as it always has
        else:
            best: tuple[tuple[int, ...], str] | None = None
            for candidate in book.sheetnames:
                # Only the top of each sheet is read to find its header row; the chosen one is read whole after.
                top = _Sheet(candidate, [(n, row[:limits.columns]) for n, row in
                                         itertools.islice(_sheet_rows(book[candidate], limits), SCAN_ROWS * 2)])
                index = _header_index(top, None, score, required=False)
                if index is not None and (best is None or score(top.rows[index][1]) > best[0]):
                    best = (score(top.rows[index][1]), candidate)
            if best is None:
                raise BadInput("the file is empty: it has no header row")
            name = best[1]
        worksheet = book[name]
        label = f"sheet {name!r} of {path.name}"
        _check_dimension(worksheet, limits, label)
        table = _collect(_capped_rows(iter(_sheet_rows(worksheet, limits)), limits, label), name, header_row, score,
                         "xlsx")
        if sheet is None:  # the sheet was chosen for the officer: say which others there were
            table.other_sheets.extend(n for n in book.sheetnames if n != name)
        return table
    finally:
        book.close()


def _sheet_rows(worksheet: Any, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    """Streamed, one row at a time. openpyxl pads every row to the sheet's declared width, so that is
    bounded (one past the limit, for a sheet only scanned). Undeclared, a row is as wide as its last cell
    and is not bounded here: a cell beyond the limit must be seen to be refused, not cut off unseen."""
    declared = worksheet.max_column
    width = min(declared, limits.columns + 1) if declared else None
    for number, row in enumerate(worksheet.iter_rows(max_col=width, values_only=True), start=1):
        yield number, [_cell(v) for v in row]


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _blank(row: list[Any]) -> bool:
    if row and type(row[0]) is str and row[0].strip():  # most rows: a first cell filled in
        return False
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _split(sheet: _Sheet, index: int | None, encoding: str, *, given: bool,
           rest: Iterable[tuple[int, list[Any]]] = ()) -> Table:
    if index is None:
        raise BadInput("the file is empty: it has no header row")
    number, header_cells = sheet.rows[index]
    headers = ["" if h is None else str(h).strip() for h in header_cells]
    above = [(n, " | ".join(str(v).strip() for v in row if v is not None and str(v).strip()))
             for n, row in sheet.rows[:index] if not _blank(row)]
    rows = Spooled()
    blanks = 0
    for row_number, row in itertools.chain(sheet.rows[index + 1:], rest):
        if _blank(row):
            blanks += 1
            continue
        rows.append((row_number, list(row)))
    rows.done()
    chosen_by = "given" if given else ("first" if not above else "best")
    return Table(headers=headers, rows=rows, blank_rows=blanks, encoding=encoding, header_row=number,
                 sheet=sheet.name, chosen_by=chosen_by, above=above)


def write_csv(path: Path, headers: list[str], rows: list[list[Any]]) -> None:
    # O_NOFOLLOW: a link put at the name is refused, never written through to the file it points at.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with open(fd, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_row(headers))
        for row in rows:
            writer.writerow(csv_row("" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row))
