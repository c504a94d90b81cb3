"""Service errors in the officer's words.

The services speak to both the command line and the screens, so their messages carry field keys
("date_of_birth: ..."), step ids, flag keys and CLI flags that mean nothing on a screen. The TUI passes
every message it shows through `plain` rather than the services growing a second set of words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from contingency.person import FLAG_LABELS, FUNDING_LABELS, PersonStatus
from contingency.rules.columns import CANONICAL

# Keys that lead a message ("area: ...") but are not person fields.
_OTHER_FIELDS = {
    "area": "Area", "authority": "Council", "funding": "Funding", "recipient": "Recipient", "from": "From",
    "to": "To", "team": "Team", "officer": "Your name", "decided_at": "When decided", "late_reason": "Why logged late",
}
_FIELD_LABELS = {**CANONICAL, **_OTHER_FIELDS}

# Hyphenated keys an officer would otherwise read raw ("flag s21-immigration").
_KEY_WORDS = {
    **{flag.value: label for flag, label in FLAG_LABELS.items()},
    **{funding.value: label.lower() for funding, label in FUNDING_LABELS.items() if "-" in funding.value},
    **{status.value: status.label for status in PersonStatus if "-" in status.value},
}
_KEY = re.compile(r"(?<![\w-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])")

# CLI flags that have an equivalent on the forms; anything else loses its dashes.
_FLAG_WORDS = (
    (re.compile(r"give --on DATE, not a period"), "leave 'To' blank or the same as 'From', not a period"),
    (re.compile(r"\(--decision ID\)"), "(chosen under 'Authorised by')"),
    (re.compile(r"\(--decision-text with --rationale\)"), "(its words and rationale)"),
    (re.compile(r"\(--confirm-exercise, or tick the box\)"), "(tick the box)"),
    (re.compile(r"--confirm-exercise"), "the exercise box"),
)
# "; 'contingency people list 4' shows them", "run 'contingency setup --authority ...' first", "(see 'contingency --help')"
_COMMAND_CLAUSE = re.compile(
    r"\s*[;,(]?\s*(?:run |see |use )?'contingency[^']*'(?:\s+(?:shows|to list|first|for)\b[^;.)]*)?\)?")
_FLAG = re.compile(r"--([a-z][a-z-]*)")
_STEP = re.compile(r"\bstep '?([a-z0-9]+(?:-[a-z0-9]+)*)'?")


def plain(message: object, *, steps: Mapping[str, str] | None = None, this_step: str | None = None,
          sentence: bool = True) -> str:
    """`message` (an exception or text) as an officer should read it.

    steps: step id -> title, so "step confirm-duty-holder" reads as the step's title; this_step: the id
    of the step a dialog is already about, whose "step X:" prefix is dropped as it only repeats the title;
    sentence: start with a capital, as a notice does (a field's own message, beside its label, does not).
    """
    text = str(message).strip()
    if this_step:
        text = re.sub(rf"^step '?{re.escape(this_step)}'?(?: for [^:]+)?:\s*", "", text)
    if steps:
        text = _STEP.sub(lambda m: f"'{steps[m.group(1)]}'" if m.group(1) in steps else m.group(0), text)
    text = _COMMAND_CLAUSE.sub("", text)
    for pattern, words in _FLAG_WORDS:
        text = pattern.sub(words, text)
    text = _FLAG.sub(lambda m: "'" + m.group(1).replace("-", " ") + "'", text)
    text = re.sub(r"\b([a-z][a-z_]*[a-z]):\s", _field_label, text)
    text = _KEY.sub(lambda m: _KEY_WORDS.get(m.group(0), m.group(0)), text)
    if not text:  # the message was only a pointer to the command line
        return "See the help for this screen (f1)"
    return text[:1].upper() + text[1:] if sentence else text


def _field_label(match: re.Match[str]) -> str:
    key = match.group(1)
    label = _FIELD_LABELS.get(key)
    if label is None and "_" in key:
        label = key.replace("_", " ").capitalize()
    return f"{label}: " if label else match.group(0)
