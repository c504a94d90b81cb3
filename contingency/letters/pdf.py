"""Lay out a rendered letter as a PDF with fpdf2 (pure Python, built-in Helvetica, no fonts to ship).

The built-in fonts cover Windows-1252 (which has £, – and curly quotes); anything outside it is
spelled with its nearest Windows-1252 letters (ŵ as w), never dropped. The DOCX keeps every character.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from fpdf import FPDF

from contingency.letters.render import Block, Letter, cell, spans

_ENCODING = "windows-1252"
_FONT = "Helvetica"
_BODY, _SMALL, _TABLE = 10, 8, 8.5
_LINE = 4.9
_ROW_LINE = 3.8
_CELL_PAD = 1.2


# Letters with no decomposition to a base letter, and punctuation Windows-1252 lacks.
_SPELLED = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T",
                          "ŧ": "t", "Ŋ": "N", "ŋ": "n", "ĸ": "k", "‐": "-", "‑": "-", "‒": "-", "−": "-",
                          "―": "—", "′": "'", "″": '"', "\u2009": " ", "\u202f": " "})


def safe(text: str) -> str:
    """Text the built-in fonts can draw: Windows-1252 as is, other letters without their accents.

    Scripts with no Latin spelling (Chinese, Arabic, ...) print as '?': the DOCX keeps them."""
    try:
        text.encode(_ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text.translate(_SPELLED):
        try:
            char.encode(_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(base if base and base.isascii() else "?")
    return "".join(out)


class _LetterPDF(FPDF):
    def __init__(self, letter: Letter) -> None:
        super().__init__(format="A4")
        self.letter = letter
        self.core_fonts_encoding = _ENCODING
        self.set_margins(20, 22, 20)
        self.set_auto_page_break(True, margin=20)
        self.set_creation_date(letter.issued_at)
        self.set_title(safe(letter.title))
        self.set_author(safe(letter.author))
        self.set_subject(safe(letter.stem))
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(_FONT, "B", _SMALL)
        self.set_y(10)
        self.cell(0, 4, safe(self.letter.header), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_y(22)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(_FONT, "B", _SMALL)
        self.cell(0, 4, safe(f"{self.letter.footer} · page {self.page_no()} of {{nb}}"), align="C")


def write_pdf(letter: Letter, path: Path) -> None:
    pdf = _LetterPDF(letter)
    measure = _Measure(pdf)
    pdf.add_page()
    for block in letter.blocks:
        _block(pdf, measure, block)
    pdf.output(str(path))


class _Measure:
    """Text widths, cached: fpdf2's own line breaking is too slow for letters listing thousands of people."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.cache: dict[tuple[str, str, float], float] = {}

    def width(self, text: str, style: str, size: float) -> float:
        key = (text, style, size)
        found = self.cache.get(key)
        if found is None:
            self.pdf.set_font(_FONT, style, size)
            found = self.cache[key] = self.pdf.get_string_width(text)
        return found

    def wrap(self, runs: list[tuple[str, bool]], size: float, room: float) -> list[list[tuple[float, str, str]]]:
        """Runs of (text, bold) as lines of (x offset, text, style); a word too long for the room is cut."""
        lines: list[list[tuple[float, str, str]]] = [[]]
        x, space = 0.0, False
        for text, bold in runs:
            style = "B" if bold else ""
            for part in re.split(r"(\s+)", safe(text)):
                if not part:
                    continue
                if part.isspace():
                    space = True
                    continue
                gap = self.width(" ", style, size) if space and lines[-1] else 0.0
                space = False
                for piece in self._pieces(part, style, size, room):
                    size_of = self.width(piece, style, size)
                    if lines[-1] and x + gap + size_of > room:
                        lines.append([])
                        x, gap = 0.0, 0.0
                    line = lines[-1]
                    if line and line[-1][2] == style:  # one string per run of the same style
                        offset, words, _ = line[-1]
                        line[-1] = (offset, words + (" " if gap else "") + piece, style)
                    else:
                        line.append((x + gap, piece, style))
                    x += gap + size_of
                    gap = 0.0
        return lines

    def _pieces(self, word: str, style: str, size: float, room: float) -> list[str]:
        pieces = []
        while self.width(word, style, size) > room and len(word) > 1:
            cut = max(1, int(len(word) * room / self.width(word, style, size)))
            pieces.append(word[:cut])
            word = word[cut:]
        return [*pieces, word]


def _flow(pdf: _LetterPDF, measure: _Measure, lines: tuple[str, ...], *, size: float, height: float,
          indent: float = 0, bullet: bool = False, bold: bool = False) -> None:
    """Lay out paragraph lines (hard breaks kept) inside the margins, breaking pages as needed."""
    left = pdf.l_margin + indent
    room = pdf.epw - indent
    bottom = pdf.h - pdf.b_margin
    first = True
    for hard_line in lines:
        runs = [(text, bold or strong) for text, strong in spans(hard_line)]
        for placed in measure.wrap(runs, size, room):
            if pdf.get_y() + height > bottom:
                pdf.add_page()
            baseline = pdf.get_y() + height * 0.75
            if bullet and first:
                pdf.set_font(_FONT, "", size)
                pdf.text(left - 4, baseline, "•")
            first = False
            for offset, word, style in placed:
                pdf.set_font(_FONT, style, size)
                pdf.text(left + offset, baseline, word)
            pdf.set_y(pdf.get_y() + height)


def _block(pdf: _LetterPDF, measure: _Measure, block: Block) -> None:
    if block.kind == "title":
        pdf.ln(2)
        _flow(pdf, measure, block.lines, size=13, height=6.5, bold=True)
        pdf.ln(2)
    elif block.kind == "heading":
        pdf.ln(1.5)
        _flow(pdf, measure, block.lines, size=11, height=6, bold=True)
        pdf.ln(0.5)
    elif block.kind == "bullet":
        _flow(pdf, measure, block.lines, size=_BODY, height=_LINE, indent=6, bullet=True)
        pdf.ln(0.8)
    elif block.kind == "table":
        _table(pdf, measure, block.rows)
        pdf.ln(2.5)
    else:
        _flow(pdf, measure, block.lines, size=_BODY, height=_LINE)
        pdf.ln(2)


# --- tables: drawn directly, so a council with thousands of people still takes seconds -----------------


def _column_widths(pdf: FPDF, rows: tuple[tuple[str, ...], ...]) -> list[float]:
    """Short values (dates, NHS numbers) never wrap; long ones share what is left by how long they are."""
    columns = max(len(row) for row in rows)
    sample = [[safe(cell(text)[0]) for text in row] for row in rows[:300]]
    pad = 2 * _CELL_PAD + 0.5
    natural, least = [0.0] * columns, [0.0] * columns
    for number, row in enumerate(sample):
        pdf.set_font(_FONT, "B" if number == 0 else "", _TABLE)
        for index, text in enumerate(row):
            whole = pdf.get_string_width(text) + pad
            natural[index] = max(natural[index], whole)
            keep = whole if len(text) <= 16 else max(pdf.get_string_width(w) for w in text.split() or [""]) + pad
            least[index] = max(least[index], keep)
    room = pdf.epw
    if sum(natural) <= room:
        return [room * n / sum(natural) for n in natural]
    if sum(least) >= room:
        return [room * n / sum(least) for n in least]
    spare = room - sum(least)
    stretch = [n - m for n, m in zip(natural, least)]
    return [m + spare * s / sum(stretch) for m, s in zip(least, stretch)]


def _table(pdf: _LetterPDF, measure: _Measure, rows: tuple[tuple[str, ...], ...]) -> None:
    widths = _column_widths(pdf, rows)

    def layout(row: tuple[str, ...], header: bool) -> tuple[list[list[list[tuple[float, str, str]]]], float]:
        cells = []
        for index, width in enumerate(widths):
            text, bold = cell(row[index]) if index < len(row) else ("", False)
            cells.append(measure.wrap([(text, bold or header)], _TABLE, width - 2 * _CELL_PAD))
        return cells, max(len(lines) for lines in cells) * _ROW_LINE + 2 * _CELL_PAD

    def draw(cells: list[list[list[tuple[float, str, str]]]], height: float) -> None:
        x, y = pdf.l_margin, pdf.get_y()
        for lines, width in zip(cells, widths):
            pdf.rect(x, y, width, height)
            for number, placed in enumerate(lines):
                baseline = y + _CELL_PAD + _ROW_LINE * (number + 1) - 0.9
                for offset, word, style in placed:
                    pdf.set_font(_FONT, style, _TABLE)
                    pdf.text(x + _CELL_PAD + offset, baseline, word)
            x += width
        pdf.set_y(y + height)

    head = layout(rows[0], True)
    bottom = pdf.h - pdf.b_margin
    if pdf.get_y() + head[1] + _ROW_LINE * 2 > bottom:
        pdf.add_page()
    draw(*head)
    for row in rows[1:]:
        cells, height = layout(row, False)
        if pdf.get_y() + height > bottom:
            pdf.add_page()
            draw(*head)  # the header row again at the top of each page
        draw(cells, height)
