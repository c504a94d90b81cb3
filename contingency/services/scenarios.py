"""Tabletop-exercise scenarios: find them, load them, check them against the reference data and playbooks.

Scenario files live in the shipped `playbooks/exercises/` folder and in a council's own folder named by
$CONTINGENCY_EXERCISES (a council's file with the same id as a shipped one replaces it, as for playbooks).
Reading the reference data here is read-only: the same CSV files the store's migrations load (db/), so a
scenario can be checked before any exercise store exists.
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from contingency.engine.loader import load_playbooks
from contingency.models import ICB, Authority
from contingency.paths import resource_dir
from contingency.rules.authorities import AuthorityIndex, ICBIndex
from contingency.rules.geography import CouncilICB, Geography, SectorShare
from contingency.rules.scenario import (
    Problem,
    Scenario,
    parse_scenario,
    reference_problems,
)

ENV_FOLDER = "CONTINGENCY_EXERCISES"
SHIPPED = "exercises"  # under the shipped playbooks/ folder


# --- reference data (read-only) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """The lookups a scenario and its roster need: authorities, ICBs, postcode sectors, council -> ICB."""

    authorities: AuthorityIndex
    icbs: ICBIndex
    geography: Geography
    sectors_by_council: dict[str, tuple[str, ...]]  # GSS code -> sectors wholly in that council

    def sectors_of(self, authority: Authority) -> tuple[str, ...]:
        return self.sectors_by_council.get((authority.gss_code or "").upper(), ())

    def main_icb(self, authority: Authority) -> ICB | None:
        found = self.geography.main_icb(authority.gss_code)
        return None if found is None else self.icbs.resolve(found.icb_code)


def _rows(name: str) -> list[dict[str, str]]:
    with (resource_dir("db") / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def reference() -> Reference:
    """Read once per process: the reference data changes only with a release."""
    authorities = AuthorityIndex(
        Authority(code=r["code"], gss_code=r["gss_code"] or None, name=r["name"], nice_name=r["nice_name"],
                  nation=r["nation"], kind=r["kind"]) for r in _rows("authorities.csv"))
    icbs = ICBIndex(ICB(gss_code=r["gss_code"], ods_code=r["ods_code"], name=r["name"]) for r in _rows("icbs.csv"))
    sector_rows = [SectorShare(sector=r["sector"], la_gss_code=r["la_gss_code"], la_name=r["la_name"],
                               share=float(r["share"]), main=r["main"] == "yes") for r in _rows("postcode_sectors.csv")]
    council_icbs = [CouncilICB(la_gss_code=r["la_gss_code"], icb_code=r["icb_code"], icb_gss_code=r["icb_gss_code"],
                               icb_name=r["icb_name"], share=float(r["share"]), main=r["main"] == "yes",
                               confirmed=r["confirmed"] == "yes") for r in _rows("la_icb_2026.csv")]
    whole: dict[str, list[str]] = {}
    for row in sector_rows:
        if row.share >= 1.0:  # only sectors wholly in one council, so a generated address is unambiguous
            whole.setdefault(row.la_gss_code.upper(), []).append(row.sector)
    return Reference(authorities=authorities, icbs=icbs, geography=Geography(sector_rows, council_icbs),
                     sectors_by_council={k: tuple(sorted(v)) for k, v in whole.items()})


# --- discovery and loading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    """A scenario file found on disk: its path, where it came from, and the scenario or its problems."""

    path: Path
    source: str  # "shipped" or "council"
    scenario: Scenario | None
    problems: tuple[Problem, ...]


def shipped_folder() -> Path | None:
    try:
        folder = resource_dir("playbooks") / SHIPPED
    except FileNotFoundError:
        return None
    return folder if folder.is_dir() else None


def council_folder() -> Path | None:
    configured = os.environ.get(ENV_FOLDER)
    return Path(configured).expanduser() if configured else None


def discover() -> tuple[list[Found], list[Problem]]:
    """Every scenario file: a council's own first, then the shipped ones whose id it does not replace.
    The second list holds problems with the folders themselves."""
    problems: list[Problem] = []
    own: list[Found] = []
    folder = council_folder()
    if folder is not None:
        if folder.is_dir():
            own = [validate_found(path, "council") for path in sorted(folder.glob("*.toml"))]
        else:
            problems.append(Problem(str(folder), f"the exercise folder set in ${ENV_FOLDER} does not exist"))
    replaced = {f.path.stem for f in own}
    shipped_dir = shipped_folder()
    shipped = [] if shipped_dir is None else [
        validate_found(path, "shipped") for path in sorted(shipped_dir.glob("*.toml")) if path.stem not in replaced]
    return own + shipped, problems


def find(name: str) -> Path | None:
    """A scenario by id (as `exercise list` shows it), or None."""
    found, _ = discover()
    return next((f.path for f in found if f.path.stem == name), None)


def read_file(path: Path) -> tuple[Scenario | None, list[Problem]]:
    """One file, checked on its own (format, ids, times, counts) but not against the reference data."""
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [Problem(name, "does not exist")]
    except IsADirectoryError:
        return None, [Problem(name, "is a folder, not a scenario file")]
    except OSError as exc:
        return None, [Problem(name, f"cannot be read: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return None, [Problem(name, "is not UTF-8 text; save it as UTF-8")]
    except tomllib.TOMLDecodeError as exc:
        return None, [_syntax_problem(name, exc)]
    return parse_scenario(data, file=name, expected_id=path.stem)


def validate(path: Path) -> list[Problem]:
    """Everything wrong with a scenario file: its format, then its authority and ICB names, its playbook and
    step references and its attachments. An empty list means it will load."""
    return list(validate_found(path, "given").problems)


def load(path: Path) -> Scenario:
    """The scenario, or ScenarioInvalid carrying every problem."""
    found = validate_found(path, "given")
    if found.scenario is None:
        raise ScenarioInvalid(found.problems)
    return found.scenario


class ScenarioInvalid(ValueError):
    def __init__(self, problems: tuple[Problem, ...]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def validate_found(path: Path, source: str) -> Found:
    scenario, problems = read_file(path)
    if scenario is not None:
        problems = check_references(scenario, folder=path.parent)
    return Found(path=path, source=source, scenario=scenario if not problems else None, problems=tuple(problems))


def check_references(scenario: Scenario, *, folder: Path | None = None) -> list[Problem]:
    ref = reference()
    playbooks, _ = load_playbooks()
    steps = {p.id: [s.id for s in p.steps] for p in playbooks}
    attachments = [] if folder is None else [p.name for p in folder.iterdir() if p.is_file()]
    return reference_problems(scenario, file=scenario.file, authority=ref.authorities.resolve,
                              icb=ref.icbs.resolve, steps=steps, attachments=attachments)


def _syntax_problem(file: str, exc: tomllib.TOMLDecodeError) -> Problem:
    text, line = str(exc), None
    if "(at line " in text:
        text, _, where = text.partition(" (at line ")
        line = int(where.split(",")[0].rstrip(")"))
    return Problem(file, f"is not valid TOML: {text}; check quotes, brackets and commas", line=line)
