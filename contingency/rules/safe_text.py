"""Text from the store made inert on its way out: to a terminal, and into a spreadsheet.

Names, suppliers and notes come from providers' lists and officers' typing. A terminal obeys escape
sequences in whatever it is sent ("\\x1b]0;...\\x07" retitles the window, others move the cursor or hide
text); a spreadsheet runs a cell that starts with "=", "+", "-" or "@" as a formula (OWASP, "CSV Injection").
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL; newline and tab are kept where the text is meant to run over lines.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def printable(text: str, *, multiline: bool = True) -> str:
    """`text` without control characters; newline and tab survive only in multi-line text."""
    return (_CONTROLS if multiline else _CONTROLS_ONE_LINE).sub("", text)


def csv_cell(value: object) -> object:
    """A value a spreadsheet shows rather than runs: text that could start a formula gets a leading "'".

    Numbers stay numbers, so totals still add up: "-12.50" (a credit in pounds) is a number, not a formula.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_cell_read(text: str) -> str:
    """A cell as it was before `csv_cell` (or a spreadsheet user, by OWASP's same rule) neutralised it: the "'"
    before text that starts like a formula is a guard, not data, and a spreadsheet never shows it."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START) and not _NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text


def csv_row(values):
    """Every cell of a csv.writer row through `csv_cell`."""
    return [csv_cell(value) for value in values]


def csv_record(record: dict) -> dict:
    """Every value of a csv.DictWriter row through `csv_cell`."""
    return {key: csv_cell(value) for key, value in record.items()}
