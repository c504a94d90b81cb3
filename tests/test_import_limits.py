"""Issue 11, limits: a list too long, too wide or a zip bomb is refused whole, before the write lock."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from contingency.services.errors import BadInput
from contingency.services.importer import import_file, preview_file
from contingency.services.tabular import Limits, read_table
from tests.conftest import OFFICER, make_runner, ok, refused
from tests.test_hostile_input import person
from tests.test_import import HEADERS, write_csv


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Residents"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def with_sheet_xml(source: Path, target: Path, sheet_xml: bytes) -> Path:
    """The same workbook with its sheet's XML replaced, packed as tightly as deflate goes."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED,
                                                               compresslevel=9) as out:
        for part in original.infolist():
            data = sheet_xml if part.filename == "xl/worksheets/sheet1.xml" else original.read(part)
            out.writestr(part.filename, data)
    return target


def sheet_xml(rows: bytes, dimension: str | None = None) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?>' \
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return head + dim + b"<sheetData>" + rows + b"</sheetData></worksheet>"


def test_a_zip_bomb_workbook_is_refused_before_anything_is_written(store, make_incident, tmp_path):
    incident = make_incident()
    plain = workbook(tmp_path / "plain.xlsx", [person("A", 1)])
    # 40 MB of the same junk cell, no dimension, packed to a few tens of KB.
    junk = b'<row><c t="inlineStr"><is><t>junk</t></is></c></row>' * 800_000
    bomb = with_sheet_xml(plain, tmp_path / "bomb.xlsx", sheet_xml(junk))
    assert bomb.stat().st_size < 200_000
    before = store.log.count()
    started = time.monotonic()
    with pytest.raises(BadInput, match="zip bomb"):
        import_file(store, incident.id, bomb)
    with pytest.raises(BadInput, match="zip bomb"):
        preview_file(store, incident.id, bomb)
    assert time.monotonic() - started < 5
    assert store.log.count() == before
    assert store.people.all(incident.id) == []


def test_a_sheet_declaring_more_rows_or_columns_than_the_limit_is_refused(tmp_path):
    plain = workbook(tmp_path / "plain.xlsx", [person("A", 1)])
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Surname</t></is></c></row>'
    tall = with_sheet_xml(plain, tmp_path / "tall.xlsx", sheet_xml(row, "A1:M400000"))
    with pytest.raises(BadInput, match=r"says it has 400,000 rows.*--max-rows 400000"):
        read_table(tall)
    wide = with_sheet_xml(plain, tmp_path / "wide.xlsx", sheet_xml(row, "A1:XFD2"))
    with pytest.raises(BadInput, match=r"16,384 columns.*--max-columns 16384"):
        read_table(wide)


def test_a_workbook_past_the_row_limit_is_refused_while_streamed(tmp_path):
    plain = workbook(tmp_path / "plain.xlsx", [person("A", 1)])
    rows = b"".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{"Surname" if n == 1 else f"Name{n}"}</t>'
                    f"</is></c></row>".encode() for n in range(1, 31))
    path = with_sheet_xml(plain, tmp_path / "long.xlsx", sheet_xml(rows))  # no dimension to go by
    assert len(read_table(path, limits=Limits(rows=30)).rows) == 29
    with pytest.raises(BadInput, match=r"more than 20 rows \(row 21 is not blank\).*--max-rows N"):
        read_table(path, limits=Limits(rows=20))


def test_a_value_far_to_the_right_is_refused_not_padded_to(tmp_path):
    plain = workbook(tmp_path / "plain.xlsx", [person("A", 1)])
    # No dimension, and one cell in Excel's last column: every row would be 16,384 wide.
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>Surname</t></is></c></row>'
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>Ada</t></is></c>'
            b'<c r="XFD2" t="inlineStr"><is><t>far</t></is></c></row>')
    far = with_sheet_xml(plain, tmp_path / "far.xlsx", sheet_xml(rows))
    with pytest.raises(BadInput, match=r"row 2 of sheet 'Residents' of far.xlsx has 16,384 columns"):
        read_table(far)


def test_an_empty_tail_past_the_column_limit_is_let_go(tmp_path):
    path = write_csv(tmp_path / "wide.csv", [person("A", 1) + [""] * 300])
    table = read_table(path, limits=Limits(columns=len(HEADERS)))
    assert len(table.rows[0][1]) == len(HEADERS)
    with pytest.raises(BadInput, match=rf"has {len(HEADERS) + 1} columns.*--max-columns {len(HEADERS) + 1}"):
        read_table(write_csv(tmp_path / "wider.csv", [person("A", 1) + ["x"]]), limits=Limits(columns=len(HEADERS)))


def test_limits_below_one_are_refused():
    with pytest.raises(BadInput, match="--max-rows 0"):
        Limits(rows=0)


def test_a_csv_over_max_rows_on_the_command_line_is_refused_with_its_count(tmp_path):
    db = tmp_path / "live.sqlite"
    run = make_runner(tmp_path, db=db)
    ok(run("setup", "--authority", "Leeds", "--team", "EDT", "--officer", OFFICER))
    opened = json.loads(ok(run("incident", "open", "--provider", "Meadowbrook Care Homes Ltd", "--service",
                               "care-home", "--area", "Leeds", "--event", "winding-up-order", "--json")).stdout)
    incident = str(opened["id"])
    path = write_csv(tmp_path / "list.csv", [person(f"R{i}", i) for i in range(30)])
    message = refused(run("people", "import", incident, str(path), "--max-rows", "10"))
    assert "list.csv has 31 rows, more than the limit of 10" in message
    assert "--max-rows 31" in message
    assert "nothing was imported" in message
    assert "0 people" in ok(run("people", "list", incident)).stdout
    assert "--max-rows 0" in refused(run("people", "import", incident, str(path), "--max-rows", "0"))
    summary = json.loads(ok(run("people", "import", incident, str(path), "--max-rows", "31", "--json")).stdout)
    assert summary["imported"] == 30
