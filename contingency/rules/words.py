"""Counts in plain English: "1 person", "2 people", never "1 people"."""

from __future__ import annotations


def plural(count: int, singular: str, many: str | None = None) -> str:
    """The count with the right noun: plural(1, "body", "bodies") is "1 body"; `many` defaults to singular + "s"."""
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"
