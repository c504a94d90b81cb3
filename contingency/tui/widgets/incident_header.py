"""The incident header: provider, classification, duty start and time elapsed, always in view."""

from __future__ import annotations

from textual.widgets import Static

from contingency.models import Classification, Incident
from contingency.rules.safe_text import printable
from contingency.rules.times import format_elapsed, format_local
from contingency.rules.words import plural


class IncidentHeader(Static):
    DEFAULT_CSS = """
    IncidentHeader {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $boost;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    IncidentHeader.-s48 { border-left: thick $error; }
    IncidentHeader.-urgent { border-left: thick $warning; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        # A provider's name is its own words: "[In Administration]" is text, not a tag.
        super().__init__(id=id, markup=False)

    def show(self, incident: Incident, now, next_due: str = "") -> None:
        facts = incident.facts
        elapsed = format_elapsed(now - facts.aware_at)
        self.set_class(incident.classification is Classification.SECTION_48_ACTIVE, "-s48")
        self.set_class(incident.classification is Classification.URGENT_NEED, "-urgent")
        duty = "duty from" if incident.classification in (
            Classification.SECTION_48_ACTIVE, Classification.URGENT_NEED) else "aware"
        line1 = f"{facts.provider_name} · {incident.classification.label}"
        line2 = (f"{duty} {format_local(facts.aware_at, now=now)} · {elapsed} ago · status {incident.status.value}"
                 f" · {plural(incident.people_count, 'person', 'people')}")
        # The next step has a line of its own so that it is never cut off (issue 4: never miss a step).
        lines = [line1, line2, *([f"next: {next_due}"] if next_due else [])]
        # Laid out again only when it gains or loses a line: every 30 s "ago" moves, its height does not.
        self.update(printable("\n".join(lines)), layout=len(lines) != getattr(self, "_lines", None))
        self._lines = len(lines)
