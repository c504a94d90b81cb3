"""A table cell that shows stored text as it is.

Textual reads a plain str cell as markup ("[/]" in a surname crashes the table) and rich.text.Text
keeps ESC, so a name can still carry a terminal escape sequence to the screen; a cell is neither.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from contingency.rules.safe_text import printable


def cell(text: str, **style: Any) -> Text:
    return Text(printable(text, multiline=False), **style)


class Literal(Static):
    """A Static for text that quotes the store (a title naming a provider or a person): never markup, and
    without control characters."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(printable(text), markup=False, **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(printable(content) if isinstance(content, str) else content, layout=layout)
