"""Read playbook files: the shipped folder, then a council's own folder ($CONTINGENCY_PLAYBOOKS).

A broken file is reported (file, step, key, what is wrong) and left out; the others still load.
A council's playbook with the same id as a shipped one replaces it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from contingency.engine.models import Playbook, Problem, reference_problems
from contingency.paths import resource_dir

ENV_FOLDER = "CONTINGENCY_PLAYBOOKS"


def load_playbooks(extra: Path | None = None) -> tuple[list[Playbook], list[Problem]]:
    """Every valid playbook (a council's first, then the shipped ones it does not replace) and every problem."""
    if extra is None and os.environ.get(ENV_FOLDER):
        extra = Path(os.environ[ENV_FOLDER]).expanduser()
    problems: list[Problem] = []
    own: list[Playbook] = []
    if extra is not None:
        if extra.is_dir():
            own = _load_folder(extra, problems)
        else:
            problems.append(Problem(str(extra), f"the playbook folder set in ${ENV_FOLDER} does not exist"))
    replaced = {p.id for p in own}
    try:
        folder = resource_dir("playbooks")
    except FileNotFoundError as exc:
        problems.append(Problem("playbooks/", str(exc)))
        return own, problems
    shipped = [p for p in _load_folder(folder, problems) if p.id not in replaced]
    return own + shipped, problems


def playbook_for(playbooks: list[Playbook], classification: Any) -> Playbook | None:
    """The playbook that runs for a classification: the first that serves it (a council's own come first)."""
    return next((p for p in playbooks if p.serves_classification(classification)), None)


def _load_folder(folder: Path, problems: list[Problem]) -> list[Playbook]:
    loaded = []
    for path in sorted(folder.glob("*.toml")):
        playbook, found = load_file(path)
        problems.extend(found)
        if playbook is not None:
            loaded.append(playbook)
    return loaded


def load_file(path: Path) -> tuple[Playbook | None, list[Problem]]:
    """One file: the playbook, or None and everything wrong with it."""
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, [Problem(name, f"cannot be read: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return None, [Problem(name, "is not UTF-8 text; save it as UTF-8")]
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax_problem(name, exc)]
    return parse_playbook(data, file=name, expected_id=path.stem)


def parse_playbook(data: dict[str, Any], *, file: str, expected_id: str | None = None
                   ) -> tuple[Playbook | None, list[Problem]]:
    problems = []
    if expected_id is not None and isinstance(data.get("id"), str) and data["id"] != expected_id:
        problems.append(Problem(file, f"{data['id']!r} must match the file name ({expected_id}.toml)", field="id"))
    try:
        playbook = Playbook.model_validate(data, context={"defer_references": True})
    except ValidationError as exc:
        return None, problems + [_field_problem(file, data, error) for error in exc.errors()]
    problems += reference_problems(playbook, file=file)
    if problems:
        return None, problems
    playbook._file = file
    return playbook, []


def _syntax_problem(file: str, exc: tomllib.TOMLDecodeError) -> Problem:
    # "Invalid value (at line 12, column 7)": keep the words, lift the line out.
    text = str(exc)
    line = None
    if "(at line " in text:
        text, _, where = text.partition(" (at line ")
        line = int(where.split(",")[0].rstrip(")"))
    return Problem(file, f"is not valid TOML: {text}; check quotes, brackets and commas", line=line)


def _field_problem(file: str, data: dict[str, Any], error: dict[str, Any]) -> Problem:
    loc = list(error["loc"])
    step = None
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        steps = data.get("steps") or []
        raw = steps[loc[1]] if loc[1] < len(steps) else {}
        step = (raw.get("id") if isinstance(raw, dict) else None) or f"number {loc[1] + 1}"
        loc = loc[2:]
    field = ".".join(str(part) if not isinstance(part, int) else f"[{part + 1}]" for part in loc).replace(".[", "[")
    return Problem(file, _plain(error, field), step=step, field=field or None)


def _plain(error: dict[str, Any], field: str) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a key playbooks use; check the spelling (see playbooks/README.md)"
    if kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{error['input']!r} is not one of: {expected.replace(' or ', ', ')}"
    if kind == "string_pattern_mismatch" and field == "version":
        return f"{error['input']!r} is not a version: write numbers with dots, like 1.0.0"
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} is not an id: use lower-case words joined by hyphens, like notify-icb"
    if kind == "string_too_long":
        return f"is {len(error['input'])} characters; {error['ctx']['max_length']} at most"
    if kind in ("too_short", "string_too_short"):
        return "is empty; give at least one"
    if kind == "bool_type":
        return f"{error['input']!r} must be true or false, without quotes"
    return message.removeprefix("Value error, ")
