"""A table cell that shows stored text as it is.

Textual reads a plain str cell as markup ("[/]" in a surname crashes the table) and rich.text.Text
keeps ESC, so a name can still carry a terminal escape sequence to the screen; a cell is neither.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from contingency.rules.safe_text import printable


def cell(text: str, **style: Any) -> Text:
    return Text(printable(text, multiline=False), **style)
