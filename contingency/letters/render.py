"""Render a letter template into blocks that the PDF and DOCX writers lay out the same way.

Templates are Jinja2 files in templates/ (a council can replace any of them by putting a file of the
same name in the folder named by CONTINGENCY_TEMPLATES). They render, in a sandbox, to a strict
subset of Markdown, so the terminal preview shows the same text:

    # Title              one per letter
    ## Heading
    - a bullet
    | a | b |            a table: the first row is the header, the next is |---|---|
    plain lines          a paragraph; a line ending in a backslash breaks the line there
    **bold**             inline

Every value inserted with {{ }} is escaped, so a name can never start a heading, end a line early
or split a table cell.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment

from contingency.paths import resource_dir
from contingency.rules.times import LONDON
from contingency.services.errors import BadInput

OVERRIDE_ENV = "CONTINGENCY_TEMPLATES"


# --- filters ---------------------------------------------------------------------------------------


def uk_date(value: date | datetime) -> str:
    """23 November 2026 (a time is read in Europe/London first)."""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    if not isinstance(value, date):
        raise TypeError(f"uk_date needs a date, not {value!r}")
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value: datetime) -> str:
    """01:40 GMT on 23 November 2026 (Europe/London, with GMT or BST so nobody has to guess)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise TypeError(f"uk_datetime needs a time with its timezone, not {value!r}")
    local = value.astimezone(LONDON)
    return f"{local:%H:%M} {local.tzname()} on {uk_date(local.date())}"


def money(pence: int) -> str:
    """Integer pence as pounds: 123456 -> £1,234.56."""
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise TypeError(f"money needs a whole number of pence, not {pence!r}")
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


# --- escaping values so they stay values -------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPECIAL = str.maketrans({"\\": "\\\\", "|": "\\|", "*": "\\*"})
_LINE_MARKERS = ("#", "-", "+", ">")


def _finalize(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return _escaped(value)


@lru_cache(maxsize=65_536)  # a council's letter repeats the same reasons and places thousands of times
def _escaped(value: str) -> str:
    text = " ".join(_CONTROL.sub("", value).split()).translate(_SPECIAL)
    return "\\" + text if text.startswith(_LINE_MARKERS) else text


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# --- the environment -----------------------------------------------------------------------------------

_TAG = re.compile(r"{%.*?%}|{#.*?#}")


class KeepLineEnds(Extension):
    """trim_blocks drops the newline after *every* block tag, so a line of text ending in an inline
    `{% endif %}` would run into the next line. Lines made only of tags still vanish; a line with text
    that ends in a tag keeps its newline. (Applies to a council's own templates too.)"""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        lines = source.split("\n")
        for index, line in enumerate(lines):
            if line.rstrip().endswith(("%}", "#}")) and _TAG.sub("", line).strip():
                lines[index] = line.rstrip() + "{{ '' }}"
        return "\n".join(lines)


def template_dirs() -> tuple[Path, ...]:
    """A council's own folder first (CONTINGENCY_TEMPLATES), then the templates shipped with contingency."""
    dirs: list[Path] = []
    override = os.environ.get(OVERRIDE_ENV, "").strip()
    if override:
        folder = Path(override).expanduser()
        if not folder.is_dir():
            raise BadInput(f"{OVERRIDE_ENV} is {override!r}, which is not a folder; fix it or unset it")
        dirs.append(folder)
    dirs.append(resource_dir("templates"))
    return tuple(dirs)


# Every name a plain dict answers as an attribute (its methods, and object's): `row.name` is anything else.
_DICT_NAMES = frozenset(dir(dict))


class _LetterEnvironment(SandboxedEnvironment):
    """The sandbox, with `row.name` on a plain dictionary answered without an exception first.

    The sandbox tries the attribute, catches AttributeError, then looks the key up: a council's letter
    reads a handful of fields from each of thousands of rows. For a plain dict that is not one of its own
    attribute names, getattr can only fail, so the key is looked up at once: the same value, or the same
    undefined, as before."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...]) -> SandboxedEnvironment:
    env = _LetterEnvironment(
        loader=FileSystemLoader([str(d) for d in dirs]),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml"), default_for_string=False),
        finalize=_finalize,
        extensions=[KeepLineEnds],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(uk_date=uk_date, uk_datetime=uk_datetime, money=money)
    return env


def render_text(name: str, context: dict[str, Any]) -> str:
    """Render one template, or raise BadInput naming the template, the line and the cause."""
    dirs = template_dirs()
    env = _environment(dirs)
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as exc:
        raise BadInput(f"letter template {exc.name} was not found in {' or '.join(str(d) for d in dirs)}") from None
    except TemplateSyntaxError as exc:
        raise BadInput(f"letter template {exc.filename or exc.name or name}, line {exc.lineno}: {exc.message}") from None
    except Exception as exc:  # noqa: BLE001 - a council's template is code we did not write: report anything
        where = _template_frame(exc, dirs)
        place = f"{where[0]}, line {where[1]}" if where else name
        raise BadInput(f"letter template {place}: {exc}") from None


def _template_frame(exc: BaseException, dirs: tuple[Path, ...]) -> tuple[str, int] | None:
    """Jinja2 rewrites tracebacks so template frames carry the template's file and line."""
    roots = [str(d) for d in dirs]
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.lineno and any(frame.filename.startswith(root) for root in roots):
            found = (frame.filename, frame.lineno)
    return found


# --- blocks ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  # title, heading, paragraph, bullet, table
    lines: tuple[str, ...] = ()  # still escaped: writers split them into runs with `spans`
    rows: tuple[tuple[str, ...], ...] = ()  # table cells, still escaped; the first row is the header


@dataclass(frozen=True)
class Letter:
    """A rendered letter, ready for either writer."""

    stem: str  # the file name without its extension
    title: str
    blocks: tuple[Block, ...]
    header: str  # top of every page
    footer: str  # bottom of every page, before the page number
    issued_at: datetime  # stamped into the documents so the same letter gives the same bytes
    author: str


_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _split(text: str, sep: str) -> list[str]:
    """Split on `sep` where it is not escaped by a backslash (the pieces stay escaped)."""
    if "\\" not in text:  # nearly always: scan by hand only when something is escaped
        return text.split(sep)
    pieces, current, i = [], [], 0
    while i < len(text):
        if text[i] == "\\":
            current.append(text[i:i + 2])
            i += 2
        elif text.startswith(sep, i):
            pieces.append("".join(current))
            current, i = [], i + len(sep)
        else:
            current.append(text[i])
            i += 1
    pieces.append("".join(current))
    return pieces


def _ends_with_break(line: str) -> bool:
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def _cells(line: str) -> tuple[str, ...]:
    cells = _split(line.strip(), "|")
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return tuple(cell.strip() for cell in cells)


def parse(text: str) -> tuple[Block, ...]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[tuple[str, ...]] = []

    def close() -> None:
        if paragraph:
            blocks.append(Block("paragraph", lines=_hard_lines(paragraph)))
            paragraph.clear()
        if table:
            blocks.append(Block("table", rows=tuple(table)))
            table.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|"):
            if paragraph:
                close()
            if "---" not in line or not _SEPARATOR.match(line):  # a separator has a run of three dashes
                table.append(_cells(line))
            continue
        if table:
            close()
        if not line:
            close()
        elif line.startswith("# "):
            close()
            blocks.append(Block("title", lines=(line[2:].strip(),)))
        elif line.startswith("## "):
            close()
            blocks.append(Block("heading", lines=(line[3:].strip(),)))
        elif line.startswith("- "):
            close()
            blocks.append(Block("bullet", lines=(line[2:].strip(),)))
        else:
            paragraph.append(line)
    close()
    return tuple(blocks)


def _hard_lines(lines: list[str]) -> tuple[str, ...]:
    """Join soft-wrapped lines with spaces; a trailing (unescaped) backslash breaks the line there."""
    out: list[str] = []
    current = ""
    for line in lines:
        hard = _ends_with_break(line)
        piece = line[:-1].rstrip() if hard else line
        current = f"{current} {piece}".strip()
        if hard:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return tuple(out)


def spans(line: str) -> list[tuple[str, bool]]:
    """An escaped line as (text, bold) runs; ** toggles bold, \\* is a literal star."""
    if "*" not in line and "\\" not in line:
        return [(line, False)] if line else []
    runs: list[tuple[str, bool]] = []
    bold = False
    for piece in _split(line, "**"):
        if piece:
            runs.append((unescape(piece), bold))
        bold = not bold
    return runs


def plain(line: str) -> str:
    return "".join(text for text, _ in spans(line))


def cell(text: str) -> tuple[str, bool]:
    """A table cell as (text, bold): a cell is bold only when all of it is."""
    if "*" not in text and "\\" not in text:  # most cells: plain text (spans would give it back as one run)
        return text, False
    runs = spans(text)
    return "".join(t for t, _ in runs), bool(runs) and all(bold for _, bold in runs)


def build(name: str, context: dict[str, Any], *, stem: str, header: str, footer: str, issued_at: datetime,
          author: str) -> tuple[Letter, str]:
    """Render and parse; returns the letter and the rendered text (the terminal preview shows the text)."""
    text = render_text(name, context)
    blocks = parse(text)
    title = next((plain(b.lines[0]) for b in blocks if b.kind == "title"), stem)
    return Letter(stem=stem, title=title, blocks=blocks, header=header, footer=footer, issued_at=issued_at,
                  author=author), text
