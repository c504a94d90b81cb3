"""Read whatever list a provider hands over: CSV in any of the encodings Excel writes, or XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from contingency.services.errors import BadInput


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, values); blank rows already left out
    blank_rows: int
    encoding: str


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    if not path.is_file():
        raise BadInput(f"there is no file at {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix == ".xls":
        raise BadInput(f"{path.name} is an old .xls workbook; open it in Excel and save it as .xlsx or CSV")
    return _read_csv(path.read_bytes())


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM) if it is valid, else Windows-1252 as Excel writes it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return _split(((n, row) for n, row in enumerate(reader, start=1)), encoding)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BadInput(f"{path.name} could not be read as a workbook ({exc.__class__.__name__}); "
                       "save it again from Excel as .xlsx or CSV") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise BadInput(f"{path.name} has no sheet {sheet!r}; its sheets are: {', '.join(book.sheetnames)}")
        worksheet = book[sheet] if sheet else book.worksheets[0]
        rows = ((n, [_cell(v) for v in row]) for n, row in enumerate(worksheet.iter_rows(values_only=True), start=1))
        return _split(rows, "xlsx")
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _blank(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _split(numbered_rows: Any, encoding: str) -> Table:
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    blanks = 0
    for number, row in numbered_rows:
        if _blank(row):
            if headers is not None:
                blanks += 1
            continue
        if headers is None:
            headers = ["" if h is None else str(h).strip() for h in row]
            continue
        rows.append((number, list(row)))
    if headers is None:
        raise BadInput("the file is empty: it has no header row")
    return Table(headers=headers, rows=rows, blank_rows=blanks, encoding=encoding)


def write_csv(path: Path, headers: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in row])
