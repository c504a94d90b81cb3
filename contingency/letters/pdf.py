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


# Every character Windows-1252 prints (space to ÿ, with its € and curly quotes): both faces draw them all, left to
# right (tests/test_letters.py checks against the fonts), so a letter written in them opens no font file to know it.
_DRAWN_BY_BOTH = frozenset(bytes(range(0x20, 0x100)).decode(_ENCODING, errors="ignore").replace("\x7f", ""))


@functools.cache  # a character at a time: a council's letter can list thousands of names
def _printable(char: str) -> bool:
    return char in _DRAWN_BY_BOTH or _printable_in_fonts(char)


def _printable_in_fonts(char: str) -> bool:
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
    # Escaping and ** are ASCII: a line or cell is ASCII before `plain` or `cell` exactly when it is after.
    lines = [line for line in (letter.title, letter.author, letter.stem, letter.header, letter.footer)
             if not line.isascii()]
    for block in letter.blocks:
        lines += [plain(line) for line in block.lines if not line.isascii()]
        lines += [cell(text)[0] for row in block.rows for text in row if not text.isascii()]
    return tuple(unicodedata.normalize("NFC", line) for line in lines)


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
        self._header: tuple | None = None  # the first page's header, to draw again (`_same_header`)
        self._footers: list[tuple] = []  # (the state a footer was drawn in, what it drew): `_same_footer`
        self._digits: dict[str, bool] = {}  # a face by its key: whether it draws every digit at one width

    def header(self) -> None:
        self.set_font(self.typeface, "B", _SMALL)
        self.set_y(10)
        self._same_header(lambda: self.cell(0, 4, safe(self.letter.header), align="C", new_x="LMARGIN",
                                            new_y="NEXT"))
        self.set_y(22)

    def _state(self) -> tuple:
        """Everything fpdf2's `cell` reads to lay out and draw a line of text."""
        return (self._get_current_graphics_state(), self.x, self.y, self.w, self.h, self.k, self.l_margin,
                self.r_margin, self.c_margin, self.t_margin, self.b_margin, self.auto_page_break,
                self.page_break_trigger, self.in_footer, self.is_ttf_font, self.core_fonts_encoding,
                tuple(self._fallback_font_ids), self.str_alias_nb_pages, self.alias_nb_pages_align,
                self._record_text_quad_points, self.letter.header)

    def _same_header(self, draw) -> None:
        """The header as fpdf2 drew it on the first page: the same bytes, the same font resource for the page
        and the same position after it, whenever everything `cell` reads is as it was then (on every page of a
        letter: a council's letter has hundreds, and laying the line out again each time was a tenth of the
        PDF's time). Anything else, and fpdf2 draws it."""
        page, state = self.page, self._state()
        if self._header is not None:
            if self._header[0] == state:
                _, content, resources, after = self._header
                self.pages[page].contents += content
                for kind, resource in resources:
                    self._resource_catalog.add(kind, resource, page)
                self.x, self.y, self._lasth, self.current_font_is_set_on_page = after
                return
            draw()
            return
        drawn = self._recorded(draw)
        if drawn is None or drawn[2]:  # it broke the page, or holds "{nb}": drawn by fpdf2 every time
            self._header = (None, b"", (), ())
            return
        content, resources, _, after = drawn
        self._header = (state, content, resources, after)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.typeface, "B", _SMALL)
        number = str(self.page_no())
        text = safe(f"{self.letter.footer} · page {number} of {{nb}}")
        self._same_footer(text, number, lambda: self.cell(0, 4, text, align="C"))

    def _same_footer(self, text: str, number: str, draw) -> None:
        """The footer as fpdf2 drew it on an earlier page whose number has as many digits: only the number differs,
        and every digit is as wide as every other, so the line is laid out and placed exactly as then. The text is
        encoded again with the page's number (as fpdf2 encodes it, glyph by glyph), the rest of the bytes are
        those fpdf2 wrote, and the page count ("{nb}") is filled in by the same fpdf2 fragment, which holds the same
        position. Anything else, and fpdf2 draws it."""
        alias = self.str_alias_nb_pages
        if not alias or text.count(alias) != 1 or not text.endswith(alias) or not self._digits_alike():
            draw()
            return
        page, state = self.page, (self._state(), len(number))
        prefix = self.normalize_text(text[: -len(alias)])  # the text before "{nb}", as fpdf2's fragment holds it
        found = next((drawn for drawn_in, drawn in self._footers if drawn_in == state), None)
        if found is not None:
            head, tail, fragment, resources, after = found
            self.pages[page].contents += head + self.current_font.encode_text(prefix).encode("latin-1") + tail
            self.pages[page].add_text_substitution(fragment)
            for kind, resource in resources:
                self._resource_catalog.add(kind, resource, page)
            self.x, self.y, self._lasth, self.current_font_is_set_on_page = after
            return
        if len(self._footers) > 8:  # never expected: a letter's footer is drawn in one state
            draw()
            return
        drawn = self._recorded(draw)
        if drawn is None:
            return
        content, resources, substitutions, after = drawn
        encoded = self.current_font.encode_text(prefix).encode("latin-1")
        if len(substitutions) != 1 or content.count(encoded) != 1:
            return
        head, _, tail = content.partition(encoded)
        self._footers.append((state, (head, tail, substitutions[0], resources, after)))

    def _digits_alike(self) -> bool:
        """Whether the page's face draws every digit at the same width (a page number's width is its length)."""
        font = self.current_font
        alike = self._digits.get(font.fontkey)
        if alike is None:
            widths = {font.get_text_width(digit, 1, None)[1] if self.is_ttf_font else font.cw[digit]
                      for digit in "0123456789"}
            alike = self._digits[font.fontkey] = len(widths) == 1
        return alike

    def _recorded(self, draw) -> tuple[bytes, tuple, list, tuple] | None:
        """Draw with fpdf2, keeping what it added to the page: its bytes, the page's new resources, its "{nb}"
        fragments and where it left the position and font. None if it broke the page."""
        page = self.page
        catalog = self._resource_catalog.resources_per_page
        before = {kind: set(found) for (number, kind), found in catalog.items() if number == page}
        start, substitutions = len(self.pages[page].contents), len(self.pages[page].get_text_substitutions())
        draw()
        if self.page != page:
            return None
        added = tuple((kind, resource) for (number, kind), found in catalog.items() if number == page
                      for resource in sorted(found - before.get(kind, set()), key=str))
        return (bytes(self.pages[page].contents[start:]), added,
                list(self.pages[page].get_text_substitutions()[substitutions:]),
                (self.x, self.y, self._lasth, self.current_font_is_set_on_page))


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

    # A cell's lines by (column, its text as the template wrote it, header row): reasons and places repeat.
    wrapped: dict[tuple[int, str, bool], list[list[tuple[float, str, str]]]] = {}
    rooms = [width - 2 * _CELL_PAD for width in widths]

    # The same, as (word, style) when the cell is one run on one line: most cells of most rows.
    single: dict[tuple[int, str, bool], tuple[str, str] | None] = {}

    def layout(row: tuple[str, ...], header: bool) -> tuple[list[list[list[tuple[float, str, str]]]], float,
                                                            list[str] | None, str]:
        """A row's cells as lines of (x offset, text, style), its height, and, when every cell is one run on one
        line in the same style, each cell's text and that style (`draw` then takes its shortest way)."""
        cells = []
        tallest = 1
        words: list[str] | None = []
        style = None
        for index, room in enumerate(rooms):
            raw = row[index] if index < len(row) else ""
            key = (index, raw, header)
            lines = wrapped.get(key)
            if lines is None:
                text, bold = cell(raw)
                lines = wrapped[key] = measure.wrap([(text, bold or header)], _TABLE, room)
                single[key] = lines[0][0][1:] if len(lines) == 1 and len(lines[0]) == 1 and lines[0][0][0] == 0.0 \
                    else None
            cells.append(lines)
            tallest = max(tallest, len(lines))
            if words is not None:
                found = single[key]
                if found is None or (style is not None and found[1] != style):
                    words = None
                else:
                    words.append(found[0])
                    style = found[1]
        return cells, tallest * _ROW_LINE + 2 * _CELL_PAD, words, style or ""

    # Where each column starts, as the operators print it: the same figures `rect` and `text` would print.
    k, page_height = pdf.k, pdf.h
    starts = []
    x = pdf.l_margin
    for width in widths:
        starts.append(x)
        x += width
    columns = [(x, f"{x * k:.2f}", f"{width * k:.2f}", f"{(x + _CELL_PAD) * k:.2f}") for x, width in zip(starts, widths)]

    encoded: dict[tuple[str, str], str] = {}  # a word as the page's font draws it ("(...) Tj")

    def draw(cells: list[list[list[tuple[float, str, str]]]], height: float, words: list[str] | None = None,
             style: str = "") -> None:
        if not pen.direct or not pdf.page:
            return draw_slowly(cells, height)
        y = pdf.get_y()
        top, tall = f"{(page_height - y) * k:.2f}", f"{-height * k:.2f}"
        baselines: list[str] = []
        ops = pen.ops
        # fpdf2 keeps these in its graphics state, behind properties: read once a row, followed as they change.
        style_now = pdf.font_style if pdf.font_size_pt == _TABLE else None
        font_set = pdf.current_font_is_set_on_page
        if words is not None and font_set and style == style_now:
            # Every cell one run on one line, in the page's font: the operators below give, cell by cell (a box,
            # then its text), without looking at each cell's lines again.
            baseline = f"{(page_height - (y + _CELL_PAD + _ROW_LINE * 1 - 0.9)) * k:.2f}"
            for word, (_x, left, wide, text_x) in zip(words, columns):
                drawn = encoded.get((word, style))
                if drawn is None:
                    drawn = encoded[(word, style)] = pdf.current_font.encode_text(
                        pdf.normalize_text(word) if not word.isascii() else word)
                ops.append(f"{left} {top} {wide} {tall} re S\nBT {text_x} {baseline} Td {drawn} ET")
            pen.flush()
            pdf.set_y(y + height)
            return None
        for lines, (x, left, wide, text_x) in zip(cells, columns):
            ops.append(f"{left} {top} {wide} {tall} re S")
            if font_set and len(lines) == 1 and len(lines[0]) == 1:  # most cells: one run on one line
                offset, word, style = lines[0][0]
                if style == style_now and offset == 0.0:  # in the page's font already: as below, without the loops
                    drawn = encoded.get((word, style))
                    if drawn is None:
                        drawn = encoded[(word, style)] = pdf.current_font.encode_text(
                            pdf.normalize_text(word) if not word.isascii() else word)
                    if not baselines:
                        baseline = y + _CELL_PAD + _ROW_LINE * 1 - 0.9
                        baselines.append(f"{(page_height - baseline) * k:.2f}")
                    ops.append(f"BT {text_x} {baselines[0]} Td {drawn} ET")
                    continue
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
        cells, height, words, style = layout(row, False)
        if pdf.get_y() + height > bottom:
            pdf.add_page()
            draw(*head)  # the header row again at the top of each page
        draw(cells, height, words, style)
