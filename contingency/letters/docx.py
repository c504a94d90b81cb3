"""Lay out a rendered letter as a DOCX with python-docx, editable on the council's own letterhead."""

from __future__ import annotations

import copy
import functools
import io
import re
import zipfile
from datetime import UTC
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from contingency.letters.render import Block, Letter, cell, plain, spans

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@functools.cache
def _blank():
    """python-docx's blank document, read and parsed once a process; never changed (each letter gets a copy)."""
    return Document()


def write_docx(letter: Letter, path: Path) -> None:
    document = copy.deepcopy(_blank())  # half the time of opening the template again, and the same bytes
    document.styles["Normal"].font.size = Pt(10.5)
    _properties(document, letter)
    section = document.sections[0]
    _bold_line(section.header.paragraphs[0], letter.header)
    footer = section.footer.paragraphs[0]
    _bold_line(footer, f"{letter.footer} · page ")
    _page_number(footer)
    styles = {name: document.styles[name] for name in ("Heading 1", "Heading 2", "List Bullet", "Table Grid")}
    tables: list[str] = []
    for block in letter.blocks:
        _block(document, styles, block, tables)
    path.write_bytes(_stable(document, letter, tables))


def _properties(document, letter: Letter) -> None:
    props = document.core_properties
    props.title = letter.title
    props.subject = letter.stem
    props.author = letter.author
    props.last_modified_by = letter.author
    props.created = props.modified = letter.issued_at.astimezone(UTC).replace(tzinfo=None)
    props.revision = 1


def _bold_line(paragraph: Paragraph, text: str) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(8)


def _page_number(paragraph: Paragraph) -> None:
    run = paragraph.add_run()
    run.bold = True
    run.font.size = Pt(8)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run._r.append(field)


def _block(document, styles: dict, block: Block, tables: list[str]) -> None:
    # Styles are looked up once per letter: by name, python-docx searches every style each time.
    if block.kind == "title":
        _styled(document, styles["Heading 1"]).add_run(plain(block.lines[0]))
    elif block.kind == "heading":
        _styled(document, styles["Heading 2"]).add_run(plain(block.lines[0]))
    elif block.kind == "bullet":
        _runs(_styled(document, styles["List Bullet"]), block.lines)
    elif block.kind == "table":
        _table(document, styles["Table Grid"], block.rows, tables)
    elif block.kind == "page-break":  # the handover pack's annexes start on a page of their own
        document.add_page_break()
    else:
        _runs(document.add_paragraph(), block.lines)


def _styled(document, style) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph._p.style = style.style_id  # python-docx's setter scans every style to check for the default
    return paragraph


def _runs(paragraph: Paragraph, lines: tuple[str, ...]) -> None:
    for number, line in enumerate(lines):
        if number:
            paragraph.add_run().add_break()
        for text, bold in spans(line):
            paragraph.add_run(text).bold = bold or None


def _cell_xml(escaped: str, header: bool) -> str:
    text, bold = cell(escaped)
    weight = "<w:b/>" if bold or header else ""
    if not text.isprintable():  # a control character is never printable: most cells need no search for one
        text = _NOT_XML.sub("", text)
    # xml.sax.saxutils.escape, without its call and its loop over no extra entities (a cell a name)
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (f'<w:tc><w:p><w:r><w:rPr>{weight}<w:sz w:val="18"/></w:rPr>'
            f'<w:t xml:space="preserve">{safe}</w:t></w:r></w:p></w:tc>')


def _table(document, style, rows: tuple[tuple[str, ...], ...], tables: list[str]) -> None:
    """Rows are written as XML text, not built element by element (python-docx's cell by cell API takes minutes
    for 50,000 people), and not even parsed: the table holds a placeholder row that `_stable` replaces with
    them in the document's XML as it is written (`tables` collects them, in order)."""
    columns = max(len(row) for row in rows)
    table = document.add_table(rows=0, cols=columns)
    table._tbl.tblStyle_val = style.style_id
    xml = []
    body: dict[str, str] = {}  # a body cell's XML by its text: reasons, places and dates repeat down the table
    for number, row in enumerate(rows):
        cells = [row[i] if i < len(row) else "" for i in range(columns)]
        if number == 0:
            xml.append(f"<w:tr><w:trPr><w:tblHeader/></w:trPr>{''.join(_cell_xml(c, True) for c in cells)}</w:tr>")
            continue
        parts = []
        for text in cells:
            found = body.get(text)
            if found is None:
                found = body[text] = _cell_xml(text, False)
            parts.append(found)
        xml.append(f"<w:tr>{''.join(parts)}</w:tr>")
    table._tbl.append(parse_xml(_placeholder(len(tables))))
    tables.append("".join(xml))
    document.add_paragraph()


def _placeholder(number: int) -> str:
    return (f'<w:tr {nsdecls("w")}><w:tc><w:p><w:r><w:t>{_PLACEHOLDER}{number}.</w:t></w:r></w:p></w:tc></w:tr>')


_PLACEHOLDER = "contingency-table-rows-"


def _placed(blob: bytes, tables: list[str]) -> bytes:
    """The document's XML with each table's placeholder row replaced by its rows."""
    for number, rows in enumerate(tables):
        marker = f"<w:tr><w:tc><w:p><w:r><w:t>{_PLACEHOLDER}{number}.</w:t></w:r></w:p></w:tc></w:tr>".encode()
        if blob.count(marker) != 1:
            raise ValueError(f"table {number} of the letter lost its place in the document")
        blob = blob.replace(marker, rows.encode("utf-8"))
    return blob


def _stable(document, letter: Letter, tables: list[str] = ()) -> bytes:
    """The same letter gives the same bytes (and SHA-256): zip entries carry the letter's date, not now.

    The parts go straight into our zip (as python-docx's own save would write them, in its order), rather
    than saved, unzipped and zipped again: a council's letter listing thousands of people is megabytes of XML."""
    stamp = letter.issued_at.astimezone(UTC).timetuple()[:6]
    out = io.BytesIO()
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    with zipfile.ZipFile(out, "w") as target:
        writer = _StampedWriter(target, stamp, document.part.partname, tables)
        PackageWriter._write_content_types_stream(writer, package.parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, package.parts)
    return out.getvalue()


class _StampedWriter:
    """What python-docx's PackageWriter writes each part through, writing into our zip with a fixed date."""

    def __init__(self, target: zipfile.ZipFile, stamp: tuple[int, ...], main, tables: list[str]) -> None:
        self.target, self.stamp, self.main, self.tables = target, stamp, main, tables

    def write(self, pack_uri, blob: bytes) -> None:
        if pack_uri == self.main and self.tables:
            blob = _placed(blob, self.tables)
        entry = zipfile.ZipInfo(pack_uri.membername, date_time=self.stamp)
        self.target.writestr(entry, blob, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
