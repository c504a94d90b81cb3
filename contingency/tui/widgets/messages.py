"""Messages a section sends up to its screen, so a section never imports the screens it leads to."""

from __future__ import annotations

from textual.message import Message


class OpenPerson(Message):
    """Open this person's screen (the incident screen does, wherever in it the officer chose them)."""

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id


class Recorded(Message):
    """A section recorded something: the screen's header (next step due) and its log may have moved."""
