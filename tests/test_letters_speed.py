"""Letters made quickly are the same letters: each shortcut taken for a council's letter of thousands of people
gives exactly what the slower way gave (issue 12, letters to every body at 50,000 people)."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pytest
from jinja2.sandbox import SandboxedEnvironment

from contingency.letters import docx as docx_writer
from contingency.letters import pdf as pdf_writer
from contingency.letters.render import Block, Letter, _environment, template_dirs
from contingency.services.errors import BadInput
from tests.conftest import NOW


def _letter(name: str, *, rows: int = 400, header: str = "EXERCISE · Example Council · Out of hours") -> Letter:
    table = (("Name", "Born", "NHS number", "Why we are telling you", "Where they are now"),
             *((f"{name} {n}", "1 May 1940", "999 476 5919", "They live in your area" if n % 3 else
                "**Their care is yours**", "In hospital: Royal Infirmary, ward 7 (a long place name that wraps "
                "onto a second line of its cell)" if n % 7 == 0 else "At home: with family") for n in range(rows)))
    return Letter(stem="x", title="T", header=header, footer="EXERCISE · INC1-LA-E08000032-v1 · log 12:abcdef",
                  issued_at=NOW, author="Team",
                  blocks=(Block("title", lines=("People we need to tell you about",)),
                          Block("paragraph", lines=("Dear colleague, **please read this**.",)),
                          Block("table", rows=table), Block("bullet", lines=("Care continues.",))))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("name", "header", "rows", "pages"), [
    ("George Exercisely", "EXERCISE · Example Council · Out of hours", 400, 10),  # Windows-1252: Helvetica
    ("Łucja Wróbel", "Rada · Zespół", 400, 10),  # DejaVu Sans embedded, its glyphs subset in the order they are used
    ("George Exercisely", "A header holding {nb}, the page count alias", 60, 3),  # never drawn again from a copy
    ("Zoë Żółć", "EXERCISE · Example Council", 4_200, 100),  # page numbers of one, two and three digits
])
def test_headers_and_footers_drawn_again_give_the_bytes_fpdf2_gives(tmp_path, monkeypatch, name, header, rows,
                                                                    pages):
    letter = _letter(name, header=header, rows=rows)
    pdf_writer.write_pdf(letter, tmp_path / "quick.pdf")
    monkeypatch.setattr(pdf_writer._LetterPDF, "_same_header", lambda self, draw: draw())
    monkeypatch.setattr(pdf_writer._LetterPDF, "_same_footer", lambda self, text, number, draw: draw())
    pdf_writer.write_pdf(letter, tmp_path / "fpdf2.pdf")
    assert (tmp_path / "quick.pdf").read_bytes().count(b"/Type /Page\n") >= pages
    assert _sha(tmp_path / "quick.pdf") == _sha(tmp_path / "fpdf2.pdf")


@pytest.mark.parametrize("name", ["George Exercisely", "Łucja Wróbel"])
def test_fpdf2_lays_out_the_header_once_and_the_footer_once_for_each_length_of_page_number(tmp_path, monkeypatch,
                                                                                           name):
    drawn = []
    real = pdf_writer._LetterPDF.cell

    def counting(self, *args, **kwargs):
        drawn.append(kwargs.get("new_y"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pdf_writer._LetterPDF, "cell", counting)
    pdf_writer.write_pdf(_letter(name, rows=600), tmp_path / "a.pdf")
    assert (tmp_path / "a.pdf").read_bytes().count(b"/Type /Page\n") >= 10
    assert drawn.count("NEXT") == 1  # the header
    assert drawn.count(None) == 2  # the footers of pages 1-9 and 10-99


def test_a_footer_holding_the_page_count_alias_itself_is_left_to_fpdf2(tmp_path, monkeypatch):
    letter = _letter("George Exercisely", rows=200)
    letter = Letter(**{**letter.__dict__, "footer": "see {nb} pages"})
    pdf_writer.write_pdf(letter, tmp_path / "quick.pdf")
    monkeypatch.setattr(pdf_writer._LetterPDF, "_same_footer", lambda self, text, number, draw: draw())
    pdf_writer.write_pdf(letter, tmp_path / "fpdf2.pdf")
    assert _sha(tmp_path / "quick.pdf") == _sha(tmp_path / "fpdf2.pdf")


def test_every_windows_1252_character_is_in_both_faces_so_no_font_is_opened_for_it():
    assert len(pdf_writer._DRAWN_BY_BOTH) == 218
    assert all(pdf_writer._printable_in_fonts(char) for char in pdf_writer._DRAWN_BY_BOTH)
    assert not pdf_writer._printable("\u4e2d") and not pdf_writer._printable("\u0627")  # Chinese; Arabic
    assert pdf_writer.cannot_print(_letter("Zoë 中文")) == ("中文",)


def test_a_copy_of_the_blank_document_gives_the_bytes_a_fresh_one_gives(tmp_path, monkeypatch):
    letter = _letter("Zoë & <Friends>", rows=30)
    docx_writer.write_docx(letter, tmp_path / "copy.docx")
    docx_writer.write_docx(letter, tmp_path / "again.docx")  # the blank is never changed by a letter
    monkeypatch.setattr(docx_writer, "_blank", docx.Document)
    docx_writer.write_docx(letter, tmp_path / "fresh.docx")
    assert _sha(tmp_path / "copy.docx") == _sha(tmp_path / "again.docx") == _sha(tmp_path / "fresh.docx")


@pytest.mark.parametrize("text", ["plain", "A & B <c> >d", "bell\x07 and\x0b tab\t", "Zoë\x1f", "**bold & <b>**", ""])
def test_a_table_cell_is_escaped_as_xml_sax_escapes_it(text):
    bold = text.startswith("**")
    inner = text.strip("*")
    expected = escape(docx_writer._NOT_XML.sub("", inner))
    weight = "<w:b/>" if bold else ""
    assert docx_writer._cell_xml(text, False) == (f'<w:tc><w:p><w:r><w:rPr>{weight}<w:sz w:val="18"/></w:rPr>'
                                                 f'<w:t xml:space="preserve">{expected}</w:t></w:r></w:p></w:tc>')


def test_reading_a_field_of_a_row_answers_as_the_sandbox_does():
    ours = _environment(template_dirs())
    theirs = copy.copy(ours)
    theirs.getattr = SandboxedEnvironment.getattr.__get__(theirs)
    row = {"name": "Ada", "items": "a key named like a method", "id": 7}
    source = ("{{ row.name }}|{{ row.id }}|{{ row['items'] }}|{{ row.items is callable }}|{{ row.get('name') }}|"
              "{{ groups.duty_yours | length }}")
    context = {"row": row, "groups": {"duty_yours": [row, row]}}
    assert ours.from_string(source).render(context) == theirs.from_string(source).render(context) == (
        "Ada|7|a key named like a method|True|Ada|2")
    for env in (ours, theirs):
        with pytest.raises(Exception, match="has no attribute 'missing'"):
            env.from_string("{{ row.missing }}").render(row=row)
        with pytest.raises(Exception, match="unsafe|__class__"):
            env.from_string("{{ row.__class__.__mro__ }}").render(row=row)


def test_a_missing_field_still_names_itself(tmp_path, monkeypatch):
    (tmp_path / "letter-cqc.md.j2").write_text("{{ letter.nothing_here }}\n")
    monkeypatch.setenv("CONTINGENCY_TEMPLATES", str(tmp_path))
    from contingency.letters.render import render_text

    with pytest.raises(BadInput, match="nothing_here"):
        render_text("letter-cqc.md.j2", {"letter": {"reference": "x"}})
