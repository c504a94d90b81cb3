"""Lay out a rendered letter as a DOCX with python-docx, editable on the council's own letterhead."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from contingency.letters.render import Block, Letter, cell, plain, spans

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_docx(letter: Letter, path: Path) -> None:
    document = Document()
    document.styles["Normal"].font.size = Pt(10.5)
    _properties(document, letter)
    section = document.sections[0]
    _bold_line(section.header.paragraphs[0], letter.header)
    footer = section.footer.paragraphs[0]
    _bold_line(footer, f"{letter.footer} · page ")
    _page_number(footer)
    styles = {name: document.styles[name] for name in ("Heading 1", "Heading 2", "List Bullet", "Table Grid")}
    for block in letter.blocks:
        _block(document, styles, block)
    path.write_bytes(_stable(document, letter))


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


def _block(document, styles: dict, block: Block) -> None:
    # Styles are looked up once per letter: by name, python-docx searches every style each time.
    if block.kind == "title":
        _styled(document, styles["Heading 1"]).add_run(plain(block.lines[0]))
    elif block.kind == "heading":
        _styled(document, styles["Heading 2"]).add_run(plain(block.lines[0]))
    elif block.kind == "bullet":
        _runs(_styled(document, styles["List Bullet"]), block.lines)
    elif block.kind == "table":
        _table(document, styles["Table Grid"], block.rows)
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
    safe = escape(_NOT_XML.sub("", text))
    return (f'<w:tc><w:p><w:r><w:rPr>{weight}<w:sz w:val="18"/></w:rPr>'
            f'<w:t xml:space="preserve">{safe}</w:t></w:r></w:p></w:tc>')


def _table(document, style, rows: tuple[tuple[str, ...], ...]) -> None:
    """Rows are written as XML in one go: python-docx's cell by cell API takes minutes for 50,000 people."""
    columns = max(len(row) for row in rows)
    table = document.add_table(rows=0, cols=columns)
    table._tbl.tblStyle_val = style.style_id
    xml = []
    for number, row in enumerate(rows):
        cells = [row[i] if i < len(row) else "" for i in range(columns)]
        repeat = "<w:trPr><w:tblHeader/></w:trPr>" if number == 0 else ""
        xml.append(f"<w:tr>{repeat}{''.join(_cell_xml(c, number == 0) for c in cells)}</w:tr>")
    fragment = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(xml)}</w:tbl>")
    for row in list(fragment):
        table._tbl.append(row)
    document.add_paragraph()


def _stable(document, letter: Letter) -> bytes:
    """The same letter gives the same bytes (and SHA-256): zip entries carry the letter's date, not now."""
    raw = io.BytesIO()
    document.save(raw)
    stamp = letter.issued_at.astimezone(UTC).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            target.writestr(entry, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()
