"""Lay out a rendered letter as a PDF with fpdf2.

A letter whose every character is in Windows-1252 (which has £, – and curly quotes) uses the built-in
Helvetica: nothing to embed, so a print run of thousands of letters stays quick. Any other letter (a
Polish, Welsh, Greek or Russian name) embeds DejaVu Sans, shipped as package data and subset by fpdf2,
which covers Latin, Greek and Cyrillic. Embedding costs about a tenth of a second a letter (fontTools
subsets the font on output), which is why it is not done for every letter.

Scripts DejaVu Sans has no glyphs for (Chinese, ...), or that need shaping and right-to-left ordering
fpdf2 does not do without HarfBuzz (Arabic, Hebrew), print as U+FFFD, never a silent '?', and
`warning_for` names them so the officer is told to send the DOCX, which keeps every character.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextMode

from contingency.letters.render import Block, Letter, cell, plain, spans

_ENCODING = "windows-1252"
_CORE_FONT = "Helvetica"
_FONT_DIR = Path(__file__).with_name("fonts")
_UNICODE_FONT = "DejaVuSans"
_FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_BODY, _SMALL, _TABLE = 10, 8, 8.5
_LINE = 4.9
_ROW_LINE = 3.8
_CELL_PAD = 1.2
_MISSING = "\ufffd"
# Right-to-left letters: fpdf2 would draw them left to right and, for Arabic, unjoined.
_NEEDS_SHAPING = frozenset({"R", "AL", "AN"})
_PUNCTUATION = "()[]{},.;:!?'\"“”‘’«»"


@functools.cache
def _coverage() -> frozenset[int]:
    """Code points both faces draw: a letter mixes bold and regular, so a name must print in either."""
    faces = []
    for name in _FACES.values():
        with TTFont(_FONT_DIR / name, lazy=True) as font:
            faces.append(frozenset(font.getBestCmap()))
    return frozenset.intersection(*faces)


@functools.cache  # a character at a time: a council's letter can list thousands of names
def _printable(char: str) -> bool:
    return (char.isspace() or ord(char) in _coverage()) and unicodedata.bidirectional(char) not in _NEEDS_SHAPING


def safe(text: str) -> str:
    """Text as the PDF draws it: composed (Zoë typed with a combining diaeresis becomes the one letter the
    fonts have), and anything DejaVu Sans cannot draw as U+FFFD."""
    if text.isascii():  # most text, and a letter to a council can list thousands of names
        return text
    return _safe_unicode(text)


@functools.lru_cache(maxsize=65_536)  # a name is measured, then drawn: worked out once
def _safe_unicode(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if all(map(_printable, text)):
        return text
    return "".join(char if _printable(char) else _MISSING for char in text)


def _texts(letter: Letter) -> tuple[str, ...]:
    """Every piece of text the PDF prints, composed; ASCII left out, as every font draws it. Worked out once
    for a letter: choosing the font and warning about names it cannot draw both ask (thousands of cells)."""
    return _non_ascii(letter)


@functools.lru_cache(maxsize=2)
def _non_ascii(letter: Letter) -> tuple[str, ...]:
    lines = [letter.title, letter.author, letter.stem, letter.header, letter.footer]
    for block in letter.blocks:
        lines += [plain(line) for line in block.lines]
        lines += [cell(text)[0] for row in block.rows for text in row]
    return tuple(unicodedata.normalize("NFC", line) for line in lines if not line.isascii())


def _needs_embedding(letter: Letter) -> bool:
    for text in _texts(letter):
        try:
            text.encode(_ENCODING)
        except UnicodeEncodeError:
            return True
    return False


def cannot_print(letter: Letter) -> tuple[str, ...]:
    """The words of the letter the PDF cannot draw in full, each once, in order; empty if it draws them all."""
    words: dict[str, None] = {}
    for text in _texts(letter):
        if not all(map(_printable, text)):
            words.update(dict.fromkeys(word.strip(_PUNCTUATION) for word in text.split()
                                       if not all(map(_printable, word))))
    return tuple(words)


def warning_for(letter: Letter, *, shown: int = 3) -> str:
    """What the officer is told when the PDF of a letter cannot print a name (or any other words) in it."""
    words = cannot_print(letter)
    if not words:
        return ""
    listed = ", ".join(words[:shown]) + (f" and {len(words) - shown} more" if len(words) > shown else "")
    what = "this name" if len(words) == 1 else "these names"
    return f"the PDF cannot print {what} ({listed}); send the DOCX"


class _LetterPDF(FPDF):
    def __init__(self, letter: Letter) -> None:
        super().__init__(format="A4")
        self.letter = letter
        if _needs_embedding(letter):
            self.typeface = _UNICODE_FONT
            for style, name in _FACES.items():
                self.add_font(_UNICODE_FONT, style, _FONT_DIR / name)
        else:
            self.typeface = _CORE_FONT
            self.core_fonts_encoding = _ENCODING
        self.set_margins(20, 22, 20)
        self.set_auto_page_break(True, margin=20)
        self.set_creation_date(letter.issued_at)
        self.set_title(safe(letter.title))
        self.set_author(safe(letter.author))
        self.set_subject(safe(letter.stem))
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(self.typeface, "B", _SMALL)
        self.set_y(10)
        self.cell(0, 4, safe(self.letter.header), align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_y(22)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.typeface, "B", _SMALL)
        self.cell(0, 4, safe(f"{self.letter.footer} · page {self.page_no()} of {{nb}}"), align="C")


def write_pdf(letter: Letter, path: Path) -> None:
    pdf = _LetterPDF(letter)
    measure = _Measure(pdf)
    pdf.add_page()
    for block in letter.blocks:
        _block(pdf, measure, block)
    pdf.output(str(path))


class _Measure:
    """Text widths, cached: fpdf2's own line breaking is too slow for letters listing thousands of people.

    A width is fpdf2's own sum of the font's character widths (what `get_string_width` gives with no
    text shaping, no markdown, no stretching and no character spacing, as here), read from the font
    itself: `get_string_width` would split the text for right-to-left runs, copy the graphics state and
    switch fonts for every word, which at 50,000 names took most of the time of a letter."""

    def __init__(self, pdf: _LetterPDF) -> None:
        self.pdf = pdf
        self.cache: dict[tuple[str, str, float], float] = {}
        self.fonts: dict[tuple[str, float], tuple[object, float]] = {}
        self.core = pdf.typeface == _CORE_FONT

    def _font(self, style: str, size: float) -> tuple[object, float]:
        found = self.fonts.get((style, size))
        if found is None:
            pdf = self.pdf
            was = (pdf.font_family, pdf.font_style, pdf.font_size_pt, pdf.current_font,
                   pdf.current_font_is_set_on_page)
            pdf.set_font(pdf.typeface, style, size)  # adds the face to the document the first time
            found = self.fonts[(style, size)] = (pdf.current_font, pdf.font_size_pt)
            if was[0]:  # the page's font is left as it was: measuring draws nothing
                (pdf.font_family, pdf.font_style, pdf.font_size_pt, pdf.current_font,
                 pdf.current_font_is_set_on_page) = was
        return found

    def width(self, text: str, style: str, size: float) -> float:
        key = (text, style, size)
        found = self.cache.get(key)
        if found is None:
            pdf = self.pdf
            if pdf.str_alias_nb_pages and pdf.str_alias_nb_pages in text:  # "{nb}" is measured as digits
                pdf.set_font(pdf.typeface, style, size)
                found = pdf.get_string_width(text)
            else:
                font, points = self._font(style, size)
                if self.core:  # fpdf2's own sum over its width table (CoreFont.get_text_width), the same float
                    drawn = text.encode(_ENCODING).decode("latin-1")  # as fpdf2 encodes it
                    found = sum(map(font.cw.__getitem__, drawn)) * points * 0.001 / pdf.k
                else:
                    found = font.get_text_width(text, points, None)[1] / pdf.k
            self.cache[key] = found
        return found

    def wrap(self, runs: list[tuple[str, bool]], size: float, room: float) -> list[list[tuple[float, str, str]]]:
        """Runs of (text, bold) as lines of (x offset, text, style); a word too long for the room is cut."""
        if len(runs) == 1:  # a table cell, mostly: when all of it fits, it is one line, its words one space apart
            text, bold = runs[0]
            style = "B" if bold else ""
            joined = " ".join(safe(text).split())
            # With a hair to spare, so the sum of its words' widths below could never decide otherwise.
            if joined and self.width(joined, style, size) < room - 0.01:
                return [[(0.0, joined, style)]]
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
                pdf.set_font(pdf.typeface, "", size)
                pdf.text(left - 4, baseline, "•")
            first = False
            for offset, word, style in placed:
                if (pdf.font_style, pdf.font_size_pt) != (style, size):  # as set_font would decide, without its cost
                    pdf.set_font(pdf.typeface, style, size)
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
    elif block.kind == "page-break":  # the handover pack's annexes start on a page of their own
        pdf.add_page()
    else:
        _flow(pdf, measure, block.lines, size=_BODY, height=_LINE)
        pdf.ln(2)


# --- tables: drawn directly, so a council with thousands of people still takes seconds -----------------


def _column_widths(pdf: _LetterPDF, measure: _Measure, rows: tuple[tuple[str, ...], ...]) -> list[float]:
    """Short values (dates, NHS numbers) never wrap; long ones share what is left by how long they are."""
    columns = max(len(row) for row in rows)
    sample = [[(safe(text), bold) for text, bold in map(cell, row)]
              for row in (*rows[:300], *rows[300:][-1:])]  # and the last: a total is the widest amount
    pad = 2 * _CELL_PAD + 0.5
    natural, least = [0.0] * columns, [0.0] * columns
    for number, row in enumerate(sample):
        for index, (text, bold) in enumerate(row):
            # measured in the face it is drawn in: DejaVu Sans Bold is markedly wider than its regular
            style = "B" if number == 0 or bold else ""
            whole = measure.width(text, style, _TABLE) + pad
            natural[index] = max(natural[index], whole)
            keep = whole if len(text) <= 16 else max(measure.width(w, style, _TABLE)
                                                     for w in text.split() or [""]) + pad
            least[index] = max(least[index], keep)
    room = pdf.epw
    if sum(natural) <= room:
        return [room * n / sum(natural) for n in natural]
    if sum(least) >= room:
        return [room * n / sum(least) for n in least]
    spare = room - sum(least)
    stretch = [n - m for n, m in zip(natural, least)]
    return [m + spare * s / sum(stretch) for m, s in zip(least, stretch)]


class _Pen:
    """`text` and `rect` as fpdf2 draws them in a table (fill mode, no underline or strikethrough, text in the
    fill colour, an outlined rectangle), giving the same bytes without its checks and wrappers on each call:
    a council's table of thousands of people is hundreds of thousands of them. A row's operators are put on
    the page together (`flush`, before anything else draws: the same bytes, in the same order). Anything
    else goes to fpdf2."""

    def __init__(self, pdf: _LetterPDF) -> None:
        self.pdf = pdf
        self.k, self.h = pdf.k, pdf.h
        self.direct = (pdf.text_mode == TextMode.FILL and not pdf.underline and not pdf.strikethrough
                       and not pdf._record_text_quad_points and pdf.fill_color == pdf.text_color)
        self.ops: list[str] = []

    def text(self, x: float, y: float, text: str) -> None:
        pdf = self.pdf
        if not self.direct or not pdf.page:
            self.flush()
            pdf.text(x, y, text)
            return
        if not text.isascii():
            text = pdf.normalize_text(text)
        if not pdf.current_font_is_set_on_page:
            self.ops.append(pdf._set_font_for_page(pdf.current_font, pdf.font_size_pt))
        self.ops.append(f"BT {x * self.k:.2f} {(self.h - y) * self.k:.2f} Td {pdf.current_font.encode_text(text)} ET")

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        if not self.pdf.page:
            self.flush()
            self.pdf.rect(x, y, w, h)
            return
        k = self.k
        self.ops.append(f"{x * k:.2f} {(self.h - y) * k:.2f} {w * k:.2f} {-h * k:.2f} re S")

    def flush(self) -> None:
        if self.ops:
            self.pdf._out("\n".join(self.ops))  # _out ends each with a newline: one call, the same bytes
            self.ops.clear()


def _table(pdf: _LetterPDF, measure: _Measure, rows: tuple[tuple[str, ...], ...]) -> None:
    widths = _column_widths(pdf, measure, rows)
    pen = _Pen(pdf)

    wrapped: dict[tuple[int, str, bool], list[list[tuple[float, str, str]]]] = {}  # reasons and places repeat

    def layout(row: tuple[str, ...], header: bool) -> tuple[list[list[list[tuple[float, str, str]]]], float]:
        cells = []
        for index, width in enumerate(widths):
            text, bold = cell(row[index]) if index < len(row) else ("", False)
            key = (index, text, bold or header)
            lines = wrapped.get(key)
            if lines is None:
                lines = wrapped[key] = measure.wrap([(text, bold or header)], _TABLE, width - 2 * _CELL_PAD)
            cells.append(lines)
        return cells, max(len(lines) for lines in cells) * _ROW_LINE + 2 * _CELL_PAD

    # Where each column starts, as the operators print it: the same figures `rect` and `text` would print.
    k, page_height = pdf.k, pdf.h
    starts = []
    x = pdf.l_margin
    for width in widths:
        starts.append(x)
        x += width
    columns = [(x, f"{x * k:.2f}", f"{width * k:.2f}", f"{(x + _CELL_PAD) * k:.2f}") for x, width in zip(starts, widths)]

    encoded: dict[tuple[str, str], str] = {}  # a word as the page's font draws it ("(...) Tj")

    def draw(cells: list[list[list[tuple[float, str, str]]]], height: float) -> None:
        if not pen.direct or not pdf.page:
            return draw_slowly(cells, height)
        y = pdf.get_y()
        top, tall = f"{(page_height - y) * k:.2f}", f"{-height * k:.2f}"
        baselines: list[str] = []
        ops = pen.ops
        # fpdf2 keeps these in its graphics state, behind properties: read once a row, followed as they change.
        style_now = pdf.font_style if pdf.font_size_pt == _TABLE else None
        font_set = pdf.current_font_is_set_on_page
        for lines, (x, left, wide, text_x) in zip(cells, columns):
            ops.append(f"{left} {top} {wide} {tall} re S")
            for number, placed in enumerate(lines):
                while len(baselines) <= number:
                    baseline = y + _CELL_PAD + _ROW_LINE * (len(baselines) + 1) - 0.9
                    baselines.append(f"{(page_height - baseline) * k:.2f}")
                for offset, word, style in placed:
                    if style != style_now:
                        pen.flush()
                        pdf.set_font(pdf.typeface, style, _TABLE)
                        style_now, font_set = style, pdf.current_font_is_set_on_page
                    drawn = encoded.get((word, style))
                    if drawn is None:  # in the face of its style, which is the page's font now
                        drawn = encoded[(word, style)] = pdf.current_font.encode_text(
                            pdf.normalize_text(word) if not word.isascii() else word)
                    if not font_set:
                        ops.append(pdf._set_font_for_page(pdf.current_font, pdf.font_size_pt))
                        font_set = True
                    where = text_x if offset == 0.0 else f"{(x + _CELL_PAD + offset) * k:.2f}"
                    ops.append(f"BT {where} {baselines[number]} Td {drawn} ET")
        pen.flush()
        pdf.set_y(y + height)

    def draw_slowly(cells: list[list[list[tuple[float, str, str]]]], height: float) -> None:
        x, y = pdf.l_margin, pdf.get_y()
        for lines, width in zip(cells, widths):
            pen.rect(x, y, width, height)
            for number, placed in enumerate(lines):
                baseline = y + _CELL_PAD + _ROW_LINE * (number + 1) - 0.9
                for offset, word, style in placed:
                    if (pdf.font_style, pdf.font_size_pt) != (style, _TABLE):
                        pen.flush()
                        pdf.set_font(pdf.typeface, style, _TABLE)
                    pen.text(x + _CELL_PAD + offset, baseline, word)
            x += width
        pen.flush()
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
